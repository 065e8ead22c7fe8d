"""Social captures for tests that need no browser: records the real readers made from real saved pages."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from evidence_store import Vault


def real_social_capture(vault: Vault, corpus: Path) -> tuple[str, int, int, dict[str, Any]]:
    """A social capture whose record the real reader made from a real saved page, with a real PNG screenshot."""
    from datetime import UTC, datetime

    from PIL import Image

    from collectors.social.extract import read_post
    from collectors.social.page import PageDocument

    url = "https://www.facebook.com/story.php?story_fbid=3065154550235644&id=119240841493711"
    html = (corpus / "pages" / "facebook-2020-story-nintendo.html").read_text("utf-8")
    record = read_post(PageDocument(url, url, html, datetime(2026, 12, 1, tzinfo=UTC), "UTC"))[0].to_json()
    png = io.BytesIO()
    Image.new("RGB", (800, 600), (250, 250, 250)).save(png, "PNG")
    case = vault.create_case("VV-MXH-CHU-THICH-2", "Chú thích vào báo cáo")
    with vault.batch(case) as batch:
        web = batch.add_record(kind="web_capture", name=url, source=url)
        shot = batch.add_content(io.BytesIO(png.getvalue()), kind="screenshot", name="screenshot.png", source=url,
                                 parent=web, media_type="image/png")
        batch.add_content(io.BytesIO(json.dumps(record).encode()), kind="social_post", name="facebook-post.json",
                          source=url, parent=web, media_type="application/json",
                          metadata={"social": {"platform": "facebook", "url": url}})
        batch.add_content(io.BytesIO(html.encode()), kind="html", name="page.html", source=url, parent=web,
                          media_type="text/html; charset=utf-8")
    return case.number, web.item.id, shot.item.id, record  # type: ignore[union-attr]
