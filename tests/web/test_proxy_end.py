"""The end of a capture (issue 14, under load): late requests are waited for (on an event, bounded), those
still running are reported as cut by the capture's end, not as failures of the site, and one slow connect
does not make warcprox refuse the rest of a site's requests for a minute without trying."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from collectors.web.navigation import judge
from collectors.web.options import CaptureOptions
from collectors.web.proxy import ProxyPolicy, RecordingProxy, certificate_authority
from collectors.web.staging import Staging
from collectors.web.state import CaptureState
from collectors.web.urls import Resolver
from tests.web.hygiene_site import HygieneSite
from tests.web.test_web_units import _fetch


def _proxy(tmp_path: Path, *, socket_timeout: int = 30) -> RecordingProxy:
    staging = Staging.start(operation="test", root=tmp_path)
    return RecordingProxy(staging.sealed(), certificate_authority(tmp_path / "ca"),
                          ProxyPolicy(allow_private=True, socket_timeout=socket_timeout), Resolver({}),
                          {"software": "test"}, staging.response_spool).start()


def _state() -> CaptureState:
    return CaptureState("http://x/", CaptureOptions(), Path("."), None, None, time.monotonic() + 60)  # type: ignore[arg-type]


def test_a_request_running_at_the_end_is_cut_not_failed(tmp_path: Path) -> None:
    site = HygieneSite()
    proxy = _proxy(tmp_path)
    try:
        fetch = threading.Thread(target=_fetch, args=(proxy, site.url + "/mute"), daemon=True)
        fetch.start()
        assert site.muted.wait(30)
        assert proxy.journal.wait_quiet(0.3) is False  # it is in flight: the wait says so when its time is up
        proxy.stop(grace=1.0)
    finally:
        site.release.set()
        site.stop()
    (failure,) = proxy.journal.failures
    assert failure["at_capture_end"] is True and failure["url"].endswith("/mute")
    state = _state()
    judge(state, {}, proxy.journal)
    assert [w.code for w in state.warnings] == ["requests_cut"]
    assert state.warnings[0].details["requests"] == [failure["url"]]


def test_wait_quiet_returns_when_the_last_request_ends(tmp_path: Path) -> None:
    site = HygieneSite()
    proxy = _proxy(tmp_path)
    try:
        fetch = threading.Thread(target=_fetch, args=(proxy, site.url + "/mute"), daemon=True)
        fetch.start()
        assert site.muted.wait(30)
        threading.Timer(0.2, site.release.set).start()
        started = time.monotonic()
        assert proxy.journal.wait_quiet(30) is True
        assert time.monotonic() - started < 15
        fetch.join(30)
    finally:
        proxy.stop()
        site.stop()
    assert proxy.journal.failures == [] and len(proxy.journal.exchanges) == 1


def test_a_connect_timeout_is_not_held_against_the_next_request(tmp_path: Path) -> None:
    with socket.socket() as full:  # a listener whose queue is full: new connections hang, then time out
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        port = full.getsockname()[1]
        fillers = []
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        proxy = _proxy(tmp_path, socket_timeout=1)
        try:
            first = _fetch(proxy, f"http://127.0.0.1:{port}/a")
            second = _fetch(proxy, f"http://127.0.0.1:{port}/b")
        finally:
            proxy.stop()
            for filler in fillers:
                filler.close()
    assert first[0] >= 500 and second[0] >= 500
    errors = [f["error"] for f in proxy.journal.failures]
    assert len(errors) == 2 and not any("Cached" in e for e in errors), errors  # the second was tried too
