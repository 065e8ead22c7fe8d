"""Exhibits of social-media captures: the post's facts and its comment table, in Vietnamese or English.

A ``social_post`` item holds the structured record as JSON (see
``collectors/social/post_record.py``; read here as plain JSON, templates do not
import collectors). The exhibit prints who posted what and when (UTC, local
time, what the page showed and how it was read), the counts as shown, the
media and their hashes, the expansion that was done, the account used, and
every comment with its commenter's identity. ``screenshot_element`` (the post
itself, shot next to the full page) is shown as an image.
"""

from __future__ import annotations

import json
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from evidence_store import Item

from .exhibit_kinds import image_exhibit
from .exhibits import ExhibitRenderer, register_exhibit
from .i18n import local_text, utc_text
from .layout import CONTENT_WIDTH, Styles, grid_table, kv_table
from .model import ReportContext
from .social_annotations import annotated_fields, annotation_section, annotations_for
from .social_annotations import st as annotation_text
from .text import markup, mono

RECORD_LIMIT = 64 * 1024 * 1024  # a record with thousands of comments is a few MB
MAX_COMMENT_ROWS = 5000

STRINGS: dict[str, tuple[str, str]] = {
    "post": ("Post", "Bài đăng"),
    "platform": ("Platform", "Nền tảng"),
    "address": ("Address", "Địa chỉ"),
    "post_id": ("Post id", "Mã bài đăng"),
    "status": ("Status", "Tình trạng"),
    "status.available": ("available (shown to this session)", "còn hiển thị (với phiên thu thập này)"),
    "status.unavailable": ("NOT AVAILABLE (removed, restricted or never existed)",
                           "KHÔNG CÒN HIỂN THỊ (đã gỡ, bị hạn chế hoặc không tồn tại)"),
    "status.login_required": ("HIDDEN BEHIND A LOGIN WALL", "BỊ CHE BỞI YÊU CẦU ĐĂNG NHẬP"),
    "status.checkpoint": ("ACCOUNT STOPPED AT A CHECKPOINT", "TÀI KHOẢN BỊ CHẶN Ở BƯỚC XÁC MINH"),
    "status.unknown": ("unknown", "chưa xác định"),
    "author": ("Author (account)", "Tác giả (tài khoản)"),
    "published": ("Published", "Thời điểm đăng"),
    "shown_as": ("shown as", "trang hiển thị"),
    "read_as": ("read as", "cách đọc"),
    "source": ("source", "nguồn"),
    "up_to": ("the true time may be up to {n} later", "thời điểm thực có thể muộn hơn tối đa {n}"),
    "title": ("Title", "Tiêu đề"),
    "text": ("Text", "Nội dung"),
    "hashtags": ("Hashtags", "Thẻ (hashtag)"),
    "mentions": ("Mentions", "Nhắc đến"),
    "links": ("Links", "Liên kết"),
    "counts": ("Counts as shown", "Số liệu như trang hiển thị"),
    "approximate": ("rounded by the platform", "đã được nền tảng làm tròn"),
    "count.reactions": ("reactions", "cảm xúc"), "count.likes": ("likes", "lượt thích"),
    "count.comments": ("comments", "bình luận"), "count.shares": ("shares", "lượt chia sẻ"),
    "count.views": ("views", "lượt xem"), "count.reposts": ("reposts", "lượt đăng lại"),
    "count.bookmarks": ("bookmarks", "dấu trang"), "count.saves": ("saves", "lượt lưu"),
    "count.followers": ("followers", "người theo dõi"), "count.dislikes": ("dislikes", "lượt không thích"),
    "media": ("Media", "Ảnh, video"),
    "media.downloaded": ("downloaded", "đã tải"), "media.failed": ("NOT downloaded", "KHÔNG tải được"),
    "media.not_attempted": ("not downloaded", "không tải"),
    "comments": ("Comments", "Bình luận"),
    "comments_summary": ("{n} recorded; the platform showed {shown}", "ghi nhận {n}; nền tảng hiển thị {shown}"),
    "comments_private": ("{n} recorded; this platform shows no comments on its public page",
                         "ghi nhận {n}; nền tảng không hiển thị bình luận trên trang công khai"),
    "expansion": ("Expansion", "Mở rộng nội dung"),
    "expansion_text": ("limit: {limit}; {rounds} round(s); clicks: {clicks}; stopped: {stopped}",
                       "giới hạn: {limit}; {rounds} lượt; số lần bấm: {clicks}; dừng vì: {stopped}"),
    "ordering": ("comment ordering chosen", "thứ tự bình luận đã chọn"),
    "dialogs": ("pop-ups closed", "cửa sổ bật lên đã đóng"),
    "account": ("Account used to view", "Tài khoản dùng để xem"),
    "no_account": ("none (not logged in)", "không (không đăng nhập)"),
    "captured": ("Page read at", "Thời điểm đọc trang"),
    "sources": ("Read from", "Đọc từ"),
    "element": ("Post screenshot", "Ảnh chụp riêng bài đăng"),
    "notes": ("Notes", "Ghi chú"),
    "table_title": ("Comment table ({n} comments)", "Bảng bình luận ({n} bình luận)"),
    "col.no": ("No.", "STT"), "col.commenter": ("Commenter (account)", "Người bình luận (tài khoản)"),
    "col.time": ("Time (UTC / local; shown)", "Thời điểm (UTC / giờ địa phương; trang hiển thị)"),
    "col.text": ("Comment", "Nội dung bình luận"), "col.reply": ("Reply to", "Trả lời"),
    "reply_to_post": ("the post", "bài đăng"),
    "more_comments": ("… {n} more comments are in the record (JSON item)", "… còn {n} bình luận trong bản ghi (mục JSON)"),
    "unreadable": ("The record could not be read: {reason}", "Không đọc được bản ghi: {reason}"),
}


