"""The desk stores a worker's capture bundle: checked against the pinned keys, every file re-hashed, once.

For one bundle in staging (:mod:`.remote_bundle`):

1. open it with the desk's key (only the desk can: it was sealed to it);
2. the key that signed the manifest must be one an examiner enrolled, as the custody log says now
   (:func:`evidence_store.remote_store.pinned_workers`), and the signature must verify; the manifest must name
   this desk, a case this vault holds, and a capture of the task's own target;
3. in one vault transaction: if the task is already stored, the bundle is a duplicate (a redelivered or
   repeated task) and nothing is added; otherwise every artifact is added to one vault batch, exactly as a
   local capture is (the same item tree), each file hashed by the vault as it is encrypted and compared with
   the signed SHA-256 and BLAKE3, the end of the bundle checked, and the task marked stored with the items;
4. the bundle is removed from staging.

A bundle for a case the examiner running the desk may not reach (not its owner, not assigned to it, not an
administrator: the same need-to-know as every other way evidence is added) waits in staging, untouched, as
one for a closed case does, until someone who may reach the case runs the desk.

A bundle that fails any check is refused: nothing of it is stored, it is moved to ``refused/`` beside the
bundles in its staging store (still sealed) with the reason, the refusal is logged in the custody log and
reported naming the file.
"""

from __future__ import annotations

import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collectors.web import normalise_url
from evidence_store import Case, Item, ItemWarning, NotFoundError, PendingItem, UsageError, Vault, case_access
from evidence_store import remote_store as store
from evidence_store.age_seal import AgeError, public_of

from .remote_bundle import BundleRefused, OpenedBundle, open_bundle
from .remote_staging import StagedBundle, refusal_note, staged

STORED, DUPLICATE, REFUSED, WAITING = "stored", "duplicate", "refused", "waiting"


@dataclass
class DeskKeys:
    """What the desk checks bundles with: its own keys and the workers the log vouches for (read once)."""

    identities: list[str]
    recipients: set[str]
    pinned: dict[tuple[str, bytes], store.WorkerKey]

    @classmethod
    def load(cls, vault: Vault) -> DeskKeys:
        store.desk_recipient(vault)
        identities = store.desk_identities(vault)
        return cls(identities, {public_of(i) for i in identities}, store.pinned_workers(vault))


@dataclass
class IngestOutcome:
    bundle: str
    status: str
    task_id: str = ""
    target: str = ""
    case_uid: str = ""
    batch: str = ""
    pipeline: str = ""
    item: Item | None = None
    children: list[Item] = field(default_factory=list)
    worker: str = ""
    error: str = ""
    error_vi: str = ""  # the same in Vietnamese (the desktop app shows the user's language)
    file: str = ""
    seconds: float = 0.0
    complete: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"bundle": self.bundle, "status": self.status, "task_id": self.task_id, "target": self.target,
                "batch": self.batch, "item_id": self.item.id if self.item else None, "worker": self.worker,
                "error": self.error or None, "file": self.file or None, "seconds": round(self.seconds, 3)}


def ingest_bundle(vault: Vault, source: Path | StagedBundle, keys: DeskKeys, *, task_id: str = "") -> IngestOutcome:
    """Store the bundle (a file in a staging folder, or one in any staging store) or refuse it; ``task_id``, when
    a result message announced the bundle, must be the task the manifest names."""
    started = time.monotonic()
    path = staged(source) if isinstance(source, Path) else source
    outcome = IngestOutcome(path.name, REFUSED, task_id=task_id)
    try:
        with open_bundle(path, keys.identities) as bundle:
            task = bundle.manifest.task
            outcome.task_id, outcome.target = str(task.get("id", "")), str(task.get("target", ""))
            outcome.case_uid, outcome.batch = str(task.get("case_uid", "")), str(task.get("batch", ""))
            outcome.pipeline = str(task.get("pipeline", ""))
            worker = _check(vault, bundle, keys, task_id)
            outcome.worker = worker.name
            case = _case(vault, bundle)
            if case.status != "open":
                outcome.status = WAITING
                outcome.error = f"case {case.number} is closed: the bundle waits in staging until it is reopened"
                outcome.error_vi = (f"vụ việc {case.number} đã đóng: gói thu thập chờ trong thư mục trung chuyển đến "
                                    "khi vụ việc được mở lại")
                return outcome
            if not case_access.may_reach(vault, case.id):  # not refused: the bundle is sound, the desk is not theirs
                outcome.status = WAITING
                outcome.error = (f"{vault.examiner.name} is not assigned to case {case.number}: the bundle waits in "
                                 f"staging for its owner ({case.examiner or '?'}), an examiner assigned to it or an "
                                 "administrator")
                outcome.error_vi = (f"{vault.examiner.name} không được giao vụ việc {case.number}: gói thu thập chờ "
                                    f"trong thư mục trung chuyển cho người phụ trách ({case.examiner or '?'}), một "
                                    "giám định viên được giao vụ việc hoặc quản trị viên")
                return outcome
            try:
                _store(vault, case, bundle, worker, outcome, path.staging.delivered)
            except AgeError as exc:  # damage met between files (a tar header): named by the file being read
                raise BundleRefused(f"bundle {bundle.name}: file {bundle.current or 'manifest.json'} was changed "
                                    f"after it was sealed: {exc}", file=bundle.current, reason="damaged") from exc
            except tarfile.TarError as exc:
                raise BundleRefused(f"bundle {bundle.name}: not a capture bundle after file {bundle.current}: {exc}",
                                    file=bundle.current, reason="damaged") from exc
    except BundleRefused as exc:
        _refuse(vault, path, outcome, exc)
        outcome.seconds = time.monotonic() - started
        return outcome
    path.remove()  # stored (or a duplicate): staging is cleared
    outcome.seconds = time.monotonic() - started
    if outcome.status == STORED and outcome.item is not None:
        from .analysis import after_commit

        after_commit(vault, vault.get_case(outcome.item.case_id), [outcome.item, *outcome.children])
    return outcome


