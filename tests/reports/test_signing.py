"""PAdES signature of a report with the examiner's certificate (a PKCS#12 file the test makes)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from evidence_store import Case, UsageError, Vault
from forensics_app.services.reports import ReportOptions, generate_report

from .conftest import pdf_pages, use_tsa
from .tsa_server import TimestampAuthority

PASSPHRASE = "chữ ký số 2026"


def make_p12(tmp_path: Path) -> tuple[Path, x509.Certificate]:
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Agency CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Nguyễn Văn Kiểm")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(ca_key, hashes.SHA256()))
    path = tmp_path / "examiner.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"examiner", key, cert, [ca], serialization.BestAvailableEncryption(PASSPHRASE.encode())))
    return path, ca


def test_signed_report_validates_and_is_what_the_vault_keeps(vault: Vault, filled_case: Case, tsa: TimestampAuthority,
                                                             tmp_path: Path) -> None:
    use_tsa(vault, tsa)
    p12, ca = make_p12(tmp_path)
    out = tmp_path / "signed.pdf"
    result = generate_report(vault, filled_case.number, out, ReportOptions(
        kind="court", lang="vi", sign_p12=p12, sign_passphrase=PASSPHRASE))
    assert b"".join(vault.read_item(result.item)) == out.read_bytes()
    assert result.item.metadata["report"]["signed_by"]
    with out.open("rb") as handle:
        reader = PdfFileReader(handle)
        [signature] = reader.embedded_signatures
        trust = ValidationContext(trust_roots=[asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))],
                                  allow_fetching=False)
        status = validate_pdf_signature(signature, trust)
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None  # PAdES B-T: the signature itself is timestamped by the TSA
    assert "Nguyễn Văn Kiểm" in status.signing_cert.subject.human_friendly
    text = "\n".join(pdf_pages(out))
    assert "chữ ký số (PAdES)" in text and "Trang 1/" in text


def test_wrong_certificate_passphrase_is_a_clear_error_and_nothing_is_stored(vault: Vault, filled_case: Case,
                                                                             tmp_path: Path) -> None:
    p12, _ = make_p12(tmp_path)
    before = len(vault.custody.entries())
    with pytest.raises(UsageError, match="wrong passphrase|cannot open"):
        generate_report(vault, filled_case.number, tmp_path / "x.pdf", ReportOptions(
            kind="court", sign_p12=p12, sign_passphrase="wrong"))
    assert not (tmp_path / "x.pdf").exists() and len(vault.custody.entries()) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".x.pdf")]
