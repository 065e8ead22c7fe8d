"""A real DNS server on 127.0.0.1 (dnspython's wire format over UDP) answering TXT queries from a table."""

from __future__ import annotations

import socket
import threading

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class TxtServer:
    def __init__(self, records: dict[str, str]) -> None:
        self.records = {k.lower().rstrip("."): v for k, v in records.items()}
        self.queries: list[str] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> TxtServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            reply = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text().lower().rstrip(".")
            self.queries.append(name)
            record = self.records.get(name)
            if record is None or question.rdtype != dns.rdatatype.TXT:
                reply.set_rcode(dns.rcode.NXDOMAIN)
            else:
                chunks = " ".join(f'"{record[i:i + 255]}"' for i in range(0, len(record), 255))
                reply.answer.append(dns.rrset.from_text(question.name, 300, "IN", "TXT", chunks))
            self.sock.sendto(reply.to_wire(), peer)
