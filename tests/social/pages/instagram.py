"""Instagram's post page in Vietnamese: the media item in embedded JSON, comments as list items.

"Tải thêm bình luận" loads the next page; "Xem câu trả lời (N)" the replies
(nested inside their comment); a login dialog appears over the post and has
to be closed.
"""

# ruff: noqa: E501 (HTML templates: lines as the pages have them)

from __future__ import annotations

from .data import FakeComment, FakePost, esc
from .web import Request, Response, json_response, not_found, page, script_json

CDN = "https://scontent.cdninstagram.com/v/t51.29350-15/{name}.jpg?stp=dst-jpg_e35_p{w}x{w}"


def media_item(post: FakePost) -> dict[str, object]:
    a = post.author
    return {"code": post.id, "pk": "3412" + a.id[-6:], "id": "3412" + a.id[-6:] + "_" + a.id, "taken_at": post.epoch,
            "media_type": 1, "like_count": 4321, "comment_count": len(post.comments),
            "user": {"username": a.handle, "full_name": a.name, "pk": a.id, "id": a.id, "is_verified": True},
            "caption": {"text": post.full_text + " #tinnong @nguoidung.0005"},
            "image_versions2": {"candidates": [{"url": CDN.format(name=post.id, w=1080), "width": 1080, "height": 1350},
                                               {"url": CDN.format(name=post.id, w=640), "width": 640, "height": 800}]},
            "video_versions": None, "carousel_media": None}


def _comment(c: FakeComment, index: int) -> dict[str, object]:
    return {"id": "178" + c.id.lstrip("c").replace("r", "0"), "handle": c.author.handle, "text": c.text,
            "iso": f"2025-11-0{1 + index % 9}T0{index % 10}:15:00.000Z", "shown": f"{1 + index % 4} tuần"}


