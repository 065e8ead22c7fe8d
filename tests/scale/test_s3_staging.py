"""Bundles through an S3-compatible staging store: a real local server speaking S3 (moto's), real workers.

The store is moto's standalone server on a free local port with request signing enforced (:mod:`tests.scale.s3`);
the worker is the `forensics worker` process, the broker Debian's RabbitMQ, the desk a SQLCipher vault.
"""

from __future__ import annotations

import hashlib
import json
import random
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evidence_store import Case, UsageError, Vault
from evidence_store import remote_store as store
from forensics_app.services import remote_staging, settings
from forensics_app.services.remote_bundle import desk_folder
from forensics_app.services.remote_ingest import DeskKeys, ingest_bundle
from forensics_app.services.remote_staging import S3Staging, open_staging
from forensics_app.services.web import capture_web
from tests.conftest import PASSPHRASE, Cli
from tests.scale.conftest import DeskVault, WorkerProcess, wait_consumers
from tests.scale.s3 import MotoS3
from tests.scale.site import ScaleSite
from tests.scale.test_bundles import Worker
from tests.web.conftest import fast_options

WRONG_SECRET = "wrong-secret-Zq81x0AbCdEf"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoS3]:
    server = MotoS3(tmp_path_factory.mktemp("moto") / "moto.log").start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def bucket(s3: MotoS3, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket; this process (the desk, in-process) holds the store's key in its environment."""
    name = f"staging-{uuid.uuid4().hex[:10]}"
    s3.client().create_bucket(Bucket=name)
    for key, value in s3.env().items():
        monkeypatch.setenv(key, value)
    return name


def s3_store(bucket: str, prefix: str = "bundles") -> S3Staging:
    staging = open_staging(f"s3://{bucket}/{prefix}")
    assert isinstance(staging, S3Staging)
    return staging


def custody_text(vault: Vault) -> str:
    return json.dumps([e.record for e in vault.custody.entries()], ensure_ascii=False)


def test_big_bundle_streams_through_s3_in_parts_and_staging_is_cleared(vault: Vault, case: Case, s3: MotoS3,
                                                                        bucket: str, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote_staging, "PART_SIZE", 5 * 1024 * 1024)  # S3's smallest part: several parts here
    warc = b"WARC/1.0\r\n\r\n" + random.Random(19).randbytes(40 * 1024 * 1024)
    worker = Worker(tmp_path, "w1")
    worker.enrol(vault)
    staging = s3_store(bucket)
    tracemalloc.start()
    try:
        written = worker.bundle_in(staging, vault, case, warc=warc)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    desk = desk_folder(store.desk_recipient(vault))
    # one object, named by the SHA-256 of its bytes; no temporary object or unfinished upload left behind
    objects = s3.objects(bucket)
    assert list(objects) == [f"bundles/{desk}/{written.name}"]
    assert written.name == hashlib.sha256(objects[f"bundles/{desk}/{written.name}"]).hexdigest() + ".age"
    assert not s3.client().list_multipart_uploads(Bucket=bucket).get("Uploads")
    # memory bounded by a few parts (the part being filled, the one being sent, botocore's copy), not the bundle
    assert written.size > 40 * 1024 * 1024 and peak < 5 * remote_staging.PART_SIZE, peak

    outcome = ingest_bundle(vault, staging.bundle(desk, written.name), DeskKeys.load(vault))

    assert outcome.status == "stored", outcome.error
    assert outcome.item is not None
    [stored_warc, _provenance] = vault.list_items(parent_id=outcome.item.id)
    assert b"".join(vault.read_item(stored_warc)) == warc  # every byte re-hashed and stored
    assert s3.objects(bucket) == {}  # staging cleared after ingest
    remote = vault.custody.entries(item_id=outcome.item.id)[0].record["details"]["remote"]
    assert remote["delivered"] == "S3 object store, age-sealed" and remote["bundle"] == written.name
    assert s3.secret_key not in custody_text(vault)


def test_tampered_object_is_refused_naming_the_file(vault: Vault, case: Case, s3: MotoS3, bucket: str,
                                                    tmp_path: Path) -> None:
    worker = Worker(tmp_path, "w1")
    worker.enrol(vault)
    staging = s3_store(bucket)
    written = worker.bundle_in(staging, vault, case)
    desk = desk_folder(store.desk_recipient(vault))
    key = f"bundles/{desk}/{written.name}"
    damaged = bytearray(s3.objects(bucket)[key])
    damaged[len(damaged) // 2] ^= 0x01  # the middle of the bundle lies in the WARC (about 180 KB of 190)
    s3.client().put_object(Bucket=bucket, Key=key, Body=bytes(damaged))

    outcome = ingest_bundle(vault, staging.bundle(desk, written.name), DeskKeys.load(vault))

    assert outcome.status == "refused" and outcome.file == "capture.warc.gz", outcome
    assert "file capture.warc.gz (warc) was changed after it was sealed" in outcome.error
    assert vault.list_items(case.id) == []  # nothing of it stored
    kept = f"bundles/{desk}/refused/{written.name}"
    objects = s3.objects(bucket)
    assert sorted(objects) == [kept, kept + ".json"]  # kept aside, still sealed, with the reason
    assert objects[kept] == bytes(damaged)
    assert json.loads(objects[kept + ".json"])["message"] == outcome.error
    entry = [e.record for e in vault.custody.entries() if e.record["action"] == "remote.bundle_refused"][-1]
    assert entry["details"]["kept_at"] == f"s3://{bucket}/{kept}" and entry["details"]["file"] == "capture.warc.gz"


def test_wrong_credentials_are_one_clear_line_without_the_secret(cli_vault: Cli, s3: MotoS3, bucket: str,
                                                                 tmp_path: Path) -> None:
    # the desk: `forensics worker status` reads the store
    for key, value in {"broker_url": "amqp://forensics@127.0.0.1:1/forensics", "remote_staging": f"s3://{bucket}/b",
                       "remote_s3_endpoint": s3.endpoint}.items():
        assert cli_vault("settings", "set", key, value).code == 0
    assert cli_vault("worker", "status", "--json").code == 0  # the right key: the store answers
    wrong = cli_vault("worker", "status", env=s3.env(secret=WRONG_SECRET))
    line = wrong.one_line_error()
    assert f"the S3 staging store s3://{bucket}/b at {s3.endpoint} refused this machine's credentials " \
           "(SignatureDoesNotMatch)" in line, line
    assert WRONG_SECRET not in wrong.out + wrong.err
    # in Vietnamese as well (what the app shows)
    vault = Vault.open(cli_vault.vault_dir, PASSPHRASE)
    try:
        from forensics_app.services.remote_desk import status

        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("FORENSICS_S3_SECRET_KEY", WRONG_SECRET)
            with pytest.raises(UsageError) as caught:
                status(vault)
        assert "từ chối thông tin đăng nhập" in caught.value.text("vi")
        assert WRONG_SECRET not in caught.value.text("vi")
        assert WRONG_SECRET not in custody_text(vault) and s3.secret_key not in custody_text(vault)
    finally:
        vault.close()

    # a worker: refuses to start (exit 2, one line), before it takes any task
    worker = WorkerProcess(tmp_path / "worker", "w-bad")
    worker.env.update(s3.env(secret=WRONG_SECRET))
    worker.start("amqp://forensics@127.0.0.1:1/forensics", f"s3://{bucket}/b", "unused")  # type: ignore[arg-type]
    assert worker.process is not None
    assert worker.process.wait(120) == 2, worker.tail()
    lines = [line for line in worker.tail().splitlines() if line.strip()]
    assert lines[-1].startswith("error: the S3 staging store") and "refused this machine's credentials" in lines[-1]
    assert "Traceback" not in worker.tail() and WRONG_SECRET not in worker.tail()


@pytest.mark.slow
def test_capture_through_s3_equals_the_shared_folder_path(desk: DeskVault, site: ScaleSite, s3: MotoS3, bucket: str,
                                                          worker_factory: Any) -> None:
    from tests.scale.test_cluster import captures, facts

    through_s3, through_folder = worker_factory("w-s3"), worker_factory("w-folder")
    s3_queue = desk.queue + ".s3"
    for worker in (through_s3, through_folder):
        desk.enrol(worker)
    through_s3.env.update(s3.env())
    through_s3.start(desk.broker.url, f"s3://{bucket}/staging", s3_queue)  # type: ignore[arg-type]
    through_folder.start(desk.broker.url, desk.staging, desk.queue)
    url = f"{site.url}/article/3"
    folder_case = desk.vault.create_case("VV-SCALE-FOLDER", "the same page, through the shared folder")
    wait_consumers(desk.broker, desk.queue, 1, [through_folder])
    by_folder = capture_web(desk.vault, folder_case.id, [url], options=fast_options(), remote=True)
    assert not by_folder.failed, [o.error for o in by_folder.failed]

    settings.set_settings(desk.vault, {"remote_staging": f"s3://{bucket}/staging", "remote_queue": s3_queue,
                                       "remote_s3_endpoint": s3.endpoint})
    wait_consumers(desk.broker, s3_queue, 1, [through_s3])
    by_s3 = capture_web(desk.vault, desk.case.id, [url], options=fast_options(), remote=True)

    assert not by_s3.failed, [o.error for o in by_s3.failed]
    [item] = captures(desk.vault, desk.case.id)[url]
    [folder_item] = captures(desk.vault, folder_case.id)[url]
    assert facts(desk.vault, item) == facts(desk.vault, folder_item)
    assert item.metadata["worker"]["name"] == "w-s3" and folder_item.metadata["worker"]["name"] == "w-folder"
    remote = desk.vault.custody.entries(item_id=item.id)[0].record["details"]["remote"]
    assert remote["delivered"] == "S3 object store, age-sealed"
    assert s3.objects(bucket) == {}  # staging cleared (the worker's write probe is gone too)
    assert [r.status for r in store.tasks(desk.vault, case_id=desk.case.id)] == ["stored"]
    assert s3.secret_key not in custody_text(desk.vault) and s3.secret_key not in through_s3.tail()
