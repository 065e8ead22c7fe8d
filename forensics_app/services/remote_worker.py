"""``forensics worker``: a capture worker on a machine without a vault.

It takes capture tasks from the broker (:mod:`.remote_engine`), captures each page
with the same pipeline as the workstation (one Chromium kept running, a fresh
context and recording proxy per page, parts staged in memory or sealed, exactly
as :mod:`collectors.web.staging` describes), writes the capture as a bundle
signed with its own key and sealed to the desk (:mod:`.remote_bundle`) into the
staging store (a shared folder or an S3 bucket, :mod:`.remote_staging`), publishes a result message with the
bundle's name and hashes,
and only then acknowledges the task. Killed at any point before that, the
task goes back to the queue and runs again (here or on another worker); the desk
stores each task once, so a repeated capture is dropped as a duplicate.

Threads: Celery's consumer in the main thread, captures in its pool's threads,
the browser in one asyncio loop of its own (as the desk's ``CaptureRunner``).
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from collectors.web import BrowserSession, CaptureOptions, CaptureResult, WebCapturer, normalise_url
from collectors.web.staging import Staging, forget_marker, recover_interrupted
from evidence_store import DEFAULT_ZONE, CancelToken, CollectorError, ForensicsError, UsageError, iso_utc
from evidence_store.age_seal import parse_recipient

from . import remote_engine as engine
from .environment import tool_identity
from .remote_bundle import Signer, build_manifest, desk_folder, signature_record
from .remote_staging import StagingStore
from .web_recovery import marker_dir
from .web_runner import HARD_LIMIT_MARGIN
from .worker_identity import WorkerFacts


@dataclass
class WorkerConfig:
    broker: str
    staging: StagingStore
    signer: Signer
    name: str
    concurrency: int = 1
    queue: str = engine.DEFAULT_QUEUE
    recipients: tuple[str, ...] = ()  # desks this worker seals for (empty: whatever desk the task names)
    browser_path: str = ""
    egress_echo: str = ""
    loglevel: str = "WARNING"


class WorkerBrowser:
    """Chromium kept running across tasks, in an asyncio loop of its own: one per (host rules, video), since the
    browser is launched with them; each with its own staging (memory folder, sealed files, marker). At most
    ``keep`` browsers stay open; the least recently used idle one is closed to make room."""

    def __init__(self, browser_path: str, keep: int = 2) -> None:
        self.browser_path = browser_path
        self.keep = keep
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="worker-browser", daemon=True)
        self.thread.start()
        self._sessions: dict[tuple[tuple[str, ...], bool], BrowserSession] = {}  # oldest use first
        self._busy: dict[tuple[tuple[str, ...], bool], int] = {}
        self._lock: asyncio.Lock | None = None
        self._count = 0

    def capture(self, url: str, options: CaptureOptions, environment: dict[str, Any], hooks: Sequence[Any],
                cancel: CancelToken) -> CaptureResult:
        future = asyncio.run_coroutine_threadsafe(self._capture(url, options, environment, hooks, cancel), self.loop)
        return future.result()

    async def _session(self, key: tuple[tuple[str, ...], bool]) -> BrowserSession:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            session = self._sessions.pop(key, None)
            if session is not None and not session.browser.is_connected():  # the browser died: start another
                await session.close()
                session = None
            if session is None:
                for old in [k for k in self._sessions if not self._busy.get(k)][:max(0, len(self._sessions) + 1 - self.keep)]:
                    await self._sessions.pop(old).close()
                staging = Staging.start(operation="worker browser", marker_dir=marker_dir(),
                                        details={"host_rules": list(key[0])})
                try:
                    session = await BrowserSession.start(staging, browser_setting=self.browser_path,
                                                         host_rules=key[0], video=key[1])
                except BaseException:
                    staging.close()
                    raise
                session.owns_staging = True  # closed with the browser
            self._sessions[key] = session  # most recently used last
            self._busy[key] = self._busy.get(key, 0) + 1
            return session

    async def _capture(self, url: str, options: CaptureOptions, environment: dict[str, Any], hooks: Sequence[Any],
                       cancel: CancelToken) -> CaptureResult:
        key = (tuple(options.host_rules), bool(options.video))
        session = await self._session(key)
        try:
            capturer = WebCapturer(session, options, environment=environment, hooks=hooks)
            self._count += 1
            workdir = session.staging.memory / "captures" / f"{self._count:06d}"
            limit = options.page_timeout + HARD_LIMIT_MARGIN
            try:
                async with asyncio.timeout(limit):
                    return await capturer.capture(url, workdir, cancel)
            except TimeoutError:
                raise CollectorError(f"the capture of {url} did not finish within {limit} s and was abandoned",
                             message_vi=f"thu thập {url} không xong trong {limit} giây và đã bị bỏ") from None
        finally:
            self._busy[key] -= 1

    def close(self) -> None:
        async def shut() -> None:
            for session in self._sessions.values():
                await session.close()
            self._sessions.clear()

        try:
            asyncio.run_coroutine_threadsafe(shut(), self.loop).result(60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


class WorkerRuntime:
    """What one worker process holds: its key, facts, staging and browser; runs one task at a time per thread."""

    def __init__(self, config: WorkerConfig, app: Any) -> None:
        self.config = config
        self.app = app
        self.facts = WorkerFacts(config.name, config.signer, egress_echo=config.egress_echo)
        self.pinned = {parse_recipient(r) for r in config.recipients}
        for record in recover_interrupted(marker_dir()):  # a worker killed here before: what it left goes
            _say(f"removed what a killed worker (pid {record.get('pid')}) left: "
                 f"{', '.join(record.get('removed') or []) or 'nothing but its marker'}")
            forget_marker(marker_dir(), record)
        self.staging = Staging.start(operation="worker", marker_dir=marker_dir(), details={"worker": config.name})
        self.browser = WorkerBrowser(config.browser_path)

    def close(self) -> None:
        try:
            self.browser.close()
        finally:
            self.staging.close()

    # -- one task ----------------------------------------------------------------------------------------------
    def run(self, payload: dict[str, Any], redelivered: bool) -> str:
        """Capture, bundle, publish the result; returns the status (logged by Celery, no evidence in it)."""
        started = time.monotonic()
        task = _checked(payload)
        recipient = parse_recipient(str(payload["recipient"]))
        if self.pinned and recipient not in self.pinned:
            result = self._result(payload, "failed", error=f"this worker seals bundles only for the desks it was "
                                  f"given (--recipient); the task names {payload['recipient']}",
                                  error_vi=f"máy thu thập này chỉ niêm phong gói cho các bàn làm việc đã được chỉ định "
                                  f"(--recipient); nhiệm vụ ghi {payload['recipient']}")
            self._publish(payload, result)
            return "failed"
        try:
            capture = self._capture(payload)
            captured = time.monotonic()
            try:
                capture.extra_metadata.update({"batch": task["batch"], "requested_url": task["target"]})
                manifest, files = build_manifest(task, capture.artifacts(), worker=self._worker_facts(capture),
                                                 recipient=recipient)
                signature = signature_record(manifest, self.config.signer)
                signed = time.monotonic()
                written = self.config.staging.write(desk_folder(recipient), manifest, signature, files, recipient)
            finally:
                capture.cleanup()
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the desk as a failed result
            message, message_vi = _failure(exc, self.config.name)
            self._publish(payload, self._result(payload, "failed", error=message, error_vi=message_vi,
                                                redelivered=redelivered))
            _say(f"task {task['id']} failed: {message}")
            return "failed"
        result = self._result(payload, "captured", redelivered=redelivered, bundle={
            "folder": desk_folder(recipient), "name": written.name, "sha256": written.sha256, "size": written.size},
            manifest_sha256=written.manifest_sha256,
            timings={"capture_s": round(captured - started, 3), "manifest_s": round(signed - captured, 3),
                     "bundle_s": round(written.seconds, 3)})
        self._publish(payload, result)
        _say(f"task {task['id']} captured {len(files)} files into {written.name[:16]}… "
             f"({captured - started:.1f} s + {written.seconds:.2f} s bundle)")
        return "captured"

    def _capture(self, payload: dict[str, Any]) -> CaptureResult:
        task = payload["task"]
        options = CaptureOptions.from_mapping(dict(payload.get("options") or {}))
        ca_files = self._ca_files(payload.get("ca_files") or [])
        if ca_files:
            options = options.with_changes(extra_ca_files=ca_files)
        environment = {"tool": tool_identity(), "host": self.facts.identity()["host"],
                       "examiner": dict(payload.get("examiner") or {}),
                       "clock": self.facts.clock(options.ntp_server, options.ntp_timeout),
                       "egress": self.facts.egress(task["target"], str(payload.get("egress_echo_url") or "")),
                       "worker": {"name": self.config.name, "fingerprint": self.config.signer.fingerprint},
                       "desk": dict(payload.get("desk") or {})}
        hooks = []
        if task.get("pipeline") == "social":
            import collectors.social.behaviours  # noqa: F401 - registers the social page behaviours the task names
            from collectors.social.capture_hook import SocialConfig, SocialHook

            social = dict(payload.get("social") or {})
            hooks.append(SocialHook(SocialConfig(media=bool(social.get("media", True)), accounts={},
                                                 fallback_zone=str(social.get("fallback_zone") or DEFAULT_ZONE))))
        return self.browser.capture(task["target"], options, environment, hooks, CancelToken())

    def _ca_files(self, files: list[dict[str, str]]) -> tuple[str, ...]:
        """The desk's extra CA certificates (public, not evidence), written to the memory folder for the proxy."""
        paths = []
        for entry in files:
            pem = str(entry.get("pem", "")).encode("ascii")
            path = self.staging.memory / "ca" / f"{hashlib.sha256(pem).hexdigest()[:16]}.pem"
            path.parent.mkdir(mode=0o700, exist_ok=True)
            path.write_bytes(pem)
            paths.append(str(path))
        return tuple(paths)

    def _worker_facts(self, capture: CaptureResult) -> dict[str, Any]:
        environment = capture.provenance.get("environment") or {}
        return {**self.config.signer.describe(), "host": environment.get("host"), "egress": environment.get("egress"),
                "clock": environment.get("clock"), "tool": environment.get("tool")}

    def _result(self, payload: dict[str, Any], status: str, *, error: str = "", error_vi: str = "",
                redelivered: bool = False, **extra: Any) -> dict[str, Any]:
        task = payload["task"]
        return {"format": engine.RESULT_FORMAT, "task_id": task["id"], "status": status, "target": task["target"],
                "case_uid": task["case_uid"], "batch": task["batch"], "error": error, "error_vi": error_vi,
                "redelivered": redelivered,
                "worker": {"name": self.config.name, "fingerprint": self.config.signer.fingerprint},
                "finished_at": iso_utc(), **extra}

    def _publish(self, payload: dict[str, Any], result: dict[str, Any]) -> None:
        """To the desk's results queue, persistent and confirmed, retried while the broker is away."""
        reply_to = str(payload["reply_to"])
        queue = engine.plain_queue(reply_to)
        with self.app.producer_or_acquire() as producer:
            producer.publish(result, exchange="", routing_key=reply_to, declare=[queue], serializer="json",
                             delivery_mode=2, retry=True,
                             retry_policy={"max_retries": 120, "interval_start": 1, "interval_step": 2,
                                           "interval_max": 15})


