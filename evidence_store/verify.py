"""The checker: proves nothing changed, and reports *every* problem it finds.

Modelled on restic's ``check --read-data``: every blob is re-read, its file name
re-computed (the hash of the ciphertext its row names: BLAKE3, or SHA-256 for
blobs written before issue 20), every segment authenticated, the
plaintext re-hashed and compared with the database, every row's references
followed, every custody entry re-hashed and its signature checked, and each
item's row compared with what the custody log fixed at acquisition.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .blobs import NAME_HASHES
from .canonical import iso_utc
from .crypto import ciphertext_size
from .db import DatabaseError
from .errors import IntegrityError
from .item_record import changed_fields, row_dict
from .models import Problem
from .tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

if TYPE_CHECKING:
    from .vault import Vault

RECORDING_ACTIONS = ("item.acquire", "item.amend")  # entries that fix an item's whole record


@dataclass
class VerifyReport:
    quick: bool
    started_at: str
    finished_at: str = ""
    items: int = 0
    blobs: int = 0
    bytes_read: int = 0
    custody_entries: int = 0
    problems: list[Problem] = field(default_factory=list)
    in_progress: list[str] = field(default_factory=list)  # work of another process seen running, not a problem

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "quick": self.quick, "started_at": self.started_at, "finished_at": self.finished_at,
            "items": self.items, "blobs": self.blobs, "bytes_read": self.bytes_read,
            "custody_entries": self.custody_entries, "problems": [p.to_json() for p in self.problems],
            "in_progress": self.in_progress,
        }


def verify_vault(vault: Vault, *, quick: bool = False, progress: Progress = no_progress,
                 cancel: CancelToken = NEVER_CANCELLED, log: bool = True) -> VerifyReport:
    report = VerifyReport(quick=quick, started_at=iso_utc())
    problems = report.problems
    problems.extend(_database_integrity(vault))
    try:
        with vault.lock:  # a consistent snapshot: no blob renamed in between rows and listing
            items = [dict(r) for r in vault.conn.execute("SELECT * FROM items ORDER BY id")]
            blob_rows = {r["name"]: dict(r) for r in vault.conn.execute("SELECT * FROM blobs")}
            files = dict(vault.blobs.list_names())
            paths = {name: path for name, path in files.items()}
            temps = vault.blobs.list_temp()
            cases = {r[0] for r in vault.conn.execute("SELECT id FROM cases")}
            acquisitions = _acquisitions(vault)
            custody_items = vault.conn.execute("SELECT seq, item_id, case_id FROM custody").fetchall()
    except DatabaseError as exc:
        problems.append(Problem("database_unreadable", f"the vault database cannot be read: {exc}"))
        report.finished_at = iso_utc()
        return report
    report.items, report.blobs = len(items), len(blob_rows)
    item_ids = {item["id"]: item for item in items}
    users: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        problems.extend(_references(item, item_ids, cases, blob_rows))
        problems.extend(_against_acquisition(item, acquisitions.get(item["id"])))
        if item["blob_name"]:
            users.setdefault(item["blob_name"], []).append(item)
    for seq, item_id, case_id in custody_items:
        if item_id is not None and item_id not in item_ids:
            problems.append(Problem("dangling_reference", f"custody entry {seq} refers to item {item_id}, which does not exist",
                                    item_id=item_id, custody_seq=seq))
        if case_id is not None and case_id not in cases:
            problems.append(Problem("dangling_reference", f"custody entry {seq} refers to case {case_id}, which does not exist",
                                    case_id=case_id, custody_seq=seq))
    total = sum(row["cipher_size"] for row in blob_rows.values())
    known = {name: str(row["name_hash"]) for name, row in blob_rows.items()}
    ordered = sorted(blob_rows.items())
    stores = {name: vault.store_of(name) for name, _row in ordered} if vault.config.rekey_pending else {}
    # Blobs are checked on every core: hashing and reading release the GIL, so a 2-core machine re-reads
    # about twice as fast; results are taken in order, so problems come out as a single pass would give them.
    from concurrent.futures import ThreadPoolExecutor

    def check_one(entry: tuple[str, dict[str, Any]]) -> list[tuple[str, str]]:
        name, row = entry
        return _check_blob(vault, stores.get(name) or vault.blobs, name, row, paths.get(name), known, quick)

    pool = ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1))
    try:
        for (name, row), found in zip(ordered, pool.map(check_one, ordered), strict=True):
            cancel.check()
            owners = users.get(name, [])
            if not owners:
                problems.append(Problem("blob_unused", f"blob {name[:16]}… is recorded but no item uses it", blob=name))
            report.bytes_read += 0 if quick else row["cipher_size"]
            progress(report.bytes_read, total, name[:12])
            for code, message in found:
                targets: list[dict[str, Any] | None] = list(owners) or [None]
                for owner in targets:
                    problems.append(Problem(code, message, item_id=owner["id"] if owner else None,
                                            case_id=owner["case_id"] if owner else None, blob=name))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for name in sorted(set(files) - set(blob_rows)):
        problems.append(Problem("blob_orphan", f"blob file {paths[name]} is not referenced by the database "
                                "(left by an interrupted ingest, or planted)", blob=name))
    for temp in temps:
        running = _live_owner(temp.name)
        if running is not None:
            report.in_progress.append(f"{temp.name}: an ingest by process {running} is running")
            continue
        problems.append(Problem("temp_orphan", f"unfinished ingest left {temp.name} in tmp/ "
                                "(interrupted; it holds no referenced evidence; `forensics vault repair` removes it)"))
    try:
        report.custody_entries = vault.custody.size()
        keys = vault.examiner_keys()
        problems.extend(vault.custody.check(keys))
        problems.extend(_examiners_against_log(vault))
        problems.extend(_witnesses(vault, keys))
    except DatabaseError as exc:
        problems.append(Problem("database_unreadable", f"the custody log cannot be read: {exc}"))
    report.finished_at = iso_utc()
    if log:
        try:
            vault.log("vault.verify", details={"quick": quick, "ok": report.ok, "problems": len(problems),
                                               "items": report.items, "blobs": report.blobs})
        except DatabaseError as exc:
            problems.append(Problem("database_unreadable", f"could not log the verification: {exc}"))
    return report


def _database_integrity(vault: Vault) -> list[Problem]:
    problems = []
    try:
        for (message,) in vault.conn.execute("PRAGMA cipher_integrity_check").fetchall():
            problems.append(Problem("database_corrupt", f"vault.db: {message}"))
        rows = vault.conn.execute("PRAGMA integrity_check").fetchall()
        if rows != [("ok",)] and [tuple(r) for r in rows] != [("ok",)]:
            problems.extend(Problem("database_corrupt", f"vault.db: {r[0]}") for r in rows)
    except DatabaseError as exc:
        problems.append(Problem("database_corrupt", f"vault.db is damaged: {exc}"))
    return problems


def _acquisitions(vault: Vault) -> dict[int, dict[str, Any]]:
    """Item id -> what the newest entry that recorded it fixed (its record facts, and ``_case``)."""
    found: dict[int, dict[str, Any]] = {}
    marks = ",".join("?" * len(RECORDING_ACTIONS))
    for item_id, entry in vault.conn.execute(
        f"SELECT item_id, entry FROM custody WHERE action IN ({marks}) ORDER BY seq", RECORDING_ACTIONS
    ):
        try:
            record = json.loads(entry)
        except json.JSONDecodeError:
            continue
        found[item_id] = {**record.get("details", {}), "_case": (record.get("case") or {}).get("id")}
    return found


def _examiners_against_log(vault: Vault) -> list[Problem]:
    """Each examiner's name, key, role, status and token (module, token, key, certificate) as their
    ``examiner.add``/``examiner.remove`` entries fixed them."""
    added: dict[str, dict[str, Any]] = {}
    removed: set[str] = set()
    for _seq, details in vault.custody_details("examiner.add"):
        added.setdefault(str(details.get("uid")), details)
    for _seq, details in vault.custody_details("examiner.remove"):
        removed.add(str(details.get("uid")))
    problems = []
    for examiner in vault.list_examiners():
        logged = added.get(examiner.uid)
        if logged is None:
            problems.append(Problem("examiner_unlogged", f"examiner {examiner.name} ({examiner.fingerprint}) is in "
                                    "the vault but was never added through the custody log"))
            continue
        changed = [name for name, now in (("name", examiner.name), ("public_key", examiner.public_key.hex()),
                                          ("signing_alg", examiner.signing_alg), ("role", examiner.role),
                                          ("token", examiner.token), ("certificate_sha256", _sha256(examiner.certificate)))
                   if logged.get(name) != now]
        if (examiner.status == "removed") != (examiner.uid in removed):
            changed.append("status")
        if changed:
            problems.append(Problem("examiner_altered", f"examiner {examiner.name}: {', '.join(changed)} differ from "
                                    "what the custody log recorded (the examiners table was edited)"))
    return problems


def _sha256(data: bytes | None) -> str | None:
    import hashlib

    return hashlib.sha256(data).hexdigest() if data is not None else None


def _witnesses(vault: Vault, keys: dict[int, Any]) -> list[Problem]:
    """The log against every witnessed checkpoint, and each witness signed by an examiner of this vault."""
    from . import witness
    from .checkpoint import verify_checkpoint

    seen, problems = witness.read(vault.witness_dirs(), vault.config.vault_id)
    problems += witness.check(vault.custody, seen)
    vkeys = [vault.custody.verifier_key(k.uid, k.alg, k.public_key) for k in keys.values()]
    for item in seen:
        if not any(_signed_by(verify_checkpoint, item.note, vkey) for vkey in vkeys):
            problems.append(Problem("witness_unsigned", f"the witnessed checkpoint in {item.path} is not signed by "
                                    "any examiner of this vault"))
    return problems


def _signed_by(verify: Any, note: str, vkey: str) -> bool:
    try:
        verify(note, vkey)
    except IntegrityError:
        return False
    return True


def _live_owner(name: str) -> int | None:
    """The pid in an ingest temp file's name (``ingest-<pid>-…``) if that process is running and is not us."""
    import os

    parts = name.split("-")
    if len(parts) < 3 or parts[0] != "ingest" or not parts[1].isdigit():
        return None
    pid = int(parts[1])
    if pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _references(item: dict[str, Any], items: dict[int, dict[str, Any]], cases: set[int],
                blobs: dict[str, Any]) -> list[Problem]:
    ident, parent, blob = item["id"], item["parent_id"], item["blob_name"]
    found: list[tuple[str, str]] = []
    if item["case_id"] not in cases:
        found.append(("dangling_reference", f"item {ident} belongs to case {item['case_id']}, which does not exist"))
    if parent is not None and parent not in items:
        found.append(("dangling_reference", f"item {ident} has parent {parent}, which does not exist"))
    elif parent is not None and items[parent]["case_id"] != item["case_id"]:
        found.append(("dangling_reference", f"item {ident} and its parent {parent} are in different cases"))
    if blob and blob not in blobs:
        found.append(("dangling_reference", f"item {ident} points to blob {blob[:16]}…, which the database does not record"))
    elif blob:
        row = blobs[blob]
        if (row["sha256"], row["blake3"], row["size"]) != (item["sha256"], item["blake3"], item["size"]):
            found.append(("hash_mismatch", f"item {ident}: recorded hashes differ from its blob's"))
    return [Problem(code, message, item_id=ident, case_id=item["case_id"], blob=blob) for code, message in found]


