"""The test site for the scale-out tests: tests/web/site.py's routes plus numbered articles and held pages.

``/article/N`` is the bundled sample site's article N (realistic: Vietnamese text,
Open Graph, a gzip style sheet, images). ``/held/N`` is an article whose answer
waits until the test releases it, so a test knows a worker is mid-capture (the
request arrived) and can kill it then; ``arrived`` says which held pages were asked.
"""

from __future__ import annotations

import random
import threading

from forensics_app.services.web_sample import BANNER, PHOTO, STYLE, article
from tests.web.site import Handler, SiteServer, Tls

NOISE = random.Random(19).randbytes(400_000)


class ScaleHandler(Handler):
    server: ScaleSite

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path.startswith(("/article/", "/held/")) and path.rsplit("/", 1)[1].isdigit():
            number = int(path.rsplit("/", 1)[1])
            self.server.requested.append(path)
            if path.startswith("/held/"):
                with self.server.lock:
                    self.server.arrived.append(number)
                    self.server.clients.append(int(self.client_address[1]))
                    self.server.arrival.notify_all()
                self.server.release.wait(120)
            self._send(200, article(number))
        elif path == "/heavy":  # a page whose WARC spans several 64 KiB age chunks (an incompressible image)
            self._send(200, ("<!doctype html><html><head><meta charset='utf-8'><title>Trang nặng</title></head>"
                             "<body><p>ảnh lớn</p><img src='/static/noise.png'></body></html>").encode())
        elif path == "/static/noise.png":
            self._send(200, NOISE, "image/png")
        elif path == "/static/style.css":
            self._send(200, STYLE, "text/css", Content_Encoding="gzip")
        elif path in ("/static/banner.png", "/static/photo.png"):
            self._send(200, BANNER if "banner" in path else PHOTO, "image/png")
        else:
            super().do_GET()


class ScaleSite(SiteServer):
    def __init__(self, video: bytes, tls: Tls | None = None) -> None:
        super().__init__(video, tls)
        self.RequestHandlerClass = ScaleHandler
        self.lock = threading.Lock()
        self.arrival = threading.Condition(self.lock)
        self.arrived: list[int] = []
        self.clients: list[int] = []  # the client port of each held request (whose connection it is)
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_arrived(self, count: int, timeout: float) -> list[int]:
        """Until ``count`` held pages were asked for (a worker is mid-capture)."""
        with self.arrival:
            if not self.arrival.wait_for(lambda: len(self.arrived) >= count, timeout):
                raise TimeoutError(f"only {len(self.arrived)} of {count} held pages were asked for in {timeout} s")
            return list(self.arrived)

    def handle_error(self, request: object, client_address: object) -> None:
        """A killed worker's connection breaks mid-answer: expected here, no traceback."""

    def reset(self) -> None:
        with self.lock:
            self.arrived.clear()
            self.clients.clear()
        self.release.clear()

    def stop(self) -> None:
        self.release.set()
        super().stop()


#: Thirty addresses of different shapes: articles, the front page, redirects, a 404, a frame, a PDF, a dialog.
def thirty_urls(base: str) -> list[str]:
    special = ["/", "/redirect/1", "/status/404", "/frame", "/doc.pdf", "/alert"]
    return [base + p for p in special] + [f"{base}/article/{n}" for n in range(1, 31 - len(special))]
