"""One timeline of a case from every source; exports read back; plaso's own psort outputs imported."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from collectors.social.post_record import Comment, Person, PostRecord, TimeValue
from evidence_store import SourceError, timeline_store
from forensics_app.services import analysis, timeline
from forensics_app.services.timeline import TimelineQuery

from .helpers import FIXTURES, add

LOCATOR = {  # as the disk service records a FAT file (local wall-clock times, zone assumed)
    "path": "DCIM/anh.jpg", "allocation": "allocated", "file_system": "FAT16",
    "times": {"modified": {"utc": "2024-05-01T02:03:04Z", "precision": "2 s", "local": "2024-05-01T09:03:04",
                           "zone": "Asia/Ho_Chi_Minh"},
              "accessed": {"utc": "2024-04-30T17:00:00Z", "precision": "1 d", "local": "2024-05-01T00:00:00",
                           "zone": "Asia/Ho_Chi_Minh"}},
    "time_zone_assumption": {"stored_as": "local wall-clock time", "zone_assumed": "Asia/Ho_Chi_Minh"},
}


def _all_sources(vault, case):
    record = PostRecord(platform="facebook", content_type="post", url="https://www.facebook.com/p/1",
                        author=Person(name="Shop", handle="shop.x"), text="Bán hàng giá rẻ 0912345678",
                        published=TimeValue("2025-03-01T02:00:00Z", "1 giờ", "relative", 3600),
                        comments=[Comment(id="c1", author=Person(name="B"), text="lừa đảo!",
                                          time=TimeValue("2025-03-02T00:00:00Z", "2 ngày", "relative", 86400))])
    capture = add(vault, case, "https://www.facebook.com/p/1", kind="web_capture", metadata={"provenance": {
        "url": "https://www.facebook.com/p/1", "started_at": "2025-03-05T01:00:00.250000Z",
        "ended_at": "2025-03-05T01:00:09Z"}})
    post = add(vault, case, "post.json", json.dumps(record.to_json(), ensure_ascii=False).encode(),
               kind="social_post", metadata={"social": record.summary()})
    jpeg = add(vault, case, "anh.jpg", b"\xff\xd8\xff\xe0 not really", kind="extracted_file", metadata={
        "locator": LOCATOR,
        "exif": [{"datetime_original": "2024:05:01 09:00:00", "gps_time_utc": "2024-05-01T02:00:01Z"}],
        "browser_history": [{"browser": "chrome", "type": "visit", "time_utc": "2024-05-02T03:04:05.123456Z",
                             "url": "https://vietcombank.com.vn/", "title": "Vietcombank"}]})
    mail = add(vault, case, "thu.eml", b"From: a@example.com\r\nSubject: hello\r\n\r\nbody", kind="message",
               media_type="message/rfc822", metadata={"message.date": "2025-03-03T04:05:06Z",
                                                      "from": "a@example.com", "to": ["b@example.com"],
                                                      "subject": "Hóa đơn"})
    chat = add(vault, case, "chat 1", kind="chat_message", metadata={
        "chat.time": "2025-03-04T05:06:07Z", "chat.sender": "Tư", "chat.text": "chuyển khoản chưa?"})
    return capture, post, jpeg, mail, chat


def test_every_source_in_one_timeline(vault, case):
    capture, post, jpeg, mail, chat = _all_sources(vault, case)
    analysis.index_pending(vault)
    events = list(timeline.events(vault, TimelineQuery(case)))
    stored = [e for e in events if e.source != "custody"]
    rows = [(timeline.iso(e.time_us), e.source, e.timestamp_desc, e.precision, e.item_id) for e in stored]
    assert rows == [
        ("2024-04-30T17:00:00+00:00", "file_system", "Last Access Time", "1 d", jpeg.id),
        ("2024-05-01T02:00:00+00:00", "exif", "Picture taken", "1 s", jpeg.id),  # camera clock, zone assumed
        ("2024-05-01T02:00:01+00:00", "exif", "GPS time", "1 s", jpeg.id),
        ("2024-05-01T02:03:04+00:00", "file_system", "Content Modification Time", "2 s", jpeg.id),
        ("2024-05-02T03:04:05.123456+00:00", "browser_history", "Page visited", "1 s", jpeg.id),
        ("2025-03-01T02:00:00+00:00", "social_post", "Post published", "1 h", post.id),
        ("2025-03-02T00:00:00+00:00", "social_comment", "Comment posted", "1 d", post.id),
        ("2025-03-03T04:05:06+00:00", "message", "Message sent", "1 s", mail.id),
        ("2025-03-04T05:06:07+00:00", "chat", "Chat message sent", "1 s", chat.id),
        ("2025-03-05T01:00:00.250000+00:00", "web_capture", "Capture started", "1 s", capture.id),
        ("2025-03-05T01:00:09+00:00", "web_capture", "Capture ended", "1 s", capture.id),
    ]
    fat = [e for e in stored if e.source == "file_system"][0]
    assert fat.extra["zone_assumed"] == "Asia/Ho_Chi_Minh" and fat.end_us - fat.time_us == 86400 * 10**6
    exif = [e for e in stored if e.timestamp_desc == "Picture taken"][0]
    assert "Asia/Ho_Chi_Minh assumed" in exif.message
    custody = [e for e in events if e.source == "custody"]
    actions = [e.extra["action"] for e in custody]
    assert actions.count("item.acquire") == 5 and "analysis.index" in actions
    assert custody == sorted(custody, key=lambda e: e.time_us)
    # filters: range, source, entity
    may = TimelineQuery(case, timeline.parse_moment("2024-05-01"), timeline.parse_moment("2024-05-01", end=True))
    assert [e.timestamp_desc for e in timeline.events(vault, may) if e.source != "custody"] == [
        "Picture taken", "GPS time", "Content Modification Time"]
    only = TimelineQuery(case, sources=("social_post", "social_comment"))
    assert [e.source for e in timeline.events(vault, only)] == ["social_post", "social_comment"]
    by_entity = TimelineQuery(case, entity="0912 345 678")
    assert {e.item_id for e in timeline.events(vault, by_entity)} == {post.id}


def test_exports_read_back(vault, case, tmp_path):
    _all_sources(vault, case)
    analysis.index_pending(vault)
    query = TimelineQuery(case, include_custody=False)
    n = timeline.export(vault, query, "jsonl", tmp_path / "t.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert n == len(rows) == 11
    post = [r for r in rows if r["timestamp_desc"] == "Post published"][0]
    item = vault.get_item(post["item_id"])
    assert post["sha256"] == item.sha256 and post["case"] == case.number and post["precision"] == "1 h"
    assert post["datetime"] == "2025-03-01T02:00:00+00:00" and post["timestamp"] == 1740794400000000
    assert post["end_datetime"] == "2025-03-01T03:00:00+00:00"
    timeline.export(vault, query, "csv", tmp_path / "t.csv")
    with (tmp_path / "t.csv").open(newline="") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0])[:4] == ["message", "datetime", "timestamp", "timestamp_desc"] and len(table) == 11
    timeline.export(vault, query, "l2tcsv", tmp_path / "t.l2t")
    with (tmp_path / "t.l2t").open(newline="") as handle:
        l2t = list(csv.reader(handle))
    assert l2t[0] == list(timeline.L2TCSV_FIELDS)
    modified = [r for r in l2t if r[6] == "Content Modification Time"][0]
    assert modified[:4] == ["05/01/2024", "02:03:04", "UTC", "M..."]
    # what we export, our importer (and so Timesketch's CSV/JSONL reader) reads back
    assert [e.time_us for e in timeline.parse_timeline(iter([(tmp_path / "t.jsonl").read_bytes()]))] == [
        r["timestamp"] for r in rows]
    with pytest.raises(Exception, match="already exists"):
        timeline.export(vault, query, "csv", tmp_path / "t.csv")
    assert "timeline.export" in [e.record["action"] for e in vault.custody.entries()]


@pytest.mark.parametrize("name,count,first,last_message", [
    # facts read by hand from plaso's end-to-end expected outputs
    ("dynamic.log", 20, "2012-01-22T07:52:33+00:00", "OS:/tmp/test/test_data/syslog/syslog Type: file"),
    ("json_line.log", 20, "2012-01-22T07:52:33+00:00", "OS:/tmp/test/test_data/syslog/syslog Type: file"),
    ("l2tcsv.log", 19, "2012-01-22T07:52:33+00:00", "OS:/tmp/test/test_data/syslog/syslog Type: file"),
])
def test_import_plaso_psort_outputs(vault, case, name, count, first, last_message):
    item = timeline.import_timeline(vault, case.number, FIXTURES / "plaso" / name)
    assert item.kind == "timeline" and item.metadata["timeline"]["events"] == count
    imported = list(timeline.events(vault, TimelineQuery(case, sources=("import",))))
    assert len(imported) == count and timeline.iso(imported[0].time_us) == first
    assert imported[-1].message.startswith(last_message)
    assert all(e.item_id == item.id for e in imported)
    if name == "dynamic.log":  # nanoseconds kept to the microsecond, with their precision
        last = imported[-1]
        assert timeline.iso(last.time_us) == "2026-07-02T17:48:00.586325+00:00" and last.precision == "1 µs"
        assert imported[0].extra["parser"] == "text/syslog_traditional"


def test_bad_timeline_files(vault, case, tmp_path):
    (tmp_path / "x.csv").write_text("a,b,c\n1,2,3\n")
    with pytest.raises(SourceError, match="not a timeline"):
        timeline.import_timeline(vault, case.number, tmp_path / "x.csv")
    (tmp_path / "y.csv").write_text("datetime,timestamp_desc,message\nnot a time,x,y\n")
    with pytest.raises(SourceError, match="line 2"):
        timeline.import_timeline(vault, case.number, tmp_path / "y.csv")
    assert vault.list_items(case.id) == []  # nothing stored


def test_density_and_paging(vault, case):
    conn_events = [timeline_store.Event(case.id, None, t * 3600 * 10**6, t * 3600 * 10**6 + 1, "1 µs", "import",
                                        "timeline", "x", f"e{t}") for t in range(100)]
    with vault._write():
        timeline_store.insert_events(vault.conn, conn_events)
    flt = timeline_store.Filter(case_ids=[case.id])
    assert timeline_store.count(vault, flt) == 100
    assert sum(n for _b, n in timeline_store.density(vault, flt, 86400 * 10**6)) == 100
    assert [n for _b, n in timeline_store.density(vault, flt, 86400 * 10**6)] == [24, 24, 24, 24, 4]
    page = timeline_store.page(vault, flt, 50, 5)
    assert [e.message for e in page] == ["e50", "e51", "e52", "e53", "e54"]
    after = timeline_store.page_after(vault, flt, (page[-1].time_us, page[-1].id), 2)
    assert [e.message for e in after] == ["e55", "e56"]
    assert timeline_store.position_of(vault, flt, 10 * 3600 * 10**6) == 10


def test_cli_timeline(cli_vault, tmp_path):
    cli = cli_vault
    assert cli("case", "new", "--number", "C1", "--title", "t").code == 0
    imported = cli("timeline", "import", str(FIXTURES / "plaso" / "l2tcsv.log"), "--case", "C1", "--json")
    assert imported.code == 0, imported.err
    out = tmp_path / "c1.jsonl"
    result = cli("timeline", "--case", "C1", "--from", "2016-01-01", "--to", "2016-12-31", "--source", "import",
                 "--format", "jsonl", "--out", str(out), "--json")
    assert result.code == 0, result.err
    assert result.json()["events"] == 0  # the l2tcsv sample has no event in 2016
    result = cli("timeline", "--case", "C1", "--to", "2013-01-01", "--format", "csv", "--out", str(tmp_path / "a.csv"))
    assert result.code == 0 and len((tmp_path / "a.csv").read_text().splitlines()) == 1 + 8
    bad = cli("timeline", "--case", "C1", "--from", "yesterday", "--out", str(tmp_path / "b.csv"))
    assert "not a date" in bad.one_line_error()
    missing = cli("timeline", "import", str(Path(tmp_path / "none.csv")), "--case", "C1")
    missing.one_line_error()


def test_csv_export_quotes_text_fields(vault, case, tmp_path):
    nasty = 'Tư nói: "chuyển, 5 triệu"\nrồi, im lặng'
    with vault._write():
        timeline_store.insert_events(vault.conn, [timeline_store.Event(
            case.id, None, 1_700_000_000 * 10**6, 1_700_000_001 * 10**6, "1 s", "chat", "chat_message",
            'Chat "sent"', nasty)])
    timeline.export(vault, TimelineQuery(case, include_custody=False), "csv", tmp_path / "x.csv")
    with (tmp_path / "x.csv").open(newline="", encoding="utf-8") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["message"] == nasty and row["timestamp_desc"] == 'Chat "sent"' and row["case"] == case.number
    assert row["datetime"] == "2023-11-14T22:13:20+00:00" and row["timestamp"] == "1700000000000000"


def test_monitoring_changes_join_the_timeline(vault, case):
    """Kind reserved for the monitoring desk: its detection time and summary become an event."""
    item = add(vault, case, "thay đổi", kind="monitoring_change",
               metadata={"detected_at": "2025-04-01T08:00:00Z", "summary": "bài đăng bị xoá khỏi trang"})
    analysis.index_pending(vault)
    [event] = [e for e in timeline.events(vault, TimelineQuery(case, include_custody=False))]
    assert (event.item_id, event.source, timeline.iso(event.time_us)) == (item.id, "monitoring",
                                                                          "2025-04-01T08:00:00+00:00")
    assert "bài đăng bị xoá" in event.message
