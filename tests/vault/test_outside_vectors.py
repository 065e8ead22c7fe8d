"""The Merkle tree and checkpoints against implementations nobody here wrote.

- Certificate Transparency's test vectors (as published with transparency-dev/merkle, data in
  ``data/ct-merkle-vectors.json`` with its origin and licence): every node hash, root, inclusion and
  consistency proof, and the corrupted-proof probes that must fail.
- Go's ``golang.org/x/mod/sumdb/note`` (Debian's golang-golang-x-mod-dev, built offline here) opens a
  checkpoint signed by a vault examiner with the verifier key the vault prints, and refuses an altered one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from evidence_store import Vault, merkle

from ..conftest import PASSPHRASE

VECTORS = json.loads((Path(__file__).parent / "data" / "ct-merkle-vectors.json").read_text("utf-8"))
LEAVES = [merkle.leaf_hash(bytes.fromhex(h)) for h in VECTORS["leaves_hex"]]
ROOTS = [bytes.fromhex(h) for h in VECTORS["roots_by_size"]]


def test_every_node_and_root_matches_the_reference() -> None:
    assert merkle.root_hash([]).hex() == VECTORS["empty_root"]
    tree = merkle.Tree.from_leaves(LEAVES)
    for level, hashes in enumerate(VECTORS["node_hashes_by_level"]):
        for idx, expected in enumerate(hashes):
            assert tree._get(level, idx).hex() == expected, (level, idx)
    for size in range(1, len(LEAVES) + 1):
        assert merkle.root_hash(LEAVES[:size]) == ROOTS[size - 1]


@pytest.mark.parametrize("vector", VECTORS["inclusion_proofs"], ids=lambda v: f"leaf{v['leaf_number']}-of-{v['size']}")
def test_inclusion_proofs_match_and_corruptions_fail(vector: dict) -> None:  # type: ignore[type-arg]
    index, size = vector["leaf_number"] - 1, vector["size"]
    expected = [bytes.fromhex(h) for h in vector["proof"]]
    assert merkle.inclusion_proof(index, LEAVES[:size]) == expected
    root, leaf = ROOTS[size - 1], LEAVES[index]
    assert merkle.verify_inclusion(leaf, index, size, expected, root)
    wrong = [(index - 1, size, expected, root, leaf), (index + 1, size, expected, root, leaf),
             (index ^ 2, size, expected, root, leaf), (index, size * 2, expected, root, leaf),
             (index, size // 2, expected, root, leaf), (index, size, expected, root, b"WrongLeaf"),
             (index, size, expected, bytes.fromhex(VECTORS["empty_root"]), leaf),
             (index, size, expected + [b""], root, leaf), (index, size, expected + [root], root, leaf),
             (index, size, [b""] + expected, root, leaf), (index, size, [root] + expected, root, leaf),
             (index, size, expected[:-1], root, leaf)]
    for n in range(len(expected)):
        flipped = list(expected)
        flipped[n] = bytes([flipped[n][0] ^ 8]) + flipped[n][1:]
        wrong.append((index, size, flipped, root, leaf))
    for i, s, proof, r, lf in wrong:
        assert not merkle.verify_inclusion(lf, i, s, proof, r), (i, s)


@pytest.mark.parametrize("vector", VECTORS["consistency_proofs"], ids=lambda v: f"{v['size1']}-to-{v['size2']}")
def test_consistency_proofs_match_and_corruptions_fail(vector: dict) -> None:  # type: ignore[type-arg]
    old, new = vector["size1"], vector["size2"]
    expected = [bytes.fromhex(h) for h in vector["proof"]]
    assert merkle.consistency_proof(old, LEAVES[:new]) == expected
    root1, root2 = ROOTS[old - 1], ROOTS[new - 1]
    assert merkle.verify_consistency(old, new, root1, root2, expected)
    if not expected:
        return
    wrong = [(old - 1, new, root1, root2, expected), (old + 1, new, root1, root2, expected),
             (old ^ 2, new, root1, root2, expected), (old, new * 2, root1, root2, expected),
             (old, new // 2, root1, root2, expected), (old, new, b"WrongRoot", root2, expected),
             (old, new, root1, b"WrongRoot", expected), (old, new, root2, root1, expected),
             (old, new, root1, root2, []), (old, new, root1, root2, expected + [b""]),
             (old, new, root1, root2, expected + [root1]), (old, new, root1, root2, expected + [root2]),
             (old, new, root1, root2, [b""] + expected), (old, new, root1, root2, [root1] + expected),
             (old, new, root1, root2, [expected[0]] + expected), (old, new, root1, root2, expected[:-1])]
    for n in range(len(expected)):
        flipped = list(expected)
        flipped[n] = bytes([flipped[n][0] ^ 16]) + flipped[n][1:]
        wrong.append((old, new, root1, root2, flipped))
    for o, n2, r1, r2, proof in wrong:
        assert not merkle.verify_consistency(o, n2, r1, r2, proof), (o, n2)


GO_VERIFIER = """
package main

import (
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/note"
)

func main() {
	msg, _ := os.ReadFile(os.Args[1])
	v, err := note.NewVerifier(os.Args[2])
	if err != nil {
		fmt.Println("bad key:", err)
		os.Exit(2)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fmt.Println("refused:", err)
		os.Exit(1)
	}
	fmt.Printf("%s|%s", n.Sigs[0].Name, n.Text)
}
"""


def _go_verifier(tmp_path: Path) -> Path:
    gocode = Path("/usr/share/gocode/src/golang.org/x/mod/sumdb/note")
    if shutil.which("go") is None or not gocode.is_dir():
        pytest.fail("Go and golang.org/x/mod are needed (installer/debian-packages.txt: golang-go, "
                    "golang-golang-x-mod-dev); run `make setup`")
    src = tmp_path / "gopath" / "src" / "noteverify"
    src.mkdir(parents=True)
    (src / "main.go").write_text(GO_VERIFIER, "utf-8")
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": f"{tmp_path / 'gopath'}:/usr/share/gocode",
           "GOCACHE": str(tmp_path / "gocache"), "GOFLAGS": "", "CGO_ENABLED": "0"}
    binary = tmp_path / "noteverify"
    built = subprocess.run(["go", "build", "-o", str(binary), "noteverify"], cwd=src, env=env, capture_output=True,
                           text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    return binary


@pytest.mark.slow
def test_gos_note_package_opens_a_vault_checkpoint(tmp_path: Path) -> None:
    binary = _go_verifier(tmp_path)
    with Vault.create(tmp_path / "vault", PASSPHRASE, "Nguyễn Văn Kiểm") as vault:
        vault.create_case("VV-GO-1", "Checked by Go")
        point = vault.checkpoint()
    note_file = tmp_path / "checkpoint.txt"
    note_file.write_text(point["checkpoint"], "utf-8")
    opened = subprocess.run([str(binary), str(note_file), point["verifier_key"]], capture_output=True, text=True)
    assert opened.returncode == 0, opened.stdout
    name, _, text = opened.stdout.partition("|")
    assert name == point["verifier_key"].split("+")[0]
    assert text == point["checkpoint"][:point["checkpoint"].rindex("\n\n") + 1]  # Go's note text is ours
    assert text.split("\n")[1] == str(point["size"])
    note_file.write_text(point["checkpoint"].replace(f"\n{point['size']}\n", f"\n{point['size'] + 1}\n"), "utf-8")
    altered = subprocess.run([str(binary), str(note_file), point["verifier_key"]], capture_output=True, text=True)
    assert altered.returncode == 1 and "refused" in altered.stdout
