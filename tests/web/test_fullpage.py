"""Tall-page screenshots through DevTools (several tiles per shot, stitched as they come) against Playwright's
own full-page screenshot of the same tiles: the same pixels on desktop and on an emulated phone, and the page
keeps its emulation (scale, screen, touch) afterwards for the rest of the capture."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from collectors.web import BrowserSession, CaptureState, snapshot
from collectors.web.fullpage import MAX_SHOT_PX
from tests.web.conftest import fast_options

pytestmark = pytest.mark.slow
PROBE = ("() => [devicePixelRatio, innerWidth, innerHeight, screen.width, screen.height, "
         "matchMedia('(pointer: coarse)').matches, screen.orientation.type]")


async def _open(session: BrowserSession, url: str, options: Any, folder: Path) -> CaptureState:
    """A page as a capture opens it (viewport, scale, touch of the device profile), loaded; its parts are held
    by the session's staging, as a capture's are."""
    profile = options.device_profile
    width, height = profile["viewport"]
    context = await session.browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=profile["scale"],
        is_mobile=profile["mobile"], has_touch=profile["touch"])
    page = await context.new_page()
    await page.goto(url)
    return CaptureState(url, options, folder, page, context, time.monotonic() + 120, staging=session.staging)


def _image(part: Any) -> Image.Image:
    """A part (in memory or sealed) as an image."""
    with part.open() as handle:
        return Image.open(io.BytesIO(handle.read()))


async def _playwright_tile(page: Any, tile: dict[str, Any]) -> bytes:
    """Playwright's own full-page screenshot of the area a tile says it holds."""
    return await page.screenshot(full_page=True, clip={
        "x": 0, "y": tile["css_top"], "width": tile["css_width"], "height": tile["css_height"]})


async def _shoot_both(url: str, device: str, folder: Path) -> tuple[list[Image.Image], list[bytes], list, list]:
    options = fast_options(device=device, tile_height=2000)
    profile = options.device_profile
    assert MAX_SHOT_PX // (options.tile_height * profile["scale"]) >= 2  # several tiles per shot: the cut is tested
    session = await BrowserSession.start()
    try:
        state = await _open(session, url, options, folder)
        page = state.page
        before = await page.evaluate(PROBE)
        await snapshot.screenshots(state)
        after = await page.evaluate(PROBE)
        tiles = sorted((f for f in state.files if f.kind == "screenshot_tile"), key=lambda f: f.metadata["index"])
        ours = [_image(f) for f in tiles]
        theirs = [await _playwright_tile(page, f.metadata) for f in tiles]
        (full,) = [f for f in state.files if f.kind == "screenshot"]
        ours.insert(0, _image(full))
        return ours, theirs, before, after
    finally:
        await session.close()


@pytest.mark.parametrize("device", ["desktop", "mobile"])
def test_same_pixels_as_playwright_and_emulation_kept(http_site: str, tmp_path: Path, device: str) -> None:
    (full, *tiles), theirs, before, after = asyncio.run(_shoot_both(http_site + "/emulation", device, tmp_path))
    assert after == before  # scale, viewport, screen, touch, orientation: all as the capture had them
    scale = fast_options(device=device).device_profile["scale"]
    assert before[0] == scale and before[5] is (device == "mobile")
    assert len(tiles) == 5 and not list(tmp_path.iterdir())  # no file: every part is in memory or sealed
    expected = [Image.open(io.BytesIO(shot)).convert("RGB") for shot in theirs]
    for index, (tile, want) in enumerate(zip(tiles, expected, strict=True)):
        assert tile.size == want.size and tile.convert("RGB").tobytes() == want.tobytes(), f"tile {index + 1}"
    assert full.size == (expected[0].size[0], sum(t.size[1] for t in expected))
    assert full.size[0] == before[1] * scale and full.size[1] >= 9000 * scale
    assert full.convert("RGB").tobytes() == b"".join(t.tobytes() for t in expected)


async def _shoot_tiles_only(url: str, device: str, folder: Path) -> tuple[CaptureState, list[bytes], int]:
    options = fast_options(device=device, tile_height=2000)
    session = await BrowserSession.start()
    try:
        state = await _open(session, url, options, folder)
        page = state.page
        await snapshot.screenshots(state)
        tiles = [f for f in state.files if f.kind in ("screenshot", "screenshot_tile")]
        theirs = [await _playwright_tile(page, f.metadata) for f in tiles]
        page_height = await page.evaluate("() => document.documentElement.scrollHeight")
        return state, theirs, page_height
    finally:
        await session.close()


