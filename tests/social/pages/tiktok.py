"""TikTok's video page: ``__UNIVERSAL_DATA_FOR_REHYDRATION__`` and ``data-e2e`` hooks.

The video element plays a ``blob:`` stream (as on tiktok.com); its addresses
are in the embedded item (``bitrateInfo``, ``playAddr``), which is what
yt-dlp reads. Comments load as their list is scrolled (``/api/comment/list/``),
replies behind "Xem N câu trả lời". Status code 10204 means unavailable.
"""

# ruff: noqa: E501 (HTML templates: lines as the pages have them)

from __future__ import annotations

from .data import FakeComment, FakePost, esc
from .web import Request, Response, json_response, not_found, page, script_json

VIDEO = "https://v16-webapp-prime.tiktok.com/video/tos/alisg/tos-alisg-pve-0037c001/{id}/?a=1988&br=1000&mime_type=video_mp4"


def item(post: FakePost) -> dict[str, object]:
    a = post.author
    url = VIDEO.format(id=post.id)
    return {
        "id": post.id, "desc": post.full_text + " #tintuc #canhbao @" + "nguoidung.0007", "createTime": str(post.epoch),
        "author": {"id": a.id, "uniqueId": a.handle, "nickname": a.name, "verified": False,
                   "secUid": "MS4wLjABAAAA" + a.id},
        "stats": {"diggCount": 12345, "shareCount": post.shares, "commentCount": len(post.comments),
                  "playCount": post.views, "collectCount": 89},
        "textExtra": [{"hashtagName": "tintuc", "type": 1}, {"hashtagName": "canhbao", "type": 1},
                      {"userUniqueId": "nguoidung.0007", "type": 0}],
        "video": {"id": post.id, "height": 1024, "width": 576, "duration": 1, "ratio": "540p",
                  "cover": f"https://p16-sign-va.tiktokcdn.com/obj/tos-maliva-p-0068/{post.id}.jpeg",
                  "playAddr": url + "&play=1", "downloadAddr": url + "&download=1",
                  "bitrateInfo": [{"Bitrate": 1000000, "QualityType": 20, "GearName": "normal_540_0", "PlayAddr": {
                      "DataSize": 1234, "Width": 576, "Height": 1024,
                      "UrlKey": f"v12044gd0000{post.id}_h264_540p_1000000", "UrlList": [url + "&gear=540"]}}]},
    }


def _comment(post: FakePost, c: FakeComment) -> dict[str, object]:
    return {"handle": c.author.handle, "name": c.author.name, "text": c.text, "likes": c.likes,
            "time": {"Vừa xong": "1 phút trước", "Hôm qua": "1 ngày trước"}.get(c.shown_time, c.shown_time + " trước"),
            "replies": len(post.replies_to(c.id)), "id": c.id}


def video_page(post: FakePost, status: int = 0) -> str:
    data = {"__DEFAULT_SCOPE__": {"webapp.app-context": {"language": "vi-VN", "region": "VN"}, "webapp.video-detail": {
        "itemInfo": {"itemStruct": item(post)} if status == 0 else {}, "statusCode": status,
        "statusMsg": "" if status == 0 else "item is not available"}}}
    a = post.author
    body = (f"""<div class="css-1 DivBrowserModeContainer e1"><div class="css-2 DivVideoContainer"><video
  src="blob:https://www.tiktok.com/7a1b2c3d" poster="https://p16-sign-va.tiktokcdn.com/obj/tos-maliva-p-0068/{post.id}.jpeg"
  width="288" height="512"></video></div>
 <div class="css-3 DivVideoDetailContainer"><a href="/@{a.handle}"><span data-e2e="browse-username">{a.handle}</span>
  <span data-e2e="browser-nickname"><span>{esc(a.name)}</span> · <span>11-1</span></span></a>
  <div data-e2e="browse-video-desc"><span>{esc(post.full_text)}</span> <a href="/tag/tintuc"><strong>#tintuc</strong></a></div>
  <strong data-e2e="like-count">12,3K</strong> <strong data-e2e="comment-count">{len(post.comments)}</strong>
  <strong data-e2e="share-count">{post.shares}</strong>
 </div>
 <div class="css-4 DivCommentListContainer" style="height:500px;overflow-y:auto"><div class="comments"></div></div>
</div>""" if status == 0 else """<main><div class="css-5 DivErrorContainer"><p>Video hiện không khả dụng</p>
<p>Không thể xem video này ở quốc gia hoặc khu vực của bạn.</p></div></main>""")
    return f"""<!doctype html><html lang="vi-VN"><head><meta charset="utf-8"><title>{esc(a.name)} trên TikTok</title>
<style>body{{font-family:sans-serif}} .DivCommentItemContainer{{min-height:60px}} .DivReplyContainer{{margin-left:40px}}</style>
</head><body><div id="app">{body}</div>
<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">{script_json(data)}</script>
<script>{SCRIPT.replace("__ID__", post.id) if status == 0 else ""}</script></body></html>"""


