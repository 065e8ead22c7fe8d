"""The demo's web step: serve the bundled sample site on 127.0.0.1 and capture its front page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from evidence_store import Case, ForensicsError, Vault


def run_web_step(vault: Vault, case: Case, workdir: Path, step: Callable[[str, dict[str, Any]], None]) -> bool:
    """True when the page was captured; a missing browser is reported, not hidden."""
    from collectors.web import CaptureOptions  # the browser stack loads only when the demo runs

    from .web import capture_web
    from .web_sample import SampleSite

    # Loopback is refused by default; the demo's own site is the examiner's explicit choice.
    options = CaptureOptions(allow_private_addresses=True, ntp_timeout=1)
    with SampleSite() as site:
        try:
            result = capture_web(vault, case.id, [site.url + "/"], options=options)
        except ForensicsError as exc:
            step("web page capture not run", {"reason": str(exc)})
            return False
    (outcome,) = result.outcomes
    if outcome.item is None:
        step("web page capture failed", {"url": outcome.url, "reason": outcome.error})
        return False
    step("web page captured (sample site on 127.0.0.1)", {
        "url": outcome.url, "item": outcome.item.id,
        "title": outcome.item.metadata.get("provenance", {}).get("title", ""),
        "files": [f"{c.kind}: {c.name} {c.sha256}" for c in outcome.children],
        "warnings": [w.code for w in outcome.item.warnings],
    })
    return True
