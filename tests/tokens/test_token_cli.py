"""The command line with an examiner who signs on a token: enrol, sign in with FORENSICS_TOKEN_PIN, and every way
signing in fails (exit 2, one line, nothing written); packages they sign verify against the agency's trust file."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from evidence_store.identity import ECDSA_P256, ED25519

from ..conftest import Cli
from ..vault.test_trust_model import snapshot
from .conftest import MODULE, SoftHSM, lock_user_pin

TOKEN_PASSPHRASE = "passphrase of the token examiner"
NAME = "Lê Thị Token"


def add_token_examiner(cli: Cli, softhsm: SoftHSM, label: str = "Examiner A", name: str = NAME) -> dict:
    token = softhsm.tokens[label]
    result = cli("examiner", "add", name, "--token-module", MODULE, "--token-label", label, "--key-id", "01",
                 "--json", env={"FORENSICS_NEW_EXAMINER_PASSPHRASE": TOKEN_PASSPHRASE,
                                "FORENSICS_NEW_EXAMINER_TOKEN_PIN": token.pin})
    assert result.code == 0, result.err
    assert token.pin not in result.out + result.err
    return result.json()  # type: ignore[return-value]


def as_token_examiner(softhsm: SoftHSM, label: str = "Examiner A", pin: str | None = None) -> dict[str, str]:
    return {"FORENSICS_PASSPHRASE": TOKEN_PASSPHRASE,
            "FORENSICS_TOKEN_PIN": softhsm.tokens[label].pin if pin is None else pin}


def state(cli: Cli) -> dict[str, bytes]:
    """The vault's files and the witnessed checkpoints outside it."""
    witnesses = Path(os.environ["FORENSICS_WITNESS_DIR"])
    return {**snapshot(cli.vault_dir), **{f"witness/{k}": v for k, v in snapshot(witnesses).items()}}


def test_enrol_and_sign_in_from_the_command_line(cli_vault: Cli, softhsm: SoftHSM, tmp_path: Path) -> None:
    cli = cli_vault
    added = add_token_examiner(cli, softhsm)
    token = softhsm.tokens["Examiner A"]
    assert added["signing_alg"] == ECDSA_P256 and added["token"]["token_serial"] == token.serial
    assert added["token"]["key_id"] == "01" and added["certificate"]
    listed = cli("examiner", "list", "--json")
    assert listed.code == 0
    assert [e["token"]["token_label"] if e["token"] else None for e in listed.json()] == [  # type: ignore[union-attr]
        None, "Examiner A"]
    me = as_token_examiner(softhsm)
    assert cli("case", "new", "--number", "VV-TOKEN", "--title", "USB token", env=me).code == 0
    (tmp_path / "tin nhắn.txt").write_text("nội dung", "utf-8")
    assert cli("files", "add", str(tmp_path / "tin nhắn.txt"), "--case", "VV-TOKEN", env=me).code == 0
    log = cli("custody", "log", "--json", env=me)
    assert log.code == 0 and token.pin not in log.out
    by_name = {e["action"]: e for e in log.json()}  # type: ignore[union-attr]
    for action in ("case.create", "item.acquire"):
        assert by_name[action]["examiner"]["name"] == NAME and by_name[action]["key"]["alg"] == ECDSA_P256
    assert by_name["vault.create"]["key"]["alg"] == ED25519
    assert cli("vault", "verify", env=me).code == 0


@pytest.mark.parametrize("how", ["wrong PIN", "missing PIN", "token not plugged in", "module not installed"])
def test_signing_in_fails_with_one_line_and_nothing_written(cli_vault: Cli, softhsm: SoftHSM, empty_softhsm: Path,
                                                           how: str) -> None:
    cli = cli_vault
    add_token_examiner(cli, softhsm)
    before = state(cli)
    me = as_token_examiner(softhsm)
    if how == "wrong PIN":
        result = cli("case", "new", "--number", "X", "--title", "x", env={**me, "FORENSICS_TOKEN_PIN": "000000"})
        line, expected = result.one_line_error(), "error: wrong PIN for token 'Examiner A'"
    elif how == "missing PIN":
        result = cli("case", "new", "--number", "X", "--title", "x", env={"FORENSICS_PASSPHRASE": TOKEN_PASSPHRASE})
        line, expected = result.one_line_error(), "error: no token PIN: set FORENSICS_TOKEN_PIN"
    else:
        env = ({"SOFTHSM2_CONF": str(empty_softhsm)} if how == "token not plugged in"
               else {"FORENSICS_TOKEN_MODULE": "/usr/lib/x86_64-linux-gnu/pkcs11/libnot-installed.so"})
        done = cli.process("case", "new", "--number", "X", "--title", "x", env={**me, **env})
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        line = done.stderr.strip().splitlines()[-1]
        expected = ("error: token 'Examiner A' serial" if how == "token not plugged in"
                    else "error: PKCS#11 module /usr/lib/x86_64-linux-gnu/pkcs11/libnot-installed.so not found")
        result = None
    assert line.startswith(expected), line
    if how == "token not plugged in":
        assert "not found" in line and "no token is present" in line
    assert softhsm.tokens["Examiner A"].pin not in line
    assert state(cli) == before
    assert cli("case", "new", "--number", "X", "--title", "x", env=me).code == 0  # the right PIN still works
    assert result is None or "Traceback" not in result.err


