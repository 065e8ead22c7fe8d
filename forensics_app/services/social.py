"""Social-media posts into a case: a web capture plus the structured record, one vault batch per post.

The social capture *is* a web capture (``capture_web``) with the social
behaviours (close pop-ups, "All comments", expand text, comments and replies),
the social artifact hook (record, element screenshot, media) and, when asked,
a login profile. So everything of one post — screenshots, HTML, MHTML, PDF,
WARC, WACZ, provenance, ``social_post`` record, ``media`` — is one vault batch
under one ``web_capture`` item; a failure or cancel leaves nothing of that
post, and a rerun of the same batch skips the posts already stored.

Callable like :func:`forensics_app.services.web.capture_web` (``progress``,
``cancel``, ``on_outcome``), from the CLI or a GUI worker thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collectors.social.behaviours import BEHAVIOURS
from collectors.social.capture_hook import SocialConfig, SocialHook
from collectors.social.platforms import PlatformMatch, detect
from collectors.web import CaptureOptions, normalise_url
from evidence_store import Item, UsageError, Vault
from evidence_store.tasks import NEVER_CANCELLED, CancelToken, Progress, no_progress

from . import case_access, settings
from .profiles import load_for_capture
from .web import UrlOutcome, batch_id_for, capture_web, effective_options

#: Defaults for a social capture where the caller gave no options: expansion of hundreds of comments takes
#: minutes, not the one minute a plain page gets.
SOCIAL_DEFAULTS = {"page_timeout": 900, "load_timeout": 45, "scroll_time_limit": 60}


@dataclass
class PostOutcome:
    web: UrlOutcome
    match: PlatformMatch
    record: dict[str, Any] | None = None
    record_item: Item | None = None

    @property
    def url(self) -> str:
        return self.web.url

    @property
    def status(self) -> str:
        return self.web.status

    def to_json(self) -> dict[str, Any]:
        return {**self.web.to_json(), "platform": self.match.platform, "content": self.match.content,
                "post_id": (self.record or {}).get("post_id") or self.match.post_id,
                "availability": (self.record or {}).get("availability"),
                "record_item_id": self.record_item.id if self.record_item else None, "record": self.record}


@dataclass
class SocialBatchResult:
    batch_id: str
    outcomes: list[PostOutcome]

    @property
    def failed(self) -> list[PostOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def to_json(self) -> dict[str, Any]:
        return {"batch": self.batch_id, "results": [o.to_json() for o in self.outcomes]}


def parse_comments(value: str | int | None) -> str:
    """``all`` or a whole number (0: record the visible comments, expand none)."""
    text = "all" if value is None else str(value).strip().lower()
    if text == "all":
        return "all"
    if text.isdigit():
        return str(int(text))
    raise UsageError(f"--comments must be 'all' or a whole number, not {value!r}",
                     message_vi=f"số bình luận phải là 'all' hoặc một số nguyên, không phải {value!r}")


def social_options(vault: Vault, options: CaptureOptions | None = None, *, comments: str = "all",
                   profile: str = "", expand_seconds: int | None = None) -> CaptureOptions:
    """The web options of a social capture: the caller's (or the vault's defaults with longer limits), plus the
    social behaviours and their settings."""
    if options is None:
        defaults = effective_options(vault)
        options = defaults.with_changes(**{k: max(v, getattr(defaults, k)) for k, v in SOCIAL_DEFAULTS.items()})
    base = options
    base = effective_options(vault, base)
    extra = [s for s in base.behaviour_settings if not s.startswith("social.")]
    extra.append(f"social.comments={parse_comments(comments)}")
    if expand_seconds is not None:
        extra.append(f"social.expand_seconds={int(expand_seconds)}")
    return base.with_changes(behaviours=BEHAVIOURS, behaviour_settings=tuple(extra), profile=profile)


def capture_social(
    vault: Vault,
    case_ref: str | int,
    urls: Sequence[str],
    *,
    comments: str | int = "all",
    profile: str = "",
    options: CaptureOptions | None = None,
    media: bool = True,
    concurrency: int = 1,
    batch_id: str | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken = NEVER_CANCELLED,
    on_outcome: Callable[[PostOutcome], None] | None = None,
    workroot: Path | None = None,
    revisits: Mapping[str, dict[str, str]] | None = None,
    remote: bool = False,
) -> SocialBatchResult:
    """Capture posts into the case. Bad URLs, options or profile names fail the call before anything starts.

    ``remote``: on the capture workers (see ``capture_web``); not with a login profile, which stays here."""
    case = case_access.reach_case(vault, case_ref, "capture social")
    case.require_open()  # checked before a login profile is opened (and its use logged)
    if not urls:
        raise UsageError("no URL to capture", message_vi="không có địa chỉ nào để thu thập")
    normalised = list(dict.fromkeys(normalise_url(u) for u in urls))
    chosen = social_options(vault, options, comments=parse_comments(comments), profile=profile)
    accounts: dict[str, dict[str, Any]] = {}
    provider = None
    zone = settings.local_zone(vault)
    if remote and profile:
        raise UsageError("login profiles stay on this workstation: capture with a profile here, without --remote",
                         message_vi="hồ sơ đăng nhập chỉ dùng trên máy này: hãy thu thập tại máy này, "
                                    "không gửi tới các máy thu thập")
    if profile:
        state, account = load_for_capture(vault, profile, case)
        accounts[profile] = account

        def provider(name: str) -> dict[str, Any]:
            if name != profile:
                raise UsageError(f"login profile {name!r} was not prepared for this capture",
                                 message_vi=f"hồ sơ đăng nhập {name!r} không được chuẩn bị cho lần thu thập này")
            return state

    hook = SocialHook(SocialConfig(media=media, accounts=accounts, fallback_zone=zone))
    # the same posts with another account or comment limit are another capture, not a resumed one
    batch = batch_id or "social-" + batch_id_for(case, [*normalised, f"profile={profile}",
                                                        f"comments={parse_comments(comments)}"])
    done: dict[str, PostOutcome] = {}

    def finished(outcome: UrlOutcome) -> None:
        done[outcome.url] = post_outcome(vault, outcome)
        if on_outcome is not None:
            on_outcome(done[outcome.url])

    result = capture_web(vault, case.id, normalised, options=chosen, concurrency=concurrency, batch_id=batch,
                         progress=progress, cancel=cancel, on_outcome=finished, hooks=[hook],
                         profile_provider=provider, workroot=workroot, revisits=revisits, remote=remote,
                         remote_social={"media": media, "fallback_zone": zone} if remote else None)
    outcomes = [done.get(o.url) or post_outcome(vault, o) for o in result.outcomes]
    vault.log("social.capture_batch", case=case, details={
        "batch": batch, "comments": parse_comments(comments), "media": media, "profile": profile or None,
        "account": (accounts.get(profile) or {}).get("label") if profile else None,
        "posts": [{"url": o.url, "platform": o.match.platform, "status": o.status,
                   "item": o.web.item.id if o.web.item else None,
                   "record_item": o.record_item.id if o.record_item else None,
                   "availability": ((o.record or {}).get("availability") or {}).get("status"),
                   "comments": (o.record or {}).get("comments_count"),
                   "media": len((o.record or {}).get("media") or [])} for o in outcomes]})
    return SocialBatchResult(result.batch_id, outcomes)


def post_outcome(vault: Vault, outcome: UrlOutcome) -> PostOutcome:
    """The web outcome with its platform and the stored record (read back from the vault)."""
    match = detect(outcome.url)
    if outcome.item is None:
        return PostOutcome(outcome, match)
    children = outcome.children or vault.list_items(parent_id=outcome.item.id)
    item = next((c for c in children if c.kind == "social_post"), None)
    if item is None:
        return PostOutcome(outcome, match)
    return PostOutcome(outcome, match, read_record(vault, item), item)


def read_record(vault: Vault, item: Item) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(b"".join(vault.read_item(item)))
    return data


ANNOTATION_FIELDS = ("author.name", "author.handle", "author.id", "author.profile_url", "published", "title", "text",
                     "post_id") + tuple(f"counts.{n}" for n in ("likes", "reactions", "comments", "shares", "views",
                                                                  "reposts"))


def annotate(vault: Vault, item_id: int, fields: dict[str, str], *, reason: str, screenshot: int | None = None,
             region: tuple[int, int, int, int] | None = None, dom_path: str = "") -> Item:
    """The examiner completes a social record: an ``annotation`` child item (JSON: the fields and values, where on
    the screenshot or in the DOM they are shown, the examiner, the reason) added under the post's capture in one
    vault batch, so it is hashed and logged like any acquisition. The machine-read record is never changed."""
    import io

    item = case_access.reach_item(vault, item_id, "social annotate")
    capture = vault.get_item(item.parent_id) if item.kind == "social_post" and item.parent_id else item
    children = vault.list_items(parent_id=capture.id)
    record_item = next((c for c in children if c.kind == "social_post"), None)
    if capture.kind != "web_capture" or record_item is None:
        raise UsageError(f"item {item_id} is not a social capture or its record (social_post)",
                         message_vi=f"mục {item_id} không phải bản thu thập mạng xã hội hay bản ghi bài đăng của nó")
    if not fields:
        raise UsageError("give at least one --field NAME=VALUE", message_vi="hãy nhập ít nhất một trường TÊN=GIÁ TRỊ")
    unknown = [name for name in fields if name not in ANNOTATION_FIELDS]
    if unknown:
        raise UsageError(f"unknown field {unknown[0]!r}; one of: {', '.join(ANNOTATION_FIELDS)}",
                         message_vi=f"trường không xác định {unknown[0]!r}; dùng một trong: {', '.join(ANNOTATION_FIELDS)}")
    if not reason.strip():
        raise UsageError("say why the value is entered by hand (--reason)", message_vi="hãy nêu lý do nhập giá trị bằng tay")
    if region is None and not dom_path:
        raise UsageError("point at where the page shows the value: --region x,y,w,h on a screenshot, or --dom-path",
                         message_vi="hãy chỉ ra nơi trang hiển thị giá trị: một vùng trên ảnh chụp màn hình, hoặc đường dẫn DOM")
    shot = None
    if region is not None:
        shots = [c for c in children if c.kind in ("screenshot", "screenshot_element", "screenshot_viewport")]
        shot = next((c for c in shots if c.id == screenshot), None) if screenshot else (shots[0] if shots else None)
        if shot is None:
            raise UsageError(f"no screenshot {screenshot or ''} in capture {capture.id} to point at".replace("  ", " "),
                             message_vi=f"không có ảnh chụp màn hình {screenshot or ''} trong bản thu thập {capture.id} để chỉ "
                                        "vào")
        x, y, w, h = region
        if min(region) < 0 or w == 0 or h == 0:
            raise UsageError("--region must be x,y,w,h with a positive width and height",
                             message_vi="vùng phải là x,y,w,h với chiều rộng và chiều cao dương")
    examiner = vault.examiner
    content = {"format": "forensics-toolkit/social-annotation/1", "record_item": record_item.id,
               "fields": [{"field": k, "value": v} for k, v in fields.items()], "reason": reason.strip(),
               "where": {"screenshot_item": shot.id, "screenshot_sha256": shot.sha256,
                         "region_px": {"x": region[0], "y": region[1], "w": region[2], "h": region[3]}}
               if shot is not None and region is not None else {"dom_path": dom_path},
               "examiner": {"name": examiner.name, "id": examiner.id}}
    data = json.dumps(content, ensure_ascii=False, indent=1).encode("utf-8")
    case = vault.get_case(capture.case_id)
    with vault.batch(case) as batch:
        added = batch.add_content(io.BytesIO(data), kind="annotation", name=f"annotation-{record_item.id}.json",
                                  source=f"examiner {examiner.name}", parent=capture, media_type="application/json",
                                  metadata={"annotation": {"record_item": record_item.id, "fields": fields,
                                                           "examiner": examiner.name}}, total=len(data))
    assert added.item is not None  # committed by the batch
    return added.item


def list_annotations(vault: Vault, capture_id: int) -> list[dict[str, Any]]:
    """The annotations stored under a social capture, oldest first (with their item id and acquisition time)."""
    case_access.reach_item(vault, capture_id, "social annotations")
    out = []
    for child in vault.list_items(parent_id=capture_id):
        if child.kind == "annotation":
            data = json.loads(b"".join(vault.read_item(child)))
            out.append({**data, "item": child.id, "acquired_at": child.acquired_at})
    return out
