"""The test web site, served on 127.0.0.1 over HTTP and HTTPS (a certificate the tests make).

Each route is one situation a capture must handle; the bytes the server sends
for the encoded resources are kept so tests can compare the WARC to them.
"""

from __future__ import annotations

import datetime
import gzip
import io
import ipaddress
import secrets
import shutil
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VIETNAMESE = "Xin chào! Đây là trang thử nghiệm thu thập chứng cứ điện tử: Ứng dụng, tiếng Việt có dấu."
CSS = ("body { font-family: sans-serif; color: #123; }\n" * 200).encode()
JS = ("document.documentElement.dataset.brotli = 'ok';\n" + "// padding\n" * 300).encode()
GZ_CSS = gzip.compress(CSS, mtime=0)
BR_JS = brotli.compress(JS)
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0000003010100c9fe92"
    "ef0000000049454e44ae426082")

INDEX = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Trang thử nghiệm — chứng cứ</title>
<meta property="og:title" content="Tiêu đề Open Graph"><meta property="og:type" content="article">
<meta name="twitter:card" content="summary"><meta name="description" content="Mô tả trang thử nghiệm">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Bài báo thử nghiệm", "author": {{"@type": "Person", "name": "Nguyễn Văn A"}}}}</script>
<link rel="stylesheet" href="/static/style.css"><script src="/static/app.js"></script></head>
<body><h1>{VIETNAMESE}</h1>
<p><a href="/redirect/1">chuyển hướng</a> <a href="https://example.org/ngoai">liên kết ngoài</a></p>
<form action="/tim-kiem"><input name="q" placeholder="Tìm kiếm"> <input name="email" type="email">
<input name="mat-khau" type="password"> <button>Gửi</button></form>
<iframe src="/frame" width="300" height="100"></iframe>
<video src="/media/clip.webm" preload="auto" width="64" height="64"></video>
<div style="height: 4000px">khoảng trống</div>
<img id="native-lazy" src="/img/lazy-native.png" loading="lazy" width="50" height="50">
<div style="height: 2000px"></div>
<img id="js-lazy" data-src="/img/lazy-js.png" width="50" height="50">
<script>
new IntersectionObserver((entries, obs) => {{ for (const e of entries) if (e.isIntersecting) {{
  e.target.src = e.target.dataset.src; obs.unobserve(e.target); }} }}).observe(document.getElementById('js-lazy'));
</script></body></html>"""

INFINITE = """<!doctype html><html><head><title>Cuộn vô hạn</title></head><body><div id="list"></div><script>
let n = 0;
async function more() { const r = await fetch('/more?n=' + (n++)); const t = await r.text();
  for (let i = 0; i < 5; i++) { const d = document.createElement('div'); d.style.height = '400px';
    d.textContent = t + ' ' + i; document.getElementById('list').appendChild(d); } }
