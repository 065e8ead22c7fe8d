"""The corpus of real saved pages, served unchanged over HTTPS under their real host names.

Each page of ``fixtures/social`` (facts.json) is served at its own
address (``https://www.facebook.com/ironmaiden/posts/…``) from a random
loopback address on port 443; every other host the pages name (their CDNs,
scripts, images) is mapped to the same server, which answers 404: the browser
never leaves the machine, and the page's own markup is all it gets, byte for
byte as saved.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from tests.web.site import Tls

from .site import make_platform_certificate, random_loopback

HOST_IN_PAGE = re.compile(rb"https?:(?:\\?/){2}([a-z0-9][a-z0-9.-]*\.[a-z]{2,})", re.IGNORECASE)


class CorpusHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: CorpusSite

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        page = self.server.pages.get((host, self.path))
        self.server.seen.append((host, self.path))
        body = page if page is not None else b"not found"
        self.send_response(200 if page is not None else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8" if page is not None else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class CorpusSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, corpus: Path, names: list[str], folder: Path) -> None:
        facts = json.loads((corpus / "facts.json").read_text("utf-8"))["pages"]
        self.facts = {name: facts[name] for name in names}
        self.pages: dict[tuple[str, str], bytes] = {}
        hosts: set[str] = set()
        for name, fact in self.facts.items():
            data = (corpus / "pages" / fact.get("page", name)).read_bytes()
            address = urlsplit(fact["url"])
            self.pages[(address.hostname or "", address.path + (f"?{address.query}" if address.query else ""))] = data
            hosts.add(address.hostname or "")
            hosts.update(h.decode().lower() for h in HOST_IN_PAGE.findall(data))
        self.hosts = tuple(sorted(h for h in hosts if len(h) < 200))
        self.tls: Tls = make_platform_certificate(folder, self.hosts)
        self.address = random_loopback()
        self.seen: list[tuple[str, str]] = []
        super().__init__((self.address, 443), CorpusHandler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.tls.cert_pem, self.tls.key_pem)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def host_rules(self) -> tuple[str, ...]:
        return tuple(f"MAP {host} {self.address}" for host in self.hosts)

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
