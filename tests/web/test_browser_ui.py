"""The capture browser builds no browser UI that nobody sees: each capture's context is a new window of
headless Chromium, and its omnibox pop-up (a WebUI page of its own, ~200 JavaScript modules in a renderer)
cost more CPU than the page captured. Without it the page is still captured as before."""

from __future__ import annotations

import asyncio

from collectors.web import BrowserSession


async def _targets(url: str) -> tuple[list[tuple[str, str]], str]:
    session = await BrowserSession.start()
    try:
        for _ in range(2):  # a second context (the next capture of a batch) builds none either
            context = await session.browser.new_context()
            page = await context.new_page()
            await page.goto(url)
            title = await page.title()
            await asyncio.sleep(0.5)  # the pop-up was built shortly after the window
            cdp = await session.browser.new_browser_cdp_session()
            infos = (await cdp.send("Target.getTargets", {"filter": [{}]}))["targetInfos"]
            await cdp.detach()
            await context.close()
        return [(info["type"], info["url"]) for info in infos], title
    finally:
        await session.close()


def test_no_unseen_browser_ui_per_context(http_site: str) -> None:
    targets, title = asyncio.run(_targets(http_site + "/"))
    assert title  # the page itself loaded and rendered
    assert any(kind == "page" and url.startswith(http_site) for kind, url in targets), targets
    assert not [url for kind, url in targets if kind == "browser_ui" or url.startswith("chrome://")], targets
