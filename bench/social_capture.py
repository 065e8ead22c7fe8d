"""Social capture benchmark: a post with 500 comments in 25 pages, against a plain web capture of the same page.

    .venv/bin/python bench/social_capture.py [--comments 500] [--page-size 20] [--runs 3] [--workdir DIR]

Serves the local Facebook-like post of tests/social (HTTPS on port 443 of a
loopback address under www.facebook.com: run as root), then times, in one
run and alternating, on the same page and vault:
  plain    forensics capture web URL                       (the page as it loads: the first 20 comments)
  social   forensics capture social URL --comments all     (ordering switched, every page of comments expanded,
                                                            the record, the post screenshot, the media)
  same-size forensics capture web URL?all=1                (the same post with all 500 comments already on the
                                                            page: what the web snapshot of the expanded page costs)
Each is a full CLI process (browser start, capture, storing into the vault).
Prints the medians, the ratio against the target (social <= 3x plain), the
number of comments in the record (target: all of them), and where the social
capture's time went (from its provenance).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FORENSICS = [sys.executable, "-m", "forensics_app.cli.main"]


def cli(args: list[str], env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    done = subprocess.run([*FORENSICS, *args], capture_output=True, text=True, env=env, timeout=1800)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"forensics {' '.join(args[:3])} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return elapsed, json.loads(done.stdout) if done.stdout.strip().startswith(("{", "[")) else {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--with-index", action="store_true",
                        help="keep the search indexing that runs after each capture (off: the capture alone)")
    args = parser.parse_args()

    from tests.social.pages.data import FakePost, make_comments, person
    from tests.social.site import PlatformSite, make_platform_certificate
    from tests.web.site import make_video

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-social-"))
    workdir.mkdir(parents=True, exist_ok=True)
    site = PlatformSite(make_platform_certificate(workdir), make_video(workdir))
    post = FakePost("pfbid0bench500", person(0), "Bài đăng đo hiệu năng: 500 bình luận trong 25 trang.",
                    comments=make_comments(args.comments), page_size=args.page_size)
    site.data["facebook"][post.id] = post
    url = f"https://www.facebook.com/{post.author.handle}/posts/{post.id}"
    pages = -(-args.comments // args.page_size)
    env = {**os.environ, "FORENSICS_VAULT": str(workdir / "vault"), "FORENSICS_PASSPHRASE": "bench passphrase 42",
           "FORENSICS_KDF_PROFILE": "test"}
    vault_dir = workdir / "vault"
    if vault_dir.exists():
        shutil.rmtree(vault_dir)
    cli(["vault", "init", "--examiner-name", "Bench"], env)
    cli(["settings", "set", "ntp_server", "127.0.0.1:9"], env)  # no time server here: do not wait for one
    if not args.with_index:  # the capture alone, as the target was set; indexing is timed by bench/index.py
        cli(["settings", "set", "analysis.auto_index", "false"], env)
    site_args = [a for rule in site.host_rules for a in ("--host-rule", rule)]
    site_args += ["--ca-file", str(site.tls.cert_pem), "--allow-private-addresses"]
    print(f"post: {args.comments} comments in {pages} pages of {args.page_size}; {args.runs} run(s) each, alternating; "
          f"search indexing after each capture {'on' if args.with_index else 'off (bench/index.py times it)'}",
          flush=True)
    plain_times: list[float] = []
    social_times: list[float] = []
    full_times: list[float] = []
    last: dict[str, Any] = {}
    for run in range(args.runs):
        case = f"BENCH-{run}"
        cli(["case", "new", "--number", case, "--title", "bench"], env)
        seconds, _ = cli(["capture", "web", url, "--case", case, "--timeout", "300", "--json", *site_args], env)
        plain_times.append(seconds)
        seconds, result = cli(["capture", "social", url, "--case", case, "--comments", "all", "--json", *site_args], env)
        social_times.append(seconds)
        last = result["results"][0]
        seconds, _ = cli(["capture", "web", url + "?all=1", "--case", case, "--timeout", "300", "--json", *site_args],
                         env)
        full_times.append(seconds)
        print(f"  run {run + 1}: plain {plain_times[-1]:.1f} s, social {social_times[-1]:.1f} s "
              f"({last['record']['comments_count']} comments recorded), same-size plain {seconds:.1f} s", flush=True)
    site.stop()
    record = last["record"]
    plain, social = statistics.median(plain_times), statistics.median(social_times)
    full = statistics.median(full_times)
    ratio = social / plain
    recorded = record["comments_count"]
    timings = _timings(env, last)
    print()
    print(f"plain web capture   median {plain:6.1f} s   ({', '.join(f'{t:.1f}' for t in plain_times)})")
    print(f"social capture      median {social:6.1f} s   ({', '.join(f'{t:.1f}' for t in social_times)})")
    print(f"same-size plain     median {full:6.1f} s   ({', '.join(f'{t:.1f}' for t in full_times)})")
    print(f"ratio social/plain  {ratio:.2f}x   target <= 3.00x   {'OK' if ratio <= 3 else 'MISSED'}")
    print(f"ratio social/same-size plain {social / full:.2f}x   (the social layer's own cost: expansion, record, "
          "post screenshot, media)")
    print(f"comments in record  {recorded} of {args.comments}   target all   {'OK' if recorded == args.comments else 'MISSED'}")
    print(f"expansion           {record['expansion'].get('clicks')} in {record['expansion'].get('seconds')} s, "
          f"stopped: {record['expansion'].get('stopped')}")
    print("social capture steps (ms): " + ", ".join(f"{k} {v}" for k, v in sorted(timings.items(), key=lambda kv: -kv[1])))
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ratio <= 3 and recorded == args.comments else 1


def _timings(env: dict[str, str], result: dict[str, Any]) -> dict[str, int]:
    provenance = next((c for c in result["children"] if c["kind"] == "provenance"), None)
    if provenance is None:
        return {}
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([*FORENSICS, "items", "export", str(provenance["id"]), "--out", out], env=env, check=True,
                       capture_output=True)
        data = json.loads(next(Path(out).iterdir()).read_text("utf-8"))
    return dict(data.get("timings_ms") or {})


if __name__ == "__main__":
    sys.exit(main())
