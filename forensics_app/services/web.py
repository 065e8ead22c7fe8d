"""Web page capture into a case: a batch of URLs, concurrent, resumable, cancellable.

Threads: the caller's thread (the CLI's main thread or a GUI worker) owns the
vault; a helper thread runs the browser in its own asyncio loop and hands each
finished capture back through a queue. Each capture is stored as ONE vault batch
(the ``web_capture`` parent and all its children), so a failure or a cancel
leaves nothing referenced; captures already stored stay, complete, and a rerun
of the same batch skips them.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors.web import ArtifactHook, CaptureOptions, CaptureResult, ProfileProvider, normalise_url
from collectors.web.behaviours import get_behaviour
from collectors.web.clock import measure_clock
from collectors.web.staging import Staging
from evidence_store import Cancelled, Case, ForensicsError, Item, UsageError, Vault
from evidence_store.errors import bilingual
from evidence_store.profiles import LoginProfiles
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

from . import case_access, settings, web_recovery
from .environment import host_facts, secrets_withheld, tool_identity
from .ingest import store_artifacts
from .web_runner import CaptureRunner

STATUS_CAPTURED, STATUS_SKIPPED, STATUS_FAILED = "captured", "skipped", "failed"


@dataclass
class UrlOutcome:
    url: str
    status: str
    item: Item | None = None
    children: list[Item] = field(default_factory=list)
    complete: bool = False
    error: str = ""
    error_vi: str = ""  # the same in Vietnamese (the desktop app shows the user's language)
    remedy: str = ""  # what would allow it (evidence_store.catalogue.remedies), e.g. allow_private_addresses

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url, "status": self.status, "complete": self.complete, "error": self.error or None,
            "item_id": self.item.id if self.item else None,
            "final_url": (self.item.metadata.get("provenance", {}).get("final_url") if self.item else None),
            "http_status": (self.item.metadata.get("provenance", {}).get("http_status") if self.item else None),
            "children": [{"id": c.id, "kind": c.kind, "name": c.name, "size": c.size, "sha256": c.sha256}
                         for c in self.children],
            "warnings": [w.to_json() for w in self.item.warnings] if self.item else [],
            "no_answer": self.no_answer() or None,
        }

    def no_answer(self, lang: str = "en") -> str:
        """Why a stored capture holds no HTTP response for its address ('' when the server answered): kept as the
        record of the attempt, but nothing of the page was collected."""
        if self.item is None or self.status != STATUS_CAPTURED:
            return ""
        if self.item.metadata.get("provenance", {}).get("http_status") is not None:
            return ""
        for warning in self.item.warnings:
            if warning.code in ("navigation_error", "navigation_timeout"):
                return warning.text(lang)
        return ("không nhận được phản hồi HTTP nào từ địa chỉ này" if lang == "vi"
                else "no HTTP response was received for this address")

    def reason(self, lang: str) -> str:
        """Why nothing of the page was collected, in ``lang`` ('' when it was)."""
        if self.status == STATUS_FAILED:
            return (self.error_vi or self.error) if lang == "vi" else self.error
        return self.no_answer(lang)


@dataclass
class WebBatchResult:
    batch_id: str
    outcomes: list[UrlOutcome]

    @property
    def failed(self) -> list[UrlOutcome]:
        return [o for o in self.outcomes if o.status == STATUS_FAILED]

    def to_json(self) -> dict[str, Any]:
        return {"batch": self.batch_id, "results": [o.to_json() for o in self.outcomes]}


def read_urls_file(path: Path) -> list[str]:
    """One URL per line; blank lines and ``#`` comments ignored."""
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the URL list {path}: {getattr(exc, 'strerror', None) or exc}",
                         message_vi=f"không đọc được danh sách địa chỉ {path}: {bilingual(exc)[1]}") from exc
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def batch_id_for(case: Case, urls: Sequence[str]) -> str:
    """Same case and same URL list: same batch (what makes a rerun resume)."""
    return hashlib.sha256("\n".join([case.uid, *urls]).encode("utf-8")).hexdigest()[:16]


def options_key(options: CaptureOptions) -> str:
    """The options a batch was captured with, in its id: a rerun with other options (local addresses now allowed,
    a longer time limit) is another capture, not the resumption of one that was refused."""
    record = json.dumps(options.to_record(), sort_keys=True, ensure_ascii=False, default=str)
    return "options=" + hashlib.sha256(record.encode("utf-8")).hexdigest()[:12]


