"""ReplayWeb.page, the WACZ viewer prosecutors use, served on 127.0.0.1 for the replay tests.

The viewer is the published npm package (``installer/replay_viewer_setup.sh`` unpacks it into a cache
folder; CI runs that script from ``make setup``, and :func:`viewer_folder` runs it when the folder is
missing). Its page embeds ``<replay-web-page>`` with the WACZ under test; its service worker is served
from ``/replay/sw.js``, as the viewer expects; WACZ files are served with byte ranges, as it reads them.
"""

from __future__ import annotations

import html
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

VERSION = "2.5.3"
ROOT = Path(__file__).resolve().parents[2]


def viewer_folder() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(os.environ.get("FORENSICS_REPLAY_VIEWER") or Path(cache) / "forensics-toolkit" /
                  f"replaywebpage-{VERSION}") / "package"
    if not (folder / "ui.js").is_file():
        done = subprocess.run([str(ROOT / "installer" / "replay_viewer_setup.sh")], capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0 and (folder / "ui.js").is_file(), done.stdout + done.stderr
    return folder


class _Handler(BaseHTTPRequestHandler):
    server: ViewerServer

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: bytes, ctype: str, status: int = 200, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/ui.js":
            self._send((self.server.folder / "ui.js").read_bytes(), "application/javascript")
        elif parts.path == "/replay/sw.js":
            self._send((self.server.folder / "sw.js").read_bytes(), "application/javascript",
                       Service_Worker_Allowed="/")
        elif parts.path.startswith("/archives/"):
            self._archive(self.server.archives.get(parts.path.rsplit("/", 1)[1], b""))
        elif parts.path == "/view":
            query = parse_qs(parts.query)
            source, url = query["archive"][0], query["url"][0]
            page = (f"<!doctype html><html><head><meta charset='utf-8'><script src='/ui.js'></script></head>"
                    f"<body><replay-web-page source='/archives/{quote(source)}' url='{html.escape(url)}' "
                    f"replayBase='/replay/' embed='replayonly' style='display:block;width:1200px;height:800px'>"
                    f"</replay-web-page></body></html>")
            self._send(page.encode("utf-8"), "text/html; charset=utf-8")
        else:
            self._send(b"not here", "text/plain", 404)

    def _archive(self, data: bytes) -> None:
        if not data:
            self._send(b"no such archive", "text/plain", 404)
            return
        wanted = self.headers.get("Range", "")
        if wanted.startswith("bytes="):
            first, _, last = wanted[6:].partition("-")
            start = int(first) if first else max(0, len(data) - int(last))
            end = min(len(data) - 1, int(last)) if first and last else len(data) - 1
            self._send(data[start:end + 1], "application/wacz", 206, Accept_Ranges="bytes",
                       Content_Range=f"bytes {start}-{end}/{len(data)}")
        else:
            self._send(data, "application/wacz", Accept_Ranges="bytes")


class ViewerServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.folder = folder
        self.archives: dict[str, bytes] = {}
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def view_url(self, archive: str, url: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/view?archive={quote(archive)}&url={quote(url, safe='')}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
