"""``forensics disk info|ls|timeline|search|add|extract``: disk images through The Sleuth Kit."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from evidence_store import UsageError

from ..services.disk import (
    entry_json,
    escape_name,
    image_info,
    iter_entries,
    open_image,
    search_image,
    write_timeline,
)
from .common import cancellable, common_options, emit_json, err, is_json, opened_vault, out, progress_bar

IMAGE = click.argument("image", type=click.Path(path_type=Path))
ZONE = click.option("--timezone", "zone", metavar="ZONE",
                    help="Zone FAT/exFAT local times were written in (default: the vault's setting, else "
                         "Asia/Ho_Chi_Minh); recorded with every time.")
PARTITION = click.option("--partition", type=int, help="Partition number as `disk info` shows it (from 1).")


@click.group("disk")
def disk_group() -> None:
    """Disk images (raw, split, E01, VMDK, VHD, QCOW): look inside, recover, extract into the vault."""


def _shown(value: Any) -> str:
    """Text from an image for the terminal: control characters escaped (see collectors.disk.names)."""
    return escape_name(str(value).encode("utf-8", "surrogateescape"))


def _size(value: int) -> str:
    from evidence_store.sizes import human_size

    return human_size(value, "en")


@disk_group.command("info")
@common_options
@IMAGE
@ZONE
def disk_info(image: Path, zone: str | None) -> None:
    """Container and its stored metadata, partitions, file systems."""
    data = image_info(image, local_zone=zone)
    if is_json():
        emit_json(data)
        return
    c = data["container"]
    out.print(f"[bold]{c['path']}[/]  {c['format']}  {_size(c['media_size'])} ({c['media_size']} bytes), "
              f"sector {c['sector_size']}", highlight=False)
    if len(c["segments"]) > 1:
        out.print(f"segments: {len(c['segments'])} ({', '.join(Path(s).name for s in c['segments'])})", highlight=False)
    for key, value in c["stored_metadata"].items():  # typed by whoever acquired the image: escaped
        out.print(f"  {key}: {_shown(value)}", highlight=False)
    for key, value in c["stored_hashes"].items():
        out.print(f"  stored {key.upper()}: {value}", highlight=False)
    out.print(f"partition table: {data['partition_table'] or 'none'}")
    for part in data["partitions"]:
        fs = part["file_system"]
        label = "none" if not fs or fs["label"] is None else "'" + _shown(fs["label"]) + "'"
        fs_text = (f"{fs['type']} label={label} block={fs['block_size']}" if fs
                   else f"no file system ({part['file_system_error']})")
        out.print(f"  {part['index']}: start {part['start_sector']} length {part['length_sectors']} "
                  f"({part['description']})  {fs_text}", highlight=False)
    for warning in data["warnings"]:
        err.print(f"[yellow]warning:[/] {warning['message']}", highlight=False)


@disk_group.command("ls")
@common_options
@IMAGE
@PARTITION
@click.option("--path", "dir_path", default="/", show_default=True, help="Directory to list.")
@click.option("-r", "--recursive", is_flag=True, help="Everything below the directory.")
@click.option("--deleted", is_flag=True, help="Only deleted and orphan entries.")
@ZONE
def disk_ls(image: Path, partition: int | None, dir_path: str, recursive: bool, deleted: bool,
            zone: str | None) -> None:
    """Entries with inode, allocation, type, size and MACB times (UTC, with precision)."""
    with open_image(image, local_zone=zone) as opened, cancellable() as cancel:
        if partition is None and not (recursive and dir_path in ("", "/")):
            partition = opened.partition(None).index
        listing = iter_entries(opened, partition=partition, path=dir_path, recursive=recursive,
                               deleted_only=deleted, cancel=cancel)
        if is_json() and recursive and dir_path in ("", "/"):
            from ..services.disk_listing import json_listing  # subtrees on every core, same bytes

            parts = [partition] if partition is not None else [p.index for p in opened.partitions if p.fs]
            _stream_json_bytes(json_listing(opened, parts, deleted_only=deleted, warnings=listing.warnings,
                                            cancel=cancel))
        elif is_json():
            _stream_json_text(entry_json(entry) for entry in listing.entries)
        else:
            for entry in listing.entries:
                modified = entry.times.get("modified", {}).get("utc", "")
                mark = "*" if entry.deleted else " "
                click.echo(f"{entry.type_label()} {mark} {entry.address:>14}  {entry.size:>12}  {modified:<31}"
                           f" p{entry.partition} {entry.display_path}")
    for warning in listing.warnings:
        err.print(f"[yellow]warning:[/] {warning.message}", highlight=False)


# What json.dumps(row, ensure_ascii=False) builds on every call, once; rows hold no cycles to check for.
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def _stream_json(rows: Any, batch: int = 2000) -> None:
    """A JSON array written a few thousand rows at a time, so a million entries never sit in memory."""
    _stream_json_text((_ENCODE(row) for row in rows), batch)


def _stream_json_text(texts: Any, batch: int = 2000, flush_bytes: int = 1 << 20) -> None:
    """The same, from rows (or pieces of many rows) already encoded; written about a MiB at a time.

    ``color=True`` only tells click not to scan the text for ANSI codes to strip: JSON escapes every
    control character, so there are none (the scan took half the time of encoding the text).
    """
    lines: list[str] = []
    pending = 0
    separator = "[\n  "
    for text in texts:
        lines.append(separator)
        lines.append(text)
        separator = ",\n  "
        pending += len(text)
        if len(lines) >= 2 * batch or pending >= flush_bytes:
            click.echo("".join(lines), nl=False, color=True)
            lines, pending = [], 0
    lines.append("\n]" if separator != "[\n  " else "[\n]")
    click.echo("".join(lines), color=True)


def _stream_json_bytes(pieces: Any) -> None:
    """The same, from pieces of JSON text already encoded as UTF-8 (each whole entries): written to stdout's
    bytes as they are, a large piece without a copy (decoded only when stdout is text alone, as when a test
    captures it)."""
    stdout = sys.stdout
    binary = getattr(stdout, "buffer", None)
    stdout.flush()
    write = binary.write if binary is not None else (lambda data: stdout.write(data.decode("utf-8")))
    separator = b"[\n  "
    for piece in pieces:
        write(separator)
        write(piece)
        separator = b",\n  "
    write(b"\n]\n" if separator != b"[\n  " else b"[\n]\n")
    (binary or stdout).flush()


@disk_group.command("timeline")
@common_options
@IMAGE
@PARTITION
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Body file to write (the format TSK's mactime reads).")
@ZONE
def disk_timeline(image: Path, partition: int | None, out_file: Path, zone: str | None) -> None:
    """Write a mactime body file of every entry."""
    if out_file.exists():
        raise UsageError(f"{out_file} already exists; choose another file")
    with open_image(image, local_zone=zone) as opened, cancellable() as cancel:
        import tempfile

        fd, temp = tempfile.mkstemp(prefix=".timeline-", dir=out_file.parent or Path("."))
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                summary = write_timeline(opened, handle, partition=partition, cancel=cancel)
            os.replace(temp, out_file)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    summary["out"] = str(out_file)
    if is_json():
        emit_json(summary)
    else:
        out.print(f"wrote {summary['lines']} lines for {summary['entries']} entries to {out_file} "
                  f"(FAT times read as {summary['time_zone_assumed_for_fat']})", highlight=False)


@disk_group.command("search")
@common_options
@IMAGE
@click.option("--keyword", required=True, help="Text to find (UTF-8 and UTF-16LE).")
@click.option("--regex", is_flag=True, help="KEYWORD is a regular expression (POSIX classes like [[:alpha:]] work).")
@click.option("-i", "--ignore-case", is_flag=True)
@PARTITION
def disk_search(image: Path, keyword: str, regex: bool, ignore_case: bool, partition: int | None) -> None:
    """Find a keyword in allocated files, deleted files, slack and unallocated space."""
    with open_image(image) as opened, cancellable() as cancel:
        hits = search_image(opened, keyword, regex=regex, ignore_case=ignore_case, partition=partition,
                            cancel=cancel)
        if is_json():
            _stream_json(hits)
            return
        count = 0
        for hit in hits:
            count += 1
            where = hit["path"] or ""
            click.echo(f"p{hit['partition']} offset {hit['image_offset']} (sector {hit['sector']}+{hit['sector_offset']})"
                       f"  {hit['location']:<14} {where}  {hit['match']!r} [{hit['encoding']}]")
        err.print(f"{count} hit(s)")


@disk_group.command("add")
@common_options
@IMAGE
@click.option("--case", "case_ref", required=True, help="Case id or number.")
@click.option("--copy", is_flag=True, help="Also store the image's media data in the vault (same pass).")
@ZONE
def disk_add(image: Path, case_ref: str, copy: bool, zone: str | None) -> int:
    """Register an image: MD5, SHA-1, SHA-256, BLAKE3 in one pass; stored E01 hashes verified."""
    from ..services.disk_acquire import add_image  # the vault side loads only for the commands that need it

    with opened_vault() as vault, cancellable() as cancel, progress_bar("hashing") as progress:
        result = add_image(vault, case_ref, image, copy=copy, local_zone=zone, progress=progress, cancel=cancel)
    mismatch = result.verification["result"] == "mismatch"
    if is_json():
        emit_json({"item": result.item.to_json(), "hashes": result.hashes, "verification": result.verification})
    else:
        out.print(f"item {result.item.id}: {result.item.name}", highlight=False)
        for name, value in result.hashes.items():
            out.print(f"  {name.upper():7} {value}", highlight=False)
        out.print(f"  stored hash check: {result.verification['result']}")
    for warning in result.warnings:
        style = "bold red" if warning.code == "stored_hash_mismatch" else "yellow"
        err.print(f"[{style}]warning:[/] {warning.message}", highlight=False)
    return 1 if mismatch else 0


@disk_group.command("extract")
@common_options
@IMAGE
@click.option("--case", "case_ref", required=True, help="Case id or number.")
@click.option("--path", "file_path", help="A file (or a directory: everything under it).")
@click.option("--inode", help="N, N:STREAM or N-TYPE-ID (as `disk ls` shows it).")
@click.option("--deleted", is_flag=True, help="Every deleted and orphan file.")
@click.option("--all", "everything", is_flag=True, help="Every file of every partition, deleted ones and streams too.")
@PARTITION
@click.option("--image-item", help="The disk_image item to attach to (default: found by its files, else added).")
@click.option("--hash", "extra", multiple=True, type=click.Choice(["md5", "sha1"]), help="Also compute MD5/SHA-1.")
@ZONE
def disk_extract(image: Path, case_ref: str, file_path: str | None, inode: str | None, deleted: bool,
                 everything: bool, partition: int | None, image_item: str | None, extra: tuple[str, ...],
                 zone: str | None) -> None:
    """Stream files out of the image into the vault, each with its locator and recovery flag."""
    from evidence_store.hashing import optional_algorithms

    from ..services.disk_acquire import extract
    from ..services.disk_extract import Selection

    selection = Selection(path=file_path, inode=inode, deleted=deleted, all=everything)
    selection.check()
    with opened_vault() as vault, cancellable() as cancel, progress_bar("extracting") as progress:
        result = extract(vault, case_ref, image, selection, partition=partition, image_item=image_item,
                         extra_hashes=optional_algorithms(extra), local_zone=zone, progress=progress, cancel=cancel)
    if is_json():
        emit_json(result.to_json())
        return
    note = " (image registered now)" if result.image_added else ""
    out.print(f"{result.extracted} file(s), {_size(result.bytes)} into the vault under image item "
              f"{result.image_item.id}{note}; {result.possibly_incomplete} flagged 'possibly incomplete'",
              highlight=False)
    for path, reason in result.skipped:
        err.print(f"[yellow]skipped[/] {path}: {reason}", highlight=False)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {warning.message}", highlight=False)


@disk_group.command("cat")
@common_options
@IMAGE
@click.option("--inode", help="N, N:STREAM or N-TYPE-ID (as `disk ls` shows it).")
@click.option("--path", "file_path", help="The file's path inside the image (deleted names too).")
@PARTITION
@click.option("--as", "as_kind", type=click.Choice(["auto", "text", "hex", "image", "pdf"]), default="auto",
              show_default=True, help="How to show it (auto: from its content).")
@click.option("--bytes", "hex_bytes", type=click.IntRange(min=16), default=4096, show_default=True,
              help="Bytes shown as hex.")
@click.option("--case", "case_ref", help="Log the look in this case's custody log (on the image's item if the "
                                         "case has it); without it nothing is logged, and this says so.")
@ZONE
def disk_cat(image: Path, inode: str | None, file_path: str | None, partition: int | None, as_kind: str,
             hex_bytes: int, case_ref: str | None, zone: str | None) -> None:
    """Look at one file inside the image without extracting it: text, hex, image facts, PDF pages."""
    from ..services.disk_preview import find_entry, hex_dump, preview

    with open_image(image, local_zone=zone) as opened:
        entry = find_entry(opened, inode=inode, path=file_path, partition=partition)
        shown = preview(opened, entry, as_kind=as_kind)
    logged = None
    if case_ref is not None:
        from ..services.disk_preview import log_preview

        with opened_vault() as vault:
            logged = log_preview(vault, vault.get_case(case_ref), image, shown)
    if is_json():
        data = shown.to_json()
        if shown.kind == "hex":
            data["hex"] = shown.data[:hex_bytes].hex()
        emit_json(data | {"logged": logged})
        return
    kind = shown.type
    flag = (f"  [yellow]EXTENSION MISMATCH[/]: the name says {kind.name_media_type or 'nothing known'}"
            if kind.mismatch else "")
    err.print(f"{entry.display_path}  {entry.address}  {entry.size} bytes  {entry.allocation}  "
              f"content: {kind.media_type}{flag}", highlight=False)
    if entry.deleted:
        err.print(f"recovery: {shown.recovery['state']} {', '.join(shown.recovery['reasons'])}", highlight=False)
    if shown.read_error:
        err.print(f"[yellow]warning:[/] {shown.read_error}", highlight=False)
    if shown.kind == "text":
        err.print(f"text, encoding {shown.encoding or 'unknown'} (coherence {shown.coherence})", highlight=False)
        click.echo(_terminal_safe(shown.text or ""))
    elif shown.kind == "pdf" and shown.pdf is not None:
        err.print(f"PDF, {shown.pdf.get('pages')} page(s)" + (" (encrypted)" if shown.pdf.get("encrypted") else ""),
                  highlight=False)
        for number, text in enumerate(shown.pdf.get("text", []), 1):
            click.echo(f"--- page {number} ---\n{_terminal_safe(text)}")
    elif shown.kind == "image" and shown.image is not None:
        facts = shown.image
        click.echo(f"{facts['format']} image, {facts['width']} x {facts['height']} px, {facts['mode']} "
                   "(the disk browser shows it; --as hex for its bytes)")
    else:
        click.echo(hex_dump(shown.data[:hex_bytes]))
    if shown.truncated:
        err.print(f"only the first {len(shown.data)} of {entry.size} bytes were read", highlight=False)
    err.print(f"logged in the custody log on {logged}" if logged else
              "not logged: no --case given (looking inside an image is logged only against a case)", highlight=False)


def _terminal_safe(text: str) -> str:
    """Text from evidence for a terminal: control characters other than tab and newline escaped."""
    return "".join(ch if ch in "\n\t" or not (ord(ch) < 32 or ord(ch) == 127 or 0x80 <= ord(ch) < 0xA0)
                   else f"\\x{ord(ch):02x}" for ch in text)


COMMANDS = [disk_group]
