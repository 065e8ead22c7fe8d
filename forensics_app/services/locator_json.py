"""An extracted file's metadata (its locator) encoded for its record from templates, not by a JSON encoder.

Extracting 100,000 small files encodes each locator twice (the canonical JSON its digests are made of,
and the row's JSON in the locator's own key order), and the ``json`` module's encoder spends far longer
on a dict of twenty keys than the few ``%`` of a template. :func:`encoded_metadata` writes the two texts
for the common locator (exactly the keys :meth:`.disk_extract.Extractor._locator` writes, of the types it
writes: every value's type is checked, so no float can pass unrefused; nested values of other shapes go
through ``canonical_json``) and declines everything else (EXIF or browser rows, a not-stored range, any other shape), which
then goes through the encoders; a test holds both texts to the encoders' on real images.
"""

from __future__ import annotations

import json
import operator
from typing import Any

from evidence_store.canonical import canonical_json

_quote = json.encoder.encode_basestring  # type: ignore[attr-defined]  # a JSON string, as the encoders write it
_row = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode  # the row's encoder (item_record)

_HEAD = ("image_item", "image_item_uid", "image", "partition", "partition_offset", "file_system")
_BODY = ("inode", "address", "stream", "path", "path_bytes_hex", "name", "allocation", "orphan", "recovery",
         "recovery_reasons", "size", "bytes_read", "times")
_TYPES = (int, str, str, int, int, str, int, str, type(None), str, str, str, str, bool, str, list, int, int, dict)
# the locator's keys, with a sequence number (NTFS) and a time-zone assumption (FAT), as _locator adds them
_SHAPES = {keys: (index, tza) for index, (keys, tza) in enumerate(
    (_HEAD + _BODY + extra, "time_zone_assumption" in extra)
    for extra in ((), ("sequence",), ("time_zone_assumption",), ("sequence", "time_zone_assumption")))}
_TYPES_WITH_STREAM = _TYPES[:8] + (dict,) + _TYPES[9:]  # an NTFS stream
_BOOL = {True: "true", False: "false"}
_TIME_KEYS = ("utc", "precision")


def encoded_metadata(metadata: dict[str, Any]) -> tuple[dict[str, bytes], str] | None:
    """``({"locator": canonical_json(locator)}, row JSON of metadata)`` for metadata holding only a common
    locator, else None (the caller encodes it with the encoders)."""
    if len(metadata) != 1:
        return None
    locator = metadata.get("locator")
    if type(locator) is not dict:
        return None
    shape = _SHAPES.get(tuple(locator))
    if shape is None:
        return None
    values = tuple(locator.values())
    types = tuple(map(type, values[:19]))
    if types != _TYPES and types != _TYPES_WITH_STREAM:
        return None
    (image_item, image_item_uid, image, partition, offset, file_system, inode, address, stream, path, path_hex,
     name, allocation, orphan, recovery, reasons, size, bytes_read, times) = values[:19]
    extra = values[19:]
    sequence = extra[0] if len(extra) == 2 or (extra and not shape[1]) else None
    if sequence is not None and type(sequence) is not int:
        return None
    times_texts = _times(times)
    if times_texts is None:
        return None
    canonical_times, row_times = times_texts
    if reasons:
        if any(type(reason) is not str for reason in reasons):
            return None
        canonical_reasons, row_reasons = "[" + ",".join(map(_quote, reasons)) + "]", ", ".join(map(_quote, reasons))
        row_reasons = "[" + row_reasons + "]"
    else:
        canonical_reasons = row_reasons = "[]"
    if stream is None:
        canonical_stream = row_stream = "null"
    else:
        canonical_stream, row_stream = canonical_json(stream).decode("utf-8"), _row(stream)
    tza = extra[-1] if shape[1] else None
    q_address, q_path, q_hex, q_name = _quote(address), _quote(path), _quote(path_hex), _quote(name)
    q_allocation, q_recovery, q_uid, q_image = _quote(allocation), _quote(recovery), _quote(image_item_uid), \
        _quote(image)
    q_file_system, text_orphan = _quote(file_system), _BOOL[orphan]
    canonical = (
        f'{{"address":{q_address},"allocation":{q_allocation},"bytes_read":{bytes_read:d},'
        f'"file_system":{q_file_system},"image":{q_image},"image_item":{image_item:d},"image_item_uid":{q_uid},'
        f'"inode":{inode:d},"name":{q_name},"orphan":{text_orphan},"partition":{partition:d},'
        f'"partition_offset":{offset:d},"path":{q_path},"path_bytes_hex":{q_hex},"recovery":{q_recovery},'
        f'"recovery_reasons":{canonical_reasons},'
        + (f'"sequence":{sequence:d},' if sequence is not None else "")
        + f'"size":{size:d},"stream":{canonical_stream},'
        + (f'"time_zone_assumption":{canonical_json(tza).decode("utf-8")},' if shape[1] else "")
        + f'"times":{canonical_times}}}')
    row = (
        f'{{"locator": {{"image_item": {image_item:d}, "image_item_uid": {q_uid}, "image": {q_image}, '
        f'"partition": {partition:d}, "partition_offset": {offset:d}, "file_system": {q_file_system}, '
        f'"inode": {inode:d}, "address": {q_address}, "stream": {row_stream}, "path": {q_path}, '
        f'"path_bytes_hex": {q_hex}, "name": {q_name}, "allocation": {q_allocation}, "orphan": {text_orphan}, '
        f'"recovery": {q_recovery}, "recovery_reasons": {row_reasons}, "size": {size:d}, '
        f'"bytes_read": {bytes_read:d}, "times": {row_times}'
        + (f', "sequence": {sequence:d}' if sequence is not None else "")
        + (f', "time_zone_assumption": {_row(tza)}' if shape[1] else "")
        + "}}")
    return {"locator": canonical.encode("utf-8")}, row