def st(key: str, lang: str, **values: object) -> str:
    en, vi = STRINGS[key]
    text = vi if lang == "vi" else en
    return text.format(**values) if values else text


@register_exhibit("social_post")
class SocialPostExhibit(ExhibitRenderer):
    method_key = "method.social"
    limitation_keys = ("limit.authorship", "limit.web_account", "limit.web_dynamic")
    skip_metadata = ("social",)

    def source(self, item: Item, lang: str) -> str:
        summary = item.metadata.get("social") or {}
        return markup(f"{summary.get('platform', '')}: {summary.get('url') or item.source}", limit=300)

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        lang = ctx.lang
        record, problem = _record(item, ctx)
        if record is None:
            return [Paragraph(st("unreadable", lang, reason=markup(problem, limit=300)), styles.small)]
        entries = annotations_for(item, ctx)
        rows = _mark_annotated(_facts(record, ctx), annotated_fields(entries), lang)
        out: list[Flowable] = [Paragraph(st("post", lang), styles.h3), kv_table(rows, styles)]
        out += annotation_section(record, entries, ctx, styles)
        out += comment_table(record, ctx, styles)
        return out


FIELD_ROWS = {"author": "author", "published": "published", "title": "title", "text": "text", "post_id": "post_id",
              "counts": "counts"}


def _mark_annotated(rows: list[tuple[str, str]], fields: set[str], lang: str) -> list[tuple[str, str]]:
    """The rows of fields the examiner entered say so (the tool's value stays as read, or '—' when it read none)."""
    keys = {FIELD_ROWS.get(f.split(".")[0], "") for f in fields} - {""}
    note = f"<br/><i>{annotation_text('see_below', lang)}</i>"
    out = [(label, value + note if any(label == st(k, lang) for k in keys) else value) for label, value in rows]
    present = {label for label, _ in out}
    for key in sorted(keys):
        if st(key, lang) not in present:
            out.append((st(key, lang), "—" + note))
    return out


@register_exhibit("screenshot_element")
class PostScreenshotExhibit(ExhibitRenderer):
    method_key = "method.social"

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        return image_exhibit(item, ctx, styles)


def _record(item: Item, ctx: ReportContext) -> tuple[dict[str, Any] | None, str]:
    if ctx.content is None or not item.has_content:
        return None, "no content"
    data = ctx.content.read(item, RECORD_LIMIT)
    if data is None:
        return None, "larger than the report reads"
    try:
        record = json.loads(data)
    except ValueError as exc:
        return None, str(exc)
    return (record, "") if isinstance(record, dict) else (None, "not a record")


def _when(value: dict[str, Any] | None, ctx: ReportContext) -> str:
    lang = ctx.lang
    if not value:
        return "—"
    parts = []
    if value.get("utc"):
        parts.append(f"{utc_text(value['utc'])} — {local_text(value['utc'], ctx.tz)}")
    parts.append(f"{st('shown_as', lang)}: “{markup(value.get('shown', ''), limit=200)}”")
    rule = value.get("rule_vi") if lang == "vi" and value.get("rule_vi") else value.get("rule")
    if rule:
        parts.append(f"{st('read_as', lang)}: {markup(rule, limit=400)}")
    precision = value.get("precision_seconds")
    if precision:
        parts.append(st("up_to", lang, n=_duration(int(precision), lang)))
    if value.get("source"):
        parts.append(f"{st('source', lang)}: {markup(source_text(value['source'], lang), limit=200)}")
    return "<br/>".join(parts)


