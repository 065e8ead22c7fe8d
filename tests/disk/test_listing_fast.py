"""The fast listing paths write exactly what the plain ones write.

``disk ls -r --json`` builds each common entry's JSON as text (no dicts) and lists the
subtrees of the top directory in forked workers; both must give the bytes that
``json.dumps(entry.to_json())`` in one process gives, on every kind of image.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from collectors.disk import Walker
from collectors.disk.entries import ListingText, json_text
from collectors.disk.timestamps import TimePolicy
from evidence_store.errors import CollectorError, SourceError
from forensics_app.services import disk_listing
from forensics_app.services.disk import iter_entries, open_image

ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def images(built: Path, dftt: Path, debian_samples: Path) -> list[Path]:
    return [built / "ext4.img", built / "ext2.img", built / "names.img", built / "ntfs.img", built / "mbr.E01",
            built / "hfsplus.iso", built / "gpt.img", dftt / "7-undel-ntfs" / "7-ntfs-undel.dd",
            dftt / "6-undel-fat" / "6-fat-undel.dd", dftt / "8-jpeg-search" / "8-jpeg-search.dd",
            debian_samples / "fs.exfat", debian_samples / "fs.multiple"]


def test_entry_json_text_equals_the_encoder(built: Path, dftt: Path, debian_samples: Path) -> None:
    checked = 0
    for path in images(built, dftt, debian_samples):
        with open_image(path) as image:
            for entry in iter_entries(image, recursive=True).entries:
                fast = json_text(entry)
                entry.given_times = None
                assert fast == ENCODE(entry.to_json()), (path, entry.display_path)
                checked += 1
    assert checked > 300


@pytest.mark.parametrize(("workers", "deleted"), [(2, False), (2, True), (1, False), (1, True)])
def test_parallel_listing_equals_one_process(built: Path, dftt: Path, debian_samples: Path,
                                            monkeypatch: pytest.MonkeyPatch, workers: int, deleted: bool) -> None:
    """Workers, or one process writing subtrees as text, give the entries' json_text, in walk order."""
    monkeypatch.setattr(disk_listing, "AHEAD_BYTES", 1)  # the parent reads only the current subtree's worker
    for path in images(built, dftt, debian_samples):
        with open_image(path) as image:
            expected = [json_text(e) for e in iter_entries(image, recursive=True, deleted_only=deleted).entries]
            parts = [p.index for p in image.partitions if p.fs]
            warnings: list = []  # type: ignore[type-arg]
            pieces = list(disk_listing.json_listing(image, parts, deleted_only=deleted, warnings=warnings,
                                                    workers=workers))
        assert b",\n  ".join(pieces) == ",\n  ".join(expected).encode(), path


def test_json_text_of_names_under_hostile_directories(built: Path) -> None:
    """The parent's decoded path is worked out once per directory: a parent that is not UTF-8 or holds a
    control character still sends its children through the encoder, and the next directory is not mixed up."""
    with open_image(built / "ext4.img") as image:
        model = next(e for e in iter_entries(image, recursive=True).entries if e.meta_type == "r" and e.uid == 0)
    parents = [b"", b"plain", b"bad\xffdir", b"plain", b"esc\x1b[8mdir", b"c\xc5\xa9/sub", b"tab\tdir", b""]
    names = [b"a.txt", b"t\xe1\xbb\x87p.txt", b"line\rover", b"bad\xfe", b"ok"]
    checked = 0
    for parent in parents:
        for name in names:
            entry = model.__class__(**{slot: getattr(model, slot) for slot in model.__slots__})
            entry.parent_path, entry.name, entry.given_times = parent, name, None
            fast = json_text(entry)
            entry.given_times = None
            assert fast == ENCODE(entry.to_json()), (parent, name)
            checked += 1
    assert checked == len(parents) * len(names)


