"""Chat exports laid out as their producers write them (written here: no public export with media could be
kept in the repository; the real-sample tests use fixtures/messages).

Telegram: the field order, date forms and placeholders of Telegram Desktop's JSON writer
(``export_output_json.cpp``): ``date`` is the exporting computer's local time, ``date_unixtime`` the UTC
instant, control characters escaped as ``\\xHH``. Facebook: the DYI ``messages/inbox/<thread>/message_N.json``
layout with UTF-8 bytes written as ``\\u00XX`` escapes, newest message first, and the HTML form.
"""

from __future__ import annotations

import json
from pathlib import Path

# 1x1 PNG (the smallest valid image) and a short PDF head: media files of the export
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6300010000050001"
                    "0d0a2db40000000049454e44ae426082")


def telegram_single_chat(folder: Path) -> Path:
    """A personal chat exported by Telegram Desktop at UTC+07:00, with a photo, a missing file and a
    placeholder for a video the export settings left out."""
    folder.mkdir(parents=True)
    (folder / "photos").mkdir()
    (folder / "photos" / "photo_1@07-07-2022_09-35-27.jpg").write_bytes(PNG)
    (folder / "css").mkdir()
    (folder / "css" / "style.css").write_text("body{}")
    text = '''{
 "name": "Nguyễn Văn Lừa",
 "type": "personal_chat",
 "id": 5123456789,
 "messages": [
  {
   "id": 101,
   "type": "service",
   "date": "2022-07-07T09:00:00",
   "date_unixtime": "1657159200",
   "actor": "Nguyễn Văn Lừa",
   "actor_id": "user5123456789",
   "action": "phone_call",
   "duration_seconds": 65,
   "text": "",
   "text_entities": []
  },
  {
   "id": 102,
   "type": "message",
   "date": "2022-07-07T09:14:48",
   "date_unixtime": "1657160088",
   "from": "Nguyễn Văn Lừa",
   "from_id": "user5123456789",
   "text": "Chuyển khoản 5.000.000đ vào STK này\\x1F nhé",
   "text_entities": [
    {
     "type": "plain",
     "text": "Chuyển khoản 5.000.000đ vào STK này\\x1F nhé"
    }
   ]
  },
  {
   "id": 103,
   "type": "message",
   "date": "2022-07-07T09:35:27",
   "date_unixtime": "1657161327",
   "edited": "2022-07-07T09:35:51",
   "edited_unixtime": "1657161351",
   "from": "Trần Thị Bị Hại",
   "from_id": "user719119535",
   "reply_to_message_id": 102,
   "photo": "photos/photo_1@07-07-2022_09-35-27.jpg",
   "width": 1,
   "height": 1,
   "text": [
    "đã chuyển, ",
    {
     "type": "mention",
     "text": "@lua_dao"
    },
    " kiểm tra đi"
   ],
   "text_entities": [
    {"type": "plain", "text": "đã chuyển, "},
    {"type": "mention", "text": "@lua_dao"},
    {"type": "plain", "text": " kiểm tra đi"}
   ],
   "reactions": [
    {
     "type": "emoji",
     "count": 1,
     "emoji": "👍",
     "recent": [
      {"from": "Nguyễn Văn Lừa", "from_id": "user5123456789", "date": "2022-07-07T09:36:00"}
     ]
    }
   ]
  },
  {
   "id": 104,
   "type": "message",
   "date": "2022-07-07T09:40:00",
   "date_unixtime": "1657161600",
   "from": "Nguyễn Văn Lừa",
   "from_id": "user5123456789",
   "file": "files/hop_dong.pdf",
   "file_name": "hop_dong.pdf",
   "mime_type": "application/pdf",
   "text": "",
   "text_entities": []
  },
  {
   "id": 105,
   "type": "message",
   "date": "2022-07-07T09:41:00",
   "date_unixtime": "1657161660",
   "from": "Nguyễn Văn Lừa",
   "from_id": "user5123456789",
   "file": "(File not included. Change data exporting settings to download.)",
   "thumbnail": "(File not included. Change data exporting settings to download.)",
   "media_type": "video_file",
   "mime_type": "video/mp4",
   "text": "",
   "text_entities": []
  }
 ]
}
'''
    (folder / "result.json").write_text(text, encoding="utf-8")
    return folder


