"""Disk benchmark: our listing and extraction against The Sleuth Kit's tools, in one run.

    .venv/bin/python bench/disk_walk.py [--files 100000] [--runs 3] [--extract-runs 1] [--workdir DIR] [--keep]
                                        [--code CHECKOUT]

Builds an ext4 image holding FILES small files (mkfs.ext4 -d), then times, on the
same image and machine:
  listing     fls -r -m /                 vs  forensics disk ls -r --json
              (and the floor: pytsk3's walk alone in Python, no output)
  extraction  tsk_recover -a + sha256sum  vs  forensics disk extract --all (into a vault), with the analysis
              that follows every acquisition (text index, entities, timeline) and without it
and the floors of an extraction into the vault (each alone: every file read, hashed, encrypted and
written in a bare pytsk3 loop; the extraction's own database rows inserted again into a new
SQLCipher database with the vault's settings; the image's four hashes), and a lower bound
from them (their CPU over the cores),
and prints the ratios against issue 20's targets (listing <= 3x, extraction <= 3x) with
each command's peak memory and CPU time (from wait4, per process tree; the ratio of CPU times
holds better than wall times on a machine other work keeps busy), for several runs, each
with the machine's load average (the machine is shared: read ratios of one run). Output goes
to files, so terminal speed is not measured. The file system is synced (untimed)
before each command, so none pays for another's dirty pages (building the image
leaves hundreds of MB of them). The vault makes what it stores durable and
tsk_recover does not, so the time of a ``sync`` after tsk_recover is shown too,
with the like-for-like ratio. ``--code`` times another checkout's ``forensics``
(before/after comparisons on the same image). That checkout's Python is byte-compiled
first, untimed, as an installed package is.

Which extraction figure the 3x target is held to: the one WITHOUT analysis. It is the
acquisition itself (each file read through pytsk3, SHA-256 and BLAKE3 in one pass,
encrypted, stored, its row and custody entry committed), which is what ``tsk_recover``
+ ``sha256sum`` does. The text index, entities and timeline that follow (issue 17's
analysis) are reported beside it, for that issue.

No run pays for another's deletions: every run writes into folders of its own, and
nothing is deleted until all are timed. Deleting 100,000 files just before a run
made its file creations several times dearer (seen with perf: ext4's inode allocator
in ``recently_deleted``, skipping inodes freed in the last seconds), and that fell on
whichever command ran next: ``tsk_recover`` right after the image's source tree was
removed (38 s of CPU instead of 3 s for 100,000 files; still 32 s after a 35 s wait),
or the extraction right after the previous vault was. The image's source tree is
removed only after the last timing, and after removing an earlier invocation's
outputs from ``--workdir`` the bench waits that window out (65 s).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORENSICS = [sys.executable, "-m", "forensics_app.cli.main"]


# The least any listing through pytsk3 does: open every directory and read each entry's name and the metadata
# fields fls prints, in Python, writing nothing. Its time against fls shows how much of the 2x budget is left
# for building entries and writing them out.
PYTSK3_FLOOR = """
import sys
import pytsk3
fs = pytsk3.FS_Info(pytsk3.Img_Info(sys.argv[1]))
def walk(directory, seen):
    for entry in directory:
        info = entry.info
        raw = info.name.name
        if raw in (b".", b".."):
            continue
        meta = info.meta
        if meta is None:
            continue
        (meta.addr, meta.size, meta.mtime, meta.atime, meta.ctime, meta.crtime, meta.mode, meta.uid, meta.gid,
         int(meta.flags))
        if int(meta.type) == int(pytsk3.TSK_FS_META_TYPE_DIR) and meta.addr not in seen:
            seen.add(meta.addr)
            walk(fs.open_dir(inode=meta.addr), seen)
walk(fs.open_dir(path="/"), set())
"""


# The least an extraction into the vault does for each file, in Python, without records: read it through
# pytsk3, SHA-256 and BLAKE3 of the content, encrypt it (ChaCha20-Poly1305), name it by the ciphertext's hash and
# write it to a new file. argv: image, output folder.
FILE_FLOOR = """
import hashlib, os, sys
import blake3, pytsk3
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
fs = pytsk3.FS_Info(pytsk3.Img_Info(sys.argv[1]))
out = sys.argv[2]
aead = ChaCha20Poly1305(os.urandom(32))
count = 0
def walk(directory, seen):
    global count
    for entry in directory:
        info = entry.info
        meta = info.meta
        if info.name.name in (b".", b"..") or meta is None:
            continue
        if int(meta.type) == int(pytsk3.TSK_FS_META_TYPE_DIR):
            if meta.addr not in seen:
                seen.add(meta.addr)
                walk(fs.open_dir(inode=meta.addr), seen)
            continue
        if int(meta.type) != int(pytsk3.TSK_FS_META_TYPE_REG) or meta.size == 0 or meta.addr < 12:
            continue
        data = fs.open_meta(inode=meta.addr).read_random(0, meta.size)
        hashlib.sha256(data).digest(), blake3.blake3(data).digest()
        count += 1
        sealed = aead.encrypt(count.to_bytes(12, "big"), data, None)
        fd = os.open(os.path.join(out, hashlib.sha256(sealed).hexdigest()), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, sealed)
        os.close(fd)
