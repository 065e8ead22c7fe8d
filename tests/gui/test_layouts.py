"""Every screen of the walk at 1366×768 and 1920×1080, in Vietnamese and English: nothing overlaps, nothing is cut.

``forensics_app.gui.layout_check`` walks every visible widget: siblings placed by a
layout must not overlap, a widget must lie inside its parent, text must fit (Qt's
font metrics against the widget's width) or be elided with the whole text as its
tooltip, table headers must fit their columns, which the user can widen. Each
screen is also saved as a PNG beside the test's files, to look at when one fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evidence_store import Vault
from tests.conftest import PASSPHRASE

from .conftest import unlock, wait_until

pytestmark = pytest.mark.slow
SIZES = {"1366x768": (1366, 768), "1920x1080": (1920, 1080)}
TASKBAR = 40  # what a desktop's panel takes from the screen


@pytest.fixture
def walk_vault(seeded_vault: Path) -> Iterator[Path]:
    """The seeded vault plus a web capture with its parts (long kind names, a provenance record) and a report case."""
    from tests.reports.conftest import add_web_capture

    with Vault.open(seeded_vault, PASSPHRASE) as vault:
        vault.set_setting("parent_agency", "Bộ Công an")
        vault.set_setting("place", "Phường Hoàn Kiếm, thành phố Hà Nội")
        case = vault.create_case("VV-2026-012", "Bài đăng sai sự thật về dịch bệnh trên mạng xã hội (vụ việc mẫu)")
        add_web_capture(vault, case, title="Diễn đàn mẫu — bài đăng")
    yield seeded_vault


def _check(widget: Any, qtbot: Any, out: Path, name: str, screen: tuple[int, int]) -> list[str]:
    from forensics_app.gui.layout_check import problems

    qtbot.wait(60)
    widget.grab().save(str(out / f"{name}.png"))
    return [f"{name}: {p}" for p in problems(widget, (screen[0], screen[1] - TASKBAR))]


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_walk_fits_the_screen(make_window: Any, qtbot: Any, walk_vault: Path, tmp_path: Path, lang: str,
                                  size: str) -> None:
    from forensics_app.gui import i18n

    width, height = SIZES[size]
    i18n.set_language(lang)
    window = make_window()
    window.resize(width, height - TASKBAR)
    found = _check(window, qtbot, tmp_path, "welcome-or-unlock", (width, height))
    unlock(qtbot, window, walk_vault)
    capture_case = next(c.id for c in window.cases.model.cases if c.number == "VV-2026-012")
    window.cases.select_case(capture_case)
    wait_until(qtbot, lambda: window.evidence.model.rowCount() > 3)
    screenshot = next(r for r in range(window.evidence.model.rowCount())
                      if window.evidence.model.row_at(r).kind == "screenshot")
    window.evidence.select_item(window.evidence.model.row_at(screenshot).id)
    wait_until(qtbot, lambda: window.preview.detail is not None)
    for tab in range(window.preview.tabs.count()):
        window.preview.tabs.setCurrentIndex(tab)
        found += _check(window, qtbot, tmp_path, f"main-preview-{tab}", (width, height))
    window.preview.advanced.setChecked(True)
    found += _check(window, qtbot, tmp_path, "main-provenance-advanced", (width, height))
    window.center_tabs.setCurrentIndex(1)
    found += _check(window, qtbot, tmp_path, "main-custody", (width, height))
    window.center_tabs.setCurrentIndex(0)

    for name in ("web", "files", "disk", "report", "package", "verify"):
        dialog = window.open_task(name)
        found += _check(dialog, qtbot, tmp_path, name, (width, height))
        if name == "web":
            dialog.options_box.setChecked(True)
            found += _check(dialog, qtbot, tmp_path, "web-options", (width, height))
        if name == "report":
            dialog.kind.setCurrentIndex(1)  # the minutes: more fields
            found += _check(dialog, qtbot, tmp_path, "report-minutes", (width, height))
        if name == "verify":
            dialog.start_button.click()
            wait_until(qtbot, lambda d=dialog: d.state == "done", timeout=60)
            found += _check(dialog, qtbot, tmp_path, "verify-after", (width, height))
        dialog.close()
    for name in ("settings", "examiners", "slots", "check_package", "about"):
        dialog = window.open_dialog(name)
        found += _check(dialog, qtbot, tmp_path, name, (width, height))
        dialog.close()
    guide = window.open_guide("warnings")
    found += _check(guide, qtbot, tmp_path, "guide", (width, height))
    guide.close()
    from forensics_app.gui.welcome import CreateVaultDialog

    create = CreateVaultDialog(window, None)
    create.show()
    found += _check(create, qtbot, tmp_path, "create-vault", (width, height))
    create.close()
    window.lock()
    found += _check(window, qtbot, tmp_path, "locked", (width, height))
    assert not found, "\n".join(found)
