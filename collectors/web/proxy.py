"""The recording proxy: warcprox as a library, between Chromium and the network.

Why a proxy: Playwright's ``response.body()`` is decompressed and has no raw
status line, so it cannot be the evidence copy. The proxy keeps the bytes as the
server sent them (a gzip or brotli body stays encoded, status line and headers
untouched) and writes them to a WARC, with the request as it was sent.

What we change in warcprox (a subclass per capture, never its class attributes):
- the origin's TLS certificate is verified by us (system trust plus the
  examiner's extra CAs) and the chain is recorded; an invalid one is refused
  unless ``insecure`` is set, and then the error is recorded;
- every connection goes through our address policy (loopback and private
  addresses refused unless allowed), with our resolver, whose answers are kept;
- a response cut off (the page never finished, the capture stopped) is still
  written, marked ``WARC-Truncated``, rather than lost;
- each response's copy is spooled sealed (:class:`.staging.ResponseSpool`: memory up
  to 512 KiB, then encrypted on disk), not to warcprox's plaintext temporary file,
  and the WARC itself is a sealed file.
"""

from __future__ import annotations

import datetime
import functools
import http.client
import http.server
import logging
import queue
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import warcprox
import warcprox.mitmproxy
import warcprox.stats
import warcprox.warc
import warcprox.warcproxy
from urllib3 import PoolManager

from evidence_store.catalogue.system import tls_reason_vi
from evidence_store.errors import CollectorError, ForensicsError, bilingual

from .redact import RedactionPolicy
from .staging import SealedFile
from .tls import describe_session
from .urls import AddressBlocked, Resolver, connect
from .warcwriter import WarcWriterThread

for _name in ("warcprox", "urllib3"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)  # its errors reach us as data, not log noise


@dataclass
class Journal:
    """What the proxy saw, shared between its threads (append-only under a lock)."""

    exchanges: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    redactions: list[dict[str, Any]] = field(default_factory=list)  # request records written with credentials redacted
    tls: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0  # requests being fetched right now
    changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    def add(self, bucket: str, entry: dict[str, Any]) -> None:
        with self.lock:
            getattr(self, bucket).append(entry)

    def begin(self) -> None:
        with self.lock:
            self.in_flight += 1

    def end(self) -> None:
        with self.lock:
            self.in_flight -= 1
            self.changed.notify_all()

    def wait_quiet(self, timeout: float) -> bool:
        """Until no request is being fetched (True), or ``timeout`` seconds (False): what the page asked for
        late (a favicon, a beacon) is recorded whole rather than cut when the capture ends."""
        with self.lock:
            return self.changed.wait_for(lambda: self.in_flight == 0, timeout=max(0.0, timeout))

    def set_tls(self, endpoint: str, facts: dict[str, Any]) -> None:
        with self.lock:
            self.tls.setdefault(endpoint, facts)


@dataclass(frozen=True)
class ProxyPolicy:
    allow_private: bool = False
    insecure: bool = False
    extra_ca_files: tuple[str, ...] = ()
    socket_timeout: int = 30
    max_resource_size: int = 512 * 1024 * 1024
    redaction: RedactionPolicy = RedactionPolicy()  # credentials kept out of the WARC's request records


class TlsRefused(CollectorError):
    """The origin's certificate did not validate and the examiner did not ask for --insecure."""


@functools.lru_cache(maxsize=8)
def _verifying_context(extra_ca_files: tuple[str, ...]) -> ssl.SSLContext:
    """System trust plus the examiner's CAs; built once (loading the trust store costs ~0.1 s), shared by threads."""
    context = ssl.create_default_context()
    for path in extra_ca_files:
        try:
            context.load_verify_locations(cafile=path)
        except (OSError, ssl.SSLError) as exc:
            raise CollectorError(f"cannot load CA certificate file {path}: {exc}",
                                 message_vi=f"không nạp được tệp chứng thư CA {path}: {bilingual(exc)[1]}") from exc
    return context


@functools.lru_cache(maxsize=1)
def _unverified_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class _Recorder(warcprox.mitmproxy.ProxyingRecorder):  # type: ignore[misc]
    def read1(self, size: int = -1) -> bytes:
        hunk: bytes = self.fp.read1(size)  # type: ignore[has-type]
        self._update(hunk)
        return hunk


