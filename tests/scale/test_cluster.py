"""Capture on real workers through a real broker: the same evidence as a local capture, each URL once.

Real parts: Debian's RabbitMQ started for the module, `forensics worker` processes with their own keys, the
test site on 127.0.0.1, the desk's SQLCipher vault. Slow: every test starts workers (a Chromium each).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evidence_store import Item, Vault
from evidence_store import remote_store as store
from forensics_app.services.web import capture_web
from tests.scale.conftest import DeskVault, WorkerProcess, wait_consumers
from tests.scale.site import ScaleSite, thirty_urls
from tests.web.conftest import fast_options

pytestmark = pytest.mark.slow


def facts(vault: Vault, item: Item) -> dict[str, Any]:
    """What a capture established, without what differs between any two captures (times, ids, machine)."""
    children = vault.list_items(parent_id=item.id)
    prov = item.metadata["provenance"]
    text = next((c for c in children if c.kind == "page_text"), None)
    return {
        "parts": sorted(Counter((c.kind, c.name, c.media_type) for c in children).items()),
        "final_url": prov["final_url"], "http_status": prov["http_status"], "status_line": prov["status_line"],
        "title": prov["title"], "mode": prov["mode"], "content_type": prov["content_type"],
        "redirects": prov["redirects"], "complete": item.metadata["complete"],
        "warnings": sorted({w.code for w in item.warnings}),
        "page_text": hashlib.sha256(b"".join(vault.read_item(text))).hexdigest() if text else None,
        "kind": item.kind, "name": item.name, "source": item.source,
    }


def captures(vault: Vault, case_id: int) -> dict[str, list[Item]]:
    found: dict[str, list[Item]] = {}
    for item in vault.list_items(case_id, kind="web_capture"):
        found.setdefault(item.source, []).append(item)
    return found


def test_thirty_urls_over_three_workers_equal_the_local_capture(desk: DeskVault, site: ScaleSite,
                                                                  worker_factory: Any) -> None:
    workers = [worker_factory(f"w{n}") for n in range(1, 4)]
    for worker in workers:
        desk.enrol(worker)
        worker.start(desk.broker.url, desk.staging, desk.queue)
    urls = thirty_urls(site.url)
    options = fast_options()
    local_case = desk.vault.create_case("VV-SCALE-LOCAL", "the same pages, captured here")
    local = capture_web(desk.vault, local_case.id, urls, options=options, concurrency=3)
    assert not local.failed, [o.error for o in local.failed]
    wait_consumers(desk.broker, desk.queue, 3, workers)

    remote = capture_web(desk.vault, desk.case.id, urls, options=options, remote=True)

    assert not remote.failed, [o.error for o in remote.failed]
    assert [o.url for o in remote.outcomes] == [o.url for o in local.outcomes]
    stored = captures(desk.vault, desk.case.id)
    assert sorted(stored) == sorted(urls) and all(len(items) == 1 for items in stored.values())  # one item per URL
    local_items = captures(desk.vault, local_case.id)
    differences = {url: (facts(desk.vault, local_items[url][0]), facts(desk.vault, stored[url][0]))
                   for url in urls if facts(desk.vault, local_items[url][0]) != facts(desk.vault, stored[url][0])}
    assert not differences, differences
    # the workers shared the work, and each capture names the enrolled worker and its key in the custody log
    by_worker = Counter(items[0].metadata["worker"]["name"] for items in stored.values())
    assert set(by_worker) <= {"w1", "w2", "w3"} and len(by_worker) >= 2, by_worker
    item = stored[urls[-1]][0]
    entry = desk.vault.custody.entries(item_id=item.id)[0].record
    assert entry["action"] == "item.acquire"
    remote_facts = entry["details"]["remote"]
    assert remote_facts["worker"] == item.metadata["worker"]["name"]
    assert remote_facts["worker_fingerprint"] == next(w.identity["fingerprint"] for w in workers
                                                      if w.name == remote_facts["worker"])
    assert item.metadata["provenance"]["workstation"] == remote_facts["worker_host"]
    # staging is cleared and every task is recorded stored once
    assert not [p for p in desk.staging.rglob("*") if p.is_file()]
    rows = store.tasks(desk.vault, case_id=desk.case.id)
    assert len(rows) == 30 and {r.status for r in rows} == {"stored"}


def owner_of_connection(client_port: int, server_port: int, pids: list[int]) -> int | None:
    """Which of ``pids`` holds the TCP connection from ``client_port`` to ``server_port`` (read from /proc)."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote = fields[1].rsplit(":", 1), fields[2].rsplit(":", 1)
            if int(local[1], 16) == client_port and int(remote[1], 16) == server_port:
                inode = fields[9]
    if inode is None:
        return None
    for pid in pids:
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        if f"socket:[{inode}]" in links:
            return pid
    return None


def markers_of(worker: WorkerProcess) -> list[Path]:
    """The worker's running markers (each names its memory and sealed folders; a kill -9 leaves them)."""
    return sorted((worker.home / "data" / "forensics-toolkit" / "running").glob("*.json"))


