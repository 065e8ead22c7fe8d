"""Full-page screenshots of tall pages: tiles straight from the DevTools protocol, stitched as they arrive.

The tiles hold exactly the pixels ``page.screenshot(full_page=True, clip=…)``
gives per tile (the same ``Page.captureScreenshot`` call with
``captureBeyondViewport``, the clip trimmed to the page as Playwright trims it,
carets hidden as Playwright hides them), but they are asked for over one CDP
session, and two at a time where Chromium allows: Playwright prepares the page
again for every shot and passes every image through its driver, and each
capture beyond the viewport costs Chromium a fixed relayout besides the pixels.
Chromium encodes quickly (``optimizeForSpeed``: the same pixels, a larger PNG);
a double shot is cut into its two tiles, and the stitcher deflates on worker
threads while the browser renders the next shot.

A page taller than ``STITCH_MAX_CSS_PX`` is not stitched (issue 3: "captured in
tiles and stitched or stored as ordered tiles, never silently cut"): each shot
is stored as Chromium made it, one ordered tile, with no decoding or deflating
here. On a 100,000 px page that saves ~3 s of CPU (Pillow's decode and the
re-deflate of ~380 MB of pixels; wall time when the cores are busy, as on a
shared 2-core machine; on an idle one it overlapped the shots). The caller
records the ordered list as the screenshot's manifest. The shots stay at most
``MAX_SHOT_PX`` tall: taller ones came out exact here, but GPU compositors are
known to repeat or blank content past their largest texture.
"""

from __future__ import annotations

import asyncio
import base64
import struct
from typing import Any

from .staging import SealedFile
from .state import CaptureState
from .stitch import PngStitcher, Writable

#: The tallest screenshot asked of Chromium at once, device pixels (its usual largest texture): a shot costs
#: a fixed ~0.25 s besides its area, so a desktop page is shot two 8,000 px tiles at a time and cut here.
MAX_SHOT_PX = 16_384

#: Taller pages (CSS px) are stored as ordered tiles, one per shot, instead of one stitched image.
STITCH_MAX_CSS_PX = 30_000

#: The page size Playwright clips full-page screenshots to (its ``_fullPageSize``).
_PLAYWRIGHT_PAGE_SIZE = """() => {
  const b = document.body, e = document.documentElement;
  if (!b || !e) return null;
  return {width: Math.max(b.scrollWidth, e.scrollWidth, b.offsetWidth, e.offsetWidth, b.clientWidth, e.clientWidth),
          height: Math.max(b.scrollHeight, e.scrollHeight, b.offsetHeight, e.offsetHeight, b.clientHeight,
                           e.clientHeight)};
}"""

#: Carets hidden as Playwright hides them for a screenshot (and put back afterwards).
_HIDE_CARETS = """() => {
  const roots = [document];
  const walker = document.createTreeWalker(document, NodeFilter.SHOW_ELEMENT);
  for (let node = walker.currentNode; node; node = walker.nextNode())
    if (node.shadowRoot) roots.push(node.shadowRoot);
  const saved = [];
  for (const root of roots)
    for (const el of root.querySelectorAll('input,textarea,[contenteditable]')) {
      saved.push([el, el.style.getPropertyValue('caret-color'), el.style.getPropertyPriority('caret-color')]);
      el.style.setProperty('caret-color', 'transparent', 'important');
    }
  globalThis[Symbol.for('forensics-toolkit.carets')] = saved;
}"""
_RESTORE_CARETS = """() => {
  const key = Symbol.for('forensics-toolkit.carets');
  for (const [el, value, priority] of globalThis[key] || []) el.style.setProperty('caret-color', value, priority);
  delete globalThis[key];
}"""


def _trim(top: int, height: int, width: int, page: dict[str, Any] | None) -> dict[str, Any] | None:
    """The clip of one tile, cut to the page as Playwright cuts it (None: nothing of the page is there)."""
    if page is None:
        return {"x": 0, "y": top, "width": width, "height": height, "scale": 1}
    x1, y1 = 0, max(0, min(top, page["height"]))
    x2, y2 = max(0, min(width, page["width"])), max(0, min(top + height, page["height"]))
    if x2 - x1 <= 0 or y2 - y1 <= 0:
        return None
    return {"x": x1, "y": y1, "width": x2 - x1, "height": y2 - y1, "scale": 1}


