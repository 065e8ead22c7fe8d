"""Capture bundles at the desk, without a broker: pinned keys, re-hashing, exactly once, refusals named.

The bundles here are made with the workers' own code (manifest, signature, age sealing, tar) from artifacts
built in the test; the cluster tests make them from real captures. The age layer is checked against Debian's
``age``, an implementation nobody here wrote.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from collectors.base import Artifact
from evidence_store import Case, Vault, age_seal
from evidence_store import remote_store as store
from evidence_store.models import ItemWarning
from forensics_app.services.remote_bundle import WrittenBundle, build_manifest, desk_folder, signature_record
from forensics_app.services.remote_engine import task_id_for
from forensics_app.services.remote_ingest import DeskKeys, ingest_bundle
from forensics_app.services.remote_staging import FolderStaging, StagingStore
from forensics_app.services.trust import export_trust
from forensics_app.services.worker_identity import generate_key, public_key_line
from forensics_app.services.workers import enrol, revoke
from tests.conftest import Cli

WARC = b"WARC/1.0\r\nWARC-Type: response\r\n\r\n" + bytes(range(256)) * 700  # spans several age chunks
URL = "http://127.0.0.1:9/article/1"


def _opener(data: bytes) -> Callable[[], Any]:
    @contextmanager
    def open_() -> Iterator[BinaryIO]:
        yield io.BytesIO(data)

    return open_


def artifacts(batch: str, url: str = URL, warc: bytes = WARC) -> list[Artifact]:
    """A capture's artifacts as the web collector makes them: the parent record, then its files."""
    provenance = json.dumps({"format": "forensics-toolkit/web-capture-provenance/1", "requested_url": url}).encode()
    return [
        Artifact("capture", "web_capture", "127.0.0.1 — Bài viết số 1", url,
                 metadata={"provenance": {"final_url": url, "http_status": 200, "clock": {"offset_ms": 1.25}},
                           "complete": True, "batch": batch, "requested_url": url},
                 warnings=[ItemWarning("clock_not_checked", "clock not checked", "chưa kiểm tra đồng hồ")],
                 acquired_at="2026-12-01T01:02:03.000000Z"),
        Artifact("file0", "warc", "capture.warc.gz", url, parent="capture", opener=_opener(warc), size=len(warc),
                 media_type="application/warc"),
        Artifact("file1", "provenance", "provenance.json", url, parent="capture", opener=_opener(provenance),
                 size=len(provenance), media_type="application/json"),
    ]


class Worker:
    def __init__(self, tmp: Path, name: str) -> None:
        self.signer = generate_key(tmp / f"{name}.pem", name)
        self.name = name

    def enrol(self, vault: Vault) -> None:
        enrol(vault, self.name, public_key_line(self.signer), fingerprint=self.signer.fingerprint)

    def bundle(self, vault: Vault, case: Case, folder: Path, *, batch: str = "b1", url: str = URL,
               swap: bytes | None = None, recipient: str | None = None) -> Path:
        """A bundle of one capture in a staging folder; ``swap`` replaces the WARC's bytes after the manifest was
        signed."""
        path = self.bundle_in(FolderStaging(folder), vault, case, batch=batch, url=url, swap=swap,
                              recipient=recipient).path
        assert path is not None
        return path

    def bundle_in(self, staging: StagingStore, vault: Vault, case: Case, *, batch: str = "b1", url: str = URL,
                  swap: bytes | None = None, recipient: str | None = None, warc: bytes = WARC) -> WrittenBundle:
        """A bundle of one capture written to any staging store, as the worker writes it."""
        recipient = recipient or store.desk_recipient(vault)
        task = {"id": task_id_for(case.uid, batch, url), "case_uid": case.uid, "case_number": case.number,
                "batch": batch, "target": url, "pipeline": "web"}
        made = artifacts(batch, url, warc)
        manifest, files = build_manifest(task, made, worker={**self.signer.describe(), "host": {"hostname": "w"}},
                                         recipient=recipient)
        signature = signature_record(manifest, self.signer)
        if swap is not None:
            files = [(entry, _opener(swap) if art.kind == "warc" else art) for entry, art in files]
        return staging.write(desk_folder(recipient), manifest, signature, files, recipient)


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    folder = tmp_path / "staging"
    folder.mkdir()
    return folder