def _failure(exc: Exception, worker: str) -> tuple[str, str]:
    """Why a capture failed on this worker, in English and Vietnamese, for the desk to show."""
    if isinstance(exc, ForensicsError):
        return str(exc), exc.text("vi")
    if isinstance(exc, OSError):
        return f"{type(exc).__name__}: {exc}", f"lỗi hệ thống ({type(exc).__name__}): {exc}"
    return (f"internal error on worker {worker}: {type(exc).__name__}: {exc}",
            f"lỗi nội bộ trên máy thu thập {worker}: {type(exc).__name__}: {exc}")


def _checked(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict) or payload.get("format") != engine.TASK_FORMAT:
        raise UsageError("not a capture task of this version of the toolkit",
                         message_vi="không phải nhiệm vụ thu thập của phiên bản công cụ này")
    task = dict(payload.get("task") or {})
    for key in ("id", "case_uid", "batch", "target", "pipeline"):
        if not task.get(key):
            raise UsageError(f"the capture task has no {key}", message_vi=f"nhiệm vụ thu thập thiếu {key}")
    if normalise_url(str(task["target"])) != task["target"]:
        raise UsageError("the capture task's target is not a normalised URL",
                         message_vi="địa chỉ của nhiệm vụ thu thập chưa được chuẩn hoá")
    if engine.task_id_for(task["case_uid"], task["batch"], task["target"]) != task["id"]:
        raise UsageError("the capture task's id does not match its case, batch and target",
                         message_vi="mã nhiệm vụ thu thập không khớp vụ việc, đợt và địa chỉ của nó")
    return task


