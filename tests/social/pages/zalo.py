"""Zalo's public Official Account pages: the OA profile (``zalo.me/<id>``) and an article (``zalo.me/s/<id>/<article>``).

Server-rendered; dates as ``dd/mm/yyyy``; article images load lazily
(``data-src``, set when scrolled into view); a removed article says so.
"""

# ruff: noqa: E501 (HTML templates: lines as the pages have them)

from __future__ import annotations

from .data import FakePost, esc
from .web import Request, Response, not_found, page

OA_ID = "4318079123456789012"
OA_NAME = "Cổng Thông Tin Phường Thử Nghiệm"
PHOTO = "https://photo-stal-1.zadn.vn/article/{id}_{i}.jpg"
LAZY = """<script>new IntersectionObserver((es, o) => { for (const e of es) if (e.isIntersecting) {
  e.target.src = e.target.dataset.src; o.unobserve(e.target); } })
  .observe(document.querySelector('img.lazy') || document.body);
document.querySelectorAll('img.lazy').forEach(i => new IntersectionObserver((es, o) => { for (const e of es)
  if (e.isIntersecting) { e.target.src = e.target.dataset.src; o.unobserve(e.target); } }).observe(i));</script>"""


def article_page(post: FakePost) -> str:
    images = "".join(f'<p><img class="lazy" data-src="{PHOTO.format(id=post.id, i=i)}" width="800" height="450" '
                     f'alt="Ảnh {i}"></p><div style="height:900px"></div>' for i in range(1, post.images + 1))
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{esc(post.text[:60])}</title>
<meta property="og:title" content="{esc(post.text[:60])}"><meta property="og:image" content="{PHOTO.format(id=post.id, i=1)}">
<meta name="zalo:article_id" content="{post.id}"></head><body><div class="article">
<h1 class="article-title">{esc(post.text[:60])}</h1>
<div class="article-author"><a href="https://zalo.me/{OA_ID}"><span>{OA_NAME}</span></a> <i class="oa-verified"></i></div>
<span class="article-date">01/11/2025</span> <span class="article-views">{post.views:,} lượt xem</span>
<div class="article-content"><p>{esc(post.full_text)}</p><p>Liên hệ: 0909 000 000 #canhbao</p>{images}</div>
<div class="article-likes">56 lượt thích</div></div>{LAZY}</body></html>""".replace(f"{post.views:,}", f"{post.views:,}".replace(",", "."))


def oa_page() -> str:
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{OA_NAME} - Zalo Official Account</title>
</head><body><div class="oa-profile"><div class="oa-avatar"><img src="https://s120-ava-talk.zadn.vn/a/{OA_ID}.jpg"></div>
<h1 class="oa-name"><a href="https://zalo.me/{OA_ID}">{OA_NAME}</a></h1><i class="oa-verified"></i>
<div class="oa-description">Trang thông tin chính thức của phường: thông báo, cảnh báo lừa đảo.</div>
<div class="oa-followers">12.345 người quan tâm</div><a class="btn" href="https://zalo.me/{OA_ID}?follow=1">Quan tâm</a>
<div class="oa-articles"><a href="https://zalo.me/s/{OA_ID}/bai-viet-1">Bài viết 1</a></div></div></body></html>"""


REMOVED = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Zalo</title></head><body><main>
<div class="error"><h2>Bài viết không tồn tại hoặc đã bị xóa</h2><a href="https://zalo.me/">Về trang chủ</a></div></main></body></html>"""


def route(request: Request, posts: dict[str, FakePost]) -> Response:
    parts = request.path.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "s":
        post = posts.get(parts[2])
        return page(article_page(post)) if post else page(REMOVED, 200)
    if len(parts) == 1 and parts[0] == OA_ID:
        return page(oa_page())
    return not_found()
