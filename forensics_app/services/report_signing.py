"""PAdES signature of a generated report with the examiner's certificate (pyHanko).

The key and certificate come from a PKCS#12 file (key + certificate + chain), or
from the examiner's PKCS#11 token (the key never leaves it; the certificate and
the chain are those stored on the token), through pyHanko's PKCS#11 signer on
the session the examiner signed in with. The signature is PAdES baseline B-B,
or B-T with a signature timestamp when a timestamp authority is configured. It
is an incremental update: the visible pages are those the report service rendered.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from evidence_store import ForensicsError, UsageError, Vault
from evidence_store.errors import bilingual


class SigningError(ForensicsError):
    """The report could not be signed (the certificate, its passphrase, or the PDF)."""


def load_signer(p12: Path, passphrase: str | None) -> Any:
    from pyhanko.sign import signers

    if not p12.is_file():
        raise UsageError(f"{p12} is not a PKCS#12 file (.p12/.pfx)", message_vi=f"{p12} không phải tệp PKCS#12 (.p12/.pfx)")
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=passphrase.encode("utf-8")
                                                  if passphrase is not None else None)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot open {p12}: {exc}", message_vi=f"không mở được {p12}: {exc}") from exc
    if signer is None:  # pyHanko logs and returns None on a wrong passphrase or a broken file
        raise UsageError(f"cannot open {p12}: wrong passphrase or not a PKCS#12 file with a key and certificate",
                         message_vi=f"không mở được {p12}: sai mật khẩu hoặc không phải tệp PKCS#12 có khoá và chứng thư")
    return signer


def token_signer(vault: Vault) -> tuple[Any, AbstractContextManager[Any]]:
    """pyHanko's PKCS#11 signer on the signed-in examiner's token, and the lock to hold while it signs.

    The token signs raw ECDSA over the digest pyHanko computes (CKM_ECDSA: every
    EC token has it; the hash-on-token mechanisms are often missing).
    """
    from asn1crypto import x509
    from pyhanko.sign.pkcs11 import PKCS11Signer

    from evidence_store.pkcs11 import TokenSigner

    me = vault.examiner
    if not me.token:
        raise UsageError(f"examiner {me.name} does not sign with a token",
                         message_vi=f"cán bộ {me.name} không ký bằng thiết bị ký số", remedy="sign_p12")
    signer = vault.signer
    if not isinstance(signer, TokenSigner):
        raise UsageError(f"examiner {me.name} is not signed in to their token",
                         message_vi=f"cán bộ {me.name} chưa đăng nhập thiết bị ký số của mình")
    key = signer.session.key
    if key.certificate is None:
        raise UsageError(f"{key.ref.token_name} holds no certificate for {key.ref.key_name}: a PAdES signature needs "
                         "the certificate the CA issued for this key",
                         message_vi=f"{key.ref.token_name} không có chứng thư cho {key.ref.key_name}: chữ ký PAdES cần chứng "
                                    "thư do tổ chức cấp cho khoá này")
    lock = signer.session.lock
    with lock:
        pades = PKCS11Signer(signer.session.pkcs11_session, key_id=bytes.fromhex(key.ref.key_id),
                             cert_id=bytes.fromhex(key.ref.key_id),
                             ca_chain=[x509.Certificate.load(c) for c in key.chain], other_certs_to_pull=(),
                             use_raw_mechanism=True)
        if pades.signing_cert.dump() != key.certificate:  # read from the token now, while the lock is held
            raise UsageError(f"the certificate on {key.ref.token_name} changed since you signed in: sign in again",
                             message_vi=f"chứng thư trên {key.ref.token_name} đã thay đổi từ khi bạn đăng nhập: hãy đăng nhập "
                                        "lại")
    return pades, lock


def signer_name(signer: Any) -> str:
    cert = signer.signing_cert
    return str(cert.subject.human_friendly)


def sign_pdf(source: Path, target: Path, signer: Any, *, reason: str, location: str,
             tsa_url: str | None = None, lock: AbstractContextManager[Any] | None = None) -> None:
    """Write a signed copy of ``source`` to ``target`` (holding ``lock``, a token's, while it signs)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper

    meta = signers.PdfSignatureMetadata(
        field_name="ExaminerSignature", reason=reason, location=location or None,
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    timestamper = HTTPTimeStamper(tsa_url, timeout=20) if tsa_url else None
    try:
        with lock or nullcontext(), source.open("rb") as handle, target.open("wb") as out:
            writer = IncrementalPdfFileWriter(handle, strict=False)
            signers.PdfSigner(meta, signer=signer, timestamper=timestamper).sign_pdf(writer, output=out)
    except Exception as exc:  # pyHanko raises its own tree plus OS and HTTP errors
        target.unlink(missing_ok=True)
        raise SigningError(f"signing the report failed: {exc}",
                           message_vi=f"ký số báo cáo thất bại: {bilingual(exc)[1]}") from exc
