"""The Monitoring tab (pytest-qt, offscreen): watches with next run and last change, alerts grouped per case and
watch with unread ones bold, the change side by side with its three-panel image, a notification for a new alert,
mark read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidence_store import Vault
from forensics_app.services import monitor
from tests.conftest import PASSPHRASE
from tests.gui.conftest import wait_until
from tests.monitor.fake_checks import check


def test_monitoring_tab(make_window: Any, qtbot: Any, seeded_vault: Path) -> None:
    with Vault.open(seeded_vault, PASSPHRASE) as vault:
        case = vault.list_cases()[0]
        watch = monitor.add_watches(vault, case.id, ["https://tin.example.vn/bai-1"], every="6h")[0]
        check(vault, watch.id, "Giá vàng hôm nay tăng nhẹ", False)
        changed = check(vault, watch.id, "Giá vàng hôm nay tăng mạnh, chuyển khoản ngay", True)
        assert changed.status == "changed"
        from evidence_store import tip_store
        from forensics_app.services import tips

        tip = tips.register(vault, channel="hotline", urls=["https://lua-dao.example.vn/km"], text="lừa đảo",
                            reporter={"name": "Người báo"})
        tip_store.link(vault, tip.id, case)
    win = make_window()
    from tests.gui.conftest import unlock

    unlock(qtbot, win, seeded_vault)
    view = win.monitoring
    win.center_tabs.setCurrentWidget(view)
    wait_until(qtbot, lambda: view.watches.rowCount() == 1)
    row = [view.watches.item(0, c).text() for c in range(7)]
    assert row[1] == "https://tin.example.vn/bai-1" and row[3] == "active"
    assert "+07" in row[4] and row[5] != "—" and row[6] == "1"
    group = view.alerts.topLevelItem(0)
    assert group.text(0) == f"case {case.id} · https://tin.example.vn/bai-1"
    alert = group.child(0)
    assert alert.text(0).startswith("[Changed] text +") and alert.font(0).bold()
    view.alerts.setCurrentItem(alert)
    wait_until(qtbot, lambda: "mạnh" in view.current.toPlainText())
    assert "nhẹ" in view.previous.toPlainText() and "nhẹ" not in view.current.toPlainText()
    assert "background:#dfd" in view.current.toHtml() or "#ddffdd" in view.current.toHtml().lower()
    assert view.image.pixmap() is not None and view.image.pixmap().width() == 3 * 600 + 16
    assert "word-level diff" in view.rule.text()
    # a new alert written by the monitor (another connection) is noticed: a desktop notification
    with Vault.open(seeded_vault, PASSPHRASE) as vault:
        check(vault, watch.id, "Giá vàng hôm nay giảm", False)
    with qtbot.waitSignal(view.notified, timeout=10_000) as signal:
        view.refresh()
    assert signal.args[0].startswith("1 new monitoring alert(s): text +")
    view.alerts.setCurrentItem(None)
    view.read_button.click()
    wait_until(qtbot, lambda: view.status.text() == "1 watch(es), 0 unread alert(s)")
    from forensics_app.gui import i18n

    i18n.set_language("vi")
    try:
        assert win.center_tabs.tabText(win.center_tabs.indexOf(view)) == "Giám sát"
        assert view.check_button.text() == "Kiểm tra ngay"
        assert view.alerts.topLevelItem(0).child(0).text(0).startswith("[Có thay đổi] văn bản +")
    finally:
        i18n.set_language("en")
    # one click: the community report's address becomes a watch of its case
    assert view.tips.rowCount() == 1 and view.tips.item(0, 5).text() == "https://lua-dao.example.vn/km"
    assert "Người báo" not in " ".join(view.tips.item(0, c).text() for c in range(6))
    view.tips.selectRow(0)
    view.tip_watch_button.click()
    wait_until(qtbot, lambda: view.watches.rowCount() == 2)
    assert view.watches.item(1, 1).text() == "https://lua-dao.example.vn/km"
    wait_until(qtbot, lambda: any(r.action == "item.view" for r in win.session.reader.custody_rows(case.id,
                                                                                                    limit=10_000)))
