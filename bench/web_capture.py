"""Benchmark: forensic web capture against a bare Playwright screenshot, and batch concurrency.

In one run, against the bundled sample site on 127.0.0.1 with 200 ms added to every
response (as a real network would), each timed as a whole process from launch to exit:

  (a) a bare Playwright script: launch Chromium, goto, full-page screenshot, exit
  (b) ``forensics capture web`` of the same page, full forensic bundle into a vault
      (proxy + WARC + WACZ + screenshots + HTML + MHTML + PDF + provenance, vault with
      production key-derivation parameters)
  (c) a batch of 50 pages with ``--concurrency 4`` against the same 50 with ``--concurrency 1``

Targets: (b) no more than 2.5 x (a); (c) at least 2 x faster than sequential.

    .venv/bin/python bench/web_capture.py [--runs 3] [--pages 50] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import os
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
            timings[concurrency] = run(forensics("capture", "web", *pages, "--case", case, "--allow-private-addresses",
                                                 "--concurrency", str(concurrency)), env)
            print(f"(c) {args.pages} pages, --concurrency {concurrency}: {timings[concurrency]:7.2f} s "
                  f"({timings[concurrency] / args.pages:.2f} s per page)", flush=True)
        speedup = timings[1] / timings[4]
        print(f"    speed-up concurrency 4 vs 1 = {speedup:.2f} x   target >= 2   {'OK' if speedup >= 2 else 'MISSED'}")
    return 0 if b / a <= 2.5 and speedup >= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
