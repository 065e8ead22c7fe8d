"""Cancelling a social capture in the middle of expanding comments leaves nothing behind."""

from __future__ import annotations

import threading

import pytest

from evidence_store import Cancelled, CancelToken
from forensics_app.services.social import capture_social
from forensics_app.services.web import capture_threads_alive

from .conftest import AUTHOR, ModuleVault, site_options
from .pages.data import FakePost, make_comments
from .site import PlatformSite

pytestmark = pytest.mark.slow


def test_cancel_during_expansion(module_vault: ModuleVault, platform_site: PlatformSite) -> None:
    post = FakePost("pfbidCANCEL", AUTHOR, "Bài rất nhiều bình luận", comments=make_comments(400), images=0)
    platform_site.data["facebook"][post.id] = post
    cancel = CancelToken()
    seen: list[str] = []

    def watch() -> None:  # cancel once the browser is clicking through the comment pages
        for _ in range(600):
            if any("/ajax/comments" in path for _, _, path in platform_site.seen[-50:]):
                break
            threading.Event().wait(0.05)
        seen.append("cancelling")
        cancel.cancel()

    threading.Thread(target=watch, daemon=True).start()
    with pytest.raises(Cancelled):
        capture_social(module_vault.vault, module_vault.case.id, [f"https://www.facebook.com/{AUTHOR.handle}/posts/{post.id}"],
                       options=site_options(platform_site), cancel=cancel)
    assert seen == ["cancelling"]
    assert module_vault.vault.list_items(module_vault.case.id) == []
    assert capture_threads_alive() == 0
    actions = [e.record["action"] for e in module_vault.vault.custody.entries()]
    assert "item.acquire" not in actions and actions[-1] == "web.capture_batch"