def test_age_layer_is_read_and_written_by_debian_age(tmp_path: Path) -> None:
    age = shutil.which("age")
    assert age, "Debian's age is needed (installer/debian-packages.txt)"
    private, public = age_seal.new_identity()
    (tmp_path / "key.txt").write_text(private + "\n")
    for size in (0, 1, age_seal.CHUNK, age_seal.CHUNK + 1, 3 * age_seal.CHUNK):
        data = bytes((i * 7) % 251 for i in range(size))
        sealed = io.BytesIO()
        writer = age_seal.AgeWriter(sealed, [public])
        writer.write(data)
        writer.close()
        (tmp_path / "x.age").write_bytes(sealed.getvalue())
        opened = subprocess.run([age, "-d", "-i", str(tmp_path / "key.txt"), str(tmp_path / "x.age")],
                                capture_output=True, timeout=60)
        assert opened.returncode == 0 and opened.stdout == data, (size, opened.stderr)
        theirs = subprocess.run([age, "-r", public], input=data, capture_output=True,
                                timeout=60).stdout
        reader = age_seal.AgeReader(io.BytesIO(theirs), [private])
        assert reader.read() == data
        reader.finish()
    keygen = subprocess.run(["age-keygen"], capture_output=True, text=True, timeout=60).stdout
    identity = next(line for line in keygen.splitlines() if line.startswith("AGE-SECRET-KEY-"))
    recipient = next(line.split(": ")[1] for line in keygen.splitlines() if "public key" in line)
    assert age_seal.public_of(age_seal.parse_identity(identity)) == recipient


def test_age_reader_names_damage_truncation_and_other_keys() -> None:
    private, public = age_seal.new_identity()
    other, _ = age_seal.new_identity()
    sealed = io.BytesIO()
    writer = age_seal.AgeWriter(sealed, [public])
    writer.write(b"x" * (2 * age_seal.CHUNK + 10))
    writer.close()
    raw = sealed.getvalue()
    with pytest.raises(age_seal.AgeError, match="not sealed to this desk"):
        age_seal.AgeReader(io.BytesIO(raw), [other])
    damaged = bytearray(raw)
    damaged[len(raw) - age_seal.CHUNK - 40] ^= 1  # inside the second chunk
    reader = age_seal.AgeReader(io.BytesIO(bytes(damaged)), [private])
    with pytest.raises(age_seal.AgeError) as caught:
        reader.read()
    assert caught.value.plaintext_offset == age_seal.CHUNK
    cut = age_seal.AgeReader(io.BytesIO(raw[:-(10 + age_seal.TAG)]), [private])
    with pytest.raises(age_seal.AgeError, match="cut short"):
        cut.read()


def test_bundle_is_a_tar_that_standard_tools_open(vault: Vault, case: Case, staging: Path, tmp_path: Path) -> None:
    worker = Worker(tmp_path, "w1")
    path = worker.bundle(vault, case, staging)
    assert path.name == __import__("hashlib").sha256(path.read_bytes()).hexdigest() + ".age"
    (tmp_path / "desk.key").write_text(store.desk_identities(vault)[0] + "\n")
    plain = subprocess.run(["age", "-d", "-i", str(tmp_path / "desk.key"), str(path)], capture_output=True,
                           timeout=60).stdout
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        assert tar.extractfile("files/001-warc").read() == WARC  # type: ignore[union-attr]
    assert names == ["manifest.json", "manifest.sig", "files/001-warc", "files/002-provenance"]
    assert manifest["artifacts"][1]["content"]["sha256"] == __import__("hashlib").sha256(WARC).hexdigest()
    assert manifest["recipient"] == store.desk_recipient(vault)


