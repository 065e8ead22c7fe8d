"""Checks against the changing local site with real Chromium: four rounds over seven watches in one vault.

Round 1 makes the baselines; then pages change, vanish (404/410), hide behind a login wall, stop answering,
and a feed and a listing get new posts. Each round is one ``run_checks`` call (one browser, 4 at a time).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from evidence_store import Vault
from evidence_store import monitor_store as store
from forensics_app.services import alerts, monitor
from tests.conftest import PASSPHRASE, assert_verifies_clean
from tests.monitor.site import MonitorSite
from tests.web.conftest import fast_options

pytestmark = pytest.mark.slow


class Rounds:
    def __init__(self, vault: Vault, watches: dict[str, store.WatchRow]) -> None:
        self.vault = vault
        self.watches = watches
        self.results: list[dict[str, monitor.CheckOutcome]] = []
        self.bytes: list[int] = []

    def run(self) -> dict[str, monitor.CheckOutcome]:
        names = {w.id: n for n, w in self.watches.items()}
        rows = [store.get_watch(self.vault, w.id) for w in self.watches.values()]
        before = self.vault.stored_bytes()
        out = monitor.run_checks(self.vault, [r for r in rows if r.status == "active"], options=fast_options())
        self.bytes.append(self.vault.stored_bytes() - before)
        result = {names[o.watch_id]: o for o in out}
        self.results.append(result)
        return result


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory, monitor_site: MonitorSite) -> Iterator[Rounds]:
    os.environ["FORENSICS_KDF_PROFILE"] = "test"
    vault = Vault.create(tmp_path_factory.mktemp("mon") / "vault", PASSPHRASE, "Lê Văn Giám Sát")
    case = vault.create_case("GS-001", "Giám sát trang tin / Monitoring")
    site = monitor_site
    site.page("a").rotate_ad = True
    site.state.posts[:] = [("p1", "Tin thường ngày")]
    base = site.base
    add = monitor.add_watches
    watches = {
        "a": add(vault, case.id, [f"{base}/p/a"], include=["#main"], ignore=[r"Lượt xem: \d+"],
                 keywords=["chuyen khoan"], allow_private_addresses=True)[0],
        "b": add(vault, case.id, [f"{base}/p/b"], allow_private_addresses=True)[0],
        "c": add(vault, case.id, [f"{base}/p/c"], allow_private_addresses=True, removal_after=2)[0],
        "d": add(vault, case.id, [f"{base}/p/d"], allow_private_addresses=True, failing_after=3)[0],
        "e": add(vault, case.id, [f"{base}/p/e"], allow_private_addresses=True)[0],
        "feed": add(vault, case.id, [f"{base}/feed.xml"], keywords=["lừa đảo"], allow_private_addresses=True)[0],
        "list": add(vault, case.id, [f"{base}/list"], kind="listing", capture_new="none",
                    allow_private_addresses=True)[0],
    }
    r = Rounds(vault, watches)
    r.run()  # 1: baselines
    site.page("c").status, site.page("d").status, site.page("e").status = 404, 0, 401
    r.run()  # 2: nothing changed on a and b; c gone once, d fails, e login wall
    site.page("a").version, site.page("a").extra = 2, "Chuyển khoản ngay vào tài khoản này để nhận quà."
    site.state.posts.extend([("p2", "Cảnh báo lừa đảo chuyển khoản"), ("p3", "Tin thể thao")])
    r.run()  # 3: a changed; c removed; d fails again; new posts on the feed and the listing
    site.page("c").status = 410
    r.run()  # 4: d fails a third time (failing)
    yield r
    assert_verifies_clean(vault)
    vault.close()


def test_round_one_is_the_baseline_of_every_reachable_watch(rounds: Rounds) -> None:
    first = rounds.results[0]
    assert {n: o.status for n, o in first.items()} == {n: "unchanged" for n in rounds.watches}
    assert all(o.summary == "first version (baseline)" and o.capture_item_id for o in first.values())


def test_unchanged_check_is_a_full_capture_with_revisit_records(rounds: Rounds) -> None:
    vault = rounds.vault
    second = rounds.results[1]
    assert second["a"].status == "unchanged"  # the rotating counter is outside #main / ignored
    assert second["b"].status == "unchanged"
    item = vault.get_item(second["b"].capture_item_id)
    kinds = {c.kind for c in vault.list_items(parent_id=item.id)}
    assert {"warc", "screenshot", "screenshot_viewport", "html", "provenance"} <= kinds and "wacz" not in kinds
    warc = next(c for c in vault.list_items(parent_id=item.id) if c.kind == "warc")
    import io

    from warcio.archiveiterator import ArchiveIterator

    types = {}
    for record in ArchiveIterator(io.BytesIO(b"".join(vault.read_item(warc)))):
        if record.rec_type in ("response", "revisit"):
            types[record.rec_headers.get_header("WARC-Target-URI").rsplit("/", 1)[-1]] = (
                record.rec_type, record.rec_headers.get_header("WARC-Refers-To-Target-URI"),
                record.rec_headers.get_header("WARC-Profile"))
    assert types["b"][0] == "revisit" and types["b"][1].endswith("/p/b")
    assert types["b"][2].endswith("identical-payload-digest")
    assert types["site.css"][0] == "revisit" and types["photo.png"][0] == "revisit"


def test_unchanged_check_adds_little_to_the_vault(rounds: Rounds) -> None:
    vault = rounds.vault
    first, second = rounds.results[0]["b"], rounds.results[1]["b"]

    def added(capture_id: int, earlier: set[str]) -> int:
        return sum(c.size or 0 for c in vault.list_items(parent_id=capture_id)
                   if c.blob is not None and c.blob not in earlier)

    full = added(first.capture_item_id, set())
    seen = {c.blob for c in vault.list_items(parent_id=first.capture_item_id) if c.blob}
    cheap = added(second.capture_item_id, seen)
    print(f"full capture {full} bytes, unchanged check {cheap} bytes ({cheap / full:.1%})")
    assert cheap <= 0.05 * full


def test_a_changed_page_gives_a_text_redline_a_visual_diff_and_a_keyword_alert(rounds: Rounds) -> None:
    vault = rounds.vault
    third = rounds.results[2]["a"]
    assert third.status == "changed"
    assert "text +" in third.summary and "keywords: chuyen khoan" in third.summary
    change = next(vault.get_item(i) for i in third.items if vault.get_item(i).kind == "monitoring_change")
    body = json.loads(b"".join(vault.read_item(change)))
    ops = body["change"]["text"]["ops"]
    inserted = " ".join(op[1] for op in ops if op[0] == "insert")
    assert "Chuyển khoản ngay" in inserted and "2" in inserted
    assert body["change"]["text"]["rule"].startswith("word-level diff")
    assert change.metadata["detected_at"] and change.parent_id == third.capture_item_id
    image = next(vault.get_item(i) for i in third.items if vault.get_item(i).kind == "monitoring_visual_diff")
    assert image.parent_id == change.id and image.media_type == "image/png"
    assert 0 < body["change"]["visual"]["percent_changed"] < 50
    kinds = {a.kind for a in alerts.all_alerts(vault) if a.watch_id == rounds.watches["a"].id}
    assert kinds == {"changed", "keyword"}


def test_removal_needs_the_gone_state_on_consecutive_checks(rounds: Rounds) -> None:
    c = [r["c"] for r in rounds.results]
    assert [o.status for o in c] == ["unchanged", "unavailable", "removed", "unavailable"]
    assert "HTTP 404" in c[1].summary and "(1 of 2)" in c[1].summary
    assert "removed: HTTP 404" in c[2].summary
    watch = store.get_watch(rounds.vault, rounds.watches["c"].id)
    assert watch.removed_at and watch.status == "active"  # still watched: a reappearance would be seen
    change = next(rounds.vault.get_item(i) for i in c[2].items
                  if rounds.vault.get_item(i).kind == "monitoring_change")
    assert "http_gone seen on 2 consecutive check(s)" in change.metadata["rule"]


def test_failures_are_failures_and_make_the_watch_failing_never_removed(rounds: Rounds) -> None:
    d = [r["d"] for r in rounds.results]
    assert [o.status for o in d] == ["unchanged", "failed", "failed", "failed"]
    watch = store.get_watch(rounds.vault, rounds.watches["d"].id)
    assert watch.health == "failing" and watch.removed_at is None and watch.failures == 3
    assert d[3].alerts == ["failing"] and d[2].alerts == []


def test_a_login_wall_is_unavailable_not_removed(rounds: Rounds) -> None:
    e = [r["e"] for r in rounds.results]
    assert [o.status for o in e] == ["unchanged", "unavailable", "unavailable", "unavailable"]
    assert all("login wall" in o.summary for o in e[1:])
    assert store.get_watch(rounds.vault, rounds.watches["e"].id).removed_at is None


def test_new_posts_on_a_feed_and_a_listing(rounds: Rounds) -> None:
    vault = rounds.vault
    feed, listing = rounds.results[2]["feed"], rounds.results[2]["list"]
    assert feed.status == "new_posts" and "feed entries +2/−0" in feed.summary
    assert listing.status == "new_posts" and "links +2/−0" in listing.summary
    assert rounds.results[1]["feed"].status == "unchanged" and rounds.results[3]["feed"].status == "unchanged"
    captured = [vault.get_item(i) for i in feed.items if vault.get_item(i).kind == "web_capture"
                and i != feed.capture_item_id]
    assert [c.source.rsplit("/", 1)[-1] for c in captured] == ["p2"]  # only the post matching "lừa đảo"
    assert not [i for i in listing.items if vault.get_item(i).kind == "web_capture" and i != listing.capture_item_id]


def test_every_check_is_in_the_custody_log_and_the_timeline_source(rounds: Rounds) -> None:
    vault = rounds.vault
    checks = [d for _seq, d in vault.custody_details("monitor.check")]
    assert len(checks) == sum(len(r) for r in rounds.results)
    assert {d["status"] for d in checks} >= {"unchanged", "changed", "removed", "failed", "unavailable", "new_posts"}
    assert all("egress" in d and d["egress"].get("local_address") == "127.0.0.1" for d in checks)
    history: dict[str, Any] = monitor.history(vault, rounds.watches["a"].id)
    assert len(history["versions"]) == 4 and len(history["changes"]) == 1