def _say(line: str) -> None:
    sys.stderr.write(f"{iso_utc()} {line}\n")
    sys.stderr.flush()


def run_worker(config: WorkerConfig) -> None:
    """Consume capture tasks until stopped (SIGTERM/SIGINT: a warm stop that finishes the captures running)."""
    config.staging.check_writable()  # before any task: a folder not mounted, a store refusing the credentials
    app = engine.make_app(config.broker, config.queue)
    runtime = WorkerRuntime(config, app)

    @app.task(name=engine.CAPTURE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)  # type: ignore[misc]
    def capture(self: Any, payload: dict[str, Any]) -> str:
        delivery = getattr(self.request, "delivery_info", None) or {}
        return runtime.run(payload, bool(delivery.get("redelivered")))

    app.steps["consumer"].add(_prompt_acknowledgements())
    _say(f"worker {config.name} ({config.signer.fingerprint}) takes tasks from {engine.redact(config.broker)} "
         f"queue {config.queue}, {config.concurrency} at a time; bundles to {config.staging.describe()}")
    try:
        worker = app.Worker(pool="threads", concurrency=config.concurrency, queues=[config.queue],
                            hostname=f"{config.name}@{socket.gethostname()}", loglevel=config.loglevel, without_mingle=True,
                            without_gossip=True, quiet=True)
        worker.start()
    finally:
        runtime.close()


def _prompt_acknowledgements() -> Any:
    """A consumer step that wakes Celery's event loop every 50 ms.

    With the threads pool, a finished task's acknowledgement is handed to the event loop (``hub.call_soon``)
    from the pool's thread, which does not wake the loop's ``epoll``: the ack, and so the next task (prefetch 1),
    waited up to a second or two for the loop's own timeout (seen here: 0.3-1.7 s between tasks, a third of a
    short capture). A 50 ms timer bounds that wait; the cost is twenty idle wake-ups a second.
    """
    from celery import bootsteps

    class PromptAcknowledgements(bootsteps.StartStopStep):
        def register_with_event_loop(self, parent: Any, hub: Any) -> None:
            hub.call_repeatedly(0.05, _nothing)

    return PromptAcknowledgements


def _nothing() -> None:
    pass
