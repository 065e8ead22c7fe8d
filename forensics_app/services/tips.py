"""Community reports (tin báo): register, assess, link to a case, and turn reported addresses into evidence.

Files people send with a report (screenshots, recordings) are evidence of what
they saw: they are stored as ``tip_attachment`` items, hashed on the way in, in
the register case (setting ``tips_case``, made on first use) so they exist
before any case does. "Act" turns a report's addresses into captures and/or
watches of the report's case, each linked to the report in the custody log.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from collectors.web import CaptureOptions, normalise_url
from evidence_store import Case, NotFoundError, UsageError, Vault, iso_utc, parse_iso
from evidence_store import tip_store as store

from . import case_access, settings


def register_case(vault: Vault) -> Case:
    number = str(settings.get(vault, "tips_case") or "TIN-BAO")
    try:
        return vault.get_case(number)
    except NotFoundError:
        return vault.create_case(number, "Sổ tiếp nhận tin báo / Community reports register",
                                 description="Files sent with community reports (tin báo)")


def parse_received(text: str | None) -> str:
    """An ISO 8601 time with a zone (or a date, taken in the vault's zone is not guessed: a zone is required)."""
    if not text:
        return iso_utc()
    try:
        moment = parse_iso(text.strip())
    except ValueError:
        raise UsageError(f"invalid time {text!r}: use ISO 8601 with a zone, e.g. 2026-03-02T08:15:00+07:00",
                         message_vi=f"thời điểm không hợp lệ {text!r}: dùng ISO 8601 có múi giờ, ví dụ "
                                    "2026-03-02T08:15:00+07:00") from None
    return iso_utc(moment)


def register(vault: Vault, *, channel: str, received_at: str | None = None, reporter: dict[str, Any] | None = None,
             urls: Sequence[str] = (), text: str = "", files: Sequence[Path] = ()) -> store.TipRow:
    """Register a report; attachments are stored first (in the register case), then the report refers to them."""
    if channel not in store.CHANNELS:
        raise UsageError(f"unknown channel {channel!r}; one of {', '.join(store.CHANNELS)}",
                         message_vi=f"kênh không xác định {channel!r}; dùng một trong {', '.join(store.CHANNELS)}")
    checked = [normalise_url(u) for u in urls]
    when = parse_received(received_at)
    missing = [str(f) for f in files if not Path(f).is_file()]
    if missing:
        raise UsageError(f"attachment not found: {', '.join(missing)}",
                         message_vi=f"không tìm thấy tệp đính kèm: {', '.join(missing)}")
    uid = str(uuid.uuid4())
    ids: list[int] = []
    if files:
        case = register_case(vault)
        with vault.batch(case) as batch:
            pending = [batch.add_file(Path(f), kind="tip_attachment", name=Path(f).name, source=f"tip:{uid}",
                                      metadata={"tip": uid, "original_path": str(f)}) for f in files]
        ids = [p.item.id for p in pending if p.item is not None]
    return store.add_tip(vault, uid=uid, received_at=when, channel=channel, reporter=reporter or {}, urls=checked,
                         text=text, attachments=ids)


def link(vault: Vault, ref: int | str, case_ref: str | int) -> store.TipRow:
    """Link the report to a case this session may reach; moving it from another case needs that one too (the
    report and what was captured from it would leave its owner's view)."""
    case = case_access.reach_case(vault, case_ref, "tip link")
    tip = store.get_tip(vault, ref)
    if tip.case_id is not None and tip.case_id != case.id:
        case_access.reach_case(vault, tip.case_id, "tip link")
    return store.link(vault, tip.uid, case)


def act(vault: Vault, ref: int | str, *, capture: bool = True, watch: bool = False, case_ref: str | int | None = None,
        options: CaptureOptions | None = None, every: str | None = None, allow_private_addresses: bool = False,
        social: bool = False) -> dict[str, Any]:
    """Capture the report's addresses and/or watch them, in its case (linking it first when ``case_ref`` is given)."""
    tip = store.get_tip(vault, ref)
    if case_ref is not None:
        tip = link(vault, tip.uid, case_ref)
    if tip.case_id is None:
        raise UsageError(f"report {tip.id} is not linked to a case",
                         message_vi=f"tin báo {tip.id} chưa được gắn với vụ việc nào",
                         remedy="tip_link")
    if not tip.urls:
        raise UsageError(f"report {tip.id} names no address to capture or watch",
                         message_vi=f"tin báo {tip.id} không nêu địa chỉ nào để thu thập hay theo dõi")
    if not capture and not watch:
        raise UsageError("choose capture, watch or both", message_vi="hãy chọn thu thập, theo dõi hoặc cả hai")
    case = case_access.reach_case(vault, tip.case_id, "tip capture")
    done: dict[str, Any] = {"tip": tip.id, "case": case.number, "captures": [], "watches": []}
    if capture:
        if allow_private_addresses:
            from .web import effective_options

            options = effective_options(vault, options).with_changes(allow_private_addresses=True)
        if social:
            from .social import capture_social

            result: Any = capture_social(vault, case.id, tip.urls, options=options)
            done["captures"] = [{"url": o.url, "status": o.status, "item_id": o.web.item.id if o.web.item else None}
                                for o in result.outcomes]
        else:
            from .web import capture_web

            result = capture_web(vault, case.id, tip.urls, options=options)
            done["captures"] = [{"url": o.url, "status": o.status, "item_id": o.item.id if o.item else None}
                                for o in result.outcomes]
    if watch:
        from .monitor import add_watches

        rows = add_watches(vault, case.id, tip.urls, every=every, social=social,
                           allow_private_addresses=allow_private_addresses)
        done["watches"] = [w.id for w in rows]
    store.log_action(vault, tip.uid, case, {"captures": done["captures"], "watches": done["watches"]})
    return done


def period_counts(vault: Vault, start: datetime, end: datetime) -> dict[str, Any]:
    return store.period_counts(vault, iso_utc(start), iso_utc(end))
