"""A small site for the capture-hygiene tests: a canary page, a response that stalls half-way, a WebRTC page.

- ``/canary``: a page whose text holds the canary and an image of 1.5 MiB (canary inside, so the proxy's copy
  of it spills past its 512 KiB in memory);
- ``/stall``: the same page, but its image sends 1 MiB and then waits for :attr:`HygieneSite.release` (a capture
  to kill half-way);
- ``/mute``: sends nothing at all until :attr:`HygieneSite.release` (a request in flight when a capture ends);
- ``/everything``: every place a canary can hide at once: the page's text, an image's ``alt``, Open Graph data, a
  1.5 MiB image, a page tall enough to be shot in tiles, and a file the page downloads as it loads
  (``/canary-download.txt``, canary inside; :attr:`HygieneSite.downloaded` is set when it is served);
  ``/everything?stall=1`` the same with the stalling image (a capture to kill half-way);
- ``/webrtc?port=N``: opens an ``RTCPeerConnection`` to ``stun:127.0.0.1:N`` and sets ``window.__gathered``
  when ICE gathering is complete;
- ``/silent`` lives elsewhere: :func:`silent_listener` accepts connections and never answers.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CANARY = "CANARY-7f3e9b21-chung-cu-khong-duoc-lo"
BIG = (CANARY.encode("ascii") + b" " * 24) * (1536 * 1024 // 64)

_PAGE = ("<!doctype html><html><head><meta charset='utf-8'><title>Canary page</title></head><body>"
         "<h1>Bằng chứng</h1><p>{canary}</p><img src='{image}' width=10 height=10></body></html>")

_EVERYTHING = ("<!doctype html><html><head><meta charset='utf-8'><title>Canary everywhere</title>"
               "<meta property='og:title' content='{canary} og'><meta property='og:image' content='/big.bin'>"
               "</head><body><h1>Bằng chứng</h1><p>{canary}</p>"
               "<img src='{image}' alt='{canary} alt' width=10 height=10>"
               "<div style='height:2600px'>tall</div><p>end {canary}</p>"
               "<a id='dl' href='/canary-download.txt' download='canary-download.txt'>file</a>"
               "<script>document.getElementById('dl').click()</script></body></html>")
DOWNLOAD = (CANARY + " in a downloaded file\n").encode("ascii") * 64

_WEBRTC = """<!doctype html><html><head><meta charset='utf-8'><title>WebRTC</title></head><body><p>webrtc</p>
<script>
window.__gathered = false;
const pc = new RTCPeerConnection({iceServers: [{urls: 'stun:127.0.0.1:%d'}]});
pc.createDataChannel('x');
pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') window.__gathered = true; };
pc.createOffer().then(offer => pc.setLocalDescription(offer));
</script></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    server: HygieneSite

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: bytes, ctype: str = "text/html; charset=utf-8") -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.requested.append(parts.path)
        if parts.path == "/canary":
            self._send(_PAGE.format(canary=CANARY, image="/big.bin").encode("utf-8"))
        elif parts.path == "/big.bin":
            self._send(BIG, "application/octet-stream")
        elif parts.path == "/everything":
            image = "/stall.bin" if parse_qs(parts.query).get("stall") else "/big.bin"
            self._send(_EVERYTHING.format(canary=CANARY, image=image).encode("utf-8"))
        elif parts.path == "/canary-download.txt":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Disposition", "attachment; filename=canary-download.txt")
            self.send_header("Content-Length", str(len(DOWNLOAD)))
            self.end_headers()
            self.wfile.write(DOWNLOAD)
            self.server.downloaded.set()
        elif parts.path == "/stall":
            self._send(_PAGE.format(canary=CANARY, image="/stall.bin").encode("utf-8"))
        elif parts.path == "/stall.bin":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(BIG)))
            self.end_headers()
            self.wfile.write(BIG[: 1024 * 1024])
            self.wfile.flush()
            self.server.stalled.set()
            self.server.release.wait(120)
            try:
                self.wfile.write(BIG[1024 * 1024:])
            except OSError:
                pass
        elif parts.path == "/mute":  # says nothing, not even headers, until released
            self.server.muted.set()
            self.server.release.wait(120)
            self._send(b"late", "text/plain")
        elif parts.path == "/webrtc":
            port = int(parse_qs(parts.query).get("port", ["9"])[0])
            self._send((_WEBRTC % port).encode("utf-8"))
        else:
            self.send_error(404)


class HygieneSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requested: list[str] = []
        self.stalled = threading.Event()
        self.muted = threading.Event()
        self.downloaded = threading.Event()
        self.release = threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts connections and never says a word (an address that does not answer)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        sock.close()
