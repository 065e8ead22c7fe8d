"""Generate a court report, collection minutes or statistics, and keep it as evidence.

The order matters and is the point of this module:

1. gather the items, sessions and custody entries the report covers;
2. take a signed custody checkpoint and ask the configured timestamp
   authorities to stamp it (tokens logged in the custody log);
3. render the PDF with that checkpoint and those tokens printed in it;
4. optionally sign it (PAdES) with the examiner's certificate;
5. store the PDF as an item of kind ``report`` in the case, log the viewing of
   every item whose content was shown, and log ``report.generate`` with the
   checkpoint it printed, all in one transaction;
6. move the PDF into place and check its hash against the stored item.

So the checkpoint printed in a report is always the one taken just before it,
and the report itself is an entry of the log that the next checkpoint covers.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence_store import DEFAULT_ZONE, Case, Item, UsageError, Vault, hash_stream, iso_utc, zone_info
from evidence_store.tasks import Progress, no_progress
from report_templates import RENDERERS, MinutesFields, Person, ReportContext, check_lang, t

from . import case_access, settings
from .custody import take_checkpoint
from .environment import host_facts, tool_identity
from .report_context import (
    DateRange,
    acquisition_seqs,
    acting_examiner,
    build_sessions,
    checkpoint_info,
    clock_facts,
    custody_rows,
    item_timestamps,
    organisation,
    parse_ids,
    people,
    select_items,
    timestamp_info,
)
from .report_stats import gather_stats
from .timestamps import Token, configured_urls, timestamp_checkpoint

KINDS = ("court", "minutes", "stats")
TITLE_KEYS = {"court": "court.title", "minutes": "minutes.title", "stats": "stats.title"}
ID_PREFIX = {"court": "CR", "minutes": "MN", "stats": "ST"}
ALL_CASES = ("all", "*")
STATISTICS_CASE_SETTING = "statistics_case"
DEFAULT_STATISTICS_CASE = "THONG-KE"
IMAGE_READ_LIMIT = 256 * 1024 * 1024


@dataclass(frozen=True)
class ReportOptions:
    """Everything a report can be asked for; the CLI and the GUI fill it."""

    kind: str = "court"
    lang: str = ""
    items: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    period: str | None = None
    fields: MinutesFields = field(default_factory=MinutesFields)
    sign_p12: Path | None = None
    sign_passphrase: str | None = None
    sign_token: bool = False  # PAdES with the signed-in examiner's PKCS#11 token (key, certificate and chain on it)
    tsa_timeout: float = 20
    entities: tuple[str, ...] = ()  # court report: "links between evidence" for these entities
    timeline_from: str | None = None  # court report: a timeline exhibit for this range
    timeline_to: str | None = None


@dataclass
class ReportResult:
    item: Item
    path: Path
    report_id: str
    checkpoint: dict[str, Any]
    tokens: list[Token]
    pages: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"report_id": self.report_id, "item": self.item.id, "path": str(self.path),
                "sha256": self.item.sha256, "blake3": self.item.blake3, "size": self.item.size,
                "checkpoint": {"size": self.checkpoint["size"], "note": self.checkpoint["checkpoint"]},
                "timestamps": [{"tsa_url": tok.tsa_url, "gen_time": tok.gen_time, "verified": tok.verified,
                                "problem": tok.problem} for tok in self.tokens]}


class ContentLog:
    """Reads decrypted content for exhibits and remembers which items were shown."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.read_ids: dict[int, Item] = {}

    def read(self, item: Item, limit: int) -> bytes | None:
        if not item.has_content or (item.size or 0) > limit:
            return None
        return self.head(item, limit)

    def head(self, item: Item, size: int) -> bytes | None:
        if not item.has_content:
            return None
        self.read_ids[item.id] = item
        out = bytearray()
        for block in self.vault.read_item(item):  # each segment authenticated as it is decrypted
            out += block
            if len(out) >= size:
                break
        return bytes(out[:size])