class _StreamingResponse(warcprox.mitmproxy.ProxyingRecordingHTTPResponse):  # type: ignore[misc]
    """Passes bytes on as they arrive (``read1``) rather than in 64 KiB blocks.

    warcprox reads fixed-size blocks, so a page that trickles (or never ends) shows
    nothing in the browser until 64 KiB arrived; the evidence must show what the
    examiner's browser would have shown.
    """

    def __init__(self, sock: socket.socket, *, proxy_client: Any, digest_algorithm: str, url: str, method: str,
                 tmp_file_max_memory_size: int, spool: Callable[[], Any]) -> None:
        http.client.HTTPResponse.__init__(self, sock, method=method)
        self.proxy_client = proxy_client
        self.url = url
        self.digest_algorithm = digest_algorithm
        raw: Any = self.fp  # type: ignore[has-type]
        self.recorder = _Recorder(raw, proxy_client, digest_algorithm, url=url,
                                  tmp_file_max_memory_size=tmp_file_max_memory_size)
        self.recorder.tempfile.close()  # warcprox's plaintext spool (still empty, never on disk): ours instead
        self.recorder.tempfile = spool()
        self.fp = self.recorder
        self.payload_digest: Any = None
        self.truncated: bytes | None = None

    def read1(self, n: int = -1) -> bytes:
        buf: bytes = http.client.HTTPResponse.read1(self, n)
        self.payload_digest.update(buf)
        return buf


