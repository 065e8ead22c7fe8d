"""Adding items for the analysis tests through the vault's batch, as collectors' services do."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from evidence_store import Case, Item, Vault

FIXTURES = Path(__file__).parent / "fixtures"


def add(vault: Vault, case: Case, name: str, data: bytes | None = None, *, kind: str = "file",
        media_type: str | None = None, metadata: dict[str, Any] | None = None, source: str | None = None) -> Item:
    with vault.batch(case) as batch:
        if data is None:
            pending = batch.add_record(kind=kind, name=name, source=source or name, metadata=metadata,
                                       media_type=media_type)
        else:
            pending = batch.add_content(io.BytesIO(data), kind=kind, name=name, source=source or name,
                                        media_type=media_type, metadata=metadata)
    assert pending.item is not None
    return pending.item


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