def generate_report(vault: Vault, case_ref: str, out: Path, options: ReportOptions,
                    progress: Progress = no_progress) -> ReportResult:
    """Build, sign if asked, store and log a report; returns the stored item and the file written."""
    if options.kind not in KINDS:
        raise UsageError(f"report kind must be one of {', '.join(KINDS)}, not {options.kind!r}",
                         message_vi=f"loại báo cáo phải là một trong {', '.join(KINDS)}, không phải {options.kind!r}")
    values = settings.all_settings(vault)
    lang = check_lang(options.lang or str(values.get("language") or "vi"))
    tz_name = str(values.get("timezone") or DEFAULT_ZONE)
    out = _check_target(out)
    signer, signer_lock = _load_signer(vault, options)
    when = _range(options, tz_name)
    case, scope_case = _cases(vault, case_ref, options.kind)
    case.require_open("adding a report to it", "thêm báo cáo vào vụ việc")
    progress(0, 4, "gathering")
    report_id = f"{ID_PREFIX[options.kind]}-{iso_utc()[:10].replace('-', '')}-{uuid.uuid4().hex[:6].upper()}"
    reader = ContentLog(vault)
    ctx = ReportContext(kind=options.kind, lang=lang, report_id=report_id, generated_at=iso_utc(),
                        tz=zone_info(tz_name), org=organisation(vault, scope_case), examiner=acting_examiner(vault),
                        tool=tool_identity(), host=host_facts(), fields=options.fields, content=reader,
                        range_text=when.text(tz_name))
    if signer is not None:
        from .report_signing import signer_name

        ctx.signing = signer_name(signer)
    if options.kind == "stats":
        stats_case = scope_case if case_ref not in ALL_CASES else None
        ctx.stats = gather_stats(vault, when, tz_name, lang, case=stats_case,
                                 exclude_case=case.id if case_ref in ALL_CASES else None)
        ctx.case = stats_case
    else:
        if options.kind == "court":  # each watch's history as it stands now: an item the report can show
            from .monitor_report import record_histories

            record_histories(vault, case)
        _fill_case(vault, ctx, case, options, when)
    progress(1, 4, "checkpoint")
    point = take_checkpoint(vault)
    tokens = timestamp_checkpoint(vault, point, timeout=options.tsa_timeout)
    ctx.checkpoint = checkpoint_info(point)
    ctx.timestamps = [timestamp_info(tok, t("tst.subject_checkpoint", lang, size=point["size"]),
                                     checkpoint_size=point["size"]) for tok in tokens]
    ctx.clock = clock_facts(tokens, lang)
    progress(2, 4, "rendering")
    partial = out.with_name(f".{out.name}.partial")
    signed = out.with_name(f".{out.name}.signed")
    try:
        RENDERERS[options.kind](ctx, str(partial))
        final = partial
        if signer is not None:
            from .report_signing import sign_pdf

            urls = configured_urls(vault)
            sign_pdf(partial, signed, signer, reason=t("sign.reason", lang, id=report_id),
                     location=ctx.org.place, tsa_url=urls[0] if urls else None, lock=signer_lock)
            final = signed
        progress(3, 4, "storing")
        item = _store(vault, case, final, ctx, options, point, tokens, reader)
        os.replace(final, out)
    finally:
        partial.unlink(missing_ok=True)
        signed.unlink(missing_ok=True)
    with out.open("rb") as handle:
        if hash_stream(handle)["sha256"] != item.sha256:
            raise UsageError(f"{out} changed while it was written; generate the report again",
                             message_vi=f"{out} đã thay đổi trong khi ghi; hãy lập lại báo cáo")
    progress(4, 4, "done")
    return ReportResult(item=item, path=out, report_id=report_id, checkpoint=point, tokens=tokens,
                        pages=_page_count(out))


def _check_target(out: Path) -> Path:
    out = Path(out)
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"{out}: the report file name must end in .pdf",
                         message_vi=f"{out}: tên tệp báo cáo phải kết thúc bằng .pdf")
    if out.exists():
        raise UsageError(f"{out} already exists; choose another file name",
                         message_vi=f"{out} đã tồn tại; hãy chọn tên tệp khác")
    if not out.parent.is_dir():
        raise UsageError(f"folder {out.parent} does not exist", message_vi=f"thư mục {out.parent} không tồn tại")
    if not os.access(out.parent, os.W_OK):
        raise UsageError(f"folder {out.parent} is not writable", message_vi=f"không ghi được vào thư mục {out.parent}")
    return out


