"""What a platform reader is: its markup hooks for expansion, and a function from the page to a record.

Each platform module is small and markup-specific; everything else (expansion,
time and count parsing, availability, media download, the record itself) is
shared. Readers register by platform name; a duplicate is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ..availability import Phrases
from ..page import PageDocument
from ..platforms import PlatformMatch
from ..post_record import PostRecord

#: Labels every platform uses for closing a pop-up (aria-label or text of the button).
CLOSE_LABELS = ("Đóng", "Close", "Không phải bây giờ", "Not now", "Để sau")


@dataclass(frozen=True)
class ExpansionSpec:
    """Where the expansion behaviours click and count (CSS selectors; labels are full-match regexes)."""

    post: str = ""  # the post itself (its element screenshot)
    post_end: str = ""  # where the post body ends inside ``post`` (the comments start): the screenshot stops there
    comment: str = ""  # one comment or reply (counted to honour --comments N)
    clickable: str = "[role=button], button"  # elements whose own text is matched against the labels below
    see_more: tuple[str, ...] = ()  # "See more" / "Xem thêm" in long texts
    more_comments: tuple[str, ...] = ()  # "View more comments" / "Xem thêm bình luận"
    more_replies: tuple[str, ...] = ()  # "View 3 replies" / "Xem tất cả 3 phản hồi"
    ordering_open: tuple[str, ...] = ()  # the comment-ordering menu ("Most relevant" / "Phù hợp nhất")
    ordering_all: tuple[str, ...] = ()  # its "All comments" / "Tất cả bình luận" choice
    dialog: str = '[role="dialog"]'  # login pop-ups and banners are dialogs …
    dialog_labels: tuple[str, ...] = ()  # … whose text matches one of these (regex, searched)
    close_labels: tuple[str, ...] = CLOSE_LABELS  # … closed by the button with one of these labels
    comment_pane: str = ""  # a list that loads more comments when scrolled ("window": the page itself)
    phrases: Phrases = Phrases()


class Extractor:
    """A platform reader. Subclasses set ``name``, ``spec`` and implement :meth:`extract`."""

    name = "generic"
    spec = ExpansionSpec()
    ytdlp = False  # whether yt-dlp knows this platform's video pages

    def extract(self, doc: PageDocument, match: PlatformMatch) -> PostRecord:
        raise NotImplementedError

    def found(self, record: PostRecord) -> bool:
        """Whether the post itself was on the page (not only a login form or an error)."""
        return bool(record.text or record.title or record.media or record.author.name)

    def new_record(self, doc: PageDocument, match: PlatformMatch) -> PostRecord:
        return PostRecord(platform=match.platform, content_type=match.content, url=doc.url, final_url=doc.final_url,
                          canonical_url=match.canonical_url, post_id=match.post_id or "", extractor=self.name)


E = TypeVar("E", bound=type[Extractor])
_REGISTRY: dict[str, Extractor] = {}


def register_extractor(cls: E) -> E:
    if cls.name in _REGISTRY:
        raise ValueError(f"a social extractor named {cls.name!r} is already registered")
    _REGISTRY[cls.name] = cls()
    return cls


def extractor_for(platform: str) -> Extractor:
    from . import load_all

    load_all()
    return _REGISTRY.get(platform) or _REGISTRY["generic"]


def registered() -> dict[str, Extractor]:
    from . import load_all

    load_all()
    return dict(_REGISTRY)


Reader = Callable[[PageDocument, PlatformMatch], PostRecord]
