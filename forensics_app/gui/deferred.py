"""What the first window leaves for later: tabs built when first needed, work run once the window is drawn.

Start-up is timed to the first painted window (bench/gui_startup.py). The Search, Timeline and
Monitoring tabs bring their services (search, entities and their rules, the timeline, the
monitoring and tip stores) and dozens of widgets, and none of it is on the first screen. Each
tab holds its place and label in the tab bar with a blank page until it is first shown or its
view is asked for (``window.analysis_views``, ``window.monitoring``). The monitoring view is
also built once the window has been drawn after a vault opens: new alerts are noticed from the
start, on any tab. tests/gui/test_startup_imports.py keeps these modules out of the first window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QTabWidget, QWidget

from . import i18n
from .analysis_texts import t as analysis_text
from .monitor_texts import t as monitor_text

if TYPE_CHECKING:
    from .analysis_view import AnalysisViews
    from .monitor_view import MonitoringView

class _AfterPaint(QObject):
    """Runs its work once, just after the watched widget's first paint, or after ``app.AFTER_PAINT_FALLBACK_MS``
    (a window minimised as it opened is never drawn)."""

    def __init__(self, widget: QWidget, work: Callable[[], None]) -> None:
        super().__init__(widget)
        self.work: Callable[[], None] | None = work
        widget.installEventFilter(self)
        from . import app

        QTimer.singleShot(app.AFTER_PAINT_FALLBACK_MS, self, self._run)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self._run)  # once this paint is done, not inside it
        return False

    def _run(self) -> None:
        work, self.work = self.work, None
        if work is not None:
            self.deleteLater()
            work()


def after_first_paint(widget: QWidget, work: Callable[[], None]) -> None:
    """Run ``work`` once ``widget`` has been drawn (the user sees it), or soon after in any case."""
    _AfterPaint(widget, work)


class LazyTab:
    """A tab whose place and label are held by a blank page until its real page is put there."""

    def __init__(self, tabs: QTabWidget, label: Callable[[], str]) -> None:
        self.tabs, self.label = tabs, label
        self.blank = QWidget()
        tabs.addTab(self.blank, label())
        i18n.on_change(self._relabel)

    def _relabel(self, _lang: str = "") -> None:
        index = self.tabs.indexOf(self.blank)
        if index >= 0:
            self.tabs.setTabText(index, self.label())

    def holds(self, page: QWidget | None) -> bool:
        return page is self.blank

    def put(self, page: QWidget) -> None:
        """``page`` takes the blank page's place: same position and label, still the current tab if it was."""
        tabs = self.tabs
        index = tabs.indexOf(self.blank)
        current = tabs.currentIndex() == index
        blocked = tabs.blockSignals(True)  # the tab shown does not change: no one is told it did
        try:
            tabs.insertTab(index, page, self.label())
            tabs.removeTab(index + 1)
            if current:
                tabs.setCurrentIndex(index)
        finally:
            tabs.blockSignals(blocked)
        self.blank.deleteLater()


class LaterTabs:
    """The main window's Search, Timeline and Monitoring tabs, each built the first time it is needed."""

    def __init__(self, window: Any) -> None:
        self.window = window
        tabs: QTabWidget = window.center_tabs
        self.search_tab = LazyTab(tabs, lambda: analysis_text("tab.search"))
        self.timeline_tab = LazyTab(tabs, lambda: analysis_text("tab.timeline"))
        self.monitoring_tab = LazyTab(tabs, lambda: monitor_text("tab.monitoring"))
        self._analysis: AnalysisViews | None = None
        self._monitoring: MonitoringView | None = None
        tabs.currentChanged.connect(self._tab_shown)

    @property
    def analysis(self) -> AnalysisViews:
        if self._analysis is None:
            from .analysis_view import install_analysis  # search, entity card and timeline tabs (issue 17)

            self._analysis = install_analysis(self.window, self.search_tab, self.timeline_tab)
        return self._analysis

    @property
    def monitoring(self) -> MonitoringView:
        if self._monitoring is None:
            from .monitor_view import install_monitoring  # watches, alerts, changes side by side (issue 15)

            self._monitoring = install_monitoring(self.window, self.monitoring_tab)
        return self._monitoring

    def _tab_shown(self, index: int) -> None:
        tabs = self.window.center_tabs
        page = tabs.widget(index)
        if self.search_tab.holds(page) or self.timeline_tab.holds(page):
            _ = self.analysis
        elif self.monitoring_tab.holds(page):
            _ = self.monitoring
        else:
            return
        tabs.currentChanged.emit(tabs.currentIndex())  # the views built now react to their tab being shown

    def vault_opened(self, session: Any) -> None:
        """New alerts are noticed from the start, on any tab: the monitoring view starts once the window is drawn."""

        def start() -> None:
            if self.window.session is session and not session.locked:
                self.monitoring.show_vault(session.reader, session)

        after_first_paint(self.window.center_tabs, start)

    def vault_closed(self) -> None:
        """Locked or closed: nothing of the vault stays in the tabs built so far."""
        if self._monitoring is not None:
            self._monitoring.show_vault(None)
        if self._analysis is not None:
            self._analysis.show_case(None, None)
