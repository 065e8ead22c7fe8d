"""Which platform a URL belongs to, what kind of content it addresses, and its post id.

Detection works on the URL alone, so the examiner sees before capturing which
extractor will run; unknown sites fall back to the generic extractor
(Open Graph, JSON-LD, microdata).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit, urlunsplit


@dataclass(frozen=True)
class PlatformMatch:
    platform: str  # facebook, youtube, tiktok, x, telegram, zalo, instagram, reddit, bluesky, generic
    content: str  # post, video, reel, short, photo, group_post, channel_post, page, profile, ...
    post_id: str | None
    canonical_url: str
    author_hint: str | None = None  # handle / page / channel visible in the URL


HOSTS = {
    "facebook": ("facebook.com", "fb.com", "fb.watch", "m.facebook.com", "web.facebook.com", "mbasic.facebook.com"),
    "youtube": ("youtube.com", "youtu.be", "m.youtube.com", "youtube-nocookie.com"),
    "tiktok": ("tiktok.com", "vm.tiktok.com", "vt.tiktok.com"),
    "x": ("x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com"),
    "telegram": ("t.me", "telegram.me"),
    "zalo": ("zalo.me", "oa.zalo.me", "chat.zalo.me"),
    "instagram": ("instagram.com",),
    "reddit": ("reddit.com", "old.reddit.com", "redd.it"),
    "bluesky": ("bsky.app",),
}


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def platform_of(url: str) -> str:
    host = _host(url)
    for name, hosts in HOSTS.items():
        if any(host == h or host.endswith("." + h) for h in hosts):
            return name
    return "generic"


def detect(url: str) -> PlatformMatch:
    """Classify ``url``; never raises for a well-formed http(s) URL."""
    parts = urlsplit(url)
    path = re.sub(r"/+$", "", parts.path) or "/"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    name = platform_of(url)
    reader = _READERS.get(name)
    found = reader(path, query) if reader else None
    if found is None:
        return PlatformMatch(name, "page", None, url)
    content, post_id, author, canonical_path, canonical_query = found
    canonical = urlunsplit((parts.scheme or "https", parts.netloc, canonical_path, canonical_query, ""))
    return PlatformMatch(name, content, post_id, canonical, author)


Found = tuple[str, str | None, str | None, str, str] | None


def _facebook(path: str, q: dict[str, str]) -> Found:
    if path in ("/permalink.php", "/story.php") and "story_fbid" in q:
        return "post", q["story_fbid"], q.get("id"), path, f"story_fbid={q['story_fbid']}&id={q.get('id', '')}"
    if path in ("/photo", "/photo.php") and "fbid" in q:
        return "photo", q["fbid"], None, path, f"fbid={q['fbid']}"
    if path == "/watch" and "v" in q:
        return "video", q["v"], None, path, f"v={q['v']}"
    patterns = (
        (r"/groups/(?P<a>[^/]+)/(?:posts|permalink)/(?P<id>[^/]+)", "group_post"),
        (r"/(?P<a>[^/]+)/posts/(?P<id>[^/]+)", "post"),
        (r"/(?P<a>[^/]+)/videos/(?:[^/]+/)?(?P<id>\d+)", "video"),
        (r"/reel/(?P<id>\d+)", "reel"),
        (r"/share/(?:p|v|r)/(?P<id>[^/]+)", "share"),
        (r"/(?P<a>[^/]+)/photos/[^/]+/(?P<id>\d+)", "photo"),
    )
    return _match(path, patterns) or _profile(path, ("profile", "pages"))


def _youtube(path: str, q: dict[str, str]) -> Found:
    if path == "/watch" and "v" in q:
        return "video", q["v"], None, path, f"v={q['v']}"
    patterns = (
        (r"/shorts/(?P<id>[\w-]+)", "short"),
        (r"/live/(?P<id>[\w-]+)", "video"),
        (r"/(?P<id>[\w-]{11})", "video"),  # youtu.be/<id>
        (r"/(?P<a>@[\w.-]+)(?:/.*)?", "channel"),
    )
    return _match(path, patterns)


def _tiktok(path: str, q: dict[str, str]) -> Found:
    return _match(path, ((r"/(?P<a>@[\w.-]+)/(?:video|photo)/(?P<id>\d+)", "video"), (r"/(?P<a>@[\w.-]+)", "profile")))


def _x(path: str, q: dict[str, str]) -> Found:
    return _match(path, ((r"/(?P<a>[\w]+)/status(?:es)?/(?P<id>\d+)(?:/.*)?", "post"), (r"/(?P<a>[\w]+)", "profile")))


def _telegram(path: str, q: dict[str, str]) -> Found:
    match = re.fullmatch(r"/(?:s/)?(?P<a>[\w]+)/(?P<id>\d+)", path)
    if match:  # the public web preview (t.me/s/…) shows the post without the app
        a, ident = match.group("a"), match.group("id")
        return "channel_post", f"{a}/{ident}", a, f"/s/{a}/{ident}", ""
    match = re.fullmatch(r"/(?:s/)?(?P<a>[\w]+)", path)
    if match:
        return "channel", None, match.group("a"), f"/s/{match.group('a')}", ""
    return None


def _zalo(path: str, q: dict[str, str]) -> Found:
    patterns = (
        (r"/s/(?P<a>\d+)/(?P<id>[\w-]+)", "oa_post"),  # zalo.me/s/<oa id>/<article>
        (r"/(?P<a>[\w.-]+)/article/(?P<id>[\w-]+)", "oa_post"),
        (r"/(?P<a>\d{6,})", "official_account"),
        (r"/(?P<a>[\w.-]+)", "official_account"),
    )
    return _match(path, patterns)


def _instagram(path: str, q: dict[str, str]) -> Found:
    return _match(path, ((r"/(?:[\w.]+/)?(?P<kind>p|reel|tv)/(?P<id>[\w-]+)", "post"), (r"/(?P<a>[\w.]+)", "profile")))


def _match(path: str, patterns: tuple[tuple[str, str], ...]) -> Found:
    for pattern, content in patterns:
        match = re.fullmatch(pattern, path)
        if match:
            groups = match.groupdict()
            if groups.get("kind") == "reel":
                content = "reel"
            return content, groups.get("id"), groups.get("a"), path, ""
    return None


def _profile(path: str, reserved: tuple[str, ...]) -> Found:
    match = re.fullmatch(r"/(?P<a>[\w.-]+)", path)
    if match and match.group("a") not in reserved:
        return "profile", None, match.group("a"), path, ""
    return None


def _reddit(path: str, q: dict[str, str]) -> Found:
    return _match(path, ((r"/r/(?P<a>[\w]+)/comments/(?P<id>\w+)(?:/.*)?", "post"), (r"/(?P<id>\w{5,8})", "post")))


def _bluesky(path: str, q: dict[str, str]) -> Found:
    return _match(path, ((r"/profile/(?P<a>[\w.:-]+)/post/(?P<id>\w+)", "post"), (r"/profile/(?P<a>[\w.:-]+)", "profile")))


_READERS = {"facebook": _facebook, "youtube": _youtube, "tiktok": _tiktok, "x": _x, "telegram": _telegram,
            "zalo": _zalo, "instagram": _instagram, "reddit": _reddit, "bluesky": _bluesky}
