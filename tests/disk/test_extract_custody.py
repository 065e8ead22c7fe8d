"""Custody of an extraction: one signature per committed chunk, yet every leaf checked; a cancel keeps what it committed.

An extraction of many files commits them in chunks; each chunk's custody entries are
signed once, by the chunk's last entry, which covers the others by the Merkle root of
their leaves. These tests tamper with an entry inside a chunk (one the signature does
not sit on) and hold ``vault verify`` (the library and the command) to finding it, and
stop an extraction part-way and hold the committed files to ``icat``'s bytes.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from evidence_store import Cancelled, CancelToken, Vault, merkle, verify_vault
from forensics_app.services.disk_acquire import extract
from forensics_app.services.disk_extract import Selection
from forensics_app.services.disk_pipeline import PARALLEL_AVAILABLE

from ..conftest import Cli


def acquisitions(vault: Vault) -> list:  # type: ignore[type-arg]
    return [e for e in vault.custody.entries() if e.record["action"] == "item.acquire"
            and e.record["details"].get("kind") == "extracted_file"]


@pytest.mark.corrupts_vault
def test_a_changed_entry_inside_a_signed_chunk_is_caught(cli: Cli, built: Path) -> None:
    assert cli("vault", "init", "--examiner-name", "Trần Thị Thu").code == 0
    assert cli("case", "new", "--number", "VV-LO", "--title", "Lô").code == 0
    with Vault.open(cli.vault_dir, cli.env["FORENSICS_PASSPHRASE"]) as vault:
        result = extract(vault, "VV-LO", built / "ext4.img", Selection(all=True), chunk_items=4)
        assert result.extracted >= 8
        entries = acquisitions(vault)
        signed = [e for e in entries if e.signature]
        assert len(signed) == -(-result.extracted // 4), "one signature per committed chunk, not one per file"
        first_chunk = entries[:4]
        assert [bool(e.signature) for e in first_chunk] == [False, False, False, True]
        covers = first_chunk[-1].record["covers"]
        assert (covers["first"], covers["count"]) == (first_chunk[0].seq, 3)
        # each covered leaf is shown to be in the signed group by an audit path to the signed root
        for position, entry in enumerate(first_chunk[:3]):
            cover = vault.custody.cover(entry)
            assert cover is not None and cover["signature"] == first_chunk[-1].signature
            path = [bytes.fromhex(h) for h in cover["audit_path"]]
            assert merkle.verify_inclusion(bytes.fromhex(entry.leaf_hash), position, 3, path,
                                           bytes.fromhex(covers["root"]))
        assert verify_vault(vault, log=False).ok
        target = first_chunk[1]  # inside the chunk: its signature sits on first_chunk[3]
        item_id = target.record["item"]["id"]
        text = target.entry.decode("utf-8")
        assert '"recovery":"exact"' in text
        vault.conn.execute("UPDATE custody SET entry = ? WHERE seq = ?",
                           (text.replace('"recovery":"exact"', '"recovery":"possibly incomplete"'), target.seq))
        found = {(p.code, p.item_id) for p in verify_vault(vault, log=False).problems}
    assert ("custody_altered", item_id) in found
    signer_item = first_chunk[-1].record["item"]["id"]
    assert ("custody_bad_cover", signer_item) in found, "the chunk's one signature no longer covers the changed leaf"
    check = cli("vault", "verify", "--json")
    assert check.code == 1
    codes = {(p["code"], p.get("item_id")) for p in json.loads(check.out)["problems"]}
    assert ("custody_altered", item_id) in codes and ("custody_bad_cover", signer_item) in codes


@pytest.mark.corrupts_vault
def test_a_rewritten_leaf_with_its_stored_hash_is_caught_by_the_cover(vault: Vault, case, built: Path) -> None:  # type: ignore[no-untyped-def]
    extract(vault, case.id, built / "ext4.img", Selection(all=True), chunk_items=4)
    target = next(e for e in acquisitions(vault) if not e.signature and b'"recovery":"exact"' in e.entry)
    text = target.entry.decode("utf-8").replace('"recovery":"exact"', '"recovery":"possibly incomplete"')
    assert text != target.entry.decode("utf-8")
    leaf = merkle.leaf_hash(text.encode("utf-8")).hex()  # the forger recomputes the leaf: no custody_altered
    vault.conn.execute("UPDATE custody SET entry = ?, leaf_hash = ? WHERE seq = ?", (text, leaf, target.seq))
    codes = {p.code for p in verify_vault(vault, log=False).problems}
    assert "custody_altered" not in codes
    assert {"custody_bad_cover", "custody_chain_broken", "custody_nodes_altered"} <= codes


@pytest.mark.parametrize("parallel", [False, True] if PARALLEL_AVAILABLE else [False])
def test_cancel_mid_chunk_keeps_every_committed_file_whole(vault: Vault, case, built: Path,  # type: ignore[no-untyped-def]
                                                           parallel: bool) -> None:
    token = CancelToken()
    after_commit: list[str] = []

    def progress(done: int, total: int | None, label: str) -> None:
        """Cancel with the second chunk part-way: a file of it handed to its batch, the next one being read."""
        if vault.list_items(case.id, kind="extracted_file"):
            after_commit.append(label)
            if len(after_commit) == 2:
                token.cancel()

    with pytest.raises(Cancelled):
        extract(vault, case.id, built / "ext4.img", Selection(all=True), chunk_items=3, parallel=parallel,
                progress=progress, cancel=token)
    files = vault.list_items(case.id, kind="extracted_file")
    assert len(files) == 3, "the first chunk whole, nothing of the second"
    assert not list((vault.root / "tmp").iterdir())
    signed = {e.record["item"]["id"] for e in acquisitions(vault) if e.signature}
    assert len(signed) == 1
    for item in files:  # every committed file equals what icat reads for its address
        locator = item.metadata["locator"]
        icat = subprocess.run(["icat", "-o", str(locator["partition_offset"] // 512), str(built / "ext4.img"),
                               str(locator["address"])], capture_output=True, check=True).stdout
        content = b"".join(vault.read_item(item))
        assert content == icat and hashlib.sha256(icat).hexdigest() == item.sha256
    assert vault.custody.entries()[-1].record["details"]["cancelled"] is True
    assert verify_vault(vault, log=False).ok
