"""The app's own preferences, kept outside any vault: language, recent vaults, where reports were saved.

They are needed before a vault is unlocked (the first screen must speak the
user's language and offer the last vault), so they cannot live in the vault.
Nothing secret is stored here. ``FORENSICS_GUI_CONFIG`` points elsewhere (tests).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..services.app_dirs import user_config_dir
from .i18n import DEFAULT_LANGUAGE, LANGUAGES

MAX_RECENT = 8


def prefs_path() -> Path:
    env = os.environ.get("FORENSICS_GUI_CONFIG")
    if env:
        return Path(env).expanduser()
    return user_config_dir() / "gui.json"


@dataclass
class Prefs:
    language: str = DEFAULT_LANGUAGE
    recent_vaults: list[str] = field(default_factory=list)
    report_folders: dict[str, str] = field(default_factory=dict)  # case uid -> where its reports were last saved
    path: Path | None = None

    @classmethod
    def load(cls, path: Path | None = None) -> Prefs:
        path = path or prefs_path()
        prefs = cls(path=path)
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return prefs  # first start, or an unreadable file: start from defaults
        if isinstance(data, dict):
            if data.get("language") in LANGUAGES:
                prefs.language = data["language"]
            recent = data.get("recent_vaults")
            if isinstance(recent, list):
                prefs.recent_vaults = [str(p) for p in recent if isinstance(p, str)][:MAX_RECENT]
            folders = data.get("report_folders")
            if isinstance(folders, dict):
                prefs.report_folders = {str(k): str(v) for k, v in folders.items() if isinstance(v, str)}
        return prefs

    def remember_vault(self, vault: Path) -> None:
        text = str(Path(vault).expanduser().resolve())
        recent = [text] + [p for p in self.recent_vaults if p != text][: MAX_RECENT - 1]
        if recent != self.recent_vaults:  # reopening the last vault writes nothing
            self.recent_vaults = recent
            self.save()

    def report_folder(self, case_uid: str) -> Path:
        """Where a case's next report is saved: where its last one was, else where any report was, else home."""
        for candidate in (self.report_folders.get(case_uid), self.report_folders.get("")):
            if candidate and Path(candidate).is_dir():
                return Path(candidate)
        return Path.home()

    def remember_report_folder(self, case_uid: str, folder: Path) -> None:
        self.report_folders[case_uid] = self.report_folders[""] = str(folder)
        self.save()

    def save(self) -> None:
        if self.path is None:
            return
        data = {k: v for k, v in asdict(self).items() if k != "path"}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # preferences are a convenience; never fail the app over them
