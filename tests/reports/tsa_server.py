"""A real RFC 3161 timestamp authority on 127.0.0.1 for tests (pyHanko's time-stamper behind HTTP).

A self-made PKI: a root CA and a TSA certificate with the critical
id-kp-timeStamping extended key usage RFC 3161 requires. Requests arrive as
``application/timestamp-query`` over HTTP and are answered with DER responses,
exactly as a public TSA would; no network beyond loopback.
"""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from dataclasses import dataclass, field

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Time Authority")])


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Pki:
    root: x509.Certificate
    root_key: rsa.RSAPrivateKey
    tsa: x509.Certificate
    tsa_key: rsa.RSAPrivateKey

    @property
    def root_pem(self) -> str:
        return self.root.public_bytes(serialization.Encoding.PEM).decode("ascii")


def make_pki(label: str) -> Pki:
    now = dt.datetime.now(dt.UTC)
    root_key, tsa_key = _key(), _key()
    root = (x509.CertificateBuilder().subject_name(_name(f"{label} Root CA")).issuer_name(_name(f"{label} Root CA"))
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    tsa = (x509.CertificateBuilder().subject_name(_name(f"{label} TSA")).issuer_name(root.subject)
           .public_key(tsa_key.public_key()).serial_number(x509.random_serial_number())
           .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
           .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
           .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
           .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
           .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
           .add_extension(x509.SubjectKeyIdentifier.from_public_key(tsa_key.public_key()), critical=False)
           .sign(root_key, hashes.SHA256()))
    return Pki(root, root_key, tsa, tsa_key)


@dataclass
class TimestampAuthority:
    """A running TSA: ``url`` to POST requests to, ``pki.root_pem`` to trust it."""

    pki: Pki
    server: http.server.ThreadingHTTPServer
    requests: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/tsa"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_tsa(label: str = "Local") -> TimestampAuthority:
    pki = make_pki(label)
    stamper = DummyTimeStamper(
        asn1_x509.Certificate.load(pki.tsa.public_bytes(serialization.Encoding.DER)),
        asn1_keys.PrivateKeyInfo.load(pki.tsa_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())))
    seen: list[bytes] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.append(body)
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_error(415, "expected application/timestamp-query")
                return
            answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name=f"tsa-{label}").start()
    return TimestampAuthority(pki, server, seen)