def effective_options(vault: Vault, options: CaptureOptions | None = None, **overrides: Any) -> CaptureOptions:
    """Defaults ← the vault's ``capture_defaults`` setting ← the caller's options ← explicit overrides."""
    base = CaptureOptions.from_mapping(dict(settings.get(vault, "capture_defaults") or {}))
    if options is not None:
        base = options
    if overrides:
        base = base.with_changes(**overrides)
    if not base.ntp_server:
        base = base.with_changes(ntp_server=str(settings.get(vault, "ntp_server") or ""))
    return base


def capture_environment(vault: Vault) -> dict[str, Any]:
    examiner = vault.examiner
    return {"tool": tool_identity(), "host": host_facts(),
            "examiner": {"name": examiner.name, "position": examiner.position, "agency": examiner.agency,
                         "unit": examiner.unit}}


def capture_web(
    vault: Vault,
    case_ref: str | int,
    urls: Sequence[str],
    *,
    options: CaptureOptions | None = None,
    concurrency: int = 1,
    batch_id: str | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    on_outcome: Callable[[UrlOutcome], None] | None = None,
    hooks: Sequence[ArtifactHook] = (),
    profile_provider: ProfileProvider | None = None,
    workroot: Path | None = None,
    revisits: Mapping[str, dict[str, str]] | None = None,
    remote: bool = False,
    remote_social: dict[str, Any] | None = None,
) -> WebBatchResult:
    """Capture ``urls`` into the case. Bad URLs fail the whole call before anything starts.

    ``remote``: the captures run on the capture workers (:mod:`.remote_desk`; settings ``broker_url`` and
    ``remote_staging``) and are stored here as their bundles arrive, item for item as a local capture;
    ``remote_social`` carries the social capture's settings to them (``capture_social`` sets it). Login
    profiles and artifact hooks stay on this workstation, so they cannot be combined with ``remote``; the
    workers write full WARC records (no ``revisits``).

    ``revisits`` (payload digest -> earlier WARC response record) makes identical payloads ``revisit`` records
    (monitoring re-checks).

    The batch's parts wait in a :class:`collectors.web.staging.Staging` (a memory folder and sealed files);
    ``workroot`` chooses the memory folder's parent (tests), checked like any other (a folder on disk gives
    every capture a ``staging_on_disk`` warning). What a killed earlier batch left is cleaned up first.
    """
    case = case_access.reach_case(vault, case_ref, "capture web")
    case.require_open()
    if not urls:
        raise UsageError("no URL to capture", message_vi="không có địa chỉ nào để thu thập")
    if not 1 <= concurrency <= 16:
        raise UsageError("concurrency must be between 1 and 16", message_vi="số trang thu thập cùng lúc phải từ 1 đến 16")
    normalised, bad, bad_vi = [], [], []
    for url in urls:
        try:
            normalised.append(normalise_url(url))
        except UsageError as exc:
            bad.append(str(exc))
            bad_vi.append(exc.text("vi"))
    if bad:
        raise UsageError("; ".join(bad), message_vi="; ".join(bad_vi))
    normalised = list(dict.fromkeys(normalised))
    options = effective_options(vault, options)
    if remote:
        _check_remote(vault, options, hooks, remote_social, profile_provider)
    for name in options.behaviours:
        get_behaviour(name)  # an unknown name fails now, not after the browser started
    if options.profile and profile_provider is None:
        LoginProfiles(vault).get(options.profile)  # an unknown name fails now (its use is logged only when loaded)
    # the same pages seen through another account are another capture, not a resumed one
    batch = batch_id or batch_id_for(case, [*normalised, *([f"profile={options.profile}"] if options.profile else []),
                                            options_key(options)])
    done_before = _already_captured(vault, case, batch)
    outcomes: dict[str, UrlOutcome] = {u: UrlOutcome(u, STATUS_SKIPPED, item=done_before[u],
                                                     complete=bool(done_before[u].metadata.get("complete")))
                                       for u in normalised if u in done_before}
    todo = [u for u in normalised if u not in done_before]
    account = None
    if options.profile and profile_provider is None and todo:
        profile_provider, account = saved_profile(vault, options.profile, case)
    environment = capture_environment(vault)
    total, finished = len(normalised), len(outcomes)
    if remote:
        _capture_remote(vault, case, batch, todo, options, remote_social, environment, outcomes, progress, cancel,
                        on_outcome, total, finished)
        _log_batch(vault, case, batch, normalised, outcomes, options, cancelled=False, remote=True)
        return WebBatchResult(batch, [outcomes[u] for u in normalised if u in outcomes])
    progress(finished, total, "starting the browser" if todo else "nothing left to capture")
    web_recovery.recover(vault)  # what a killed capture left: removed, and logged
    staging = web_recovery.start_staging(vault, case, operation="capture.web", urls=len(todo), batch=batch,
                                         root=workroot)
    try:
        if todo:
            # the helpers a capture starts (yt-dlp's ffmpeg …) copy os.environ: no secret of ours is there meanwhile
            with secrets_withheld():
                _run_batch(vault, case, batch, todo, options, environment, concurrency, staging, hooks,
                           profile_provider, account, cancel, outcomes, progress, total, finished, on_outcome,
                           revisits)
    except Cancelled:
        _log_batch(vault, case, batch, normalised, outcomes, options, cancelled=True)
        raise
    finally:
        staging.close()
    _log_batch(vault, case, batch, normalised, outcomes, options, cancelled=False)
    return WebBatchResult(batch, [outcomes[u] for u in normalised if u in outcomes])


