"""RFC 3161 trusted timestamps of custody checkpoints and package manifests (rfc3161-client).

A timestamp authority (TSA) signs "this SHA-256 existed at time T". Tokens are
asked from every URL in the ``tsa_urls`` setting, verified against the trusted
roots in ``tsa_roots`` (PEM text or PEM file paths), and kept with the
certificate chain that verified them. A checkpoint's tokens are stored in the
custody log itself (action ``custody.timestamp``, with the checkpoint text, the
token and its chain), so they are as tamper-evident as the log. A TSA that
fails is logged (``custody.timestamp_failed``) and reported, never silently
skipped; the work it was asked for goes on.

Verification (:func:`verify_token`) needs no vault: evidence packages use it.
"""

from __future__ import annotations

import base64
import hashlib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import rfc3161_client as rfc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from evidence_store import ForensicsError, UsageError, Vault, iso_utc
from evidence_store.checkpoint import checkpoint_root
from evidence_store.errors import bilingual

ACTION = "custody.timestamp"
FAILED = "custody.timestamp_failed"
MAX_RESPONSE = 1 << 20
HASH_NAMES = {"2.16.840.1.101.3.4.2.1": "SHA-256", "2.16.840.1.101.3.4.2.2": "SHA-384",
              "2.16.840.1.101.3.4.2.3": "SHA-512"}


class TimestampError(ForensicsError):
    """A timestamp authority could not be reached or gave an unusable answer."""


@dataclass(frozen=True)
class Token:
    """A token as received and checked: the DER response plus what it says and who vouched for it."""

    tsa_url: str
    der: bytes
    data_sha256: str
    gen_time: str
    serial: str
    policy: str
    tsa_name: str
    hash_algorithm: str
    chain: tuple[str, ...] = ()  # PEM: signer first, then issuers up to the root that verified it
    verified: bool = False
    problem: str = ""
    clock_offset_ms: int | None = None
    round_trip_ms: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "tsa_url": self.tsa_url, "token": base64.b64encode(self.der).decode("ascii"),
            "data_sha256": self.data_sha256, "gen_time": self.gen_time, "serial": self.serial,
            "policy": self.policy, "tsa_name": self.tsa_name, "hash_algorithm": self.hash_algorithm,
            "chain": list(self.chain), "verified": self.verified, "problem": self.problem,
            "clock_offset_ms": self.clock_offset_ms, "round_trip_ms": self.round_trip_ms,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Token:
        return cls(
            tsa_url=str(data.get("tsa_url", "")), der=base64.b64decode(data.get("token", "")),
            data_sha256=str(data.get("data_sha256", "")), gen_time=str(data.get("gen_time", "")),
            serial=str(data.get("serial", "")), policy=str(data.get("policy", "")),
            tsa_name=str(data.get("tsa_name", "")), hash_algorithm=str(data.get("hash_algorithm", "")),
            chain=tuple(data.get("chain") or ()), verified=bool(data.get("verified")),
            problem=str(data.get("problem", "")), clock_offset_ms=data.get("clock_offset_ms"),
            round_trip_ms=data.get("round_trip_ms"),
        )


# -- configuration ----------------------------------------------------------------------------------
def configured_urls(vault: Vault) -> list[str]:
    value = vault.get_setting("tsa_urls", [])
    urls = [value] if isinstance(value, str) else list(value or [])
    for url in urls:
        if urlparse(str(url)).scheme not in ("http", "https"):
            raise UsageError(f"timestamp authority {url!r} in setting tsa_urls is not an http(s) URL",
                             message_vi=f"địa chỉ tổ chức cấp dấu thời gian {url!r} trong cài đặt không phải URL http(s)")
    return [str(u) for u in urls]


