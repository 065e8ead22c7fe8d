"""Benchmark: vault ingest against the physical floor, in the same run on the same file.

Ingest must hash (SHA-256 + BLAKE3), encrypt (ChaCha20-Poly1305) and durably write
every byte, and name the blob by the SHA-256 of its ciphertext. Timed on the same
file in the same run (page cache warm for everyone):

  SHA-256 alone, BLAKE3 alone, AEAD alone      one core each
  copy to the vault's disk + fsync             the disk's floor
  SHA-256 + BLAKE3 + AEAD on the cores         three threads at once (the issue's floor)
  SHA-256 x2 + BLAKE3 + AEAD on the cores      four threads: what ingest has to compute
  vault ingest                                 in a fresh process; where its time went, stage by stage

Target (issue 20): ingest <= 1.25 x max(SHA-256 alone, copy + fsync, SHA-256+BLAKE3+AEAD on the cores),
peak memory under 200 MB. Each run prints its ratios and the machine's load average.

    .venv/bin/python bench/vault_ingest.py [--size-mib 512] [--runs 3] [--dir /path/on/vault/disk]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import blake3
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

CHUNK = 1 << 20
ROOT = Path(__file__).resolve().parent.parent


def make_file(path: Path, size: int) -> None:
    block = os.urandom(CHUNK)
    with path.open("wb") as handle:
        for _ in range(size // CHUNK):
            handle.write(block)
        handle.flush()
        os.fsync(handle.fileno())


def blocks(path: Path) -> Callable[[], bytes]:
    handle = path.open("rb", buffering=0)
    return lambda: handle.read(CHUNK)


def digest(factory: Callable[[], object]) -> Callable[[Path], None]:
    def run(path: Path) -> None:
        hasher = factory()
        read = blocks(path)
        while block := read():
            hasher.update(block)  # type: ignore[attr-defined]
    return run


def aead(path: Path) -> None:
    cipher, nonce = ChaCha20Poly1305(os.urandom(32)), os.urandom(12)
    read = blocks(path)
    while block := read():
        cipher.encrypt(nonce, block, None)


def together(*work: Callable[[Path], None]) -> Callable[[Path], None]:
    """Each job in its own thread over the same file, at once (they release the GIL)."""
    def run(path: Path) -> None:
        threads = [threading.Thread(target=job, args=(path,)) for job in work]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return run


def copy_fsync(target: Path) -> Callable[[Path], None]:
    def run(path: Path) -> None:
        read = blocks(path)
        with target.open("wb", buffering=0) as out:
            while block := read():
                out.write(block)
            os.fsync(out.fileno())
        target.unlink()
    return run


INGEST = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from evidence_store import Vault
    from evidence_store import blobs
    vault = Vault.open(Path(sys.argv[1]), "benchmark passphrase")
    case = vault.get_case("BENCH")
    start = time.perf_counter()
    with vault.batch(case) as batch:
        batch.add_file(Path(sys.argv[2]), kind="file", name="big.bin", source=sys.argv[2])
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "profile": blobs.last_profile}))
""")


def ingest(vault_dir: Path, path: Path) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-c", INGEST, str(vault_dir), str(path)], capture_output=True,
                            text=True, check=True, cwd=ROOT,
                            env={**os.environ, "FORENSICS_KDF_PROFILE": "test", "PYTHONPATH": str(ROOT)})
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None, help="a folder on the disk the vault lives on")
    args = parser.parse_args()
    size = args.size_mib * CHUNK
    os.environ["FORENSICS_KDF_PROFILE"] = "test"
    sys.path.insert(0, str(ROOT))
    from evidence_store import Vault

    cores = os.cpu_count() or 1
    ok = True
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        work = Path(tmp)
        source = work / "source.bin"
        print(f"a {args.size_mib} MiB file of random bytes in {work}; {cores} CPUs", flush=True)
        make_file(source, size)
        vault_dir = work / "vault"
        with Vault.create(vault_dir, "benchmark passphrase", "Bench") as vault:
            vault.create_case("BENCH", "benchmark")
        contenders: list[tuple[str, Callable[[Path], None]]] = [
            ("SHA-256 alone", digest(hashlib.sha256)),
            ("BLAKE3 alone", digest(blake3.blake3)),
            ("ChaCha20-Poly1305 alone", aead),
            ("copy to vault disk + fsync", copy_fsync(vault_dir / "copy.bin")),
            ("SHA-256 + BLAKE3 + AEAD on the cores", together(digest(hashlib.sha256), digest(blake3.blake3), aead)),
            ("SHA-256 x2 + BLAKE3 + AEAD on the cores", together(digest(hashlib.sha256), digest(hashlib.sha256),
                                                                  digest(blake3.blake3), aead)),
        ]
        digest(hashlib.sha256)(source)  # warm the page cache so every contender starts from the same place
        for run in range(1, args.runs + 1):
            load = os.getloadavg()
            print(f"\nrun {run} (load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {cores} CPUs)")
            results: dict[str, float] = {}
            for label, job in contenders:
                start = time.perf_counter()
                job(source)
                results[label] = time.perf_counter() - start
                print(f"  {label:<42} {results[label]:6.2f} s  {size / results[label] / 1e6:6.0f} MB/s", flush=True)
            measured = ingest(vault_dir, source)
            seconds = float(measured["seconds"])  # type: ignore[arg-type]
            print(f"  {'vault ingest':<42} {seconds:6.2f} s  {size / seconds / 1e6:6.0f} MB/s   "
                  f"peak {float(measured['peak_mib']):.0f} MiB", flush=True)  # type: ignore[arg-type]
            profile = measured["profile"]
            print("    where it went: " + ", ".join(f"{k} {v:.2f}" for k, v in profile.items()))  # type: ignore[union-attr]
            floor_name = max(("SHA-256 alone", "copy to vault disk + fsync", "SHA-256 + BLAKE3 + AEAD on the cores"),
                             key=lambda k: results[k])
            ratio = seconds / results[floor_name]
            full = seconds / max(results[floor_name], results["SHA-256 x2 + BLAKE3 + AEAD on the cores"])
            print(f"  ingest / floor ({floor_name}) = {ratio:.2f} (target <= 1.25); "
                  f"ingest / the work it must do, on the cores = {full:.2f}")
            ok = ok and ratio <= 1.25 and float(measured["peak_mib"]) < 200  # type: ignore[arg-type]
        print(f"\nbenchmark process peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