def _load_signer(vault: Vault, options: ReportOptions) -> tuple[Any, Any]:
    """(pyHanko signer or None, the lock to hold while it signs or None)."""
    if options.sign_token and options.sign_p12 is not None:
        raise UsageError("sign either with the token or with a PKCS#12 file, not both",
                         message_vi="chỉ ký bằng thiết bị ký số hoặc bằng tệp PKCS#12, không dùng cả hai")
    if options.sign_token:
        from .report_signing import token_signer

        return token_signer(vault)
    if options.sign_p12 is None:
        return None, None
    from .report_signing import load_signer

    return load_signer(Path(options.sign_p12), options.sign_passphrase), None


def _range(options: ReportOptions, tz_name: str) -> DateRange:
    from .report_context import parse_range

    return parse_range(options.date_from, options.date_to, tz_name, options.period)


def _cases(vault: Vault, case_ref: str, kind: str) -> tuple[Case, Case | None]:
    """(case the report is stored in, case it is about). Statistics over all cases go to the statistics case."""
    if case_ref not in ALL_CASES:
        case = case_access.reach_case(vault, case_ref, f"report {kind}")
        return case, case
    if kind != "stats":
        raise UsageError("court reports and minutes are about one case: give its number",
                         message_vi="báo cáo tổng hợp và biên bản chỉ về một vụ việc: hãy cho biết số vụ việc")
    number = str(settings.get(vault, STATISTICS_CASE_SETTING) or DEFAULT_STATISTICS_CASE)
    try:
        return vault.get_case(number), None
    except UsageError:
        case = vault.create_case(number, "Báo cáo thống kê / Statistics reports",
                                 description="Agency statistics reports generated by the tool.")
        return case, None


def _fill_case(vault: Vault, ctx: ReportContext, case: Case, options: ReportOptions, when: DateRange) -> None:
    refs = parse_ids(options.items)
    items = select_items(vault, case, refs, when)
    seqs, times = acquisition_seqs(vault, case)
    ctx.case = case
    ctx.items = items
    ctx.selection = ", ".join(refs)
    ctx.sessions = build_sessions(vault, case, items, seqs, times)
    if options.kind == "minutes" and not ctx.sessions:
        raise UsageError(f"case {case.number} has no acquisition in the chosen scope: no minutes to write",
                         message_vi=f"vụ việc {case.number} không có lần thu thập nào trong phạm vi đã chọn: không có biên bản "
                                    "nào để lập")
    ctx.custody = custody_rows(vault, case, items, ctx.lang)
    ctx.acquired_seq = {i.id: seqs[i.id] for i in items if i.id in seqs}
    ctx.item_timestamp = item_timestamps(vault, ctx.acquired_seq)
    ctx.examiners = people(vault, [i.examiner for i in items] + [case.examiner])
    if options.kind == "court":
        from .report_analysis import build_exhibit

        ctx.analysis = build_exhibit(vault, case, options.entities, options.timeline_from, options.timeline_to, ctx.tz)


def printed_checkpoints(vault: Vault, point: dict[str, Any], ctx: ReportContext) -> list[dict[str, Any]]:
    """Every checkpoint the report prints (its own, and those of the timestamps it cites), with its root, so an
    evidence package can prove its log extends each of them."""
    from evidence_store.checkpoint import checkpoint_root

    size, root = checkpoint_root(point["checkpoint"])
    found = {size: root.hex()}
    for info in ctx.item_timestamp.values():
        if info.checkpoint_size and info.checkpoint_size not in found:
            found[info.checkpoint_size] = vault.custody.tree(info.checkpoint_size).root().hex()
    return [{"size": n, "root": found[n]} for n in sorted(found)]