def load_roots(value: Any) -> list[x509.Certificate]:
    """Certificates from PEM text or PEM file paths (a string or a list of them)."""
    entries = [value] if isinstance(value, str) else list(value or [])
    roots: list[x509.Certificate] = []
    for entry in entries:
        text = str(entry)
        if "-----BEGIN" not in text:
            path = Path(text).expanduser()
            try:
                text = path.read_text("ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read trusted TSA root {path}: {exc}",
                                 message_vi=f"không đọc được chứng thư gốc TSA tin cậy {path}: {bilingual(exc)[1]}") from exc
        try:
            roots.extend(x509.load_pem_x509_certificates(text.encode("ascii")))
        except ValueError as exc:
            raise UsageError(f"a trusted TSA root is not a PEM certificate: {exc}",
                             message_vi=f"một chứng thư gốc TSA tin cậy không phải chứng thư PEM: {exc}") from exc
    return roots


def configured_roots(vault: Vault) -> list[x509.Certificate]:
    return load_roots(vault.get_setting("tsa_roots", []))


# -- asking -----------------------------------------------------------------------------------------
def request_token(url: str, data: bytes, roots: list[x509.Certificate], *, timeout: float = 20) -> Token:
    """Ask one TSA to stamp SHA-256(data); verify the answer (nonce, imprint, signature, chain)."""
    request = (rfc.TimestampRequestBuilder().data(data).hash_algorithm(rfc.HashAlgorithm.SHA256)
               .nonce(nonce=True).cert_request(cert_request=True).build())
    http = urllib.request.Request(url, data=request.as_bytes(), method="POST", headers={
        "Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply",
        "User-Agent": "forensics-toolkit"})
    sent = time.time()
    try:
        with urllib.request.urlopen(http, timeout=timeout) as answer:  # noqa: S310 (URL checked: http/https)
            der = answer.read(MAX_RESPONSE + 1)
    except urllib.error.HTTPError as exc:
        raise TimestampError(f"timestamp authority {url} answered HTTP {exc.code}",
                             message_vi=f"tổ chức cấp dấu thời gian {url} trả lời HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TimestampError(f"timestamp authority {url} cannot be reached: {reason}",
                             message_vi=f"không liên lạc được tổ chức cấp dấu thời gian {url}: "
                                        f"{bilingual(reason)[1] if isinstance(reason, BaseException) else reason}") from exc
    received = time.time()
    if len(der) > MAX_RESPONSE:
        raise TimestampError(f"timestamp authority {url} sent more than {MAX_RESPONSE} bytes",
                             message_vi=f"tổ chức cấp dấu thời gian {url} gửi quá {MAX_RESPONSE} byte")
    try:
        response = rfc.decode_timestamp_response(der)
    except Exception as exc:  # the Rust decoder raises ValueError and others on garbage
        raise TimestampError(f"timestamp authority {url} did not send an RFC 3161 response: {exc}",
                             message_vi=f"tổ chức cấp dấu thời gian {url} không gửi phản hồi RFC 3161: {exc}") from exc
    if rfc.PKIStatus(response.status) not in (rfc.PKIStatus.GRANTED, rfc.PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(f"timestamp authority {url} refused the request (status {response.status})",
                             message_vi=f"tổ chức cấp dấu thời gian {url} từ chối yêu cầu (trạng thái {response.status})")
    token = describe(der, url)
    problem = check(response, data, roots, request)
    offset = int((((sent + received) / 2) - _gen_epoch(response)) * 1000)
    return Token(**{**token.__dict__, "verified": not problem, "problem": problem,
                    "clock_offset_ms": offset, "round_trip_ms": int((received - sent) * 1000)})


def _gen_epoch(response: Any) -> float:
    gen = response.tst_info.gen_time
    if gen.tzinfo is None:
        gen = gen.replace(tzinfo=UTC)
    return float(gen.timestamp())


def describe(der: bytes, url: str = "") -> Token:
    """What a token says (no verification)."""
    response = rfc.decode_timestamp_response(der)
    info = response.tst_info
    imprint = info.message_imprint
    certs = [x509.load_der_x509_certificate(c) for c in response.signed_data.certificates]
    signer = _signer_cert(response, certs)
    name = signer.subject.rfc4514_string() if signer is not None else ""
    gen = info.gen_time if info.gen_time.tzinfo else info.gen_time.replace(tzinfo=UTC)
    return Token(
        tsa_url=url, der=der, data_sha256=imprint.message.hex(), gen_time=iso_utc(gen),
        serial=str(info.serial_number), policy=info.policy.dotted_string if info.policy else "",
        tsa_name=name, hash_algorithm=HASH_NAMES.get(imprint.hash_algorithm.dotted_string,
                                                     imprint.hash_algorithm.dotted_string),
        chain=tuple(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certs),
    )


def _signer_cert(response: Any, certs: list[x509.Certificate]) -> x509.Certificate | None:
    infos = list(response.signed_data.signer_infos)
    if len(infos) != 1:
        return None
    info = infos[0]
    for cert in certs:
        if cert.issuer == info.issuer and cert.serial_number == info.serial_number:
            return cert
    return None


def check(response: Any, data: bytes, roots: list[x509.Certificate], request: Any = None) -> str:
    """Empty when the token covers ``data`` and chains to one of ``roots``; else the reason."""
    if not roots:
        return "no trusted root is configured for timestamp authorities (setting tsa_roots)"
    builder = rfc.VerifierBuilder.from_request(request) if request is not None else rfc.VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify_message(response, data)
    except rfc.VerificationError as exc:
        return str(exc)
    except ValueError as exc:
        return f"malformed token: {exc}"
    return ""


def verify_token(der: bytes, data: bytes, roots: list[x509.Certificate]) -> tuple[Token | None, str]:
    """Re-check a stored token over ``data`` against ``roots`` (no vault). Returns (token, problem)."""
    try:
        response = rfc.decode_timestamp_response(der)
        token = describe(der)
    except Exception as exc:  # garbage in a package must be a finding, not a crash
        return None, f"not an RFC 3161 timestamp response: {exc}"
    return token, check(response, data, roots)


def chain_to_root(token: Token, roots: list[x509.Certificate]) -> tuple[str, ...]:
    """The token's certificates followed by the configured root that issued the last of them."""
    pems = list(token.chain)
    certs = [x509.load_pem_x509_certificate(p.encode("ascii")) for p in pems]
    for root in roots:
        if certs and any(c.issuer == root.subject for c in certs) and root not in certs:
            pems.append(root.public_bytes(serialization.Encoding.PEM).decode("ascii"))
    return tuple(pems)


def cert_facts(pem: str) -> dict[str, str]:
    cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    return {
        "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"), "not_before": iso_utc(cert.not_valid_before_utc),
        "not_after": iso_utc(cert.not_valid_after_utc), "sha256": cert.fingerprint(hashes.SHA256()).hex(),
    }


