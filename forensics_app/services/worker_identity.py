"""Who a capture worker is: its own signing key (kept on the worker), and the facts of where it captured from.

``forensics worker keygen`` makes an Ed25519 key in the worker's config folder
(PKCS #8 PEM, the folder 0700 and the file 0600, as SSH keeps a host key) and
prints its fingerprint; an examiner enrols the public key at the desk
(``forensics worker enroll``). The private key never leaves the worker: the
desk only ever sees signatures and the public key.

Each capture's provenance then names the worker's host, the address it went
out from (the local address the system routes the target through, and the
public address an echo service saw, when one is set) and its clock offset
against the NTP server the desk asked for. These change rarely, so they are
measured again every ten minutes, not for every page.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from evidence_store import UsageError
from evidence_store.identity import ED25519, fingerprint

from .app_dirs import user_config_dir
from .egress import measure_egress
from .environment import host_facts
from .remote_bundle import Signer

REFRESH_SECONDS = 600


def default_key_path() -> Path:
    return Path(os.environ.get("FORENSICS_WORKER_KEY") or user_config_dir() / "worker" / "worker-key.pem")


def generate_key(path: Path, name: str) -> Signer:
    """A new key at ``path``; refuses to replace one (a worker's key is its identity at the desk)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if path.exists():
        raise UsageError(f"{path} already holds a worker key; it is this worker's identity at the desk. Remove it "
                         "first (and have the desk revoke it) to make a new one",
                         message_vi=f"{path} đã chứa khoá của máy thu thập; đó là danh tính của máy này tại bàn làm việc. "
                         "Muốn tạo khoá mới, hãy xoá nó trước (và đề nghị bàn làm việc thu hồi khoá cũ)")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return Signer(key, name)


def load_key(path: Path, name: str) -> Signer:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no worker key at {path}: make one with `forensics worker keygen` and have an examiner "
                         "enrol it at the desk",
                         message_vi=f"không có khoá máy thu thập tại {path}: hãy tạo khoá rồi đề nghị điều tra viên "
                         "đăng ký nó tại bàn làm việc") from None
    except OSError as exc:
        raise UsageError(f"cannot read the worker key {path}: {exc.strerror or exc}",
                         message_vi=f"không đọc được khoá máy thu thập {path}: {exc.strerror or exc}") from exc
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise UsageError(f"the worker key {path} can be read by other users; `chmod 600 {path}`",
                         message_vi=f"người dùng khác đọc được khoá máy thu thập {path}; hãy chỉ cho chủ tệp đọc (chmod 600)")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{path} is not an unencrypted PEM private key ({exc})",
                         message_vi=f"{path} không phải khoá bí mật PEM không mã hoá ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{path} is not an Ed25519 key", message_vi=f"{path} không phải khoá Ed25519")
    return Signer(key, name)


def public_key_line(signer: Signer) -> str:
    """How the public key is handed to the desk: ``ed25519:<base64>`` (what ``worker enroll --key`` reads)."""
    return f"{ED25519}:{base64.b64encode(signer.public_key).decode('ascii')}"


def parse_public_key(text: str) -> tuple[str, bytes]:
    """``ed25519:<base64>``, or a file holding that line; (alg, raw key)."""
    value = text.strip()
    candidate = Path(value)
    if not value.lower().startswith(f"{ED25519}:") and candidate.is_file():
        value = candidate.read_text("utf-8").strip()
    alg, sep, b64 = value.partition(":")
    if not sep or alg.lower() != ED25519:
        raise UsageError(f"a worker key looks like 'ed25519:<base64>' (what `forensics worker keygen` prints), not "
                         f"{text[:40]!r}", message_vi=f"khoá máy thu thập có dạng 'ed25519:<base64>', không phải {text[:40]!r}")
    try:
        raw = base64.b64decode(b64.strip(), validate=True)
    except ValueError as exc:
        raise UsageError(f"the worker key is not valid base64: {exc}",
                         message_vi=f"khoá máy thu thập không phải base64 hợp lệ: {exc}") from exc
    if len(raw) != 32:
        raise UsageError(f"an Ed25519 public key is 32 bytes, this one is {len(raw)}",
                         message_vi=f"khoá công khai Ed25519 dài 32 byte, khoá này dài {len(raw)}")
    return ED25519, raw


def key_fingerprint(alg: str, raw: bytes) -> str:
    return fingerprint(alg, raw)


class WorkerFacts:
    """The worker's host, egress and clock, measured at most every REFRESH_SECONDS (thread-safe)."""

    def __init__(self, name: str, signer: Signer, *, egress_echo: str = "") -> None:
        self.name = name
        self.signer = signer
        self.egress_echo = egress_echo
        self._lock = threading.Lock()
        self._clock: dict[str, tuple[float, dict[str, Any]]] = {}
        self._egress: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    def identity(self) -> dict[str, Any]:
        return {**self.signer.describe(), "host": host_facts()}

    def clock(self, server: str, timeout: float) -> dict[str, Any]:
        from collectors.web.clock import measure_clock

        with self._lock:
            cached = self._clock.get(server)
            if cached and time.monotonic() - cached[0] < REFRESH_SECONDS and cached[1].get("checked"):
                return cached[1]
        measured = measure_clock(server, timeout)
        with self._lock:
            self._clock[server] = (time.monotonic(), measured)
        return measured

    def egress(self, target: str, echo: str = "") -> dict[str, Any]:
        """The local address this machine routes ``target`` from, and the public address ``echo`` saw."""
        host = urlsplit(target).hostname or ""
        echo = self.egress_echo or echo
        key = (host, echo)
        with self._lock:
            cached = self._egress.get(key)
            if cached and time.monotonic() - cached[0] < REFRESH_SECONDS:
                return cached[1]
        facts = measure_egress(host, echo, "the desk's monitor_egress_echo_url setting, or the worker's --egress-echo")
        with self._lock:
            self._egress[key] = (time.monotonic(), facts)
        return facts