def _store(vault: Vault, case: Case, pdf: Path, ctx: ReportContext, options: ReportOptions,
           point: dict[str, Any], tokens: list[Token], reader: ContentLog) -> Item:
    metadata = {"report": {
        "id": ctx.report_id, "kind": options.kind, "lang": ctx.lang, "generated_at": ctx.generated_at,
        "checkpoint_size": point["size"], "checkpoint_root": ctx.checkpoint.root_hex if ctx.checkpoint else "",
        "printed_checkpoints": printed_checkpoints(vault, point, ctx),
        "items": [i.id for i in ctx.items], "range": ctx.range_text, "signed_by": ctx.signing,
        "signed_with": ("token" if options.sign_token else "pkcs12") if ctx.signing else "",
        "timestamps": [{"tsa_url": tok.tsa_url, "gen_time": tok.gen_time, "verified": tok.verified}
                       for tok in tokens],
        "fields": fields_record(options.fields),  # what the examiner gave: the next report of the case starts from it
    }}
    batch = vault.batch(case)
    pending = batch.add_file(pdf, kind="report", name=f"{ctx.report_id}.pdf",
                             source=t("report.source", ctx.lang, title=t(TITLE_KEYS[options.kind], ctx.lang),
                                      id=ctx.report_id),
                             media_type="application/pdf", metadata=metadata)
    try:
        with vault.transaction():
            for shown in reader.read_ids.values():
                vault.record_view(shown, f"report {ctx.report_id}")
            batch.commit()
            item = pending.item
            assert item is not None
            vault.log("report.generate", case=case, item=item, details={
                "report_id": ctx.report_id, "kind": options.kind, "lang": ctx.lang, "sha256": item.sha256,
                "blake3": item.blake3, "size": item.size, "checkpoint_size": point["size"],
                "items": len(ctx.items), "content_shown": sorted(reader.read_ids), "signed": bool(ctx.signing)})
    except BaseException:
        batch.discard()
        raise
    return item


def fields_record(fields: MinutesFields) -> dict[str, Any]:
    """The formal fields of a report as stored with it (JSON)."""
    def person(p: Person) -> dict[str, str]:
        return {"name": p.name, "position": p.position, "organisation": p.organisation, "identity": p.identity}

    return {"number": fields.number, "place": fields.place, "legal_basis": fields.legal_basis,
            "decision_number": fields.decision_number, "decision_date": fields.decision_date,
            "decision_issuer": fields.decision_issuer, "mandate": fields.mandate,
            "witnesses": [person(w) for w in fields.witnesses],
            "data_holder": person(fields.data_holder) if fields.data_holder else None, "seal": fields.seal,
            "complaints": fields.complaints, "account": fields.account, "copies": fields.copies}


def fields_from_record(data: dict[str, Any]) -> MinutesFields:
    """The inverse of :func:`fields_record` (a missing key keeps its default)."""
    def person(p: Any) -> Person | None:
        if not isinstance(p, dict) or not str(p.get("name") or "").strip():
            return None
        return Person(str(p.get("name") or ""), str(p.get("position") or ""), str(p.get("organisation") or ""),
                      str(p.get("identity") or ""))

    witnesses = tuple(w for w in (person(x) for x in data.get("witnesses") or []) if w is not None)
    text = {k: str(data.get(k) or "") for k in ("number", "place", "legal_basis", "decision_number", "decision_date",
                                                "decision_issuer", "mandate", "seal", "complaints", "account")}
    try:
        copies = int(data.get("copies") or 2)
    except (TypeError, ValueError):
        copies = 2
    return MinutesFields(**text, witnesses=witnesses, data_holder=person(data.get("data_holder")), copies=copies)


def last_report_fields(vault: Vault, case_ref: str | int) -> MinutesFields | None:
    """The formal fields of the case's newest report (what its next report's dialog starts from), if any."""
    case = case_access.reach_case(vault, case_ref, "report fields")
    newest = None
    for item in vault.list_items(case.id, kind="report"):
        meta = item.metadata.get("report") or {}
        if isinstance(meta.get("fields"), dict) and (newest is None or item.id > newest.id):
            newest = item
    return fields_from_record(newest.metadata["report"]["fields"]) if newest is not None else None


def _page_count(path: Path) -> int:
    try:
        from pypdf import PdfReader

        return len(PdfReader(str(path)).pages)
    except Exception:  # counting pages is a courtesy, never a failure
        return 0
