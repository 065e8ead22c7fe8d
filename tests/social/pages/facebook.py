"""Facebook, as a logged-out (or logged-in) browser sees a post permalink in Vietnamese.

Modelled on the "Comet" web app: generated class names; the post's author and
message inside ``data-ad-rendering-role`` / ``data-ad-preview`` blocks; the
story's Relay data in ``<script type="application/json" data-sjs>``; comments
rendered by script as ``role="article"`` labelled "Bình luận dưới tên …",
paged behind "Xem thêm bình luận", replies behind "Xem tất cả N phản hồi",
the ordering menu ("Phù hợp nhất" → "Tất cả bình luận"), a "See more" in the
text, a lazily loaded photo, and the login pop-up that appears on scrolling.
Group posts need a login (else the browser is sent to /login/); a locked
account is sent to a checkpoint page.
"""

# ruff: noqa: E501 (HTML templates: lines as the pages have them)

from __future__ import annotations

import base64
import secrets
from urllib.parse import quote

from .data import FakeComment, FakePost, esc
from .web import Request, Response, json_response, not_found, page, redirect, script_json

HOST = "https://www.facebook.com"
CDN = "https://scontent.xx.fbcdn.net"
PASSWORD = "dung-mat-khau"
ACCOUNTS = {"dieutra@example.vn": ("100090000000001", "Nguyễn Văn Điều Tra"),
            "bikhoa@example.vn": ("100090000000666", "Tài Khoản Bị Khoá")}
LOCKED = "100090000000666"


def comment_id(comment: FakeComment) -> str:
    """Facebook's comment ids in links are base64 of 'comment:<post>_<comment>'."""
    return base64.b64encode(f"comment:{comment.id}".encode()).decode().rstrip("=")


def _comment_json(post: FakePost, c: FakeComment) -> dict[str, object]:
    numeric = int(c.author.id) % 3 == 0
    profile = (f"{HOST}/profile.php?id={c.author.id}" if numeric else f"{HOST}/{c.author.handle}")
    return {"id": comment_id(c), "name": c.author.name, "profile": profile, "text": c.text, "time": c.shown_time,
            "replies": len(post.replies_to(c.id)), "likes": c.likes,
            "parent": comment_id(next(p for p in post.comments if p.id == c.reply_to)) if c.reply_to else "",
            "parent_name": next((p.author.name for p in post.comments if p.id == c.reply_to), "")}


def comments_page(post: FakePost, offset: int, order: str, size: int = 0) -> dict[str, object]:
    visible = [c for c in post.top_level if order == "all" or not c.hidden_unless_all]
    size = size or post.page_size
    chunk = visible[offset:offset + size]
    following = offset + size
    return {"comments": [_comment_json(post, c) for c in chunk],
            "next": following if following < len(visible) else None}