def _run_batch(vault: Vault, case: Case, batch: str, todo: list[str], options: CaptureOptions,
               environment: dict[str, Any], concurrency: int, staging: Staging, hooks: Sequence[ArtifactHook],
               profile_provider: ProfileProvider | None, account: dict[str, Any] | None, cancel: CancelToken,
               outcomes: dict[str, UrlOutcome], progress: Progress, total: int, finished: int,
               on_outcome: Callable[[UrlOutcome], None] | None,
               revisits: Mapping[str, dict[str, str]] | None = None) -> None:
    runner = CaptureRunner(todo, options, environment, concurrency=concurrency, staging=staging, hooks=hooks,
                           profile_provider=profile_provider, account=account,
                           clock=lambda: measure_clock(options.ntp_server, options.ntp_timeout),
                           browser_path=str(settings.get(vault, "browser_path") or ""), revisits=revisits)
    runner.start()
    try:
        for url, result, error in runner.results(cancel):
            outcome = _store(vault, case, batch, url, result, error, cancel)
            outcomes[url] = outcome
            finished += 1
            progress(finished, total, url)
            if on_outcome is not None:
                on_outcome(outcome)
    except BaseException:
        runner.stop()
        raise
    runner.stop()


def saved_profile(vault: Vault, name: str, case: Case) -> tuple[ProfileProvider, dict[str, Any]]:
    """A vault login profile for a capture: the provider of its storage state (loading is logged against the
    case) and the account facts the provenance records."""
    from .profiles import load_for_capture

    state, account = load_for_capture(vault, name, case)

    def provider(requested: str) -> dict[str, Any]:
        if requested != name:
            raise UsageError(f"login profile {requested!r} was not prepared for this capture",
                             message_vi=f"hồ sơ đăng nhập {requested!r} không được chuẩn bị cho lần thu thập này")
        return state

    return provider, account


def _store(vault: Vault, case: Case, batch: str, url: str, result: CaptureResult | None,
           error: BaseException | None, cancel: CancelToken) -> UrlOutcome:
    if result is None:
        if isinstance(error, ForensicsError):
            return UrlOutcome(url, STATUS_FAILED, error=str(error), error_vi=error.text("vi"), remedy=error.remedy)
        en, vi = bilingual(error) if error is not None else ("", "")
        return UrlOutcome(url, STATUS_FAILED, error=f"internal error: {error!r}", error_vi=f"lỗi nội bộ: {vi}")
    try:
        result.extra_metadata.update({"batch": batch, "requested_url": url})
        stored = store_artifacts(vault, case, result.artifacts(), cancel=cancel, skip_unreadable=False)
    finally:
        result.cleanup()
    parent = stored.by_key["capture"]
    children = [item for key, item in stored.by_key.items() if key != "capture"]
    return UrlOutcome(url, STATUS_CAPTURED, item=parent, children=children, complete=result.complete)


