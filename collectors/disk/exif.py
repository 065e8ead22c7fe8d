"""EXIF from JPEGs: camera, the time the picture was taken, GPS position.

Only the header is read (EXIF sits in the APP1 segment at the start of the
file). Camera times are the camera's local clock: stored as written, with the
offset when the camera recorded one (OffsetTimeOriginal), never silently
converted. Numbers are kept as decimal strings so records hash the same everywhere.
"""

from __future__ import annotations

import io
from typing import Any

HEADER_BYTES = 256 * 1024
_TAGS = {0x010F: "make", 0x0110: "model", 0x0131: "software", 0x0112: "orientation", 0x0132: "datetime"}
_EXIF_TAGS = {0x9003: "datetime_original", 0x9004: "datetime_digitized", 0x9011: "offset_time_original",
              0xA431: "body_serial_number", 0xA434: "lens_model"}


def is_jpeg(head: bytes) -> bool:
    return head.startswith(b"\xff\xd8\xff")


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip("\x00 ").strip()


def _degrees(value: Any, ref: Any) -> str | None:
    try:
        d, m, s = (float(v) for v in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = d + m / 60 + s / 3600
    if _text(ref).upper() in ("S", "W"):
        result = -result
    return f"{result:.6f}"


def parse_exif(head: bytes) -> dict[str, Any] | None:
    """EXIF facts from the first bytes of a JPEG, or None when there are none."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(head)) as image:
            exif = image.getexif()
            size = image.size
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    if not exif:
        return None
    row: dict[str, Any] = {"width": size[0], "height": size[1]}
    for tag, name in _TAGS.items():
        if tag in exif and _text(exif[tag]):
            row[name] = _text(exif[tag])
    sub = exif.get_ifd(0x8769)
    for tag, name in _EXIF_TAGS.items():
        if tag in sub and _text(sub[tag]):
            row[name] = _text(sub[tag])
    gps = exif.get_ifd(0x8825)
    if gps:
        lat = _degrees(gps.get(2), gps.get(1)) if 2 in gps else None
        lon = _degrees(gps.get(4), gps.get(3)) if 4 in gps else None
        if lat is not None and lon is not None:
            row["gps_latitude"], row["gps_longitude"] = lat, lon
        if 6 in gps:
            try:
                altitude = float(gps[6])
                row["gps_altitude_m"] = f"{-altitude if gps.get(5) == 1 else altitude:.1f}"
            except (TypeError, ValueError, ZeroDivisionError):
                pass
        if 29 in gps and 7 in gps:
            try:
                h, m, s = (float(v) for v in gps[7])
                row["gps_time_utc"] = f"{_text(gps[29]).replace(':', '-')}T{int(h):02d}:{int(m):02d}:{int(s):02d}Z"
            except (TypeError, ValueError, ZeroDivisionError):
                pass
    if "datetime_original" in row:
        row["time_note"] = ("camera clock, offset " + row["offset_time_original"] if "offset_time_original" in row
                            else "camera clock, time zone not recorded")
    return row if len(row) > 2 else None
