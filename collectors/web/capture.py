"""One web page capture, start to finish, readable in one place (auto-archiver's orchestrator habit).

    check URL and address policy → recording proxy → fresh context → navigate
    → behaviours → artifact hooks → snapshot → close (video, downloads) → stop proxy (WARC)
    → provenance → WACZ → :class:`CaptureResult` (files in a work folder, turned into artifacts)

The collector never writes the vault: the service stores the artifacts in one
batch, so a failure or a cancel leaves nothing referenced.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from collectors.base import Artifact
from evidence_store.canonical import iso_utc
from evidence_store.errors import CollectorError, SourceError, UsageError, one_line
from evidence_store.models import ItemWarning
from evidence_store.tasks import NEVER_CANCELLED, CancelToken

from . import navigation, snapshot
from .behaviours import get_behaviour
from .exchanges import extract_body, redirect_chain
from .options import CaptureOptions
from .provenance import PARTIAL, build_provenance, summarise
from .proxy import ProxyPolicy, RecordingProxy
from .redact import RedactionPolicy, redaction_change
from .session import BrowserSession
from .state import ArtifactHook, CaptureFile, CaptureState, ProfileProvider
from .urls import Resolver, check_address, dns_details, normalise_url
from .wacz import write_wacz


@dataclass
class CaptureResult:
    requested_url: str
    final_url: str
    complete: bool
    provenance: dict[str, Any]
    summary: dict[str, Any]
    files: list[CaptureFile]
    warnings: list[ItemWarning]
    workdir: Path
    started_at: str
    extra_metadata: dict[str, Any] = field(default_factory=dict)

    def artifacts(self) -> list[Artifact]:
        """The parent ``web_capture`` record first, then its children (in a stable order)."""
        host = urlsplit(self.requested_url).hostname or self.requested_url
        title = self.summary.get("title") or ""
        name = f"{host} — {title}"[:200] if title else host
        parent = Artifact("capture", "web_capture", name, self.requested_url,
                          metadata={"provenance": self.summary, "complete": self.complete, **self.extra_metadata},
                          warnings=list(self.warnings), acquired_at=self.started_at)
        children = [Artifact(f"file{i}", f.kind, f.name, self.requested_url, parent="capture",
                             opener=f.open, size=f.size(),
                             media_type=f.media_type, metadata=f.metadata, warnings=list(f.warnings),
                             acquired_at=self.started_at)
                    for i, f in enumerate(self.files)]
        return [parent, *children]

    def cleanup(self) -> None:
        _discard(self.workdir, self.files)


class WebCapturer:
    """Captures pages with one browser session; each capture is independent (own context and proxy)."""

    def __init__(self, session: BrowserSession, options: CaptureOptions, *, environment: dict[str, Any],
                 hooks: Sequence[ArtifactHook] = (), profile_provider: ProfileProvider | None = None,
                 account: dict[str, Any] | None = None,
                 revisits: Mapping[str, dict[str, str]] | None = None) -> None:
        self.session = session
        self.revisits = revisits  # payload digest -> earlier response record (see .warcwriter)
        self.options = options
        self.environment = environment  # tool, host, examiner, clock: supplied by the service
        self.hooks = list(hooks)
        self.profile_provider = profile_provider
        self.account = account  # the login profile's account (provenance), when the service loaded the profile
        self.behaviours = [get_behaviour(name) for name in options.behaviours]

    async def capture(self, url: str, workdir: Path, cancel: CancelToken = NEVER_CANCELLED) -> CaptureResult:
        """Capture ``url`` into ``workdir`` (created in the session's staging memory folder, and removed again
        with the capture's sealed files if the capture fails)."""
        options = self.options
        requested = normalise_url(url)
        parts = urlsplit(requested)
        host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
        resolver = Resolver(options.host_map)
        addresses = await asyncio.to_thread(resolver.resolve, host, port)
        if not options.allow_private_addresses and all(_restricted(a) for a in addresses):
            check_address(addresses[0], False, host)
        workdir.mkdir(mode=0o700, parents=True, exist_ok=False)
        sealed: list[CaptureFile] = []
        try:
            return await self._capture(requested, host, resolver, workdir, cancel, sealed)
        except BaseException:
            _discard(workdir, sealed)
            raise

    async def _capture(self, requested: str, host: str, resolver: Resolver, workdir: Path,
                       cancel: CancelToken, sealed: list[CaptureFile]) -> CaptureResult:
        options = self.options
        needs_dns = host not in options.host_map and not _is_ip(host)
        dns_task = asyncio.ensure_future(asyncio.to_thread(dns_details, [host])) if needs_dns else None
        started_at = iso_utc()
        deadline = time.monotonic() + options.page_timeout
        redaction = RedactionPolicy.for_capture(profile=options.profile, always=options.redact_credentials)
        policy = ProxyPolicy(allow_private=options.allow_private_addresses, insecure=options.insecure,
                             extra_ca_files=options.extra_ca_files,
                             socket_timeout=max(5, min(30, options.page_timeout)),
                             max_resource_size=options.max_resource_mb * 1024 * 1024, redaction=redaction)
        warcinfo = {"software": f"{self.environment.get('tool', {}).get('name', 'forensics-toolkit')} "
                                f"{self.environment.get('tool', {}).get('version', '')} (warcprox)",
                    "format": "WARC File Format 1.0", "isPartOf": requested,
                    "operator": str(self.environment.get("examiner", {}).get("name", "")),
                    "hostname": str(self.environment.get("host", {}).get("hostname", "")),
                    "browser": self.session.facts.version, "description": f"capture of {requested}"}
        if redaction.active:
            warcinfo["redaction"] = redaction.describe()
        setup_started = time.monotonic()
        staging = self.session.staging
        warc = staging.sealed()
        warc_file = CaptureFile("warc", workdir / "capture.warc.gz", "capture.warc.gz", "application/warc",
                                sealed=warc)
        sealed.append(warc_file)
        proxy = RecordingProxy(warc, self.session.ca, policy, resolver, warcinfo, staging.response_spool,
                              revisits=self.revisits).start()
        context = None
        state: CaptureState | None = None
        try:
            context = await self.session.browser.new_context(**self._context_args(proxy, workdir))
            page = await context.new_page()
            state = CaptureState(requested, options, workdir, page, context, deadline, cancel,
                                 proxy_url=proxy.url, proxy_ca_file=str(self.session.ca.ca_file), staging=staging)
            state.sealed_files = sealed  # closed with the capture if it fails
            if staging.on_disk:
                _warn_on_disk(state, staging)
            state.facts["timings_ms"] = {"setup": int((time.monotonic() - setup_started) * 1000)}
            if options.profile and self.account is not None:
                state.facts["account"] = self.account
            watcher = navigation.Watcher(state)
            watcher.install()
            state.facts["user_agent"] = await _user_agent(state)
            with _timed(state, "navigate"):
                mode = await navigation.navigate(state, watcher, proxy.journal)
            cancel.check()
            if mode == "page":
                for behaviour in self.behaviours:
                    cancel.check()
                    with _timed(state, behaviour.name):
                        await _run_behaviour(behaviour, state)
                for hook in self.hooks:
                    cancel.check()
                    await hook(state)
                cancel.check()
                await self._snapshot(state)
            elif mode == "rendered_file":
                await _metadata(state)
                state.add_part("screenshot_viewport", "screenshot-viewport.png", "image/png", await page.screenshot(),
                               metadata={"viewport": page.viewport_size})
            with _timed(state, "close"):
                await watcher.finish_downloads()
                # late requests (favicon, beacons) finish and are recorded whole, not cut by the end
                await asyncio.to_thread(proxy.journal.wait_quiet, min(5.0, max(1.0, state.remaining())))
                await context.close()
            context = None
            await navigation.collect_video(state, page)
        finally:
            try:
                if context is not None:
                    await _close_context(context)
            finally:
                stop_started = time.monotonic()
                await asyncio.to_thread(proxy.stop)
                if state is not None:
                    state.facts.setdefault("timings_ms", {})["proxy_stop"] = int(
                        (time.monotonic() - stop_started) * 1000)
        assert state is not None
        cancel.check()
        with _timed(state, "package"):
            return await self._finish(state, requested, mode, resolver, proxy, dns_task, started_at)

    def _context_args(self, proxy: RecordingProxy, workdir: Path) -> dict[str, Any]:
        options, device = self.options, self.options.device_profile
        width, height = device["viewport"]
        args: dict[str, Any] = {
            "proxy": {"server": proxy.url, "bypass": "<-loopback>"},
            "ignore_https_errors": True,  # the browser talks to our proxy; the proxy verifies the origin
            "viewport": {"width": width, "height": height}, "device_scale_factor": device["scale"],
            "is_mobile": device["mobile"], "has_touch": device["touch"],
            # the browser writes downloads to disk unencrypted: without a memory file system it refuses them and
            # they are taken from the WARC instead (see navigation.Watcher)
            "accept_downloads": not self.session.staging.on_disk,
            "service_workers": "block",  # every fetch goes to the network (and so through the proxy)
        }
        args["user_agent"] = device["user_agent"] or desktop_user_agent(self.session.browser.version)
        if options.locale:
            args["locale"] = options.locale
        if options.video and not self.session.staging.on_disk:  # no plaintext video on disk (see _warn_on_disk)
            args["record_video_dir"] = str(workdir / "video")
            args["record_video_size"] = {"width": width, "height": height}
        if options.profile:
            if self.profile_provider is None:
                raise UsageError(f"login profile {options.profile!r} was not loaded for this capture (the caller "
                                 "gave no profile provider)",
                                 message_vi=f"hồ sơ đăng nhập {options.profile!r} không được nạp cho lần thu thập này (nơi gọi "
                                            "không cung cấp hồ sơ)")
            args["storage_state"] = self.profile_provider(options.profile)
        return args

    async def _snapshot(self, state: CaptureState) -> None:
        """Screenshots first (what the examiner saw), then documents; one failing part is a warning."""
        for step in (snapshot.screenshots, snapshot.documents, _metadata):
            try:
                with _timed(state, step.__name__):
                    await step(state)
            except (CollectorError, UsageError):
                raise
            except Exception as exc:
                if state.cancel.cancelled:
                    raise
                state.warn("snapshot_failed", f"part of the snapshot failed ({step.__name__}): {one_line(exc)}",
                           f"một phần ảnh chụp thất bại ({step.__name__}): {one_line(exc)}")

    async def _finish(self, state: CaptureState, requested: str, mode: str, resolver: Resolver,
                      proxy: RecordingProxy, dns_task: Any, started_at: str) -> CaptureResult:
        journal, options, workdir = proxy.journal, self.options, state.workdir
        chain = redirect_chain(journal.exchanges, requested, options.max_redirects)
        navigation.judge(state, chain, journal)
        final = chain.get("final")
        if mode in ("file", "rendered_file") and final is not None:
            name = _file_name(final["url"], final.get("mime", ""))
            body = state.staging.sealed() if state.staging else None
            assert body is not None
            state.add_file("download", workdir / f"original-{name}", final.get("content_type")
                           or "application/octet-stream", name=name, sealed=body,
                           metadata={"role": "main_document", "url": final["url"],
                                     "what": "the file as served (transfer and content encodings undone)"},
                           in_wacz=False)
            await asyncio.to_thread(extract_body, proxy.warc, final["response_record"]["offset"], body)
        await _downloads_from_warc(state, journal.exchanges, proxy.warc)
        dns = await dns_task if dns_task is not None else {"skipped": "IP literal or host rule"}
        device = options.device_profile
        user_agent = state.facts.get("user_agent") or device["user_agent"]
        emulation = {"device": options.device, "viewport": {"width": device["viewport"][0],
                     "height": device["viewport"][1]}, "device_scale_factor": device["scale"],
                     "is_mobile": device["mobile"], "has_touch": device["touch"], "user_agent": user_agent,
                     "locale": options.locale or "browser default", "profile": options.profile or None}
        environment = dict(self.environment)
        environment["staging"] = self.session.staging.describe()
        clock = environment.get("clock") or {}
        if not clock.get("checked"):
            state.warn("clock_not_checked", f"clock not checked: no answer from the time server "
                       f"({clock.get('server') or 'none configured'}: {clock.get('error', '')})",
                       f"chưa kiểm tra đồng hồ: máy chủ thời gian không trả lời "
                       f"({clock.get('server') or 'chưa cấu hình'})", clock=clock)
        changes = _redaction_changes(state, proxy)
        ended_at = iso_utc()
        provenance = build_provenance(
            requested=requested, chain=chain, journal=journal, resolver=resolver, dns=dns,
            page=state.facts.get("page", {}), browser=self.session.facts.to_json(), context=emulation,
            environment=environment, options=options.to_record(), started_at=started_at, ended_at=ended_at,
            events=state.events, facts=state.facts, files=state.files, warnings=state.warnings, mode=mode,
            changes=changes)
        prov_part = state.new_part()
        prov_part.write(snapshot.json_bytes(provenance))
        prov_file = CaptureFile("provenance", workdir / "provenance.json", "provenance.json", "application/json",
                                metadata={"format": provenance["format"]}, sealed=prov_part)
        state.sealed_files.append(prov_file)
        warc_file = next(f for f in state.sealed_files if f.sealed is proxy.warc)
        warc_file.metadata = {"records": 1 + 2 * len(journal.exchanges), "compression": "gzip per record"}
        state.files.append(warc_file)
        if options.wacz:
            await self._package(state, requested, chain, proxy, prov_file, started_at)
        state.files.append(prov_file)
        complete = not any(w.code in PARTIAL for w in state.warnings)
        return CaptureResult(requested, provenance["final_url"], complete, provenance, summarise(provenance),
                             state.files, state.warnings, workdir, started_at)

    async def _package(self, state: CaptureState, requested: str, chain: dict[str, Any], proxy: RecordingProxy,
                       provenance: CaptureFile, started_at: str) -> None:
        """The WACZ: the WARC with the screenshots and provenance, indexed for replay, signed."""
        attachments = [f for f in state.files if f.in_wacz] + [provenance]
        wacz = state.staging.sealed() if state.staging else None
        assert wacz is not None
        page_entry = {"id": "main", "url": chain.get("final_url", requested), "ts": started_at,
                      "title": state.facts.get("page", {}).get("title", ""), "text": _page_text(state)}
        wacz_file = state.add_file("wacz", state.workdir / "capture.wacz", "application/wacz", sealed=wacz)
        package = await asyncio.to_thread(
            write_wacz, wacz, warc=proxy.warc, page=page_entry, attachments=attachments,
            title=f"Capture of {requested}", software=warcinfo_software(self.environment),
            description=f"Captured {started_at} (UTC)")
        signed = package["signedData"]
        wacz_file.metadata = {"resources": package["resources"], "signature": {
            "form": "anonymous (WACZ Signing and Verification 0.1.0)", "algorithm": "ECDSA P-384, SHA-256",
            "public_key": signed["publicKey"], "signed_hash": signed["hash"]}}


def _warn_on_disk(state: CaptureState, staging: Any) -> None:
    """What the lack of a memory file system changed, as it is: no part of ours was ever plaintext on disk, the
    browser's own folder was on disk, and what the browser would have written there in plaintext was not made."""
    folder = str(staging.memory)
    state.warn("staging_on_disk",
               "no memory file system (tmpfs) was usable. No part of this capture (screenshots, HTML, text, "
               "PDF, provenance, WARC, WACZ) was ever in plaintext on disk: each waited in memory or encrypted. "
               "Files the page downloaded were taken from the WARC (the browser was not allowed to save them). What "
               "was on disk, in {folder}, removed after storing: the browser's own folder (its profile, without the "
               "pages' cache, cookies or storage, which the browser kept in memory) and this session's key of the "
               "recording proxy.".replace("{folder}", folder),
               "không có hệ thống tệp trong bộ nhớ (tmpfs). Không phần nào của lần thu thập (ảnh chụp, HTML, văn "
               "bản, PDF, thông tin nguồn gốc, WARC, WACZ) từng nằm trên đĩa dạng chưa mã hoá: mỗi phần được "
               "giữ trong bộ nhớ hoặc đã mã hoá. Tệp do trang tải xuống được lấy từ WARC (trình duyệt không được "
               f"phép lưu). Những gì đã nằm trên đĩa, tại {folder}, và đã xoá sau khi lưu: thư mục riêng của trình "
               "duyệt (hồ sơ trình duyệt, không gồm bộ nhớ đệm, cookie và dữ liệu lưu trữ của trang, vốn chỉ nằm "
               "trong bộ nhớ) và khoá của proxy ghi nhận trong phiên này.",
               folder=folder)
    if state.options.video:
        state.warn("video_not_recorded",
                   "the screen recording (video) asked for was not made: the browser writes it to disk "
                   "unencrypted, and no memory file system was usable",
                   "không quay video màn hình như đã yêu cầu: trình duyệt ghi video ra đĩa dạng chưa mã hoá, và "
                   "không có hệ thống tệp trong bộ nhớ", reason="staging_on_disk")


async def _downloads_from_warc(state: CaptureState, exchanges: list[dict[str, Any]], warc: Any) -> None:
    """Files the page downloaded while the browser refused downloads (staging on disk): their bodies as the
    proxy received them, out of the WARC into sealed parts."""
    from .exchanges import find_exchange

    for entry in state.facts.pop("downloads_from_warc", []):
        _, exchange = find_exchange(exchanges, entry["url"])
        if exchange is None:
            state.warn("download_failed", f"a download from {entry['url']} was not recorded by the proxy",
                       f"proxy không ghi được tệp tải xuống từ {entry['url']}", url=entry["url"])
            continue
        body = state.new_part()
        await asyncio.to_thread(extract_body, warc, exchange["response_record"]["offset"], body)
        metadata = {"url": entry["url"], "suggested_filename": entry["suggested_filename"], "role": "download_by_page",
                    "what": "the file as the proxy received it (taken from the WARC: the browser kept no copy)"}
        if exchange.get("truncated"):
            metadata["truncated"] = exchange.get("truncation_reason") or exchange["truncated"]
            state.warn("download_failed", f"a download from {entry['url']} was cut off "
                       f"({metadata['truncated']}); the part received is kept",
                       f"tệp tải xuống từ {entry['url']} bị cắt ngang; đã giữ phần nhận được", url=entry["url"])
        state.add_part("download", entry["name"], exchange.get("content_type") or
                       "application/octet-stream", sealed=body, metadata=metadata)


def _page_text(state: CaptureState, limit: int = 4 * 1024 * 1024) -> str:
    """The visible text the viewer's search indexes (the first ``limit`` bytes of ``page.txt``)."""
    for f in state.files:
        if f.kind == "page_text":
            with f.open() as handle:
                return handle.read(limit).decode("utf-8", "ignore")
    return ""


def _redaction_changes(state: CaptureState, proxy: RecordingProxy) -> list[dict[str, Any]]:
    """The credentials redacted in the WARC, as a change made by the collection and a warning on the capture."""
    policy = proxy.policy.redaction
    change = redaction_change(policy, proxy.journal.redactions)
    if change is None:
        return []
    names = "/".join(change["headers"])
    state.warn("credentials_redacted",
               f"the values of {names} request headers were replaced by '{policy.marker}' in "
               f"{change['request_records']} WARC request record(s) ({policy.reason}); the server received the "
               "real values and every response is recorded as received",
               f"giá trị tiêu đề yêu cầu {names} trong {change['request_records']} bản ghi yêu cầu của WARC đã được "
               f"thay bằng '{policy.marker}' để không làm lộ thông tin đăng nhập; máy chủ nhận giá trị thật, mọi "
               "phản hồi được ghi nguyên trạng",
               headers=change["headers"], request_records=change["request_records"], marker=policy.marker)
    return [change]


@contextmanager
def _timed(state: CaptureState | None, step: str) -> Iterator[None]:
    """Milliseconds spent in each step, kept in the provenance (where the time of a capture went)."""
    started = time.monotonic()
    try:
        yield
    finally:
        if state is not None:
            state.facts.setdefault("timings_ms", {})[step] = int((time.monotonic() - started) * 1000)


async def _metadata(state: CaptureState) -> None:
    state.facts["page"] = await snapshot.page_metadata(state)


async def _run_behaviour(behaviour: Any, state: CaptureState) -> None:
    """A behaviour that breaks on a strange page is a warning; the capture goes on."""
    try:
        await behaviour.run(state)
    except (CollectorError, UsageError):
        raise
    except Exception as exc:
        if state.cancel.cancelled:
            raise
        state.warn("behaviour_failed", f"page behaviour {behaviour.name} failed: {one_line(exc)}",
                   f"thao tác {behaviour.name} trên trang thất bại: {one_line(exc)}", behaviour=behaviour.name)
        return
    state.facts.setdefault("behaviours_run", []).append(behaviour.name)


def desktop_user_agent(version: str) -> str:
    """What this Chromium would send when not headless: pages must not see (and treat differently) a robot."""
    import platform

    major = version.split(".")[0] or "0"
    system = {"Windows": "Windows NT 10.0; Win64; x64", "Darwin": "Macintosh; Intel Mac OS X 10_15_7"}.get(
        platform.system(), "X11; Linux x86_64")
    return f"Mozilla/5.0 ({system}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"


async def _close_context(context: Any) -> None:
    """Close a browser context that may already be gone (crash, cancel): its failure is not the capture's.
    A cancellation is never swallowed."""
    try:
        await asyncio.wait_for(context.close(), 10)
    except asyncio.CancelledError:
        raise
    except Exception:  # Playwright's error or the time limit: the browser went away first
        pass


def _discard(workdir: Path, files: Sequence[CaptureFile]) -> None:
    """A capture's parts gone: its memory folder, and its sealed files' keys and descriptors."""
    shutil.rmtree(workdir, ignore_errors=True)
    for f in files:
        if f.sealed is not None:
            f.sealed.close()


def warcinfo_software(environment: dict[str, Any]) -> str:
    tool = environment.get("tool", {})
    return f"{tool.get('name', 'forensics-toolkit')} {tool.get('version', '')}".strip()


async def _user_agent(state: CaptureState) -> str:
    try:
        return str(await state.page.evaluate("() => navigator.userAgent"))
    except Exception:  # page closed (file mode, crash): the context's setting stands
        return ""


def _file_name(url: str, mime: str) -> str:
    name = urlsplit(url).path.rsplit("/", 1)[-1] or "index"
    from evidence_store.naming import safe_filename

    return safe_filename(name, fallback="document")[:120]


def _restricted(address: str) -> bool:
    from .urls import is_restricted

    return is_restricted(address)


def _is_ip(host: str) -> bool:
    from .urls import _is_ip as is_ip

    return is_ip(host)


__all__ = ["CaptureResult", "WebCapturer", "SourceError"]
