"""The PKCS#11 signer on SoftHSM2: what it reads from a token, what it signs, and every way a token says no."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from evidence_store import TokenError
from evidence_store.identity import ECDSA_P256, verify_signature
from evidence_store.pkcs11 import TokenRef, login

from .conftest import MODULE, SoftHSM


def ref(label: str = "Examiner A", **changes: str) -> TokenRef:
    fields = {"module": MODULE, "token_label": label, "key_id": "01", **changes}
    return TokenRef(**fields)


def test_a_token_key_signs_what_our_verifier_and_openssl_accept(softhsm: SoftHSM, tmp_path: Path) -> None:
    token = softhsm.tokens["Examiner A"]
    assert token.certificate is not None
    session = login(ref(key_id="0x01"), token.pin)
    try:
        key = session.key
        certificate = token.certificate.public_bytes(serialization.Encoding.DER)
        assert key.ref.token_serial == token.serial and key.ref.key_id == "01" and key.ref.key_label == "signing key"
        assert key.certificate == certificate
        assert key.chain == (softhsm.intermediate.public_bytes(serialization.Encoding.DER),)
        point = token.certificate.public_key().public_bytes(serialization.Encoding.X962,
                                                            serialization.PublicFormat.UncompressedPoint)
        assert key.public_key == point and len(point) == 65 and point[0] == 4
        facts = key.facts()
        assert facts["certificate_sha256"] == hashlib.sha256(certificate).hexdigest()
        assert "CN=Examiner A" in facts["certificate_subject"] and "CN=Test Issuing CA" in facts["certificate_issuer"]
        assert facts["manufacturer"] == "SoftHSM project" and facts["module"] == MODULE
        data = "Biên bản thu thập dữ liệu điện tử số 7\n".encode()
        signature = session.sign(data)
        decode_dss_signature(signature)  # DER, as X.509 and verify_signature expect
        assert verify_signature(ECDSA_P256, key.public_key, data, signature)
        assert not verify_signature(ECDSA_P256, key.public_key, data + b".", signature)
        assert session.sign(data) != signature  # ECDSA: a fresh nonce each time, both valid
        # OpenSSL, an implementation nobody here wrote, checks the signature against the CA-issued certificate's key
        (tmp_path / "data").write_bytes(data)
        (tmp_path / "sig.der").write_bytes(signature)
        (tmp_path / "pub.pem").write_bytes(token.certificate.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        checked = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(tmp_path / "pub.pem"), "-signature",
                                  str(tmp_path / "sig.der"), str(tmp_path / "data")], capture_output=True, text=True,
                                 timeout=60)
        assert checked.returncode == 0 and "Verified OK" in checked.stdout, checked.stdout + checked.stderr
    finally:
        session.close()
    with pytest.raises(TokenError, match="was closed: sign in again"):
        session.sign(b"after logout")


def test_the_token_is_found_by_serial_even_when_the_label_is_not_given(softhsm: SoftHSM) -> None:
    token = softhsm.tokens["Examiner C"]
    session = login(TokenRef(MODULE, token_serial=token.serial, key_label="signing key"), token.pin)
    try:
        assert session.key.ref.token_label == "Examiner C" and session.key.ref.key_id == "01"
    finally:
        session.close()


@pytest.mark.parametrize(("changes", "pin", "message", "code"), [
    ({}, "000000", "wrong PIN for token 'Examiner A'", "wrong_pin"),
    ({}, "", "no PIN given for token 'Examiner A'", "no_pin"),
    ({"module": "/nonexistent/libvendor-pkcs11.so"}, "246810",
     "PKCS#11 module /nonexistent/libvendor-pkcs11.so not found", "module_missing"),
    ({"token_label": "Token of nobody"}, "246810", "token 'Token of nobody' not found in .*tokens present: .*"
                                                   "'Examiner A'", "token_missing"),
    ({"key_id": "09"}, "246810", "no private key id 09 on token 'Examiner A'", "key_missing"),
])
def test_each_way_a_token_says_no_is_one_clear_error(softhsm: SoftHSM, changes: dict[str, str], pin: str,
                                                     message: str, code: str) -> None:
    with pytest.raises(TokenError, match=message) as caught:
        login(ref(**changes), pin)
    assert caught.value.context["code"] == code
    assert not pin or pin not in str(caught.value)


def test_a_file_that_is_not_a_module_and_an_rsa_key_are_refused(softhsm: SoftHSM, tmp_path: Path) -> None:
    fake = tmp_path / "libnot-a-module.so"
    fake.write_text("not an ELF file")
    with pytest.raises(TokenError, match="is not a PKCS#11 module that loads here"):
        login(ref(module=str(fake)), "246810")
    rsa = softhsm.tokens["RSA token"]
    with pytest.raises(TokenError, match="key id 01 on token 'RSA token' is an RSA key: custody signatures need an "
                                         "ECDSA P-256 key"):
        login(ref("RSA token"), rsa.pin)


def test_where_a_token_is_named_is_checked_before_any_module_loads() -> None:
    with pytest.raises(TokenError, match="say which token"):
        TokenRef(MODULE, key_id="01")
    with pytest.raises(TokenError, match="say which key"):
        TokenRef(MODULE, token_label="Examiner A")
    with pytest.raises(TokenError, match="not hexadecimal"):
        TokenRef(MODULE, token_label="Examiner A", key_id="zz")


def test_a_signed_in_session_confirms_its_pin_without_asking_the_token_to_log_in_again(softhsm: SoftHSM) -> None:
    """PKCS#11 logs a program in once: a second login answers "already logged in" whatever the PIN, so the
    desktop app's unlock (while work it started still signs) checks the PIN against the one the token accepted."""
    token = softhsm.tokens["Examiner C"]
    session = login(ref("Examiner C"), token.pin)
    try:
        with pytest.raises(TokenError, match="already signed in by this program"):
            login(ref("Examiner C"), "a wrong PIN the token never sees")
        with pytest.raises(TokenError, match="wrong PIN for token 'Examiner C'") as caught:
            session.confirm("000000")
        assert caught.value.context["code"] == "wrong_pin"
        session.confirm(token.pin)
        assert token.pin not in repr(session)
    finally:
        session.close()
    with pytest.raises(TokenError, match="was closed: sign in again"):
        session.confirm(token.pin)
    login(ref("Examiner C"), token.pin).close()  # logged out: the token checks the PIN itself again
