"""The desk's side of remote capture: send tasks to the workers, take their results, store each once.

``capture_web(..., remote=True)`` (and ``capture_social``, and monitoring checks) come
here when a broker is configured (settings ``broker_url`` and ``remote_staging``):

- every URL becomes a task whose id is derived from (case, batch, target) (:func:`.remote_engine.task_id_for`);
  tasks already stored are not sent again;
- tasks are released to the broker per host, at most ``concurrency`` of one host on the workers at a time and
  at most ``per_minute`` started per minute (setting ``remote_host_limits``), so a platform is not hammered
  from many workers at once; the other hosts' tasks go on meanwhile;
- results arrive in the desk's own durable queue; each names a bundle in staging, which is stored
  (:mod:`.remote_ingest`) before the message is acknowledged, so a desk killed in between gets the message
  again and finds the task stored. Bundles in staging with no message (a worker died after writing one) are
  stored too, by a sweep; tasks RabbitMQ gave up on (delivered too often: their worker died each time) are
  reported failed;
- progress is reported as results arrive; a lost broker is waited for (the label says so), and the work
  resumes when it is back.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from collectors.web import CaptureOptions
from evidence_store import Cancelled, Case, ForensicsError, Item, UsageError, Vault, iso_utc
from evidence_store import remote_store as store
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

from . import remote_engine as engine
from . import settings
from .remote_bundle import desk_folder
from .remote_ingest import DUPLICATE, STORED, WAITING, DeskKeys, IngestOutcome, ingest_bundle
from .remote_staging import StagingStore, open_staging

SWEEP_SECONDS = 30.0
DEFAULT_LIMITS = {"concurrency": 2, "per_minute": 30}


@dataclass(frozen=True)
class HostLimit:
    concurrency: int
    per_minute: float


@dataclass
class RemoteSettings:
    broker: str
    staging: StagingStore
    queue: str
    default_limit: HostLimit
    host_limits: dict[str, HostLimit]
    egress_echo: str = ""

    @classmethod
    def from_vault(cls, vault: Vault) -> RemoteSettings:
        broker = str(settings.get(vault, "broker_url") or "")
        staging = str(settings.get(vault, "remote_staging") or "")
        if not broker or not staging:
            raise UsageError("no capture workers are configured: set broker_url and remote_staging "
                             "(`forensics settings set broker_url amqp://…`), or capture on this workstation without "
                             "--remote", message_vi="chưa cấu hình máy thu thập từ xa: đặt broker_url và remote_staging")
        engine.broker_url(broker)  # a clear error for a URL that is not RabbitMQ's
        limits = dict(settings.get(vault, "remote_host_limits") or {})
        default = parse_limit(limits, DEFAULT_LIMITS)
        hosts = {str(h).lower(): parse_limit(v, {**DEFAULT_LIMITS, **limits})
                 for h, v in dict(limits.get("hosts") or {}).items()}
        store_at = open_staging(staging, endpoint=str(settings.get(vault, "remote_s3_endpoint") or ""))
        return cls(broker, store_at, str(settings.get(vault, "remote_queue") or engine.DEFAULT_QUEUE),
                   default, hosts, str(settings.get(vault, "monitor_egress_echo_url") or ""))

    def limit(self, host: str) -> HostLimit:
        return self.host_limits.get(host, self.default_limit)


def parse_limit(value: Any, defaults: dict[str, Any]) -> HostLimit:
    value = dict(value or {})
    try:
        limit = HostLimit(int(value.get("concurrency", defaults["concurrency"])),
                          float(value.get("per_minute", defaults["per_minute"])))
    except (TypeError, ValueError) as exc:
        raise UsageError(f"remote_host_limits: {exc}", message_vi=f"remote_host_limits không hợp lệ: {exc}") from exc
    if limit.concurrency < 1 or limit.per_minute <= 0:
        raise UsageError("remote_host_limits: concurrency must be at least 1 and per_minute above 0",
                             message_vi="remote_host_limits: số lượt cùng lúc phải từ 1 trở lên và số lượt mỗi phút lớn hơn 0")
    return limit


def configured(vault: Vault) -> bool:
    return bool(settings.get(vault, "broker_url")) and bool(settings.get(vault, "remote_staging"))


def host_key(url: str) -> str:
    """What a rate limit counts against: the platform (facebook.com, m.facebook.com, fb.watch … are one), else the
    host name without ``www.``/``m.``."""
    from collectors.social.platforms import platform_of

    platform = platform_of(url)
    if platform != "generic":
        return platform
    host = (urlsplit(url).hostname or "").lower()
    for prefix in ("www.", "m.", "mobile."):
        if host.startswith(prefix) and host.count(".") > 1:
            return host[len(prefix):]
    return host


class HostLimiter:
    """At most ``concurrency`` tasks of a host on the workers, and starts spaced ``60/per_minute`` seconds apart."""

    def __init__(self, limit_of: Callable[[str], HostLimit], clock: Callable[[], float] = time.monotonic) -> None:
        self.limit_of = limit_of
        self.clock = clock
        self.running: dict[str, int] = {}
        self.next_start: dict[str, float] = {}

    def wait(self, host: str) -> float:
        """Seconds before a task of ``host`` may start (0: now; inf: when one of its running tasks ends)."""
        if self.running.get(host, 0) >= self.limit_of(host).concurrency:
            return float("inf")
        return max(0.0, self.next_start.get(host, 0.0) - self.clock())

    def start(self, host: str) -> None:
        self.running[host] = self.running.get(host, 0) + 1
        self.next_start[host] = self.clock() + 60.0 / self.limit_of(host).per_minute

    def finish(self, host: str) -> None:
        self.running[host] = max(0, self.running.get(host, 0) - 1)


@dataclass
class RemoteResult:
    """What became of one task, for the caller's outcome."""

    task_id: str
    target: str
    status: str  # stored, duplicate, failed, refused, waiting
    item: Item | None = None
    children: list[Item] = field(default_factory=list)
    complete: bool = False
    error: str = ""
    error_vi: str = ""  # the same in Vietnamese (the desktop app shows the user's language)
    worker: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # capture_s, bundle_s (the worker's), ingest_s