def post_page(post: FakePost) -> str:
    a = post.author
    data = {"require": [["ScheduledServerJS", "handle", None, [{"__bbox": {"require": [["RelayPrefetchedStreamCache",
            "next", [], ["adp_PolarisPostRootQueryRelayPreloader", {"__bbox": {"result": {"data": {
                "xdt_api__v1__media__shortcode__web_info": {"items": [media_item(post)]}}}}}]]]}}]]]}
    first = [_comment(c, i) | {"replies": len(post.replies_to(c.id)), "key": c.id}
             for i, c in enumerate(post.top_level[:post.page_size])]
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>{esc(a.name)} trên Instagram: "{esc(post.text[:40])}"</title>
<meta property="og:title" content="{esc(a.name)} trên Instagram"><meta property="og:image" content="{CDN.format(name=post.id, w=640)}">
<script type="application/json" data-content-len="1" data-sjs>{script_json(data)}</script>
<style>body{{font-family:sans-serif}} ul{{list-style:none}} ._a9yo{{margin-left:40px}}
[role=dialog]{{position:fixed;inset:0;background:rgba(0,0,0,.5)}}</style></head><body>
<div id="mount"><main role="main"><div><article class="x1iyjqo2"><header><a href="/{a.handle}/" role="link">{a.handle}</a></header>
<div class="_aagv"><img src="{CDN.format(name=post.id, w=640)}" alt="Ảnh của {esc(a.name)}" width="640" height="800"></div>
<div class="_a9zr"><h1 dir="auto">{esc(post.full_text)}</h1></div>
<ul class="_a9z6 _a9za" style="max-height:600px;overflow:auto"></ul>
<section><a href="/p/{post.id}/liked_by/"><span>4.321</span> lượt thích</a>
<time datetime="2025-11-01T12:26:40.000Z" title="1 thg 11, 2025">1 tháng 11, 2025</time></section>
</article></div></main></div>
<script type="application/json" id="first">{script_json(first)}</script>
<script>{SCRIPT.replace("__CODE__", post.id).replace("__MORE__", "true" if len(post.top_level) > post.page_size else "false")}</script>
</body></html>"""


SCRIPT = r"""
(() => {
  const code = "__CODE__";
  const list = document.querySelector('ul._a9z6');
  let offset = 0;
  const esc = s => s.replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'})[c]);
  const li = c => '<li class="_a9zj _a9zl" role="menuitem"><div class="_a9zm"><div class="_a9zo"><div class="_a9zr">' +
    '<h3 class="_a9zc"><div><a href="/' + esc(c.handle) + '/" role="link">' + esc(c.handle) + '</a></div></h3>' +
    '<div class="_a9zs"><span dir="auto">' + esc(c.text) + '</span></div><div class="_a9zt"><span class="_a9ze">' +
    '<time class="_a9ze _a9zf" datetime="' + c.iso + '" title="1 thg 11, 2025">' + esc(c.shown) + '</time></span></div>' +
    '</div></div></div></li>';
  function add(items) {
    for (const c of items) {
      const holder = document.createElement('div');
      holder.innerHTML = li(c);
      const item = holder.firstChild;
      if (c.replies) {
        const button = document.createElement('button');
        button.type = 'button'; button.textContent = 'Xem câu trả lời (' + c.replies + ')';
        item.appendChild(button);
        button.addEventListener('click', async () => {
          const r = await fetch('/api/v1/media/' + code + '/comments/' + c.key + '/child_comments/');
          const replies = await r.json();
          button.remove();
          item.insertAdjacentHTML('beforeend', '<ul class="_a9ym _a9yo">' + replies.map(li).join('') + '</ul>');
        });
      }
      list.appendChild(item);
    }
    offset += items.length;
  }
  add(JSON.parse(document.getElementById('first').textContent));
  if (__MORE__) {
    const more = document.createElement('li');
    more.innerHTML = '<div class="_abm0"><button class="_abl-" type="button" aria-label="Tải thêm bình luận"><svg aria-label="Tải thêm bình luận" height="24" width="24"></svg></button></div>';
    list.after(more);
    more.querySelector('button').addEventListener('click', async () => {
      const r = await fetch('/api/v1/media/' + code + '/comments/?offset=' + offset);
      const data = await r.json();
      add(data.items);
      if (!data.more) more.remove();
    });
  }
  setTimeout(() => {
    const dialog = document.createElement('div');
    dialog.setAttribute('role', 'dialog');
    dialog.innerHTML = '<div><span>Đăng nhập để xem ảnh và video từ bạn bè.</span><a href="/accounts/login/">Đăng nhập</a>' +
      '<div role="button" tabindex="0"><svg aria-label="Đóng" height="18" width="18"></svg></div></div>';
    document.body.appendChild(dialog);
    dialog.querySelector('[role=button]').addEventListener('click', () => dialog.remove());
  }, 300);
})();
"""


def route(request: Request, posts: dict[str, FakePost]) -> Response:
    parts = request.path.strip("/").split("/")
    if request.path.startswith("/api/v1/media/"):
        post = posts[parts[3]]
        if "child_comments" in parts:
            replies = post.replies_to(parts[5])
            return json_response([_comment(c, 100 + i) | {"replies": 0, "key": c.id} for i, c in enumerate(replies)])
        offset = int(request.query.get("offset") or 0)
        chunk = post.top_level[offset:offset + post.page_size]
        return json_response({"items": [_comment(c, offset + i) | {"replies": len(post.replies_to(c.id)), "key": c.id}
                                        for i, c in enumerate(chunk)],
                              "more": offset + post.page_size < len(post.top_level)})
    if len(parts) == 2 and parts[0] in ("p", "reel"):
        post = posts.get(parts[1])
        if post is None:
            return page("<!doctype html><title>Instagram</title><main><h2>Rất tiếc, trang này hiện không khả dụng.</h2>"
                        "<p>Liên kết bạn theo dõi có thể bị hỏng hoặc trang này có thể đã bị gỡ.</p></main>", 404)
        return page(post_page(post))
    return not_found()
