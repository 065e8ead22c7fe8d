"""``forensics capture social`` and ``forensics profile login|list|remove``.

``capture social`` joins the ``capture`` group of :mod:`capture_cmds`; the
``profile`` group is registered in :mod:`main`.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from .capture_cmds import _url_progress, browser_changes, capture_group, capture_targets, exit_code
from .common import cancellable, common_options, emit_json, err, is_json, opened_vault, out

if TYPE_CHECKING:
    from ..services.social import SocialBatchResult


@capture_group.command("social")
@common_options
@click.argument("urls", nargs=-1)
@click.option("--case", "case_ref", required=True, help="Case id or number.")
@click.option("--urls-file", type=click.Path(path_type=Path, dir_okay=False),
              help="A file with one post URL per line (# comments allowed).")
@click.option("--comments", default="all", show_default=True,
              help="Expand comments and replies: 'all', or stop once this many are shown (0: none).")
@click.option("--profile", default="", help="Saved login profile to capture with (`forensics profile list`).")
@click.option("--no-media", is_flag=True, help="Do not download the post's images and videos.")
@click.option("--concurrency", type=click.IntRange(1, 8), default=1, show_default=True, help="Posts captured at once.")
@click.option("--mobile", is_flag=True, help="Emulate a mobile phone instead of a desktop browser.")
@click.option("--timeout", type=click.IntRange(30, 7200), help="Time limit per post, seconds (default 900).")
@click.option("--video", is_flag=True, help="Record a video of each capture session.")
@click.option("--insecure", is_flag=True, help="Capture even when a site's TLS certificate is not valid "
              "(the error is recorded).")
@click.option("--allow-private-addresses", is_flag=True,
              help="Let captured pages reach loopback and private addresses (off by default).")
@click.option("--ca-file", "ca_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Extra CA certificate (PEM) to trust for sites' TLS.")
@click.option("--host-rule", "host_rules", multiple=True, help="Resolve a host yourself: 'MAP example.test 10.0.0.5'.")
@click.option("--batch", "batch_id", help="Batch name for resuming (default: derived from the case and URL list).")
@click.option("--remote", is_flag=True, help="Capture on the capture workers (settings broker_url and "
              "remote_staging); not with --profile, which stays on this workstation.")
def capture_social_cmd(urls: tuple[str, ...], case_ref: str, urls_file: Path | None, comments: str, profile: str,
                       no_media: bool, concurrency: int, mobile: bool, timeout: int | None, video: bool,
                       insecure: bool, allow_private_addresses: bool, ca_files: tuple[Path, ...],
                       host_rules: tuple[str, ...], batch_id: str | None, remote: bool) -> int:
    """Capture social-media post(s) into CASE: the web capture plus a structured record (author, time in UTC,
    text, counts, media, comment table) and the post's media as separate items.

    Facebook, YouTube, TikTok, X, Telegram (t.me/s/…), Zalo and Instagram have their own readers; other sites
    are read from schema.org, Open Graph and oEmbed data.
    """
    from ..services.social import SOCIAL_DEFAULTS, capture_social, parse_comments
    from ..services.web import effective_options

    targets = capture_targets(urls, urls_file)
    limit = parse_comments(comments)
    changes: dict[str, Any] = browser_changes(video=video, insecure=insecure,
                                              allow_private_addresses=allow_private_addresses, mobile=mobile,
                                              ca_files=ca_files, host_rules=host_rules)
    with opened_vault() as vault, cancellable() as cancel:
        base = effective_options(vault)
        changes.update({k: max(v, getattr(base, k)) for k, v in SOCIAL_DEFAULTS.items()})
        if timeout:
            changes["page_timeout"] = timeout
        options = effective_options(vault, None, **{k: v for k, v in changes.items()
                                                    if v or k in ("video", "insecure", "allow_private_addresses")})
        with _url_progress(len(targets)) as progress:
            result = capture_social(vault, case_ref, targets, comments=limit, profile=profile, options=options,
                                    media=not no_media, concurrency=concurrency, batch_id=batch_id,
                                    progress=progress, cancel=cancel, remote=remote)
    if is_json():
        emit_json(result.to_json())
    else:
        _summary(result)
    return exit_code(len(result.outcomes), [(f.url, str(f.web.error)) for f in result.failed], "post(s)")


def _summary(result: SocialBatchResult) -> None:
    table = Table("URL", "platform", "result", "item", "status", "author", "published (UTC)", "comments", "media",
                  "warnings", title=f"batch {result.batch_id}")
    table.columns[0].overflow = "fold"
    for o in result.outcomes:
        record = o.record or {}
        status = {"captured": "[green]captured[/]", "skipped": "skipped", "failed": "[red]failed[/]"}[o.status]
        avail = (record.get("availability") or {}).get("status", "")
        avail = avail if avail == "available" else f"[yellow]{avail}[/]" if avail else ""
        author = record.get("author") or {}
        expected = record.get("comments_expected")
        comments = f"{record.get('comments_count', '')}" + (f"/{expected}" if expected is not None else "")
        media = record.get("media") or []
        table.add_row(o.url, o.match.platform, status, str(o.web.item.id) if o.web.item else "", avail,
                      " ".join(x for x in (author.get("name"), author.get("handle")) if x),
                      (record.get("published") or {}).get("utc") or "", comments if record else "",
                      f"{sum(1 for m in media if m.get('status') == 'downloaded')}/{len(media)}" if record else "",
                      str(len(o.web.item.warnings)) if o.web.item else "")
    out.print(table)
    for o in result.outcomes:
        if o.status == "failed":
            out.print(f"[red]✗[/] {o.url}: {o.web.error}", highlight=False)
        elif o.web.item is not None and o.status == "captured":
            for warning in o.web.item.warnings:
                out.print(f"[yellow]![/] item {o.web.item.id} {warning.code}: {warning.message}", highlight=False)
    if any(o.status == "skipped" for o in result.outcomes):
        out.print("skipped: already captured in this batch (rerun resumes where it stopped)")


@click.group("profile")
def profile_group() -> None:
    """Login profiles: investigation-account sessions kept encrypted in the vault."""


@profile_group.command("login")
@common_options
@click.argument("name")
@click.option("--url", required=True, help="Where to log in, e.g. https://www.facebook.com/login/.")
@click.option("--account", default="", help="Which investigation account this is (recorded with every capture).")
@click.option("--until-cookie", default="", help="Finish as soon as this session cookie is set (e.g. c_user).")
@click.option("--headless", is_flag=True, help="No window (scripted use; needs --until-cookie).")
@click.option("--timeout", type=click.IntRange(10, 86400), default=900, show_default=True,
              help="Give up (saving nothing) after this many seconds.")
@click.option("--locale", default="", help="Browser language, e.g. vi-VN.")
@click.option("--ca-file", "ca_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Extra CA certificate (PEM) to trust.")
@click.option("--host-rule", "host_rules", multiple=True, help="Resolve a host yourself: 'MAP example.test 10.0.0.5'.")
def profile_login_cmd(name: str, url: str, account: str, until_cookie: str, headless: bool, timeout: int,
                      locale: str, ca_files: tuple[Path, ...], host_rules: tuple[str, ...]) -> int:
    """Open a browser at URL to log in to an investigation account; save the session as NAME.

    Log in (including any second step), then close the browser window or press Enter here. The session
    (cookies and site storage) is stored encrypted in the vault; `capture social --profile NAME` uses it.
    """
    from ..services.profiles import login_profile

    finished = threading.Event()
    with opened_vault() as vault, cancellable() as cancel:
        if not headless:
            err.print(f"Log in in the browser window that opens at {url}. When you are done, close the window "
                      "or press Enter here.")
            if sys.stdin.isatty():
                def wait_for_enter() -> None:
                    sys.stdin.readline()
                    finished.set()

                threading.Thread(target=wait_for_enter, daemon=True).start()
        result = login_profile(vault, name, url, account=account, headless=headless, until_cookie=until_cookie,
                               finished=finished, timeout=timeout, host_rules=tuple(host_rules),
                               extra_ca_files=tuple(str(p.resolve()) for p in ca_files), locale=locale, cancel=cancel)
    if is_json():
        emit_json(result.to_json())
    else:
        profile = result.profile
        out.print(f"saved login profile [bold]{profile.name}[/]: {profile.account.get('label')} — "
                  f"{profile.cookies} cookies for {', '.join(profile.origins)}", highlight=False)
    return 0


@profile_group.command("list")
@common_options
def profile_list_cmd() -> int:
    """The saved login profiles (never their cookies)."""
    from ..services.profiles import list_profiles

    with opened_vault() as vault:
        profiles = list_profiles(vault)
    if is_json():
        emit_json([p.to_json() for p in profiles])
        return 0
    table = Table("name", "account", "sites", "cookies", "saved (UTC)", "by")
    for p in profiles:
        table.add_row(p.name, str(p.account.get("label", "")), ", ".join(p.origins), str(p.cookies), p.updated_at,
                      p.examiner)
    out.print(table)
    return 0


@profile_group.command("remove")
@common_options
@click.argument("name")
def profile_remove_cmd(name: str) -> int:
    """Delete a saved login profile from the vault (logged)."""
    from ..services.profiles import remove_profile

    with opened_vault() as vault:
        remove_profile(vault, name)
    if is_json():
        emit_json({"removed": name})
    else:
        out.print(f"removed login profile {name}", highlight=False)
    return 0


COMMANDS = [profile_group]


@click.group("social")
def social_group() -> None:
    """Social-media records: the examiner completes what the reader could not read."""


@social_group.command("annotate")
@common_options
@click.argument("item", type=click.IntRange(1, 2**63 - 1))
@click.option("--field", "fields", multiple=True, required=True,
              help="NAME=VALUE, e.g. author.name='Nguyễn Văn A' (repeatable).")
@click.option("--region", help="x,y,w,h: where the screenshot shows the value (pixels).")
@click.option("--screenshot", type=click.IntRange(1, 2**63 - 1), help="The screenshot item (default: the full page).")
@click.option("--dom-path", default="", help="Or the DOM node that shows it (a CSS path in the stored HTML).")
@click.option("--reason", required=True, help="Why the value is entered by hand.")
def social_annotate_cmd(item: int, fields: tuple[str, ...], region: str | None, screenshot: int | None, dom_path: str,
                        reason: str) -> int:
    """Enter a field of the social record ITEM (the capture or its social_post) by hand, pointing at where the
    page shows it. Stored as a separate annotation item, hashed and logged; reports show it as entered by you."""
    from evidence_store import UsageError

    from ..services.social import annotate

    values: dict[str, str] = {}
    for entry in fields:
        name, sep, value = entry.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--field must be NAME=VALUE, not {entry!r}")
        values[name.strip()] = value
    box = None
    if region:
        parts = region.split(",")
        if len(parts) != 4 or not all(p.strip().isdigit() for p in parts):
            raise UsageError(f"--region must be x,y,w,h in whole pixels, not {region!r}")
        box = (int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3]))
    with opened_vault() as vault:
        added = annotate(vault, item, values, reason=reason, screenshot=screenshot, region=box, dom_path=dom_path)
    if is_json():
        emit_json({"annotation_item": added.id, "sha256": added.sha256, "fields": values})
    else:
        out.print(f"annotation item {added.id} (SHA-256 {added.sha256}): {', '.join(values)}", highlight=False)
    return 0


COMMANDS.append(social_group)