def post_page(post: FakePost, path: str, *, logged_in_as: str = "", everything: bool = False) -> str:
    """The post; ``everything``: every comment already on the page (a benchmark's baseline of the same size)."""
    a = post.author
    relay = {"require": [["ScheduledServerJS", "handle", None, [{"__bbox": {"require": [[
        "RelayPrefetchedStreamCache", "next", [], [f"adp_CometSinglePostContentQueryRelayPreloader_{post.id[:8]}", {
            "__bbox": {"complete": True, "result": {"data": {"node": {
                "__typename": "Story", "id": base64.b64encode(f"S:_I{a.id}:{post.id}".encode()).decode(),
                "post_id": post.id, "creation_time": post.epoch,
                "actors": [{"__typename": "User", "id": a.id, "name": a.name, "url": f"{HOST}/{a.handle}"}],
                **({"attachments": [{"media": {"__typename": "Video", "id": post.id,
                                               "playable_url": f"https://video.xx.fbcdn.net/o1/v/t2/f2/m69/{post.id}.mp4?efg=1",
                                               "browser_native_hd_url": f"https://video.xx.fbcdn.net/o1/v/t2/f2/m69/{post.id}-hd.mp4?efg=2"}}]}
                   if post.video else {}),
                "comet_sections": {"feedback": {"story": {"feedback_context": {"feedback_target_with_context": {
                    "comment_count": {"total_count": len(post.comments)}}}}}}}}}}}]]]}}]]]}
    initial = (comments_page(post, 0, "all", size=len(post.comments) + 1) if everything
               else comments_page(post, 0, "relevant"))
    photos = "".join(
        f'<a href="{HOST}/photo/?fbid={post.id}{i}&amp;set=pcb.{post.id}" role="link" tabindex="0">'
        + (f'<img class="x1ey2m1c xds687c" src="{CDN}/v/t39.30808-6/{post.id}_{i}_n.jpg?stp=dst-jpg_s960x960&amp;_nc_cat=1"'
           if i == 1 else
           f'<img class="x1ey2m1c lazy" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" '
           f'data-src="{CDN}/v/t39.30808-6/{post.id}_{i}_n.jpg?stp=dst-jpg_s960x960&amp;_nc_cat=1"')
        + ' width="960" height="720" alt="Có thể là hình ảnh về văn bản"></a>' for i in range(1, post.images + 1))
    video = (f'<div class="x1lliihq"><video class="x1lliihq x5yr21d" src="https://video.xx.fbcdn.net/o1/v/t2/f2/m69/'
             f'{post.id}.mp4?efg=1" poster="{CDN}/v/t15.5256-10/{post.id}_poster.jpg" preload="none"></video></div>'
             if post.video else "")
    tail = ('<span id="post-more">… <div role="button" tabindex="0" class="x1i10hfl xjbqb8w">Xem thêm</div></span>'
            if post.hidden_tail else "")
    account = (f'<div aria-label="Tài khoản của bạn" role="button"><span>{esc(logged_in_as)}</span></div>'
               if logged_in_as else '<a href="/login/" role="button">Đăng nhập</a>')
    return f"""<!doctype html><html lang="vi" dir="ltr"><head><meta charset="utf-8">
<title>{esc(a.name)} - {esc(post.text[:40])} | Facebook</title>
<meta property="og:title" content="{esc(a.name)}"><meta property="og:description" content="{esc(post.text[:80])}">
<meta property="og:url" content="{HOST}{esc(path)}"><meta property="og:image" content="{CDN}/v/t39.30808-6/{post.id}_1_n.jpg">
<script type="application/json" data-content-len="{len(post.id)}" data-sjs>{script_json(relay)}</script>
<script type="application/json" id="initial-comments">{script_json(initial)}</script>
<style>body{{font-family:sans-serif;margin:0}} [role=main]{{max-width:680px;margin:0 auto}}
.photos img{{width:320px;height:240px;object-fit:cover}} .replies{{margin-left:40px}}
[role=dialog]{{position:fixed;inset:0;background:rgba(0,0,0,.6);display:flex;align-items:center;justify-content:center}}
[role=dialog] > div{{background:#fff;padding:20px}} [role=menu]{{border:1px solid #ccc;background:#fff}}</style>
</head><body class="_6s5d _71pn system-fonts--body">
<div id="mount_0_0_Ab"><div role="banner" class="x1qjc9v5">facebook {account}</div>
<div role="main" class="x9f619 x1n2onr6 x1ja2u2z">
 <div class="x1yztbdb x1n2onr6 xh8yej3 x1ja2u2z">
  <div aria-describedby=":r1: :r2:" aria-labelledby=":r0:" class="x1a2a7pz">
   <div class="xu06os2 x1ok221b">
    <div data-ad-rendering-role="profile_name"><h2 id=":r0:" class="html-h2"><span class="xt0psk2">
     <a href="{HOST}/{a.handle}?__cft__[0]=AZXk9&amp;__tn__=-]C%2CP-R" role="link" tabindex="0"><strong><span>{esc(a.name)}</span></strong></a></span></h2></div>
    <span id=":r1:"><a href="{HOST}{esc(path)}?__cft__[0]=AZXk9&amp;__tn__=%2CO%2CP-R" role="link" aria-label="{esc(post.shown_time)}"
       tabindex="0"><span>{esc(post.shown_time)}</span></a> · <span title="Công khai">🌐</span></span>
   </div>
   <div data-ad-rendering-role="story_message" id=":r2:"><div data-ad-preview="message" data-ad-comet-preview="message">
    <div dir="auto" class="x1iorvi4 x1pi30zi"><span id="post-text">{esc(post.text)}
     <a href="{HOST}/hashtag/tinnong?__eep__=6" role="link">#tinnong</a> <a href="{HOST}/hashtag/canhbao?__eep__=6" role="link">#canhbao</a>
     <a href="{HOST}/tran.thi.binh?__cft__[0]=AZX" role="link">Trần Thị Bình</a>
     <a href="https://l.facebook.com/l.php?u={quote('https://vnexpress.net/bai-viet-1.html', safe='')}&amp;h=AT0" rel="nofollow noreferrer" role="link">vnexpress.net/bai-viet-1.html</a></span>{tail}</div>
   </div></div>
   <div class="x10l6tqk photos">{photos}{video}</div>
   <div class="x6s0dn4 x78zum5 counts">
    <div class="x1i10hfl"><span aria-hidden="true">Tất cả cảm xúc:</span><span class="x1e558r4">{esc(post.reactions)}</span></div>
    <div><span class="html-span">{len(post.comments)} bình luận</span></div>
    <div><span class="html-span">{post.shares} lượt chia sẻ</span></div>
   </div>
   <div class="x1jx94hy comments">
    <div role="button" tabindex="0" id="order-button"><span>Phù hợp nhất</span></div>
    <div id="comment-list" role="list"></div>
    <div role="button" tabindex="0" id="more-comments" style="display:none"><span>Xem thêm bình luận</span></div>
   </div>
  </div>
 </div>
</div></div>
<script>{SCRIPT.replace("__POST__", post.id).replace("__FULL__", script_json(post.full_text))
               .replace("__RELOADS__", "true" if post.ordering_reloads else "false")
               .replace("__CLOSE_MS__", str(post.popup_close_ms))}</script>
</body></html>"""


