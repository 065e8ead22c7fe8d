"""Staging (issue 14): memory folders really are in memory, sealed files never hold plaintext on disk,
read back exactly (also after bytes were rewritten in place), notice tampering, and cost bounded memory."""

from __future__ import annotations

import io
import os
import secrets
import signal
import time
import zipfile
from pathlib import Path

import pytest

from collectors.web.staging import (
    PREFIX,
    SEGMENT,
    ResponseSpool,
    SealedFile,
    Staging,
    filesystem_magic,
    is_memory_backed,
    memory_folder,
    orphaned_folders,
    process_alive,
    process_start,
    recover_interrupted,
)
from evidence_store.errors import CollectorError


def test_memory_file_systems_are_told_apart_by_statfs(tmp_path: Path) -> None:
    assert is_memory_backed(Path("/dev/shm"))  # tmpfs on every Linux this runs on
    assert filesystem_magic(Path("/dev/shm")) == 0x01021994
    assert not is_memory_backed(Path(__file__))  # the source tree is on a disk
    assert memory_folder(min_free=1) is not None
    assert memory_folder(min_free=1 << 62) is None  # no tmpfs has that much room: the caller is told


def _only_ciphertext(folder: Path, plain: bytes) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert plain[:64] not in path.read_bytes()


def test_sealed_file_round_trip_rewrite_and_no_plaintext(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    sealed = SealedFile(tmp_path, key)
    plain = b"".join(secrets.token_hex(8).encode() for _ in range(40_000))  # 640 000 bytes, ~10 segments
    for start in range(0, len(plain), 10_000):
        sealed.write(plain[start:start + 10_000])
    assert sealed.size == len(plain) and sealed.tell() == len(plain)
    assert list(tmp_path.iterdir()) == []  # created and unlinked at once: nothing named on disk
    fd_targets = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
                  if os.path.exists(f"/proc/self/fd/{fd}")]
    assert any(str(tmp_path) in t and "(deleted)" in t for t in fd_targets)
    with sealed.open() as reader:
        assert reader.read() == plain
        reader.seek(SEGMENT - 5)
        assert reader.read(10) == plain[SEGMENT - 5:SEGMENT + 5]
    # rewrite across a segment boundary (what a ZIP writer does to its local headers), then append
    sealed.seek(SEGMENT - 3)
    sealed.write(b"XXXXXX")
    sealed.seek(0, io.SEEK_END)
    sealed.write(b"tail")
    expected = plain[:SEGMENT - 3] + b"XXXXXX" + plain[SEGMENT + 3:] + b"tail"
    with sealed.open() as reader:
        assert reader.read() == expected
    with pytest.raises(io.UnsupportedOperation):
        sealed.seek(sealed.size + 1)
    sealed.close()


def test_sealed_file_detects_tampering() -> None:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    sealed = SealedFile(folder, secrets.token_bytes(32))
    sealed.write(b"a" * (SEGMENT * 2))
    fd = sealed._fd  # the test reaches the backing descriptor to play the attacker on disk
    assert fd is not None
    os.pwrite(fd, b"\x00", 10)
    with pytest.raises(CollectorError), sealed.open() as reader:
        reader.read()
    sealed.close()


