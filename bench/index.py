"""Benchmark: the analysis index against ripgrep, query latency across 50 cases, a 1,000,000-event export.

Same run, same text: N items of mixed Vietnamese/English text (words drawn from the
real texts in tests/analysis/fixtures, with phone numbers, bank accounts and URLs
sprinkled in) are written once as plain files for ``rg --count`` and once into a
vault spread over 50 cases; then the vault is analysed (decrypt, extract, entities,
FTS5 index, timeline) in a child process whose peak memory is measured.

Beside rg, the engine's own floors on the same text, each in a child process: a bare
FTS5 table (same tokenizer) filled in one transaction by one ``executemany`` and
nothing else, in plain SQLite (sqlcipher3 without a key) and in SQLCipher with a key
and the vault's settings (WAL, synchronous FULL, the index's 64 MiB page cache and
FTS5 hash size). Our indexing is printed as a ratio to each, so where the time goes
(the engine, or our work around it) is read off one run. CPU time (user+sys, the
rules process included) is printed beside each wall time: on a shared machine wall
times are noisy, CPU times are not.

Targets (issue 17): indexing <= 5x one ``rg --count`` scan of the same text, peak
memory < 500 MB; query p95 <= 100 ms (a word, a phrase, an entity lookup); timeline
export of 1,000,000 events <= 10 s.

    .venv/bin/python bench/index.py [--items 100000] [--item-kib 10] [--events 1000000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FORENSICS_KDF_PROFILE", "test")
PASSPHRASE = "benchmark passphrase"
CASES = 50


def vocabulary() -> list[str]:
    fixtures = ROOT / "tests" / "analysis" / "fixtures"
    text = (fixtures / "vi" / "bo_luat_hinh_su_2015_trich.txt").read_text()
    text += (fixtures / "textract" / "html_raw_text.txt").read_text()
    return sorted(set(re.findall(r"\w{2,}", text)))


def make_texts(count: int, size: int, seed: int = 17) -> list[bytes]:
    rng = random.Random(seed)
    words = vocabulary()
    texts = []
    for n in range(count):
        parts: list[str] = []
        length = 0
        while length < size:
            word = rng.choice(words)
            roll = rng.random()
            if roll < 0.002:
                word = f"0{rng.choice('3579')}{rng.randrange(10**8):08d}"
            elif roll < 0.003:
                word = f"Vietcombank STK {rng.randrange(10**12, 10**13)}"
            elif roll < 0.004:
                word = f"https://www.facebook.com/user.{rng.randrange(5000)}"
            parts.append(word)
            length += len(word) + 1
        texts.append((" ".join(parts) + f" item{n}\n").encode())
    return texts


def peak_bytes() -> int:
    """This process's peak resident memory. VmHWM, not ru_maxrss: after fork+exec ru_maxrss still counts the
    parent's pages at the fork (the parent here holds the whole text), VmHWM belongs to the new address space."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def timed(func):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def cpu_seconds() -> float:
    """User+sys CPU of this process and of its finished children (the forked rules process)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child_floor(plain_dir: str, engine: str, db_path: str) -> None:
    """Run in a child process: a bare FTS5 table filled with the texts, nothing else; prints JSON. The texts are read
    as they are inserted (the page cache holds them: rg just read them)."""
    import sqlcipher3

    from evidence_store.keyslots import DB_PAGE_SIZE
    from evidence_store.search_index import INDEX_CACHE

    paths = sorted(Path(plain_dir).rglob("*.txt"))
    conn = sqlcipher3.connect(db_path, isolation_level=None)
    if engine == "sqlcipher":  # as evidence_store.db.connect and the analysis writer set it
        conn.execute("PRAGMA key = \"x'" + "5a" * 32 + "'\"")
        conn.execute(f"PRAGMA cipher_page_size = {DB_PAGE_SIZE}")  # a new vault's
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(f"PRAGMA cache_size = {INDEX_CACHE}")
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5(body, tokenize='unicode61 remove_diacritics 2')")
    if engine == "sqlcipher":
        conn.execute("INSERT INTO fts (fts, rank) VALUES ('hashsize', 67108864)")
    cpu, start = cpu_seconds(), time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO fts (body) VALUES (?)", ((path.read_text(),) for path in paths))
    conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "cpu": cpu_seconds() - cpu, "page_size":
                      conn.execute("PRAGMA page_size").fetchone()[0]}))
    conn.close()


def child_index(vault_dir: str) -> None:
    """Run in a child process: analyse the whole vault; prints JSON with the figures."""
    from evidence_store import Vault
    from forensics_app.services import analysis

    vault = Vault.open(vault_dir, PASSPHRASE)

    def progress(done: int, total: int | None, _label: str) -> None:
        if done % 10000 == 0:  # memory as the index grows (peak so far, MB) on stderr
            print(f"  {done}/{total} items analysed, peak {peak_bytes() / 1e6:.0f} MB", file=sys.stderr, flush=True)

    cpu = cpu_seconds()
    seconds, report = timed(lambda: analysis.index_pending(vault, progress=progress))
    cpu = cpu_seconds() - cpu
    peak = peak_bytes()
    rules_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "items": report.items, "pieces": report.pieces,
                      "occurrences": report.occurrences, "peak_bytes": peak, "rules_peak_bytes": rules_peak}))
    vault.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--item-kib", type=float, default=10.0)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="Where to put the text and the vault.")
    parser.add_argument("--child-index", help=argparse.SUPPRESS)
    parser.add_argument("--child-floor", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_index:
        child_index(args.child_index)
        return 0
    if args.child_floor:
        child_floor(*args.child_floor)
        return 0
    rg = shutil.which("rg")
    if rg is None:
        print("ripgrep (rg) is needed: apt-get install ripgrep", file=sys.stderr)
        return 2
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="bench-index-", dir=args.dir))
    try:
        return run(args, base, rg)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run(args: argparse.Namespace, base: Path, rg: str) -> int:
    from evidence_store import Vault, timeline_store
    from forensics_app.services import entities, search, timeline

    texts = make_texts(args.items, int(args.item_kib * 1024))
    total = sum(len(t) for t in texts)
    print(f"{args.items} items, {total / 1e6:.0f} MB of text, {CASES} cases", flush=True)
    plain = base / "text"
    for n, data in enumerate(texts):
        folder = plain / f"{n // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{n}.txt").write_bytes(data)
    subprocess.run(["sync"], check=False)
    rg_times = []
    for _ in range(3):  # the fastest of three: the text is in the page cache, as the vault's would be
        seconds, _out = timed(lambda: subprocess.run([rg, "--count", "-i", "chiếm đoạt", str(plain)],
                                                     capture_output=True, check=False))
        rg_times.append(seconds)
    rg_scan = min(rg_times)
    print(f"rg --count (one scan)       {rg_scan:8.2f} s", flush=True)
    floors = {}
    for engine in ("sqlite", "sqlcipher"):
        db_path = base / f"floor-{engine}.db"
        floor = subprocess.run([sys.executable, __file__, "--child-floor", str(plain), engine, str(db_path)],
                               stdout=subprocess.PIPE, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        floors[engine] = json.loads(floor.stdout.strip().splitlines()[-1])
        for path in base.glob(f"floor-{engine}.db*"):
            path.unlink()
        print(f"bare FTS5, {engine:<9}        {floors[engine]['seconds']:8.2f} s (CPU {floors[engine]['cpu']:.2f} s) = "
              f"{floors[engine]['seconds'] / rg_scan:.0f}x rg; one transaction, nothing else"
              + ("; key, WAL, synchronous FULL, 64 MiB cache and hash, page size "
                 f"{floors[engine]['page_size']}" if engine == "sqlcipher" else ""), flush=True)

    vault_dir = base / "vault"
    vault = Vault.create(vault_dir, PASSPHRASE, "Bench")
    vault.set_setting("analysis.auto_index", False)
    cases = [vault.create_case(f"B-{n:02d}", f"bench {n}") for n in range(CASES)]
    seconds, _ = timed(lambda: _ingest(vault, cases, texts))
    print(f"vault ingest (not counted)  {seconds:8.2f} s", flush=True)
    vault.close()
    texts.clear()

    child = subprocess.run([sys.executable, __file__, "--child-index", str(vault_dir)], stdout=subprocess.PIPE,
                           text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    ratio = figures["seconds"] / rg_scan
    cipher, bare = floors["sqlcipher"], floors["sqlite"]
    print(f"index (decrypt, extract, entities, FTS5, timeline) {figures['seconds']:8.2f} s (CPU {figures['cpu']:.2f} s)"
          f" = {ratio:.1f}x rg (target <= 5x), {figures['seconds'] / cipher['seconds']:.2f}x bare FTS5 in SQLCipher "
          f"(CPU {figures['cpu'] / cipher['cpu']:.2f}x), {figures['seconds'] / bare['seconds']:.2f}x bare FTS5 in SQLite; "
          f"{total / figures['seconds'] / 1e6:.1f} MB/s; load average {os.getloadavg()[0]:.1f}", flush=True)
    print(f"index peak memory {figures['peak_bytes'] / 1e6:.0f} MB (target < 500 MB), rules process "
          f"{figures['rules_peak_bytes'] / 1e6:.0f} MB (its pages shared with the indexer at the fork counted); "
          f"{figures['pieces']} pieces, {figures['occurrences']} entity occurrences", flush=True)

    vault = Vault.open(vault_dir, PASSPHRASE)
    words = ["chiem", "doat", "truffaut", "avalanche", "nghiem", "trong", "dieu", "creek", "snow", "tunnel"]
    phrases = ['"chiem doat"', '"tai san"', '"trach nhiem hinh su"', '"tunnel creek"', '"toi pham"']
    latencies: dict[str, list[float]] = {"word": [], "phrase": [], "entity": []}
    phones = [e.value for e in entities.list_entities(vault, entity_type="phone")[:20]]
    for _round in range(5):
        for word in words:
            latencies["word"].append(timed(lambda w=word: search.search(vault, w, limit=20))[0])  # type: ignore[misc]
        for phrase in phrases:
            latencies["phrase"].append(timed(lambda p=phrase: search.search(vault, p, limit=20))[0])  # type: ignore[misc]
        for phone in phones:
            latencies["entity"].append(timed(lambda p=phone: entities.show(vault, p))[0])  # type: ignore[misc]
    for label, values in latencies.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1] if values else float("nan")
        print(f"query {label:<7} p50 {statistics.median(values) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms "
              f"(target <= 100 ms; {len(values)} queries)", flush=True)
    rg_query, _ = timed(lambda: subprocess.run([rg, "--count", "-i", "tunnel creek", str(plain)],
                                               capture_output=True, check=False))
    print(f"rg for one phrase            {rg_query * 1000:7.0f} ms", flush=True)

    case = cases[0]
    events = _events(case.id, args.events)
    with vault._write():
        timeline_store.insert_events(vault.conn, events)
    del events
    query = timeline.TimelineQuery(vault.get_case(case.id), include_custody=False)
    for fmt in ("jsonl", "csv"):
        out = base / f"timeline.{fmt}"
        cpu = time.process_time()
        seconds, count = timed(lambda f=fmt, o=out: timeline.export(vault, query, f, o))  # type: ignore[misc]
        print(f"timeline export {fmt:<5} {count} events {seconds:6.2f} s (CPU {time.process_time() - cpu:.2f} s; "
              f"target <= 10 s); {out.stat().st_size / 1e6:.0f} MB; load average {os.getloadavg()[0]:.1f}",
              flush=True)
    vault.close()
    return 0


def _ingest(vault, cases, texts) -> None:  # type: ignore[no-untyped-def]
    per_case = (len(texts) + len(cases) - 1) // len(cases)
    for c, case in enumerate(cases):
        with vault.batch(case, sync_each=False) as batch:
            for n in range(c * per_case, min(len(texts), (c + 1) * per_case)):
                batch.add_content(io.BytesIO(texts[n]), kind="file", name=f"{n}.txt", source=f"bench/{n}.txt",
                                  media_type="text/plain")


def _events(case_id: int, count: int) -> list:  # type: ignore[type-arg]
    from evidence_store.timeline_store import Event

    rng = random.Random(5)
    start = 1_600_000_000 * 10**6
    times = [start + rng.randrange(4 * 365 * 86400) * 10**6 for _ in range(count)]
    return [Event(case_id, None, t, t + 10**6, "1 s", "file_system", "extracted_file", "Content Modification Time",
                  f"M /Users/x/Documents/file{n}.docx") for n, t in enumerate(times)]


if __name__ == "__main__":
    sys.exit(main())
