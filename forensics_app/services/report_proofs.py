"""Many inclusion proofs at once, and the custody-log extract an evidence package carries.

``evidence_store.merkle.inclusion_proof`` recomputes subtree hashes for every
proof (O(n) each); a package proves thousands of entries, so the subtree hashes
are computed once here and shared (O(n log n) for all). The proofs are the same
RFC 6962 audit paths and are checked by ``evidence_store.verify_bundle``.
"""

from __future__ import annotations

import base64
from typing import Any

from evidence_store import Vault, merkle


def _split(n: int) -> int:
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


class MerkleCache:
    """Subtree hashes of a fixed list of leaves, memoised by range."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self._roots: dict[tuple[int, int], bytes] = {}

    def root(self, start: int, end: int) -> bytes:
        key = (start, end)
        cached = self._roots.get(key)
        if cached is not None:
            return cached
        if end - start == 1:
            value = self.leaves[start]
        else:
            k = _split(end - start)
            value = merkle.node_hash(self.root(start, start + k), self.root(start + k, end))
        self._roots[key] = value
        return value

    def path(self, index: int) -> list[bytes]:
        if not 0 <= index < len(self.leaves):
            raise ValueError("leaf index outside the tree")
        out: list[bytes] = []
        start, end = 0, len(self.leaves)
        # walk down, collecting siblings, then reverse (the audit path goes leaf -> root)
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                out.append(self.root(start + k, end))
                end = start + k
            else:
                out.append(self.root(start, start + k))
                start = start + k
        return list(reversed(out))


def custody_extract(vault: Vault, entry_seqs: list[int], checkpoint: dict[str, Any]) -> tuple[list[dict[str, Any]],
                                                                                              dict[str, Any]]:
    """The log lines for ``entry_seqs`` and a proof bundle (verify_bundle format) against ``checkpoint``."""
    size = int(checkpoint["size"])
    leaves = vault.custody.leaf_hashes(size)
    tree = MerkleCache(leaves)
    wanted = sorted({s for s in entry_seqs if s < size})
    rows: dict[int, Any] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        query = vault.conn.execute(
            "SELECT seq, entry, leaf_hash, signature, examiner_id FROM custody WHERE seq IN "
            f"({','.join('?' * len(chunk))})", chunk)
        rows.update({int(r[0]): r for r in query})
    lines, proofs = [], []
    for seq in wanted:
        _seq, entry, leaf, signature, examiner_id = rows[seq]
        lines.append({"seq": seq, "entry": entry, "leaf_hash": leaf, "signature": signature,
                      "examiner_id": examiner_id})
        proofs.append({"index": seq, "entry": entry, "signature": signature,
                       "audit_path": [h.hex() for h in tree.path(seq)]})
    root = base64.b64decode(checkpoint["checkpoint"].split("\n")[2])
    if tree.root(0, size) != root:
        raise AssertionError("the custody log changed under the checkpoint")  # would be a vault bug
    bundle = {"checkpoint": checkpoint["checkpoint"], "verifier_key": checkpoint["verifier_key"], "proofs": proofs}
    return lines, bundle


def consistency(vault: Vault, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """RFC 6962 consistency proof that the log at ``new`` only grew from ``old``."""
    leaves = vault.custody.leaf_hashes(int(new["size"]))
    proof = merkle.consistency_proof(int(old["size"]), leaves) if int(old["size"]) else []
    return {"old_size": int(old["size"]), "new_size": int(new["size"]),
            "old_root": base64.b64decode(old["checkpoint"].split("\n")[2]).hex(),
            "new_root": base64.b64decode(new["checkpoint"].split("\n")[2]).hex(),
            "proof": [h.hex() for h in proof]}
