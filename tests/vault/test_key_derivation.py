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


def test_sealed_keys_open_through_the_bindings_as_through_the_public_api() -> None:
    """``open_sealed`` makes its X25519 keys with cryptography's Rust bindings (start-up); the public classes agree."""
    import os

    from cryptography.hazmat.bindings._rust import openssl as rust_openssl
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

    from evidence_store.crypto import new_x25519, open_sealed, seal_to
    from evidence_store.errors import IntegrityError

    for _ in range(5):
        private, public = new_x25519()
        other = os.urandom(32)
        bound = rust_openssl.x25519.from_private_bytes(private)
        assert bound.public_key().public_bytes_raw() == public == \
            X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
        peer = X25519PrivateKey.from_private_bytes(other).public_key().public_bytes_raw()
        assert bound.exchange(rust_openssl.x25519.from_public_bytes(peer)) == \
            X25519PrivateKey.from_private_bytes(private).exchange(X25519PublicKey.from_public_bytes(peer))
        secret = os.urandom(32)
        envelope = seal_to(public, secret, b"aad")
        assert open_sealed(private, envelope, b"aad") == secret
        with pytest.raises(IntegrityError):
            open_sealed(other, envelope, b"aad")  # another examiner's key
        with pytest.raises(IntegrityError):
            open_sealed(private, envelope, b"other aad")
    with pytest.raises(ValueError):  # malformed key material, as the public classes refuse it
        open_sealed(private, {**envelope, "epk": b"short"}, b"aad")
