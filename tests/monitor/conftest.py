"""Monitoring fixtures: the changing local site (one per session) and a module vault."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.monitor.site import MonitorSite


@pytest.fixture(scope="session")
def monitor_site() -> Iterator[MonitorSite]:
    site = MonitorSite()
    yield site
    site.stop()


@pytest.fixture(scope="session")
def platforms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The local social platforms (tests/social/site.py) under their real host names."""
    from tests.social.site import PlatformSite, make_platform_certificate
    from tests.web.site import make_video

    folder = tmp_path_factory.mktemp("platforms")
    site = PlatformSite(make_platform_certificate(folder), make_video(folder))
    yield site
    site.stop()