@pytest.mark.parametrize("device", ["desktop", "mobile"])
def test_very_tall_page_stored_as_exact_ordered_tiles(http_site: str, tmp_path: Path, device: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Above STITCH_MAX_CSS_PX nothing is stitched: the shots are the tiles, the first one is the screenshot
    (with the manifest of all), every pixel of the page is in exactly one tile, and a warning says so."""
    from collectors.web import fullpage

    scale = fast_options(device=device).device_profile["scale"]
    monkeypatch.setattr(fullpage, "STITCH_MAX_CSS_PX", 5000)
    monkeypatch.setattr(fullpage, "MAX_SHOT_PX", 4000 * scale)  # shots of two 2,000 px tiles: several shots
    state, theirs, page_height = asyncio.run(_shoot_tiles_only(http_site + "/emulation", device, tmp_path))
    files = [f for f in state.files if f.kind in ("screenshot", "screenshot_tile")]
    assert [f.kind for f in files] == ["screenshot"] + ["screenshot_tile"] * (len(files) - 1)
    assert len(files) >= 3 and all(f.in_wacz for f in files)
    assert not list(tmp_path.iterdir())  # nothing stitched, and no file: every part is in memory or sealed
    manifest = files[0].metadata["manifest"]
    assert files[0].metadata["stored_as"] == "ordered tiles" and files[0].metadata["tiles_complete"] is True
    assert [m["file"] for m in manifest] == [f.path.name for f in files]
    tops = [m["css_top"] for m in manifest]
    assert tops[0] == 0 and all(m["css_height"] == 4000 for m in manifest[:-1])
    assert all(b == a["css_top"] + a["css_height"] for a, b in zip(manifest, tops[1:], strict=False))
    assert manifest[-1]["css_top"] + manifest[-1]["css_height"] == files[0].metadata["page_css_height"] == page_height
    assert all(f.metadata["page_css_height"] == page_height for f in files)
    for index, (tile, want) in enumerate(zip(files, theirs, strict=True)):
        ours, expected = _image(tile), Image.open(io.BytesIO(want))
        assert ours.size == expected.size and ours.size[1] == tile.metadata["css_height"] * scale, f"tile {index + 1}"
        assert ours.convert("RGB").tobytes() == expected.convert("RGB").tobytes(), f"tile {index + 1}"
    (warning,) = [w for w in state.warnings if w.code == "screenshot_in_tiles"]
    assert warning.details["tiles"] == len(files)


def test_ordered_tiles_in_the_vault_and_the_court_report(http_site: str, vault: Any, case: Any, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the whole capture: the tiles reach the vault in order (the first as the screenshot), each holds
    its part of the page (the test page is red and blue in 1,000 px bands), and the court report draws every
    tile instead of saying it is shown in a stitched image that does not exist."""
    from collectors.web import fullpage
    from forensics_app.services.reports import ReportOptions, generate_report
    from forensics_app.services.web import capture_web
    from tests.reports.conftest import pdf_pages
    from tests.web.site import TALL_HEIGHT

    monkeypatch.setattr(fullpage, "STITCH_MAX_CSS_PX", 10_000)
    monkeypatch.setattr(fullpage, "MAX_SHOT_PX", 8_000)  # tiles of four 2,000 px rows: 0, 8000, 16000, 24000
    result = capture_web(vault, case.id, [http_site + "/tall"], options=fast_options(tile_height=2000, video=False))
    assert result.outcomes[0].status == "captured", result.outcomes[0].error
    (capture,) = vault.list_items(case.id, kind="web_capture")
    children = vault.list_items(case.id, parent_id=capture.id)
    (shot,) = [c for c in children if c.kind == "screenshot"]
    tiles = [shot, *sorted((c for c in children if c.kind == "screenshot_tile"), key=lambda c: c.metadata["index"])]
    assert [t.metadata["css_top"] for t in tiles] == [0, 8000, 16000, 24000]
    assert [m["file"] for m in shot.metadata["manifest"]] == [t.name for t in tiles]
    assert shot.metadata["page_css_height"] == TALL_HEIGHT and shot.metadata["tiles_complete"] is True
    assert "screenshot_in_tiles" in [w.code for w in capture.warnings]
    assert capture.metadata.get("complete") is not False  # stored whole, in tiles: not a partial capture
    for tile in tiles:
        image = Image.open(io.BytesIO(b"".join(vault.read_item(tile)))).convert("RGB")
        assert image.size == (1280, tile.metadata["css_height"])
        for row in range(500, image.size[1], 1000):  # the middle of each band: red on even thousands, blue on odd
            absolute = tile.metadata["css_top"] + row
            assert image.getpixel((10, row)) == ((204, 0, 0) if absolute // 1000 % 2 == 0 else (0, 0, 204))
    out = tmp_path / "court.pdf"
    generate_report(vault, case.number, out, ReportOptions(kind="court", lang="vi"))
    text = "\n".join(pdf_pages(out))
    assert all(t.sha256 in text for t in tiles)
    assert "Mảnh này là một phần của ảnh chụp toàn trang" not in text  # no stitched image to point to
    assert text.count("mảnh 1/") >= len(tiles)  # every tile drawn (each across several report pages)
