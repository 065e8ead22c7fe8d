"""From a rendered page to a :class:`PostRecord`: pick the platform's reader, run it, judge availability.

A pure function of the HTML, the addresses and the capture time, so the same
record can be rebuilt later from the stored ``html`` item.
"""

from __future__ import annotations

from .availability import judge
from .extractors.base import Extractor, extractor_for
from .page import PageDocument, text_of
from .platforms import PlatformMatch, detect
from .record import UNKNOWN, PostRecord


def read_post(doc: PageDocument, match: PlatformMatch | None = None) -> tuple[PostRecord, Extractor]:
    match = match or detect(doc.url)
    extractor = extractor_for(match.platform)
    try:
        record = extractor.extract(doc, match)
    except Exception as exc:  # a reader that breaks on strange markup: the capture itself stands
        record = extractor.new_record(doc, match)
        record.note("extractor_failed", f"the {extractor.name} reader failed: {type(exc).__name__}: {exc}",
                    f"bộ đọc {extractor.name} gặp lỗi: {type(exc).__name__}: {exc}")
    found = extractor.found(record)
    said = record.availability if record.availability.status != UNKNOWN else None
    body = doc.first("body")
    record.availability = judge(doc.final_url or doc.url, text_of(body) if body is not None else "",
                                extracted=found, extra=extractor.spec.phrases, platform_said=said)
    record.captured_at = doc.captured_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    record.time_zone = doc.zone
    return record, extractor
