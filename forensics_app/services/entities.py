"""Entities across the vault: lists, the entity card, cross-case hits and watch lists.

A value typed by a user is normalised by the same rules that found the entities
(``0912.345.678`` is the phone ``+84912345678``), so a lookup finds every
occurrence however it was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidence_store import Vault, entity_store
from evidence_store.entity_store import EntityRow, OccurrenceRow, Watch
from evidence_store.errors import NotFoundError, UsageError

from . import case_access, entity_rules
from .case_access import Hidden


def resolve(vault: Vault, value: str, entity_type: str | None = None) -> list[EntityRow]:
    """The stored entities a typed value means (normalised first)."""
    if entity_type is not None and entity_type not in entity_rules.TYPES:
        raise UsageError(f"unknown entity type {entity_type!r}: use one of {', '.join(entity_rules.TYPES)}",
                         message_vi=f"loại thực thể không xác định {entity_type!r}: dùng một trong "
                                    f"{', '.join(entity_rules.TYPES)}")
    if not value.strip():
        raise UsageError("an entity value is needed", message_vi="cần giá trị của thực thể")
    rows: dict[int, EntityRow] = {}
    for candidate_type, candidate in entity_rules.normalise(value, entity_type):
        for row in entity_store.find_entities(vault, candidate, candidate_type):
            rows[row.id] = row
    if not rows:  # an account id or handle without its platform, an account number without its bank
        bare = "".join(value.split()).replace(".", "") if value.strip().replace(" ", "").replace(".", "").isdigit() \
            else value.strip()
        suffixes = []
        if entity_type in (None, "account"):
            suffixes.append(("account", (":#" + bare) if bare.isdigit() else (":@" + bare.lstrip("@").lower())))
        if entity_type in (None, "bank_account") and bare.isdigit():
            suffixes.append(("bank_account", ":" + bare))
        for kind, suffix in suffixes:
            for row in entity_store.find_by_suffix(vault, kind, suffix):
                rows[row.id] = row
    return list(rows.values())


def list_entities(vault: Vault, case: str | None = None, entity_type: str | None = None) -> list[EntityRow]:
    if entity_type is not None and entity_type not in entity_rules.TYPES:
        raise UsageError(f"unknown entity type {entity_type!r}: use one of {', '.join(entity_rules.TYPES)}",
                         message_vi=f"loại thực thể không xác định {entity_type!r}: dùng một trong "
                                    f"{', '.join(entity_rules.TYPES)}")
    """Entities of one case, or of every case the examiner may see."""
    if case:
        chosen = vault.get_case(case)
        case_access.require_visible(vault, chosen)
        return entity_store.list_entities(vault, case_id=chosen.id, entity_type=entity_type)
    return entity_store.list_entities(vault, entity_type=entity_type, case_ids=case_access.visible(vault))


@dataclass
class EntityCard:
    """Everything about one entity: occurrences, cases, first/last seen, what it appears with."""

    entity: EntityRow
    occurrences: list[OccurrenceRow]
    cases: list[dict[str, Any]]
    first_seen: str | None
    last_seen: str | None
    linked: list[tuple[EntityRow, int]]
    watched: bool
    hidden: Hidden  # occurrences in cases the examiner is not assigned to: counted, not shown

    def to_json(self) -> dict[str, Any]:
        return {"entity": self.entity.to_json(), "first_seen": self.first_seen, "last_seen": self.last_seen,
                "watched": self.watched, "cases": self.cases, "hidden": self.hidden.to_json(),
                "occurrences": [o.to_json() for o in self.occurrences],
                "linked": [{**e.to_json(), "shared_items": n} for e, n in self.linked]}


LINK_TYPES = ("account", "phone", "email", "bank_account", "crypto_wallet", "domain", "card")


def card(vault: Vault, entity: EntityRow) -> EntityCard:
    """The entity card, of the cases the examiner may see (the others counted in ``hidden``).

    First/last seen: the time the evidence shows, else when the item was acquired."""
    seen = case_access.visible(vault)
    occurrences = entity_store.occurrences(vault, entity.id, case_ids=seen)
    shown, hidden = case_access.split(vault, entity_store.occurrence_cases(vault, entity.id), "occurrences")
    names = {c.id: c for c in vault.list_cases()}
    moments = sorted((o.seen_at or o.acquired_at) for o in occurrences)
    watched = any(w.type == entity.type and w.value == entity.value for w in entity_store.watches(vault))
    counted = EntityRow(entity.id, entity.type, entity.value, entity.display, len(occurrences), len(shown),
                        len({o.item_id for o in occurrences}))
    return EntityCard(counted, occurrences,
                      [{"case_id": k, "number": names[k].number, "title": names[k].title, "occurrences": v}
                       for k, v in shown],
                      moments[0] if moments else None, moments[-1] if moments else None,
                      entity_store.co_occurring(vault, entity.id, types=LINK_TYPES, case_ids=seen), watched, hidden)


def show(vault: Vault, value: str, entity_type: str | None = None) -> list[EntityCard]:
    rows = resolve(vault, value, entity_type)
    if not rows:
        raise NotFoundError(f"{value!r} was not found in any case (as {entity_type or 'any entity type'})",
                            message_vi=f"không tìm thấy {value!r} trong vụ việc nào (với loại {entity_type or 'bất kỳ'})")
    return [card(vault, row) for row in rows]


def watch(vault: Vault, values: list[str], entity_type: str | None = None, note: str = "") -> list[tuple[Watch, int]]:
    """Put values on the watch list (normalised; the type guessed from the value unless given)."""
    added = []
    for value in values:
        candidates = entity_rules.normalise(value, entity_type)
        if len(candidates) != 1:
            known = [(t, v) for t, v in candidates if entity_store.find_entities(vault, v, t)]
            if len(known) != 1:
                raise UsageError(f"cannot tell what kind of entity {value!r} is; give --type "
                                 f"({', '.join(entity_rules.TYPES)})",
                                 message_vi=f"không xác định được {value!r} là loại thực thể nào; hãy cho biết loại "
                                            f"({', '.join(entity_rules.TYPES)})")
            candidates = known
        kind, normal = candidates[0]
        added.append(entity_store.add_watch(vault, kind, normal, note))
    return added


def links(vault: Vault, entity_ids: list[int]) -> list[tuple[int, int, int]]:
    """Pairs of the chosen entities that share items (the report's link chart)."""
    return entity_store.shared_items(vault, entity_ids, case_ids=case_access.visible(vault))


def normalise_watched(vault: Vault, value: str, entity_type: str | None = None) -> list[tuple[str, str]]:
    """The watch-list entry a typed value means."""
    candidates = entity_rules.normalise(value, entity_type)
    watched = {(w.type, w.value) for w in entity_store.watches(vault)}
    found = [c for c in candidates if c in watched]
    if not found:
        raise NotFoundError(f"{value!r} is not on the watch list", message_vi=f"{value!r} không có trong danh sách theo dõi")
    return found[:1]
