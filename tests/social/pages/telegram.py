"""Telegram's public channel preview (``t.me/s/<channel>/<id>``): the messages around the one asked for.

``posts`` maps "channel/id" to a post; the preview shows the neighbours too,
and a deleted message is simply missing among them.
"""

# ruff: noqa: E501 (HTML templates: lines as the pages have them)

from __future__ import annotations

from .data import FakePost, esc
from .web import Request, Response, not_found, page

CDN = "https://cdn4.cdn-telegram.org/file"


def _message(key: str, post: FakePost, title: str) -> str:
    channel = key.split("/")[0]
    photos = "".join(f'<a class="tgme_widget_message_photo_wrap {i} 2" href="https://t.me/{key}?single" style="width:800px;'
                     f"background-image:url('{CDN}/{post.id}_{i}.jpg')\"></a>" for i in range(1, post.images + 1))
    video = (f'<a class="tgme_widget_message_video_player" href="https://t.me/{key}"><i class="tgme_widget_message_video_thumb"'
             f" style=\"background-image:url('{CDN}/{post.id}_thumb.jpg')\"></i><div class=\"tgme_widget_message_video_wrap\">"
             f'<video src="{CDN}/{post.id}.mp4" class="tgme_widget_message_video js-message_video" width="100%"></video>'
             f"</div></a>" if post.video else "")
    return f"""<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap
 js-widget_message" data-post="{key}" data-view="eyJjIjoxfQ"><div class="tgme_widget_message_user"><a href="https://t.me/{channel}">
 <i class="tgme_widget_message_user_photo bgcolor2"><img src="{CDN}/avatar_{channel}.jpg"></i></a></div>
 <div class="tgme_widget_message_bubble"><div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name"
 href="https://t.me/{channel}"><span dir="auto">{esc(title)}</span></a></div>{photos}{video}
 <div class="tgme_widget_message_text js-message_text" dir="auto">{esc(post.full_text)}<br/><br/><a href="?q=%23tinnong">#tinnong</a>
 Nguồn: <a href="https://vnexpress.net/bai-viet-3.html" target="_blank" rel="noopener">vnexpress.net/bai-viet-3.html</a></div>
 <div class="tgme_widget_message_reactions js-message_reactions"><span class="tgme_reaction"><i class="emoji"><b>👍</b></i>1,2K</span>
 <span class="tgme_reaction"><i class="emoji"><b>😡</b></i>87</span></div>
 <div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info">
 <span class="tgme_widget_message_views">{post.views}</span><span class="copyonly"> lượt xem</span><span class="tgme_widget_message_meta">
 <a class="tgme_widget_message_date" href="https://t.me/{key}"><time datetime="2025-11-01T12:26:40+00:00" class="time">19:26</time></a>
 </span></div></div></div></div></div>"""


def preview(channel: str, posts: dict[str, FakePost]) -> str:
    mine = {k: v for k, v in posts.items() if k.startswith(channel + "/")}
    title = "Kênh Tin Nhanh 24h"
    messages = "".join(_message(k, v, title) for k, v in sorted(mine.items()))
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{title} – Telegram</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Telegram"></head>
<body class="widget_frame_base tgme_webpreview"><header class="tgme_header"><div class="tgme_channel_info">
<div class="tgme_channel_info_header_title"><span dir="auto">{title}</span></div>
<div class="tgme_channel_info_header_username"><a href="https://t.me/{channel}">@{channel}</a></div>
<div class="tgme_channel_info_counter"><span class="counter_value">12.3K</span> <span class="counter_type">subscribers</span></div>
</div></header><main class="tgme_main"><section class="tgme_channel_history js-message_history">{messages}</section></main>
</body></html>"""


def route(request: Request, posts: dict[str, FakePost]) -> Response:
    parts = request.path.strip("/").split("/")
    if parts and parts[0] == "s" and len(parts) >= 2:
        return page(preview(parts[1], posts))
    return not_found()
