"""What a report is made from: plain data gathered by the service layer.

Templates never open the vault: the service fills a :class:`ReportContext`
(items, custody entries, checkpoint, timestamps, settings) and passes a
:class:`ContentReader` for the few exhibits that show content (screenshots,
text excerpts); its reads are logged by the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from evidence_store import Case, Item


class ContentReader(Protocol):
    def read(self, item: Item, limit: int) -> bytes | None:
        """The item's whole decrypted content (None: larger than ``limit``, or no content)."""

    def head(self, item: Item, size: int) -> bytes | None:
        """The first ``size`` bytes of the item's decrypted content (None: no content)."""


@dataclass(frozen=True)
class Organisation:
    """Names printed on forms; all from settings (never hard-coded: agencies were merged in 2025)."""

    parent_agency: str = ""
    agency: str = ""
    unit: str = ""
    place: str = ""


@dataclass(frozen=True)
class Person:
    name: str
    position: str = ""
    organisation: str = ""
    identity: str = ""  # ID document of a witness or data holder, as the minutes record it
    fingerprint: str = ""  # the examiner's signing key, printed so the paper copy anchors it


@dataclass(frozen=True)
class CertInfo:
    subject: str
    issuer: str
    serial: str
    not_before: str
    not_after: str
    sha256: str


@dataclass(frozen=True)
class TimestampInfo:
    """One RFC 3161 token: what it covers, who issued it and whether it verified."""

    subject: str  # e.g. "checkpoint 57" or "manifest.json"
    tsa_url: str
    tsa_name: str
    gen_time: str
    serial: str
    policy: str
    hash_algorithm: str
    imprint: str
    chain: tuple[CertInfo, ...] = ()
    verified: bool = False
    problem: str = ""
    checkpoint_size: int | None = None
    file: str = ""  # where the token sits in a package


@dataclass(frozen=True)
class CheckpointInfo:
    note: str
    verifier_key: str
    size: int
    root_hex: str
    examiner: str
    time: str
    signer_fingerprint: str = ""


@dataclass(frozen=True)
class CustodyRow:
    seq: int
    time: str
    examiner: str
    action: str
    case_id: int | None
    item_id: int | None
    details: dict[str, Any]
    facts: str = ""  # the entry's key facts in the report's language (evidence_store.catalogue.actions.facts)
    item_name: str = ""
    canonical: str = ""  # the entry exactly as logged and hashed (printed whole in the appendix)
    leaf_hash: str = ""  # its Merkle leaf hash (RFC 6962), what a checkpoint and a proof commit to
    signature: str = ""  # the examiner's signature over the entry ("" when a later entry's signature covers it)


@dataclass(frozen=True)
class Session:
    """One acquisition (a capture, a disk image, one run of ``files add``): one set of minutes."""

    kind: str  # web | disk | files | other
    roots: tuple[Item, ...]
    items: tuple[Item, ...]
    start: str
    end: str
    examiners: tuple[str, ...]


@dataclass(frozen=True)
class MinutesFields:
    """What only people know: given on the command line or in the GUI, else dotted lines to fill by hand."""

    number: str = ""
    legal_basis: str = ""
    place: str = ""  # where the work was done (default: the place setting)
    decision_number: str = ""  # the task or decision the work was done under: number, date, issuer
    decision_date: str = ""  # YYYY-MM-DD
    decision_issuer: str = ""
    witnesses: tuple[Person, ...] = ()
    data_holder: Person | None = None
    seal: str = ""
    complaints: str = ""
    account: str = ""
    mandate: str = ""
    copies: int = 2


@dataclass(frozen=True)
class StatsBucket:
    label: str
    cases: int
    items: int


@dataclass(frozen=True)
class StatsData:
    start: str
    end: str
    scope: str  # "all cases" or a case number
    cases_opened: tuple[tuple[str, str, str], ...]  # number, title, created_at
    cases_total: int
    items_total: int
    bytes_total: int
    by_kind: tuple[tuple[str, int, int], ...]  # kind, count, bytes
    by_platform: tuple[tuple[str, int], ...]
    by_domain: tuple[tuple[str, int], ...]
    by_case: tuple[tuple[str, str, int, int], ...]  # number, title, items, bytes
    over_time: tuple[StatsBucket, ...]
    reports: int
    exports: int
    examiners: tuple[tuple[str, int], ...]
    monitoring: dict[str, Any] = field(default_factory=dict)  # watches, checks, changes, alerts, community reports


@dataclass
class ReportContext:
    kind: str
    lang: str
    report_id: str
    generated_at: str
    tz: ZoneInfo
    org: Organisation
    examiner: Person
    tool: dict[str, Any]
    host: dict[str, Any]
    case: Case | None = None
    items: list[Item] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    custody: list[CustodyRow] = field(default_factory=list)
    acquired_seq: dict[int, int] = field(default_factory=dict)
    checkpoint: CheckpointInfo | None = None
    timestamps: list[TimestampInfo] = field(default_factory=list)
    item_timestamp: dict[int, TimestampInfo] = field(default_factory=dict)
    fields: MinutesFields = field(default_factory=MinutesFields)
    stats: StatsData | None = None
    content: ContentReader | None = None
    clock: dict[str, Any] = field(default_factory=dict)
    range_text: str = ""
    examiners: list[Person] = field(default_factory=list)
    selection: str = ""  # "all" or the ids asked for
    signing: str = ""  # who will sign the PDF digitally (PAdES), if anyone
    analysis: Any = None  # report_templates.analysis_section.AnalysisExhibit: links and a timeline, if asked for

    _children: dict[int | None, list[Item]] | None = field(default=None, repr=False)

    def children(self, item: Item | None) -> list[Item]:
        """Items under ``item`` in the report's selection (``None``: the roots)."""
        if self._children is None:
            ids = {i.id for i in self.items}
            self._children = {}
            for i in self.items:
                key = i.parent_id if i.parent_id in ids else None
                self._children.setdefault(key, []).append(i)
        return self._children.get(item.id if item is not None else None, [])

    def item_by_id(self) -> dict[int, Item]:
        return {i.id: i for i in self.items}
