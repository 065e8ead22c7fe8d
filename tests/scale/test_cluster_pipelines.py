"""The other pipelines on a worker: a social-media post (the same record as a local capture), and monitoring
checks dispatched by the scheduler when ``remote_monitoring`` is set. Real broker, worker, Chromium and readers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from evidence_store import monitor_store
from forensics_app.services import monitor, settings
from forensics_app.services.social import capture_social
from tests.monitor.site import MonitorSite
from tests.scale.conftest import DeskVault, wait_consumers
from tests.social.conftest import site_options
from tests.social.pages.data import FakePost, make_comments, person
from tests.web.conftest import fast_options

pytestmark = pytest.mark.slow
POST = "pfbidScaleOut01"


@pytest.fixture(scope="module")
def platforms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.social.site import PlatformSite, make_platform_certificate
    from tests.web.site import make_video

    folder = tmp_path_factory.mktemp("platforms")
    site = PlatformSite(make_platform_certificate(folder), make_video(folder))
    yield site
    site.stop()


def _record_facts(record: dict[str, Any]) -> dict[str, Any]:
    return {"platform": record.get("platform"), "post_id": record.get("post_id"), "text": record.get("text"),
            "author": (record.get("author") or {}).get("name"),
            "comments": [(c.get("author", {}).get("name"), c.get("text")) for c in record.get("comments") or []]}


def test_social_post_and_monitoring_checks_on_a_worker(desk: DeskVault, platforms: Any, worker_factory: Any) -> None:
    worker = worker_factory("w1")
    desk.enrol(worker)
    worker.start(desk.broker.url, desk.staging, desk.queue)
    platforms.data["facebook"][POST] = FakePost(POST, person(3), "Bài đăng thử nghiệm thu thập phân tán",
                                                comments=make_comments(3, prefix="s"))
    url = f"https://www.facebook.com/thunghiem/posts/{POST}"
    options = site_options(platforms)  # host rules and the test CA: the CA's certificate travels with the task
    local_case = desk.vault.create_case("VV-SCALE-MXH", "the same post, captured here")
    local = capture_social(desk.vault, local_case.id, [url], options=options, media=False)
    wait_consumers(desk.broker, desk.queue, 1, [worker])

    remote = capture_social(desk.vault, desk.case.id, [url], options=options, media=False, remote=True)

    [here], [there] = local.outcomes, remote.outcomes
    assert there.status == "captured" and there.record is not None, there.web.error
    assert here.record is not None
    assert _record_facts(there.record) == _record_facts(here.record)
    assert len(there.record["comments"]) == 3
    kinds = [Counter(c.kind for c in desk.vault.list_items(parent_id=o.web.item.id)) for o in (here, there)]
    assert kinds[0] == kinds[1] and kinds[1]["social_post"] == 1
    assert there.web.item is not None and there.web.item.metadata["worker"]["name"] == "w1"

    # monitoring: with remote_monitoring set, the scheduler's checks go to the workers
    site = MonitorSite()
    try:
        settings.set_settings(desk.vault, {"remote_monitoring": True})
        watch = monitor.add_watches(desk.vault, desk.case.id, [f"{site.base}/p/a"], allow_private_addresses=True)[0]
        first = monitor.run_checks(desk.vault, [monitor_store.get_watch(desk.vault, watch.id)],
                                   options=fast_options())
        site.page("a").version, site.page("a").extra = 2, "Nội dung mới được thêm vào bài viết."
        second = monitor.run_checks(desk.vault, [monitor_store.get_watch(desk.vault, watch.id)],
                                    options=fast_options())
    finally:
        site.stop()
    assert [(o.status, o.summary) for o in first] == [("unchanged", "first version (baseline)")], first
    assert second[0].status == "changed", second
    for outcome in (*first, *second):
        item = desk.vault.get_item(outcome.capture_item_id)  # type: ignore[arg-type]
        assert item.metadata["worker"]["name"] == "w1"  # captured on the worker, judged here
