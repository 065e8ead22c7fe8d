"""The work queue and the session, without Qt: order, cancel, failures, locking."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from evidence_store import Cancelled, UsageError, Vault, VaultError, WrongPassphraseError
from forensics_app.gui.jobs import Job, JobEvent, JobQueue, JobState
from forensics_app.gui.session import VaultSession
from forensics_app.services.files import add_files
from tests.conftest import PASSPHRASE, assert_verifies_clean


def _collector() -> tuple[list[JobEvent], threading.Lock]:
    return [], threading.Lock()


def test_a_lane_runs_its_jobs_one_at_a_time_in_order(vault: Vault) -> None:
    events: list[JobEvent] = []
    lane = JobQueue(vault.sibling(), events.append)
    running = []
    overlap = []

    def work(name: str):
        def body(v: Vault, progress, cancel) -> str:
            if running:
                overlap.append(name)
            running.append(name)
            time.sleep(0.05)
            running.remove(name)
            return name
        return body

    jobs = [lane.submit(Job(f"job {n}", work(str(n)))) for n in range(4)]
    assert all(job.wait(10) for job in jobs)
    assert [job.result for job in jobs] == ["0", "1", "2", "3"]
    assert not overlap
    started = [e.job.title for e in events if e.kind == "running"]
    assert started == ["job 0", "job 1", "job 2", "job 3"]
    assert lane.shutdown(5)


def test_cancel_a_running_ingest_leaves_the_vault_clean(vault: Vault, case, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(400 * 1024 * 1024)  # sparse: fast to read, long enough to cancel
    events: list[JobEvent] = []
    progressed = threading.Event()

    def on_event(event: JobEvent) -> None:
        events.append(event)
        if event.kind == "progress":
            progressed.set()

    lane = JobQueue(vault.sibling(), on_event)
    job = lane.submit(Job("ingest", lambda v, progress, cancel: add_files(v, case.id, [big], progress=progress,
                                                                          cancel=cancel)))
    assert progressed.wait(20)
    job.cancel()
    assert job.wait(30)
    assert job.state is JobState.CANCELLED
    assert isinstance(job.error, Cancelled)
    assert vault.list_items(case.id) == []
    assert not list((vault.root / "tmp").iterdir())
    assert lane.shutdown(5)
    assert_verifies_clean(vault)


def test_a_queued_job_cancelled_before_it_starts_never_runs(vault: Vault) -> None:
    gate = threading.Event()
    ran = []
    lane = JobQueue(vault.sibling(), lambda e: None)
    first = lane.submit(Job("blocker", lambda v, p, c: gate.wait(10)))
    second = lane.submit(Job("never", lambda v, p, c: ran.append(True)))
    second.cancel()
    gate.set()
    assert first.wait(10) and second.wait(10)
    assert second.state is JobState.CANCELLED and not ran
    assert lane.shutdown(5)


def test_failures_become_events_a_bug_keeps_its_traceback(vault: Vault) -> None:
    lane = JobQueue(vault.sibling(), lambda e: None)
    usage = lane.submit(Job("bad input", lambda v, p, c: v.get_case("no such case")))

    def bug(v: Vault, p, c) -> None:
        raise KeyError("oops")

    crash = lane.submit(Job("bug", bug))
    assert usage.wait(5) and crash.wait(5)
    assert usage.state is JobState.FAILED and isinstance(usage.error, UsageError)
    assert not usage.internal_error and usage.details == ""
    assert crash.state is JobState.FAILED and crash.internal_error
    assert "KeyError" in crash.details
    # the lane survives both and keeps working
    ok = lane.submit(Job("after", lambda v, p, c: 42))
    assert ok.wait(5) and ok.result == 42
    assert lane.shutdown(5)


def test_progress_events_are_throttled(vault: Vault) -> None:
    events: list[JobEvent] = []
    lane = JobQueue(vault.sibling(), events.append)

    def chatty(v: Vault, progress, cancel) -> None:
        for n in range(20000):
            progress(n, 20000, "x")
        progress(20000, 20000, "x")

    job = lane.submit(Job("chatty", chatty))
    assert job.wait(10)
    progress = [e for e in events if e.kind == "progress"]
    assert 1 <= len(progress) < 200  # not twenty thousand signals into the GUI's event loop
    assert progress[-1].done == 20000
    assert lane.shutdown(5)


def test_session_lock_closes_the_reader_and_lanes_after_their_work(vault_dir: Path, vault: Vault) -> None:
    vault.close()
    session = VaultSession.open(vault_dir, PASSPHRASE, lambda e: None)
    gate = threading.Event()
    job = session.run_task(Job("long", lambda v, p, c: gate.wait(10) and v.create_case("L-1", "during lock")))
    time.sleep(0.05)
    session.lock()
    assert session.reader.conn is None
    with pytest.raises(VaultError):
        session.run_quick(Job("refused", lambda v, p, c: None))
    assert session.tasks.vault.conn is not None  # still finishing
    gate.set()
    assert job.wait(10) and job.state is JobState.DONE
    deadline = time.monotonic() + 5
    while session.tasks.vault.conn is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert session.tasks.vault.conn is None and session.quick.vault.conn is None
    with pytest.raises(WrongPassphraseError):
        session.unlock("not the passphrase")
    assert session.locked
    session.unlock(PASSPHRASE)
    assert not session.locked
    assert session.reader.get_case("L-1").title == "during lock"
    done = session.run_quick(Job("after unlock", lambda v, p, c: v.create_case("L-2", "after")))
    assert done.wait(5) and done.state is JobState.DONE
    assert session.close(10)
    with Vault.open(vault_dir, PASSPHRASE) as check:
        assert_verifies_clean(check)


def test_two_lanes_write_without_corrupting_each_other(vault_dir: Path, vault: Vault) -> None:
    vault.close()
    session = VaultSession.open(vault_dir, PASSPHRASE, lambda e: None)
    tasks = [session.run_task(Job(f"t{n}", lambda v, p, c, n=n: v.create_case(f"T-{n}", "task lane")))
             for n in range(10)]
    quick = [session.run_quick(Job(f"q{n}", lambda v, p, c, n=n: v.set_setting("place", f"P{n}")))
             for n in range(10)]
    assert all(j.wait(20) and j.state is JobState.DONE for j in tasks + quick)
    assert len(session.reader.list_cases()) == 10
    assert session.reader.get_setting("place") == "P9"
    assert session.close(10)
    with Vault.open(vault_dir, PASSPHRASE) as check:
        assert_verifies_clean(check)
