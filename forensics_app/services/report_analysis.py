"""The analysis sections of a court report: chosen entities with their occurrences and links, a timeline range.

Builds :class:`report_templates.analysis_section.AnalysisExhibit` from the vault
(entities through ``services.entities``; events through ``services.timeline``,
custody actions included), so the template only lays it out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from evidence_store import Case, Vault
from evidence_store.errors import UsageError
from report_templates.analysis_section import TIMELINE_LIMIT, AnalysisExhibit, EntityLinks, TimelineRow

from . import entities, timeline


def build_exhibit(vault: Vault, case: Case, values: tuple[str, ...], timeline_from: str | None,
                  timeline_to: str | None, tz: ZoneInfo) -> AnalysisExhibit | None:
    """None when the report asks for neither links nor a timeline."""
    if not values and not timeline_from and not timeline_to:
        return None
    exhibit = AnalysisExhibit()
    numbers = {c.id: c.number for c in vault.list_cases()}
    for value in values:
        rows = entities.resolve(vault, value)
        if not rows:
            exhibit.not_found.append(value)
        for row in rows:
            card = entities.card(vault, row)
            exhibit.entities.append(EntityLinks(row.id, row.type, row.display, len(card.cases), tuple(
                (numbers.get(o.case_id, ""), f"{o.item_id} {o.item_name}", o.place, o.snippet, o.rule)
                for o in card.occurrences)))
    exhibit.edges = entities.links(vault, [e.id for e in exhibit.entities])
    if timeline_from or timeline_to:
        start = timeline.parse_moment(timeline_from)
        end = timeline.parse_moment(timeline_to, end=True)
        if start is not None and end is not None and end <= start:
            raise UsageError("the timeline range ends before it starts",
                             message_vi="khoảng thời gian của dòng thời gian kết thúc trước khi bắt đầu")
        query = timeline.TimelineQuery(case, start, end)
        exhibit.timeline_range = (timeline_from or "…", timeline_to or "…")
        for event in timeline.events(vault, query):
            exhibit.timeline_total += 1
            if len(exhibit.timeline) < TIMELINE_LIMIT:
                moment = datetime.fromtimestamp(event.time_us / 1_000_000, UTC)
                exhibit.timeline.append(TimelineRow(
                    timeline.iso(event.time_us).replace("+00:00", "Z"),
                    moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %z"), event.precision, event.source,
                    event.timestamp_desc, event.message, str(event.item_id or "")))
    return exhibit
