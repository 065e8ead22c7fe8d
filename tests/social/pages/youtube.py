"""YouTube's watch page in Vietnamese: ``ytInitialPlayerResponse`` / ``ytInitialData`` and Polymer elements.

Comments load only when their section is scrolled into view (a continuation
element watched by an IntersectionObserver, answered by ``/youtubei/v1/next``),
20 threads at a time; replies sit behind "N phản hồi" buttons. A removed
video's player response says ``ERROR`` with the reason.
"""

# ruff: noqa: E501 (HTML templates: lines as the pages have them)

from __future__ import annotations

import json

from .data import FakeComment, FakePost, esc
from .web import Request, Response, json_response, not_found, page, script_json

VIDEO_HOST = "https://rr1---sn-test.googlevideo.com"


def _comment(post: FakePost, c: FakeComment) -> dict[str, object]:
    return {"id": "Ugx" + c.id, "author": "@" + c.author.handle, "text": c.text,
            "time": c.shown_time.replace("Hôm qua", "1 ngày") + " trước" if c.shown_time != "Vừa xong" else "1 phút trước",
            "likes": c.likes, "replies": len(post.replies_to(c.id))}


def threads(post: FakePost, offset: int) -> dict[str, object]:
    chunk = post.top_level[offset:offset + post.page_size]
    following = offset + post.page_size
    return {"threads": [_comment(post, c) for c in chunk], "next": following if following < len(post.top_level) else None}


def player(post: FakePost) -> dict[str, object]:
    a = post.author
    return {
        "playabilityStatus": {"status": "OK", "playableInEmbed": True},
        "streamingData": {"expiresInSeconds": "21540", "formats": [
            {"itag": 18, "url": f"{VIDEO_HOST}/videoplayback?expire=1&id={post.id}&itag=18&source=youtube&mime=video%2Fmp4",
             "mimeType": 'video/mp4; codecs="avc1.42001E, mp4a.40.2"', "bitrate": 503000, "width": 640, "height": 360,
             "quality": "medium", "qualityLabel": "360p"}]},
        "videoDetails": {"videoId": post.id, "title": post.text[:60], "lengthSeconds": "1", "channelId": "UC" + a.id[:22],
                         "shortDescription": post.full_text, "viewCount": str(post.views), "author": a.name,
                         "isPrivate": False, "thumbnail": {"thumbnails": [
                             {"url": f"https://i.ytimg.com/vi/{post.id}/hqdefault.jpg", "width": 480, "height": 360},
                             {"url": f"https://i.ytimg.com/vi/{post.id}/maxresdefault.jpg", "width": 1280,
                              "height": 720}]}},
        "microformat": {"playerMicroformatRenderer": {
            "publishDate": "2025-11-01T05:26:40-07:00", "uploadDate": "2025-11-01T05:26:40-07:00",
            "ownerProfileUrl": f"http://www.youtube.com/@{a.handle}", "externalChannelId": "UC" + a.id[:22],
            "ownerChannelName": a.name, "likeCount": "4321", "category": "News & Politics"}},
    }


def watch_page(post: FakePost) -> str:
    a = post.author
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{esc(post.text[:60])} - YouTube</title>
<meta property="og:title" content="{esc(post.text[:60])}"><meta property="og:type" content="video.other">
<style>body{{font-family:sans-serif}} ytd-comments{{display:block;min-height:200px}} #below{{height:1600px}}
ytd-comment-thread-renderer{{display:block;margin:8px 0}} #replies{{margin-left:40px;display:block}}</style>
</head><body><ytd-app><ytd-watch-flexy video-id="{post.id}"><div id="primary">
<div id="player"><video src="blob:https://www.youtube.com/5d1e0c9a" width="640" height="360"></video></div>
<ytd-watch-metadata class="watch-active-metadata"><div id="title"><h1 class="style-scope ytd-watch-metadata">
 <yt-formatted-string>{esc(post.text[:60])}</yt-formatted-string></h1></div>
 <div id="owner"><ytd-channel-name id="channel-name"><a class="yt-simple-endpoint" href="/@{a.handle}">{esc(a.name)}</a>
 </ytd-channel-name><yt-formatted-string id="owner-sub-count">1,2 Tr người đăng ký</yt-formatted-string></div>
 <div id="top-level-buttons-computed"><like-button-view-model><button aria-label="Thích video này cùng với 4.321 người khác"
  >4,3 N</button></like-button-view-model></div>
 <div id="description"><div id="info-container"><span>{post.views} lượt xem</span> <span>1 thg 11, 2025</span></div>
  <div id="description-inline-expander"><yt-attributed-string id="attributed-snippet-text"><span>{esc(post.text)}</span>
  </yt-attributed-string><tp-yt-paper-button id="expand" role="button">...thêm</tp-yt-paper-button></div></div>
</ytd-watch-metadata>
<div id="below"></div>
<ytd-comments id="comments"><ytd-item-section-renderer id="sections">
 <ytd-comments-header-renderer><h2 id="count"><yt-formatted-string>{len(post.comments)} bình luận</yt-formatted-string></h2>
 </ytd-comments-header-renderer><div id="contents"></div>
 <ytd-continuation-item-renderer id="continuation"><div>Đang tải…</div></ytd-continuation-item-renderer>