def _duration(seconds: int, lang: str) -> str:
    for size, en, vi in ((86400, "day", "ngày"), (3600, "hour", "giờ"), (60, "minute", "phút")):
        if seconds >= size - 1 and seconds >= 60:
            n = round(seconds / size)
            return f"{n} {vi}" if lang == "vi" else f"{n} {en}{'s' if n != 1 else ''}"
    return f"{seconds} {'giây' if lang == 'vi' else 'seconds'}"


def _person(person: dict[str, Any]) -> str:
    bits = [f"<b>{markup(person.get('name') or person.get('handle') or '?', limit=200)}</b>"]
    if person.get("handle") and person.get("handle") != person.get("name"):
        bits.append(markup(person["handle"], limit=100))
    if person.get("id"):
        bits.append(f"id {mono(person['id'], limit=60)}")
    if person.get("profile_url"):
        bits.append(markup(person["profile_url"], limit=300))
    return "<br/>".join(bits)


def _facts(record: dict[str, Any], ctx: ReportContext) -> list[tuple[str, str]]:
    lang = ctx.lang
    availability = record.get("availability") or {}
    status_key = f"status.{availability.get('status', 'unknown')}"
    status = st(status_key if status_key in STRINGS else "status.unknown", lang)
    if availability.get("reason"):
        status += f"<br/>“{markup(availability['reason'], limit=300)}”"
    rule = availability.get("rule_vi") if lang == "vi" and availability.get("rule_vi") else availability.get("rule")
    if rule:
        status += f"<br/>{markup(rule, limit=300)}"
    rows = [(st("platform", lang), markup(f"{record.get('platform', '')} ({record.get('content_type', '')})")),
            (st("address", lang), markup(record.get("url", ""), limit=400)),
            (st("post_id", lang), mono(record.get("post_id") or "—", limit=120)),
            (st("status", lang), status),
            (st("author", lang), _person(record.get("author") or {})),
            (st("published", lang), _when(record.get("published"), ctx))]
    if record.get("title"):
        rows.append((st("title", lang), markup(record["title"], limit=500)))
    if record.get("text"):
        rows.append((st("text", lang), markup(record["text"], multiline=True, limit=6000)))
    for key in ("hashtags", "mentions", "links"):
        if record.get(key):
            rows.append((st(key, lang), markup(", ".join(record[key]), limit=2000)))
    counts = record.get("counts") or {}
    if counts:
        rows.append((st("counts", lang), "<br/>".join(_count(name, value, lang) for name, value in counts.items())))
    if record.get("media"):
        rows.append((st("media", lang), "<br/>".join(_medium(m, lang) for m in record["media"])))
    count = record.get("comments_count", len(record.get("comments") or []))
    expected = record.get("comments_expected")
    if record.get("comments_public", True):
        summary = st("comments_summary", lang, n=count, shown=expected if expected is not None else "—")
    else:
        summary = st("comments_private", lang, n=count)
    rows.append((st("comments", lang), summary))
    expansion = record.get("expansion") or {}
    if expansion:
        clicks = ", ".join(f"{_label('click', k, lang)} {v}" for k, v in (expansion.get("clicks") or {}).items()) or "0"
        limit = expansion.get("limit", "—")
        text = st("expansion_text", lang, limit=_label("limit", str(limit), lang), rounds=expansion.get("rounds", 0),
                  clicks=markup(clicks), stopped=markup(_stopped(str(expansion.get("stopped") or "—"), lang)))
        if expansion.get("ordering"):
            text += f"<br/>{st('ordering', lang)}: {markup(expansion['ordering'], limit=100)}"
        if expansion.get("dialogs_closed"):
            text += f"<br/>{st('dialogs', lang)}: {len(expansion['dialogs_closed'])}"
        rows.append((st("expansion", lang), text))
    account = record.get("account")
    rows.append((st("account", lang), markup(_account(account), limit=400) if account else st("no_account", lang)))
    if record.get("captured_at"):
        rows.append((st("captured", lang), f"{utc_text(record['captured_at'])} — {local_text(record['captured_at'], ctx.tz)}"))
    shot = record.get("element_screenshot")
    if shot:
        rows.append((st("element", lang), f"{markup(shot.get('name', ''))}<br/>SHA-256 {mono(shot.get('sha256', ''))}"))
    if record.get("sources"):
        rows.append((st("sources", lang), markup(", ".join(record["sources"]), limit=500)))
    if record.get("notes"):
        rows.append((st("notes", lang), "<br/>".join(markup(n.get("message_vi" if lang == "vi" else "message", ""),
                                                           limit=500) for n in record["notes"])))
    return rows


