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
