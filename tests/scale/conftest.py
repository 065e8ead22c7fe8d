"""Scale-out fixtures: a real RabbitMQ, real worker processes (`forensics worker`), the desk's vault.

One broker per module (it starts in about five seconds); each test takes its own queue, so tasks of one test
never reach another's workers. Workers are started as the command line starts them, with their own keys and
data folders, and stopped (or killed) by the test; every process a test starts is ended by its id.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evidence_store import Case, Vault
from tests.conftest import PASSPHRASE, ROOT, assert_verifies_clean
from tests.scale.broker import RabbitBroker, available
from tests.scale.site import ScaleSite
from tests.web.site import make_video


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabbitBroker]:
    why = available()
    if why:
        pytest.fail(why, pytrace=False)
    rabbit = RabbitBroker(tmp_path_factory.mktemp("rabbit")).start()
    try:
        yield rabbit
    finally:
        rabbit.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaleSite]:
    server = ScaleSite(make_video(tmp_path_factory.mktemp("video")))
    yield server
    server.stop()


def forensics(*args: str) -> list[str]:
    return [sys.executable, "-m", "forensics_app.cli.main", *args]


class WorkerProcess:
    """One ``forensics worker`` process with its own key, data folders and log."""

    def __init__(self, home: Path, name: str) -> None:
        self.home = home
        self.name = name
        self.key = home / "worker-key.pem"
        self.log = home / "worker.log"
        # its own temporary folder (where sealed files wait): what a killed worker leaves there is its own to clean
        # up (other processes of this user clean up the shared /tmp and /dev/shm staging roots as well)
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(home / "data"),
                    "XDG_CONFIG_HOME": str(home / "config"), "TMPDIR": str(home / "tmp")}
        self.env.pop("FORENSICS_PASSPHRASE", None)  # a worker has no vault
        self.process: subprocess.Popen[bytes] | None = None
        done = subprocess.run(forensics("worker", "keygen", "--key", str(self.key), "--name", name, "--json"),
                              env=self.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        self.identity: dict[str, Any] = json.loads(done.stdout)

    def start(self, broker: str, staging: Path, queue: str, *extra: str) -> WorkerProcess:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                forensics("worker", "--broker", broker, "--staging", str(staging), "--key", str(self.key), "--name",
                          self.name, "--queue", queue, "--log-level", "INFO", *extra),
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9 of the worker and everything in its process group (Playwright's driver)."""
        if self.alive:
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.alive:
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)  # Celery's warm stop: running captures finish
            try:
                self.process.wait(120)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self) -> str:
        return self.log.read_text("utf-8", "replace")[-4000:] if self.log.exists() else ""


def wait_consumers(broker: RabbitBroker, queue: str, count: int, workers: list[WorkerProcess],
                   timeout: float = 180) -> None:
    """Until ``count`` workers consume ``queue`` (the broker says so), or one of them died."""
    from kombu import Connection

    from forensics_app.services.remote_engine import capture_queue

    deadline = time.monotonic() + timeout
    with Connection(broker.url) as conn:
        while time.monotonic() < deadline:
            for worker in workers:
                assert worker.process is None or worker.alive, f"worker {worker.name} died:\n{worker.tail()}"
            declared = capture_queue(queue).bind(conn.default_channel).queue_declare(passive=False)
            if declared.consumer_count >= count:
                return
            time.sleep(0.2)
    raise TimeoutError(f"fewer than {count} workers consume {queue} after {timeout} s")


class DeskVault:
    """The desk: a vault with the broker and staging configured, and its workers enrolled."""

    def __init__(self, root: Path, broker: RabbitBroker, *, queue: str) -> None:
        os.environ["FORENSICS_KDF_PROFILE"] = "test"
        self.vault = Vault.create(root / "vault", PASSPHRASE, "Nguyễn Văn Kiểm", position="Điều tra viên")
        self.case: Case = self.vault.create_case("VV-SCALE-001", "Thu thập phân tán / Scale-out capture")
        self.staging = root / "staging"
        self.staging.mkdir()
        self.queue = queue
        self.broker = broker
        from forensics_app.services import settings

        settings.set_settings(self.vault, {"broker_url": broker.url, "remote_staging": str(self.staging),
                                           "remote_queue": queue,
                                           "remote_host_limits": {"concurrency": 8, "per_minute": 60000}})

    def enrol(self, worker: WorkerProcess) -> None:
        from forensics_app.services.workers import enrol

        enrol(self.vault, worker.name, worker.identity["public_key"], fingerprint=worker.identity["fingerprint"])


@pytest.fixture
def desk(tmp_path: Path, broker: RabbitBroker) -> Iterator[DeskVault]:
    holder = DeskVault(tmp_path, broker, queue=f"test.{uuid.uuid4().hex[:8]}")
    try:
        yield holder
        assert_verifies_clean(holder.vault)
    finally:
        holder.vault.close()


@pytest.fixture
def worker_factory(tmp_path: Path) -> Iterator[Any]:
    made: list[WorkerProcess] = []

    def make(name: str) -> WorkerProcess:
        worker = WorkerProcess(tmp_path / "workers" / name, name)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.stop()
