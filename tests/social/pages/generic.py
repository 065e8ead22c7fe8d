"""Sites no reader knows: a forum thread with schema.org JSON-LD (``DiscussionForumPosting`` and its
``Comment`` tree), and a video page with microdata, Open Graph and an oEmbed endpoint."""

# ruff: noqa: E501 (HTML templates: lines as the pages have them)

from __future__ import annotations

from .data import FakePost, esc
from .web import Request, Response, json_response, not_found, page, script_json

HOST = "https://tin.example.vn"


def forum_ld(post: FakePost) -> dict[str, object]:
    def comment(c_index: int) -> dict[str, object]:
        c = post.top_level[c_index]
        replies = post.replies_to(c.id)
        return {"@type": "Comment", "@id": f"{HOST}/dien-dan/{post.id}#{c.id}", "text": c.text,
                "dateCreated": f"2025-11-0{1 + c_index % 9}T0{c_index % 10}:00:00+07:00",
                "author": {"@type": "Person", "name": c.author.name, "url": f"{HOST}/thanh-vien/{c.author.handle}"},
                "comment": [{"@type": "Comment", "@id": f"{HOST}/dien-dan/{post.id}#{r.id}", "text": r.text,
                             "dateCreated": "2025-11-02T08:00:00+07:00",
                             "author": {"@type": "Person", "name": r.author.name}} for r in replies]}

    return {"@context": "https://schema.org", "@type": "DiscussionForumPosting", "@id": f"{HOST}/dien-dan/{post.id}",
            "headline": post.text[:60], "text": post.full_text, "datePublished": "2025-11-01T19:26:40+07:00",
            "identifier": post.id, "url": f"{HOST}/dien-dan/{post.id}",
            "author": {"@type": "Person", "name": post.author.name, "url": f"{HOST}/thanh-vien/{post.author.handle}",
                       "alternateName": "@" + post.author.handle},
            "interactionStatistic": [
                {"@type": "InteractionCounter", "interactionType": "https://schema.org/LikeAction", "userInteractionCount": 77},
                {"@type": "InteractionCounter", "interactionType": "https://schema.org/CommentAction",
                 "userInteractionCount": len(post.comments)}],
            "image": f"https://media.example.vn/anh/{post.id}.png",
            "comment": [comment(i) for i in range(len(post.top_level))]}


def forum_page(post: FakePost) -> str:
    rows = "".join(f'<div class="reply"><b>{esc(c.author.name)}</b>: {esc(c.text)}</div>' for c in post.comments)
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{esc(post.text[:60])} | Diễn đàn</title>
<script type="application/ld+json">{script_json(forum_ld(post))}</script></head><body><article>
<h1>{esc(post.text[:60])}</h1><p>{esc(post.full_text)}</p><img src="https://media.example.vn/anh/{post.id}.png"></article>
<section>{rows}</section></body></html>"""


def video_page(post: FakePost) -> str:
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{esc(post.text[:60])}</title>
<meta property="og:title" content="{esc(post.text[:60])}"><meta property="og:type" content="video.other">
<meta property="og:video" content="https://media.example.vn/video/{post.id}.webm">
<meta property="og:image" content="https://media.example.vn/anh/{post.id}-poster.jpg">
<meta property="article:published_time" content="2025-11-01T12:26:40Z">
<link rel="alternate" type="application/json+oembed" href="{HOST}/oembed?url={HOST}/video/{post.id}&amp;format=json">
</head><body><div itemscope itemtype="https://schema.org/VideoObject"><h1 itemprop="name">{esc(post.text[:60])}</h1>
<meta itemprop="uploadDate" content="2025-11-01T12:26:40Z"><meta itemprop="duration" content="PT0M1S">
<link itemprop="contentUrl" href="https://media.example.vn/video/{post.id}.webm">
<link itemprop="thumbnailUrl" href="https://media.example.vn/anh/{post.id}-poster.jpg">
<p itemprop="description">{esc(post.full_text)}</p>
<video src="https://media.example.vn/video/{post.id}.webm" controls width="320"></video></div></body></html>"""


def route(request: Request, posts: dict[str, FakePost]) -> Response:
    parts = request.path.strip("/").split("/")
    if request.path == "/oembed":
        ident = request.query.get("url", "").rsplit("/", 1)[-1]
        post = posts[ident]
        return json_response({"version": "1.0", "type": "video", "title": post.text[:60],
                              "author_name": post.author.name, "author_url": f"{HOST}/kenh/{post.author.handle}",
                              "provider_name": "Tin Example", "thumbnail_url": f"https://media.example.vn/anh/{ident}-poster.jpg"})
    if len(parts) == 2 and parts[0] == "dien-dan" and parts[1] in posts:
        return page(forum_page(posts[parts[1]]))
    if len(parts) == 2 and parts[0] == "video" and parts[1] in posts:
        return page(video_page(posts[parts[1]]))
    return not_found()
