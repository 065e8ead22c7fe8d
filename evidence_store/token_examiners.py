"""Examiners whose signing key lives on a PKCS#11 token: enrolling them, and signing in.

Such an examiner still has a passphrase of their own: it opens the vault (their
key slot). Their signature is the token's: every custody entry and checkpoint
they sign is ECDSA P-256 made on the token, which only their PIN unlocks.

- Enrolling logs in to the token once (the newcomer types the PIN), reads the key
  and its certificate, proves the key signs for the public key read, and adds the
  examiner with that public key; the token's facts (module, token label and
  serial, key id and label, certificate with its SHA-256) go into the examiners
  row and the ``examiner.add`` entry (:meth:`.examiners.Examiners.add_examiner`).
- Signing in loads the module the log recorded for this examiner (a module path
  edited into the examiners table is refused before anything is loaded), logs in
  with the PIN and makes the token the session's signer, checked against the
  recorded public key (:meth:`.vault.Vault.use_token`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .errors import UsageError, VaultDamagedError
from .pkcs11 import TokenRef, TokenSigner, login

if TYPE_CHECKING:
    from .models import Examiner
    from .vault import Vault


def enrol(vault: Vault, name: str, passphrase: str, ref: TokenRef, pin: str, *, position: str = "",
          agency: str = "", unit: str = "", role: str = "examiner") -> Examiner:
    """Add an examiner who signs on their token (they type the passphrase and the PIN)."""
    session = login(ref, pin)
    try:
        key = session.key
        return vault.add_examiner(name, passphrase, position=position, agency=agency, unit=unit, role=role,
                                  token=key.facts(), token_public_key=key.public_key, certificate=key.certificate)
    finally:
        session.close()


def recorded_token(vault: Vault) -> TokenRef:
    """The signed-in examiner's token as their ``examiner.add`` entry recorded it (the row must agree)."""
    me = vault.examiner
    if not me.token:
        raise UsageError(f"examiner {me.name} signs with the key their passphrase opens, not with a token",
                         message_vi=f"cán bộ {me.name} ký bằng khoá mà mật khẩu mở, không dùng thiết bị ký số")
    logged = next((details for _seq, details in vault.custody_details("examiner.add")
                   if details.get("uid") == me.uid), None)
    if logged is None or logged.get("token") != me.token or logged.get("public_key") != me.public_key.hex():
        raise VaultDamagedError(f"examiner {me.name}'s token in vault.db is not the one the custody log recorded "
                                "when they were added (the examiners table was altered): nothing is loaded from it",
                                message_vi=f"thiết bị ký số của cán bộ {me.name} trong vault.db không phải thiết bị mà nhật ký "
                                           "lưu giữ chứng cứ ghi khi thêm cán bộ (bảng cán bộ đã bị sửa): không nạp gì từ đó",
                                remedy="vault_verify")
    return TokenRef.from_json(me.token)


def sign_in(vault: Vault, pin: str, *, module: str | None = None) -> TokenSigner:
    """Log in to the signed-in examiner's token; from now on the token signs for this session.

    ``module``: the token's PKCS#11 module on this workstation, when it is not
    where it was at enrolment (another computer, another driver version).
    """
    ref = recorded_token(vault)
    if module:
        ref = replace(ref, module=module)
    session = login(ref, pin)
    me = vault.examiner
    signer = TokenSigner(me.id, me.uid, me.name, session)
    try:
        vault.use_token(signer)
    except BaseException:
        session.close()
        raise
    return signer