def test_response_spool_keeps_small_responses_in_memory_and_spills_big_ones(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    small = ResponseSpool(tmp_path, key, memory_limit=1024)
    small.write(b"x" * 1000)
    assert small._fd is None
    small.seek(0)
    assert small.read() == b"x" * 1000
    big = ResponseSpool(tmp_path, key, memory_limit=1024)
    big.write(b"HTTP/1.1 200 OK\r\n\r\n" + b"y" * 300_000)
    assert big._fd is not None and len(big._tail) < SEGMENT  # bounded memory: the rest is sealed on disk
    big.seek(0)
    assert big.readline() == b"HTTP/1.1 200 OK\r\n"
    assert big.read(3) == b"\r\ny"
    big.close()
    small.close()


def test_a_zip_written_into_a_sealed_file_has_plain_local_headers(tmp_path: Path) -> None:
    sealed = SealedFile(tmp_path, secrets.token_bytes(32))
    payload = os.urandom(200_000)
    with zipfile.ZipFile(sealed, "w") as archive:  # type: ignore[arg-type]
        info = zipfile.ZipInfo("archive/data.warc.gz")
        info.file_size = len(payload)
        with archive.open(info, "w") as out:
            out.write(payload)
    with sealed.open() as reader:
        data = reader.read()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entry = archive.infolist()[0]
        assert archive.read(entry) == payload
        assert not entry.flag_bits & 0x08  # no data descriptor: viewers read sizes from the local header
    sealed.close()


def test_markers_of_dead_processes_are_recovered_and_live_ones_left(tmp_path: Path) -> None:
    markers = tmp_path / "running"
    live = Staging.start(operation="capture.web", marker_dir=markers, root=tmp_path, details={"case": "VV-1"})
    assert process_alive(os.getpid(), process_start(os.getpid()))
    assert recover_interrupted(markers) == []  # our own process is alive: nothing touched
    assert live.memory.exists()
    dead = markers / "999999-deadbeef.json"
    folder = tmp_path / "999999-deadbeef"
    folder.mkdir()
    (folder / "page.html").write_text("left by a killed capture")
    dead.write_text('{"pid": 999999, "process_start": "1", "operation": "capture.web", "case": "VV-2", '
                    f'"folders": ["{folder}", "/etc"]}}')
    found = recover_interrupted(markers)
    assert [(r["pid"], r["case"], r["removed"]) for r in found] == [(999999, "VV-2", [str(folder)])]
    assert not folder.exists() and Path("/etc").exists()  # only folders this module names are removed
    live.close()
    assert not live.memory.exists() and not live.marker.exists()  # type: ignore[union-attr]


def test_what_a_dead_capture_left_running_in_its_folder_is_stopped_before_the_folder_is_removed(
        tmp_path: Path) -> None:
    """A killed capture's browser outlives it (Playwright gives it a process group of its own) and keeps writing
    into the capture's folder: recovery stops it first, so nothing comes back after the folder is removed. A
    process that only names a sibling folder is left alone."""
    import subprocess
    import sys

    markers = tmp_path / "running"
    markers.mkdir()
    folder, sibling = tmp_path / "999998-feedface", tmp_path / "999998-feedface2"
    for path in (folder, sibling):
        path.mkdir()
    writer = ("import sys, time, pathlib\n"
              "folder = pathlib.Path(sys.argv[1].split('=', 1)[1]).parent\n"
              "(folder / 'ready').write_text('')\n"
              "while True:\n"
              "    (folder / f'.org.chromium.Chromium.{time.monotonic_ns()}').write_text('x')\n"
              "    time.sleep(0.005)\n")
    browser = subprocess.Popen([sys.executable, "-c", writer, f"--user-data-dir={folder}/profile"])
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", str(sibling)])
    try:
        while not (folder / "ready").exists():
            assert browser.poll() is None, "the writer did not start"
            time.sleep(0.01)
        (markers / "999998-feedface.json").write_text(
            f'{{"pid": 999998, "process_start": "1", "operation": "capture.web", "folders": ["{folder}"]}}')
        recover_interrupted(markers)
        assert browser.wait(10) == -signal.SIGKILL
        assert not folder.exists()  # and it stays so: the only writer is gone
        assert bystander.poll() is None and sibling.exists()
    finally:
        for process in (browser, bystander):
            process.kill()
            process.wait()


def test_folders_of_dead_processes_without_a_marker_are_found(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORENSICS_STAGING_DIR", str(tmp_path))
    base = tmp_path / f"{PREFIX}-{os.getuid()}"
    base.mkdir(mode=0o700)
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that just ended (and was reaped)
    dead, alive, other = base / f"{gone.pid}-0123abcd", base / f"{os.getpid()}-0123abcd", base / "notes"
    for folder in (dead, alive, other, base / f"{gone.pid}-0123abcd-sealed"):
        folder.mkdir()
    found = {p for p in orphaned_folders() if p.parent == base}
    assert found == {dead, base / f"{gone.pid}-0123abcd-sealed"}


def test_a_chosen_staging_folder_is_used_as_it_is_and_called_what_it_is(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """FORENSICS_STAGING_DIR is the examiner's choice: a folder on disk is used (and said to be on disk), not
    passed over for /dev/shm; a memory one is memory."""
    from collectors.web.staging import Staging

    disk = tmp_path / "chosen"
    disk.mkdir()
    assert not is_memory_backed(disk)
    monkeypatch.setenv("FORENSICS_STAGING_DIR", str(disk))
    staging = Staging.start(operation="test")
    try:
        assert staging.on_disk and staging.filesystem == "disk"
        assert staging.memory.is_relative_to(disk) and staging.sealed_dir.is_relative_to(disk)
        assert staging.describe()["browser_folder_on_persistent_disk"] is True
    finally:
        staging.close()
    shm = Path("/dev/shm") / f"chosen-{os.getpid()}"
    shm.mkdir()
    try:
        monkeypatch.setenv("FORENSICS_STAGING_DIR", str(shm))
        staging = Staging.start(operation="test")
        try:
            assert not staging.on_disk and staging.filesystem == "tmpfs" and staging.memory.is_relative_to(shm)
        finally:
            staging.close()
    finally:
        import shutil

        shutil.rmtree(shm, ignore_errors=True)