walk(fs.open_dir(path="/"), set())
print(count)
"""

# The least the vault's database does for those files: the extraction's own rows (items, blobs, custody entries,
# Merkle nodes), copied out of the vault, inserted again into a new SQLCipher database with the vault's settings
# (raw key, page size, WAL, synchronous FULL, page cache) and indexes, in transactions of 5,000 files as the extraction
# commits them; no foreign keys, nothing computed. argv: vault folder, passphrase, new database path.
DATABASE_FLOOR = """
import os, sys, time
from pathlib import Path
import sqlcipher3
from evidence_store import Vault
from evidence_store.db import CACHE_KIB
vault = Vault.open(Path(sys.argv[1]), sys.argv[2])
page_size = vault.config.db_page_size
tables = ("items", "blobs", "custody", "merkle_nodes")
rows = {t: [tuple(r) for r in vault.conn.execute(f"SELECT * FROM {t}")] for t in tables}
ddl = [str(r[0]) for r in vault.conn.execute(
    "SELECT sql FROM sqlite_master WHERE tbl_name IN (?, ?, ?, ?) AND sql IS NOT NULL ORDER BY type DESC", tables)]
vault.close()
conn = sqlcipher3.connect(sys.argv[3], isolation_level=None)
conn.execute(f'''PRAGMA key = "x'{os.urandom(32).hex()}'"''')
conn.execute(f"PRAGMA cipher_page_size = {page_size}")
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = FULL")
conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
for sql in ddl:
    for referenced in ("items", "cases", "blobs", "examiners"):
        sql = sql.replace(f"REFERENCES {referenced}(id)", "").replace(f"REFERENCES {referenced}(name)", "")
    conn.execute(sql)
files = len(rows["items"])
started = time.process_time()
for first in range(0, files, 5000):
    conn.execute("BEGIN IMMEDIATE")
    for table, table_rows in rows.items():
        share = slice(first * len(table_rows) // files, min(files, first + 5000) * len(table_rows) // files)
        if table_rows[share]:
            conn.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(table_rows[0]))})", table_rows[share])
    conn.execute("COMMIT")
conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
conn.close()
print(files, time.process_time() - started)
"""

# The image's four hashes (MD5, SHA-1, SHA-256, BLAKE3), two threads as the vault pairs them. argv: image.
IMAGE_HASH_FLOOR = """
import hashlib, sys
from concurrent.futures import ThreadPoolExecutor
import blake3
pairs = ((hashlib.md5(), blake3.blake3(max_threads=1)), (hashlib.sha256(), hashlib.sha1()))
def feed(pair, data):
    for h in pair:
        h.update(data)
with open(sys.argv[1], "rb") as image, ThreadPoolExecutor(2) as pool:
    while data := image.read(8 << 20):
        list(pool.map(feed, pairs, (data, data)))
