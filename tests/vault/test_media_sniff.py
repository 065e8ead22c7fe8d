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
