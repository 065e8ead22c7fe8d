"""Local servers and process isolation for the installer tests.

- :class:`CdnServer` speaks what Playwright's browser installer asks of its download server
  (``PLAYWRIGHT_DOWNLOAD_HOST``): the Chromium archive for this platform, and ffmpeg's. The archive
  holds a small ``chrome`` that answers ``--version`` like Chrome for Testing; the installer, the
  unpacking and the discovery afterwards are the real ones.
- :class:`Site` serves a page on 127.0.0.1 for captures from the bundle.
- :func:`hidden` runs a command in a private mount namespace where chosen paths are covered: the
  system's Chromium (no browser installed), or the build's ``.venv`` and Python (bundle only).
"""

from __future__ import annotations

import gzip
import io
import shutil
import stat
import subprocess
import threading
import zipfile
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE = ("<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Trang thử — bản cài</title>"
        "<link rel='stylesheet' href='/style.css'></head><body><h1>Xin chào từ bản cài độc lập</h1>"
        "<p>Nội dung kiểm thử: chứng cứ điện tử.</p></body></html>").encode()
CSS = ("h1 { color: #1f5f8b; }\n" * 50).encode()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # Unix: the mode below is kept when unpacked
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            archive.writestr(info, data)
    return buffer.getvalue()


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.requests: list[str] = []
        handler.server_state = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class CdnServer(_Server):
    def __init__(self, chromium_version: str) -> None:
        chrome = f"#!/bin/sh\necho 'Google Chrome for Testing {chromium_version}'\n".encode()
        self.files = {
            f"/builds/cft/{chromium_version}/linux64/chrome-linux64.zip": _zip({"chrome-linux64/chrome": chrome}),
        }
        self.ffmpeg = _zip({"ffmpeg-linux": b"#!/bin/sh\necho 'ffmpeg version test'\n"})

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self._answer(body=False)

            def do_GET(self) -> None:
                self._answer(body=True)

            def _answer(self, body: bool) -> None:
                state: CdnServer = self.server_state  # type: ignore[attr-defined]
                state.requests.append(f"{self.command} {self.path}")
                data = state.files.get(self.path)
                if data is None and self.path.startswith("/builds/ffmpeg/") and self.path.endswith("/ffmpeg-linux.zip"):
                    data = state.ffmpeg
                if data is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

        super().__init__(Handler)


class Site(_Server):
    """``/`` a Vietnamese page, ``/style.css`` served gzip-encoded."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                state: Site = self.server_state  # type: ignore[attr-defined]
                state.requests.append(self.path)
                if self.path == "/":
                    body, kind, extra = PAGE, "text/html; charset=utf-8", {}
                elif self.path == "/style.css":
                    body, kind, extra = gzip.compress(CSS, mtime=0), "text/css", {"Content-Encoding": "gzip"}
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(Handler)


def namespaces_work() -> bool:
    """Private mount namespaces (root with CAP_SYS_ADMIN, as in CI): needed to hide installed things."""
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "--mount", "sh", "-c", "mount -t tmpfs none /mnt"], capture_output=True,
                           check=False)
    return probe.returncode == 0


def hidden(paths: Sequence[Path], argv: Sequence[str]) -> list[str]:
    """``argv`` run where each path is covered: a file by /dev/null, a folder by an empty tmpfs."""
    covers = []
    for path in paths:
        if path.is_dir():
            covers.append(f"mount -t tmpfs -o size=1m none '{path}'")
        elif path.exists():
            covers.append(f"mount --bind /dev/null '{path}'")
    script = "set -e; " + "; ".join(covers) + '; exec "$@"' if covers else 'exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *[str(a) for a in argv]]