SCRIPT = r"""
(() => {
  const post = "__POST__";
  const list = document.getElementById('comment-list');
  const more = document.getElementById('more-comments');
  let order = 'relevant', next = null;
  const esc = s => s.replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'})[c]);
  function link(c) { return location.origin + location.pathname + '?comment_id=' + (c.parent || c.id) +
                            (c.parent ? '&reply_comment_id=' + c.id : '') + '&__cft__[0]=AZX'; }
  function article(c) {
    const label = c.parent ? 'Phản hồi bình luận của ' + c.parent_name + ' dưới tên ' + c.name + ' vào ' + c.time + ' trước'
                           : 'Bình luận dưới tên ' + c.name + ' vào ' + c.time + ' trước';
    return '<div role="article" aria-label="' + esc(label) + '" tabindex="-1" class="x1n2onr6 x1iorvi4">' +
      '<div class="x1r8uery"><a href="' + esc(c.profile) + (c.profile.includes('?') ? '&' : '?') + 'comment_id=' + c.id +
      '" role="link" tabindex="-1"><svg aria-hidden="true" width="32" height="32"></svg></a></div>' +
      '<div class="xv55zj0"><span class="x3nfvp2"><a href="' + esc(c.profile) + (c.profile.includes('?') ? '&' : '?') +
      'comment_id=' + c.id + '&__cft__[0]=AZX" role="link" tabindex="0"><span class="x193iq5w">' + esc(c.name) +
      '</span></a></span><div dir="auto" style="text-align: start;">' + esc(c.text) + '</div>' +
      '<ul class="x1n0m28w"><li><a href="' + esc(link(c)) + '" role="link" tabindex="0">' + esc(c.time) + '</a></li>' +
      '<li><div role="button" tabindex="0">Thích</div></li><li><div role="button" tabindex="0">Phản hồi</div></li>' +
      (c.likes ? '<li><span aria-label="' + c.likes + ' cảm xúc">' + c.likes + '</span></li>' : '') + '</ul></div></div>';
  }
  function render(c) {
    const box = document.createElement('div');
    box.className = 'x1n2onr6 x1swvt13';
    box.innerHTML = article(c) + '<div class="replies">' + (c.replies ?
      '<div role="button" tabindex="0" class="more-replies"><span>Xem tất cả ' + c.replies + ' phản hồi</span></div>' : '') + '</div>';
    const button = box.querySelector('.more-replies');
    if (button) button.addEventListener('click', async () => {  // the control gives way to a spinner at once
      button.outerHTML = '<div role="progressbar" aria-label="Đang tải..." class="loading"></div>';
      const r = await fetch('/ajax/replies?post=' + post + '&comment=' + encodeURIComponent(c.id));
      const replies = await r.json();
      box.querySelector('.replies').innerHTML = replies.map(article).join('');
    });
    list.appendChild(box);
  }
  function show(data) { data.comments.forEach(render); next = data.next; more.style.display = next === null ? 'none' : ''; }
  async function load() {  // a spinner while the next page loads (it is not the click's effect)
    const spinner = document.createElement('div');
    spinner.setAttribute('role', 'progressbar'); spinner.setAttribute('aria-label', 'Đang tải...');
    more.before(spinner);
    const r = await fetch('/ajax/comments?post=' + post + '&offset=' + next + '&order=' + order);
    const data = await r.json();
    spinner.remove(); show(data);
  }
  show(JSON.parse(document.getElementById('initial-comments').textContent));
  more.addEventListener('click', load);
  const orderButton = document.getElementById('order-button');
  orderButton.addEventListener('click', () => {
    if (document.querySelector('[role=menu]')) return;
    const menu = document.createElement('div');
    menu.setAttribute('role', 'menu');
    menu.innerHTML = '<div role="menuitem" tabindex="0"><span>Phù hợp nhất</span><br><span>Hiển thị bình luận của bạn bè và những bình luận có nhiều lượt tương tác nhất trước tiên.</span></div>' +
                     '<div role="menuitem" tabindex="0" id="order-all"><span>Tất cả bình luận</span><br><span>Hiển thị tất cả bình luận, bao gồm cả nội dung có thể là spam.</span></div>';
    orderButton.after(menu);
    menu.querySelector('#order-all').addEventListener('click', async () => {
      menu.remove(); order = 'all'; orderButton.querySelector('span').textContent = 'Tất cả bình luận';
      if (!__RELOADS__) return;  // a post whose comments are all shown already
      list.innerHTML = ''; next = 0; await load();
    });
  });
  const tail = document.getElementById('post-more');
  if (tail) tail.querySelector('[role=button]').addEventListener('click', () => {
    document.getElementById('post-text').firstChild.textContent = __FULL__ + ' '; tail.remove(); });
  new IntersectionObserver((entries, obs) => { for (const e of entries) if (e.isIntersecting) {
    e.target.src = e.target.dataset.src; obs.unobserve(e.target); } }).observe(document.querySelector('img.lazy') || document.body);
  let popped = false;
  window.addEventListener('scroll', () => {
    if (popped || document.querySelector('[aria-label="Tài khoản của bạn"]')) return;
    popped = true;
    const dialog = document.createElement('div');
    dialog.setAttribute('role', 'dialog'); dialog.setAttribute('aria-label', 'Đăng nhập Facebook');
    dialog.innerHTML = '<div><h2>Xem thêm trên Facebook</h2><input name="email" placeholder="Email hoặc số điện thoại">' +
      '<input type="password" name="pass" placeholder="Mật khẩu"><div aria-label="Đóng" role="button" tabindex="0">✕</div></div>';
    document.body.appendChild(dialog);
    const gone = () => { dialog.remove(); window.__popupClosed = true; };
    dialog.querySelector('[aria-label="Đóng"]').addEventListener('click', () => {  // gone at once, or after fading out
      if (__CLOSE_MS__) { dialog.style.opacity = '0.5'; setTimeout(gone, __CLOSE_MS__); } else gone(); });
  });
})();
"""

