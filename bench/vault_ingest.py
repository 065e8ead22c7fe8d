"""Benchmark: vault ingest against the physical floor, in the same run on the same file.

Ingest must hash (SHA-256 + BLAKE3), encrypt and durably write every byte. The
floor is the slower of "SHA-256 alone" and "copy onto the vault's disk with
fsync"; the target is ingest within 1.25x of it, with peak memory under 200 MB.

    .venv/bin/python bench/vault_ingest.py [--size-mib 1024] [--dir /path/on/vault/disk]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import blake3

CHUNK = 1 << 20


def make_file(path: Path, size: int) -> None:
    block = os.urandom(CHUNK)
    with path.open("wb") as handle:
        for _ in range(size // CHUNK):
            handle.write(block)
        handle.flush()
        os.fsync(handle.fileno())


def timed(label: str, func, size: int, results: dict[str, float]) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    func()
    seconds = time.perf_counter() - start
    results[label] = seconds
    print(f"{label:<34} {seconds:7.2f} s  {size / seconds / 1e6:8.0f} MB/s", flush=True)


def read_all(path: Path) -> None:
    with path.open("rb", buffering=0) as handle:
        while handle.read(CHUNK):
            pass


def hash_with(path: Path, factory) -> None:  # type: ignore[no-untyped-def]
    digest = factory()
    with path.open("rb", buffering=0) as handle:
        while block := handle.read(CHUNK):
            digest.update(block)


def copy_fsync(path: Path, target: Path) -> None:
    with path.open("rb", buffering=0) as src, target.open("wb", buffering=0) as dst:
        shutil.copyfileobj(src, dst, CHUNK)
        os.fsync(dst.fileno())
    target.unlink()


INGEST = textwrap.dedent("""
    import resource, sys, time
    from pathlib import Path
    from evidence_store import Vault
    vault = Vault.open(Path(sys.argv[1]), "benchmark passphrase")
    case = vault.get_case("BENCH")
    start = time.perf_counter()
    with vault.batch(case) as batch:
        batch.add_file(Path(sys.argv[2]), kind="file", name="big.bin", source=sys.argv[2])
    seconds = time.perf_counter() - start
    print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
""")


def ingest(vault_dir: Path, path: Path) -> tuple[float, float]:
    result = subprocess.run([sys.executable, "-c", INGEST, str(vault_dir), str(path)], capture_output=True,
                            text=True, check=True, env={**os.environ, "FORENSICS_KDF_PROFILE": "test"})
    seconds, maxrss_kib = result.stdout.split()
    return float(seconds), int(maxrss_kib) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dir", type=Path, default=None, help="a folder on the disk the vault lives on")
    args = parser.parse_args()
    size = args.size_mib * CHUNK
    os.environ["FORENSICS_KDF_PROFILE"] = "test"
    from evidence_store import Vault

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        work = Path(tmp)
        source = work / "source.bin"
        print(f"making a {args.size_mib} MiB file of random bytes in {work} …", flush=True)
        make_file(source, size)
        vault_dir = work / "vault"
        with Vault.create(vault_dir, "benchmark passphrase", "Bench") as vault:
            vault.create_case("BENCH", "benchmark")
        results: dict[str, float] = {}
        read_all(source)  # warm the page cache so every contender starts from the same place
        timed("plain read", lambda: read_all(source), size, results)
        timed("SHA-256 alone", lambda: hash_with(source, hashlib.sha256), size, results)
        timed("BLAKE3 alone", lambda: hash_with(source, blake3.blake3), size, results)
        timed("copy to vault disk + fsync", lambda: copy_fsync(source, vault_dir / "copy.bin"), size, results)
        seconds, peak_mb = ingest(vault_dir, source)
        results["ingest"] = seconds
        print(f"{'vault ingest (SHA-256+BLAKE3+enc+fsync)':<34} {seconds:7.2f} s  {size / seconds / 1e6:8.0f} MB/s",
              flush=True)
        floor_name = max(("SHA-256 alone", "copy to vault disk + fsync"), key=lambda k: results[k])
        ratio = seconds / results[floor_name]
        print(f"\nfloor = {floor_name} ({results[floor_name]:.2f} s); ingest / floor = {ratio:.2f} (target <= 1.25)")
        print(f"peak memory of the ingest process: {peak_mb:.0f} MB (target < 200 MB)")
        print(f"benchmark process peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        return 0 if ratio <= 1.25 and peak_mb < 200 else 1


if __name__ == "__main__":
    sys.exit(main())