class Desk:
    """The desk's connection to the broker, its staging store and its keys (one vault, one thread)."""

    def __init__(self, vault: Vault, config: RemoteSettings) -> None:
        self.vault = vault
        self.config = config
        self.keys = DeskKeys.load(vault)
        self.recipient = store.desk_recipient(vault)
        self.staging = config.staging
        self.folder = desk_folder(self.recipient)  # this desk's sub-folder (prefix) of the staging store
        self.staging.check_readable()
        self.app = engine.make_app(config.broker, config.queue)
        self.results_name = engine.results_queue_name(vault.config.vault_id)
        self.connection: Any = None
        self.results: Any = None
        self.broker_state = "connecting"
        self.refused: list[IngestOutcome] = []
        self._lost: tuple[type[BaseException], ...] | None = None

    # -- connection --------------------------------------------------------------------------------------------
    def connect(self, cancel: CancelToken = NEVER_CANCELLED, on_wait: Callable[[str], None] = lambda _s: None) -> None:
        """Connect and declare the queues; while the broker does not answer, wait (cancel stops the wait)."""
        delay = 0.5
        while True:
            cancel.check()
            try:
                self._open()
                self.broker_state = "connected"
                return
            except Exception as exc:
                if not self.lost(exc):
                    raise
                self.close()
                self.broker_state = f"broker {engine.redact(self.config.broker)} not reachable ({exc}); waiting"
                on_wait(self.broker_state)
                _wait(cancel, delay)
                delay = min(delay * 2, 10.0)

    def _errors(self) -> tuple[type[BaseException], ...]:
        """What a lost broker raises (kombu's and the AMQP client's own errors)."""
        if self._lost is None:
            from kombu.exceptions import OperationalError

            probe = self.app.connection_for_write()
            try:
                self._lost = (OperationalError, *probe.connection_errors, *probe.channel_errors)
            finally:
                probe.release()
        return self._lost

    def lost(self, exc: BaseException) -> bool:
        """Whether ``exc`` says the broker went away (then wait for it), not that something else is wrong."""
        return isinstance(exc, (OSError, *self._errors()))

    def _open(self) -> None:
        connection = self.app.connection_for_write()
        connection.ensure_connection(max_retries=1)
        engine.declare(connection, engine.capture_queue(self.config.queue),
                       engine.plain_queue(engine.failed_queue_name(self.config.queue)),
                       engine.plain_queue(self.results_name))
        self.connection = connection
        self.results = connection.SimpleQueue(engine.plain_queue(self.results_name))

    def close(self) -> None:
        for thing in (self.results, self.connection):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # noqa: BLE001 - a connection already gone
                    pass
        self.results = self.connection = None

    # -- sending -----------------------------------------------------------------------------------------------
    def payload(self, case: Case, batch: str, target: str, options: CaptureOptions, *, pipeline: str,
                social: dict[str, Any] | None, examiner: dict[str, Any]) -> dict[str, Any]:
        record = options.to_record()
        ca_files = []
        for path in options.extra_ca_files:
            try:
                ca_files.append({"name": Path(path).name, "pem": Path(path).read_text("ascii")})
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read the CA file {path}: {exc}",
                             message_vi=f"không đọc được tệp chứng chỉ gốc {path}: {exc}") from exc
        record["extra_ca_files"] = []
        record["profile"] = ""
        from .environment import host_facts

        return {"format": engine.TASK_FORMAT, "task": {
                    "id": engine.task_id_for(case.uid, batch, target), "case_uid": case.uid, "case_number": case.number,
                    "batch": batch, "target": target, "pipeline": pipeline},
                "options": record, "ca_files": ca_files, "social": social or {}, "examiner": examiner,
                "recipient": self.recipient, "reply_to": self.results_name,
                "egress_echo_url": self.config.egress_echo, "submitted_at": iso_utc(),
                "desk": {"vault_id": self.vault.config.vault_id, "host": host_facts().get("hostname")}}

    def send(self, payload: dict[str, Any]) -> None:
        self.app.send_task(engine.CAPTURE_TASK, args=[payload], task_id=payload["task"]["id"], queue=self.config.queue,
                           connection=self.connection, retry=True,
                           retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5})

    def revoke(self, task_ids: Sequence[str]) -> None:
        """Best effort: workers that have not started these tasks drop them (running captures finish)."""
        if task_ids:
            try:
                self.app.control.revoke(list(task_ids), connection=self.connection)
            except Exception:  # noqa: BLE001 - the broker may be gone: the tasks then run and are stored later
                pass

    def waiting_tasks(self) -> tuple[int, int] | None:
        """(messages waiting, workers consuming) of the capture queue, or None if the broker does not say."""
        try:
            declared = engine.capture_queue(self.config.queue).bind(self.connection.default_channel).queue_declare(
                passive=True)
            return int(declared.message_count), int(declared.consumer_count)
        except Exception:  # noqa: BLE001 - only a hint for the progress label
            return None

    # -- receiving ---------------------------------------------------------------------------------------------
    def receive(self, timeout: float) -> Iterator[RemoteResult]:
        """Results that arrive within ``timeout`` (each stored or recorded before its message is acknowledged)."""
        from queue import Empty

        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                message = self.results.get(block=left > 0, timeout=left if left > 0 else None)
            except Empty:
                return
            yield self.handle(message.payload)
            message.ack()
            deadline = time.monotonic()  # take what else is already there, without waiting again

    def handle(self, result: Any) -> RemoteResult:
        """One result message: a bundle to store, or a capture that failed on its worker."""
        if not isinstance(result, dict) or result.get("format") != engine.RESULT_FORMAT:
            return RemoteResult("", "", "failed", error="a message in the results queue is not a capture result",
                                error_vi="một thông điệp trong hàng đợi kết quả không phải kết quả thu thập")
        task_id, target = str(result.get("task_id", "")), str(result.get("target", ""))
        worker = str((result.get("worker") or {}).get("name", ""))
        if result.get("status") != "captured":
            error = str(result.get("error") or "the capture failed on its worker")
            # a worker of an earlier version says why in English only: shown as it is, introduced in Vietnamese
            error_vi = str(result.get("error_vi") or (f"máy thu thập báo: {error}" if result.get("error")
                                                      else "việc thu thập thất bại trên máy thu thập"))
            row = store.mark_unsuccessful(self.vault, task_id, store.FAILED, f"worker {worker}: {error}",
                                          f"máy thu thập {worker}: {error_vi}", worker=worker)
            if row is not None and row.status == store.STORED:  # a repeat of a task stored meanwhile
                return RemoteResult(task_id, target, DUPLICATE, item=self.vault.get_item(row.item_id) if row.item_id
                                    else None, worker=worker)
            return RemoteResult(task_id, target, "failed", error=f"on worker {worker}: {error}",
                                error_vi=f"trên máy thu thập {worker}: {error_vi}", worker=worker)
        bundle = dict(result.get("bundle") or {})
        path = self.staging.bundle(self.folder, Path(str(bundle.get("name", ""))).name)
        if bundle.get("folder") != self.folder or not path.name.endswith(".age"):
            return RemoteResult(task_id, target, "failed", worker=worker,
                                error=f"worker {worker} put its bundle in another desk's folder ({bundle.get('folder')})",
                                error_vi=f"máy thu thập {worker} đặt gói thu thập vào thư mục của bàn làm việc khác "
                                         f"({bundle.get('folder')})")
        if not path.exists():
            row = store.get_task(self.vault, task_id)
            if row is not None and row.status == store.STORED:  # stored already (by a sweep, or a repeat)
                return RemoteResult(task_id, target, DUPLICATE, worker=worker,
                                    item=self.vault.get_item(row.item_id) if row.item_id else None)
            if row is not None and row.status == store.REFUSED and row.bundle_sha256 == path.name.removesuffix(".age"):
                return RemoteResult(task_id, target, "refused", error=row.error, error_vi=row.error_vi,
                                    worker=worker)  # refused by a sweep
            error = (f"worker {worker} reported bundle {path.name}, but it is not in {path.where} (do the workers "
                     "and this desk use the same staging: the same shared folder, or the same bucket and endpoint?)")
            error_vi = (f"máy thu thập {worker} báo gói {path.name}, nhưng gói không có trong {path.where} (các "
                        "máy thu thập và bàn làm việc này có dùng cùng nơi trung chuyển không: cùng thư mục dùng chung, "
                        "hoặc cùng bucket và địa chỉ?)")
            store.mark_unsuccessful(self.vault, task_id, store.FAILED, error, error_vi, worker=worker)
            return RemoteResult(task_id, target, "failed", error=error, error_vi=error_vi, worker=worker)
        stored = self._ingested(ingest_bundle(self.vault, path, self.keys, task_id=task_id))
        worker_timings = result.get("timings")
        if isinstance(worker_timings, dict):
            stored.timings.update({k: float(v) for k, v in worker_timings.items() if isinstance(v, (int, float))})
        return stored

    def _ingested(self, outcome: IngestOutcome) -> RemoteResult:
        if outcome.status == "refused":
            self.refused.append(outcome)
        return RemoteResult(outcome.task_id, outcome.target, outcome.status, item=outcome.item,
                            children=outcome.children, complete=outcome.complete, error=outcome.error,
                            error_vi=outcome.error_vi,
                            worker=outcome.worker, timings={"ingest_s": outcome.seconds})

    def sweep(self) -> list[RemoteResult]:
        """Bundles in staging no message announced (their worker died after writing them): stored now."""
        return [self._ingested(ingest_bundle(self.vault, self.staging.bundle(self.folder, name), self.keys))
                for name in self.staging.names(self.folder)]

    def given_up(self) -> list[RemoteResult]:
        """Tasks RabbitMQ dead-lettered after DELIVERY_LIMIT deliveries (each time their worker was lost)."""
        found = []
        queue = self.connection.SimpleQueue(engine.plain_queue(engine.failed_queue_name(self.config.queue)))
        try:
            from queue import Empty

            while True:
                try:
                    message = queue.get(block=False)
                except Empty:
                    break
                headers = message.headers or {}
                task_id = str(headers.get("id", ""))
                row = store.get_task(self.vault, task_id)
                if row is None:  # another desk's task: leave it for that desk
                    message.requeue()
                    break
                error = (f"given up after {engine.DELIVERY_LIMIT} deliveries: the worker running this capture was lost "
                         "each time (killed, out of memory or crashed)")
                error_vi = (f"đã bỏ sau {engine.DELIVERY_LIMIT} lần giao: lần nào máy thu thập đang chạy việc thu thập "
                            "này cũng bị mất (bị dừng, hết bộ nhớ hoặc bị lỗi)")
                store.mark_unsuccessful(self.vault, task_id, store.FAILED, error, error_vi)
                found.append(RemoteResult(task_id, row.target, "failed", error=error, error_vi=error_vi))
                message.ack()
        finally:
            queue.close()
        return found


