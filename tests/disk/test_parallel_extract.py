"""Extraction with a reader process (disk_pipeline) gives exactly what reading in one process gives.

Two real vaults get the same extraction, one with ``parallel=False`` and one with
the forked reader; every item (order, names, hashes, media type, locator, warnings
and the custody entry's details) must be equal. Faults in the reader (an error, a
kill) and a cancel must leave only whole committed chunks and no temp blob.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from evidence_store import Cancelled, CancelToken, SourceError, Vault, entity_store, search_index, timeline_store
from forensics_app.services import analysis, disk_extract
from forensics_app.services.disk_acquire import extract
from forensics_app.services.disk_extract import Selection
from forensics_app.services.disk_pipeline import PARALLEL_AVAILABLE, ReaderFailed

from ..conftest import PASSPHRASE, assert_verifies_clean
from ..worker_thread import in_a_worker_thread, record_helper_starts

pytestmark = pytest.mark.skipif(not PARALLEL_AVAILABLE, reason="the reader process needs fork (Linux)")

_VOLATILE = {"id", "uid", "acquired_at", "parent_id", "blob", "case_id", "examiner", "record"}  # record: digests of these


def snapshot(vault: Vault, item_ids: list[int]) -> list[dict[str, Any]]:
    """Everything about each extracted item that does not depend on when or in which vault it was made."""
    acquired = {e.record["item"]["id"]: e.record["details"] for e in vault.custody.entries()
                if e.record["action"] == "item.acquire"}
    rows = []
    for item_id in item_ids:
        data = vault.get_item(item_id).to_json()
        data["metadata"]["locator"].pop("image_item_uid")
        details = {k: v for k, v in acquired[item_id].items() if k not in _VOLATILE}
        rows.append({**{k: v for k, v in data.items() if k not in _VOLATILE}, "custody": details})
    return rows


def both_ways(tmp_path: Path, image: Path, selection: Selection, **options: Any) -> list[Any]:
    results = []
    for parallel in (False, True):
        vault = Vault.create(tmp_path / f"vault-{parallel}", PASSPHRASE, "Lê Văn Đọc")
        try:
            case = vault.create_case("VV-SONG-SONG", "Đọc song song")
            result = extract(vault, case.id, image, selection, parallel=parallel, extra_hashes=("md5",), **options)
            results.append((snapshot(vault, result.item_ids), result.skipped,
                            [w.to_json() for w in result.warnings], result.possibly_incomplete, result.bytes))
            assert not list((vault.root / "tmp").iterdir())
            assert_verifies_clean(vault)
        finally:
            vault.close()
    return results


@pytest.mark.parametrize(("rel", "selection", "readers"), [
    ("built/ext4.img", Selection(all=True), 3),  # Vietnamese names, browser history, EXIF, a deleted file
    ("built/ext2.img", Selection(all=True), 1),  # hostile names, a directory loop (a warning)
    ("dftt/7-undel-ntfs/7-ntfs-undel.dd", Selection(all=True), 2),  # ADS, resident data, reallocated entries
    ("dftt/6-undel-fat/6-fat-undel.dd", Selection(deleted=True), 1),  # possibly incomplete, FAT local times
    ("built/mbr.E01", Selection(all=True), 3),  # three partitions through libewf, two segments
])
def test_reader_process_gives_the_same_items(tmp_path: Path, built: Path, dftt: Path, rel: str,
                                             selection: Selection, readers: int) -> None:
    """One reader or several (each takes every N-th file): the same items, in the same order, as one process."""
    image = (built if rel.startswith("built/") else dftt) / rel.split("/", 1)[1]
    serial, parallel = both_ways(tmp_path, image, selection, chunk_items=7, readers=readers)
    assert serial[0], "the selection extracts something"
    assert parallel == serial


def test_directory_path_in_a_reader_process(tmp_path: Path, built: Path) -> None:
    serial, parallel = both_ways(tmp_path, built / "ext4.img", Selection(path="/Tài liệu"))
    assert len(serial[0]) == 3 and parallel == serial


@pytest.mark.parametrize("parallel", [False, True])
def test_cancel_keeps_whole_chunks_only(vault: Vault, case, built: Path, parallel: bool) -> None:  # type: ignore[no-untyped-def]
    token = CancelToken()
    seen: list[int] = []

    def progress(done: int, total: int | None, label: str) -> None:
        seen.append(done)
        if len(seen) == 5:
            token.cancel()

    with pytest.raises(Cancelled):
        extract(vault, case.id, built / "ext4.img", Selection(all=True), chunk_items=2, parallel=parallel,
                progress=progress, cancel=token)
    files = vault.list_items(case.id, kind="extracted_file")
    assert len(files) % 2 == 0 and len(files) < 5
    assert not list((vault.root / "tmp").iterdir())
    assert vault.custody.entries()[-1].record["details"]["cancelled"] is True


def _reader_blobs(vault: Vault) -> list[Path]:
    return [path for folder in (vault.root / "tmp").glob("reader-*") for path in folder.iterdir()]


def _when_readers_have_written(vault: Vault, then: Any) -> Any:
    """A progress callback: at its first call (the new image being hashed, before the item exists), wait until the
    readers have written temp blobs of files they read meanwhile, then run ``then``."""
    calls: list[int] = []

    def progress(done: int, total: int | None, label: str) -> None:
        calls.append(done)
        if len(calls) == 1:
            deadline = time.monotonic() + 120
            while not _reader_blobs(vault):
                assert time.monotonic() < deadline, "the readers did not start while the image was being hashed"
                time.sleep(0.01)
            then()

    return progress


@pytest.mark.parametrize("hold", [None, 2])  # 2: each reader waits for the item after two files
def test_readers_start_while_a_new_image_is_hashed(tmp_path: Path, built: Path, hold: int | None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A new image is hashed whole to be registered; the readers read its files meanwhile and hold them, then name
    the item's id in each locator once it is committed: the same items as one process gives (the item's uid in
    each locator is the item's), and the vault verifies clean."""
    image = built / "ext4.img"  # browser history and EXIF: locators sent as they are, not only encoded ones
    serial, _ = both_ways(tmp_path / "both", image, Selection(all=True))
    if hold is not None:
        from forensics_app.services import disk_pipeline

        monkeypatch.setattr(disk_pipeline, "_HOLD_FILES", hold)  # the forked readers inherit it
    vault = Vault.create(tmp_path / "held", PASSPHRASE, "Lê Văn Đọc")
    try:
        case = vault.create_case("VV-SONG-SONG", "Đọc song song")
        held: list[int] = []
        result = extract(vault, case.id, image, Selection(all=True), parallel=True, extra_hashes=("md5",),
                         readers=2, progress=_when_readers_have_written(vault, lambda: held.append(1)))
        assert held and result.image_added
        image_item = result.image_item
        assert (snapshot(vault, result.item_ids), result.skipped, [w.to_json() for w in result.warnings],
                result.possibly_incomplete, result.bytes) == serial
        assert {vault.get_item(i).metadata["locator"]["image_item_uid"] for i in result.item_ids} == {image_item.uid}
        assert not list((vault.root / "tmp").iterdir())
        assert_verifies_clean(vault)
    finally:
        vault.close()


