"""Hash several algorithms over the same buffers, so every byte is read once.

SHA-256 and BLAKE3 always; MD5 and SHA-1 on request, for comparison with
acquisition logs and older tools (they are never the integrity anchor).
hashlib and blake3 release the GIL on large buffers, so callers may feed the
hashers from worker threads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import blake3

ALWAYS = ("sha256", "blake3")
OPTIONAL = ("md5", "sha1")
ALL_ALGORITHMS = ALWAYS + OPTIONAL


def new_hasher(name: str) -> Any:
    if name == "blake3":
        return blake3.blake3()
    if name in ("sha256", "md5", "sha1"):
        return hashlib.new(name)
    raise ValueError(f"unknown hash algorithm: {name}")


@dataclass
class MultiHasher:
    """Feeds one buffer to several hash functions."""

    algorithms: tuple[str, ...] = ALWAYS
    _hashers: dict[str, Any] = field(init=False)
    size: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        unknown = set(self.algorithms) - set(ALL_ALGORITHMS)
        if unknown:
            raise ValueError(f"unknown hash algorithms: {sorted(unknown)}")
        self._hashers = {name: new_hasher(name) for name in self.algorithms}

    def update(self, data: bytes | memoryview) -> None:
        for hasher in self._hashers.values():
            hasher.update(data)
        self.size += len(data)

    def hexdigests(self) -> dict[str, str]:
        return {name: hasher.hexdigest() for name, hasher in self._hashers.items()}


def digest_stream(source: BinaryIO, algorithms: Iterable[str] = ALWAYS, chunk: int = 1 << 20) -> MultiHasher:
    """Read a stream to its end once, through every hasher (``.hexdigests()`` and ``.size`` after)."""
    hasher = MultiHasher(tuple(algorithms))
    while block := source.read(chunk):
        hasher.update(block)
    return hasher


def hash_stream(source: BinaryIO, algorithms: Iterable[str] = ALWAYS, chunk: int = 1 << 20) -> dict[str, str]:
    """Hash a readable stream (used by exports and verification)."""
    return digest_stream(source, algorithms, chunk).hexdigests()


def optional_algorithms(requested: Iterable[str]) -> tuple[str, ...]:
    """Validate a user's request for extra hashes (e.g. ``["md5", "sha1"]``)."""
    extra = tuple(dict.fromkeys(name.lower() for name in requested))
    bad = [name for name in extra if name not in OPTIONAL]
    if bad:
        from .errors import UsageError

        raise UsageError(f"extra hashes may be md5 and sha1, not {', '.join(bad)}",
                         message_vi=f"hàm băm bổ sung chỉ có thể là md5 và sha1, không phải {', '.join(bad)}")
    return extra