REMOVED = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Facebook</title></head><body>
<div role="banner">facebook <a href="/login/">Đăng nhập</a></div>
<div role="main"><div class="x1ey2m1c x9f619"><h2 class="html-h2"><span>Nội dung này hiện không hiển thị</span></h2>
<span>Lỗi này thường do chủ sở hữu chỉ chia sẻ nội dung với một nhóm nhỏ, thay đổi người được xem hoặc đã xóa nội dung.</span>
<div><a href="/" role="link">Đi tới Bảng feed</a></div></div></div></body></html>"""

LOGIN = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Đăng nhập Facebook</title></head><body>
<div role="main"><form id="login_form" action="/login/device-based/regular/login/?login_attempt=1&amp;next={next}" method="post">
<h2>Đăng nhập Facebook</h2><div class="_9ay7">Bạn phải đăng nhập để tiếp tục.</div>
<input type="text" name="email" id="email" placeholder="Email hoặc số điện thoại">
<input type="password" name="pass" id="pass" placeholder="Mật khẩu">
<button name="login" id="loginbutton" type="submit">Đăng nhập</button></form></div>
<script>if (new URLSearchParams(location.search).get('autologin')) {{
  document.getElementById('email').value = 'dieutra@example.vn';
  document.getElementById('pass').value = '""" + PASSWORD + """';
  setTimeout(() => document.getElementById('login_form').submit(), 200); }}</script></body></html>"""

