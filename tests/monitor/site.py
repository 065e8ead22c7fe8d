"""A local site whose pages change between checks, disappear, go behind a login wall or stop answering.

Each watched page is ``/p/<name>``; the test sets its state (:class:`PageState`)
between checks. Pages are of realistic size (a news article with a sidebar, a
stylesheet, an image and a rotating ad). ``/list`` is a listing of post links,
``/feed.xml`` an RSS feed; ``/hang/<name>`` accepts the request and answers only
when released (to kill a check in the middle).
"""

from __future__ import annotations

import struct
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CSS = ("article p { line-height: 1.5; margin: 0 0 1em } .ad { border: 1px dashed #999 } "
       "nav a { margin-right: 1em }\n" * 60).encode()
PARAGRAPH = ("Ủy ban nhân dân tỉnh thông báo về việc kiểm tra, xử lý các thông tin sai sự thật trên không gian mạng; "
             "người dân cần tỉnh táo trước các lời mời chuyển khoản, đầu tư tiền ảo lãi suất cao. ")


def _png(width: int, height: int, seed: int) -> bytes:
    """A real PNG (zlib-compressed rows) whose pixels depend on ``seed``."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            row += bytes(((x * 7 + y * 3 + seed * 40) % 256, (x + seed * 90) % 256, (y * 5) % 256))
        rows.append(bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    head = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


IMAGE = _png(320, 180, 1)


@dataclass
class PageState:
    version: int = 1
    status: int = 200  # 200, 404, 410, 401 (login wall), 0 (connection dropped)
    extra: str = ""  # text appended to the article
    ad_counter: int = 0  # changes on every request when ``rotate_ad``
    rotate_ad: bool = False


@dataclass
class SiteState:
    pages: dict[str, PageState] = field(default_factory=dict)
    posts: list[tuple[str, str]] = field(default_factory=list)  # (slug, title) on /list and /feed.xml
    hits: dict[str, int] = field(default_factory=dict)
    hang_seen: threading.Event = field(default_factory=threading.Event)
    hang_release: threading.Event = field(default_factory=threading.Event)


def article(name: str, state: PageState) -> str:
    state.ad_counter += 1 if state.rotate_ad else 0
    body = "".join(f"<p>{PARAGRAPH} Đoạn {i} của bài {name}, phiên bản {state.version if i == 3 else 1}.</p>"
                   for i in range(1, 40))
    return (f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Bài {name}</title>"
            f"<link rel='stylesheet' href='/static/site.css'></head><body>"
            f"<nav><a href='/'>Trang chủ</a><a href='/list'>Tin mới</a></nav>"
            f"<div class='ad' id='ad'>Quảng cáo số {state.ad_counter}</div>"
            f"<article id='main'><h1>Tiêu đề bài {name}</h1><img src='/static/photo.png' width='320' height='180'>"
            f"{body}<p id='extra'>{state.extra}</p></article>"
            f"<aside><p>Lượt xem: {state.ad_counter * 13}</p></aside></body></html>")


class MonitorSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = SiteState()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def page(self, name: str) -> PageState:
        with self.lock:
            return self.state.pages.setdefault(name, PageState())

    def stop(self) -> None:
        self.state.hang_release.set()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: MonitorSite
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        site = self.server
        path = self.path.split("?")[0]
        with site.lock:
            site.state.hits[path] = site.state.hits.get(path, 0) + 1
        if path == "/ip":  # an echo service: the caller's address as this server saw it
            return self._send(200, self.client_address[0].encode(), "text/plain")
        if path == "/static/site.css":
            return self._send(200, CSS, "text/css")
        if path == "/static/photo.png":
            return self._send(200, IMAGE, "image/png")
        if path == "/favicon.ico":
            return self._send(404, b"")
        if path.startswith("/p/"):
            name = path[3:]
            state = site.page(name)
            if state.status == 0:
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            if state.status == 401:
                return self._send(401, "<html><body><form><h1>Đăng nhập để xem</h1><input type=password></form>"
                                  "</body></html>".encode(), headers={"WWW-Authenticate": 'Basic realm="site"'})
            if state.status in (404, 410):
                return self._send(state.status, f"<html><body><h1>{state.status}: không tìm thấy</h1></body></html>"
                                  .encode())
            return self._send(200, article(name, state).encode())
        if path.startswith("/hang/"):
            site.state.hang_seen.set()
            site.state.hang_release.wait(120)
            return self._send(200, article(path[6:], site.page(path[6:])).encode())
        if path == "/list":
            links = "".join(f"<li><a href='/post/{slug}'>{title}</a></li>" for slug, title in site.state.posts)
            return self._send(200, f"<!doctype html><html><head><meta charset='utf-8'><title>Tin mới</title></head>"
                              f"<body><ul id='posts'>{links}</ul><p>{PARAGRAPH * 5}</p></body></html>".encode())
        if path == "/feed.xml":
            items = "".join(f"<item><title>{title}</title><link>{self.server.base}/post/{slug}</link>"
                            f"<guid>{self.server.base}/post/{slug}</guid><description>{title} — {PARAGRAPH}"
                            f"</description></item>" for slug, title in site.state.posts)
            body = (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Tin tỉnh</title>"
                    f"<link>{self.server.base}/</link><description>Tin</description>{items}</channel></rss>")
            return self._send(200, body.encode(), "application/rss+xml; charset=utf-8")
        if path.startswith("/post/"):
            slug = path[6:]
            title = dict(site.state.posts).get(slug, "")
            return self._send(200, f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
                              f"<body><article><h1>{title}</h1><p>{PARAGRAPH}</p></article></body></html>".encode())
        return self._send(404, b"<html><body>not found</body></html>")