</ytd-item-section-renderer></ytd-comments>
</div></ytd-watch-flexy></ytd-app>
<script>var ytInitialPlayerResponse = {script_json(player(post))};</script>
<script>var ytInitialData = {script_json({"contents": {"twoColumnWatchNextResults": {"results": {}}},
                                          "currentVideoEndpoint": {"watchEndpoint": {"videoId": post.id}}})};</script>
<script>{SCRIPT.replace("__VIDEO__", post.id).replace("__START_MS__", str(post.load_start_ms))}</script></body></html>"""


SCRIPT = r"""
(() => {
  const video = "__VIDEO__";
  const contents = document.getElementById('contents');
  const sentinel = document.getElementById('continuation');
  let next = 0, loading = false;
  const esc = s => s.replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'})[c]);
  const view = c => '<ytd-comment-view-model id="comment" class="style-scope ytd-comment-thread-renderer">' +
    '<div id="header"><a id="author-text" class="yt-simple-endpoint" href="/' + esc(c.author) + '"><span>' + esc(c.author) +
    '</span></a><span id="published-time-text"><a href="/watch?v=' + video + '&lc=' + esc(c.id) + '">' + esc(c.time) +
    '</a></span></div><div id="content"><yt-attributed-string id="content-text"><span>' + esc(c.text) +
    '</span></yt-attributed-string></div><div id="toolbar"><span id="vote-count-middle">' + (c.likes || '') +
    '</span></div></ytd-comment-view-model>';
  async function load() {
    if (loading || next === null) return;
    loading = true;
    const r = await fetch('/youtubei/v1/next?prettyPrint=false', {method: 'POST', body: JSON.stringify({video, offset: next})});
    const data = await r.json();
    for (const c of data.threads) {
      const t = document.createElement('ytd-comment-thread-renderer');
      t.innerHTML = view(c) + (c.replies ? '<ytd-comment-replies-renderer><div id="more-replies"><button aria-label="' +
        c.replies + ' phản hồi">' + c.replies + ' phản hồi</button></div><div id="replies"><div id="contents"></div></div>' +
        '</ytd-comment-replies-renderer>' : '');
      const button = t.querySelector('#more-replies button');
      if (button) button.addEventListener('click', async () => {
        const rr = await fetch('/youtubei/v1/next?replies=1', {method: 'POST', body: JSON.stringify({video, parent: c.id})});
        const replies = await rr.json();
        button.parentElement.remove();
        t.querySelector('#replies #contents').innerHTML = replies.map(view).join('');
      });
      contents.appendChild(t);
    }
    next = data.next;
    loading = false;
    if (next === null) sentinel.remove();
    else contents.after(sentinel);
  }
  // a busy page asks late: the request starts some time after the list's end came into view
  const startMs = __START_MS__;
  new IntersectionObserver(entries => {
    if (entries.some(e => e.isIntersecting)) { if (startMs) setTimeout(load, startMs); else load(); }
  }).observe(sentinel);
  const expand = document.getElementById('expand');
  expand.addEventListener('click', () => {
    document.querySelector('#attributed-snippet-text span').textContent =
      ytInitialPlayerResponse.videoDetails.shortDescription;
    expand.remove();
  });
})();
"""

REMOVED_PLAYER = {"playabilityStatus": {"status": "ERROR", "reason": "Video không khả dụng", "errorScreen": {
    "playerErrorMessageRenderer": {"reason": {"simpleText": "Video không khả dụng"},
                                   "subreason": {"runs": [{"text": "Video này đã bị người tải lên xóa"}]}}}}}


def removed_page() -> str:
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>YouTube</title></head><body><ytd-app>
<div id="player"><yt-playability-error-supported-renderers><div class="reason">Video không khả dụng</div>
<div class="subreason">Video này đã bị người tải lên xóa</div></yt-playability-error-supported-renderers></div></ytd-app>
<script>var ytInitialPlayerResponse = {script_json(REMOVED_PLAYER)};</script></body></html>"""


def route(request: Request, posts: dict[str, FakePost]) -> Response:
    if request.path.startswith("/youtubei/v1/next"):
        body = json.loads(request.body or b"{}")
        post = posts[body["video"]]
        if request.query.get("replies"):
            parent = next(c for c in post.comments if "Ugx" + c.id == body["parent"])
            return json_response([_comment(post, c) for c in post.replies_to(parent.id)])
        return json_response(threads(post, int(body.get("offset") or 0)))
    if request.path.startswith("/youtubei/"):
        return not_found()  # the player API yt-dlp asks: not served here (yt-dlp then fails, as without network)
    video = request.query.get("v", "") if request.path == "/watch" else request.path.rsplit("/", 1)[-1]
    if request.path in ("/watch",) or request.path.startswith("/shorts/"):
        post = posts.get(video)
        return page(watch_page(post) if post else removed_page())
    return not_found()
