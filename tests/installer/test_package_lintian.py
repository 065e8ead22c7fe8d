"""lintian on the bundle's .deb: it started when the bundle was built (conftest ``built``) and ran while
the other installer tests used the bundle; this file sorts after them so it rarely waits."""

from __future__ import annotations

import pytest

from tests.installer.conftest import Built

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2700)]


def test_lintian_finds_nothing_wrong(built: Built) -> None:
    if built.lintian is None or built.lintian_report is None:
        pytest.skip("lintian is not installed")
    code = built.lintian.wait(timeout=1800)
    report = built.lintian_report.read_text(errors="replace")
    problems = [line for line in report.splitlines() if line.startswith(("E:", "W:"))]
    assert code == 0 and problems == [], "\n".join(problems[:40])
