"""Media types from content: files made by ffmpeg and Pillow, held to what `file --mime-type` (libmagic) says.

Every ISO-media file used to be called video/mp4: a QuickTime movie, an M4A recording or an AVIF/HEIC photo
is not one, and a report or a viewer that trusts the label is misled.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from evidence_store.media import sniff

FFMPEG = {
    "clip.mov": ["-f", "lavfi", "-i", "testsrc=duration=1:size=64x64:rate=5"],
    "clip.mp4": ["-f", "lavfi", "-i", "testsrc=duration=1:size=64x64:rate=5"],
    "voice.m4a": ["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac"],
    "voice.wav": ["-f", "lavfi", "-i", "sine=duration=1"],
    "clip.avi": ["-f", "lavfi", "-i", "testsrc=duration=1:size=64x64:rate=5"],
}


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("media")
    for name, args in FFMPEG.items():
        subprocess.run(["ffmpeg", "-loglevel", "error", *args, "-y", str(folder / name)], check=True, timeout=120)
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(folder / "photo.webp")
    return folder


def file_says(path: Path) -> str:
    return subprocess.run(["file", "--brief", "--mime-type", str(path)], capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.parametrize("name", sorted([*FFMPEG, "photo.webp"]))
def test_container_formats_are_told_apart_as_libmagic_does(samples: Path, name: str) -> None:
    path = samples / name
    head = path.read_bytes()[:4096]
    expected = file_says(path)
    assert sniff(head, name) == expected
    assert sniff(head, "renamed.bin") == expected  # from the content, not the name


def test_the_quicktime_movie_is_not_called_mp4(samples: Path) -> None:
    assert sniff((samples / "clip.mov").read_bytes()[:4096], "IMG_0001.MOV") == "video/quicktime"
    assert sniff((samples / "voice.m4a").read_bytes()[:4096], "note.m4a").startswith("audio/")


NAMES = ["a.txt", "A.TXT", "b.Txt", "photo.JPG", "x.tar.gz", "x.tgz", "x.TGZ", "x.Z", "x.z", "x.bz2", "noext", ".bashrc",
         "a.b.c", "archive.ZIP", "report.pdf", "data:text/plain,hi", "c:\\x.txt", "tệp 1.txt", "x.wacz", "x.mhtml",
         "x.", "x.svgz", "x.unknownext", "dir.d/file", "x.json"]


@pytest.mark.parametrize("name", NAMES)
def test_types_from_names_are_mimetypes_own(name: str) -> None:
    """Types remembered by extension (a disk extraction sniffs 100,000 names) are what mimetypes says each time."""
    import mimetypes

    from evidence_store.media import _guess_type

    for _ in range(2):  # the second answer comes from what the first remembered
        assert _guess_type(name) == mimetypes.guess_type(name, strict=False)[0]


HEADS = [b"", b"hello", b"\x89PNG\r\n\x1a\nrest", b"\xff\xd8\xff\xe0", b"GIF89a", b"%PDF-1.7", b"\x1f\x8b\x08",
         b"SQLite format 3\x00", b"WARC/1.1", b"\x1aE\xdf\xa3", b"RIFF\x00\x00\x00\x00WAVEfmt ", b"PK\x03\x04zip",
         b"\x00\x00\x00\x18ftypmp42", b"\x00\x01\x02binary", b"EVF\x09\x0d\x0a\xff\x00", b"G not gif", b"P not zip"]


@pytest.mark.parametrize("head", HEADS)
def test_content_checked_by_first_byte_is_typed_as_every_signature_tried(head: bytes) -> None:
    """Signatures are only tried when the first byte can start one, and names' types are remembered: the same
    types as trying every signature in turn and asking mimetypes each time."""
    import mimetypes

    from evidence_store import media

    def every_signature(head: bytes, name: str) -> str:
        for signature, offset, media_type in media._SIGNATURES:
            if head[offset:offset + len(signature)] == signature:
                return media_type
        if any(head[offset:offset + len(sig)] == sig for sig, offset in media._AMBIGUOUS):
            if name.lower().endswith(".wacz") and head.startswith(b"PK"):
                return "application/wacz"
            found = media._libmagic(head)
            if found and not (found == "application/zip" and mimetypes.guess_type(name, strict=False)[0]):
                return found
        guessed = mimetypes.guess_type(name, strict=False)[0]
        if guessed:
            return guessed
        if name.lower().endswith(".wacz"):
            return "application/wacz"
        if name.lower().endswith(".mhtml"):
            return "multipart/related"
        if head and media._looks_like_text(head):
            return "text/plain"
        return (media._libmagic(head) if head else None) or "application/octet-stream"

    for name in NAMES:
        assert sniff(head, name) == every_signature(head, name), name