def test_listing_text_writes_what_json_bytes_writes(built: Path) -> None:
    """The walker hands a common entry's fields to its directory's writer, no Entry built: for every parent,
    name and set of times (a time missing, whole seconds, ext2's three slots) the writer writes the text
    json_bytes writes, or declines and the Entry goes through json_bytes."""
    with open_image(built / "ext4.img") as image:
        model = next(e for e in iter_entries(image, recursive=True).entries if e.meta_type == "r")
    policies = [TimePolicy("ext", ext_nanoseconds=True), TimePolicy("ext"), TimePolicy("hfs"), TimePolicy("ntfs"),
                TimePolicy("fat")]  # nanoseconds; ext2's three slots in whole seconds; 100 ns; local times
    parents = [b"", b"plain", b"100%dir", b"bad\xffdir", b"esc\x1b[8mdir", b"c\xc5\xa9/sub", b"quote\"dir"]
    names = [b"a.txt", b"t\xe1\xbb\x87p.txt", b"%s%d", b"line\rover", b"bad\xfe", b'q"uote', b"back\\slash"]
    times = [(1700000000, 123456789, 1700000001, 5, 1700000002, 999999999, 1600000000, 1),
             (1700000000, 0, 0, 0, 1700000002, 7, 1600000000, 1), (0, 0, 0, 0, 0, 0, 0, 0),
             (0, 5, 1, 0, 2, 0, 3, 0)]
    written = declined = 0
    for policy in policies:
        text = ListingText(model.partition, policy)
        for parent in parents:
            for orphan in (False, True):
                write = text.directory(parent, orphan)
                for name in names:
                    for raw in times:
                        entry = model.__class__(**{slot: getattr(model, slot) for slot in model.__slots__})
                        entry.parent_path, entry.name, entry.raw_times, entry.orphan = parent, name, raw, orphan
                        entry.policy = policy
                        entry.given_times = None
                        if write is not None and write(name, entry.inode, entry.name_type, entry.meta_type,
                                                       entry.name_allocated, bool(entry.meta_allocated), entry.size,
                                                       entry.mode, entry.uid, entry.gid, raw):
                            written += 1
                        else:
                            text.add(entry)
                            declined += 1
                        assert text.take().decode() == ENCODE(entry.to_json()), (policy, parent, name, raw)
    assert written > 100 and declined > 100


def _forks_recorded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The process ids of the listing workers forked from now on."""
    pids: list[int] = []
    fork = os.fork

    def recording() -> int:
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording)
    return pids


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_parallel_listing_stopped_early_leaves_no_worker(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pids = _forks_recorded(monkeypatch)
    with open_image(built / "ext4.img") as image:
        pieces = disk_listing.json_listing(image, [image.partition(None).index], deleted_only=False, warnings=[],
                                           workers=2)
        assert next(pieces)
        pieces.close()  # as when the reader of the output goes away
    assert len(pids) == 2
    assert all(_gone(pid) for pid in pids)  # stopped and waited for: no zombie left


@pytest.mark.parametrize("failure", ["error", "crash"])
def test_parallel_listing_worker_failure_is_raised(built: Path, monkeypatch: pytest.MonkeyPatch,
                                                  failure: str) -> None:
    """A worker's error is raised in the parent as the same error; a worker that dies is said to have died."""
    pids = _forks_recorded(monkeypatch)

    def failing(*args: object, **kwargs: object) -> Iterator[bytes]:
        if failure == "crash":
            os._exit(3)
        raise SourceError("the image went away")

    monkeypatch.setattr(Walker, "subtree_json", failing)  # in the workers (forked after this)
    expected = (SourceError, "the image went away") if failure == "error" else (CollectorError, "stopped unexpectedly")
    with open_image(built / "ext4.img") as image, pytest.raises(expected[0], match=expected[1]):
        list(disk_listing.json_listing(image, [image.partition(None).index], deleted_only=False, warnings=[],
                                       workers=2))
    assert len(pids) == 2 and all(_gone(pid) for pid in pids)


def test_parallel_listing_with_fewer_workers_than_asked(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second worker that cannot be forked (a process limit) leaves the listing to the first, whole."""
    pids: list[int] = []
    fork = os.fork

    def once() -> int:
        if pids:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", once)
    with open_image(built / "ext4.img") as image:
        expected = [json_text(e) for e in iter_entries(image, recursive=True).entries]
        pieces = list(disk_listing.json_listing(image, [image.partition(None).index], deleted_only=False,
                                                warnings=[], workers=3))
    assert b",\n  ".join(pieces) == ",\n  ".join(expected).encode()
    assert len(pids) == 1 and _gone(pids[0])
