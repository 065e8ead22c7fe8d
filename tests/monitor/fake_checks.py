"""Stored captures as the web pipeline leaves them (parent, HTML, screenshot), made without a browser, and a
check judged on them: for tests of what is built on checks (the app's tab, reports)."""

from __future__ import annotations

import io
from typing import Any

import cv2
import numpy as np

from evidence_store import Vault
from evidence_store import monitor_store as store
from forensics_app.services import monitor
from forensics_app.services.monitor_judge import judge


def _png(dark: bool) -> bytes:
    image = np.full((200, 400, 3), 255, np.uint8)
    if dark:
        image[20:120, 20:220] = (30, 30, 30)
    return cv2.imencode(".png", image)[1].tobytes()


def capture(vault: Vault, case_id: int, url: str, text: str, dark: bool, status: int = 200) -> tuple[Any, list[Any]]:
    """A stored web capture as the pipeline leaves it (parent, HTML, screenshot), without a browser."""
    case = vault.get_case(case_id)
    with vault.batch(case) as batch:
        parent = batch.add_record(kind="web_capture", name="capture", source=url,
                                  metadata={"provenance": {"http_status": status, "final_url": url}})
        batch.add_content(io.BytesIO(f"<html><body><p>{text}</p></body></html>".encode()), kind="html",
                          name="page.html", source=url, parent=parent, media_type="text/html")
        batch.add_content(io.BytesIO(_png(dark)), kind="screenshot", name="page.png", source=url, parent=parent,
                          media_type="image/png")
    assert parent.item is not None
    return parent.item, vault.list_items(parent_id=parent.item.id)


def check(vault: Vault, watch_id: int, text: str, dark: bool, status: int = 200) -> monitor.CheckOutcome:
    watch = store.get_watch(vault, watch_id)
    run = store.start_run(vault, watch, watch.next_due or "", "2099-01-01T00:00:00.000000Z")
    item, children = capture(vault, watch.case_id, watch.target, text, dark, status)
    return judge(vault, watch, run, item, children, "", None, egress={}, options=None)