def _wait(cancel: CancelToken, seconds: float) -> None:
    event = getattr(cancel, "_event", None)
    if event is not None:
        event.wait(seconds)
    else:
        time.sleep(seconds)


@contextmanager
def desk_session(vault: Vault, cancel: CancelToken = NEVER_CANCELLED,
                 on_wait: Callable[[str], None] = lambda _s: None) -> Iterator[Desk]:
    desk = Desk(vault, RemoteSettings.from_vault(vault))
    try:
        desk.connect(cancel, on_wait)
        yield desk
    finally:
        desk.close()


# -- a batch on the workers ------------------------------------------------------------------------------------------
@dataclass
class _Task:
    target: str
    task_id: str
    host: str


def run_remote(vault: Vault, case: Case, batch: str, targets: Sequence[str], options: CaptureOptions, *,
               pipeline: str = "web", social: dict[str, Any] | None = None, examiner: dict[str, Any] | None = None,
               progress: Progress = no_progress, cancel: CancelToken = NEVER_CANCELLED, done_before: int = 0,
               total: int | None = None, on_result: Callable[[RemoteResult], None] = lambda _r: None) -> dict[
                   str, RemoteResult]:
    """Capture ``targets`` on the workers; returns what became of each (by target). Results of other batches that
    arrive meanwhile are stored too (the desk's inbox is shared)."""
    total = total if total is not None else done_before + len(targets)
    finished = done_before
    label = ["sending to the workers"]

    def say(text: str) -> None:
        label[0] = text
        progress(finished, total, text)

    tasks = [_Task(t, engine.task_id_for(case.uid, batch, t), host_key(t)) for t in targets]
    by_id = {t.task_id: t for t in tasks}
    outcomes: dict[str, RemoteResult] = {}
    with desk_session(vault, cancel, say) as desk:
        limiter = HostLimiter(desk.config.limit)
        queued: dict[str, deque[_Task]] = {}
        for t in tasks:
            queued.setdefault(t.host, deque()).append(t)
        running: set[str] = set()
        last_sweep = 0.0
        try:
            while len(outcomes) < len(tasks):
                cancel.check()
                results: list[RemoteResult] = []
                try:
                    sent = _release(desk, vault, case, batch, options, pipeline, social, examiner or {}, queued,
                                    limiter, running)
                    if time.monotonic() - last_sweep > SWEEP_SECONDS:
                        results += desk.sweep() + desk.given_up()
                        last_sweep = time.monotonic()
                    results += list(desk.receive(_next_wait(queued, limiter)))
                except Exception as exc:
                    if not desk.lost(exc):
                        raise
                    # sent tasks were confirmed by the broker (on its disk); results not yet acknowledged come again
                    say(f"the broker went away ({type(exc).__name__}: {exc}); waiting for it")
                    desk.close()
                    desk.connect(cancel, say)
                    continue
                for result in results:
                    task = by_id.get(result.task_id)
                    if task is None or task.target in outcomes:
                        continue
                    if result.status == WAITING:
                        result = RemoteResult(result.task_id, result.target, "failed", error=result.error,
                                              error_vi=result.error_vi)
                    running.discard(task.task_id)
                    limiter.finish(task.host)
                    outcomes[task.target] = result
                    finished += 1
                    on_result(result)
                    progress(finished, total, task.target)
                if sent or results:
                    say(_label(desk, queued, running))
        except Cancelled:
            desk.revoke(sorted(running))
            raise
    return outcomes


