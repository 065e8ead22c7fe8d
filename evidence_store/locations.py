"""Where the toolkit keeps its own files: the user's config, data and cache folders, and the witness folder.

On Linux the XDG base-directory rules are followed directly, exactly as
platformdirs does (an absolute ``XDG_CONFIG_HOME`` / ``XDG_DATA_HOME`` / ``XDG_CACHE_HOME``, else the
default under the home folder); elsewhere platformdirs answers. Importing
platformdirs on Linux loads tempfile, shutil and random, a few milliseconds of
every desktop-app start spent for two path joins.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "forensics-toolkit"


def _xdg(variable: str, default: str) -> Path:
    value = os.environ.get(variable, "")
    return Path(value if os.path.isabs(value) else os.path.expanduser(default)) / APP_DIR_NAME


def user_config_dir() -> Path:
    """``$XDG_CONFIG_HOME/forensics-toolkit`` or ``~/.config/forensics-toolkit`` (the platform's own elsewhere)."""
    if sys.platform.startswith("linux"):
        return _xdg("XDG_CONFIG_HOME", "~/.config")
    from platformdirs import user_config_dir as platform_config_dir

    return Path(platform_config_dir(APP_DIR_NAME, appauthor=False))


def user_data_dir() -> Path:
    """``$XDG_DATA_HOME/forensics-toolkit`` or ``~/.local/share/forensics-toolkit`` (the platform's own elsewhere)."""
    if sys.platform.startswith("linux"):
        return _xdg("XDG_DATA_HOME", "~/.local/share")
    from platformdirs import user_data_dir as platform_data_dir

    return Path(platform_data_dir(APP_DIR_NAME, appauthor=False))


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/forensics-toolkit`` or ``~/.cache/forensics-toolkit`` (the platform's own elsewhere)."""
    if sys.platform.startswith("linux"):
        return _xdg("XDG_CACHE_HOME", "~/.cache")
    from platformdirs import user_cache_dir as platform_cache_dir

    return Path(platform_cache_dir(APP_DIR_NAME, appauthor=False))


def witness_dir() -> Path:
    """Where checkpoints of every vault this user opens are witnessed (outside any vault): ``<data dir>/witness``."""
    override = os.environ.get("FORENSICS_WITNESS_DIR")
    return Path(override).expanduser() if override else user_data_dir() / "witness"