"""


PACKAGES = ("forensics_app", "collectors", "evidence_store", "report_templates")


def byte_compile(checkout: Path) -> None:
    """Compile the checkout's Python once, untimed, as pip and apt do when they install a package: with
    PYTHONDONTWRITEBYTECODE set (as in this project's sessions) every ``forensics`` would otherwise compile its
    own modules again on each start (measured: 0.04 s of a 0.11 s start-up of ``disk ls``). The bytecode goes
    where Python looks for it, ``__pycache__`` beside each module (git ignores it); a stale one is never used
    (Python checks the source's time and size)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(checkout / p) for p in PACKAGES)],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"byte-compiled {', '.join(PACKAGES)} of {checkout} (untimed)", flush=True)


def build_image(workdir: Path, files: int) -> Path:
    tree = workdir / "tree"
    image = workdir / "bench-ext4.img"
    if image.exists():
        return image
    print(f"building an ext4 image with {files} files …", flush=True)
    per_dir = 1000
    for index in range(files):
        folder = tree / f"thư mục {index // per_dir:03d}"
        if index % per_dir == 0:
            folder.mkdir(parents=True)
        size = 200 + (index * 7919) % 3800
        (folder / f"tệp {index:06d}.txt").write_bytes((f"{index:06d} nội dung ".encode() * 200)[:size])
    total_kib = sum(1 + p.stat().st_size // 1024 for p in tree.rglob("*")) + files // 2
    subprocess.run(["truncate", "-s", f"{max(64, total_kib // 1024 * 2 + 64)}M", str(image)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-b", "1024", "-N", str(files + files // 10 + 1000), "-d", str(tree),
                    str(image)], check=True, env={**os.environ, "E2FSPROGS_FAKE_TIME": "1700000000"})
    return image  # the source tree stays until every command is timed (see the module's docstring)


def run(label: str, args: list[str], *, stdout: Path | None = None, env: dict[str, str] | None = None,
        shell: bool = False, cwd: Path | None = None) -> tuple[float, int, float]:
    """Wall time (s), peak RSS (MiB) and CPU time (s, with its children) of one command, measured with wait4."""
    os.sync()  # untimed: earlier commands' dirty pages are written now, not during this one
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE, env=env or os.environ, shell=shell, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if stdout:
        out.close()  # type: ignore[union-attr]
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{label} failed ({status}): {error[-2000:]}")
    peak = usage.ru_maxrss // 1024
    cpu = usage.ru_utime + usage.ru_stime  # the command and what it waited for (the reader process too)
    print(f"  {label:<46} {elapsed:8.2f} s   cpu {cpu:7.2f} s   peak {peak:5d} MiB", flush=True)
    return elapsed, peak, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the image and outputs")
    parser.add_argument("--runs", type=int, default=3, help="listing runs")
    parser.add_argument("--extract-runs", type=int, default=1, help="extraction runs (minutes each)")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose forensics is timed")
    args = parser.parse_args()
    args.code = args.code.resolve()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="disk-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    code = {**os.environ, "PYTHONPATH": str(args.code)}  # and run there: `python -m` puts the cwd first
    try:
        byte_compile(args.code)
        remove_outputs(workdir)
        image = build_image(workdir, args.files)
        print(f"image: {image} ({image.stat().st_size // (1 << 20)} MiB), {args.files} files; "
              f"{os.cpu_count()} CPUs", flush=True)
        for number in range(1, args.runs + 1):
            load = os.getloadavg()
            print(f"listing, run {number} (load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}):", flush=True)
            fls_time, _, _ = run("fls -r -m /", ["fls", "-r", "-m", "/", str(image)], stdout=workdir / "fls.body")
            ls_time, ls_peak, _ = run("forensics disk ls -r --json", FORENSICS + ["disk", "ls", "-r", "--json",
                                                                              str(image)],
                                   stdout=workdir / "ls.json", env=code, cwd=args.code)
            floor_time, _, _ = run("pytsk3 walk alone (no output; the floor)", [sys.executable, "-c", PYTSK3_FLOOR,
                                                                             str(image)])
            print(f"  listing ratio {ls_time / fls_time:5.2f} x fls (target <= 3.0); pytsk3's bare walk "
                  f"{floor_time / fls_time:5.2f} x fls; peak {ls_peak} MiB", flush=True)
        for number in range(1, args.extract_runs + 1):
            extract_run(args, workdir, image, code, number)
    finally:
        shutil.rmtree(workdir / "tree", ignore_errors=True)
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        elif not args.keep:
            remove_outputs(workdir, wait=False)


OUTPUTS = "out-"  # every run's recovered files and vaults are under workdir/out-*
# seconds: ext4 without a journal skips inodes freed less than RECENTCY_MIN = 60 s ago (300 s more while their
# inode table block is dirty; the bench syncs first) when it allocates (fs/ext4/ialloc.c, recently_deleted)
DELETION_WINDOW = 65


def remove_outputs(workdir: Path, wait: bool = True) -> None:
    """Remove an earlier invocation's outputs, then (before timing anything) wait until their deletion no longer
    slows file creation."""
    old = sorted(workdir.glob(OUTPUTS + "*"))
    if not old:
        return
    for path in old:
        shutil.rmtree(path, ignore_errors=True)
    if wait:
        wait_out_deletions(f"{len(old)} earlier output folder(s) were removed")


def wait_out_deletions(what: str) -> None:
    """Many files were just deleted: wait before timing anything, or the next command's file creations pay for
    it (measured: tsk_recover -a of 100,000 files took 38 s of CPU right after the image's source tree was
    deleted, 3 s otherwise)."""
    os.sync()
    print(f"{what}; waiting {DELETION_WINDOW} s so their freed inodes do not slow the timed commands' file "
          "creation", flush=True)
    time.sleep(DELETION_WINDOW)


def extract_run(args: argparse.Namespace, workdir: Path, image: Path, code: dict[str, str], number: int) -> None:
    out = workdir / f"{OUTPUTS}{number}"  # this run's own (nothing deleted before a timing)
    out.mkdir()
    recovered = out / "recovered"
    load = os.getloadavg()
    print(f"extraction, run {number} (load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}):", flush=True)
    recover_time, _, recover_cpu = run("tsk_recover -a", ["tsk_recover", "-a", str(image), str(recovered)])
    start = time.perf_counter()
    os.sync()
    sync_time = time.perf_counter() - start
    print(f"  {'sync (the recovered files made durable)':<46} {sync_time:8.2f} s", flush=True)
    hash_time, _, hash_cpu = run("sha256sum of the recovered files",
                       [f"cd {recovered} && find . -type f -print0 | xargs -0 sha256sum > ../recovered.sha256"],
                       shell=True)
    baseline, baseline_cpu = recover_time + hash_time, recover_cpu + hash_cpu
    for analysed in (True, False):
        extract_time, extract_peak, extract_cpu = extract_into_vault(args, out, image, code, analysed)
        extracted = json.loads((out / "extract.json").read_text("utf-8"))["extracted"]
        what = "with analysis (issue 17's, not the target's)" if analysed else "without analysis (the 3x target's)"
        print(f"  {what}: files extracted into the vault: {extracted}; "
              f"ratio {extract_time / baseline:5.2f} x recover+hash" + ("" if analysed else " (target <= 3.0)") +
              f", {extract_time / (baseline + sync_time):5.2f} x recover+sync+hash (both durable); "
              f"CPU time {extract_cpu / baseline_cpu:5.2f} x theirs; peak {extract_peak} MiB (target < 500)",
              flush=True)
    floors(args, out, image, code, baseline, extract_time, extract_cpu)


def floors(args: argparse.Namespace, out: Path, image: Path, code: dict[str, str], baseline: float,
           extract_time: float, extract_cpu: float) -> None:
    """The least each part of an extraction into the vault costs, each alone, on the same image and machine: what
    is left above them is ours (Python around pytsk3, records, custody), the rest no code change removes."""
    (out / "floor-files").mkdir()
    _, _, files_cpu = run("floor: each file read, hashed, encrypted, written", [
        sys.executable, "-c", FILE_FLOOR, str(image), str(out / "floor-files")])
    _, _, database_cpu = run("floor: the extraction's rows into a new database", [
        sys.executable, "-c", DATABASE_FLOOR, str(out / "vault"), "bench passphrase only", str(out / "floor.db")],
        stdout=out / "floor-db.txt", env={**code, "FORENSICS_KDF_PROFILE": "test"}, cwd=args.code)
    copied, insert_cpu = (float(x) for x in (out / "floor-db.txt").read_text().split())
    print(f"  {'  of which inserting the rows of ' + str(int(copied)) + ' items':<46} {'':8}     cpu {insert_cpu:7.2f} s",
          flush=True)
    _, _, image_cpu = run("floor: the image's four hashes (two threads)", [sys.executable, "-c", IMAGE_HASH_FLOOR,
                                                                          str(image)])
    cores = os.cpu_count() or 1
    bound = (files_cpu + insert_cpu + image_cpu) / cores
    print(f"  floors' CPU {files_cpu + insert_cpu + image_cpu:.2f} s over {cores} cores: no extraction into the "
          f"vault here takes under {bound:.2f} s = {bound / baseline:4.2f} x recover+hash; ours took "
          f"{extract_time / bound:4.2f} x that bound ({extract_cpu:.2f} s of CPU, "
          f"{extract_cpu / (files_cpu + insert_cpu + image_cpu):4.2f} x the floors')", flush=True)


def extract_into_vault(args: argparse.Namespace, workdir: Path, image: Path, code: dict[str, str],
                       analysed: bool) -> tuple[float, int, float]:
    """``disk extract --all`` into a fresh vault; ``analysed=False`` turns the analysis after each acquisition
    (text index, entities, timeline: the vault's ``analysis.auto_index`` setting) off, to time extraction alone."""
    vault = workdir / ("vault-analysed" if analysed else "vault")
    env = {**code, "FORENSICS_VAULT": str(vault), "FORENSICS_PASSPHRASE": "bench passphrase only",
           "FORENSICS_KDF_PROFILE": "test"}
    subprocess.run(FORENSICS + ["vault", "init", "--examiner-name", "Bench"], env=env, check=True,
                   capture_output=True, cwd=args.code)
    subprocess.run(FORENSICS + ["case", "new", "--number", "BENCH", "--title", "bench"], env=env, check=True,
                   capture_output=True, cwd=args.code)
    if not analysed:
        subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from evidence_store import Vault; "
                        "v = Vault.open(Path(sys.argv[1]), sys.argv[2]); v.set_setting('analysis.auto_index', False); "
                        "v.close()", str(vault), env["FORENSICS_PASSPHRASE"]], env=env, check=True, cwd=args.code)
    label = "forensics disk extract --all" + ("" if analysed else " (no analysis)")
    return run(label, FORENSICS + ["disk", "extract", str(image), "--case", "BENCH", "--all", "--json"], env=env,
               stdout=workdir / "extract.json", cwd=args.code)


if __name__ == "__main__":
    main()
