"""Is this workstation ready? Every part the toolkit needs, checked, with how to fix what is missing.

``forensics doctor`` prints it and the desktop app shows it on first start. Each check returns a
:class:`Finding` (``ok``, ``warn``: works with a shortfall, ``fail``: a capability is missing) with the
facts found and, when not ok, the fix in English and Vietnamese. A check never raises: an
unexpected error is itself a finding. Checks run one after the other: most of the time goes into
importing the parts they check, which threads would not speed up, and importing one package
from several threads at once can fail on its circular imports (warcprox's did).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import doctor_checks as checks
from . import doctor_system as system
from .doctor_checks import COMPONENTS, Context, Result

CHECKS: list[tuple[str, Callable[[Context], Result]]] = [
    ("tool", checks.check_tool), ("browser", checks.check_browser), ("playwright", checks.check_playwright),
    ("ffmpeg", checks.check_ffmpeg), ("fonts", checks.check_fonts), ("tsk", checks.check_tsk),
    ("libewf", checks.check_libewf), ("image_formats", checks.check_image_formats),
    ("sqlcipher", checks.check_sqlcipher), ("crypto", checks.check_crypto), ("reports", checks.check_reports),
    ("web", checks.check_web), ("social", checks.check_social), ("helpers", checks.check_helpers),
    ("qt", system.check_qt),
    ("vault", system.check_vault), ("clock", system.check_clock),
]

STATUSES = ("ok", "warn", "fail")


@dataclass
class Finding:
    id: str
    status: str  # ok | warn | fail
    summary: tuple[str, str]  # (en, vi): what was found
    fix: tuple[str, str] = ("", "")  # (en, vi): what to do; empty when ok
    data: dict[str, Any] = field(default_factory=dict)

    def component(self, lang: str = "en") -> str:
        en, vi = COMPONENTS.get(self.id, (self.id, self.id))
        return vi if lang == "vi" else en

    def text(self, lang: str = "en") -> str:
        return self.summary[1] if lang == "vi" else self.summary[0]

    def fix_text(self, lang: str = "en") -> str:
        return self.fix[1] if lang == "vi" else self.fix[0]

    def to_json(self) -> dict[str, Any]:
        en, vi = COMPONENTS.get(self.id, (self.id, self.id))
        return {"id": self.id, "status": self.status, "component": {"en": en, "vi": vi},
                "summary": {"en": self.summary[0], "vi": self.summary[1]},
                "fix": {"en": self.fix[0], "vi": self.fix[1]} if self.fix[0] else None, "data": self.data}


@dataclass
class Report:
    findings: list[Finding]
    tool: dict[str, Any]

    @property
    def ok(self) -> bool:
        """No capability is missing (warnings allowed)."""
        return all(f.status != "fail" for f in self.findings)

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.status == s) for s in STATUSES}

    def get(self, check_id: str) -> Finding:
        return next(f for f in self.findings if f.id == check_id)

    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.status != "ok"]

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "counts": self.counts(), "tool": self.tool,
                "checks": [f.to_json() for f in self.findings]}

    def as_text(self, lang: str = "en") -> str:
        """Plain text for copying into a ticket or an e-mail to the administrator."""
        marks = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL"}
        lines = [f"forensics-toolkit {self.tool.get('version', '')} code {self.tool.get('code_sha256', '')}"]
        for f in self.findings:
            lines.append(f"[{marks[f.status]}] {f.component(lang)}: {f.text(lang)}")
            if f.fix[0]:
                lines.append(f"       -> {f.fix_text(lang)}")
        return "\n".join(lines)


def bundle_root() -> Path | None:
    """The bundle's folder of packages when running from a self-contained build, else None."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return None


def tool_facts() -> dict[str, Any]:
    """Version, code hash and, in a bundle, the build's own record (``FORENSICS_BUILD.json``)."""
    import json

    from .environment import code_sha256, tool_identity

    facts: dict[str, Any] = dict(tool_identity())
    facts["code_sha256"] = code_sha256()
    root = bundle_root()
    facts["bundle"] = str(root) if root else None
    facts["executable"] = sys.executable
    facts["python_path"] = list(sys.path)  # where the code is loaded from: the bundle only, in a bundle
    facts["build"] = None
    if root is not None and (root / "FORENSICS_BUILD.json").is_file():
        try:
            facts["build"] = json.loads((root / "FORENSICS_BUILD.json").read_text("utf-8"))
        except (OSError, ValueError):
            facts["build"] = {"error": "FORENSICS_BUILD.json is unreadable"}
    return facts


def run_checks(vault: Path | None = None, ntp_server: str | None = None, *, browser_setting: str = "",
               only: tuple[str, ...] = (), offer_download: bool = True,
               progress: Callable[[int, int | None, str], None] | None = None) -> Report:
    """Run every check (or those named in ``only``); findings in the documented order."""
    from .settings import BY_KEY
    from .vaults import default_vault_path

    context = Context(vault=vault or default_vault_path(),
                      ntp_server=ntp_server if ntp_server is not None else str(BY_KEY["ntp_server"].default),
                      browser_setting=browser_setting, offer_download=offer_download, bundle=bundle_root())
    chosen = [(name, fn) for name, fn in CHECKS if not only or name in only]
    findings: dict[str, Finding] = {}
    for done, (name, fn) in enumerate(chosen, 1):
        findings[name] = _safe(name, fn, context)
        if progress is not None:
            progress(done, len(chosen), name)
    return Report([findings[name] for name, _ in chosen], tool_facts())


def _safe(name: str, fn: Callable[[Context], Result], context: Context) -> Finding:
    try:
        status, summary, fix, data = fn(context)
    except Exception as exc:  # a check that breaks is a finding, never a crash
        message = f"{type(exc).__name__}: {exc}"
        return Finding(name, "fail", (f"the check itself failed: {message}", f"không kiểm tra được: {message}"),
                       ("Report this to the toolkit's maintainers with `forensics doctor --json`.",
                        "Báo cho người duy trì công cụ, kèm kết quả `forensics doctor --json`."), {"error": message})
    return Finding(name, status, summary, fix, data)

