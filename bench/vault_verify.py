"""Benchmark: ``vault verify`` of a 100,000-item vault against reading and hashing its blobs with the standard tools.

verify re-reads every blob (the hash that names the file: BLAKE3, SHA-256 for blobs written before issue 20;
decrypt; SHA-256 + BLAKE3 of the plaintext), re-computes the custody log (every entry, signature, cover and Merkle
node), holds every item's whole record to its acquisition entry and the log to the witnessed checkpoint. The
floor is ``b3sum`` (what re-computes the blob names) and ``sha256sum`` over the same blob files (the bytes verify
reads), timed in the same run; the target is verify within 1.5x of that floor. Also timed: the
witness check an open does (target 50 ms).

    .venv/bin/python bench/vault_verify.py [--items 100000] [--dir /path] [--keep]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FORENSICS_KDF_PROFILE", "test")

from evidence_store import Vault, verify_vault  # noqa: E402

PASSPHRASE = "benchmark passphrase"


def sizes(count: int, seed: int = 7) -> list[int]:
    """A realistic mix: many small files (text, thumbnails), some documents and photos, a few larger captures."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.60:
            out.append(rng.randint(200, 8_000))
        elif roll < 0.90:
            out.append(rng.randint(8_000, 120_000))
        elif roll < 0.99:
            out.append(rng.randint(120_000, 1_500_000))
        else:
            out.append(rng.randint(1_500_000, 6_000_000))
    return out


def build(root: Path, count: int) -> tuple[int, float]:
    pool = os.urandom(7_000_000)
    started = time.perf_counter()
    total = 0
    with Vault.create(root, PASSPHRASE, "Người đo") as vault:
        case = vault.create_case("BENCH-VERIFY", "verify benchmark")
        chunk = 2_000
        wanted = sizes(count)
        for start in range(0, count, chunk):
            with vault.batch(case, sync_each=False) as batch:
                for n in range(start, min(start + chunk, count)):
                    size = wanted[n]
                    offset = (n * 7919) % (len(pool) - size)
                    data = n.to_bytes(8, "big") + pool[offset:offset + size - 8]  # unique, so no dedupe
                    batch.add_content(io.BytesIO(data), kind="file", name=f"f{n:06}.bin", source=f"/src/f{n:06}.bin",
                                      metadata={"path": f"/src/{n % 97}/f{n:06}.bin", "mtime": n})
                    total += size
            print(f"  built {min(start + chunk, count):,} items", end="\r", flush=True)
    print()
    return total, time.perf_counter() - started


def tool_seconds(tool: str, blob_files: list[str]) -> float:
    started = time.perf_counter()
    for start in range(0, len(blob_files), 5_000):
        subprocess.run([tool, *blob_files[start:start + 5_000]], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def drop_caches_note() -> str:
    return "files warm in the page cache for every step (the same for the tools and for verify)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None, help="where to build the vault (default: a temp dir)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-verify-", dir=args.dir))
    os.environ.setdefault("FORENSICS_WITNESS_DIR", str(base / "witness"))
    root = base / "vault"
    try:
        total, built = build(root, args.items)
        blob_files = sorted(str(p) for p in (root / "blobs").rglob("*") if p.is_file())
        stored = sum(os.path.getsize(p) for p in blob_files)
        print(f"vault: {args.items:,} items, {total / 1e9:.2f} GB plaintext, {stored / 1e9:.2f} GB of blob files "
              f"(built in {built:.0f} s); {drop_caches_note()}")
        tool_seconds("sha256sum", blob_files)  # warm the cache once for everyone
        sha = tool_seconds("sha256sum", blob_files)
        b3 = tool_seconds("b3sum", blob_files)
        floor = sha + b3
        print(f"sha256sum over the blobs      {sha:7.2f} s")
        print(f"b3sum over the blobs          {b3:7.2f} s")
        with Vault.open(root, PASSPHRASE) as vault:
            started = time.perf_counter()
            report = verify_vault(vault, log=False)
            seconds = time.perf_counter() - started
            assert report.ok, report.problems[:5]
            opens = []
            for _ in range(5):
                began = time.perf_counter()
                vault.witness_problems()
                opens.append(time.perf_counter() - began)
        print(f"vault verify                  {seconds:7.2f} s  ({report.items:,} items, {report.custody_entries:,} "
              "custody entries)")
        print(f"verify / (sha256sum + b3sum)  {seconds / floor:7.2f}x  (target <= 1.5)")
        print(f"witness check at open         {min(opens) * 1000:7.1f} ms (fastest of 5; target <= 50)")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"kept {base}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