def _against_acquisition(item: dict[str, Any], acquired: dict[str, Any] | None) -> list[Problem]:
    where = dict(item_id=item["id"], case_id=item["case_id"])
    if acquired is None:
        return [Problem("custody_missing", f"item {item['id']} has no acquisition entry in the custody log", **where)]
    changed = changed_fields(row_dict(item), acquired)
    if acquired.get("_case") != item["case_id"]:
        changed.append("case")
    if changed:
        return [Problem("record_altered", f"item {item['id']}: {', '.join(changed)} changed since it was recorded "
                        "(the custody log disagrees with the database)", **where)]
    return []


def _check_blob(vault: Vault, store: Any, name: str, row: dict[str, Any], path: Any, known: dict[str, str],
                quick: bool) -> list[tuple[str, str]]:
    if path is None:
        return [("blob_missing", f"blob {name[:16]}… is missing from blobs/")]
    short = name[:16] + "…"
    if row["name_hash"] not in NAME_HASHES:
        return [("record_altered", f"blob {short}: its row names it by {row['name_hash']!r}, which names no blob")]
    actual_size = path.stat().st_size
    expected = row["cipher_size"]
    if expected != ciphertext_size(row["size"], vault.config.segment_size):
        return [("record_altered", f"blob {short}: recorded sizes are inconsistent")]
    if quick:
        if actual_size < expected:
            return [("blob_truncated", f"blob {short} is truncated ({actual_size} of {expected} bytes)")]
        if actual_size != expected:
            return [("blob_corrupt", f"blob {short} has the wrong size ({actual_size}, expected {expected})")]
        return []
    try:
        file_hash, plain, size = store.check(name, row["name_hash"])
    except IntegrityError as exc:
        code = "blob_truncated" if actual_size < expected else "blob_corrupt"
        return [(code, f"blob {short}: {exc}")] + _swap_hint(name, path, known)
    except OSError as exc:
        return [("blob_unreadable", f"blob {short} cannot be read: {exc.strerror or exc}")]
    if file_hash != name:
        return _swap_hint(name, path, known) or [("blob_corrupt", f"blob {short}: its content no longer matches its name")]
    if (plain["sha256"], plain["blake3"], size) != (row["sha256"], row["blake3"], row["size"]):
        return [("hash_mismatch", f"blob {short}: decrypted content does not match the recorded hashes")]
    return []


def _swap_hint(name: str, path: Any, known: dict[str, str]) -> list[tuple[str, str]]:
    """A file that fails to decrypt, or does not match its name, may be another blob's file moved here: say so.

    The other blob may be named by either hash, so the file is hashed with both (in one pass, and only here).
    """
    from .hashing import hash_stream  # loaded only when a blob fails: opening a vault to read never needs it

    with open(path, "rb") as handle:
        digests = hash_stream(handle, NAME_HASHES)
    for name_hash in NAME_HASHES:
        other = digests[name_hash]
        if other != name and known.get(other) == name_hash:
            return [("blob_swapped", f"blob {name[:16]}… holds the content of blob {other[:16]}… "
                                     "(files swapped or copied over)")]
    return []
