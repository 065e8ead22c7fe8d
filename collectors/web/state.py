"""The state of one capture in progress, handed to behaviours and artifact hooks.

Extension points live here so the social-media capture can build on the web
capture without touching it: behaviours (steps run on the page before the
snapshot), artifact hooks (extra files added to the capture) and the login
profile provider (a saved Playwright storage state for the context).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from evidence_store.canonical import iso_utc
from evidence_store.models import ItemWarning
from evidence_store.tasks import NEVER_CANCELLED, CancelToken

from .options import CaptureOptions
from .staging import SealedFile, Staging

#: A part we write (screenshot, HTML, PDF …) stays in memory up to this size; past it, it is sealed (encrypted on
#: disk, key in memory): never a plaintext file, whatever file system the staging found, and bounded memory.
PART_MEMORY = 4 * 1024 * 1024

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page


@dataclass
class CaptureFile:
    """One future child item: a sealed file (the parts we write: in memory, or encrypted on disk; ``path`` is then
    only its name in the work folder), or a file the browser wrote into the work folder (video, downloads: only
    when the work folder is on a memory file system)."""

    kind: str
    path: Path
    name: str
    media_type: str
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[ItemWarning] = field(default_factory=list)
    in_wacz: bool = False  # also listed as an extra resource of the WACZ
    sealed: SealedFile | None = None

    def open(self) -> BinaryIO:
        return self.sealed.open() if self.sealed is not None else open(self.path, "rb")  # type: ignore[return-value]

    def size(self) -> int:
        return self.sealed.size if self.sealed is not None else self.path.stat().st_size


@dataclass
class CaptureState:
    url: str
    options: CaptureOptions
    workdir: Path  # in the staging's memory folder
    page: Page
    context: BrowserContext
    deadline: float
    cancel: CancelToken = NEVER_CANCELLED
    warnings: list[ItemWarning] = field(default_factory=list)
    files: list[CaptureFile] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    #: The capture's recording proxy (``http://127.0.0.1:port``): a hook that fetches more (media, oEmbed)
    #: goes through it, so those bytes are in the WARC and meet the same TLS checks and address policy.
    proxy_url: str = ""
    #: The CA (PEM) that signs the proxy's certificates, made for this browser session only: what such a hook
    #: verifies the proxy by, as the proxy verifies the origin.
    proxy_ca_file: str = ""
    #: Objects that must live as long as the page (the screenshot's DevTools session, which holds the page's
    #: device emulation: detaching it would drop that emulation for the rest of the capture).
    keep_alive: list[Any] = field(default_factory=list)
    #: Where parts wait for the vault: ``staging.sealed()`` for big files written by us (see :mod:`.staging`).
    staging: Staging | None = None
    sealed_files: list[CaptureFile] = field(default_factory=list)

    def warn(self, code: str, en: str, vi: str, **details: Any) -> None:
        self.warnings.append(ItemWarning(code, en, vi, details))

    def event(self, kind: str, **facts: Any) -> None:
        self.events.append({"event": kind, "at": iso_utc(), **facts})

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def add_file(self, kind: str, path: Path, media_type: str, *, name: str | None = None,
                 metadata: dict[str, Any] | None = None, in_wacz: bool = False,
                 sealed: SealedFile | None = None) -> CaptureFile:
        entry = CaptureFile(kind, path, name or path.name, media_type, metadata or {}, in_wacz=in_wacz, sealed=sealed)
        self.files.append(entry)
        if sealed is not None:
            self.sealed_files.append(entry)
        return entry

    def new_part(self) -> SealedFile:
        """A file for a part we write: memory up to :data:`PART_MEMORY`, then sealed; closed if the capture fails."""
        if self.staging is None:
            raise RuntimeError("a capture without staging cannot hold parts")
        return self.staging.sealed(memory_limit=PART_MEMORY)

    def add_part(self, kind: str, name: str, media_type: str, data: bytes | None = None, *,
                 sealed: SealedFile | None = None, metadata: dict[str, Any] | None = None,
                 in_wacz: bool = False) -> CaptureFile:
        """A part we made (``data``, or ``sealed`` already written), never a plaintext file on disk."""
        if sealed is None:
            sealed = self.new_part()
            sealed.write(data or b"")
        return self.add_file(kind, self.workdir / name, media_type, name=name, metadata=metadata, in_wacz=in_wacz,
                             sealed=sealed)


class Behaviour(Protocol):
    """A step run on the loaded page before the snapshot (scroll, expand, dismiss …)."""

    name: str

    async def run(self, state: CaptureState) -> None: ...


#: An artifact hook adds files (or facts) to a capture after the behaviours, before the snapshot.
ArtifactHook = Callable[[CaptureState], Awaitable[None]]

#: A profile provider turns ``options.profile`` into a Playwright storage state (a dict or a JSON path).
ProfileProvider = Callable[[str], "dict[str, Any] | str"]
