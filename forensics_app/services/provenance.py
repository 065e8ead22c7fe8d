"""Where an item came from, in words: the readable summary the preview shows (and the court report prints).

A web capture's parts (screenshot, HTML, WARC, provenance.json …) show their
capture's provenance; a file or a disk image shows the facts its collector
recorded, labelled in the reader's language. The raw metadata stays available
(the preview's "full record").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidence_store import Item, Vault, zone_info
from report_templates.metadata import flatten, label_for, looks_like_time
from report_templates.provenance_summary import SummaryLine, is_provenance, summary_lines


@dataclass(frozen=True)
class ProvenanceView:
    lines: list[SummaryLine]
    of_item: int  # whose provenance this is: the item itself, or the capture it is part of
    web: bool  # a web capture's provenance (else the collector's recorded facts)


def provenance_view(vault: Vault, item: Item, lang: str, tz_name: str) -> ProvenanceView:
    tz = zone_info(tz_name)
    owner, record = item, item.metadata.get("provenance")
    seen = 0
    while not is_provenance(record) and owner.parent_id is not None and seen < 8:
        owner = vault.get_item(owner.parent_id)
        record = owner.metadata.get("provenance")
        seen += 1
    if isinstance(record, dict) and is_provenance(record):
        return ProvenanceView(summary_lines(record, lang, tz), owner.id, True)
    return ProvenanceView(metadata_lines(item.metadata, lang, tz_name), item.id, False)


def metadata_lines(metadata: dict[str, Any], lang: str, tz_name: str) -> list[SummaryLine]:
    """A collector's recorded facts as labelled lines (times shown in local time with their zone, and UTC)."""
    from report_templates.i18n import local_text, utc_text

    tz = zone_info(tz_name)
    lines = []
    for key, value in flatten(metadata):
        text = str(value)
        if isinstance(value, str) and looks_like_time(value):
            try:
                text = f"{local_text(value, tz)} ({utc_text(value)})"
            except ValueError:
                pass
        elif isinstance(value, bool):
            text = ("có" if value else "không") if lang == "vi" else ("yes" if value else "no")
        lines.append(SummaryLine(key, label_for(key, lang), text))
    return lines