more(); more();
window.addEventListener('scroll', () => { if (window.innerHeight + window.scrollY > document.body.scrollHeight - 800) more(); });
</script></body></html>"""

ACCOUNT_NAME = "Tài khoản điều tra số 7"
#: A 9,000 px page whose look depends on the emulated device: viewport height, touch, pixel density, a fixed bar.
EMULATION = """<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Giả lập thiết bị</title><style>body { margin: 0; font: 15px serif }
.screen { height: 100vh; background: linear-gradient(#c00, #00c) } .bar { position: fixed; top: 0; height: 40px;
width: 100%; background: #0a0 } .row { height: 60px; border-bottom: 1px solid #999 }
@media (pointer: coarse) { .row { background: #ffd } } @media (min-resolution: 2dppx) { .row { color: #a0a } }
</style></head><body><div class="bar">thanh cố định</div><div class="screen"></div>
<div id="rows"></div><script>
const rows = document.getElementById('rows');
for (let i = 0; rows.getBoundingClientRect().height + innerHeight < 9000; i++) {
  const d = document.createElement('div'); d.className = 'row'; d.textContent = 'Dòng ' + i + ' — ' + 'chữ '.repeat(i % 40);
  rows.appendChild(d); }
</script></body></html>"""
TALL_HEIGHT = 30_000
TALL = f"""<!doctype html><html><head><title>Trang rất dài</title><style>body {{ margin: 0 }}
#tall {{ height: {TALL_HEIGHT}px; background: repeating-linear-gradient(#c00 0, #c00 1000px, #00c 1000px, #00c 2000px) }}
</style></head><body><div id="tall"></div></body></html>"""


def _pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": "Tài liệu thử nghiệm"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _pdf_bytes()
ZIP = b"PK\x05\x06" + b"\0" * 18  # an empty ZIP archive


def make_video(folder: Path) -> bytes:
    path = folder / "clip.webm"
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is needed (installer/debian-packages.txt)"
    subprocess.run([ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", "color=c=red:s=64x64:d=1", "-c:v", "libvpx",
                    "-y", str(path)], check=True, timeout=60)
    return path.read_bytes()


@dataclass
class Tls:
    cert_pem: Path
    key_pem: Path
    fingerprint: str


def make_certificate(folder: Path) -> Tls:
    """A self-signed certificate for localhost and 127.0.0.1 (it is its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Forensics test site"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Thử nghiệm")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_pem, key_pem = folder / "site-cert.pem", folder / "site-key.pem"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return Tls(cert_pem, key_pem, cert.fingerprint(hashes.SHA256()).hex())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SiteServer

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _page(self, title: str, body: str, status: int = 200) -> None:
        html = f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>"
        self._send(status, html.encode())

    def do_GET(self) -> None:  # noqa: C901 (one route table)
        path = self.path.split("?")[0]
        self.server.requested.append(path)
        self.server.credentials_seen.extend(f"{k}: {v}" for k, v in self.headers.items()
                                            if k.lower() in ("cookie", "authorization"))
        if self.server.latency:
            time.sleep(self.server.latency)
        if path == "/":
            self._send(200, INDEX.encode())
        elif path == "/static/style.css":
            self._send(200, GZ_CSS, "text/css", Content_Encoding="gzip", Vary="Accept-Encoding")
        elif path == "/static/app.js":
            self._send(200, BR_JS, "application/javascript", Content_Encoding="br")
        elif path == "/frame":
            self._page("Khung", "<p>Nội dung khung nhúng</p>")
        elif path == "/media/clip.webm":
            self._send(200, self.server.video, "video/webm")
        elif path.startswith("/img/"):
            self._send(200, PNG_1PX, "image/png")
        elif path == "/redirect/1":
            self._send(301, b"", Location="/redirect/2")
        elif path == "/redirect/2":
            self._send(302, b"", Location="/redirect/final")
        elif path == "/redirect/final":
            self._page("Đích chuyển hướng", "<p>Đã đến trang đích</p>")
        elif path == "/loop/a":
            self._send(302, b"", Location="/loop/b")
        elif path == "/loop/b":
            self._send(302, b"", Location="/loop/a")
        elif path == "/alert":
            self._page("Cảnh báo", "<p>trang có hộp thoại</p><script>alert('Cảnh báo thử nghiệm: lừa đảo!')</script>")
        elif path == "/popup":
            self._page("Cửa sổ bật lên", "<script>window.open('/popup-target', '_blank')</script><p>popup</p>")
        elif path == "/popup-target":
            self._page("Đích bật lên", "<p>bật lên</p>")
        elif path == "/download":
            self._page("Tải xuống", "<a id='dl' href='/files/evidence.zip' download>tải</a>"
                       "<script>setTimeout(() => document.getElementById('dl').click(), 50)</script>")
        elif path == "/files/evidence.zip":
            self._send(200, ZIP, "application/zip", Content_Disposition='attachment; filename="evidence.zip"')
        elif path == "/infinite":
            self._send(200, INFINITE.encode())
        elif path == "/more":
            self._send(200, "mục mới".encode(), "text/plain; charset=utf-8")
        elif path == "/tall":
            self._send(200, TALL.encode())
        elif path == "/emulation":
            self._send(200, EMULATION.encode())
        elif path == "/doc.pdf":
            self._send(200, PDF, "application/pdf")
        elif path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            self._page(f"Lỗi {code}", f"<p>mã lỗi {code}</p>", status=code)
        elif path == "/broken-sub":  # one sub-request that genuinely fails: nothing listens on that port
            self._page("Ảnh hỏng", f"<p>ảnh từ máy chủ không hoạt động</p>"
                       f"<img src='{self.server.scheme}://localhost:{self.server.closed_port}/missing.png'>")
        elif path in ("/login", "/account", "/api/me", "/api-client"):
            self._account(path)
        elif path == "/never":
            self._never()
        elif path == "/big":
            self._big()
        else:
            self._page("Không tìm thấy", "<p>không có</p>", status=404)

    def _account(self, path: str) -> None:
        """An investigation account's session: a cookie set at login, a bearer token the page keeps in
        localStorage and sends to its API. No response ever repeats a credential."""
        server = self.server
        if path == "/login":
            session = secrets.token_hex(16)
            server.sessions[session] = ACCOUNT_NAME
            server.tokens.add(token := secrets.token_hex(16))
            body = (f"<!doctype html><html><head><meta charset='utf-8'><title>Đăng nhập</title></head><body>"
                    f"<p>đã đăng nhập</p><script>localStorage.setItem('token', {token!r})</script></body></html>")
            self._send(200, body.encode(), Set_Cookie=f"phien={session}; Path=/; HttpOnly")
            return
        cookie = self.headers.get("Cookie") or ""
        account = next((name for key, name in server.sessions.items() if f"phien={key}" in cookie), None)
        if path == "/api/me":
            bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            self._send(200 if bearer in server.tokens else 401, b'{"ok": true}' if bearer in server.tokens
                       else b'{"ok": false}', "application/json")
        elif path == "/api-client":  # a page that sends a fixed bearer token of its own (no login)
            self._page("Ứng dụng API", "<p>gọi API</p><script>fetch('/api/me', {headers: {Authorization: "
                       "'Bearer ' + ['public', 'api', 'key'].join('-')}})</script>")
        elif account is None:
            self._page("Cần đăng nhập", "<p>Bạn cần đăng nhập để xem nội dung này</p>", status=200)
        else:
            self._page("Tài khoản", f"<link rel='stylesheet' href='/static/style.css'><p>Đã đăng nhập: {account}</p>"
                       "<script>const t = localStorage.getItem('token'); if (t) fetch('/api/me', "
                       "{headers: {Authorization: 'Bearer ' + t}}).then(r => r.json()).then(d => "
                       "document.body.insertAdjacentHTML('beforeend', `<p id=api>API: ${d.ok}</p>`))</script>")

    def _never(self) -> None:
        """Headers and a first part, then nothing more until the server stops (at most two minutes)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        self.wfile.write("<!doctype html><html><head><title>Không bao giờ xong</title></head><body>"
                         "<h1>Đang tải mãi…</h1>".encode())
        self.wfile.flush()
        self.server.stopping.wait(120)

    def _big(self) -> None:
        """A 50 MB page: a small visible body and a 50 MB comment, streamed."""
        head = "<!doctype html><html><head><title>Trang 50 MB</title></head><body><p>trang lớn</p><!--".encode()
        tail = b"--></body></html>"
        filler = b"x" * (1 << 20)
        size = len(head) + 50 * len(filler) + len(tail)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.wfile.write(head)
        for _ in range(50):
            self.wfile.write(filler)
        self.wfile.write(tail)


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, video: bytes, tls: Tls | None = None, latency: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.video = video
        self.latency = latency
        self.stopping = threading.Event()
        self.requested: list[str] = []
        self.credentials_seen: list[str] = []  # Cookie and Authorization headers as the server received them
        self.sessions: dict[str, str] = {}  # session cookie value → account
        self.tokens: set[str] = set()
        self.scheme = "https" if tls is not None else "http"
        self.closed_port = _closed_port()
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls.cert_pem, tls.key_pem)
            self.socket = context.wrap_socket(self.socket, server_side=True)
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
