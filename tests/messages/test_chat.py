"""Chat exports into the vault: conversations as rows with anchors, media as hashed children, gaps said."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from evidence_store import Case, UsageError, Vault
from forensics_app.services.messages import conversation_rows, import_chat

from . import chat_exports


def _kinds(vault: Vault, parent: int) -> dict[str, list]:
    out: dict[str, list] = {}
    for item in vault.list_items(parent_id=parent):
        out.setdefault(item.kind, []).append(item)
    return out


def test_telegram_single_chat(vault: Vault, case: Case, tmp_path: Path) -> None:
    export = chat_exports.telegram_single_chat(tmp_path / "ChatExport_2022-07-08")
    result = import_chat(vault, case.number, [export], timezone="Asia/Ho_Chi_Minh")
    (root,) = result.roots
    assert root.kind == "chat_export" and root.metadata["chat_export"]["format"] == "telegram_desktop_json"
    children = _kinds(vault, root.id)
    (conversation,) = children["conversation"]
    files = {f.metadata["export_path"]: f for f in children["file"]}
    assert set(files) == {"result.json", "css/style.css"}  # the export's own files, as they are
    assert b"".join(vault.read_item(files["result.json"])) == (export / "result.json").read_bytes()
    chat = conversation.metadata["chat"]
    assert (chat["name"], chat["thread_id"], chat["thread_type"]) == ("Nguyễn Văn Lừa", "5123456789", "personal_chat")
    assert chat["messages"] == 5 and chat["first"] == "2022-07-07T02:00:00Z" and chat["last"] == "2022-07-07T02:41:00Z"
    assert {p["id"] for p in chat["participants"]} == {"user5123456789", "user719119535"}
    assert (chat["attachments_missing"], chat["attachments_not_exported"]) == (1, 2)
    assert conversation.media_type == "application/x-ndjson"
    _, rows = conversation_rows(vault, conversation.id)
    assert [r["anchor"] for r in rows] == ["m1", "m2", "m3", "m4", "m5"]
    service, first, reply, missing, excluded = rows
    assert service["type"] == "service" and service["text"] == "[phone_call]"
    assert first["text"] == "Chuyển khoản 5.000.000đ vào STK này\x1f nhé"  # Telegram's \x1F escape read
    assert first["time"] == "2022-07-07T02:14:48Z" and first["time_text"] == "2022-07-07T09:14:48"
    assert first["sender"] == {"name": "Nguyễn Văn Lừa", "id": "user5123456789"}
    assert reply["reply_to"] == "102" and reply["edited"] == "2022-07-07T02:35:51Z"
    assert reply["text"] == "đã chuyển, @lua_dao kiểm tra đi"
    assert reply["reactions"] == [{"reaction": "👍", "count": 1, "by": [
        {"name": "Nguyễn Văn Lừa", "id": "user5123456789", "time": "2022-07-07T09:36:00"}]}]
    (photo,) = children.get("attachment", []) or _kinds(vault, conversation.id)["attachment"]
    assert photo.parent_id == conversation.id and photo.metadata["chat_attachment"]["anchor"] == "m3"
    assert photo.sha256 == hashlib.sha256(chat_exports.PNG).hexdigest()
    assert reply["attachments"][0]["status"] == "present"
    assert missing["attachments"][0] == {"kind": "file", "mime_type": "application/pdf", "size": None,
                                         "path": "files/hop_dong.pdf", "status": "missing",
                                         "note": "the export names 'files/hop_dong.pdf' but the file is not in the "
                                                 "export folder"}
    assert {a["status"] for a in excluded["attachments"]} == {"not exported"}
    codes = [w.code for w in conversation.warnings]
    assert "attachment_missing" in codes and "attachments_not_exported" in codes
    assert result.problems and any("m4" in place for place, _ in result.skipped)


def test_telegram_account_export_without_unix_times(vault: Vault, case: Case, tmp_path: Path) -> None:
    export = chat_exports.telegram_account_export(tmp_path / "DataExport")
    result = import_chat(vault, case.number, [export / "result.json"], timezone="Asia/Ho_Chi_Minh")
    conversations = [i for i in vault.list_items(case.id) if i.kind == "conversation"]
    assert [c.metadata["chat"]["thread_type"] for c in conversations] == ["private_supergroup", "saved_messages"]
    _, rows = conversation_rows(vault, conversations[0].id)
    assert rows[0]["time"] == "2020-03-01T01:00:00Z"  # 08:00 local read in UTC+07:00 …
    assert "assumption" in rows[0]["time_rule"]  # … and said to be an assumption
    assert not result.problems
    (kept,) = vault.list_items(case.id, kind="file")
    assert kept.name == "result.json" and b"".join(vault.read_item(kept)) == (export / "result.json").read_bytes()


def test_facebook_json(vault: Vault, case: Case, tmp_path: Path) -> None:
    export = chat_exports.facebook_json_thread(tmp_path / "facebook-tranthib")
    result = import_chat(vault, case.number, [export])
    (conversation,) = [i for i in vault.list_items(case.id) if i.kind == "conversation"]
    chat = conversation.metadata["chat"]
    assert chat["name"] == "Nguyễn Văn Lừa" and chat["listed_participants"] == ["Nguyễn Văn Lừa", "Trần Thị B"]
    _, rows = conversation_rows(vault, conversation.id)
    # oldest first: message_2.json (older) before message_1.json, each file newest-first reversed
    assert [r["time"] for r in rows] == ["2023-11-14T22:13:20.000Z", "2023-11-14T22:15:00.000Z",
                                         "2023-11-14T22:16:40.000Z", "2023-11-14T22:18:20.000Z"]
    assert rows[1]["text"] == "Chào em, anh bên ngân hàng"  # Facebook's per-byte escapes read back as UTF-8
    assert rows[2]["reactions"][0]["reaction"] == "👍" and rows[2]["reactions"][0]["by"][0]["name"] == "Trần Thị B"
    assert rows[0]["attachments"][0]["status"] == "missing" and result.problems
    (photo,) = [i for i in vault.list_items(parent_id=conversation.id) if i.kind == "attachment"]
    assert photo.metadata["chat_attachment"]["anchor"] == "m4"


def test_facebook_html_reads_times_in_the_given_zone(vault: Vault, case: Case, tmp_path: Path) -> None:
    export = chat_exports.facebook_html_thread(tmp_path / "facebook-html")
    import_chat(vault, case.number, [export], timezone="Asia/Ho_Chi_Minh")
    (conversation,) = [i for i in vault.list_items(case.id) if i.kind == "conversation"]
    _, rows = conversation_rows(vault, conversation.id)
    assert [(r["sender"]["name"], r["text"], r["time"]) for r in rows] == [
        ("Nguyễn Văn Lừa", "OK & cảm ơn", "2023-11-14T15:13:20Z"),
        ("Trần Thị B", "Dạ em chuyển rồi ạ", "2023-11-14T15:15:02Z")]
    assert "Asia/Ho_Chi_Minh" in rows[0]["time_rule"] and rows[0]["time_text"] == "Nov 14, 2023 10:13:20 pm"


def test_not_a_chat_export(vault: Vault, case: Case, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UsageError, match="not a chat export"):
        import_chat(vault, case.number, [tmp_path / "notes.txt"])


def test_broken_result_json_keeps_what_was_read(vault: Vault, case: Case, tmp_path: Path) -> None:
    export = chat_exports.telegram_single_chat(tmp_path / "cut")
    data = (export / "result.json").read_bytes()
    (export / "result.json").write_bytes(data[:data.find(b'"id": 104')])  # cut inside the fourth message
    result = import_chat(vault, case.number, [export])
    (conversation,) = [i for i in vault.list_items(case.id) if i.kind == "conversation"]
    assert conversation.metadata["chat"]["messages"] == 3
    assert result.problems and any("cut off" in reason or "JSON" in reason for _p, reason in
                                   result.skipped + result.incomplete)


def test_a_conversation_reaches_search_and_the_timeline_message_by_message(vault: Vault, case: Case,
                                                                          tmp_path: Path) -> None:
    from forensics_app.services.search import search
    from forensics_app.services.timeline import TimelineQuery, events

    export = chat_exports.telegram_single_chat(tmp_path / "ChatExport_2022-07-08")
    result = import_chat(vault, case.number, [export], timezone="Asia/Ho_Chi_Minh")
    conversation = next(i for i in vault.list_items(case.id) if i.kind == "conversation")
    _, rows = conversation_rows(vault, conversation.id)
    said = next(r for r in rows if "Chuyển khoản" in (r.get("text") or ""))
    hits = search(vault, "chuyen khoan", case=case.number)  # without marks, as a user types it
    assert any(h.hit.item_id == conversation.id and h.hit.place == f"message {said['anchor']}" for h in hits), hits
    chat_events = [e for e in events(vault, TimelineQuery(case, include_custody=False)) if e.source == "chat"]
    timed = [r for r in rows if r.get("time")]
    assert len(chat_events) == len(timed) and result.roots
    assert any(e.extra.get("anchor") == said["anchor"] for e in chat_events)
