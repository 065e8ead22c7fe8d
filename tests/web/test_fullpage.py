"""Tall-page screenshots through DevTools (several tiles per shot, stitched as they come) against Playwright's
own full-page screenshot of the same tiles: the same pixels on desktop and on an emulated phone, and the page
keeps its emulation (scale, screen, touch) afterwards for the rest of the capture."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

import pytest
from PIL import Image

from collectors.web import BrowserSession, CaptureState, snapshot
from collectors.web.fullpage import MAX_SHOT_PX
from tests.web.conftest import fast_options

pytestmark = pytest.mark.slow
PROBE = ("() => [devicePixelRatio, innerWidth, innerHeight, screen.width, screen.height, "
         "matchMedia('(pointer: coarse)').matches, screen.orientation.type]")


async def _shoot_both(url: str, device: str, folder: Path) -> tuple[list[Image.Image], list[bytes], list, list]:
    options = fast_options(device=device, tile_height=2000)
    profile = options.device_profile
    assert MAX_SHOT_PX // (options.tile_height * profile["scale"]) >= 2  # several tiles per shot: the cut is tested
    session = await BrowserSession.start()
    try:
        width, height = profile["viewport"]
        context = await session.browser.new_context(
            viewport={"width": width, "height": height}, device_scale_factor=profile["scale"],
            is_mobile=profile["mobile"], has_touch=profile["touch"])
        page = await context.new_page()
        await page.goto(url)
        state = CaptureState(url, options, folder, page, context, time.monotonic() + 120)
        before = await page.evaluate(PROBE)
        await snapshot.screenshots(state)
        after = await page.evaluate(PROBE)
        tiles = sorted((f for f in state.files if f.kind == "screenshot_tile"), key=lambda f: f.metadata["index"])
        ours = [Image.open(f.path) for f in tiles]
        theirs = [await page.screenshot(full_page=True, clip={
            "x": 0, "y": f.metadata["css_top"], "width": f.metadata["css_width"], "height": f.metadata["css_height"]})
            for f in tiles]
        (full,) = [f for f in state.files if f.kind == "screenshot"]
        ours.insert(0, Image.open(full.path))
        return ours, theirs, before, after
    finally:
        await session.close()


@pytest.mark.parametrize("device", ["desktop", "mobile"])
def test_same_pixels_as_playwright_and_emulation_kept(http_site: str, tmp_path: Path, device: str) -> None:
    (full, *tiles), theirs, before, after = asyncio.run(_shoot_both(http_site + "/emulation", device, tmp_path))
    assert after == before  # scale, viewport, screen, touch, orientation: all as the capture had them
    scale = fast_options(device=device).device_profile["scale"]
    assert before[0] == scale and before[5] is (device == "mobile")
    assert len(tiles) == 5 and not list(tmp_path.glob("*.part"))
    expected = [Image.open(io.BytesIO(shot)).convert("RGB") for shot in theirs]
    for index, (tile, want) in enumerate(zip(tiles, expected, strict=True)):
        assert tile.size == want.size and tile.convert("RGB").tobytes() == want.tobytes(), f"tile {index + 1}"
    assert full.size == (expected[0].size[0], sum(t.size[1] for t in expected))
    assert full.size[0] == before[1] * scale and full.size[1] >= 9000 * scale
    assert full.convert("RGB").tobytes() == b"".join(t.tobytes() for t in expected)
