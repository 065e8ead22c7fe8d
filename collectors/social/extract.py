"""From a rendered page to a :class:`PostRecord`: the platform's reader, the shared layers, then availability.

A pure function of the HTML, the addresses and the capture time, so the same
record can be rebuilt later from the stored ``html`` item (and the reader
health check runs it on the bundled corpus of real pages).
"""

from __future__ import annotations

from typing import Any

from .availability import judge
from .extractors.base import Extractor, extractor_for
from .layers import complete
from .page import PageDocument, text_of
from .platforms import PlatformMatch, detect
from .post_record import UNKNOWN, PostRecord


def read_post(doc: PageDocument, match: PlatformMatch | None = None) -> tuple[PostRecord, Extractor]:
    match = match or detect(doc.url)
    extractor = extractor_for(match.platform)
    structured = _structured(doc)
    try:
        record = extractor.extract(doc, match)
    except Exception as exc:  # a reader that breaks on strange markup: the capture itself stands
        record = extractor.new_record(doc, match)
        record.note("extractor_failed", f"the {extractor.name} reader failed: {type(exc).__name__}: {exc}",
                    f"bộ đọc {extractor.name} gặp lỗi: {type(exc).__name__}: {exc}")
    record.provenance("page (DOM)", f"{extractor.name} reader (page markup)", {})
    if isinstance(structured, str):
        record.note("structured_data_unreadable", f"the page's JSON-LD and microdata could not be read: {structured}",
                    f"không đọc được dữ liệu JSON-LD và microdata của trang: {structured}", error=structured)
        structured = []
    complete(doc, match, record, structured)
    found = extractor.found(record)
    said = record.availability if record.availability.status != UNKNOWN else None
    body = doc.first("body")
    record.availability = judge(doc.final_url or doc.url, text_of(body) if body is not None else "",
                                extracted=found, extra=extractor.spec.phrases, platform_said=said)
    record.captured_at = doc.captured_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    record.time_zone = doc.zone
    return record, extractor


def _structured(doc: PageDocument) -> list[dict[str, Any]] | str:
    """The page's schema.org items, or the error that stopped extruct (a warning, never a silent gap)."""
    from .extractors.generic import StructuredDataError, structured_items

    try:
        return structured_items(doc)
    except StructuredDataError as exc:
        return str(exc)
