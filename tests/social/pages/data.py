"""What the local platform pages show: posts, people and comments, generated deterministically.

Tests compare the extracted records with these values, so every name, time
and count a page shows comes from here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Đức", "Thu", "Quốc", "Hải")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Mai", "Nam", "Phúc", "Quyên", "Sơn", "Tâm",
         "Uyên", "Vy", "Yến", "Đạt", "Hùng", "Lan")
TIMES_VI = ("Vừa xong", "2 phút", "15 phút", "1 giờ", "3 giờ", "Hôm qua", "2 ngày", "1 tuần")
HOSTILE = "<b>không in đậm</b> & \"ngoặc\" 'đơn'"


@dataclass(frozen=True)
class FakePerson:
    name: str
    handle: str
    id: str


@dataclass
class FakeComment:
    id: str
    author: FakePerson
    text: str
    shown_time: str
    reply_to: str = ""
    likes: int = 0
    hidden_unless_all: bool = False  # only shown in "All comments" ordering (Facebook)


@dataclass
class FakePost:
    id: str
    author: FakePerson
    text: str
    hidden_tail: str = ""  # behind "See more"
    shown_time: str = "Hôm qua lúc 14:05"
    epoch: int = 1762000000  # 2025-11-01T12:26:40Z
    reactions: str = "1,2K"
    shares: int = 37
    views: int = 0
    comments: list[FakeComment] = field(default_factory=list)
    page_size: int = 20
    images: int = 2
    video: bool = False
    lang: str = "vi"
    ordering_reloads: bool = True  # Facebook: choosing "All comments" loads them anew (False: it changes nothing)
    popup_close_ms: int = 0  # Facebook: the login pop-up fades out this long after its close button is clicked
    load_start_ms: int = 0  # YouTube: the next page of comments is asked for this long after the list's end is seen

    @property
    def top_level(self) -> list[FakeComment]:
        return [c for c in self.comments if not c.reply_to]

    def replies_to(self, comment_id: str) -> list[FakeComment]:
        return [c for c in self.comments if c.reply_to == comment_id]

    @property
    def full_text(self) -> str:
        return self.text + (" " + self.hidden_tail if self.hidden_tail else "")


def person(index: int) -> FakePerson:
    name = f"{SURNAMES[index % len(SURNAMES)]} {MIDDLE[index // 3 % len(MIDDLE)]} {GIVEN[index % len(GIVEN)]}"
    return FakePerson(name, f"nguoidung.{index:04d}", str(100_000_000_000_000 + index * 7919))


def make_comments(top_level: int, *, replies_every: int = 0, replies: int = 2, prefix: str = "c",
                  hidden: int = 0) -> list[FakeComment]:
    """``top_level`` comments; every ``replies_every``-th gets ``replies`` replies; the last ``hidden``
    top-level ones appear only in the 'All comments' ordering."""
    out: list[FakeComment] = []
    for i in range(top_level):
        ident = f"{prefix}{i + 1:05d}"
        text = f"Bình luận số {i + 1}: thông tin này có đúng không? 😮"
        if i == 2:
            text = f"Bình luận số {i + 1}: {HOSTILE}"
        out.append(FakeComment(ident, person(i + 3), text, TIMES_VI[i % len(TIMES_VI)], likes=i % 7,
                               hidden_unless_all=i >= top_level - hidden))
        if replies_every and (i + 1) % replies_every == 0:
            for r in range(replies):
                out.append(FakeComment(f"{ident}r{r + 1}", person(i + 40 + r), f"Trả lời {r + 1} cho bình luận {i + 1}",
                                       "1 giờ", reply_to=ident))
    return out


def esc(text: str) -> str:
    return html.escape(text, quote=True)