def _handler_class(policy: ProxyPolicy, resolver: Resolver, journal: Journal, spool: Callable[[], Any]) -> type:
    verifying = _verifying_context(policy.extra_ca_files)
    unverified = _unverified_context()

    class CaptureHandler(warcprox.warcproxy.WarcProxyHandler):  # type: ignore[misc]
        allow_localhost = True  # our address policy below replaces warcprox's loopback check
        _socket_timeout = policy.socket_timeout
        _max_resource_size = policy.max_resource_size

        def _open(self) -> socket.socket:
            return connect(resolver, self.hostname, int(self.port), allow_private=policy.allow_private,
                           timeout=policy.socket_timeout)

        def _connect_to_remote_server(self) -> Any:
            pool = self.server.remote_connection_pool.connection_from_host(
                host=self.hostname, port=int(self.port), scheme="http",
                pool_kwargs={"maxsize": 12, "timeout": self._socket_timeout})
            self._conn_pool = pool
            self._remote_server_conn = pool._get_conn()
            if warcprox.mitmproxy.is_connection_dropped(self._remote_server_conn):
                sock = self._open()
                if self.is_connect:
                    sock = self._wrap_tls(sock)
                self._remote_server_conn.sock = sock
            return self._remote_server_conn.sock

        def _wrap_tls(self, sock: socket.socket) -> ssl.SSLSocket:
            endpoint = f"{self.hostname}:{self.port}"
            try:
                tls = verifying.wrap_socket(sock, server_hostname=self.hostname)
                journal.set_tls(endpoint, describe_session(tls, verified=True, error=""))
                return tls
            except ssl.SSLCertVerificationError as exc:
                sock.close()
                error = f"{exc.verify_message or exc.reason} (code {exc.verify_code})"
                error_vi = tls_reason_vi(exc.verify_code, error)
            # Look at what the server presented either way: it is evidence of the failure.
            tls = unverified.wrap_socket(self._open(), server_hostname=self.hostname)
            journal.set_tls(endpoint, describe_session(tls, verified=False, error=error))
            if policy.insecure:
                return tls
            tls.close()
            raise TlsRefused(f"TLS certificate of {endpoint} is not valid: {error}",
                             message_vi=f"chứng thư TLS của {endpoint} không hợp lệ: {error_vi}")

        def _inner_proxy_request(self, extra_response_headers: dict[str, str] | None = None) -> Any:
            """warcprox's loop, except that a response cut off after its headers is kept, marked truncated."""
            self._swallow_hop_by_hop_headers()
            self.headers["Via"] = warcprox.mitmproxy.via_header_value(
                self.headers.get("Via"), self.request_version.replace("HTTP/", ""))
            req = self._build_request()
            if "Content-Length" in self.headers:
                req += self.rfile.read(int(self.headers["Content-Length"]))
            sock = self._remote_server_conn.sock
            sock.sendall(req)
            res = _StreamingResponse(
                sock, proxy_client=self.connection, digest_algorithm=self.server.digest_algorithm,
                url=self.url, method=self.command, tmp_file_max_memory_size=self._tmp_file_max_memory_size,
                spool=spool)
            clean = False
            try:
                res.begin(extra_response_headers=extra_response_headers or {})
                while True:
                    try:
                        buf = res.read1(65536)
                    except http.client.IncompleteRead:
                        buf = b""
                        res.length = res.length or 1
                    if not buf:
                        if res.length and self.server.shutting_down:
                            res.truncated = b"time"
                            self.truncation = "still arriving when the capture ended (the page never finished)"
                        elif res.length:
                            res.truncated = b"disconnect"
                            self.truncation = "the server closed the connection before the end of the body"
                        else:
                            clean = True
                        break
                    if res.recorder.len > self._max_resource_size:
                        res.truncated = b"length"
                        self.truncation = f"larger than the {self._max_resource_size // 2**20} MiB limit"
                        break
            except (OSError, http.client.HTTPException, ValueError) as exc:
                if res.recorder.payload_offset is None:
                    self._drop_remote()
                    raise
                res.truncated = b"time" if self.server.shutting_down else b"disconnect"
                self.truncation = f"cut off while being received ({type(exc).__name__})"
            finally:
                res.close()
            if clean and not warcprox.mitmproxy.is_connection_dropped(self._remote_server_conn):
                self._conn_pool._put_conn(self._remote_server_conn)
            else:
                self._drop_remote()
            return req, res

        def _drop_remote(self) -> None:
            try:
                self._remote_server_conn.sock.shutdown(socket.SHUT_RDWR)
                self._remote_server_conn.sock.close()
            except (OSError, AttributeError):
                pass

        def _proxy_request(self) -> Any:
            self.truncation = ""
            recorded = super()._proxy_request()
            recorded.remote_port = int(self.port)
            recorded.truncation_reason = self.truncation
            return recorded

        def do_COMMAND(self) -> Any:
            journal.begin()
            try:
                return super().do_COMMAND()
            finally:
                journal.end()

        def send_error(self, code: int, message: str | None = None, explain: str | None = None,
                       exception: BaseException | None = None) -> Any:
            url = getattr(self, "url", None) or self.path
            journal.add("failures", {
                "url": url, "status": code, "host": getattr(self, "hostname", ""), "port": getattr(self, "port", ""),
                "error": str(exception or message or ""), "error_type": type(exception).__name__ if exception else "",
                # the same in words, without the command line's remedy (shown by the desktop app in both languages)
                "message": exception.message if isinstance(exception, ForensicsError) else "",
                "message_vi": bilingual(exception)[1] if exception is not None else "",
                "blocked": isinstance(exception, AddressBlocked), "tls_refused": isinstance(exception, TlsRefused),
                # cut because the capture was ending (the proxy stopping), not refused by the site or the network
                "at_capture_end": bool(getattr(self.server, "shutting_down", False)),
                "at": _utc(),
            })
            return super().send_error(code, message=message, explain=explain, exception=exception)

    return CaptureHandler


def _utc() -> str:
    from evidence_store.canonical import iso_utc

    return iso_utc()


def certificate_authority(folder: Path) -> Any:
    """The proxy's own CA for this browser session (the browser is told to accept it; it never leaves the
    session's scratch folder). An EC P-256 key: warcprox's default RSA key generation holds the GIL for
    a noticeable moment, and every per-site certificate is signed with this key.
    """
    from warcprox.certauth import CertificateAuthority

    folder.mkdir(parents=True, exist_ok=True)
    ca_file = folder / "capture-ca.pem"
    if not ca_file.exists():
        _write_ec_ca(ca_file)
    return CertificateAuthority(ca_file=str(ca_file), certs_dir=str(folder / "certs"),
                                ca_name="forensics-toolkit capture proxy (this session only)")