SCRIPT = r"""
(() => {
  const id = "__ID__";
  const pane = document.querySelector('.DivCommentListContainer');
  const list = pane.querySelector('.comments');
  let cursor = 0, loading = false;
  const esc = s => s.replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'})[c]);
  const body = (c, level) => '<div class="css-6 DivCommentContentContainer"><div data-e2e="comment-username-' + level +
    '"><a href="/@' + esc(c.handle) + '"><p>' + esc(c.name) + '</p></a></div><p data-e2e="comment-level-' + level +
    '"><span>' + esc(c.text) + '</span></p><span data-e2e="comment-time-' + level + '">' + esc(c.time) +
    '</span> <span data-e2e="comment-like-count">' + c.likes + '</span></div>';
  async function load() {
    if (loading || cursor === null) return;
    loading = true;
    const r = await fetch('/api/comment/list/?aweme_id=' + id + '&cursor=' + cursor + '&count=20');
    const data = await r.json();
    for (const c of data.comments) {
      const box = document.createElement('div');
      box.className = 'css-7 DivCommentItemContainer';
      box.innerHTML = body(c, 1) + '<div class="css-8 DivReplyContainer">' + (c.replies ?
        '<div class="css-9 DivViewRepliesContainer"><span role="button">Xem ' + c.replies + ' câu trả lời</span></div>' : '') + '</div>';
      const more = box.querySelector('.DivViewRepliesContainer span');
      if (more) more.addEventListener('click', async () => {
        const rr = await fetch('/api/comment/list/reply/?item_id=' + id + '&comment_id=' + c.id);
        const replies = await rr.json();
        more.parentElement.remove();
        box.querySelector('.DivReplyContainer').innerHTML = replies.map(x => body(x, 2)).join('');
      });
      list.appendChild(box);
    }
    cursor = data.has_more ? data.cursor : null;
    loading = false;
  }
  pane.addEventListener('scroll', () => { if (pane.scrollTop + pane.clientHeight > pane.scrollHeight - 100) load(); });
  load();
})();
"""


def route(request: Request, posts: dict[str, FakePost]) -> Response:
    path, q = request.path, request.query
    if path.startswith("/api/comment/list/reply"):
        post = posts[q["item_id"]]
        return json_response([_comment(post, c) for c in post.replies_to(q["comment_id"])])
    if path.startswith("/api/comment/list"):
        post = posts[q["aweme_id"]]
        cursor = int(q.get("cursor") or 0)
        chunk = post.top_level[cursor:cursor + post.page_size]
        more = cursor + post.page_size < len(post.top_level)
        return json_response({"comments": [_comment(post, c) for c in chunk], "cursor": cursor + post.page_size,
                              "has_more": more})
    parts = path.strip("/").split("/")
    if len(parts) == 3 and parts[0].startswith("@") and parts[1] == "video":
        post = posts.get(parts[2])
        if post is None:
            ghost = FakePost(parts[2], posts[next(iter(posts))].author, "")
            return page(video_page(ghost, status=10204))
        return page(video_page(post))
    return not_found()
