"""The passphrase key derivation: Argon2id through the bindings gives argon2-cffi's bytes, and bad parameters say so."""

from __future__ import annotations

import pytest
from argon2.low_level import Type, hash_secret_raw

from evidence_store.crypto import KDF_PROFILES, KEY_SIZE, KdfParams, derive_kek
from evidence_store.errors import UsageError


@pytest.mark.parametrize("passphrase", ["correct horse battery staple", "Mật khẩu điều tra viên 2026", ""])
@pytest.mark.parametrize("params", [KDF_PROFILES["test"], KDF_PROFILES["standard"], KdfParams(2, 4096, 1)])
def test_derived_key_is_argon2id_as_argon2_cffi_computes_it(passphrase: str, params: KdfParams) -> None:
    salt = bytes(range(16))
    expected = hash_secret_raw(secret=passphrase.encode("utf-8"), salt=salt, time_cost=params.time_cost,
                               memory_cost=params.memory_kib, parallelism=params.parallelism, hash_len=KEY_SIZE,
                               type=Type.ID)
    assert derive_kek(passphrase, salt, params) == expected
    assert derive_kek(passphrase, salt[::-1], params) != expected


def test_reference_test_vectors() -> None:
    """The Argon2 reference implementation's published answers for "password" salted "somesalt" (v=19, t=2, p=1)."""
    assert derive_kek("password", b"somesalt", KdfParams(2, 256, 1)).hex() == \
        "9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe"
    assert derive_kek("password", b"somesalt", KdfParams(2, 65536, 1)).hex() == \
        "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7"


def test_impossible_parameters_are_a_clear_error() -> None:
    with pytest.raises(UsageError, match="key derivation failed .*[Mm]emory cost is too small"):
        derive_kek("passphrase", bytes(16), KdfParams(time_cost=1, memory_kib=1, parallelism=4))
