"""The watches this examiner may reach (their case's owner, assigned examiners, administrators).

Kept apart from :mod:`.monitor` (which loads the capture engine) so the app's
monitoring view lists watches without loading the browser and the proxy.
"""

from __future__ import annotations

from evidence_store import Vault
from evidence_store import monitor_store as store

from . import case_access
from .case_access import Hidden


def reach_watch(vault: Vault, ref: str | int, reach: str) -> store.WatchRow:
    """The watch ``ref``, if this examiner may open its case's items (its checks are that case's evidence)."""
    watch = store.get_watch(vault, ref)
    case_access.require_visible(vault, vault.get_case(watch.case_id), reach)
    return watch


def list_watches(vault: Vault, case_ref: str | int | None = None, *,
                 include_removed: bool = False) -> tuple[list[store.WatchRow], Hidden]:
    """The watches of one case, or of every case this examiner may open, and a count of the others."""
    if case_ref is not None:
        case = case_access.reach_case(vault, case_ref, "watch list")
        return store.list_watches(vault, case_id=case.id, include_removed=include_removed), Hidden("watches")
    rows = store.list_watches(vault, include_removed=include_removed)
    seen = case_access.reachable(vault)
    if seen is None:
        return rows, Hidden("watches")
    return [w for w in rows if w.case_id in seen], case_access.hidden_cases(vault, (w.case_id for w in rows), "watches")
