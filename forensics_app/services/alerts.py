"""One list of alerts for the desk: monitoring alerts and the entity watch list's, grouped per case and watch.

Both kinds keep their own rows (an entity alert belongs to an entity watch list
entry; a monitoring alert to a watch and a check); this is the one place that
lists, groups, marks read and delivers them, so the Monitoring tab, the command
line and the notifiers see the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evidence_store import Vault, entity_store
from evidence_store import monitor_store as store

from . import case_access
from .case_access import Hidden

KIND_TEXT = {
    "changed": ("Changed", "Có thay đổi"), "new_posts": ("New posts", "Bài đăng mới"),
    "removed": ("Removed", "Đã bị gỡ"), "failing": ("Failing", "Lỗi liên tiếp"),
    "keyword": ("Keyword", "Từ khoá"), "entity": ("Watched entity", "Thực thể theo dõi"),
}


@dataclass(frozen=True)
class DeskAlert:
    ref: str  # "m12" (monitoring) or "e7" (entity)
    source: str  # "monitoring" | "entity"
    case_id: int
    group: str  # what it is grouped under: the watch's target or the watched entity
    kind: str
    summary: dict[str, str]
    item_id: int | None
    created_at: str
    read_at: str | None
    watch_id: int | None = None

    def text(self, lang: str = "en") -> str:
        return self.summary.get(lang) or self.summary.get("en", "")

    def kind_text(self, lang: str = "en") -> str:
        en, vi = KIND_TEXT.get(self.kind, (self.kind, self.kind))
        return vi if lang == "vi" else en

    def to_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "source": self.source, "case_id": self.case_id, "group": self.group,
                "kind": self.kind, "summary": self.summary, "item_id": self.item_id, "created_at": self.created_at,
                "read_at": self.read_at, "watch_id": self.watch_id}


def summary_of(text: str) -> dict[str, str]:
    if text.startswith("{"):
        try:
            data = json.loads(text)
            return {"en": str(data.get("en", "")), "vi": str(data.get("vi", data.get("en", "")))}
        except ValueError:
            pass
    return {"en": text, "vi": text}


def from_monitor(a: store.MonitorAlert) -> DeskAlert:
    return DeskAlert(f"m{a.id}", "monitoring", a.case_id, a.target, a.kind, summary_of(a.summary), a.item_id,
                     a.created_at, a.read_at, a.watch_id)


def all_alerts(vault: Vault, *, unread_only: bool = False, case_id: int | None = None,
               limit: int = 1000) -> list[DeskAlert]:
    """Monitoring alerts of the cases the examiner may open, and the entity watch list's alerts of the cases the
    examiner may see (:func:`hidden_entity_alerts` counts the others)."""
    seen = case_access.reachable(vault)
    rows = [from_monitor(a) for a in store.alerts(vault, unread_only=unread_only, case_id=case_id, limit=limit)
            if seen is None or a.case_id in seen]
    for e in entity_store.alerts(vault, open_only=unread_only, case_ids=case_access.visible(vault), limit=limit):
        if case_id is not None and e.case_id != case_id:
            continue
        text = f"{e.type} {e.value} in item {e.item_id} ({e.place}): {e.snippet}"
        rows.append(DeskAlert(f"e{e.id}", "entity", e.case_id, f"{e.type} {e.value}", "entity",
                              {"en": text, "vi": f"{e.type} {e.value} trong mục {e.item_id} ({e.place}): {e.snippet}"},
                              e.item_id, e.created_at, e.acknowledged_at))
    return sorted(rows, key=lambda a: a.created_at)


def hidden_entity_alerts(vault: Vault, *, unread_only: bool = False) -> Hidden:
    """Watch-list alerts raised in cases the examiner is not assigned to: counted, not shown."""
    return case_access.split(vault, entity_store.alert_cases(vault, open_only=unread_only), "alerts")[1]


def hidden_monitor_alerts(vault: Vault, *, unread_only: bool = False) -> Hidden:
    """Monitoring alerts of cases the examiner may not open: counted, not shown."""
    if case_access.reachable(vault) is None:
        return Hidden("alerts")
    return case_access.hidden_cases(vault, (a.case_id for a in store.alerts(vault, unread_only=unread_only,
                                                                             limit=1 << 62)), "alerts")


def grouped(rows: Sequence[DeskAlert]) -> dict[str, list[DeskAlert]]:
    """Per case and watch (or entity), in order of the first alert."""
    out: dict[str, list[DeskAlert]] = {}
    for a in rows:
        out.setdefault(f"case {a.case_id} · {a.group}", []).append(a)
    return out


def mark_read(vault: Vault, refs: Sequence[int | str]) -> int:
    """Mark alerts read: ``m12``/``e7`` references, or bare numbers for monitoring alerts."""
    monitor_ids = [int(str(r).lstrip("m")) for r in refs if not str(r).startswith("e")]
    entity_ids = [int(str(r)[1:]) for r in refs if str(r).startswith("e")]
    seen = case_access.reachable(vault)
    if seen is not None and monitor_ids:
        mine = {a.id for a in store.alerts(vault, limit=1 << 62) if a.case_id in seen}
        monitor_ids = [i for i in monitor_ids if i in mine]
    done = store.mark_read(vault, monitor_ids)
    if entity_ids:
        done += entity_store.acknowledge_alerts(vault, entity_ids, case_ids=case_access.visible(vault))
    return done


def unread_count(vault: Vault) -> int:
    return len(all_alerts(vault, unread_only=True))
