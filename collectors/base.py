"""What every collector produces: artifacts (content + provenance) and warnings.

An artifact is a description, not yet evidence: the service layer opens its
stream and hands it to the vault, which hashes, encrypts and logs it. Collectors
are registered by name; a duplicate name is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeVar

from evidence_store.models import ItemWarning

Opener = Callable[[], AbstractContextManager[BinaryIO]]


@dataclass
class Artifact:
    """One future item: a record, or content to stream, with its provenance."""

    key: str
    kind: str
    name: str
    source: str
    parent: str | None = None
    opener: Opener | None = None
    size: int | None = None
    media_type: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[ItemWarning] = field(default_factory=list)
    acquired_at: str | None = None

    @property
    def has_content(self) -> bool:
        return self.opener is not None


T = TypeVar("T")
_REGISTRY: dict[str, Any] = {}


def register(name: str) -> Callable[[T], T]:
    """Class decorator: make a collector findable by ``name`` (unique)."""

    def wrap(cls: T) -> T:
        if name in _REGISTRY:
            raise ValueError(f"a collector named {name!r} is already registered")
        _REGISTRY[name] = cls
        return cls

    return wrap


def registered() -> dict[str, Any]:
    return dict(_REGISTRY)