def test_worker_killed_mid_capture_leaves_nothing_and_the_task_runs_elsewhere(
        desk: DeskVault, site: ScaleSite, worker_factory: Any) -> None:
    site.reset()
    workers = [worker_factory("a"), worker_factory("b")]
    for worker in workers:
        desk.enrol(worker)
        worker.start(desk.broker.url, desk.staging, desk.queue)
    wait_consumers(desk.broker, desk.queue, 2, workers)
    urls = [f"{site.url}/held/1", *(f"{site.url}/article/{n}" for n in range(1, 4))]
    killed: list[WorkerProcess] = []
    leftovers: list[Path] = []  # the killed worker's marker, then the folders it names

    problems: list[str] = []

    def kill_the_one_capturing() -> None:
        try:
            site.wait_arrived(1, 300)  # a worker's browser asked for the held page: it is mid-capture
            pids = [w.process.pid for w in workers if w.process]
            pid = owner_of_connection(site.clients[0], site.port, pids)
            victim = next((w for w in workers if w.process and w.process.pid == pid), None)
            if victim is None:
                problems.append(f"no worker holds the connection from port {site.clients[0]} (workers {pids})")
                return
            for marker in markers_of(victim):
                leftovers.append(marker)
                leftovers.extend(Path(f) for f in json.loads(marker.read_text())["folders"])
            victim.kill()
            killed.append(victim)
        except Exception as exc:  # noqa: BLE001 - reported by the test's assertion
            problems.append(repr(exc))
        finally:
            site.release.set()  # the page answers from now on (for the worker that runs the task again)

    killer = threading.Thread(target=kill_the_one_capturing, daemon=True)
    killer.start()
    result = capture_web(desk.vault, desk.case.id, urls, options=fast_options(), remote=True)
    killer.join(30)

    assert killed and not problems, (problems, [w.tail() for w in workers])
    assert not result.failed, [o.error for o in result.failed]
    stored = captures(desk.vault, desk.case.id)
    assert sorted(stored) == sorted(urls) and all(len(items) == 1 for items in stored.values())
    assert site.arrived == [1, 1]  # the killed worker's capture, then the same task again on the other one
    survivor = next(w for w in workers if w is not killed[0])
    assert stored[urls[0]][0].metadata["worker"]["name"] == survivor.name
    rows = store.tasks(desk.vault, case_id=desk.case.id)
    assert len(rows) == 4 and {r.status for r in rows} == {"stored"}
    assert not [p for p in desk.staging.rglob("*") if p.is_file()]  # no bundle, no half-written part
    # what the killed worker left (its marker, and the folders it names) stays until it starts again
    assert leftovers and leftovers[0].exists(), leftovers
    killed[0].start(desk.broker.url, desk.staging, desk.queue)
    wait_consumers(desk.broker, desk.queue, 2, workers)
    assert not [p for p in leftovers if p.exists()]


def test_broker_going_away_and_back_the_tasks_resume(desk: DeskVault, site: ScaleSite, worker_factory: Any) -> None:
    site.reset()
    worker = worker_factory("a")
    desk.enrol(worker)
    worker.start(desk.broker.url, desk.staging, desk.queue)
    wait_consumers(desk.broker, desk.queue, 1, [worker])
    urls = [f"{site.url}/held/2", *(f"{site.url}/article/{n}" for n in range(4, 8))]
    restarted: list[float] = []

    def restart_broker() -> None:
        site.wait_arrived(1, 300)  # a capture is running
        started = time.monotonic()
        desk.broker.kill()  # kill -9: no goodbye to the worker or the desk
        desk.broker.start()  # same node, same data folders: durable queues and persistent messages come back
        restarted.append(time.monotonic() - started)
        site.release.set()

    restarter = threading.Thread(target=restart_broker, daemon=True)
    restarter.start()
    result = capture_web(desk.vault, desk.case.id, urls, options=fast_options(), remote=True)
    restarter.join(60)

    assert restarted, "the broker was not restarted"
    assert not result.failed, [o.error for o in result.failed]
    stored = captures(desk.vault, desk.case.id)
    assert sorted(stored) == sorted(urls) and all(len(items) == 1 for items in stored.values())
    assert {r.status for r in store.tasks(desk.vault, case_id=desk.case.id)} == {"stored"}
    assert worker.alive, worker.tail()


def test_bundle_of_an_unenrolled_worker_is_refused(desk: DeskVault, site: ScaleSite, worker_factory: Any) -> None:
    stranger = worker_factory("stranger")  # runs, but no examiner enrolled its key
    stranger.start(desk.broker.url, desk.staging, desk.queue)
    wait_consumers(desk.broker, desk.queue, 1, [stranger])

    result = capture_web(desk.vault, desk.case.id, [f"{site.url}/article/9"], options=fast_options(), remote=True)

    [outcome] = result.outcomes
    assert outcome.status == "failed" and "no examiner has enrolled" in outcome.error, outcome.error
    assert stranger.identity["fingerprint"] in outcome.error
    assert outcome.reason("vi").startswith("gói thu thập bị từ chối: "), outcome.error_vi
    assert outcome.error in outcome.reason("vi") and outcome.reason("vi") != outcome.error
    assert desk.vault.list_items(desk.case.id) == []
    refused = list(desk.staging.rglob("refused/*.age"))
    assert len(refused) == 1
    entry = [e.record for e in desk.vault.custody.entries(case_id=desk.case.id)
             if e.record["action"] == "remote.bundle_refused"]
    assert entry and entry[0]["details"]["reason"] == "unknown key"


