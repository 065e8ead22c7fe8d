"""Benchmark: capture on workers (Celery + RabbitMQ) against the local 4-way capture, in one run.

Against the bundled sample site on 127.0.0.1 (realistic articles: Vietnamese text, Open Graph, a gzip style
sheet, images) with 200 ms added to every response, full forensic bundles (WARC, WACZ, screenshots, HTML,
MHTML, PDF, provenance), into one desk vault:

  (a) local: ``capture_web(..., concurrency=4)``, what ``forensics capture web --concurrency 4`` runs
  (b) remote: the same pages with 1, 2 and 4 ``forensics worker`` processes (real RabbitMQ started here on a
      free port, workers with their own keys, bundles sealed to the desk through a staging folder, ingested
      as they arrive); throughput as a ratio to (a)
  (c) the per-capture overhead of queue + bundle + ingest: one worker, one task at a time, so nothing overlaps;
      wall time per task against the capture's own time on the worker (target <= 15 %)
  (d) the central ingest's limit: bundles written by the workers while the desk does not collect, then stored
      at once (verify signature and hashes, encrypt into the vault, log, clear staging): bundles per second

Workers are warmed up (their browser started) before they are timed, as long-running workers are; the local
batch starts its browser inside its time (about 1-2 s of the batch). Every capture is checked stored once, and
the vault verified, at the end. Figures go to stdout and, with ``--json``, to a file.

    .venv/bin/python bench/scale_out.py [--pages 24] [--ingest-pages 24] [--latency 0.2] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("FORENSICS_KDF_PROFILE", "test")  # the desk's vault opens fast; capture work is unchanged

from collectors.web import CaptureOptions  # noqa: E402
from evidence_store import Vault, verify_vault  # noqa: E402
from evidence_store import remote_store as store  # noqa: E402
from forensics_app.services import settings  # noqa: E402
from forensics_app.services.remote_desk import RemoteResult, desk_session, run_remote  # noqa: E402
from forensics_app.services.web import capture_web  # noqa: E402
from forensics_app.services.web_sample import SampleSite  # noqa: E402
from forensics_app.services.workers import enrol  # noqa: E402
from tests.scale.broker import RabbitBroker, available  # noqa: E402
from tests.scale.conftest import WorkerProcess, wait_consumers  # noqa: E402

PASSPHRASE = "bench passphrase, not for evidence"


def options() -> CaptureOptions:
    """The default full capture; loopback allowed (the site is local) and no NTP server (no internet here)."""
    return CaptureOptions(allow_private_addresses=True, ntp_server="127.0.0.1:9", ntp_timeout=1)


class Desk:
    def __init__(self, root: Path, broker: RabbitBroker) -> None:
        self.vault = Vault.create(root / "vault", PASSPHRASE, "Bench")
        self.staging = root / "staging"
        self.staging.mkdir()
        self.queue = f"bench.{uuid.uuid4().hex[:8]}"
        self.broker = broker
        self.cases = 0
        self.limits(concurrency=64)

    def limits(self, concurrency: int) -> None:
        settings.set_settings(self.vault, {"broker_url": self.broker.url, "remote_staging": str(self.staging),
                                           "remote_queue": self.queue,
                                           "remote_host_limits": {"concurrency": concurrency, "per_minute": 600000}})

    def new_case(self, label: str) -> Any:
        self.cases += 1
        return self.vault.create_case(f"BENCH-{self.cases}", label)

    def remote(self, urls: list[str], label: str) -> tuple[float, list[RemoteResult]]:
        case = self.new_case(label)
        results: list[RemoteResult] = []
        started = time.perf_counter()
        outcomes = run_remote(self.vault, case, uuid.uuid4().hex, urls, options(), on_result=results.append)
        seconds = time.perf_counter() - started
        failed = [r for r in outcomes.values() if r.status != "stored"]
        if failed:
            sys.exit(f"{label}: {len(failed)} of {len(urls)} not stored: {failed[0].status} {failed[0].error}")
        check_once(self.vault, case.id, urls)
        return seconds, results


def check_once(vault: Vault, case_id: int, urls: list[str]) -> None:
    sources = sorted(i.source for i in vault.list_items(case_id, kind="web_capture"))
    if sources != sorted(urls):
        sys.exit(f"case {case_id}: {len(sources)} captures stored for {len(urls)} pages")


def mean(results: list[RemoteResult], key: str) -> float:
    return statistics.mean(float(r.timings[key]) for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=24, help="pages per throughput batch")
    parser.add_argument("--overhead-pages", type=int, default=8, help="pages one at a time for (c)")
    parser.add_argument("--ingest-pages", type=int, default=24, help="bundles ingested at once for (d)")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds added to every response")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    why = available()
    if why:
        sys.exit(why)
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    figures: dict[str, Any] = {"pages": args.pages, "latency_s": args.latency, "cpus": os.cpu_count(),
                               "load_before": os.getloadavg()[0]}
    broker = RabbitBroker(work / "rabbit").start()
    workers: list[WorkerProcess] = []
    try:
        desk = Desk(work, broker)
        with SampleSite(latency=args.latency) as site:
            urls = site.article_urls(args.pages)
            print(f"sample site {site.url}, {args.latency * 1000:.0f} ms per response, {args.pages} pages; "
                  f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", flush=True)

            case = desk.new_case("local")
            started = time.perf_counter()
            local = capture_web(desk.vault, case.id, urls, options=options(), concurrency=4)
            local_s = time.perf_counter() - started
            if local.failed:
                sys.exit(f"local capture: {len(local.failed)} failed: {local.failed[0].error}")
            check_once(desk.vault, case.id, urls)
            figures["local_concurrency_4"] = {"seconds": round(local_s, 2), "pages_per_s": round(args.pages / local_s, 3)}
            print(f"(a) local, concurrency 4:   {local_s:7.1f} s  {args.pages / local_s:5.2f} pages/s", flush=True)

            figures["remote"] = {}
            for count in (1, 2, 4):
                while len(workers) < count:
                    worker = WorkerProcess(work / "workers" / f"w{len(workers) + 1}", f"w{len(workers) + 1}")
                    enrol(desk.vault, worker.name, worker.identity["public_key"],
                          fingerprint=worker.identity["fingerprint"])
                    workers.append(worker.start(broker.url, desk.staging, desk.queue))
                wait_consumers(broker, desk.queue, count, workers)
                desk.remote(site.article_urls(count * 2)[-count:], f"warm-up {count}")  # each worker's browser
                seconds, results = desk.remote(urls, f"{count} workers")
                by_worker = sorted({r.worker for r in results})
                figures["remote"][count] = {"seconds": round(seconds, 2), "pages_per_s": round(args.pages / seconds, 3),
                                            "ratio_to_local": round(local_s / seconds, 2), "workers_used": by_worker}
                print(f"(b) {count} worker(s):           {seconds:7.1f} s  {args.pages / seconds:5.2f} pages/s  "
                      f"= {local_s / seconds:4.2f} x local  (captures by {', '.join(by_worker)})", flush=True)

            # (c) one worker, one task at a time: wall per task = queue + capture + bundle + result + ingest
            for worker in workers[1:]:
                worker.stop()
            desk.limits(concurrency=1)
            few = site.article_urls(args.overhead_pages)
            seconds, results = desk.remote(few, "overhead")
            per_task = seconds / len(few)
            capture_s, manifest_s = mean(results, "capture_s"), mean(results, "manifest_s")
            bundle_s, ingest_s = mean(results, "bundle_s"), mean(results, "ingest_s")
            overhead = per_task - capture_s
            rest = overhead - manifest_s - bundle_s - ingest_s
            figures["overhead"] = {
                "pages": len(few), "wall_per_task_s": round(per_task, 3), "capture_s": round(capture_s, 3),
                "manifest_s": round(manifest_s, 3), "bundle_s": round(bundle_s, 3), "ingest_s": round(ingest_s, 3),
                "queue_and_rest_s": round(rest, 3),
                "overhead_s": round(overhead, 3), "overhead_pct": round(100 * overhead / capture_s, 1)}
            print(f"(c) one at a time: {per_task:.2f} s per task, of which the capture {capture_s:.2f} s; overhead "
                  f"{overhead:.2f} s = {100 * overhead / capture_s:.1f} % of a capture (target <= 15 %): manifest "
                  f"(hashes, signature) {manifest_s:.2f} s, bundle {bundle_s:.2f} s, ingest {ingest_s:.2f} s, queue "
                  f"and the rest {rest:.2f} s",
                  flush=True)

            # (d) the desk's ingest alone: bundles wait in staging, then are stored at once
            for worker in workers[1:]:
                worker.start(broker.url, desk.staging, desk.queue)
            wait_consumers(broker, desk.queue, len(workers), workers)
            desk.limits(concurrency=64)
            figures["ingest"] = ingest_limit(desk, site.article_urls(args.ingest_pages))
            rate = figures["ingest"]
            print(f"(d) central ingest: {rate['bundles']} bundles ({rate['megabytes']:.1f} MB) in {rate['seconds']:.1f} s "
                  f"= {rate['bundles_per_s']:.2f} bundles/s, {rate['mb_per_s']:.1f} MB/s", flush=True)

        report = verify_vault(desk.vault)
        figures["vault_verified"] = report.ok
        if not report.ok:
            sys.exit(f"vault verify: {report.problems[:3]}")
        figures["load_after"] = os.getloadavg()[0]
        desk.vault.close()
    finally:
        for worker in workers:
            worker.stop()
        broker.close()
    print(json.dumps(figures, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", "utf-8")
    return 0 if figures["overhead"]["overhead_pct"] <= 15 else 1


def ingest_limit(desk: Desk, urls: list[str]) -> dict[str, Any]:
    """Send ``urls`` without collecting; once every bundle is in staging, store them all and time that."""
    case = desk.new_case("ingest")
    batch = uuid.uuid4().hex
    with desk_session(desk.vault) as session:
        for url in urls:
            payload = session.payload(case, batch, url, options(), pipeline="web", social=None,
                                      examiner={"name": desk.vault.examiner.name})
            session.send(payload)
            store.record_dispatch(desk.vault, [(payload["task"]["id"], case.id, batch, url, "web")])
        folder = desk.staging / session.folder  # this desk's sub-folder of the staging folder
        deadline = time.monotonic() + 1800
        while len(list(folder.glob("*.age"))) < len(urls):
            if time.monotonic() > deadline:
                sys.exit(f"only {len(list(folder.glob('*.age')))} of {len(urls)} bundles after 30 min")
            time.sleep(0.5)
        size = sum(p.stat().st_size for p in folder.glob("*.age"))
        started = time.perf_counter()
        stored = session.sweep()
        seconds = time.perf_counter() - started
        if sorted(r.status for r in stored) != ["stored"] * len(urls):
            sys.exit(f"ingest: {[(r.status, r.error) for r in stored if r.status != 'stored'][:3]}")
        # the workers' result messages name bundles stored by the sweep: each is taken as a duplicate
        list(session.receive(5))
    check_once(desk.vault, case.id, urls)
    return {"bundles": len(urls), "megabytes": round(size / 1e6, 1), "seconds": round(seconds, 2),
            "bundles_per_s": round(len(urls) / seconds, 2), "mb_per_s": round(size / 1e6 / seconds, 1),
            "ingest_s_per_bundle": round(seconds / len(urls), 3)}


if __name__ == "__main__":
    sys.exit(main())