def tile_name(index: int) -> str:
    return f"screenshot-tile-{index:03d}.png"


async def _in_frames(state: CaptureState, script: str) -> None:
    """``script`` in every frame of the page (as Playwright prepares each frame for a screenshot)."""
    for frame in state.page.frames:
        try:
            await frame.evaluate(script)
        except Exception:  # a frame (or the page) already gone: nothing to do there
            pass


async def tiled_screenshot(state: CaptureState, width: int, height: int, target: Writable, timeout: float) -> int:
    """Shoot ``height`` CSS px of the page in tiles of ``tile_height`` into ``target``; returns the tile count.

    Each tile is also kept as a ``screenshot_tile`` part (when a shot fails, the tiles already written
    are kept and the full image is not made). ``timeout`` (seconds) bounds each screenshot.
    """
    page, options = state.page, state.options
    tile_height, scale = options.tile_height, options.device_profile["scale"]
    tiles = [(index, top, min(tile_height, height - top)) for index, top in enumerate(range(0, height, tile_height))]
    parts = [state.new_part() for _ in tiles]
    per_shot = max(1, MAX_SHOT_PX // (tile_height * scale))
    stitcher = PngStitcher(target)
    session = await _session(state)
    try:
        await _in_frames(state, _HIDE_CARETS)
        await page.evaluate("() => document.fonts.ready.then(() => true)")
        size = await page.evaluate(_PLAYWRIGHT_PAGE_SIZE)
        for start in range(0, len(tiles), per_shot):
            group = tiles[start:start + per_shot]
            top, rows = group[0][1], sum(tile[2] for tile in group)
            image = await _shoot(state, session, _trim(top, rows, width, size), timeout) if len(group) > 1 else None
            if image is not None and _png_rows(image) == rows * scale:
                await asyncio.to_thread(stitcher.add_split, image, [(parts[index], tile_rows * scale)
                                                                    for index, _, tile_rows in group])
                continue
            for index, tile_top, tile_rows in group:  # one tile per screenshot
                image = await _shoot(state, session, _trim(tile_top, tile_rows, width, size), timeout)
                if image is None:
                    raise ValueError(f"the tile at {tile_top} px is outside the page")
                parts[index].write(image)
                await asyncio.to_thread(stitcher.add, image)
        await asyncio.to_thread(stitcher.close)
    except BaseException:
        await asyncio.to_thread(stitcher.abort)
        raise
    finally:
        await _in_frames(state, _RESTORE_CARETS)
        for (index, top, rows), part in zip(tiles, parts, strict=True):
            if part.size:  # written whole (in one write) or not at all
                state.add_part("screenshot_tile", tile_name(index + 1), "image/png", sealed=part, metadata={
                    "index": index + 1, "of": len(tiles), "css_top": top, "css_height": rows, "css_width": width})
            else:
                part.close()
    return len(tiles)


async def ordered_tiles(state: CaptureState, width: int, height: int, timeout: float,
                        meta: dict[str, Any]) -> int:
    """Shoot ``height`` CSS px as ordered tiles stored as Chromium encodes them (no stitching); returns the
    tile count.

    The first tile is the ``screenshot`` item (``meta`` plus the manifest: every tile's file, index, CSS
    offset and height, top to bottom), the others ``screenshot_tile`` items; all go into the WACZ. A tile
    is a whole number of ``tile_height`` rows, as tall as one shot allows; a shot that comes back with the
    wrong size is shot again tile by tile. When a shot fails, the tiles already written are kept (the
    manifest then says the screenshot is incomplete).
    """
    page, options = state.page, state.options
    tile_height, scale = options.tile_height, options.device_profile["scale"]
    step = tile_height * max(1, MAX_SHOT_PX // (tile_height * scale))
    manifest: list[dict[str, Any]] = []
    shots: dict[str, SealedFile] = {}  # each tile as Chromium encoded it, in a part at once (bounded memory)
    complete = False
    session = await _session(state)
    try:
        await _in_frames(state, _HIDE_CARETS)
        await page.evaluate("() => document.fonts.ready.then(() => true)")
        size = await page.evaluate(_PLAYWRIGHT_PAGE_SIZE)
        for top in range(0, height, step):
            rows = min(step, height - top)
            image = await _shoot(state, session, _trim(top, rows, width, size), timeout)
            pieces = [(top, rows, image)]
            if image is None or _png_rows(image) != rows * scale:  # one tile_height per shot instead
                pieces = []
                for tile_top in range(top, top + rows, tile_height):
                    tile_rows = min(tile_height, top + rows - tile_top)
                    shot = await _shoot(state, session, _trim(tile_top, tile_rows, width, size), timeout)
                    if shot is None:
                        raise ValueError(f"the tile at {tile_top} px is outside the page")
                    pieces.append((tile_top, tile_rows, shot))
            for tile_top, tile_rows, shot in pieces:
                assert shot is not None
                name = tile_name(len(manifest) + 1)
                shots[name] = part = state.new_part()
                part.write(shot)
                manifest.append({"index": len(manifest) + 1, "file": name, "css_top": tile_top,
                                 "css_height": tile_rows, "css_width": width})
        complete = True
    finally:
        await _in_frames(state, _RESTORE_CARETS)
        _add_tiles(state, manifest, shots, meta, complete=complete)
    return len(manifest)


def _add_tiles(state: CaptureState, manifest: list[dict[str, Any]], shots: dict[str, SealedFile], meta: dict[str, Any], *,
               complete: bool) -> None:
    meta.update({"stored_as": "ordered tiles", "tiles": len(manifest), "tiles_complete": complete,
                 "manifest": manifest})
    for entry in manifest:  # each tile's own size (css_*) and the size of the page it is a part of
        tile = {"index": entry["index"], "of": len(manifest), "css_top": entry["css_top"],
                "css_height": entry["css_height"], "css_width": entry["css_width"],
                "page_css_height": meta["css_height"], "page_css_width": meta["css_width"], "stored_as": "ordered tiles"}
        kind, data = ("screenshot", {**meta, **tile}) if entry["index"] == 1 else ("screenshot_tile", tile)
        state.add_part(kind, entry["file"], "image/png", sealed=shots[entry["file"]], metadata=data, in_wacz=True)


async def _shoot(state: CaptureState, session: Any, clip: dict[str, Any] | None, timeout: float) -> bytes | None:
    """One ``Page.captureScreenshot`` beyond the viewport, as PNG bytes (None: the clip is off the page)."""
    if clip is None:
        return None
    state.cancel.check()
    shot = await asyncio.wait_for(session.send("Page.captureScreenshot", {
        "format": "png", "clip": clip, "captureBeyondViewport": True, "optimizeForSpeed": True}), timeout)
    if state.options.device_profile["touch"]:  # Chromium drops touch emulation for such a capture; Playwright
        await session.send("Emulation.setTouchEmulationEnabled", {"enabled": True})  # turns it on again each time
    return await asyncio.to_thread(base64.b64decode, shot["data"])


def _png_rows(image: bytes) -> int:
    return int(struct.unpack(">I", image[20:24])[0]) if image[12:16] == b"IHDR" else -1


async def _session(state: CaptureState) -> Any:
    """A DevTools session for the shots, holding the same device metrics as Playwright's own.

    Chromium applies a session's own device emulation around a capture beyond the viewport and
    restores that session's afterwards: a session without it would shoot at a device scale of 1
    and leave the page without its emulation (scale, screen size) for the rest of the capture. The
    session is never detached (that would clear the emulation too); it ends with the page.
    """
    session = await state.context.new_cdp_session(state.page)
    state.keep_alive.append(session)
    await session.send("Emulation.setDeviceMetricsOverride", _playwright_metrics(state))
    return session


def _playwright_metrics(state: CaptureState) -> dict[str, Any]:
    """The metrics Playwright (1.64) sets for a context's page: viewport, screen the same size, scale, mobile,
    orientation."""
    device = state.options.device_profile
    size = state.page.viewport_size or {"width": device["viewport"][0], "height": device["viewport"][1]}
    width, height, mobile = int(size["width"]), int(size["height"]), bool(device["mobile"])
    if not mobile:
        orientation = {"angle": 0, "type": "landscapePrimary"}
    elif width > height:
        orientation = {"angle": 90, "type": "landscapePrimary"}
    else:
        orientation = {"angle": 0, "type": "portraitPrimary"}
    return {"mobile": mobile, "width": width, "height": height, "screenWidth": width, "screenHeight": height,
            "deviceScaleFactor": device["scale"] or 1, "screenOrientation": orientation}
