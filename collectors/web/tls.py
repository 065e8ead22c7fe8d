"""TLS facts for the provenance: protocol, cipher and the certificate chain as the origin presented it."""

from __future__ import annotations

import hashlib
import ssl
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