# -- stamping the custody log ---------------------------------------------------------------------------
def timestamp_checkpoint(vault: Vault, checkpoint: dict[str, Any], *, timeout: float = 20) -> list[Token]:
    """Stamp a checkpoint's text at every configured TSA; log each token (or failure) in the custody log."""
    urls = configured_urls(vault)
    if not urls:
        return []
    roots = configured_roots(vault)
    note = checkpoint["checkpoint"].encode("utf-8")
    root_hex = checkpoint_root(checkpoint["checkpoint"])[1].hex()
    tokens: list[Token] = []
    for url in urls:
        base = {"subject": "checkpoint", "checkpoint_size": checkpoint["size"], "checkpoint_root": root_hex,
                "checkpoint_note": checkpoint["checkpoint"], "verifier_key": checkpoint["verifier_key"],
                "tsa_url": url}
        try:
            token = request_token(url, note, roots, timeout=timeout)
        except TimestampError as exc:
            vault.log(FAILED, details={**base, "error": str(exc)})
            tokens.append(Token(tsa_url=url, der=b"", data_sha256=hashlib.sha256(note).hexdigest(), gen_time="",
                                serial="", policy="", tsa_name="", hash_algorithm="", problem=str(exc)))
            continue
        token = Token(**{**token.__dict__, "chain": chain_to_root(token, roots)})
        vault.log(ACTION, details={**base, **token.to_json()})
        tokens.append(token)
    return tokens


def logged_tokens(vault: Vault, *, up_to: int | None = None) -> list[tuple[int, Token, dict[str, Any]]]:
    """Every checkpoint token in the custody log: (entry seq, token, entry details)."""
    return [(seq, Token.from_json(details), details) for seq, details in vault.custody_details(ACTION, before=up_to)]
