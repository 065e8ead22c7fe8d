"""The platforms, served locally under their real host names.

One HTTPS server listens on port 443 of a random loopback address
(127.x.y.z, so runs and other test sessions never collide); Chromium and the
recording proxy are told to resolve the platform hosts there
(``MAP www.facebook.com 127.x.y.z`` host rules), and trust a test certificate
that names them all. So platform detection, cookies and TLS checks all run on
the real addresses (https://www.facebook.com/…, https://t.me/s/…).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import ipaddress
import random
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.web.site import Tls

from .pages import facebook, generic, instagram, telegram, tiktok, x, youtube, zalo
from .pages.web import Request, Response, not_found

PAGE_HOSTS = {
    "facebook.com": "facebook", "www.facebook.com": "facebook", "m.facebook.com": "facebook",
    "www.youtube.com": "youtube", "youtube.com": "youtube",
    "www.tiktok.com": "tiktok", "x.com": "x", "t.me": "telegram", "zalo.me": "zalo",
    "www.instagram.com": "instagram", "tin.example.vn": "generic",
}
MEDIA_HOSTS = ("scontent.xx.fbcdn.net", "video.xx.fbcdn.net", "i.ytimg.com", "rr1---sn-test.googlevideo.com",
               "v16-webapp-prime.tiktok.com", "p16-sign-va.tiktokcdn.com", "pbs.twimg.com", "video.twimg.com",
               "cdn4.cdn-telegram.org", "photo-stal-1.zadn.vn", "s120-ava-talk.zadn.vn", "scontent.cdninstagram.com",
               "media.example.vn")
API_HOSTS = ("api.x.com", "api.twitter.com", "youtubei.googleapis.com", "www.googleapis.com", "accounts.google.com",
             "graph.facebook.com", "i.instagram.com")  # what yt-dlp may ask: answered 404, never the real internet
HOSTS = tuple(PAGE_HOSTS) + MEDIA_HOSTS + API_HOSTS


def make_platform_certificate(folder: Path, hosts: tuple[str, ...] = HOSTS) -> Tls:
    """A self-signed certificate (its own CA) naming every platform host."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Nền tảng thử nghiệm (test platforms)")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_pem, key_pem = folder / "platforms-cert.pem", folder / "platforms-key.pem"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return Tls(cert_pem, key_pem, cert.fingerprint(hashes.SHA256()).hex())


def media_bytes(path: str, video: bytes) -> tuple[bytes, str] | None:
    """A distinct image per address (so hashes differ), or the test video; ``/missing/`` is a 404."""
    if "/missing/" in path:
        return None
    lower = path.lower()
    if lower.endswith((".mp4", ".webm")) or "/video/" in lower or "videoplayback" in lower:
        return video, "video/webm" if lower.endswith(".webm") else "video/mp4"
    from PIL import Image

    seed = hashlib.sha256(path.encode()).digest()
    picture = Image.new("RGB", (64 + seed[0] % 64, 48 + seed[1] % 48), (seed[2], seed[3], seed[4]))
    out = io.BytesIO()
    if ".png" in lower:
        picture.save(out, "PNG")
        return out.getvalue(), "image/png"
    picture.save(out, "JPEG", quality=80)
    return out.getvalue(), "image/jpeg"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: PlatformSite

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._serve(b"")

    def do_HEAD(self) -> None:
        self._serve(b"", head=True)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._serve(self.rfile.read(length))

    def _serve(self, body: bytes, head: bool = False) -> None:
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        parts = urlsplit(self.path)
        cookies: dict[str, str] = {}
        for chunk in (self.headers.get("Cookie") or "").split(";"):
            if "=" in chunk:
                key, value = chunk.strip().split("=", 1)
                cookies[key] = value
        request = Request(self.command, host, parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()},
                          cookies, body, {k.lower(): v for k, v in self.headers.items()})
        self.server.seen.append((host, self.command, self.path))
        try:
            response = self.server.route(request)
        except Exception as exc:  # a bug in a test page: show it in the page, do not kill the server
            import traceback

            response = Response(500, ("<pre>" + traceback.format_exc() + "</pre>").encode(), headers=[])
            self.server.errors.append(repr(exc))
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for key, value in response.headers:
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(response.body)


class PlatformSite(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls: Tls, video: bytes, address: str | None = None) -> None:
        self.address = address or random_loopback()
        super().__init__((self.address, 443), Handler)
        self.tls = tls
        self.video = video
        self.data: dict[str, dict[str, Any]] = {name: {} for name in set(PAGE_HOSTS.values())}
        self.seen: list[tuple[str, str, str]] = []
        self.errors: list[str] = []
        self.options: dict[str, Any] = {}
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.cert_pem, tls.key_pem)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def host_rules(self) -> tuple[str, ...]:
        return tuple(f"MAP {host} {self.address}" for host in HOSTS)

    def route(self, request: Request) -> Response:
        platform = PAGE_HOSTS.get(request.host)
        if platform is None:
            found = media_bytes(request.path, self.video) if request.host in MEDIA_HOSTS else None
            if found is None:
                return not_found()
            return Response(200, found[0], found[1], headers=[("Cache-Control", "max-age=3600")])
        if request.path.startswith("/ajax/") and self.options.get("ajax_delay"):  # a slow platform
            time.sleep(float(self.options["ajax_delay"]))
        module = {"facebook": facebook, "youtube": youtube, "tiktok": tiktok, "x": x, "telegram": telegram,
                  "zalo": zalo, "instagram": instagram, "generic": generic}[platform]
        return module.route(request, self.data[platform])  # type: ignore[attr-defined, no-any-return]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def random_loopback() -> str:
    """An address in 127.0.0.0/8 nobody else uses (Linux routes the whole block to the loopback device)."""
    rng = random.SystemRandom()
    while True:
        address = f"127.{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"
        if ipaddress.ip_address(address).is_loopback:
            return address
