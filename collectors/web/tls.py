"""TLS facts for the provenance: protocol, cipher and the certificate chain as the origin presented it."""

from __future__ import annotations

import base64
import hashlib
import ssl
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

_DER = 2  # _ssl.ENCODING_DER


def describe_certificate(der: bytes) -> dict[str, Any]:
    """Subject, issuer, validity (UTC), serial, SHA-256 fingerprint, names and key of one certificate."""
    cert = x509.load_der_x509_certificate(der)
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(v) for v in sans.get_values_for_type(x509.DNSName)] + [
            str(v) for v in sans.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = []
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key_desc = f"RSA {key.key_size}"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key_desc = f"EC {key.curve.name}"
    else:
        key_desc = type(key).__name__
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sha256_fingerprint": hashlib.sha256(der).hexdigest(),
        "subject_alt_names": names,
        "public_key": key_desc,
        "signature_algorithm": cert.signature_algorithm_oid._name,
        "pem": cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    }


def describe_session(sock: ssl.SSLSocket, *, verified: bool, error: str) -> dict[str, Any]:
    """What this TLS connection negotiated and the chain it carried (leaf first)."""
    sslobj = getattr(sock, "_sslobj", None)
    chain: list[Any] = []
    if sslobj is not None:
        getter = "get_verified_chain" if verified else "get_unverified_chain"
        chain = list(getattr(sslobj, getter)() or [])
    if not chain:
        leaf = sock.getpeercert(binary_form=True)
        ders = [leaf] if leaf else []
    else:
        ders = [c.public_bytes(_DER) for c in chain]
    cipher = sock.cipher()
    return {
        "protocol": sock.version(),
        "cipher": cipher[0] if cipher else "",
        "cipher_bits": cipher[2] if cipher else None,
        "server_name": sock.server_hostname,
        "verified": verified,
        "verification_error": error,
        "chain": [describe_certificate(d) for d in ders],
    }


# -- telling Chromium which certificates to accept ---------------------------------------
def spki_sha256(cert: x509.Certificate) -> str:
    """Base64 SHA-256 of the certificate's SubjectPublicKeyInfo: the form Chromium's
    ``--ignore-certificate-errors-spki-list`` takes."""
    der = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def spki_hashes(pem_files: Iterable[str | Path]) -> list[str]:
    """:func:`spki_sha256` of every certificate in these PEM files (a file may hold a key and a chain)."""
    out = []
    for path in pem_files:
        for cert in x509.load_pem_x509_certificates(Path(path).read_bytes()):
            out.append(spki_sha256(cert))
    return out


def spki_trust_args(pem_files: Iterable[str | Path]) -> tuple[str, ...]:
    """The Chromium flag that accepts exactly these keys (empty when there are none).

    A browser context's ``ignore_https_errors`` alone is not enough: Chromium's network
    service rejects the certificate during the handshake first (the server logs
    "certificate unknown") and only then retries with the error ignored.
    """
    hashes = spki_hashes(pem_files)
    return (f"--ignore-certificate-errors-spki-list={','.join(hashes)}",) if hashes else ()
