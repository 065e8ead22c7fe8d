"""Exhibits of messages: e-mails (headers as written, route table, DKIM/ARC with the DNS answers used,
attachments with hashes) and chat conversations (the chosen range as a transcript).

Items are read as the vault holds them (templates do not import collectors):
a ``message``'s header block is the head of its content; a ``conversation``'s
content and a ``conversation_excerpt``'s are JSON Lines rows (see CONTRIBUTING.md).
An excerpt is the range the examiner chose (``forensics chat excerpt``, or the
conversation view): when a report holds excerpts of a conversation, the
conversation itself shows its summary only and each excerpt its transcript.
"""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from evidence_store import Item

from .exhibit_kinds import image_exhibit
from .exhibits import ExhibitRenderer, is_image, register_exhibit
from .i18n import local_text, utc_text
from .layout import CONTENT_WIDTH, Styles, grid_table, kv_table
from .model import ReportContext
from .strings import STRINGS
from .text import markup, mono

HEADER_BYTES = 256 * 1024
TRANSCRIPT_BYTES = 32 * 1024 * 1024
MAX_ROWS = 3000

TEXTS: dict[str, tuple[str, str]] = {
    "method.messages": (
        "<b>E-mail and chat exports</b>: containers (mbox, PST, Maildir, exports) stored as found and hashed; "
        "each e-mail stored with its original bytes (Outlook items: rebuilt from their properties and marked "
        "as such), its attachments as hashed items, its route (Received headers) and its DKIM/ARC checks with "
        "the DNS answers used, so the checks can be repeated; chat messages kept as rows read from the export "
        "with the export's own files.",
        "<b>Thư điện tử và dữ liệu trò chuyện xuất ra</b>: tệp chứa (mbox, PST, Maildir, bản xuất) được lưu "
        "nguyên trạng và băm; mỗi thư được lưu với các byte gốc (mục Outlook: được dựng lại từ thuộc tính và đánh "
        "dấu rõ), tệp đính kèm là các mục có giá trị băm riêng, đường đi (các tiêu đề Received) và kết quả kiểm "
        "tra DKIM/ARC cùng các bản ghi DNS đã dùng để có thể kiểm tra lại; tin nhắn trò chuyện được lưu thành "
        "các dòng đọc từ bản xuất cùng các tệp của bản xuất."),
    "limit.messages": (
        "A DKIM or ARC signature shows which domain's server signed a message, not who wrote it; a failed or "
        "impossible check is not proof of forgery. Received headers below the first server the examiner "
        "trusts may have been written by the sender. A chat export shows what the exporting account could see.",
        "Chữ ký DKIM hoặc ARC cho biết máy chủ của tên miền nào đã ký thư, không cho biết ai là người viết; kiểm "
        "tra không đạt hoặc không thực hiện được không chứng minh thư bị giả mạo. Các tiêu đề Received nằm dưới "
        "máy chủ đầu tiên mà cán bộ tin cậy có thể do người gửi tự ghi. Bản xuất trò chuyện chỉ thể hiện những "
        "gì tài khoản xuất dữ liệu nhìn thấy."),
    "kind.mailbox": ("mailbox (e-mail container)", "hộp thư (tệp chứa thư)"),
    "kind.message": ("e-mail message", "thư điện tử"),
    "kind.attachment": ("attachment", "tệp đính kèm"),
    "kind.chat_export": ("chat export", "dữ liệu trò chuyện xuất ra"),
    "kind.conversation": ("conversation", "cuộc trò chuyện"),
    "kind.conversation_excerpt": ("conversation excerpt", "trích đoạn cuộc trò chuyện"),
}
for _key, _value in TEXTS.items():  # the report's vocabulary, extended with this module's terms
    STRINGS.setdefault(_key, _value)

