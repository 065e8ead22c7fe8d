"""Login profiles end to end: a scripted login on the local Facebook (headless, the examiner's code path),
captures behind the login wall with the saved session, a checkpoint, and the ``profile`` commands."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from collectors.web.redact import MARKER_PROFILE
from evidence_store import UsageError
from evidence_store.profiles import LoginProfiles
from forensics_app.services.profiles import login_profile
from forensics_app.services.social import capture_social
from tests.conftest import Cli

from .conftest import FB_GROUP_POST, ModuleVault, site_options
from .pages.facebook import PASSWORD
from .site import PlatformSite

pytestmark = pytest.mark.slow
GROUP_URL = f"https://www.facebook.com/groups/hoimuaban/posts/{FB_GROUP_POST.id}"
LOGIN_URL = "https://www.facebook.com/login/"


def _script(email: str, password: str) -> Any:
    async def log_in(page: Any) -> None:
        await page.fill("#email", email)
        await page.fill("#pass", password)
        await page.click("#loginbutton")
        await page.wait_for_load_state("load")
    return log_in


def _login(holder: ModuleVault, site: PlatformSite, name: str, email: str, password: str = PASSWORD,
           account: str = "") -> Any:
    return login_profile(holder.vault, name, LOGIN_URL, account=account, headless=True, script=_script(email, password),
                         host_rules=site.host_rules, extra_ca_files=(str(site.tls.cert_pem),))


def test_scripted_login_then_capture_behind_the_wall(module_vault: ModuleVault, platform_site: PlatformSite) -> None:
    result = _login(module_vault, platform_site, "fb-dieu-tra", "dieutra@example.vn",
                    account="Tài khoản điều tra số 1 (Đội 3)")
    profile = result.profile
    assert profile.cookies == 3 and "facebook.com" in profile.origins
    assert profile.account["label"] == "Tài khoản điều tra số 1 (Đội 3)"
    assert profile.account["detected"] == [{"platform": "facebook", "user_id": "100090000000001", "from_cookie": "c_user"}]
    assert result.reached_url == "https://www.facebook.com/"
    vault, case = module_vault.vault, module_vault.case
    outcome = capture_social(vault, case.id, [GROUP_URL], profile="fb-dieu-tra",
                             options=site_options(platform_site)).outcomes[0]
    record = outcome.record or {}
    assert record["availability"]["status"] == "available", record["availability"]
    assert [c["text"] for c in record["comments"]] == [c.text for c in FB_GROUP_POST.comments]
    assert record["account"]["label"] == "Tài khoản điều tra số 1 (Đội 3)" and record["account"]["profile"] == "fb-dieu-tra"
    item = outcome.web.item
    assert item is not None and "login_wall" not in [w.code for w in item.warnings]
    summary = item.metadata["provenance"]
    assert summary["account"]["label"] == "Tài khoản điều tra số 1 (Đội 3)"  # the account is in the provenance
    assert summary["account"]["detected"][0]["user_id"] == "100090000000001"
    html = b"".join(vault.read_item(next(c for c in outcome.web.children if c.kind == "html"))).decode()
    assert "Nguyễn Văn Điều Tra" in html  # the page was seen as the logged-in investigation account
    uses = [e.record for e in vault.custody.entries() if e.record["action"] == "login_profile.use"]
    assert uses and uses[-1]["details"]["name"] == "fb-dieu-tra" and uses[-1]["case"]["id"] == case.id
    state = LoginProfiles(vault).load("fb-dieu-tra", purpose="test")
    secret = next(c["value"] for c in state["cookies"] if c["name"] == "xs")
    entries = json.dumps([e.record for e in vault.custody.entries()], ensure_ascii=False)
    assert secret not in entries and secret not in json.dumps(item.metadata, ensure_ascii=False)
    warc = gzip.decompress(b"".join(vault.read_item(next(c for c in outcome.web.children if c.kind == "warc"))))
    assert secret.encode() not in warc and MARKER_PROFILE.encode() in warc  # the session stays out of the evidence
    assert "credentials_redacted" in [w.code for w in item.warnings]


def test_checkpoint_and_failed_login(module_vault: ModuleVault, platform_site: PlatformSite) -> None:
    _login(module_vault, platform_site, "fb-bi-khoa", "bikhoa@example.vn")
    outcome = capture_social(module_vault.vault, module_vault.case.id, [GROUP_URL], profile="fb-bi-khoa",
                             options=site_options(platform_site)).outcomes[0]
    record = outcome.record or {}
    assert record["availability"]["status"] == "checkpoint" and "/checkpoint/" in record["availability"]["reason"]
    assert outcome.web.item is not None and "checkpoint" in [w.code for w in outcome.web.item.warnings]
    assert outcome.web.item.metadata["complete"] is False
    before = [p.name for p in LoginProfiles(module_vault.vault).list()]
    with pytest.raises(UsageError, match="no cookies"):
        _login(module_vault, platform_site, "fb-sai", "dieutra@example.vn", password="sai-mat-khau")
    assert [p.name for p in LoginProfiles(module_vault.vault).list()] == before  # nothing saved
    with pytest.raises(UsageError, match="headless login needs"):
        login_profile(module_vault.vault, "x", LOGIN_URL, headless=True)


def test_profile_commands(cli_vault: Cli, platform_site: PlatformSite) -> None:
    site = [*sum((["--host-rule", r] for r in platform_site.host_rules), []), "--ca-file", str(platform_site.tls.cert_pem)]
    done = cli_vault("profile", "login", "fb-cli", "--url", LOGIN_URL + "?autologin=1", "--headless",
                     "--until-cookie", "c_user", "--account", "Tài khoản CLI", "--json", *site)
    assert done.code == 0, done.err
    saved = done.json()
    assert saved["name"] == "fb-cli" and saved["account"]["label"] == "Tài khoản CLI"  # type: ignore[index]
    listed = cli_vault("profile", "list", "--json")
    assert [p["name"] for p in listed.json()] == ["fb-cli"]  # type: ignore[union-attr]
    assert "xs" not in listed.out and '"value"' not in listed.out  # cookies never shown
    bad = cli_vault("profile", "login", "fb-x", "--url", LOGIN_URL, "--headless")
    assert bad.code == 2 and bad.err.strip().splitlines()[-1].startswith("error:") and "until-cookie" in bad.err
    assert cli_vault("case", "new", "--number", "VV-P-2", "--title", "Hồ sơ").code == 0
    unknown = cli_vault("capture", "social", "https://www.facebook.com/groups/a/posts/1", "--case", "VV-P-2",
                        "--profile", "khong-co")
    assert unknown.code == 2 and "no login profile named 'khong-co'" in unknown.err and "Traceback" not in unknown.err
    assert cli_vault("items", "list", "--json").json() == []
    assert cli_vault("profile", "remove", "fb-cli").code == 0
    assert cli_vault("profile", "list", "--json").json() == []
    again = cli_vault("profile", "remove", "fb-cli")
    assert again.code == 2 and "no login profile named" in again.err


def _descendants() -> list[int]:
    """Every process started under this one (the Playwright driver, Chromium and its helpers)."""
    import os

    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [os.getpid()]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def test_the_login_browser_gets_no_secret_and_keeps_its_profile_in_memory(
        module_vault: ModuleVault, platform_site: PlatformSite, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORENSICS_PASSPHRASE", "canary-passphrase-7f3a")
    seen: dict[int, bytes] = {}
    log_in = _script("dieutra@example.vn", PASSWORD)

    async def script(page: Any) -> None:
        for pid in _descendants():
            try:
                with open(f"/proc/{pid}/environ", "rb") as environ:
                    seen[pid] = environ.read()
            except OSError:
                continue
        await log_in(page)

    login_profile(module_vault.vault, "env-check", LOGIN_URL, headless=True, script=script,
                  host_rules=platform_site.host_rules, extra_ca_files=(str(platform_site.tls.cert_pem),))
    assert len(seen) >= 2  # the driver and the browser at least
    assert not [pid for pid, env in seen.items() if b"canary-passphrase-7f3a" in env]
    tmpdirs = {line.split(b"=", 1)[1] for env in seen.values() for line in env.split(b"\0")
               if line.startswith(b"TMPDIR=")}
    assert tmpdirs and all(b"forensics-staging" in d for d in tmpdirs), tmpdirs