def test_enrolled_bundle_is_stored_once_and_staging_cleared(vault: Vault, case: Case, staging: Path,
                                                            tmp_path: Path) -> None:
    worker = Worker(tmp_path, "w1")
    worker.enrol(vault)
    first = worker.bundle(vault, case, staging)
    again = worker.bundle(vault, case, staging)  # the same task captured a second time (a redelivery)
    keys = DeskKeys.load(vault)
    stored = ingest_bundle(vault, first, keys)
    assert stored.status == "stored", stored.error
    assert stored.item is not None and stored.item.metadata["worker"]["name"] == "w1"
    children = vault.list_items(parent_id=stored.item.id)
    assert [c.kind for c in children] == ["warc", "provenance"]
    assert b"".join(vault.read_item(children[0])) == WARC
    assert stored.item.metadata["provenance"]["clock"] == {"offset_ms": "1.25"}  # as a local batch stores floats
    duplicate = ingest_bundle(vault, again, keys)
    assert duplicate.status == "duplicate" and duplicate.item is not None and duplicate.item.id == stored.item.id
    assert len(vault.list_items(case.id, kind="web_capture")) == 1
    assert not list((staging / desk_folder(store.desk_recipient(vault))).glob("*.age"))
    actions = [e.record["action"] for e in vault.custody.entries(case_id=case.id)]
    assert actions.count("remote.bundle_duplicate") == 1
    acquire = vault.custody.entries(item_id=stored.item.id)[0].record
    assert acquire["details"]["remote"]["worker_fingerprint"] == worker.signer.fingerprint
    assert store.get_task(vault, stored.task_id).status == "stored"  # type: ignore[union-attr]


def test_bundle_for_a_case_the_desk_examiner_may_not_reach_waits_in_staging(
        vault: Vault, vault_dir: Path, case: Case, staging: Path, tmp_path: Path) -> None:
    """Need-to-know holds at the desk too: an examiner not assigned to the case stores nothing in it; the bundle
    is not refused (it is sound) but waits, untouched, until the case's owner (or an administrator) runs the desk."""
    worker = Worker(tmp_path, "w1")
    worker.enrol(vault)
    vault.add_examiner("Trần Văn B", "mật khẩu của B")
    path = worker.bundle(vault, case, staging)
    sealed = path.read_bytes()
    other = Vault.open(vault_dir, "mật khẩu của B")
    try:
        waiting = ingest_bundle(other, path, DeskKeys.load(other))
    finally:
        other.close()
    assert waiting.status == "waiting", waiting
    assert f"Trần Văn B is not assigned to case {case.number}" in waiting.error
    assert "Nguyễn Văn Kiểm" in waiting.error  # whom to ask
    assert f"Trần Văn B không được giao vụ việc {case.number}" in waiting.error_vi  # the desktop app shows either
    assert "Nguyễn Văn Kiểm" in waiting.error_vi
    assert vault.list_items(case.id) == [] and path.read_bytes() == sealed
    assert not (path.parent / "refused").exists()
    stored = ingest_bundle(vault, path, DeskKeys.load(vault))  # the case's owner
    assert stored.status == "stored", stored.error
    assert [i.kind for i in vault.list_items(case.id)] == ["web_capture", "warc", "provenance"]
    assert not path.exists()


def _refused(vault: Vault, case: Case, staging: Path, path: Path, *, needle: str) -> str:
    outcome = ingest_bundle(vault, path, DeskKeys.load(vault))
    assert outcome.status == "refused", outcome
    assert needle in outcome.error, outcome.error
    assert vault.list_items(case.id) == []  # nothing of it stored
    kept = path.parent / "refused" / path.name
    assert kept.is_file() and not path.exists()
    assert json.loads(kept.with_name(kept.name + ".json").read_text())["message"] == outcome.error
    entry = [e.record for e in vault.custody.entries() if e.record["action"] == "remote.bundle_refused"][-1]
    assert entry["details"]["message"] == outcome.error
    # in Vietnamese too: why, in words, then the message naming the bundle and file
    assert outcome.error_vi.startswith("gói thu thập bị từ chối: ") and outcome.error in outcome.error_vi
    assert outcome.error_vi != "gói thu thập bị từ chối: bị từ chối — " + outcome.error  # a known reason, said
    return outcome.error