def _write_ec_ca(path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "forensics-toolkit capture proxy (this session only)")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    with open(path, "wb") as out:  # key then certificate, the layout warcprox reads
        out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption()))
        out.write(cert.public_bytes(serialization.Encoding.PEM))
    path.chmod(0o600)


class RecordingProxy:
    """One proxy per capture on 127.0.0.1 (an ephemeral port), writing one WARC (a sealed file)."""

    def __init__(self, warc: SealedFile, ca: Any, policy: ProxyPolicy, resolver: Resolver,
                 warcinfo: dict[str, str], spool: Callable[[], Any],
                 revisits: Mapping[str, dict[str, str]] | None = None) -> None:
        self.warc = warc
        self.policy = policy
        self.resolver = resolver
        self.journal = Journal()
        options = warcprox.Options(max_threads=64, queue_size=10_000)
        handler = _handler_class(policy, resolver, self.journal, spool)
        try:
            self.server = _Server(handler, options, ca)
        except OSError as exc:
            raise CollectorError(f"cannot start the recording proxy on 127.0.0.1: {exc}",
                                 message_vi="không khởi động được máy chủ ghi lưu lượng (proxy) trên 127.0.0.1: "
                                            f"{bilingual(exc)[1]}") from exc
        self.port = int(self.server.server_address[1])
        self.writer = WarcWriterThread(self.server.recorded_url_q, warc, "capture.warc.gz", self.journal, warcinfo,
                                       redaction=policy.redaction, revisits=revisits)
        self._serve = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="capture-proxy", daemon=True)
        self._stopped = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RecordingProxy:
        self.writer.start()
        self._serve.start()
        return self

    def stop(self, grace: float = 3.0) -> None:
        """Stop accepting, cut what is still in flight (kept as truncated), then close the WARC."""
        if self._stopped:
            return
        self._stopped = True
        self.server.shutdown()
        self.server.server_close()
        deadline = time.monotonic() + grace
        while self.server.active_requests and time.monotonic() < deadline:
            self.server.abort_remote()
            time.sleep(0.05)
        self.server.pool.shutdown(wait=True, cancel_futures=True)
        self.server.recorded_url_q.put(None)
        self.writer.join()
        if self.writer.error is not None:
            raise CollectorError(f"writing the WARC failed: {self.writer.error}",
                                 message_vi=f"ghi tệp WARC thất bại: {self.writer.error}") from self.writer.error


class _NeverRemembered(dict[str, int]):
    """A cache that keeps nothing (see ``_Server.bad_hostnames_ports``)."""

    def __setitem__(self, key: str, value: int) -> None:
        pass


class _Server(warcprox.warcproxy.WarcProxy):  # type: ignore[misc]
    """warcprox's server with our handler class, a shared CA, and a way to cut in-flight fetches.

    Built by hand rather than through warcprox's constructor, which would load the CA key
    (~0.15 s) and the system trust store for every capture.
    """

    def __init__(self, handler: type, options: Any, ca: Any) -> None:
        warcprox.mitmproxy.PooledMitmProxy.__init__(self, options)
        self.options = options
        # warcprox remembers a host whose connection timed out and fails its next requests for a minute without
        # trying: on a busy workstation one slow connect would then cost the capture every later resource of
        # that site. Each request here is tried (and, failing, recorded) on its own.
        self.bad_hostnames_ports: _NeverRemembered = _NeverRemembered()
        self.bad_hostnames_ports_lock = threading.RLock()
        self.remote_connection_pool = PoolManager(num_pools=400, maxsize=6)  # TLS is ours (CaptureHandler)
        self.digest_algorithm = "sha256"
        self.ca = ca
        http.server.HTTPServer.__init__(self, ("127.0.0.1", 0), handler, bind_and_activate=True)
        self.start_time = datetime.datetime.now(datetime.UTC)
        self.status_callback = None
        self.stats_db = None
        self.recorded_url_q: queue.Queue[Any] = queue.Queue(maxsize=options.queue_size)
        self.running_stats = warcprox.stats.RunningStats()

    def abort_remote(self) -> None:
        with self.remote_server_socks_lock:
            socks = list(self.remote_server_socks)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def server_activate(self) -> None:
        http.server.HTTPServer.server_activate(self)
