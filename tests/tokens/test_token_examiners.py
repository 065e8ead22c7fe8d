"""Examiners who sign on a token: their entries and checkpoints are ECDSA made on the token, nobody borrows them,
and what the log recorded about their token holds."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from evidence_store import TokenError, UsageError, Vault, VaultDamagedError, VaultError, verify_vault
from evidence_store.checkpoint import parse_verifier_key, verify_checkpoint
from evidence_store.identity import ECDSA_P256, decode_signature, fingerprint, verify_signature
from evidence_store.pkcs11 import TokenRef, TokenSigner, login
from forensics_app.services import vaults

from ..conftest import PASSPHRASE
from ..vault.test_trust_model import snapshot
from .conftest import MODULE, SoftHSM

TOKEN_PASSPHRASE = "passphrase of the token examiner"
B_PASSPHRASE = "passphrase of examiner B"
TOKEN_EXAMINER = "Lê Thị Token"


def enrol(vault: Vault, softhsm: SoftHSM, label: str = "Examiner A", name: str = TOKEN_EXAMINER) -> object:
    token = softhsm.tokens[label]
    return vaults.add_token_examiner(vault, name, TOKEN_PASSPHRASE, module=MODULE, pin=token.pin, token_label=label,
                                     key_id="01", position="Điều tra viên")


def test_a_token_examiners_entries_and_checkpoints_are_signed_on_the_token(vault: Vault, vault_dir: Path,
                                                                          softhsm: SoftHSM) -> None:
    token = softhsm.tokens["Examiner A"]
    assert token.certificate is not None
    examiner = enrol(vault, softhsm)
    certificate = token.certificate.public_bytes(serialization.Encoding.DER)
    point = token.certificate.public_key().public_bytes(serialization.Encoding.X962,
                                                        serialization.PublicFormat.UncompressedPoint)
    added = vault.get_examiner(TOKEN_EXAMINER)
    assert examiner == added and added.signing_alg == ECDSA_P256 and added.public_key == point
    assert added.certificate == certificate and added.fingerprint.startswith("p256:")
    assert added.token is not None
    assert {k: added.token[k] for k in ("module", "token_label", "token_serial", "key_id", "key_label")} == {
        "module": MODULE, "token_label": "Examiner A", "token_serial": token.serial, "key_id": "01",
        "key_label": "signing key"}
    logged = [d for _s, d in vault.custody_details("examiner.add") if d["name"] == TOKEN_EXAMINER][0]
    assert logged["token"] == added.token and logged["signing_alg"] == ECDSA_P256
    assert logged["certificate_sha256"] == added.token["certificate_sha256"] != ""
    vault.close()

    with Vault.open(vault_dir, TOKEN_PASSPHRASE) as mine:
        assert mine.examiner.name == TOKEN_EXAMINER
        before = mine.custody.size()
        with pytest.raises(VaultError, match="signs with a hardware token: log in to it with its PIN"):
            mine.log("note", details={"text": "not signed in to the token yet"})
        assert mine.custody.size() == before
        signer = vaults.sign_in_with_token(mine, token.pin)
        assert isinstance(signer, TokenSigner)
        try:
            case = mine.create_case("VV-TOKEN-1", "Ký bằng USB token")
            with mine.batch(case) as batch:
                for n in range(3):
                    batch.add_content(io.BytesIO(f"tệp {n}".encode() * 50), kind="file", name=f"tep-{n}.txt",
                                      source=f"/thu-giu/tep-{n}.txt")
            point_note = mine.checkpoint()
            entries = [e for e in mine.custody.entries() if e.seq >= before]
        finally:
            mine.close()
            signer.close()
    assert len(entries) >= 4
    for entry in entries:
        record = entry.record
        assert record["examiner"]["name"] == TOKEN_EXAMINER
        assert record["key"] == {"alg": ECDSA_P256, "fingerprint": fingerprint(ECDSA_P256, point)}
        if entry.signature:
            assert verify_signature(ECDSA_P256, point, entry.entry, decode_signature(entry.signature))
    acquisitions = [e for e in entries if e.record["action"] == "item.acquire"]
    assert len(acquisitions) == 3 and sum(1 for e in acquisitions if e.signature) == 1  # one signature per transaction
    key = parse_verifier_key(point_note["verifier_key"])
    assert key.alg == ECDSA_P256 and key.public_key == point
    assert verify_checkpoint(point_note["checkpoint"], key).size == point_note["size"]
    with Vault.open(vault_dir, PASSPHRASE) as admin:  # the witnessed checkpoint signed on the token holds at open
        report = verify_vault(admin, log=False)
        assert report.ok, [p.message for p in report.problems]


def test_another_examiner_cannot_sign_as_the_token_examiner_and_nothing_is_written(
        vault: Vault, vault_dir: Path, softhsm: SoftHSM) -> None:
    enrol(vault, softhsm)
    vault.add_examiner("Trần Văn B", B_PASSPHRASE)
    vault.close()
    before = snapshot(vault_dir)
    token = softhsm.tokens["Examiner A"]
    with pytest.raises(UsageError, match=f"passphrase is examiner Trần Văn B's, not {TOKEN_EXAMINER}'s"):
        Vault.open(vault_dir, B_PASSPHRASE, examiner=TOKEN_EXAMINER)
    b = Vault.open(vault_dir, B_PASSPHRASE)
    session = login(TokenRef(MODULE, token_label="Examiner A", key_id="01"), token.pin)  # B even holds A's token
    try:
        a = b.get_examiner(TOKEN_EXAMINER)
        for forged in (TokenSigner(b.examiner.id, b.examiner.uid, b.examiner.name, session),
                       TokenSigner(a.id, a.uid, a.name, session)):
            with pytest.raises(UsageError, match="the token's key is not examiner Trần Văn B's recorded key"):
                b.use_token(forged)
        assert vaults.sign_in_with_token(b, token.pin) is None  # B signs with B's own key, whatever PIN is given
        with pytest.raises(UsageError, match="signs with the key their passphrase opens, not with a token"):
            from evidence_store.token_examiners import sign_in

            sign_in(b, token.pin)
    finally:
        session.close()
        b.close()
    assert snapshot(vault_dir) == before


@pytest.mark.corrupts_vault
def test_edited_token_facts_are_caught_and_no_module_is_loaded_from_them(vault: Vault, vault_dir: Path,
                                                                         softhsm: SoftHSM, tmp_path: Path) -> None:
    examiner = enrol(vault, softhsm)
    row = vault.get_examiner(TOKEN_EXAMINER)
    assert row.token is not None
    planted = tmp_path / "libplanted.so"  # an insider points the examiner's token at a library of theirs
    vault.conn.execute("UPDATE examiners SET token = ? WHERE id = ?",
                       (json.dumps({**row.token, "module": str(planted)}, sort_keys=True), row.id))
    problems = [p.message for p in verify_vault(vault, log=False).problems if p.code == "examiner_altered"]
    assert problems == [f"examiner {TOKEN_EXAMINER}: token differ from what the custody log recorded (the examiners "
                        "table was edited)"]
    vault.close()
    with Vault.open(vault_dir, TOKEN_PASSPHRASE) as mine, pytest.raises(VaultDamagedError,
                                                                        match="not the one the custody log recorded"):
        vaults.sign_in_with_token(mine, softhsm.tokens["Examiner A"].pin)
    with Vault.open(vault_dir, PASSPHRASE) as admin:
        admin.conn.execute("UPDATE examiners SET token = ?, certificate = ? WHERE id = ?",
                           (json.dumps(row.token, sort_keys=True), b"another certificate", row.id))
        found = [p.message for p in verify_vault(admin, log=False).problems if p.code == "examiner_altered"]
        assert found == [f"examiner {TOKEN_EXAMINER}: certificate_sha256 differ from what the custody log recorded "
                         "(the examiners table was edited)"]
    assert examiner is not None


def test_enrolment_needs_the_right_pin_and_an_ecdsa_key_and_writes_nothing_otherwise(
        vault: Vault, vault_dir: Path, softhsm: SoftHSM) -> None:
    size = vault.custody.size()
    config = (vault_dir / "vault.json").read_bytes()
    with pytest.raises(TokenError, match="wrong PIN for token 'Examiner C'"):
        vaults.add_token_examiner(vault, "X", TOKEN_PASSPHRASE, module=MODULE, pin="999999", token_label="Examiner C",
                                  key_id="01")
    with pytest.raises(TokenError, match="is an RSA key"):
        vaults.add_token_examiner(vault, "X", TOKEN_PASSPHRASE, module=MODULE, pin=softhsm.tokens["RSA token"].pin,
                                  token_label="RSA token", key_id="01")
    assert vault.custody.size() == size and (vault_dir / "vault.json").read_bytes() == config
    assert [e.name for e in vault.list_examiners()] == ["Nguyễn Văn Kiểm"]
