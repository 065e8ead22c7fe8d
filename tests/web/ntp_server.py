"""A tiny NTP server on 127.0.0.1 (UDP, RFC 5905 packet format) whose clock runs ``offset`` seconds ahead."""

from __future__ import annotations

import socket
import struct
import threading
import time

NTP_EPOCH = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01


def _ntp_time(moment: float) -> bytes:
    seconds = int(moment) + NTP_EPOCH
    fraction = int((moment % 1) * 2**32)
    return struct.pack("!II", seconds, fraction)


class NtpServer:
    def __init__(self, offset: float) -> None:
        self.offset = offset
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, client = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            except OSError:
                return
            received = time.time() + self.offset
            self.requests += 1
            header = struct.pack("!BBbbII4s", (0 << 6) | (3 << 3) | 4, 2, 6, -20, 0, 0, b"LOCL")
            packet = header + _ntp_time(received - 10) + data[40:48] + _ntp_time(received) + _ntp_time(
                time.time() + self.offset)
            self.sock.sendto(packet, client)

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.sock.close()