def test_unenrolled_key_is_refused(vault: Vault, case: Case, staging: Path, tmp_path: Path) -> None:
    stranger = Worker(tmp_path, "stranger")
    error = _refused(vault, case, staging, stranger.bundle(vault, case, staging), needle="no examiner has enrolled")
    assert stranger.signer.fingerprint in error


def test_revoked_key_is_refused_from_then_on(vault: Vault, case: Case, staging: Path, tmp_path: Path) -> None:
    worker = Worker(tmp_path, "w1")
    worker.enrol(vault)
    revoke(vault, "w1", "the machine was reinstalled")
    _refused(vault, case, staging, worker.bundle(vault, case, staging), needle="revoked")
    assert export_trust(vault)["workers"][0]["status"] == "revoked"


def test_changed_file_is_refused_naming_it(vault: Vault, case: Case, staging: Path, tmp_path: Path) -> None:
    worker = Worker(tmp_path, "w1")
    worker.enrol(vault)
    changed = bytearray(WARC)
    changed[5000] ^= 0xFF
    error = _refused(vault, case, staging, worker.bundle(vault, case, staging, swap=bytes(changed)),
                     needle="file capture.warc.gz (warc) does not match the signed manifest")
    assert "SHA256" in error


def test_damaged_ciphertext_is_refused_naming_the_file(vault: Vault, case: Case, staging: Path,
                                                       tmp_path: Path) -> None:
    worker = Worker(tmp_path, "w1")
    worker.enrol(vault)
    path = worker.bundle(vault, case, staging)
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01  # the middle of the bundle lies in the WARC (about 180 KB of 190)
    path.write_bytes(damaged)
    _refused(vault, case, staging, path, needle="file capture.warc.gz (warc) was changed after it was sealed")


def test_bundle_for_another_desk_or_task_is_refused(vault: Vault, case: Case, staging: Path, tmp_path: Path) -> None:
    worker = Worker(tmp_path, "w1")
    worker.enrol(vault)
    _, elsewhere = age_seal.new_identity()
    sealed_elsewhere = worker.bundle(vault, case, staging, recipient=elsewhere)
    target = staging / desk_folder(store.desk_recipient(vault)) / sealed_elsewhere.name
    target.parent.mkdir(exist_ok=True)
    shutil.move(sealed_elsewhere, target)
    _refused(vault, case, staging, target, needle="not sealed to this desk")


def test_enrolment_is_logged_pinned_and_exported(vault: Vault, tmp_path: Path, cli: Cli) -> None:
    worker = Worker(tmp_path, "w1")
    with pytest.raises(Exception, match="not the key the worker printed"):
        enrol(vault, "w1", public_key_line(worker.signer), fingerprint="ed25519:0000 0000 0000 0000 0000 0000 0000 0000")
    worker.enrol(vault)
    entry = [e.record for e in vault.custody.entries() if e.record["action"] == "worker.enroll"][0]
    assert entry["details"]["fingerprint"] == worker.signer.fingerprint
    assert entry["examiner"]["name"] == vault.examiner.name
    pinned = store.pinned_workers(vault)
    assert [w.name for w in pinned.values()] == ["w1"]
    exported = export_trust(vault)["workers"]
    assert [(w["name"], w["fingerprint"], w["status"]) for w in exported] == [("w1", worker.signer.fingerprint,
                                                                                "active")]
    from forensics_app.services.trust import load_trust

    (tmp_path / "trust.json").write_text(json.dumps({**export_trust(vault)}))
    trust = load_trust([tmp_path / "trust.json"])
    assert trust.worker("ed25519", worker.signer.public_key) is not None
