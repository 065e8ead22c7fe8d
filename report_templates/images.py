"""Screenshots on the page: scaled to the text width, tiled across pages when tall.

A full-page capture can be 30,000 pixels tall. It is embedded once, as a PDF
form XObject, and each tile shows a clipped window of it: no re-encoding, no
pixels lost, and the PDF holds the image a single time however many tiles show it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from io import BytesIO
from typing import Any

from PIL import Image
from reportlab.lib import colors
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Paragraph, Spacer

from .layout import CONTENT_HEIGHT, CONTENT_WIDTH, Styles

PX_TO_PT = 0.75  # CSS pixel at 96 dpi
TILE_HEIGHT = CONTENT_HEIGHT - 60  # room for the caption under each tile
MAX_PIXELS = 400_000_000  # refuse to decode more (a decompression bomb is not a screenshot)


class _SharedImage:
    """The image, loaded and turned into a form XObject only when its first tile is drawn.

    Loading late keeps memory bounded: a report with hundreds of screenshots holds
    one decoded image at a time, not all of them while the story is laid out.
    """

    def __init__(self, load: Callable[[], bytes], name: str, width: float, height: float) -> None:
        self.load = load
        self.name = name
        self.width = width
        self.height = height
        self.formed = False
        self.failure = ""

    def ensure_form(self, canv: Any) -> bool:
        """True when the form exists; False (with :attr:`failure`) when the pixels cannot be decoded."""
        if self.formed or self.failure:
            return self.formed
        try:
            reader = ImageReader(BytesIO(self.load()))
            reader.getRGBData()  # decode now, outside the form, so a broken image cannot break the PDF
        except Exception as exc:  # PIL raises many types for broken or hostile files
            self.failure = f"{type(exc).__name__}: {exc}"[:300]
            return False
        canv.beginForm(self.name, 0, 0, self.width, self.height)
        canv.drawImage(reader, 0, 0, self.width, self.height)
        canv.endForm()
        self.formed = True  # the PDF holds it now; the decoded pixels go with ``reader``
        return True


class ImageWindow(Flowable):
    """Shows rows ``top``..``top + height`` (points, from the image's top) of a shared image."""

    def __init__(self, shared: _SharedImage, top: float, height: float) -> None:
        super().__init__()
        self.shared = shared
        self.top = top
        self.width = shared.width
        self.height = height
        self.hAlign = "CENTER"

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        if not self.shared.ensure_form(canv):
            canv.setFont("Mono", 7)
            canv.setFillColor(colors.HexColor("#a00000"))
            canv.drawString(4, self.height - 10, f"[image not decodable: {self.shared.failure[:110]}]")
            canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)
            return
        canv.saveState()
        path = canv.beginPath()
        path.rect(0, 0, self.width, self.height)
        canv.clipPath(path, stroke=0, fill=0)
        canv.translate(0, self.height + self.top - self.shared.height)
        canv.doForm(self.shared.name)
        canv.restoreState()
        canv.setStrokeColor(colors.HexColor("#7b8794"))
        canv.setLineWidth(0.4)
        canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)


def image_flowables(load: Callable[[], bytes], key: str, caption_for: Callable[[int, int], str], tile_caption: str,
                    styles: Styles,
                    max_width: float = CONTENT_WIDTH) -> tuple[list[Flowable], dict[str, int]]:
    """Flowables showing an image (tiled when tall) and facts about it (pixels, tiles).

    ``caption_for(width, height)`` gives the markup under the image; ``tile_caption`` has ``{i}``, ``{n}``,
    ``{a}`` and ``{b}`` for the tile number, count and pixel rows. Raises
    ``ValueError`` with a reason when the data is not a displayable image.
    """
    try:
        with Image.open(BytesIO(load())) as probe:
            px_w, px_h = probe.size
            if px_w * px_h > MAX_PIXELS:
                raise ValueError(f"{px_w}×{px_h} pixels is too large to display")
            probe.verify()
    except ValueError:
        raise
    except Exception as exc:  # PIL raises many types for broken or hostile files
        raise ValueError(f"not a readable image ({type(exc).__name__}: {exc})") from exc
    width = min(max_width, px_w * PX_TO_PT)
    scale = width / px_w
    height = px_h * scale
    shared = _SharedImage(load, "img_" + re.sub(r"[^A-Za-z0-9]", "", key), width, height)
    facts = {"width": px_w, "height": px_h, "tiles": 1}
    caption = caption_for(px_w, px_h)
    if height <= TILE_HEIGHT:
        return [ImageWindow(shared, 0, height), Spacer(1, 2), Paragraph(caption, styles.caption)], facts
    count = math.ceil(height / TILE_HEIGHT)
    facts["tiles"] = count
    out: list[Flowable] = []
    for index in range(count):
        top = index * TILE_HEIGHT
        slice_height = min(TILE_HEIGHT, height - top)
        first_row = int(top / scale)
        last_row = min(px_h, int(math.ceil((top + slice_height) / scale))) - 1
        out.append(ImageWindow(shared, top, slice_height))
        out.append(Spacer(1, 2))
        text = tile_caption.format(i=index + 1, n=count, a=first_row, b=last_row)
        out.append(Paragraph(f"{caption} — {text}" if index == 0 else text, styles.caption))
    return out, facts