def telegram_account_export(folder: Path) -> Path:
    """A whole-account export: personal information and two chats under chats.list, no date_unixtime
    (exports before 2021 wrote only the local 'date')."""
    folder.mkdir(parents=True)
    data = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 719119535, "first_name": "Thị", "last_name": "Bị Hại",
                                 "phone_number": "+84 90 000 0000"},
        "chats": {"about": "This page lists all chats from this export.", "list": [
            {"name": "Nhóm đầu tư", "type": "private_supergroup", "id": 1730156619, "messages": [
                {"id": 1, "type": "message", "date": "2020-03-01T08:00:00", "from": "Admin", "from_id": "user1",
                 "text": "Lãi 30%/tháng"}]},
            {"type": "saved_messages", "id": 719119535, "messages": [
                {"id": 7, "type": "message", "date": "2020-03-02T23:30:00", "from": "Thị Bị Hại",
                 "from_id": "user719119535", "text": "ghi chú"}]},
        ]},
    }
    (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def _facebook_escape(text: str) -> str:
    """Facebook's DYI JSON: every UTF-8 byte of a string written as its own \\u00XX escape."""
    return text.encode("utf-8").decode("latin-1")


def facebook_json_thread(root: Path) -> Path:
    thread = root / "your_facebook_activity" / "messages" / "inbox" / "nguyenvanlua_1234567890"
    (thread / "photos").mkdir(parents=True)
    (thread / "photos" / "123456789_1.jpg").write_bytes(PNG)
    uri = "your_facebook_activity/messages/inbox/nguyenvanlua_1234567890/photos/123456789_1.jpg"
    head = {"participants": [{"name": _facebook_escape("Nguyễn Văn Lừa")}, {"name": _facebook_escape("Trần Thị B")}],
            "title": _facebook_escape("Nguyễn Văn Lừa"), "is_still_participant": True, "thread_path":
            "inbox/nguyenvanlua_1234567890", "magic_words": []}
    newest = {**head, "messages": [
        {"sender_name": _facebook_escape("Trần Thị B"), "timestamp_ms": 1700000300000,
         "photos": [{"uri": uri, "creation_timestamp": 1700000300}], "is_geoblocked_for_viewer": False},
        {"sender_name": _facebook_escape("Nguyễn Văn Lừa"), "timestamp_ms": 1700000200000,
         "content": _facebook_escape("Gửi ảnh chuyển khoản đi em"),
         "reactions": [{"reaction": _facebook_escape("👍"), "actor": _facebook_escape("Trần Thị B")}],
         "is_geoblocked_for_viewer": False},
    ]}
    oldest = {**head, "messages": [
        {"sender_name": _facebook_escape("Nguyễn Văn Lừa"), "timestamp_ms": 1700000100000,
         "content": _facebook_escape("Chào em, anh bên ngân hàng"), "is_geoblocked_for_viewer": False},
        {"sender_name": _facebook_escape("Nguyễn Văn Lừa"), "timestamp_ms": 1700000000000,
         "audio_files": [{"uri": "your_facebook_activity/messages/inbox/nguyenvanlua_1234567890/audio/missing.mp4"}],
         "is_geoblocked_for_viewer": False},
    ]}
    (thread / "message_1.json").write_text(json.dumps(newest), encoding="utf-8")
    (thread / "message_2.json").write_text(json.dumps(oldest), encoding="utf-8")
    return root


def facebook_html_thread(root: Path) -> Path:
    thread = root / "messages" / "inbox" / "tranthib_987"
    thread.mkdir(parents=True)
    block = ('<div class="pam _3-95 _2ph- _a6-g uiBoxWhite noborder"><div class="_3-95 _2pim _a6-h _a6-i">{who}'
             '</div><div class="_3-95 _a6-p"><div><div></div><div>{text}</div><div></div><div></div></div></div>'
             '<div class="_3-94 _a6-o">{when}</div></div>')
    rows = [("Trần Thị B", "Dạ em chuyển rồi ạ", "Nov 14, 2023 10:15:02 pm"),
            ("Nguyễn Văn Lừa", "OK &amp; cảm ơn", "Nov 14, 2023 10:13:20 pm")]
    body = "".join(block.format(who=w, text=t, when=n) for w, t, n in rows)
    page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Trần Thị B</title></head><body>'
            f'<div class="_a705"><div class="_a706" role="main">{body}</div></div></body></html>')
    (thread / "message_1.html").write_text(page, encoding="utf-8")
    return root
