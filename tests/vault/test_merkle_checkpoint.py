"""RFC 6962 tree hashing, proofs, and C2SP signed checkpoints, checked without any vault."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from evidence_store import merkle
from evidence_store.checkpoint import Checkpoint, key_id, parse_verifier_key, verifier_key, verify_checkpoint
from evidence_store.errors import IntegrityError
from evidence_store.identity import ED25519, Ed25519Signer
from evidence_store.proofs import verify_inclusion


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1 written literally (recursive split at the largest power of two < n)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]


def test_leaf_and_empty_hashes_match_rfc6962() -> None:
    # Known answers: the empty tree hash, and a single leaf of the empty string (RFC 6962 test vectors).
    assert merkle.root_hash([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


@pytest.mark.parametrize("n", list(range(1, 34)) + [100, 257])
def test_root_matches_the_recursive_definition(n: int) -> None:
    assert merkle.root_hash(leaves(n)) == reference_root(leaves(n))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 8, 9, 16, 31])
def test_every_inclusion_proof_verifies_and_a_wrong_one_does_not(n: int) -> None:
    tree = leaves(n)
    root = merkle.root_hash(tree)
    for index in range(n):
        proof = merkle.inclusion_proof(index, tree)
        assert merkle.verify_inclusion(tree[index], index, n, proof, root)
        assert not merkle.verify_inclusion(merkle.leaf_hash(b"other"), index, n, proof, root)
        if n > 1:
            assert not merkle.verify_inclusion(tree[index], (index + 1) % n, n, proof, root)


@pytest.mark.parametrize("old,new", [(1, 2), (3, 7), (4, 8), (5, 13), (8, 8), (6, 33), (16, 17)])
def test_consistency_proofs(old: int, new: int) -> None:
    tree = leaves(new)
    proof = merkle.consistency_proof(old, tree)
    old_root, new_root = merkle.root_hash(tree[:old]), merkle.root_hash(tree)
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)
    forged = [merkle.leaf_hash(b"forged")] + tree[1:]
    assert not merkle.verify_consistency(old, new, merkle.root_hash(forged[:old]), new_root, proof)


def test_checkpoint_signs_and_verifies_in_c2sp_note_format() -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    point = Checkpoint("example.org/log", 7, hashlib.sha256(b"r").digest())
    note = point.sign("example.org/log/k1", _signer(key))
    body, _, sig_line = note.partition("\n\n")
    assert body.split("\n") == ["example.org/log", "7", base64.b64encode(point.root).decode()]
    assert sig_line.startswith("\u2014 example.org/log/k1 ")
    blob = base64.b64decode(sig_line.split(" ")[-1])
    assert blob[:4] == key_id("example.org/log/k1", ED25519, public)
    vkey = verifier_key("example.org/log/k1", public)
    parsed = parse_verifier_key(vkey)
    assert (parsed.name, parsed.alg, parsed.public_key) == ("example.org/log/k1", ED25519, public)
    assert verify_checkpoint(note, vkey) == point


def test_altered_checkpoint_or_wrong_key_is_rejected() -> None:
    key = Ed25519PrivateKey.generate()
    note = Checkpoint("o", 3, bytes(32)).sign("o/k", _signer(key))
    vkey = verifier_key("o/k", key.public_key().public_bytes_raw())
    with pytest.raises(IntegrityError, match="altered"):
        verify_checkpoint(note.replace("\n3\n", "\n4\n"), vkey)
    other = verifier_key("o/k", Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    with pytest.raises(IntegrityError, match="not signed"):
        verify_checkpoint(note, other)


def test_inclusion_against_a_signed_checkpoint() -> None:
    key = Ed25519PrivateKey.generate()
    entries = [f'{{"seq":{i}}}'.encode() for i in range(6)]
    tree = [merkle.leaf_hash(e) for e in entries]
    note = Checkpoint("o", 6, merkle.root_hash(tree)).sign("o/k", _signer(key))
    vkey = verifier_key("o/k", key.public_key().public_bytes_raw())
    path = [h.hex() for h in merkle.inclusion_proof(4, tree)]
    assert verify_inclusion(note, vkey, entries[4], 4, path).size == 6
    with pytest.raises(IntegrityError):
        verify_inclusion(note, vkey, b'{"seq":99}', 4, path)


def _signer(key: Ed25519PrivateKey) -> Ed25519Signer:
    return Ed25519Signer(1, "uid", "examiner", key.private_bytes_raw())
