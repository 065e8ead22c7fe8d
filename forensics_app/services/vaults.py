"""Finding, creating, opening, verifying and maintaining vaults; examiners and their passphrases.

The one place both shells go for these: the command line and the desktop app
call the same functions, so the rules (who may remove whose access, what a
removal does and does not do, when a rollback is refused) are the vault's and
are said the same way in both.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidence_store import CancelToken, Examiner, TokenError, Vault
from evidence_store.tasks import NEVER_CANCELLED, Progress, no_progress

if TYPE_CHECKING:
    from evidence_store import VerifyReport
    from evidence_store.pkcs11 import TokenSigner

from .app_dirs import user_data_dir


def default_vault_path() -> Path:
    """``FORENSICS_VAULT`` if set, else ``<user data dir>/forensics-toolkit/vault``."""
    env = os.environ.get("FORENSICS_VAULT")
    if env:
        return Path(env).expanduser()
    return user_data_dir() / "vault"


def create_vault(path: Path, passphrase: str, examiner: str, *, position: str = "", agency: str = "",
                 unit: str = "", admin: bool = True, group_access: bool = False, parent_agency: str = "",
                 place: str = "") -> Vault:
    """A new vault; its first examiner is its administrator unless ``admin=False`` (decided now, for good).

    The agency, unit, superior agency and place the forms print are the vault's settings from the start."""
    vault = Vault.create(path, passphrase, examiner, position=position, agency=agency, unit=unit, admin=admin,
                         permissions="group" if group_access else "owner")
    from . import settings

    names = {"parent_agency": parent_agency, "place": place}  # agency and unit: Vault.create stores them
    chosen = {key: value.strip() for key, value in names.items() if value.strip()}
    if chosen:
        settings.set_settings(vault, chosen)
    return vault


def open_vault(path: Path, passphrase: str, examiner: str | None = None, *, check_witnesses: bool = True) -> Vault:
    """Open with an examiner's own passphrase; ``examiner`` (or FORENSICS_EXAMINER), when given, must match it."""
    return Vault.open(path, passphrase, examiner or os.environ.get("FORENSICS_EXAMINER") or None,
                      check_witnesses=check_witnesses)


# -- examiners who sign on a hardware token (PKCS#11) --------------------------------------------------------------
class TokenPinRequired(TokenError):
    """The passphrase opened the vault for an examiner who signs on a token: their PIN is needed as well."""

    def __init__(self, examiner: str, token: str) -> None:
        super().__init__(f"examiner {examiner} signs with a hardware token ({token}): give its PIN as well",
                         message_vi=f"cán bộ {examiner} ký bằng thiết bị ký số ({token}): hãy nhập cả mã PIN của thiết bị")
        self.examiner, self.token = examiner, token


def token_name(examiner: Examiner) -> str:
    """How the examiner's token is named to them: its label and serial ("" for a passphrase examiner)."""
    if not examiner.token:
        return ""
    label, serial = examiner.token.get("token_label"), examiner.token.get("token_serial")
    return " ".join(p for p in (f"'{label}'" if label else "", f"serial {serial}" if serial else "") if p)


def sign_in_with_token(vault: Vault, pin: str | None, *, module: str | None = None) -> TokenSigner | None:
    """For an examiner who signs on a token: log in with the PIN, and their token signs this session from now on.

    None for an examiner who signs with their passphrase key. ``module`` (or
    FORENSICS_TOKEN_MODULE): where the token's PKCS#11 module is on this
    workstation, when not where it was at enrolment. A missing or wrong PIN, a
    locked PIN or a missing token raise :class:`TokenError` and nothing is written.
    """
    me = vault.examiner
    if not me.token:
        return None  # the PKCS#11 machinery is not even loaded (start-up: bench/gui_startup.py)
    if not pin:
        raise TokenPinRequired(me.name, token_name(me))
    from evidence_store.token_examiners import sign_in

    return sign_in(vault, pin, module=module or os.environ.get("FORENSICS_TOKEN_MODULE") or None)