S: dict[str, tuple[str, str]] = {
    "headers": ("Header block (as written)", "Phần tiêu đề (nguyên văn)"),
    "summary": ("Message", "Thư"),
    "from": ("From", "Người gửi"), "to": ("To", "Người nhận"), "cc": ("Cc", "Đồng gửi"), "bcc": ("Bcc", "Gửi ẩn"),
    "subject": ("Subject", "Tiêu đề"), "date": ("Date", "Ngày gửi"), "message_id": ("Message-ID", "Message-ID"),
    "in_reply_to": ("In reply to", "Trả lời thư"), "folder": ("Folder", "Thư mục"),
    "reconstructed": ("Rebuilt from Outlook's properties (not the bytes as sent)",
                      "Được dựng lại từ thuộc tính của Outlook (không phải byte gốc đã gửi)"),
    "recovered": ("Recovered deleted item", "Mục đã xoá được khôi phục"),
    "as_written": ("as written", "nguyên văn"),
    "route": ("Route (Received headers, first hop first)", "Đường đi (tiêu đề Received, chặng đầu trước)"),
    "col.hop": ("Hop", "Chặng"), "col.from": ("From", "Từ"), "col.by": ("By", "Máy chủ nhận"),
    "col.with": ("With", "Giao thức"), "col.time": ("Time (UTC / local)", "Thời điểm (UTC / địa phương)"),
    "col.gap": ("Gap", "Chênh lệch"), "col.trust": ("Added by", "Do ai ghi"),
    "trust.trusted": ("a trusted server", "máy chủ tin cậy"),
    "trust.claimed": ("claimed (may be the sender's)", "tự khai (có thể do người gửi ghi)"),
    "trust.unassessed": ("not assessed", "chưa đánh giá"),
    "auth": ("Authenticity checks", "Kiểm tra tính xác thực"),
    "col.check": ("Check", "Kiểm tra"), "col.domain": ("Domain / selector", "Tên miền / selector"),
    "col.result": ("Result", "Kết quả"), "col.reason": ("Reason", "Lý do"),
    "result.pass": ("pass", "đạt"), "result.fail": ("fail", "không đạt"), "result.not checked": ("not checked",
                                                                                                  "không kiểm tra được"),
    "result.none": ("none", "không có"),
    "claim": ("claim of {server}", "khai báo của {server}"), "claim_note": (
        "reported by the receiving server; not checked by this tool", "do máy chủ nhận ghi; công cụ không kiểm tra"),
    "dns": ("DNS answers used (recorded, so the check can be repeated)",
            "Bản ghi DNS đã dùng (được lưu để có thể kiểm tra lại)"),
    "col.name": ("Name", "Tên"), "col.answer": ("Answer", "Bản ghi"), "col.source": ("Source, time", "Nguồn, thời điểm"),
    "no_checks": ("The message carries no DKIM or ARC signature.", "Thư không có chữ ký DKIM hoặc ARC."),
    "attachments": ("Attachments ({n})", "Tệp đính kèm ({n})"),
    "col.file": ("File", "Tệp"), "col.type": ("Type, size", "Định dạng, kích thước"),
    "body": ("Text of the message (first {n} characters)", "Nội dung thư ({n} ký tự đầu)"),
    "unreadable": ("The content could not be read: {reason}", "Không đọc được nội dung: {reason}"),
    "mailbox": ("Container", "Tệp chứa"), "format": ("Format", "Định dạng"), "path": ("Path", "Đường dẫn"),
    "messages_in_report": ("Messages in this report", "Số thư trong báo cáo này"),
    "chat": ("Conversation", "Cuộc trò chuyện"), "platform": ("Platform", "Nền tảng"),
    "thread": ("Thread id, type", "Mã, loại cuộc trò chuyện"), "count": ("Messages", "Số tin nhắn"),
    "span": ("First and last message", "Tin nhắn đầu và cuối"),
    "participants": ("Participants (messages)", "Người tham gia (số tin nhắn)"),
    "media": ("Attachments: stored / missing / left out by the export",
              "Tệp đính kèm: đã lưu / thiếu / bản xuất không đưa vào"),
    "transcript": ("Transcript ({range})", "Nội dung trò chuyện ({range})"),
    "see_excerpts": ("The chosen ranges are printed as excerpts below.",
                     "Các đoạn được chọn được in ở các trích đoạn dưới đây."),
    "col.no": ("No.", "STT"), "col.sender": ("Sender (id)", "Người gửi (mã)"), "col.text": ("Message", "Nội dung"),
    "more_rows": ("… {n} more messages are in the item (rows)", "… còn {n} tin nhắn trong mục (các dòng)"),
    "excerpt": ("Excerpt of conversation item {id}, rows {first}–{last}",
                "Trích đoạn cuộc trò chuyện (mục {id}), dòng {first}–{last}"),
    "reply": ("reply to {id}", "trả lời {id}"), "edited": ("edited {t}", "đã sửa {t}"),
}


