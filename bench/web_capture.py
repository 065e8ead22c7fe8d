"""Benchmark: forensic web capture against a bare Playwright screenshot, and batch concurrency.

In one run, against the bundled sample site on 127.0.0.1 with 200 ms added to every
response (as a real network would), each timed as a whole process from launch to exit:

  (a) a bare Playwright script: launch Chromium, goto, full-page screenshot, exit
  (b) ``forensics capture web`` of the same page, full forensic bundle into a vault
      (proxy + WARC + WACZ + screenshots + HTML + MHTML + PDF + provenance, vault with
      production key-derivation parameters)
  (c) a batch of 50 pages with ``--concurrency 4`` against the same 50 with ``--concurrency 1``

Targets: (b) no more than 2.5 x (a); (c) at least 2 x faster than sequential.

Each (c) batch also reports its CPU time, by kind of process (the forensics CLI,
Playwright's driver, each kind of Chromium process), read from /proc while it
runs: ``/usr/bin/time`` cannot see Chromium's processes, which the CLI never
waits for. A batch that keeps every core busy cannot go faster by concurrency.

    .venv/bin/python bench/web_capture.py [--runs 3] [--pages 50] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forensics_app.services.web_sample import SampleSite  # noqa: E402

PASSPHRASE = "bench passphrase, not for evidence"

BARE = """
import sys
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=sys.argv[1], args=["--no-sandbox"] if __import__("os").geteuid() == 0 else [])
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(sys.argv[2])
    page.screenshot(path=sys.argv[3], full_page=True)
    browser.close()
"""


def run(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds


class CpuSampler:
    """CPU seconds of a process and all its descendants, by kind, sampled from /proc (Linux)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.seen: dict[int, tuple[str, float]] = {}
        self.tick = os.sysconf("SC_CLK_TCK")

    def sample(self) -> None:
        parents: dict[int, list[int]] = collections.defaultdict(list)
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                stat = self._stat(int(entry))
                if stat is not None:
                    parents[int(stat[1])].append(int(entry))
        todo, family = [self.root], [self.root]
        while todo:
            for child in parents.get(todo.pop(), []):
                family.append(child)
                todo.append(child)
        for pid in family:
            stat = self._stat(pid)
            if stat is not None:
                # read the kind again each time: a forked process shows its parent's command line at first;
                # an exited one (a zombie until reaped) shows none, and keeps the kind it had
                kind = self._kind(pid)
                if kind == "other" and pid in self.seen:
                    kind = self.seen[pid][0]
                self.seen[pid] = (kind, (int(stat[11]) + int(stat[12])) / self.tick)

    def totals(self) -> dict[str, float]:
        out: dict[str, float] = collections.defaultdict(float)
        for kind, seconds in self.seen.values():
            out[kind] += seconds
        return dict(sorted(out.items(), key=lambda item: -item[1]))

    @staticmethod
    def _stat(pid: int) -> list[str] | None:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                return handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None

    @staticmethod
    def _kind(pid: int) -> str:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                line = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            return "other"
        if not line.strip():
            return "other"
        program = os.path.basename(line.split(" ", 1)[0])
        if "chrom" in line.split(" ", 1)[0] or program == "exe":  # a zygote child may show as .../exe
            kind = re.search(r"--type=([\w-]+)", line)
            return f"chromium {kind.group(1) if kind else 'browser'}"
        if program.startswith("node"):
            return "playwright driver"
        return "forensics (python)" if "python" in program else program or "other"


def run_sampled(cmd: list[str], env: dict[str, str]) -> tuple[float, dict[str, float]]:
    """Like :func:`run`, and the CPU time of the command's whole process tree by kind."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = CpuSampler(process.pid)
    while process.poll() is None:
        sampler.sample()
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        error = process.stderr.read().decode()[-2000:] if process.stderr else ""
        sys.exit(f"failed ({process.returncode}): {' '.join(cmd)}\n{error}")
    return seconds, sampler.totals()


def forensics(*args: str) -> list[str]:
    return [sys.executable, "-m", "forensics_app.cli.main", *args]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of (a) and (b); the median is kept")
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds added to every response")
    args = parser.parse_args()

    from collectors.web.browser import discover_browser

    browser = discover_browser().path
    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    env = {**os.environ, "FORENSICS_VAULT": str(work / "vault"), "FORENSICS_PASSPHRASE": PASSPHRASE}
    env.pop("FORENSICS_KDF_PROFILE", None)  # production Argon2id parameters, as an examiner's vault has
    subprocess.run(forensics("vault", "init", "--examiner-name", "Bench"), env=env, check=True, capture_output=True)

    with SampleSite(latency=args.latency) as site:
        url = site.url + "/"
        print(f"sample site {site.url}, {args.latency * 1000:.0f} ms per response; browser {browser}")
        bare, full = [], []
        for index in range(args.runs):
            bare.append(run([sys.executable, "-c", BARE, browser, url, str(work / f"bare-{index}.png")], env))
            case = f"BENCH-B-{index}"
            subprocess.run(forensics("case", "new", "--number", case, "--title", "bench"), env=env, check=True,
                           capture_output=True)
            full.append(run(forensics("capture", "web", url, "--case", case, "--allow-private-addresses"), env))
            print(f"  run {index + 1}: (a) {bare[-1]:6.2f} s   (b) {full[-1]:6.2f} s", flush=True)
        a, b = statistics.median(bare), statistics.median(full)
        print(f"(a) bare Playwright screenshot        {a:7.2f} s (median of {args.runs})")
        print(f"(b) forensics capture web, full bundle {b:7.2f} s (median of {args.runs})")
        print(f"    ratio (b)/(a) = {b / a:.2f}   target <= 2.5   {'OK' if b / a <= 2.5 else 'MISSED'}")

        pages = site.article_urls(args.pages)
        timings = {}
        for concurrency in (1, 4):
            case = f"BENCH-C-{concurrency}"
            subprocess.run(forensics("case", "new", "--number", case, "--title", "bench"), env=env, check=True,
                           capture_output=True)
            timings[concurrency], cpu = run_sampled(forensics(
                "capture", "web", *pages, "--case", case, "--allow-private-addresses", "--concurrency",
                str(concurrency)), env)
            total = sum(cpu.values())
            print(f"(c) {args.pages} pages, --concurrency {concurrency}: {timings[concurrency]:7.2f} s "
                  f"({timings[concurrency] / args.pages:.2f} s per page); CPU {total:.1f} s = "
                  f"{total / timings[concurrency]:.2f} of {os.cpu_count()} cores", flush=True)
            print("      CPU by process: " + ", ".join(f"{kind} {seconds:.1f} s" for kind, seconds in cpu.items()),
                  flush=True)
        speedup = timings[1] / timings[4]
        print(f"    speed-up concurrency 4 vs 1 = {speedup:.2f} x   target >= 2   {'OK' if speedup >= 2 else 'MISSED'}")
    return 0 if b / a <= 2.5 and speedup >= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