def resume_token(vault: Vault, token: TokenSigner, pin: str | None) -> TokenSigner:
    """Unlocking a session whose token is still signed in (work it started still signs): the PIN must be the one
    the token accepted, and the token must still be there; then it signs for ``vault`` too."""
    if not pin:
        raise TokenPinRequired(vault.examiner.name, token_name(vault.examiner))
    token.session.confirm(pin)
    vault.use_token(token)
    return token


def verify(vault: Vault, *, quick: bool = False, progress: Progress = no_progress,
           cancel: CancelToken = NEVER_CANCELLED) -> VerifyReport:
    """Re-read and re-hash everything, and hold the log to every witnessed checkpoint (logged)."""
    from evidence_store import verify_vault  # loaded when asked for, not with the app

    return verify_vault(vault, quick=quick, progress=progress, cancel=cancel)


# -- examiners and passphrases ------------------------------------------------------------------------------
def add_examiner(vault: Vault, name: str, passphrase: str, *, position: str = "", agency: str = "", unit: str = "",
                 admin: bool = False) -> Examiner:
    """A new examiner, with the passphrase they chose: their own signing key is made and sealed under it."""
    return vault.add_examiner(name, passphrase, position=position, agency=agency, unit=unit,
                              role="admin" if admin else "examiner")


def add_token_examiner(vault: Vault, name: str, passphrase: str, *, module: str, pin: str, token_label: str = "",
                       token_serial: str = "", key_id: str = "", key_label: str = "", position: str = "",
                       agency: str = "", unit: str = "", admin: bool = False) -> Examiner:
    """A new examiner who signs on their PKCS#11 token (ECDSA P-256) and opens the vault with their passphrase.

    They type both: the passphrase (their key slot) and the token's PIN (the key is
    proved to sign before it is recorded). The token's facts go into the log.
    """
    from evidence_store.pkcs11 import TokenRef
    from evidence_store.token_examiners import enrol

    ref = TokenRef(module, token_label=token_label, token_serial=token_serial, key_id=key_id, key_label=key_label)
    return enrol(vault, name, passphrase, ref, pin, position=position, agency=agency, unit=unit,
                 role="admin" if admin else "examiner")


def remove_examiner(vault: Vault, name: str) -> dict[str, Any]:
    """An administrator removes an examiner; the answer says what that does and does not do."""
    return vault.remove_examiner(name)


def add_passphrase(vault: Vault, passphrase: str, label: str = "") -> str:
    """Another passphrase for the examiner signed in (their own key slot)."""
    return vault.add_key_slot(passphrase, label)


def change_passphrase(vault: Vault, passphrase: str) -> str:
    return vault.change_passphrase(passphrase)


def remove_key_slot(vault: Vault, slot_id: str) -> dict[str, Any]:
    """One's own slot, or anyone's for an administrator; the answer says what that does and does not do."""
    return vault.remove_key_slot(slot_id)


def examiners(vault: Vault) -> list[Examiner]:
    return vault.list_examiners()


# -- maintenance --------------------------------------------------------------------------------------------
def rekey(vault: Vault, *, progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED) -> dict[str, Any]:
    """Re-encrypt everything under a new vault key (resumable: run it again after a cancel or a crash)."""
    from evidence_store.rekey import rekey as run

    return run(vault, progress=progress, cancel=cancel).to_json()


def repair_plan(vault: Vault) -> Any:
    """What an interrupted process left (unreferenced temp files and blobs): shown before anything is removed."""
    from evidence_store.repair import plan

    return plan(vault)


def repair(vault: Vault, plan: Any) -> Any:
    from evidence_store.repair import repair as run

    return run(vault, plan)


def accept_rollback(vault: Vault, reason: str) -> dict[str, Any]:
    """Accept the log as it is now though a witness saw more (a restore from backup): logged with the evidence."""
    return vault.accept_rollback(reason)


def checkpoint(vault: Vault) -> dict[str, Any]:
    """Sign a checkpoint of the custody log now and witness it outside the vault."""
    return vault.checkpoint()