def _release(desk: Desk, vault: Vault, case: Case, batch: str, options: CaptureOptions, pipeline: str,
             social: dict[str, Any] | None, examiner: dict[str, Any], queued: dict[str, deque[_Task]],
             limiter: HostLimiter, running: set[str]) -> int:
    """Send every task its host's limit lets start now (one host after another, so hosts take turns). A task
    leaves the queue only once the broker confirmed it; what was sent is recorded even if a later send fails."""
    sent: list[_Task] = []
    try:
        progressed = True
        while progressed:
            progressed = False
            for host, waiting in queued.items():
                if waiting and limiter.wait(host) == 0:
                    task = waiting[0]
                    desk.send(desk.payload(case, batch, task.target, options, pipeline=pipeline, social=social,
                                           examiner=examiner))
                    waiting.popleft()
                    limiter.start(host)
                    running.add(task.task_id)
                    sent.append(task)
                    progressed = True
    finally:
        store.record_dispatch(vault, [(t.task_id, case.id, batch, t.target, pipeline) for t in sent])
    return len(sent)


def _next_wait(queued: dict[str, deque[_Task]], limiter: HostLimiter) -> float:
    waits = [limiter.wait(h) for h, q in queued.items() if q]
    soonest = min(waits, default=float("inf"))
    return max(0.05, min(soonest, 1.0))


