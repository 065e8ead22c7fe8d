"""Let warcio read brotli-encoded bodies with Google's ``brotli`` package.

warcio 1.8 was written for ``brotlipy`` (``decompress``, a settable
``unused_data``); Google's binding has ``process`` and a fixed C type, so
warcio fails on every ``Content-Encoding: br`` record. The adapter below gives
warcio the interface it expects; importing this module installs it.
"""

from __future__ import annotations

import brotli
from warcio.bufferedreaders import BufferedReader


class BrotliDecompressor:
    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()
        self.unused_data: bytes | None = None

    def decompress(self, data: bytes) -> bytes:
        return bytes(self._decompressor.process(data))

    def flush(self) -> bytes:
        return b""


def install() -> None:
    BufferedReader.DECOMPRESSORS["br"] = BrotliDecompressor


install()