CHECKPOINT = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Facebook</title></head><body>
<div role="main"><h2>Tài khoản của bạn đã bị khóa</h2><p>Chúng tôi nhận thấy hoạt động bất thường trên tài khoản của bạn.
Để bảo vệ tài khoản, hãy xác nhận danh tính của bạn.</p><div role="button">Bắt đầu</div></div></body></html>"""


def route(request: Request, posts: dict[str, FakePost], groups_need_login: bool = True) -> Response:
    user = request.cookies.get("c_user", "")
    name = next((n for i, n in ACCOUNTS.values() if i == user), "")
    path, q = request.path, request.query
    if path.startswith("/ajax/comments"):
        return json_response(comments_page(posts[q["post"]], int(q.get("offset") or 0), q.get("order", "relevant")))
    if path.startswith("/ajax/replies"):
        post = posts[q["post"]]
        parent = next(c for c in post.comments if comment_id(c) == q["comment"])
        return json_response([_comment_json(post, c) for c in post.replies_to(parent.id)])
    if path.startswith("/login/device-based/regular/login"):
        form = request.form()
        account = ACCOUNTS.get(form.get("email", ""))
        if account is None or form.get("pass") != PASSWORD:
            return page(LOGIN.format(next="") + "<p>Thông tin đăng nhập không đúng</p>", 200)
        cookies = [("Set-Cookie", f"c_user={account[0]}; Domain=.facebook.com; Path=/; Secure; SameSite=None"),
                   ("Set-Cookie", f"xs=28%3A{secrets.token_hex(8)}; Domain=.facebook.com; Path=/; Secure; HttpOnly"),
                   ("Set-Cookie", "datr=abcDEF123; Domain=.facebook.com; Path=/; Secure; HttpOnly")]
        return redirect(q.get("next") or "/", 302, cookies)
    if path.startswith("/login"):
        return page(LOGIN.format(next=quote(q.get("next", ""), safe="")))
    if path.startswith("/checkpoint"):
        return page(CHECKPOINT)
    if path == "/":
        return page(f"<!doctype html><title>Facebook</title><div role=main>Bảng feed của {name or 'khách'}</div>")
    if path in ("/story.php", "/permalink.php"):
        return page(REMOVED)
    parts = path.strip("/").split("/")
    if len(parts) == 4 and parts[0] == "groups" and parts[2] == "posts":
        if user == LOCKED:
            return redirect(f"/checkpoint/828281030927956/?next={quote(HOST + path, safe='')}")
        if groups_need_login and not name:
            return redirect(f"/login/?next={quote(HOST + path, safe='')}")
        post = posts.get(parts[3])
        return page(post_page(post, path, logged_in_as=name)) if post else page(REMOVED)
    if len(parts) == 3 and parts[1] in ("posts", "videos"):
        post = posts.get(parts[2])
        return page(post_page(post, path, logged_in_as=name, everything=bool(q.get("all")))) if post else page(REMOVED)
    return not_found()