def _check_remote(vault: Vault, options: CaptureOptions, hooks: Sequence[ArtifactHook],
                  remote_social: dict[str, Any] | None, profile_provider: ProfileProvider | None) -> None:
    from .remote_desk import RemoteSettings

    if options.profile or profile_provider is not None:
        raise UsageError("login profiles stay on this workstation: capture with a profile here, without --remote",
                         message_vi="hồ sơ đăng nhập chỉ dùng trên máy này: hãy thu thập tại máy này, "
                                    "không gửi tới các máy thu thập")
    if hooks and remote_social is None:
        raise UsageError("this capture's extensions run only on this workstation: capture it without --remote",
                         message_vi="các phần mở rộng của lần thu thập này chỉ chạy trên máy này: hãy thu thập "
                                    "tại máy này, không gửi tới các máy thu thập")
    RemoteSettings.from_vault(vault)  # a clear error when no broker is configured, before anything starts


def _capture_remote(vault: Vault, case: Case, batch: str, todo: list[str], options: CaptureOptions,
                    remote_social: dict[str, Any] | None, environment: dict[str, Any], outcomes: dict[str, UrlOutcome],
                    progress: Progress, cancel: CancelToken, on_outcome: Callable[[UrlOutcome], None] | None,
                    total: int, finished: int) -> None:
    """The batch on the capture workers; each result becomes the same outcome a local capture gives."""
    from .remote_desk import RemoteResult, run_remote

    def arrived(result: RemoteResult) -> None:
        if result.item is not None:
            children = result.children or vault.list_items(parent_id=result.item.id)
            outcome = UrlOutcome(result.target, STATUS_CAPTURED, item=result.item, children=children,
                                 complete=bool(result.item.metadata.get("complete")))
        else:
            said_vi = f"việc thu thập {_STATUS_VI.get(result.status, result.status)}"
            if result.error:  # a task row from before the desk kept Vietnamese
                said_vi = f"{result.error} (chỉ có bản tiếng Anh)"
            outcome = UrlOutcome(result.target, STATUS_FAILED, error=result.error or f"the capture {result.status}",
                                 error_vi=result.error_vi or said_vi)
        outcomes[result.target] = outcome
        if on_outcome is not None:
            on_outcome(outcome)

    progress(finished, total, "sending to the capture workers" if todo else "nothing left to capture")
    if not todo:
        return
    try:
        run_remote(vault, case, batch, todo, options, pipeline="social" if remote_social is not None else "web",
                   social=remote_social, examiner=environment["examiner"], progress=progress, cancel=cancel,
                   done_before=finished, total=total, on_result=arrived)
    except Cancelled:
        _log_batch(vault, case, batch, todo, outcomes, options, cancelled=True, remote=True)
        raise


_STATUS_VI = {"duplicate": "trùng lặp", "failed": "thất bại", "refused": "bị từ chối", "waiting": "đang chờ"}


def _already_captured(vault: Vault, case: Case, batch: str) -> dict[str, Item]:
    found = {}
    for item in vault.list_items(case.id, kind="web_capture"):
        if item.metadata.get("batch") == batch:
            found[str(item.metadata.get("requested_url") or item.source)] = item
    return found


def _log_batch(vault: Vault, case: Case, batch: str, urls: list[str], outcomes: dict[str, UrlOutcome],
               options: CaptureOptions, *, cancelled: bool, remote: bool = False) -> None:
    vault.log("web.capture_batch", case=case, details={
        "batch": batch, "run": uuid.uuid4().hex[:16],  # each run of a batch (a resumed one too) is its own entry
        "urls": len(urls), "cancelled": cancelled, **({"on_workers": True} if remote else {}),
        "captured": [{"url": o.url, "item": o.item.id if o.item else None, "complete": o.complete}
                     for o in outcomes.values() if o.status == STATUS_CAPTURED],
        "skipped": [o.url for o in outcomes.values() if o.status == STATUS_SKIPPED],
        "failed": [{"url": o.url, "error": o.error} for o in outcomes.values() if o.status == STATUS_FAILED],
        "options": options.to_record(),
    })


def capture_threads_alive() -> int:
    """For tests: helper threads still running (must be 0 after a batch, cancelled or not)."""
    return sum(1 for t in threading.enumerate() if t.name.startswith(("capture-runner", "capture-proxy", "warc-writer")))
