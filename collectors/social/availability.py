"""Is the post there? Removed or unavailable content, login walls and checkpoint pages.

Decided from what the browser reached (the final address: ``/login``,
``/checkpoint/``) and what the page said, in Vietnamese and English. The
phrase or address that decided it is kept in the record, so the examiner can
find it in the screenshot. Platforms add their own phrases through their spec.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from .post_record import AVAILABLE, CHECKPOINT, LOGIN_REQUIRED, NOT_RECOGNISED, UNAVAILABLE, Availability

UNAVAILABLE_PHRASES = (
    # Facebook
    "Nội dung này hiện không hiển thị", "This content isn't available right now", "This content isn't available",
    "Bạn hiện không xem được nội dung này", "You can't see this content right now",
    "Trang này không hiển thị", "This page isn't available",
    # YouTube
    "Video không khả dụng", "Video unavailable", "Video này không còn nữa", "This video isn't available anymore",
    "Video này đã bị người tải lên xóa", "This video has been removed by the uploader",
    "This video is no longer available", "Video này không còn khả dụng", "Video này là video riêng tư",
    "This video is private",
    # TikTok
    "Video hiện không khả dụng", "Video currently unavailable", "Không thể tìm thấy tài khoản này",
    "Couldn't find this account",
    # X
    "Bài đăng này không khả dụng", "This post is unavailable", "This Post is unavailable",
    "Hmm...this page doesn't exist", "Rất tiếc, trang này không tồn tại", "This post was deleted by the post author",
    "Bài đăng này đã bị tác giả xóa",
    # Instagram
    "Sorry, this page isn't available", "Rất tiếc, trang này hiện không khả dụng",
    # Zalo
    "Bài viết không tồn tại hoặc đã bị xóa", "Tài khoản này không tồn tại hoặc đã bị khóa",
    "This article does not exist",
)
LOGIN_PHRASES = (
    "Bạn phải đăng nhập để tiếp tục", "You must log in to continue", "Log in to continue", "Đăng nhập để tiếp tục",
    "Log in to see", "Đăng nhập để xem", "Sign in to confirm you're not a bot",
    "Đăng nhập để xác nhận bạn không phải là bot", "Sign in to X", "Đăng nhập vào X",
)
CHECKPOINT_PHRASES = (
    "Tài khoản của bạn đã bị khóa", "Your account has been locked", "Xác nhận danh tính của bạn",
    "Confirm your identity", "We suspended your account", "Chúng tôi đã đình chỉ tài khoản của bạn",
    "Your account has been suspended",
)
LOGIN_PATHS = re.compile(r"^/(?:login(?:\.php)?|accounts/login|i/flow/login|signin|dang-nhap)(?:/|$)", re.IGNORECASE)
CHECKPOINT_PATHS = re.compile(r"^/(?:checkpoint|challenge|accounts/suspended|account/access)(?:/|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Phrases:
    """A platform's own words for the three situations (added to the shared ones)."""

    unavailable: tuple[str, ...] = ()
    login: tuple[str, ...] = ()
    checkpoint: tuple[str, ...] = ()
    login_hosts: tuple[str, ...] = ()  # e.g. accounts.google.com


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\xa0", " ")
    return " ".join(text.split()).casefold()


def judge(final_url: str, visible_text: str, *, extracted: bool, extra: Phrases = Phrases(),
          platform_said: Availability | None = None) -> Availability:
    """Checkpoint > login wall > unavailable > available.

    ``extracted`` says whether the platform reader found the post itself: a
    login *pop-up* over a visible post is not a wall, and a page that quotes
    "Video unavailable" under a post that is there is not a removal.
    ``platform_said`` is what the platform's embedded data stated (YouTube's
    playability status, TikTok's status code); it wins over phrases.
    """
    parts = urlsplit(final_url)
    path = parts.path or "/"
    text = _norm(visible_text)
    if CHECKPOINT_PATHS.match(path):
        return Availability(CHECKPOINT, final_url, "the browser was sent to a checkpoint (account verification) page",
                            "trình duyệt bị chuyển tới trang xác minh tài khoản (checkpoint)")
    found = _find(text, CHECKPOINT_PHRASES + extra.checkpoint)
    if found and not extracted:
        return Availability(CHECKPOINT, found, "the page asks to verify or unlock the account",
                            "trang yêu cầu xác minh hoặc mở khóa tài khoản")
    if platform_said is not None and platform_said.status != AVAILABLE:
        return platform_said
    if LOGIN_PATHS.match(path) or (parts.hostname or "") in extra.login_hosts:
        return Availability(LOGIN_REQUIRED, final_url, "the browser was sent to a login page (login wall)",
                            "trình duyệt bị chuyển tới trang đăng nhập (yêu cầu đăng nhập)")
    if not extracted:
        found = _find(text, LOGIN_PHRASES + extra.login)
        if found:
            return Availability(LOGIN_REQUIRED, found, "the page asks to log in instead of showing the post",
                                "trang yêu cầu đăng nhập thay vì hiển thị bài đăng")
        found = _find(text, UNAVAILABLE_PHRASES + extra.unavailable)
        if found:
            return Availability(UNAVAILABLE, found, "the platform says the content is not available "
                                "(removed, restricted or never existed)",
                                "nền tảng cho biết nội dung không còn hiển thị (đã bị gỡ, bị hạn chế hoặc không tồn tại)")
        return Availability(NOT_RECOGNISED, "", "our reader did not recognise a post on this page; the page did not "
                            "say the content is unavailable (see the screenshot)",
                            "bộ đọc của công cụ không nhận ra bài đăng trên trang này; trang không nói nội dung không "
                            "còn hiển thị (xem ảnh chụp màn hình)")
    if platform_said is not None:
        return platform_said
    return Availability(AVAILABLE, "", "the post was found on the page", "bài đăng có trên trang")


def _find(text: str, phrases: tuple[str, ...]) -> str:
    for phrase in phrases:
        if _norm(phrase) in text:
            return phrase
    return ""
