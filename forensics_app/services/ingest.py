"""Hand collector artifacts to the vault: one batch, parents before children.

Shared by every collector's service (files, web, disk), so the rules live once:
content is streamed (hashed and encrypted in one pass), a source that fails while
being read is skipped and recorded, everything is committed together, and a
cancel leaves nothing referenced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from collectors.base import Artifact
from evidence_store import Batch, Case, Item, ItemWarning, PendingItem, SourceError, Vault
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress


@dataclass
class StoreResult:
    items: list[Item] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    by_key: dict[str, Item] = field(default_factory=dict)
    analysis: Any = None  # the post-commit analysis report (services.analysis.IndexReport), if it ran


def store_artifacts(
    vault: Vault,
    case: Case,
    artifacts: Iterable[Artifact],
    *,
    total_bytes: int | None = None,
    extra_hashes: tuple[str, ...] = (),
    progress: Progress = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    skip_unreadable: bool = True,
) -> StoreResult:
    """Store every artifact as an item; returns the items and the sources skipped."""
    result = StoreResult()
    pending: dict[str, PendingItem] = {}
    done_before = 0
    with vault.batch(case) as batch:
        for artifact in artifacts:
            cancel.check()
            parent = pending.get(artifact.parent) if artifact.parent else None
            if artifact.parent and parent is None:
                continue  # its parent was skipped
            try:
                pending[artifact.key] = _add(batch, artifact, parent, extra_hashes, done_before,
                                             total_bytes, progress, cancel)
            except SourceError as exc:
                if not skip_unreadable:
                    raise
                result.skipped.append((artifact.source, str(exc)))
                if parent is not None:
                    parent.warnings = parent.warnings + (ItemWarning(
                        "source_unreadable", f"not acquired: {exc}", f"không thu thập được: {exc}",
                        {"source": artifact.source}),)
                continue
            done_before += artifact.size or 0
    for key, item_pending in pending.items():
        if item_pending.item is not None:
            result.by_key[key] = item_pending.item
    result.items = list(result.by_key.values())
    from .analysis import after_commit  # search index, entities, timeline of what was just stored

    result.analysis = after_commit(vault, case, result.items, cancel=cancel)
    return result


def _add(batch: Batch, artifact: Artifact, parent: PendingItem | None, extra_hashes: tuple[str, ...],
         done_before: int, total: int | None, progress: Progress, cancel: CancelToken) -> PendingItem:
    common = dict(kind=artifact.kind, name=artifact.name, source=artifact.source, parent=parent,
                  metadata=artifact.metadata, warnings=artifact.warnings, acquired_at=artifact.acquired_at,
                  media_type=artifact.media_type)
    if artifact.opener is None:
        return batch.add_record(**common)  # type: ignore[arg-type]

    def step(done: int, _total: int | None, label: str) -> None:
        progress(done_before + done, total, label)

    with artifact.opener() as stream:
        return batch.add_content(stream, extra_hashes=extra_hashes, total=artifact.size, progress=step,
                                 cancel=cancel, **common)  # type: ignore[arg-type]
