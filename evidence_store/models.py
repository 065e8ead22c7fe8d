"""Records the vault hands out: plain frozen dataclasses, JSON-ready.

Warnings are data (as in plaso): a shortfall found while collecting is stored on
the item in both languages and shown in reports, never only logged.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ItemWarning:
    """A non-fatal shortfall on one item, in English and Vietnamese."""

    code: str
    message: str
    message_vi: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.message_vi:
            data["message_vi"] = self.message
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ItemWarning:
        return cls(
            code=str(data.get("code", "warning")),
            message=str(data.get("message", "")),
            message_vi=str(data.get("message_vi", "")),
            details=dict(data.get("details", {})),
        )

    def text(self, lang: str = "en") -> str:
        return (self.message_vi or self.message) if lang == "vi" else self.message


@dataclass(frozen=True)
class Examiner:
    """A person who signs custody entries, with the public half of their own key."""

    id: int
    uid: str
    name: str
    position: str
    agency: str
    unit: str
    signing_alg: str
    public_key: bytes
    role: str  # "admin" (may remove other examiners' slots, decided at vault creation) or "examiner"
    status: str  # "active" or "removed"
    created_at: str
    token: dict[str, Any] | None = None  # PKCS#11 token facts when the key lives on one
    certificate: bytes | None = None

    @property
    def fingerprint(self) -> str:
        from .identity import fingerprint

        return fingerprint(self.signing_alg, self.public_key)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "uid": self.uid, "name": self.name, "position": self.position, "agency": self.agency,
            "unit": self.unit, "signing_alg": self.signing_alg, "public_key": self.public_key.hex(),
            "fingerprint": self.fingerprint, "role": self.role, "status": self.status,
            "created_at": self.created_at, "token": self.token,
            "certificate": self.certificate.hex() if self.certificate else None,
        }


@dataclass(frozen=True)
class Case:
    id: int
    uid: str
    number: str
    title: str
    description: str
    agency: str
    unit: str
    examiner: str
    status: str
    created_at: str
    closed_at: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def require_open(self, doing: str = "adding evidence", doing_vi: str = "thêm chứng cứ") -> None:
        """A closed case takes nothing new: refuse before anything is recorded, saying what was refused."""
        if self.status != "open":
            from .errors import UsageError

            raise UsageError(f"case {self.number} is closed; reopen it before {doing}",
                             message_vi=f"vụ việc {self.number} đã đóng; hãy mở lại trước khi {doing_vi}",
                             remedy="reopen_case")


@dataclass(frozen=True)
class Item:
    id: int
    uid: str
    case_id: int
    parent_id: int | None
    kind: str
    name: str
    source: str
    size: int | None
    media_type: str | None
    sha256: str | None
    blake3: str | None
    md5: str | None
    sha1: str | None
    blob: str | None
    acquired_at: str
    examiner: str
    metadata: dict[str, Any]
    warnings: tuple[ItemWarning, ...]

    @property
    def has_content(self) -> bool:
        return self.blob is not None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["warnings"] = [w.to_json() for w in self.warnings]
        return data

    @classmethod
    def from_row(cls, row: Any, examiner: str) -> Item:
        return cls(
            id=row["id"],
            uid=row["uid"],
            case_id=row["case_id"],
            parent_id=row["parent_id"],
            kind=row["kind"],
            name=row["name"],
            source=row["source"],
            size=row["size"],
            media_type=row["media_type"],
            sha256=row["sha256"],
            blake3=row["blake3"],
            md5=row["md5"],
            sha1=row["sha1"],
            blob=row["blob_name"],
            acquired_at=row["acquired_at"],
            examiner=examiner,
            metadata=json.loads(row["metadata"]),
            warnings=tuple(ItemWarning.from_json(w) for w in json.loads(row["warnings"])),
        )


@dataclass(frozen=True)
class Problem:
    """One finding of ``verify``: what is wrong, and which item or blob it concerns."""

    code: str
    message: str
    item_id: int | None = None
    case_id: int | None = None
    blob: str | None = None
    custody_seq: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