def test_cancel_while_a_new_image_is_hashed_leaves_nothing(vault: Vault, case, built: Path) -> None:  # type: ignore[no-untyped-def]
    """Cancelled before the image item exists: no item, and none of the files the readers held is left behind."""
    token = CancelToken()
    with pytest.raises(Cancelled):
        extract(vault, case.id, built / "ext4.img", Selection(all=True), parallel=True, cancel=token,
                progress=_when_readers_have_written(vault, token.cancel))
    assert vault.list_items(case.id) == []
    assert not list((vault.root / "tmp").iterdir())


def _fail_in_reader(monkeypatch: pytest.MonkeyPatch, after: int, action: Any) -> None:
    """Fault injection: the forked reader inherits this patched ``prepare`` (the parent never calls it)."""
    parent = os.getpid()
    original = disk_extract.Extractor.prepare
    calls = {"n": 0}

    def prepare(self: Any, *args: Any) -> Any:
        if os.getpid() != parent:
            calls["n"] += 1
            if calls["n"] > after:
                action()
        return original(self, *args)

    monkeypatch.setattr(disk_extract.Extractor, "prepare", prepare)


def test_an_error_in_the_reader_is_raised_here_and_leaves_whole_chunks(
        vault: Vault, case, built: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def fail() -> None:
        raise SourceError("cannot read the image at offset 4096: Lỗi đọc")

    _fail_in_reader(monkeypatch, 2, fail)  # each reader takes every N-th file: a few files each
    with pytest.raises(SourceError, match="Lỗi đọc"):
        extract(vault, case.id, built / "ext4.img", Selection(all=True), chunk_items=2, parallel=True)
    assert len(vault.list_items(case.id, kind="extracted_file")) in (0, 2, 4)
    assert not list((vault.root / "tmp").iterdir())
    assert vault.custody.entries()[-1].record["action"] == "disk.extract"


def test_a_killed_reader_is_a_clear_error_and_leaves_no_temp_blob(
        vault: Vault, case, built: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    _fail_in_reader(monkeypatch, 2, lambda: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(ReaderFailed, match="stopped unexpectedly"):
        extract(vault, case.id, built / "ext4.img", Selection(all=True), chunk_items=2, parallel=True)
    assert len(vault.list_items(case.id, kind="extracted_file")) in (0, 2)
    assert not list((vault.root / "tmp").iterdir())


_forks_by_thread: list[str] = []  # the threads of this process that called fork, while a test records them
_recording_forks = [False]


def _record_fork() -> None:
    if _recording_forks[0]:
        _forks_by_thread.append(threading.current_thread().name)


os.register_at_fork(before=_record_fork)


def test_a_worker_thread_starts_its_readers_through_a_fork_server(tmp_path: Path, built: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A GUI worker thread must not fork a process whose other threads may hold locks, and need not read on one
    core: its readers come from the fork server (a fresh process), with the blob keys sent through a pipe; the
    items are those one process gives, and the main thread (the CLI) still forks its own."""
    from forensics_app.services import disk_pipeline

    started = record_helper_starts(monkeypatch, disk_pipeline)
    image = built / "ext4.img"
    vault = Vault.create(tmp_path / "vault", PASSPHRASE, "Lê Văn Đọc")
    in_worker = []
    try:
        case = vault.create_case("VV-SONG-SONG", "Đọc song song")
        _forks_by_thread.clear()
        _recording_forks[0] = True
        try:
            for selection in (Selection(all=True), Selection(path="/Tài liệu")):  # a new image, then a known one
                result = in_a_worker_thread(vault, lambda sibling, selection=selection: extract(
                    sibling, case.id, image, selection, extra_hashes=("md5",), chunk_items=7), timeout=120)
                assert result.extracted > 5 or selection.path
                assert not list((vault.root / "tmp").iterdir())
                in_worker.append(snapshot(vault, result.item_ids))
        finally:
            _recording_forks[0] = False
        assert "gui-worker" not in _forks_by_thread, "no fork from the worker thread"
        assert started and set(started) == {("gui-worker", "forkserver")}
        assert_verifies_clean(vault)
    finally:
        vault.close()
    serial = both_ways(tmp_path / "serial", image, Selection(all=True), chunk_items=7)[0][0]
    assert in_worker[0] == serial, "the fork server's readers give the items one process gives"
    assert started[-1] == ("MainThread", "fork"), "the main thread forks its readers"


def analysis_snapshot(vault: Vault, case_id: int) -> dict[str, Any]:
    """Everything analysis stored about a case's items: index states and pieces, entity occurrences, events."""
    items = [item.id for item in vault.list_items(case_id)]
    occurrences = sorted(
        (row.type, row.value, o.item_id, o.place, o.snippet, o.rule, o.seen_at or "")
        for row in entity_store.list_entities(vault, case_id=case_id)
        for o in entity_store.occurrences(vault, row.id))
    events = sorted((e.item_id or 0, e.time_us, e.end_us, e.precision, e.source, e.kind, e.timestamp_desc, e.message,
                     json.dumps(e.extra, sort_keys=True))
                    for e in timeline_store.iterate(vault, timeline_store.Filter(case_ids=[case_id])))
    return {"states": search_index.index_states(vault, case_id), "occurrences": occurrences, "events": events,
            "pieces": {item_id: sorted(search_index.pieces_of(vault, item_id)) for item_id in items}}


_ENTITY_TEXT = ("Chuyển khoản 0912 345 678 Vietcombank STK 0071000123456 cho anh Nguyễn Văn Ạ, "
                "email nguyen.a@example.vn, web https://vi.example.org/trang?id=1, IP 203.162.4.191, "
                "số CCCD 001203004567, biển số 29A-123.45\n")


@pytest.mark.parametrize("parallel", [False, True])
def test_files_analysed_as_they_are_read_equal_analysis_from_the_vault(tmp_path: Path, built: Path,
                                                                        parallel: bool) -> None:
    """Small files are analysed from their bytes in memory while they are stored; what that stores must be what
    analysing them afterwards from the vault gives (text, entities, events, states), file by file."""
    tree = tmp_path / "tree"
    (tree / "thư mục").mkdir(parents=True)
    (tree / "thư mục" / "chuyển khoản.txt").write_text(_ENTITY_TEXT * 40, "utf-8")
    (tree / "utf16.txt").write_bytes(_ENTITY_TEXT.encode("utf-16"))
    (tree / "trang.html").write_text(f"<html><body><p>{_ENTITY_TEXT}</p><script>x=1</script></body></html>", "utf-8")
    (tree / "nhị phân.txt").write_bytes(b"\0\1\2" * 100)  # not text: recorded as not indexed, with why
    (tree / "lớn.txt").write_text(_ENTITY_TEXT * 6000, "utf-8")  # over ANALYSE_IN_MEMORY: analysed afterwards
    (tree / "trống.txt").write_bytes(b"")
    image = tmp_path / "entities.img"
    subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(tree), str(image), "8M"], check=True,
                   env={**os.environ, "E2FSPROGS_FAKE_TIME": "1700000000"})
    assert (tree / "lớn.txt").stat().st_size > disk_extract.ANALYSE_IN_MEMORY
    for number, source in enumerate((image, built / "ext4.img")):  # and a PDF, UTF-16, browser history, EXIF
        vault = Vault.create(tmp_path / f"vault-{number}", PASSPHRASE, "Lê Văn Đọc")
        try:
            case = vault.create_case(f"VV-PT-{number}", "Phân tích khi đọc")
            result = extract(vault, case.id, source, Selection(all=True), parallel=parallel, chunk_items=3)
            found = analysis_snapshot(vault, case.id)
            assert len(found["states"]) == len(result.item_ids) + 1  # and the image item
            actions = [e.record["action"] for e in vault.custody.entries()]
            analysed_on_the_way = sum(e.record["details"]["items"] for e in vault.custody.entries()
                                      if e.record["action"] == "analysis.index" and
                                      e.seq < actions.index("disk.extract"))
            assert analysed_on_the_way == len(result.item_ids) - (number == 0)  # all but the large file
            if number == 0:
                assert {o[0] for o in found["occurrences"]} >= {"phone", "email", "url", "ip", "bank_account"}
            analysis.rebuild(vault, case)
            assert analysis_snapshot(vault, case.id) == found
            assert_verifies_clean(vault)
        finally:
            vault.close()


def test_the_garbage_collector_is_left_as_found_after_an_extraction_even_a_failed_one() -> None:
    """Extraction runs the cyclic collector rarely (see disk_pipeline.fewer_collections); nested or concurrent uses
    share one setting, and the last one out puts back the threshold and the objects it froze."""
    import gc

    from forensics_app.services.disk_pipeline import fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        frozen = gc.get_freeze_count()
        assert frozen > 0 and gc.get_threshold()[0] > before[0]
        with pytest.raises(RuntimeError), fewer_collections():
            raise RuntimeError("a failed extraction inside another")
        # still the outer one's: neither unfrozen (0) nor frozen again (more); a frozen object may die meanwhile
        assert gc.get_threshold()[0] > before[0] and 0 < gc.get_freeze_count() <= frozen
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


@pytest.mark.parametrize(("cores", "plain", "analysing"), [(1, 1, 1), (2, 1, 2), (4, 3, 4), (16, 4, 4)])
def test_readers_take_every_core_the_committing_process_leaves_free(monkeypatch: pytest.MonkeyPatch, cores: int,
                                                                    plain: int, analysing: int) -> None:
    """Committing keeps a core busy when the readers only read; when they also analyse, it mostly waits, so the
    readers take that core too (measured: 64 s against 86 s for 100,000 small files on two cores)."""
    from forensics_app.services import disk_pipeline

    monkeypatch.setattr(disk_pipeline.os, "cpu_count", lambda: cores)
    assert disk_pipeline.reader_count() == plain
    assert disk_pipeline.reader_count(analysing=True) == analysing
