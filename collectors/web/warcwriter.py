"""Writing the proxy's records to one gzipped WARC, remembering where each record landed.

Each record is its own gzip member (as WARC readers expect, so any record can be read
on its own from its offset); the offsets and lengths feed the WACZ's CDXJ index.
Request records pass through the capture's redaction policy first (:mod:`.redact`);
response records are written exactly as received.
"""

from __future__ import annotations

import datetime
import gzip
import queue
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, BinaryIO

import warcprox.warc
import warcprox.warcproxy
from hanzo import warctools

from .redact import RedactionPolicy, redact_request

if TYPE_CHECKING:
    from .proxy import Journal


class WarcWriterThread(threading.Thread):
    """Drains the proxy's queue into one gzipped WARC, recording where each record landed."""

    def __init__(self, source: queue.Queue[Any], handle: BinaryIO | Any, name: str, journal: Journal,
                 warcinfo: dict[str, str], *, redaction: RedactionPolicy = RedactionPolicy(),
                 revisits: Mapping[str, dict[str, str]] | None = None) -> None:
        super().__init__(name="warc-writer", daemon=True)
        self.source = source
        self.redaction = redaction
        # payload digest -> the earlier response record holding it: such a response is written as a WARC
        # `revisit` record (identical-payload-digest profile) that refers to it (a monitoring re-check)
        self.revisits = revisits or {}
        self.name_in_warc = name
        self.journal = journal
        self.builder = warcprox.warc.WarcRecordBuilder(digest_algorithm="sha256")
        self.handle = handle  # written here, from start to end (a sealed file: see .staging)
        self.error: BaseException | None = None
        self._write_warcinfo(warcinfo)

    def _write_warcinfo(self, info: dict[str, str]) -> None:
        body = "".join(f"{k}: {v}\r\n" for k, v in info.items()).encode("utf-8")
        headers = [
            (warctools.WarcRecord.TYPE, warctools.WarcRecord.WARCINFO),
            (warctools.WarcRecord.ID, warctools.WarcRecord.random_warc_uuid()),
            (warctools.WarcRecord.DATE, self.builder.format_warc_date(datetime.datetime.now(datetime.UTC))),
            (warctools.WarcRecord.FILENAME, self.name_in_warc.encode("utf-8")),
        ]
        _write_gzipped(warctools.WarcRecord(headers=headers, content=(b"application/warc-fields", body)), self.handle)

    def run(self) -> None:
        try:
            while True:
                item = self.source.get()
                if item is None:
                    break
                if isinstance(item, warcprox.warcproxy.RecordedUrl):
                    self._write(item)
        except BaseException as exc:  # reported by RecordingProxy.stop
            self.error = exc
        finally:
            self.handle.flush()

    def _write(self, recorded: Any) -> None:
        redacted: list[str] = []
        if self.redaction.active and isinstance(recorded.request_data, bytes):
            recorded.request_data, redacted = redact_request(recorded.request_data, self.redaction)
        revisit = self._earlier_record(recorded)
        if revisit is not None:
            recorded.dedup_info = revisit
        records = self.builder.build_warc_records(recorded)
        offsets = []
        for record in records:
            start = self.handle.tell()
            _write_gzipped(record, self.handle)
            offsets.append((start, self.handle.tell() - start, record.id.decode("ascii")))
        recorder = recorded.response_recorder
        recorder.tempfile.seek(0)
        head = recorder.tempfile.read(min(recorder.payload_offset or 0, 256 * 1024))
        payload_digest = records[0].get_header(warctools.WarcRecord.PAYLOAD_DIGEST)
        self.journal.add("exchanges", {
            "url": recorded.url.decode("utf-8", "replace"), "method": recorded.method, "status": recorded.status,
            "remote_ip": recorded.remote_ip.decode("ascii"), "remote_port": getattr(recorded, "remote_port", None),
            "content_type": recorded.content_type or "", "mime": recorded.mimetype or "",
            "size": recorded.size, "timestamp": recorded.timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "warc_date": recorded.timestamp.strftime("%Y%m%d%H%M%S"),
            "referer": recorded.referer or "", "truncated": (recorded.truncated or b"").decode("ascii"),
            "truncation_reason": getattr(recorded, "truncation_reason", ""),
            "payload_digest": payload_digest.decode("ascii") if payload_digest else "",
            "response_record": {"offset": offsets[0][0], "length": offsets[0][1], "id": offsets[0][2]},
            "request_record": {"offset": offsets[1][0], "length": offsets[1][1], "id": offsets[1][2]}
            if len(offsets) > 1 else None,
            "raw_head": head.decode("latin-1"),
            "redacted_request_headers": redacted,
            "revisit_of": {k: v.decode("utf-8") for k, v in revisit.items()} if revisit else None,
        })
        if redacted and len(offsets) > 1:
            self.journal.add("redactions", {"url": recorded.url.decode("utf-8", "replace"), "headers": redacted,
                                            "request_record": offsets[1][2]})
        recorder.tempfile.close()


    def _earlier_record(self, recorded: Any) -> dict[str, bytes] | None:
        if not self.revisits or recorded.response_recorder is None or recorded.payload_digest is None:
            return None
        if recorded.truncated or not 200 <= int(recorded.status or 0) < 300:
            return None
        found = self.revisits.get(warcprox.digest_str(recorded.payload_digest, self.builder.base32).decode("ascii"))
        if not found:
            return None
        return {key: str(found[key]).encode("utf-8") for key in ("id", "url", "date")}  # warcprox writes bytes


def _write_gzipped(record: Any, handle: BinaryIO) -> None:
    """One gzip member per record (so each can be read on its own, as WARC readers expect)."""
    member = gzip.GzipFile(fileobj=handle, mode="wb")
    try:
        record.write_to(member, gzip=False)
    finally:
        member.close()  # ends the member; the WARC file itself stays open
