"""Where an examiner can point when completing a social record: the capture's screenshots and its stored page.

The desktop app's annotation dialog shows a screenshot to draw a region on, or
lists the elements of the stored page (the ``html`` item, the DOM as rendered)
whose text holds the value, so the examiner picks the node that shows it.
Both read the vault only; the annotation itself is written by
:func:`forensics_app.services.social.annotate`.
"""

from __future__ import annotations

from typing import NamedTuple

from evidence_store import Item, UsageError, Vault

SHOT_KINDS = ("screenshot_element", "screenshot", "screenshot_viewport")
PAGE_LIMIT = 64 * 1024 * 1024


class CaptureParts(NamedTuple):
    capture: Item
    record: Item
    screenshots: list[Item]  # the post's own shot first
    page: Item | None  # the rendered DOM (html item), if stored


def capture_parts(vault: Vault, item_id: int) -> CaptureParts:
    """The social capture an item belongs to (the capture, its record, a screenshot or the page), with its parts."""
    item = vault.get_item(item_id)
    capture = item
    if item.kind != "web_capture" and item.parent_id is not None:
        capture = vault.get_item(item.parent_id)
    children = vault.list_items(parent_id=capture.id) if capture.kind == "web_capture" else []
    record = next((c for c in children if c.kind == "social_post"), None)
    if record is None:
        raise UsageError(f"item {item_id} is not part of a social capture (no social_post record)",
                         message_vi=f"mục {item_id} không thuộc bản thu thập mạng xã hội nào (không có bản ghi bài đăng)")
    shots = sorted((c for c in children if c.kind in SHOT_KINDS), key=lambda c: SHOT_KINDS.index(c.kind))
    page = next((c for c in children if c.kind == "html"), None)
    return CaptureParts(capture, record, shots, page)


def find_in_page(vault: Vault, page: Item, value: str, limit: int = 30) -> list[tuple[str, str]]:
    """Elements of the stored page whose own text holds ``value`` (innermost first): (XPath, the text shown)."""
    import lxml.html

    wanted = " ".join(value.split()).casefold()
    if not wanted:
        return []
    data = b"".join(vault.read_item(page))[:PAGE_LIMIT]
    root = lxml.html.fromstring(data)
    tree = root.getroottree()
    out: list[tuple[str, str]] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "head", "title", "meta"):
            continue
        text = " ".join(element.text_content().split())
        if wanted not in text.casefold():
            continue
        if any(wanted in " ".join(child.text_content().split()).casefold() for child in element
               if isinstance(child.tag, str)):
            continue  # a child holds it: the innermost element is the one that shows it
        out.append((tree.getpath(element), text[:200]))
        if len(out) >= limit:
            break
    return out