def _label(desk: Desk, queued: dict[str, deque[_Task]], running: set[str]) -> str:
    waiting = sum(len(q) for q in queued.values())
    text = f"{len(running)} on the workers, {waiting} waiting for their host's turn"
    hint = desk.waiting_tasks()
    if hint is not None and hint[1] == 0 and running:
        text += f" — no worker is taking tasks from {desk.config.queue}"
    return text


# -- collecting what arrived while the desk was closed -------------------------------------------------------------
def collect(vault: Vault, *, wait: float = 0.0, cancel: CancelToken = NEVER_CANCELLED,
            on_result: Callable[[RemoteResult], None] = lambda _r: None) -> list[RemoteResult]:
    """Store every result waiting in the desk's queue and every bundle in its staging store; ``wait`` seconds more
    for results still on their way."""
    found: list[RemoteResult] = []
    with desk_session(vault, cancel) as desk:
        deadline = time.monotonic() + wait
        for result in desk.sweep() + desk.given_up():
            found.append(result)
            on_result(result)
        while True:
            cancel.check()
            left = deadline - time.monotonic()
            for result in desk.receive(max(0.0, min(left, 1.0))):
                found.append(result)
                on_result(result)
            if left <= 0:
                break
    return found


def status(vault: Vault) -> dict[str, Any]:
    """Counts of tasks by status, the ones still out, the broker's queue and the staging store."""
    info: dict[str, Any] = {"tasks": store.task_counts(vault), "configured": configured(vault)}
    info["out"] = [t.to_json() for t in store.tasks(vault, statuses=(store.DISPATCHED,))][:200]
    if configured(vault):
        config = RemoteSettings.from_vault(vault)
        recipient = store.desk_recipient(vault)
        folder = desk_folder(recipient)
        info.update({"broker": engine.redact(engine.broker_url(config.broker)), "queue": config.queue,
                     "staging": config.staging.describe(folder), "bundles_waiting": len(config.staging.names(folder)),
                     "recipient": recipient})
    return info



__all__ = ["Desk", "ForensicsError", "HostLimiter", "RemoteResult", "RemoteSettings", "STORED", "collect",
           "configured", "host_key", "run_remote", "status"]