def _times(times: dict[str, Any]) -> tuple[str, str] | None:
    """The canonical and the row's JSON of MACB times whose values are each an object of strings (``{"utc": …,
    "precision": …}``, and the local time and zone where the file system stores local times); None for any
    other shape."""
    values = tuple(times.values())
    layout = _time_layouts.get(tuple(times)) or _time_layout(tuple(times))
    if layout is not None and tuple(map(tuple, values)) == layout[0]:  # each {"utc": …, "precision": …}
        texts = [*map(_utc, values), *map(_precision, values)]
        if tuple(map(type, texts)) == layout[1]:
            texts = [*map(_quote, texts)]
            return layout[2] % layout[4](texts), layout[3] % layout[5](texts)
    canonical: list[str] = []
    row: list[str] = []
    for key, value in times.items():
        if type(key) is not str or type(value) is not dict or any(
                type(name) is not str or type(text) is not str for name, text in value.items()):
            return None
        q_key = _quote(key)
        quoted = {name: _quote(name) + ":" + _quote(text) for name, text in value.items()}
        canonical.append(q_key + ":{" + ",".join(quoted[name] for name in sorted(quoted)) + "}")
        row.append(q_key + ": {" + ", ".join(_quote(name) + ": " + _quote(text) for name, text in value.items()) + "}")
    if list(times) != sorted(times):
        canonical = [text for _, text in sorted(zip(times, canonical, strict=True))]
    return "{" + ",".join(canonical) + "}", "{" + ", ".join(row) + "}"


_utc, _precision = operator.itemgetter("utc"), operator.itemgetter("precision")
_time_layouts: dict[tuple[Any, ...], tuple[Any, ...] | None] = {}


def _time_layout(keys: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """For times with these keys, each ``{"utc": …, "precision": …}``: the values' keys, the texts' types, the
    canonical and row templates, and what picks their values from the quoted UTC times then precisions."""
    if len(_time_layouts) >= 64:
        _time_layouts.clear()
    layout = None
    if keys and all(type(key) is str for key in keys):
        count = len(keys)
        quoted = [_quote(key).replace("%", "%%") for key in keys]
        ordered = sorted(range(count), key=keys.__getitem__)
        canonical = ",".join(f'{quoted[i]}:{{"precision":%s,"utc":%s}}' for i in ordered)
        row = ", ".join(f'{quoted[i]}: {{"utc": %s, "precision": %s}}' for i in range(count))
        layout = ((_TIME_KEYS,) * count, (str,) * (2 * count), "{" + canonical + "}", "{" + row + "}",
                  operator.itemgetter(*[index for i in ordered for index in (count + i, i)]),
                  operator.itemgetter(*[index for i in range(count) for index in (i, count + i)]))
    _time_layouts[keys] = layout
    return layout
