"""A bundled sample web site on 127.0.0.1: the demo captures it and the benchmark times against it.

A news-like front page and numbered articles in Vietnamese, with Open Graph
metadata, a gzip-encoded style sheet, images (one lazily loaded) and links.
``latency`` delays every response, as a real network would.
"""

from __future__ import annotations

import gzip
import struct
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

ARTICLES = 50
STYLE = gzip.compress((
    b"body { font-family: 'DejaVu Sans', sans-serif; margin: 2em auto; max-width: 52em; color: #1b1b1b }\n"
    b"header { border-bottom: 3px solid #b30000 } h1 { color: #b30000 } .tin { margin: 1em 0 }\n"
    b"img { display: block; margin: 1em 0 }\n"), mtime=0)


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


BANNER = _png(640, 120, (179, 0, 0))
PHOTO = _png(320, 200, (40, 90, 160))

PARAGRAPH = ("Theo phản ánh của người dân, một tài khoản mạng xã hội đã đăng tải thông tin sai sự thật về "
             "tình hình dịch bệnh tại địa phương, gây hoang mang dư luận. Cơ quan chức năng đang xác minh, "
             "thu thập dữ liệu điện tử để xử lý theo quy định của pháp luật.")


def _page(title: str, body: str, description: str) -> bytes:
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:title" content="{title}"><meta property="og:type" content="article">
<meta property="og:description" content="{description}"><meta name="twitter:card" content="summary">
<link rel="stylesheet" href="/static/style.css"></head>
<body><header><img src="/static/banner.png" width="640" height="120" alt="Báo Mẫu"></header>
{body}<footer><p>Trang mẫu của bộ công cụ thu thập chứng cứ — dữ liệu giả lập.</p></footer></body></html>""".encode()


def front_page() -> bytes:
    links = "".join(f'<li class="tin"><a href="/bai-viet/{n}">Bài viết số {n}: thông tin cần xác minh</a></li>'
                    for n in range(1, ARTICLES + 1))
    body = (f"<h1>Báo Mẫu — Tin tức</h1><p>{PARAGRAPH}</p><ul>{links}</ul>"
            '<img src="/static/photo.png" width="320" height="200" loading="lazy" alt="ảnh minh hoạ">')
    return _page("Báo Mẫu — Trang chủ", body, "Trang chủ của trang tin mẫu")


def article(number: int) -> bytes:
    body = (f"<article><h1>Bài viết số {number}: thông tin cần xác minh</h1>"
            f"<p><time datetime='2026-11-{1 + number % 28:02d}'>Ngày {1 + number % 28} tháng 11 năm 2026</time></p>"
            f"<p>{PARAGRAPH}</p>" + f"<p>{PARAGRAPH}</p>" * 3 +
            '<img src="/static/photo.png" width="320" height="200" alt="ảnh minh hoạ">'
            "<p><a href='/'>Về trang chủ</a></p></article>")
    return _page(f"Bài viết số {number}", body, f"Bài viết mẫu số {number}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SampleSite

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.server.latency:
            time.sleep(self.server.latency)
        path = self.path.split("?")[0]
        headers: dict[str, str] = {}
        if path == "/":
            status, ctype, body = 200, "text/html; charset=utf-8", front_page()
        elif path.startswith("/bai-viet/") and path[10:].isdigit() and 1 <= int(path[10:]) <= ARTICLES:
            status, ctype, body = 200, "text/html; charset=utf-8", article(int(path[10:]))
        elif path == "/static/style.css":
            status, ctype, body = 200, "text/css", STYLE
            headers["Content-Encoding"] = "gzip"
        elif path in ("/static/banner.png", "/static/photo.png"):
            status, ctype, body = 200, "image/png", BANNER if "banner" in path else PHOTO
        else:
            status, ctype, body = 404, "text/html; charset=utf-8", _page("Không tìm thấy", "<h1>404</h1>", "404")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


class SampleSite(ThreadingHTTPServer):
    """``with SampleSite() as site: site.url`` — serves until the block ends."""

    daemon_threads = True

    def __init__(self, latency: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="sample-site", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that closes a connection early is normal here; no traceback on the console."""

    def article_urls(self, count: int = ARTICLES) -> list[str]:
        return [f"{self.url}/bai-viet/{n}" for n in range(1, count + 1)]

    def __enter__(self) -> SampleSite:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.shutdown()
        self.server_close()


def main() -> None:
    """``python -m forensics_app.services.web_sample [latency]``: serve until interrupted (for the benchmark)."""
    import sys

    latency = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
    with SampleSite(latency) as site:
        print(site.url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