def s(key: str, lang: str, **values: object) -> str:
    en, vi = S[key]
    text = vi if lang == "vi" else en
    return text.format(**values) if values else text


def _when(value: str | None, ctx: ReportContext) -> str:
    if not value:
        return "—"
    try:
        return f"{utc_text(value)}<br/>{local_text(value, ctx.tz)}"
    except ValueError:
        return markup(value, limit=60)


def _decoded(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeError):
        return value


@register_exhibit("message")
class MessageExhibit(ExhibitRenderer):
    method_key = "method.messages"
    limitation_keys = ("limit.messages",)
    skip_metadata = ("message", "parts", "outlook", "locator", "file")

    def source(self, item: Item, lang: str) -> str:
        meta = item.metadata.get("message") or {}
        sender = ", ".join(meta.get("from") or []) or "?"
        return markup(f"{sender}: {meta.get('subject') or ''}", limit=300)

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        lang = ctx.lang
        meta = item.metadata.get("message") or {}
        out: list[Flowable] = [Paragraph(s("summary", lang), styles.h3), kv_table(_summary(item, meta, ctx), styles)]
        out += _headers(item, ctx, styles)
        out += route_table(meta.get("received") or [], ctx, styles)
        out += authenticity(meta.get("authenticity") or {}, ctx, styles)
        out += attachment_table(ctx.children(item), ctx, styles)
        return out


def _summary(item: Item, meta: dict[str, Any], ctx: ReportContext) -> list[tuple[str, str]]:
    lang = ctx.lang
    rows = []
    for key in ("from", "to", "cc", "bcc"):
        if meta.get(key):
            rows.append((s(key, lang), markup("; ".join(meta[key]), limit=2000)))
    if meta.get("subject") is not None:
        rows.append((s("subject", lang), markup(meta["subject"], limit=1000)))
    date = _when(meta.get("date"), ctx)
    if meta.get("date_header"):
        date += f"<br/>{s('as_written', lang)}: “{markup(meta['date_header'], limit=120)}”"
    rows.append((s("date", lang), date))
    for key in ("message_id", "in_reply_to", "folder"):
        if meta.get(key):
            rows.append((s(key, lang), mono(meta[key], limit=300)))
    if item.metadata.get("reconstructed"):
        rows.append((s("reconstructed", lang), "✓"))
    if meta.get("recovered"):
        rows.append((s("recovered", lang), "✓"))
    return rows


