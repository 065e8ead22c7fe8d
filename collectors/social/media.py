"""Downloading a post's images and videos in the best quality available, as separate files with their own hashes.

Every fetch goes through the capture's recording proxy, so media bytes are in
the WARC too and meet the same TLS checks, host rules and address policy as
the page (the proxy verifies the origin, as it does for the browser; we
verify the proxy by the CA it signs with, made for this browser session only). The browser's cookies go
with each request, so what an account may see can be downloaded.

Videos on platforms yt-dlp knows are fetched with yt-dlp as a library (it
finds the best formats; separate video and audio streams are kept as served,
and their remux into one playable file is a separate, labelled file); when it
fails, or elsewhere, the direct address the page gave is used. A page that
only streams a video (``blob:`` address) cannot be fetched directly: that is a
warning, never a silent gap.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import json
import mimetypes
import re
import ssl
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence_store.errors import Cancelled
from evidence_store.hashing import digest_stream
from evidence_store.media import sniff
from evidence_store.naming import safe_filename
from evidence_store.tasks import CancelToken

CHUNK = 256 * 1024


class MediaError(Exception):
    """One medium could not be fetched; becomes a warning and a status in the record."""


@dataclass
class Fetched:
    path: Path
    url: str
    sha256: str
    size: int
    media_type: str
    via: str  # "direct" or "yt-dlp <version> (<extractor>, format <id>)"
    role: str = "as served"  # as served | merged for playback (remuxed, not re-encoded)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Fetcher:
    proxy_url: str
    cookies: list[dict[str, Any]]
    user_agent: str
    referer: str
    folder: Path
    cancel: CancelToken
    deadline: float  # time.monotonic() after which fetching stops
    max_bytes: int
    proxy_ca_file: str  # the CA the proxy signs its certificates with (CaptureState.proxy_ca_file)

    def __post_init__(self) -> None:
        import urllib3

        self.folder.mkdir(parents=True, exist_ok=True)
        self.jar = http.cookiejar.CookieJar()
        for cookie in self.cookies:
            self.jar.set_cookie(_cookie(cookie))
        # The proxy verifies the origin (module docstring); we verify that we talk to the proxy: only it holds the
        # session CA's key, so a certificate that CA signed is the proxy's whatever host it names (no hostname
        # check). A context of our own also keeps urllib3 from loading the system's CA store for every connection
        # (~45 ms each).
        ours = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ours.check_hostname = False
        ours.load_verify_locations(self.proxy_ca_file)
        self.pool = urllib3.ProxyManager(self.proxy_url, cert_reqs="CERT_REQUIRED", ssl_context=ours,
                                         assert_hostname=False, num_pools=8,
                                         timeout=urllib3.Timeout(connect=15, read=60))

    def _headers(self, url: str) -> dict[str, str]:
        request = urllib.request.Request(url)
        self.jar.add_cookie_header(request)
        headers = {"User-Agent": self.user_agent, "Referer": self.referer, "Accept": "*/*"}
        if request.get_header("Cookie"):
            headers["Cookie"] = str(request.get_header("Cookie"))
        return headers

    def fetch(self, url: str, name: str) -> Fetched:
        """Stream ``url`` to a file, hashing on the way (bounded memory)."""
        import urllib3

        if not url.startswith(("http://", "https://")):
            raise MediaError(f"not a downloadable address ({url[:60] or 'none'}): the page streams this medium")
        self._check()
        try:
            response = self.pool.request("GET", url, headers=self._headers(url), preload_content=False,
                                         redirect=True, retries=urllib3.Retry(total=2, redirect=5,
                                                                              raise_on_status=False))
        except urllib3.exceptions.HTTPError as exc:
            raise MediaError(f"{url}: {type(exc).__name__}: {exc}") from exc
        try:
            if response.status != 200:
                raise MediaError(f"{url}: {_failure(response)}")
            media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
            target = self.folder / _file_name(name, url, media_type)
            digest, size = hashlib.sha256(), 0
            with open(target, "wb") as out:
                for block in response.stream(CHUNK, decode_content=True):
                    self._check()
                    size += len(block)
                    if size > self.max_bytes:
                        raise MediaError(f"{url}: larger than the {self.max_bytes // 2**20} MiB media limit")
                    digest.update(block)
                    out.write(block)
            if size == 0:
                raise MediaError(f"{url}: the server sent no content")
            with open(target, "rb") as handle:
                head = handle.read(512)
            return Fetched(target, url, digest.hexdigest(), size, media_type or sniff(head, target.name), "direct")
        except urllib3.exceptions.HTTPError as exc:
            raise MediaError(f"{url}: {type(exc).__name__}: {exc}") from exc
        finally:
            response.release_conn()

    def fetch_json(self, url: str, limit: int = 1 << 20) -> Any:
        response = self.pool.request("GET", url, headers=self._headers(url), preload_content=False)
        try:
            if response.status != 200:
                raise MediaError(f"{url}: HTTP {response.status}")
            data = response.read(limit + 1, decode_content=True)
        finally:
            response.release_conn()
        if len(data) > limit:
            raise MediaError(f"{url}: answer larger than {limit} bytes")
        return json.loads(data)

    def ytdlp(self, page_url: str, name: str) -> list[Fetched]:
        """Best video (and audio) of ``page_url`` with yt-dlp; the files as downloaded, plus the merged one."""
        import yt_dlp
        from yt_dlp.utils import DownloadCancelled, DownloadError

        folder = self.folder / f"ytdlp-{safe_filename(name)}"
        folder.mkdir(parents=True, exist_ok=True)
        cookie_file = self.folder / f".cookies-{safe_filename(name)}.txt"
        _write_cookie_file(cookie_file, self.cookies)
        log = _Log()

        def progress(_status: dict[str, Any]) -> None:
            if self.cancel.cancelled or time.monotonic() > self.deadline:
                raise DownloadCancelled("stopped: cancelled or out of time")

        params = {
            "proxy": self.proxy_url, "nocheckcertificate": True, "cookiefile": str(cookie_file),
            "outtmpl": {"default": str(folder / "%(id)s.f%(format_id)s.%(ext)s")},
            "format": "bestvideo*+bestaudio/best", "keepvideo": True, "merge_output_format": "mkv",
            "quiet": True, "no_warnings": False, "noprogress": True, "logger": log, "noplaylist": True,
            "cachedir": False, "retries": 1, "fragment_retries": 1, "extractor_retries": 0, "socket_timeout": 20,
            "http_headers": {"User-Agent": self.user_agent, "Referer": self.referer}, "progress_hooks": [progress],
            "max_filesize": self.max_bytes, "overwrites": True, "color": {"stderr": "no_color", "stdout": "no_color"},
        }
        try:
            with yt_dlp.YoutubeDL(params) as ydl:  # type: ignore[arg-type]
                info = ydl.extract_info(page_url, download=True)
        except DownloadCancelled as exc:
            if self.cancel.cancelled:
                raise Cancelled("cancelled by the user; nothing was half-written") from exc
            raise MediaError(f"yt-dlp: {exc}") from exc
        except (DownloadError, Exception) as exc:  # yt-dlp's extractors raise many kinds of errors
            message = log.errors[-1] if log.errors else f"{type(exc).__name__}: {exc}"
            raise MediaError(f"yt-dlp: {_first_line(message)}") from exc
        finally:
            cookie_file.unlink(missing_ok=True)
        if not info:
            raise MediaError("yt-dlp found nothing to download")
        version = yt_dlp.version.__version__
        extractor = str(info.get("extractor_key") or info.get("extractor") or "")
        out: list[Fetched] = []
        for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.endswith((".part", ".ytdl"))):
            digest, size = _hash_file(path)
            found = re.search(r"\.f([^.]+)\.\w+$", path.name)
            format_id = found.group(1) if found else ""
            merged = "+" in format_id
            with open(path, "rb") as handle:
                head = handle.read(512)
            kind = mimetypes.guess_type(path.name)[0] or sniff(head, path.name)
            out.append(Fetched(path, page_url, digest, size, kind,
                               f"yt-dlp {version} ({extractor}, format {format_id})",
                               role="merged for playback (remuxed by ffmpeg, not re-encoded)" if merged else "as served",
                               details={"format_id": format_id, "yt_dlp_id": info.get("id"),
                                        "yt_dlp_title": info.get("title"), "warnings": log.warnings[:10]}))
        if not out:
            raise MediaError("yt-dlp finished without a file")
        return out

    def _check(self) -> None:
        self.cancel.check()
        if time.monotonic() > self.deadline:
            raise MediaError("out of time for media downloads")


def _failure(response: Any) -> str:
    """What a non-200 answer means. The recording proxy answers 5xx itself when it could not reach the server
    (a name that does not resolve, a refused connection): its status line and body carry the real cause, which
    is reported instead of a bare "HTTP 500" a server never sent."""
    reason = str(getattr(response, "reason", "") or "")
    try:
        body = response.read(2048, decode_content=True) or b""
    except Exception:
        body = b""
    text = " ".join(body.decode("utf-8", "replace").split())
    proxy_made = response.status >= 500 and not response.headers.get("Server") and ("Errno" in text or "rror" in reason
                                                                                    or "warcprox" in text.lower())
    detail = text[:300] if text and (proxy_made or len(text) < 200) else ""
    if proxy_made:
        return f"not reached: the recording proxy could not fetch it ({reason}{': ' + detail if detail else ''})"
    return f"HTTP {response.status} {reason}".strip() + (f" ({detail})" if detail else "")


class _Log:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def debug(self, message: str) -> None:
        pass

    def info(self, message: str) -> None:
        pass

    def warning(self, message: str) -> None:
        self.warnings.append(message)

    def error(self, message: str) -> None:
        self.errors.append(message)


def _cookie(c: dict[str, Any]) -> http.cookiejar.Cookie:
    domain = str(c.get("domain") or "")
    expires = c.get("expires")
    session = expires is None or float(expires) <= 0
    return http.cookiejar.Cookie(
        version=0, name=str(c["name"]), value=str(c["value"]), port=None, port_specified=False, domain=domain,
        domain_specified=domain.startswith("."), domain_initial_dot=domain.startswith("."),
        path=str(c.get("path") or "/"), path_specified=True, secure=bool(c.get("secure")),
        expires=None if session else int(float(str(expires))), discard=session, comment=None, comment_url=None,
        rest={"HttpOnly": ""} if c.get("httpOnly") else {}, rfc2109=False)


def _write_cookie_file(path: Path, cookies: list[dict[str, Any]]) -> None:
    lines = ["# Netscape HTTP Cookie File"]
    for c in cookies:
        domain = str(c.get("domain") or "")
        prefix = "#HttpOnly_" if c.get("httpOnly") else ""
        expires = int(float(c.get("expires") or 0)) if float(c.get("expires") or 0) > 0 else 0
        lines.append("\t".join([prefix + domain, "TRUE" if domain.startswith(".") else "FALSE",
                                str(c.get("path") or "/"), "TRUE" if c.get("secure") else "FALSE", str(expires),
                                str(c["name"]), str(c["value"])]))
    path.write_text("\n".join(lines) + "\n", "utf-8")
    path.chmod(0o600)


def _file_name(name: str, url: str, media_type: str) -> str:
    suffix = Path(url.split("?")[0]).suffix.lower()
    if not suffix or len(suffix) > 6:
        suffix = mimetypes.guess_extension(media_type or "") or ".bin"
    return safe_filename(f"{name}{suffix}")[:120]


def _hash_file(path: Path) -> tuple[str, int]:
    with open(path, "rb") as handle:
        hashed = digest_stream(handle, ("sha256",))
    return hashed.hexdigests()["sha256"], hashed.size


def _first_line(text: str) -> str:
    text = text.replace("ERROR: ", "").strip()
    return text.splitlines()[0] if text else "failed"
