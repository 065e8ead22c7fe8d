"""PAdES signature of a generated report with the examiner's certificate (pyHanko).

The examiner provides a PKCS#12 file (key + certificate + chain). The signature
is PAdES baseline B-B, or B-T with a signature timestamp when a timestamp
authority is configured. It is an incremental update: the visible pages are
those the report service rendered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidence_store import ForensicsError, UsageError


class SigningError(ForensicsError):
    """The report could not be signed (the certificate, its passphrase, or the PDF)."""


def load_signer(p12: Path, passphrase: str | None) -> Any:
    from pyhanko.sign import signers

    if not p12.is_file():
        raise UsageError(f"{p12} is not a PKCS#12 file (.p12/.pfx)")
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=passphrase.encode("utf-8")
                                                  if passphrase is not None else None)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot open {p12}: {exc}") from exc
    if signer is None:  # pyHanko logs and returns None on a wrong passphrase or a broken file
        raise UsageError(f"cannot open {p12}: wrong passphrase or not a PKCS#12 file with a key and certificate")
    return signer


def signer_name(signer: Any) -> str:
    cert = signer.signing_cert
    return str(cert.subject.human_friendly)


def sign_pdf(source: Path, target: Path, signer: Any, *, reason: str, location: str,
             tsa_url: str | None = None) -> None:
    """Write a signed copy of ``source`` to ``target``."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper

    meta = signers.PdfSignatureMetadata(
        field_name="ExaminerSignature", reason=reason, location=location or None,
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    timestamper = HTTPTimeStamper(tsa_url, timeout=20) if tsa_url else None
    try:
        with source.open("rb") as handle, target.open("wb") as out:
            writer = IncrementalPdfFileWriter(handle, strict=False)
            signers.PdfSigner(meta, signer=signer, timestamper=timestamper).sign_pdf(writer, output=out)
    except Exception as exc:  # pyHanko raises its own tree plus OS and HTTP errors
        target.unlink(missing_ok=True)
        raise SigningError(f"signing the report failed: {exc}") from exc
