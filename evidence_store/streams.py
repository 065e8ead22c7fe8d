"""A readable binary stream over decrypted segments: what parsers that want a file object read, nothing on disk."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any


class BlocksReader(io.RawIOBase):
    """``read()``/``readinto()`` over an iterable of byte blocks (e.g. :meth:`Vault.read_item`)."""

    def __init__(self, blocks: Iterable[bytes]) -> None:
        self._blocks = iter(blocks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._blocks)
            except StopIteration:
                return 0
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size
