"""X (Twitter) in English: ``article[data-testid="tweet"]`` for the post and each reply.

Replies appear in pages behind "Show more replies"; the video plays a
``blob:`` stream (so only yt-dlp could fetch it, and X's API is not served
here: the download fails and must be reported); photos come from
pbs.twimg.com with ``name=small`` (the original is ``name=orig``).
"""

# ruff: noqa: E501 (HTML templates: lines as the pages have them)

from __future__ import annotations

from .data import FakeComment, FakePost, esc
from .web import Request, Response, json_response, not_found, page

MONTH = "Nov 1, 2025"


def _article(post_id: str, c_name: str, handle: str, text: str, iso: str, counts: str, extra: str = "",
             link: str = "") -> str:
    return f"""<div data-testid="cellInnerDiv"><article data-testid="tweet" role="article" tabindex="0">
<div data-testid="User-Name"><div><a href="/{handle}" role="link"><div><span>{esc(c_name)}</span></div>
<svg data-testid="icon-verified" aria-label="Verified account"></svg></a></div>
<div><a href="/{handle}" role="link" tabindex="-1"><span>@{handle}</span></a> · <a href="/{handle}/status/{post_id}"
 role="link"><time datetime="{iso}">{MONTH}</time></a></div></div>
<div data-testid="tweetText" lang="vi" dir="auto"><span>{esc(text)}</span>{link}</div>{extra}
<div role="group" aria-label="{esc(counts)}"><button data-testid="reply"></button><button data-testid="like"></button></div>
</article></div>"""


def reply_json(c: FakeComment, index: int) -> dict[str, str]:
    ident = str(1_900_000_000_000_000_000 + index)
    return {"html": _article(ident, c.author.name, c.author.handle.replace(".", "_"), c.text,
                             f"2025-11-01T{(6 + index // 60) % 24:02d}:{index % 60:02d}:00.000Z",
                             f"{index % 3} replies, 0 reposts, {c.likes} likes, 0 bookmarks, {index * 3} views")}


def post_page(post: FakePost) -> str:
    a = post.author
    handle = a.handle.replace(".", "_")
    extra = (f'<div data-testid="tweetPhoto"><img alt="Image" src="https://pbs.twimg.com/media/G{post.id[-6:]}Xa?format=jpg'
             f'&amp;name=small"></div><div data-testid="videoPlayer"><video preload="none" poster="https://pbs.twimg.com/'
             f'ext_tw_video_thumb/{post.id}/pu/img/thumb.jpg" src="blob:https://x.com/8c2f"></video></div>')
    text = (post.full_text + " #tinnong @nguoidung_0009 ")
    main = _article(post.id, a.name, handle, text, "2025-11-01T12:26:40.000Z",
                    f"{len(post.comments)} replies, 34 reposts, 1,234 likes, 7 bookmarks, 89K views", extra,
                    link='<a href="https://t.co/AbCdEf" title="https://vnexpress.net/bai-viet-2.html">vnexpress.net/'
                         'bai-viet-2…</a>').replace('tabindex="0"', 'tabindex="-1"', 1)
    first = [reply_json(c, i)["html"] for i, c in enumerate(post.top_level[:post.page_size])]
    return f"""<!doctype html><html lang="en" dir="ltr"><head><meta charset="utf-8"><title>{esc(a.name)} on X: "{esc(post.text[:40])}" / X</title>
<style>body{{font-family:sans-serif}} article{{border-bottom:1px solid #eee;padding:8px}}</style></head><body>
<div id="react-root"><main role="main"><div data-testid="primaryColumn"><section role="region">
<div aria-label="Timeline: Conversation" id="timeline">{main}{''.join(first)}</div>
<div role="button" id="more" tabindex="0" {'style="display:none"' if len(post.top_level) <= post.page_size else ''}><span>Show more replies</span></div>
</section></div></main>
<div data-testid="BottomBar"><span>Don’t miss what’s happening</span><a href="/login">Log in</a></div></div>
<script>{SCRIPT.replace("__ID__", post.id)}</script></body></html>"""


SCRIPT = r"""
(() => {
  let offset = 20;
  const more = document.getElementById('more');
  more.addEventListener('click', async () => {
    const r = await fetch('/i/api/replies?post=__ID__&offset=' + offset);
    const data = await r.json();
    document.getElementById('timeline').insertAdjacentHTML('beforeend', data.items.map(i => i.html).join(''));
    offset = data.next;
    if (offset === null) more.remove();
  });
})();
"""

UNAVAILABLE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>X</title></head><body><main role="main">
<div data-testid="primaryColumn"><div data-testid="error-detail"><span>Hmm...this page doesn’t exist. Try searching for
something else.</span><a href="/explore">Search</a></div></div></main></body></html>"""


def route(request: Request, posts: dict[str, FakePost]) -> Response:
    if request.path.startswith("/i/api/replies"):
        post = posts[request.query["post"]]
        offset = int(request.query.get("offset") or 0)
        chunk = post.top_level[offset:offset + post.page_size]
        following = offset + post.page_size
        return json_response({"items": [reply_json(c, offset + i) for i, c in enumerate(chunk)],
                              "next": following if following < len(post.top_level) else None})
    parts = request.path.strip("/").split("/")
    if len(parts) == 3 and parts[1] == "status":
        post = posts.get(parts[2])
        return page(post_page(post)) if post else page(UNAVAILABLE)
    return not_found()