def _check(vault: Vault, bundle: OpenedBundle, keys: DeskKeys, task_id: str) -> store.WorkerKey:
    alg, public_key = bundle.signer_key
    worker = keys.pinned.get((alg, public_key))
    if worker is None:
        keys.pinned = store.pinned_workers(vault)  # enrolled since this session read them?
        worker = keys.pinned.get((alg, public_key))
    if worker is None:
        from evidence_store.identity import fingerprint

        raise BundleRefused(f"bundle {bundle.name} is signed by a key no examiner has enrolled, or one that was revoked "
                            f"({fingerprint(alg, public_key)}, worker {bundle.manifest.worker.get('name')!r} by its own "
                            "account): refused", reason="unknown key", file="manifest.sig")
    bundle.verify_signature()
    manifest, task = bundle.manifest, bundle.manifest.task
    if manifest.data.get("recipient") not in keys.recipients:
        raise BundleRefused(f"bundle {bundle.name}: its signed manifest names another desk "
                            f"({manifest.data.get('recipient')})", reason="other desk", file="manifest.json")
    if task_id and task.get("id") != task_id:
        raise BundleRefused(f"bundle {bundle.name} holds task {task.get('id')}, not {task_id} as its result message "
                            "said", reason="wrong task", file="manifest.json")
    from .remote_engine import task_id_for

    target = str(task.get("target", ""))
    if task.get("id") != task_id_for(str(task.get("case_uid", "")), str(task.get("batch", "")), target):
        raise BundleRefused(f"bundle {bundle.name}: its task id does not match its case, batch and target",
                            reason="wrong task", file="manifest.json")
    roots = [a for a in manifest.artifacts if not a.get("parent")]
    if len(roots) != 1 or roots[0].get("kind") != "web_capture":
        raise BundleRefused(f"bundle {bundle.name} does not hold exactly one web capture", reason="not a capture",
                            file="manifest.json")
    meta = roots[0].get("metadata") or {}
    try:
        same = normalise_url(target) == target == meta.get("requested_url") and meta.get("batch") == task.get("batch")
    except UsageError:
        same = False
    if not same:
        raise BundleRefused(f"bundle {bundle.name}: its capture is not of the task's target {target}",
                            reason="wrong target", file="manifest.json")
    return worker


def _case(vault: Vault, bundle: OpenedBundle) -> Case:
    uid = str(bundle.manifest.task.get("case_uid", ""))
    try:
        return vault.get_case(uid)
    except NotFoundError:
        raise BundleRefused(f"bundle {bundle.name} names case {uid}, which this vault does not hold",
                            reason="unknown case", file="manifest.json") from None