def test_failure_on_a_worker_reaches_the_desk_in_both_languages(desk: DeskVault, site: ScaleSite,
                                                                 worker_factory: Any) -> None:
    """A worker that seals only for another desk captures nothing for this one: the desk's outcome, and the task
    row it keeps, say why in English and Vietnamese (the desktop app shows the user's language)."""
    from evidence_store.age_seal import new_identity

    worker = worker_factory("pinned")
    desk.enrol(worker)
    worker.start(desk.broker.url, desk.staging, desk.queue, "--recipient", new_identity()[1])
    wait_consumers(desk.broker, desk.queue, 1, [worker])

    result = capture_web(desk.vault, desk.case.id, [f"{site.url}/article/3"], options=fast_options(), remote=True)

    [outcome] = result.outcomes
    assert outcome.status == "failed" and "seals bundles only for the desks it was given" in outcome.error, outcome
    assert outcome.error.startswith("on worker pinned: ")
    assert outcome.reason("vi").startswith("trên máy thu thập pinned: máy thu thập này chỉ niêm phong gói cho "
                                           "các bàn làm việc đã được chỉ định"), outcome.error_vi
    assert outcome.reason("en") == outcome.error
    [row] = store.tasks(desk.vault, case_id=desk.case.id)
    assert row.status == "failed" and row.error == "worker pinned: " + outcome.error.removeprefix("on worker pinned: ")
    assert row.error_vi.startswith("máy thu thập pinned: máy thu thập này chỉ niêm phong gói")
    assert desk.vault.list_items(desk.case.id) == []


def test_tampered_bundle_is_refused_naming_the_file(desk: DeskVault, site: ScaleSite, worker_factory: Any) -> None:
    from evidence_store.age_seal import CHUNK, TAG, AgeReader
    from forensics_app.services.remote_desk import collect, desk_session

    worker = worker_factory("a")
    desk.enrol(worker)
    worker.start(desk.broker.url, desk.staging, desk.queue)
    wait_consumers(desk.broker, desk.queue, 1, [worker])
    url = f"{site.url}/heavy"
    with desk_session(desk.vault) as session:  # send the task, but let its result wait in the desk's queue
        payload = session.payload(desk.case, "tamper", url, fast_options(), pipeline="web", social=None,
                                  examiner={"name": desk.vault.examiner.name})
        session.send(payload)
        store.record_dispatch(desk.vault, [(payload["task"]["id"], desk.case.id, "tamper", url, "web")])
        folder = desk.staging / session.folder  # this desk's sub-folder of the staging folder
    bundle = wait_for(lambda: next(iter(folder.glob("*.age")), None), 300, worker)
    raw = bytearray(bundle.read_bytes())
    payload_start = raw.index(b"\n", raw.index(b"\n--- ") + 1) + 1 + 16
    reader = AgeReader(io.BytesIO(bytes(raw)), store.desk_identities(desk.vault))
    with tarfile.open(fileobj=reader, mode="r|") as tar:
        warc = next(m for m in tar if m.name.endswith("-warc"))
    chunk = -(-warc.offset_data // CHUNK)  # the first chunk wholly inside the WARC's bytes
    assert (chunk + 1) * CHUNK <= warc.offset_data + warc.size, "the page's WARC is too small for this test"
    raw[payload_start + chunk * (CHUNK + TAG) + 1000] ^= 0x01
    bundle.write_bytes(bytes(raw))

    results = collect(desk.vault, wait=0)  # the staging sweep, then the worker's result message: both refused

    mine = [r for r in results if r.task_id == payload["task"]["id"]]
    assert mine and {r.status for r in mine} == {"refused"}, results
    assert "file capture.warc.gz (warc) was changed after it was sealed" in mine[0].error, mine[0].error
    assert {r.error_vi for r in mine} == {mine[0].error_vi}  # the sweep's refusal and the message's: one, as kept
    assert mine[0].error_vi.startswith("gói thu thập bị từ chối: dữ liệu bị hỏng") and mine[0].error in mine[0].error_vi
    assert desk.vault.list_items(desk.case.id) == []
    assert store.get_task(desk.vault, payload["task"]["id"]).status == "refused"  # type: ignore[union-attr]
    assert [p.name for p in folder.glob("refused/*.age")] == [bundle.name]


def wait_for(probe: Any, timeout: float, worker: WorkerProcess) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        assert worker.alive, worker.tail()
        time.sleep(0.2)
    raise TimeoutError(f"nothing after {timeout} s:\n{worker.tail()}")