def _headers(item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
    if ctx.content is None or not item.has_content:
        return []
    head = ctx.content.head(item, HEADER_BYTES) or b""
    end = min((i for i in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if i >= 0), default=len(head))
    msg = message_from_bytes(head[:end] + b"\n\n", policy=policy.compat32)
    rows = [[markup(name, limit=80), markup(_decoded(str(value)), limit=1500)] for name, value in msg.raw_items()]
    if not rows:
        return []
    return [Paragraph(s("headers", ctx.lang), styles.h3),
            grid_table(["", ""], rows, [38 * mm, CONTENT_WIDTH - 38 * mm], styles)]


def route_table(hops: list[dict[str, Any]], ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    if not hops:
        return []
    rows = []
    for hop in hops:
        origin = " ".join(str(v) for v in (hop.get("from"), f"[{hop['from_ip']}]" if hop.get("from_ip") and
                                           hop["from_ip"] not in str(hop.get("from")) else None) if v)
        gap = "" if hop.get("gap_seconds") is None else f"{hop['gap_seconds']} s"
        trust_key = f"trust.{hop.get('trust')}"
        time_cell = _when(hop.get("time"), ctx) if hop.get("time") else markup(hop.get("time_text") or "—", limit=80)
        rows.append([str(hop.get("hop")), markup(origin or "—", limit=300), markup(hop.get("by") or "—", limit=200),
                     markup(hop.get("with") or "", limit=60), time_cell, gap,
                     s(trust_key, lang) if trust_key in S else markup(hop.get("trust"))])
    widths = [10 * mm, 45 * mm, 38 * mm, 18 * mm, 34 * mm, 14 * mm, CONTENT_WIDTH - 159 * mm]
    header = [s(k, lang) for k in ("col.hop", "col.from", "col.by", "col.with", "col.time", "col.gap", "col.trust")]
    return [Paragraph(s("route", lang), styles.h3), grid_table(header, rows, widths, styles)]


def _result(value: Any, lang: str) -> str:
    key = f"result.{value}"
    return f"<b>{s(key, lang)}</b>" if key in S else markup(value)


def authenticity(data: dict[str, Any], ctx: ReportContext, styles: Styles) -> list[Flowable]:
    lang = ctx.lang
    if not data:
        return []
    rows = []
    for row in data.get("dkim") or []:
        rows.append(["DKIM", markup(f"{row.get('domain')} / {row.get('selector')}", limit=200),
                     _result(row.get("result"), lang), markup(row.get("reason") or "", limit=600)])
    arc = data.get("arc")
    if arc:
        rows.append(["ARC", "", _result(arc.get("result"), lang), markup(arc.get("reason") or "", limit=600)])
    for claim in data.get("claims") or []:
        for result in claim.get("results") or []:
            rows.append([markup(str(result.get("method", "")).upper()),
                         s("claim", lang, server=markup(claim.get("authserv_id") or claim.get("header") or "?")),
                         markup(result.get("result") or ""), s("claim_note", lang)])
    out: list[Flowable] = [Paragraph(s("auth", lang), styles.h3)]
    if not rows:
        out.append(Paragraph(s("no_checks", lang), styles.small))
    else:
        header = [s(k, lang) for k in ("col.check", "col.domain", "col.result", "col.reason")]
        out.append(grid_table(header, rows, [18 * mm, 45 * mm, 24 * mm, CONTENT_WIDTH - 87 * mm], styles))
    answers = data.get("dns") or []
    if answers:
        table = [[mono(a.get("name") or "", limit=200), mono(a.get("answer") or a.get("status") or "—", limit=1200),
                  markup(" ".join(str(v) for v in (a.get("source"), a.get("at"), a.get("resolver"), a.get("error"))
                                  if v), limit=400)] for a in answers]
        header = [s(k, lang) for k in ("col.name", "col.answer", "col.source")]
        out += [Paragraph(s("dns", lang), styles.h3),
                grid_table(header, table, [45 * mm, CONTENT_WIDTH - 90 * mm, 45 * mm], styles)]
    note = data.get("note_vi") if lang == "vi" else data.get("note")
    if note:
        out.append(Paragraph(markup(note, limit=400), styles.small))
    return out


def attachment_table(children: list[Item], ctx: ReportContext, styles: Styles) -> list[Flowable]:
    files = [c for c in children if c.kind == "attachment"]
    if not files:
        return []
    rows = [[str(c.id), markup(c.name, limit=200), f"{markup(c.media_type or '', limit=120)}<br/>{c.size} B",
             mono(c.sha256 or "", limit=80)] for c in files]
    header = [s("col.no", ctx.lang), s("col.file", ctx.lang), s("col.type", ctx.lang), "SHA-256"]
    return [Paragraph(s("attachments", ctx.lang, n=len(files)), styles.h3),
            grid_table(header, rows, [12 * mm, 50 * mm, 35 * mm, CONTENT_WIDTH - 97 * mm], styles)]


@register_exhibit("attachment")
class AttachmentExhibit(ExhibitRenderer):
    method_key = "method.messages"

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        return image_exhibit(item, ctx, styles) if is_image(item) else []


@register_exhibit("mailbox", "chat_export")
class ContainerExhibit(ExhibitRenderer):
    method_key = "method.messages"
    skip_metadata = ()

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        inside = [c for c in ctx.children(item) if c.kind in ("message", "conversation")]
        return [Paragraph(f"{s('messages_in_report', ctx.lang)}: {len(inside)}", styles.small)]


@register_exhibit("conversation")
class ConversationExhibit(ExhibitRenderer):
    method_key = "method.messages"
    limitation_keys = ("limit.messages",)
    skip_metadata = ("chat",)

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        out: list[Flowable] = [Paragraph(s("chat", ctx.lang), styles.h3),
                               kv_table(_chat_facts(item.metadata.get("chat") or {}, ctx), styles)]
        excerpts = [c for c in ctx.children(item) if c.kind == "conversation_excerpt"]
        if excerpts:
            return out + [Paragraph(s("see_excerpts", ctx.lang), styles.small)]
        return out + transcript(item, ctx, styles, first=1)


@register_exhibit("conversation_excerpt")
class ExcerptExhibit(ExhibitRenderer):
    method_key = "method.messages"
    skip_metadata = ()

    def body(self, item: Item, ctx: ReportContext, styles: Styles) -> list[Flowable]:
        meta = item.metadata.get("chat_excerpt") or {}
        title = s("excerpt", ctx.lang, id=meta.get("conversation"), first=meta.get("first_row"),
                  last=meta.get("last_row"))
        return [Paragraph(title, styles.small)] + transcript(item, ctx, styles, first=int(meta.get("first_row") or 1))


def _chat_facts(chat: dict[str, Any], ctx: ReportContext) -> list[tuple[str, str]]:
    lang = ctx.lang
    people = "<br/>".join(markup(f"{p.get('name') or '?'} ({p.get('id') or '—'}): {p.get('messages')}", limit=200)
                          for p in (chat.get("participants") or [])[:50])
    media = f"{chat.get('attachments', 0) - chat.get('attachments_missing', 0) - chat.get('attachments_not_exported', 0)}" \
            f" / {chat.get('attachments_missing', 0)} / {chat.get('attachments_not_exported', 0)}"
    return [(s("platform", lang), markup(f"{chat.get('platform')} ({chat.get('export_format')})")),
            (s("thread", lang), markup(f"{chat.get('thread_id') or '—'}, {chat.get('thread_type') or '—'}")),
            (s("count", lang), str(chat.get("messages", "—"))),
            (s("span", lang), f"{_when(chat.get('first'), ctx)}<br/>—<br/>{_when(chat.get('last'), ctx)}"),
            (s("participants", lang), people or "—"), (s("media", lang), media)]


def transcript(item: Item, ctx: ReportContext, styles: Styles, *, first: int) -> list[Flowable]:
    lang = ctx.lang
    if ctx.content is None or not item.has_content:
        return []
    data = ctx.content.head(item, TRANSCRIPT_BYTES) or b""
    lines = data.split(b"\n")
    if (item.size or 0) > len(data):
        lines = lines[:-1]  # the last line may be cut by the read limit
    rows: list[list[str]] = []
    total = 0
    for line in lines:
        if not line.strip():
            continue
        total += 1
        if len(rows) >= MAX_ROWS:
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            return [Paragraph(s("unreadable", lang, reason=markup(str(exc), limit=200)), styles.small)]
        rows.append(_transcript_row(row, ctx))
    if not rows:
        return []
    last = first + total - 1
    header = [s("col.no", lang), s("col.time", lang), s("col.sender", lang), s("col.text", lang)]
    widths = [14 * mm, 32 * mm, 38 * mm, CONTENT_WIDTH - 84 * mm]
    out: list[Flowable] = [Paragraph(s("transcript", lang, range=f"m{first}–m{last}"), styles.h3),
                           grid_table(header, rows, widths, styles)]
    if total > len(rows) or (item.size or 0) > len(data):
        out.append(Paragraph(s("more_rows", lang, n=max(0, total - len(rows))), styles.small))
    return out


def _transcript_row(row: dict[str, Any], ctx: ReportContext) -> list[str]:
    lang = ctx.lang
    sender = row.get("sender") or {}
    who = markup(sender.get("name") or "?", limit=120) + (f"<br/>{mono(sender['id'], limit=60)}" if sender.get("id")
                                                          else "")
    text = markup(row.get("text") or "", multiline=True, limit=3000)
    notes = []
    if row.get("reply_to"):
        notes.append(s("reply", lang, id=markup(row["reply_to"])))
    if row.get("edited"):
        notes.append(s("edited", lang, t=utc_text(row["edited"])))
    for attachment in row.get("attachments") or []:
        notes.append(markup(f"[{attachment.get('status')}: {attachment.get('path') or attachment.get('note')}]",
                            limit=300))
    for reaction in row.get("reactions") or []:
        notes.append(markup(f"{reaction.get('reaction')} ×{reaction.get('count')}", limit=60))
    if notes:
        text += "<br/><i>" + "; ".join(notes) + "</i>"
    when = _when(row.get("time"), ctx) if row.get("time") else markup(row.get("time_text") or "—", limit=60)
    return [markup(row.get("anchor") or ""), when, who, text]