def _store(vault: Vault, case: Case, bundle: OpenedBundle, worker: store.WorkerKey, outcome: IngestOutcome,
           delivered: str) -> None:
    manifest = bundle.manifest
    task = manifest.task
    host = (manifest.worker.get("host") or {}).get("hostname", "")
    remote = {"task": outcome.task_id, "worker": worker.name, "worker_fingerprint": worker.fingerprint,
              "worker_host": host, "bundle": bundle.name, "manifest_sha256": manifest.sha256,
              "signature": str(bundle.signature.get("signature", "")), "delivered": delivered}
    with vault.transaction():  # the duplicate check and the storing are one transaction under the writer lock
        done = store.get_task(vault, outcome.task_id)
        if done is not None and done.status == store.STORED:
            outcome.status = DUPLICATE
            outcome.item = vault.get_item(done.item_id) if done.item_id else None
            vault.log("remote.bundle_duplicate", case=case, details={
                **remote, "stored_item": done.item_id, "target": outcome.target,
                "note": "the task was already stored from an earlier bundle; this one was not stored"})
            return
        pending: dict[str, PendingItem] = {}
        files = bundle.files()
        root = root_key(manifest.artifacts)
        with vault.batch(case) as batch:
            for entry in manifest.artifacts:
                if str(entry["key"]) == root:  # the desk's own fact: which enrolled worker delivered it
                    entry = {**entry, "metadata": {**(entry.get("metadata") or {}), "worker": {
                        "name": worker.name, "fingerprint": worker.fingerprint, "host": host,
                        "task": outcome.task_id}}}
                pending[str(entry["key"])] = _add(batch, entry, pending, files, bundle, remote)
            if next(files, None) is not None:  # drives the check that no file is left over
                raise BundleRefused(f"bundle {bundle.name} holds more files than its manifest", reason="extra file")
            digest = bundle.finish()
            if bundle.name != f"{digest}.age":
                raise BundleRefused(f"bundle {bundle.name}: its bytes hash to {digest}, not to its name",
                                    reason="damaged")
        items = {key: p.item for key, p in pending.items() if p.item is not None}
        parent = items[root]
        store.mark_stored(vault, outcome.task_id, case_id=case.id, batch=str(task.get("batch")),
                          target=outcome.target, pipeline=outcome.pipeline, item_id=parent.id, worker=worker.name,
                          worker_fingerprint=worker.fingerprint, bundle_sha256=bundle.name.removesuffix(".age"))
    outcome.status, outcome.item = STORED, parent
    outcome.children = [i for k, i in items.items() if i is not parent]
    outcome.complete = bool(parent.metadata.get("complete"))


def root_key(artifacts: list[dict[str, Any]]) -> str:
    return str(next(a["key"] for a in artifacts if not a.get("parent")))


def _add(batch: Any, entry: dict[str, Any], pending: dict[str, PendingItem], files: Any, bundle: OpenedBundle,
         remote: dict[str, Any]) -> PendingItem:
    parent = None
    if entry.get("parent"):
        parent = pending.get(str(entry["parent"]))
        if parent is None:
            raise BundleRefused(f"bundle {bundle.name}: {entry.get('name')} names a parent that does not come before it",
                                reason="damaged", file=str(entry.get("name")))
    common = dict(kind=str(entry["kind"]), name=str(entry["name"]), source=str(entry["source"]), parent=parent,
                  metadata=dict(entry.get("metadata") or {}),
                  warnings=[ItemWarning.from_json(w) for w in entry.get("warnings") or []],
                  acquired_at=entry.get("acquired_at"), media_type=entry.get("media_type"),
                  details={"remote": remote})
    content = entry.get("content")
    if not content:
        return batch.add_record(**common)  # type: ignore[no-any-return]
    found, stream = next(files)
    if found.get("key") != entry.get("key"):
        raise BundleRefused(f"bundle {bundle.name}: its files are not in the manifest's order", reason="damaged",
                            file=str(entry.get("name")))
    try:
        added: PendingItem = batch.add_content(stream, total=int(content["size"]), **common)
    except AgeError as exc:
        raise BundleRefused(f"bundle {bundle.name}: file {entry['name']} ({entry['kind']}) was changed after it was "
                            f"sealed: {exc}", file=str(entry["name"]), reason="damaged") from exc
    got = added.content.hashes if added.content else {}
    size = added.content.size if added.content else -1
    for algorithm in ("sha256", "blake3"):
        if got.get(algorithm) != content.get(algorithm) or size != int(content["size"]):
            raise BundleRefused(
                f"bundle {bundle.name}: file {entry['name']} ({entry['kind']}) does not match the signed manifest: "
                f"{algorithm.upper()} {got.get(algorithm)} ({size} bytes), the worker signed {content.get(algorithm)} "
                f"({content['size']} bytes)", file=str(entry["name"]), reason="hash mismatch")
    return added


def _refuse(vault: Vault, path: StagedBundle, outcome: IngestOutcome, exc: BundleRefused) -> None:
    """Nothing stored; the sealed bundle kept aside with the reason; the refusal logged and reported."""
    outcome.status, outcome.error, outcome.error_vi, outcome.file = REFUSED, str(exc), exc.text("vi"), exc.file
    kept = path.set_aside(refusal_note(exc.reason, exc.file, str(exc), outcome.task_id))
    case = None
    if outcome.case_uid:
        try:
            case = vault.get_case(outcome.case_uid)
        except NotFoundError:
            case = None
    vault.log("remote.bundle_refused", case=case, details={
        "bundle": path.name, "task": outcome.task_id or None, "target": outcome.target or None,
        "reason": exc.reason, "file": exc.file or None, "message": str(exc), "kept_at": kept})
    if outcome.task_id:
        store.mark_unsuccessful(vault, outcome.task_id, store.REFUSED, str(exc), exc.text("vi"),
                                bundle_sha256=path.name.removesuffix(".age"))