def test_a_locked_pin_is_refused_before_any_pin_is_sent(cli_vault: Cli, softhsm: SoftHSM) -> None:
    cli = cli_vault
    add_token_examiner(cli, softhsm, "To Lock", "Người Bị Khoá")
    lock_user_pin(softhsm.token_dir("To Lock") / "token.object")  # what a token does after too many wrong PINs
    before = state(cli)
    done = cli.process("case", "new", "--number", "X", "--title", "x", env=as_token_examiner(softhsm, "To Lock"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the PIN of token 'To Lock'") and "is locked" in lines[0]
    assert state(cli) == before


def test_the_pin_never_reaches_a_child_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from forensics_app.cli.common import read_pin

    monkeypatch.setenv("FORENSICS_TOKEN_PIN", "31415926")
    assert read_pin("PIN") == "31415926"
    assert "FORENSICS_TOKEN_PIN" not in os.environ
    child = subprocess.run(["env"], capture_output=True, text=True, timeout=30)
    assert "31415926" not in child.stdout


def test_a_package_signed_on_the_token_verifies_against_the_agencys_trust_file_only(
        cli_vault: Cli, softhsm: SoftHSM, tmp_path: Path) -> None:
    cli = cli_vault
    add_token_examiner(cli, softhsm)
    me = as_token_examiner(softhsm)
    assert cli("case", "new", "--number", "VV-PKG", "--title", "Gói chứng cứ", env=me).code == 0
    (tmp_path / "bằng chứng.txt").write_text("dữ liệu điện tử", "utf-8")
    assert cli("files", "add", str(tmp_path / "bằng chứng.txt"), "--case", "VV-PKG", env=me).code == 0
    exported = cli("export", "VV-PKG", "--out", str(tmp_path / "package"), "--zip", "--json", env=me)
    assert exported.code == 0, exported.err
    package = exported.json()["path"]  # type: ignore[index]
    with zipfile.ZipFile(package) as archive:
        proofs = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith("custody/proofs.json"))))
    from evidence_store.checkpoint import parse_verifier_key

    assert parse_verifier_key(proofs["verifier_key"]).alg == ECDSA_P256  # the package's checkpoint: signed on the token
    trust = tmp_path / "agency-trust.json"
    assert cli("trust", "export", "--out", str(trust), env=me).code == 0
    exported_keys = {e["name"]: e for e in json.loads(trust.read_text("utf-8"))["examiners"]}
    assert exported_keys[NAME]["alg"] == ECDSA_P256 and exported_keys[NAME]["fingerprint"].startswith("p256:")
    no_vault = {"FORENSICS_VAULT": "/nonexistent", "FORENSICS_PASSPHRASE": "", "FORENSICS_TOKEN_PIN": ""}
    checked = cli.process("verify-package", package, "--trust", str(trust), "--json", env=no_vault)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = json.loads(checked.stdout)
    assert report["verdict"] == "verified" and NAME in report["trusted_signers"]
    item = cli("items", "list", "--json", env=me).json()[0]  # type: ignore[index]
    proof = cli("custody", "prove", str(item["id"]), env=me)
    assert proof.code == 0, proof.err
    (tmp_path / "proof.json").write_text(proof.out, "utf-8")
    assert parse_verifier_key(json.loads(proof.out)["verifier_key"]).alg == ECDSA_P256
    proved = cli("custody", "verify-proof", str(tmp_path / "proof.json"), "--trust", str(trust), "--json",
                 env=no_vault)
    assert proved.code == 0 and proved.json()["origin_verified"] is True, proved.out  # type: ignore[index]
    assert NAME in proved.json()["signers"]  # type: ignore[index]
    other_vault = tmp_path / "other-agency"  # another agency's vault and trust file: its examiners, not ours
    other = Cli(other_vault, pytest.MonkeyPatch())
    try:
        assert other("vault", "init", "--examiner-name", "Cán bộ tỉnh khác").code == 0
        other_trust = tmp_path / "other-trust.json"
        assert other("trust", "export", "--out", str(other_trust)).code == 0
    finally:
        other._monkeypatch.undo()
    refused = cli.process("verify-package", package, "--trust", str(other_trust), env=no_vault)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "untrusted_key" in refused.stdout and "p256:" in refused.stdout
    foreign = cli("custody", "verify-proof", str(tmp_path / "proof.json"), "--trust", str(other_trust), env=no_vault)
    assert foreign.code == 1, foreign.out + foreign.err
