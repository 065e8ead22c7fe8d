"""PAdES signatures made on the token (pyHanko's PKCS#11 signer): pyHanko's validator judges them intact and
trusted from the root alone (the intermediate comes from the token), and the signer is the token's certificate."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from evidence_store import UsageError, Vault
from forensics_app.services import vaults
from forensics_app.services.reports import ReportOptions, generate_report

from ..conftest import Cli
from ..reports.conftest import use_tsa
from ..reports.tsa_server import TimestampAuthority, start_tsa
from .conftest import MODULE, SoftHSM
from .test_token_cli import add_token_examiner, as_token_examiner
from .test_token_examiners import TOKEN_PASSPHRASE, enrol


@pytest.fixture(scope="module")
def tsa() -> Iterator[TimestampAuthority]:
    authority = start_tsa("Token tests")
    yield authority
    authority.stop()


def validate(pdf: Path, softhsm: SoftHSM) -> object:
    root = asn1_x509.Certificate.load(softhsm.root.public_bytes(serialization.Encoding.DER))
    with pdf.open("rb") as handle:
        [signature] = PdfFileReader(handle).embedded_signatures
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[root], allow_fetching=False))
        embedded = {c.chosen.subject.human_friendly for c in signature.signed_data["certificates"]}
    assert status.intact and status.valid, status.pretty_print_details()
    assert status.trusted  # root -> intermediate (read from the token) -> the examiner's certificate
    assert "Test Issuing CA" in " ".join(embedded)
    return status


def test_a_report_signed_on_the_token_validates_and_names_the_tokens_certificate(
        vault: Vault, vault_dir: Path, softhsm: SoftHSM, tsa: TimestampAuthority, tmp_path: Path) -> None:
    enrol(vault, softhsm)
    use_tsa(vault, tsa)
    vault.close()
    token = softhsm.tokens["Examiner A"]
    assert token.certificate is not None
    out = tmp_path / "bao-cao.pdf"
    with Vault.open(vault_dir, TOKEN_PASSPHRASE) as mine:
        signer = vaults.sign_in_with_token(mine, token.pin)
        assert signer is not None
        try:
            case = mine.create_case("VV-PADES", "Ký báo cáo bằng USB token")
            with mine.batch(case) as batch:
                batch.add_content(io.BytesIO(b"evidence " * 100), kind="file", name="e.txt", source="/e.txt")
            result = generate_report(mine, case.number, out, ReportOptions(kind="court", lang="vi", sign_token=True))
            assert result.item.metadata["report"]["signed_with"] == "token"
            assert "Examiner A" in result.item.metadata["report"]["signed_by"]
            assert b"".join(mine.read_item(result.item)) == out.read_bytes()
        finally:
            mine.close()
            signer.close()
    status = validate(out, softhsm)
    certificate = token.certificate.public_bytes(serialization.Encoding.DER)
    assert status.signing_cert.dump() == certificate  # type: ignore[attr-defined]
    assert status.pkcs7_signature_mechanism == "sha256_ecdsa"  # type: ignore[attr-defined]
    assert status.timestamp_validity is not None  # type: ignore[attr-defined]  # B-T: the TSA stamped the signature


def test_minutes_signed_with_the_token_from_the_command_line(cli_vault: Cli, softhsm: SoftHSM, tmp_path: Path) -> None:
    cli = cli_vault
    add_token_examiner(cli, softhsm)
    me = as_token_examiner(softhsm)
    assert cli("case", "new", "--number", "VV-BB", "--title", "Biên bản", env=me).code == 0
    (tmp_path / "tệp.txt").write_text("dữ liệu", "utf-8")
    assert cli("files", "add", str(tmp_path / "tệp.txt"), "--case", "VV-BB", env=me).code == 0
    out = tmp_path / "bien-ban.pdf"
    made = cli("report", "VV-BB", "--kind", "minutes", "--lang", "vi", "--out", str(out), "--sign-token", env=me)
    assert made.code == 0, made.err
    status = validate(out, softhsm)
    assert "Examiner A" in status.signing_cert.subject.human_friendly  # type: ignore[attr-defined]
    both = cli("report", "VV-BB", "--out", str(tmp_path / "x.pdf"), "--sign-token", "--sign-p12", str(out), env=me)
    assert "either --sign-p12 or --sign-token" in both.one_line_error()
    passphrase_examiner = cli("report", "VV-BB", "--out", str(tmp_path / "y.pdf"), "--sign-token")
    assert "does not sign with a token" in passphrase_examiner.one_line_error()
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "y.pdf").exists()


def test_a_token_whose_key_has_no_certificate_signs_custody_but_not_pades(vault: Vault, vault_dir: Path,
                                                                          softhsm: SoftHSM, tmp_path: Path) -> None:
    """Custody signatures need only the key (read from its public-key object); PAdES needs the CA's certificate."""
    examiner = enrol(vault, softhsm, "Key Only", "Cán bộ chưa có chứng thư")
    assert examiner.certificate is None  # type: ignore[attr-defined]
    vault.close()
    with Vault.open(vault_dir, TOKEN_PASSPHRASE) as mine:
        signer = vaults.sign_in_with_token(mine, softhsm.tokens["Key Only"].pin)
        assert signer is not None and signer.certificate is None
        try:
            case = mine.create_case("VV-C", "c")
            assert mine.custody.entries()[-1].record["key"]["alg"] == "ecdsa-p256-sha256"
            size = mine.custody.size()
            with pytest.raises(UsageError, match="token 'Key Only' .*holds no certificate for key id 01"):
                generate_report(mine, case.number, tmp_path / "r.pdf", ReportOptions(sign_token=True))
            assert mine.custody.size() == size and [p.name for p in tmp_path.iterdir()] == ["vault"]
        finally:
            mine.close()
            signer.close()
    assert MODULE