LABELS = {
    "click.see_more": ("'See more'", "'Xem thêm'"), "click.more_comments": ("more comments", "thêm bình luận"),
    "click.more_replies": ("replies", "phản hồi"), "click.ordering_menu": ("ordering menu", "menu sắp xếp"),
    "click.pane_scrolls": ("comment list scrolled", "cuộn danh sách bình luận"), "limit.all": ("all", "tất cả"),
}
SOURCE_WORDS = (("embedded data", "dữ liệu nhúng"), ("shown text", "chữ hiển thị trên trang"),
                ("the post's time link", "liên kết thời gian của bài đăng"),
                ("the comment's time link", "liên kết thời gian của bình luận"), ("label of", "nhãn của"),
                ("the counts bar", "thanh số liệu"), ("article date", "ngày của bài viết"))


def _label(group: str, key: str, lang: str) -> str:
    en, vi = LABELS.get(f"{group}.{key}", (key, key))
    return vi if lang == "vi" else en


def _stopped(reason: str, lang: str) -> str:
    if lang != "vi":
        return reason
    if reason == "nothing left to expand":
        return "không còn gì để mở rộng"
    if reason == "time limit":
        return "hết thời gian cho phép"
    if reason.startswith("limit of "):
        return f"đạt giới hạn {reason.split()[2]} bình luận"
    return reason


def source_text(source: str, lang: str) -> str:
    if lang == "vi":
        for en, vi in SOURCE_WORDS:
            source = source.replace(en, vi)
    return source


def _count(name: str, value: dict[str, Any], lang: str) -> str:
    key = f"count.{name}"
    label = st(key, lang) if key in STRINGS else markup(name)
    number = value.get("value")
    text = f"{label}: <b>{number if number is not None else '—'}</b> (“{markup(value.get('shown', ''), limit=80)}”"
    if value.get("approximate"):
        text += f", {st('approximate', lang)}"
    return text + ")"


def _medium(medium: dict[str, Any], lang: str) -> str:
    key = f"media.{medium.get('status')}"
    status = st(key, lang) if key in STRINGS else markup(medium.get("status", ""))
    line = f"{markup(medium.get('type', ''))} ({markup(medium.get('role', ''))}) — {status}: " \
           f"{markup(medium.get('url') or medium.get('page_url') or '—', limit=300)}"
    for f in medium.get("files") or []:
        line += f"<br/>&nbsp;&nbsp;{markup(f.get('name', ''))} — {markup(f.get('via', ''))} — SHA-256 {mono(f.get('sha256', ''))}"
    if medium.get("status") == "failed" and medium.get("error"):
        line += f"<br/>&nbsp;&nbsp;{markup(medium['error'], limit=300)}"
    return line


def _account(account: dict[str, Any]) -> str:
    label = str(account.get("label") or account.get("profile") or "")
    ids = [f"{d.get('platform')} {d.get('user_id')}" for d in account.get("detected") or [] if d.get("user_id")]
    return label + (f" ({', '.join(ids)})" if ids and ", ".join(ids) not in label else "") + \
        (f" — profile {account.get('profile')}" if account.get("profile") else "")


def comment_table(record: dict[str, Any], ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    comments = record.get("comments") or []
    if not comments:
        return []
    number = {c.get("id"): index for index, c in enumerate(comments, start=1)}
    rows = []
    for index, comment in enumerate(comments[:MAX_COMMENT_ROWS], start=1):
        when = comment.get("time") or {}
        time_cell = (f"{utc_text(when['utc'])}<br/>{local_text(when['utc'], ctx.tz)}<br/>" if when.get("utc") else "") + \
            f"“{markup(when.get('shown', ''), limit=80)}”"
        parent = comment.get("reply_to") or ""
        reply = "" if not parent else (f"{st('col.no', lang)} {number[parent]}" if parent in number else
                                       st("reply_to_post", lang) if parent == record.get("post_id") else markup(parent, limit=60))
        rows.append([str(index), _person(comment.get("author") or {}), time_cell,
                     markup(comment.get("text", ""), multiline=True, limit=3000), reply])
    widths = [10 * mm, 45 * mm, 36 * mm, CONTENT_WIDTH - 10 * mm - 45 * mm - 36 * mm - 16 * mm, 16 * mm]
    header = [st(k, lang) for k in ("col.no", "col.commenter", "col.time", "col.text", "col.reply")]
    out: list[Flowable] = [Paragraph(st("table_title", lang, n=len(comments)), styles.h3),
                           grid_table(header, rows, widths, styles)]
    if len(comments) > MAX_COMMENT_ROWS:
        out.append(Paragraph(st("more_comments", lang, n=len(comments) - MAX_COMMENT_ROWS), styles.small))
    return out
