"""Checkpoints witnessed outside the vault: what catches a rolled-back or rewritten log.

Anyone who can unlock a vault can rewrite its database, and a restored old copy
of ``vault.db`` is internally consistent. So every checkpoint the vault signs
(at each report, export, timestamp, and when a session that wrote closes) is
also written to witness files outside it: the user's data folder
(``<data dir>/witness/<vault id>.checkpoint``) and any extra folders set in the
``witness_dirs`` setting (e.g. a removable drive). At open and at ``vault
verify`` the log must extend the newest witnessed checkpoint, shown by an RFC
9162 consistency proof from the stored Merkle nodes; a shorter log (rollback,
truncation, a removed newest item) or a different history is named.

A witness file an insider deletes or replaces with an older one is not caught
here: that is what the extra folders on another medium, RFC 3161 tokens and
the fingerprints printed on signed paper are for (README, "Trust model").
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import merkle
from .checkpoint import parse_checkpoint
from .errors import IntegrityError
from .models import Problem

if TYPE_CHECKING:
    from .custody import CustodyLog

SUFFIX = ".checkpoint"


@dataclass(frozen=True)
class Witnessed:
    path: Path
    note: str
    size: int
    root: bytes

    @property
    def time(self) -> str:
        point, _ = parse_checkpoint(self.note)
        return next((ext[5:] for ext in point.extensions if ext.startswith("time ")), "an unknown time")


def witness_path(folder: Path, vault_id: str) -> Path:
    return folder / f"{vault_id}{SUFFIX}"


def read(folders: Iterable[Path], vault_id: str) -> tuple[list[Witnessed], list[Problem]]:
    """Every witness file of this vault that exists, and a problem for each one that is unreadable."""
    found, problems = [], []
    for folder in folders:
        path = witness_path(folder, vault_id)
        try:
            note = path.read_text("utf-8")
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem("witness_unreadable", f"the witness file {path} cannot be read: {exc}"))
            continue
        try:
            point, _sigs = parse_checkpoint(note)
        except IntegrityError as exc:
            problems.append(Problem("witness_unreadable", f"the witness file {path} is damaged: {exc}"))
            continue
        found.append(Witnessed(path, note, point.size, point.root))
    return found, problems


def check(custody: CustodyLog, witnesses: list[Witnessed]) -> list[Problem]:
    """Is the log now an extension of every witnessed checkpoint? One problem per witness that says no."""
    problems = []
    size = custody.size()
    tree = custody.tree(size)
    root = tree.root() if witnesses else b""
    for seen in witnesses:
        where = f"a checkpoint of {seen.size} entries witnessed at {seen.time} in {seen.path}"
        if seen.size > size:
            problems.append(Problem("custody_rolled_back", f"the custody log has {size} entries but {where}: the "
                                    "vault was rolled back to an older copy or its newest entries were removed"))
        elif seen.size and not merkle.verify_consistency(seen.size, size, seen.root, root,
                                                         tree.consistency_proof(seen.size)):
            problems.append(Problem("custody_history_rewritten", f"the custody log is not an extension of {where}: "
                                    "entries the witness saw were changed or replaced"))
    return problems


def write(folders: Iterable[Path], vault_id: str, note: str, size: int) -> list[Problem]:
    """Write ``note`` to every folder (atomically); never replace a larger witnessed checkpoint with a smaller one."""
    problems = []
    for folder in folders:
        path = witness_path(folder, vault_id)
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                older = parse_checkpoint(path.read_text("utf-8"))[0].size
            except (FileNotFoundError, IntegrityError, UnicodeDecodeError):
                older = -1
            if older > size:
                problems.append(Problem("witness_not_updated", f"{path} holds a checkpoint of {older} entries, more "
                                        f"than the log's {size}; it was left as it is"))
                continue
            temp = path.with_name(path.name + ".tmp")
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(note)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except OSError as exc:
            problems.append(Problem("witness_not_written", f"the checkpoint could not be witnessed in {folder}: "
                                    f"{exc.strerror or exc}"))
    return problems


def archive(folders: Iterable[Path], vault_id: str, stamp: str) -> list[Path]:
    """Move the current witness files aside (``<id>.checkpoint.replaced-<stamp>``) when a restore is accepted."""
    moved = []
    for folder in folders:
        path = witness_path(folder, vault_id)
        if path.exists():
            target = path.with_name(f"{path.name}.replaced-{stamp.replace(':', '')}")
            os.replace(path, target)
            moved.append(target)
    return moved
