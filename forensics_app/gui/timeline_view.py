"""The timeline view: filters, zoom from years to seconds, a density chart, over a million events.

The table is a lazy model: a background thread reads the key of every 128th event (the narrow key index,
never the texts) and the total; the table then fetches the 128 rows of a block by one keyed seek when
they come on screen, so a case of a million events scrolls without OFFSET scans. The density chart counts
exactly in SQL when the visible range holds few events and estimates from those keys (said so on the
chart) when it holds many: no frame waits on a million-row count.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QWheelEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from evidence_store import ForensicsError, Vault
from evidence_store.timeline_store import Event, Filter

from ..services import timeline
from . import i18n
from .analysis_texts import t
from .errors import error_text

SECOND = 1_000_000
BLOCK = 128
_SCALES = [(365 * 86400, "%Y"), (30 * 86400, "%Y-%m"), (86400, "%Y-%m-%d"), (3600, "%m-%d %H:00"),
           (60, "%d %H:%M"), (1, "%H:%M:%S")]



class _Loader(QObject):
    """Reads the anchors (every BLOCK-th key) and the count on its own connection, off the window's thread."""

    loaded = Signal(int, int, object, object)  # generation, count, anchors, (sources, kinds) or None

    def start(self, vault: Vault, flt: Filter, generation: int, with_sources: bool) -> None:
        def work() -> None:
            reader = vault.sibling()
            sources = None
            try:
                count, keys = timeline.view_anchors(reader, flt, BLOCK)
                if with_sources and flt.case_ids:
                    case = reader.get_case(flt.case_ids[0])
                    sources = (timeline.view_sources(reader, case), timeline.view_kinds(reader, case))
            except ForensicsError:
                count, keys = 0, []
            finally:
                reader.close()
            self.loaded.emit(generation, count, keys, sources)

        threading.Thread(target=work, name="timeline-anchors", daemon=True).start()


class TimelineModel(QAbstractTableModel):
    COLUMNS = ("time", "precision", "source", "desc", "message", "item")

    def __init__(self) -> None:
        super().__init__()
        self.vault: Vault | None = None
        self.flt: Filter | None = None
        self.count = 0
        self.anchors: list[tuple[int, int]] = []
        self.blocks: OrderedDict[int, list[tuple[Event, tuple[str, ...]]]] = OrderedDict()

    def reset(self, vault: Vault | None, flt: Filter | None, count: int, anchors: list[tuple[int, int]]) -> None:
        self.beginResetModel()
        self.vault, self.flt, self.count, self.anchors = vault, flt, count, anchors
        self.blocks.clear()
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else self.count

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return t(f"timeline.col.{self.COLUMNS[section]}")
        return None

    def _block(self, block: int) -> list[tuple[Event, tuple[str, ...]]] | None:
        rows = self.blocks.get(block)
        if rows is None:
            if self.vault is None or self.flt is None or block >= len(self.anchors):
                return None
            rows = [(e, (timeline.iso(e.time_us).replace("+00:00", "Z"), e.precision, e.source, e.timestamp_desc,
                         e.message, str(e.item_id or "")))
                    for e in timeline.view_block(self.vault, self.flt, self.anchors[block], BLOCK)]
            self.blocks[block] = rows
            if len(self.blocks) > 256:  # at most 256 x 128 events kept
                self.blocks.popitem(last=False)
        return rows

    def event(self, row: int) -> Event | None:  # type: ignore[override]
        rows = self._block(row // BLOCK)
        offset = row % BLOCK
        return rows[offset][0] if rows is not None and offset < len(rows) else None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        row = index.row()
        rows = self._block(row // BLOCK)
        offset = row % BLOCK
        return rows[offset][1][index.column()] if rows is not None and offset < len(rows) else ""

    def row_of(self, time_us: int) -> int:
        """The first row at or after a moment (from the anchors, then within its block)."""
        block = max(0, bisect.bisect_left(self.anchors, (time_us, -1)) - 1)
        for offset in range(BLOCK):
            row = block * BLOCK + offset
            e = self.event(row) if row < self.count else None
            if e is None or e.time_us >= time_us:
                return min(row, max(0, self.count - 1))
        return min((block + 1) * BLOCK, max(0, self.count - 1))


class DensityChart(QWidget):
    """Events per bucket across the visible range; wheel zooms (years to seconds), drag pans, click goes there."""

    moment_clicked = Signal(object)  # µs: beyond 32 bits
    range_changed = Signal(object, object)
    BUCKETS = 160
    EXACT_LIMIT = 10_000  # count in SQL at most this many events per repaint; estimate above

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumHeight(90)
        self.setMouseTracking(True)
        self.vault: Vault | None = None
        self.flt: Filter | None = None
        self.anchors: list[tuple[int, int]] = []
        self.count = 0
        self.start = 0
        self.end = SECOND
        self.full = (0, SECOND)
        self.bars: list[int] = []
        self.estimated = False
        self._drag: tuple[float, int, int] | None = None

    def reset(self, vault: Vault | None, flt: Filter | None, count: int, anchors: list[tuple[int, int]],
              span: tuple[int, int] | None) -> None:
        self.vault, self.flt, self.count, self.anchors = vault, flt, count, anchors
        if span is None:
            span = (0, SECOND)
        pad = max(SECOND, (span[1] - span[0]) // 50)
        self.full = (span[0] - pad, span[1] + pad)
        self.set_range(*self.full)

    def set_range(self, start: int, end: int) -> None:
        end = max(end, start + 10 * SECOND)  # the finest zoom: ten seconds across
        self.start, self.end = start, end
        self._recount()
        self.update()
        self.range_changed.emit(start, end)

    def _recount(self) -> None:
        bucket = max(1, (self.end - self.start) // self.BUCKETS)
        self.bars = [0] * self.BUCKETS
        if not self.anchors:
            self.estimated = False
            return
        lo = bisect.bisect_left(self.anchors, (self.start, -1))
        hi = bisect.bisect_left(self.anchors, (self.end, -1))
        if (hi - lo + 1) * BLOCK <= self.EXACT_LIMIT and self.vault is not None and self.flt is not None:
            self.estimated = False
            for b, n in timeline.view_density(self.vault, self.flt, self.start, self.end, bucket):
                index = (b - self.start) // bucket
                if 0 <= index < self.BUCKETS:
                    self.bars[index] += n
            return
        self.estimated = True  # each anchor stands for the BLOCK events that follow it
        for key in self.anchors[lo:hi]:
            index = (key[0] - self.start) // bucket
            if 0 <= index < self.BUCKETS:
                self.bars[index] += BLOCK

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#fafafa"))
        height = self.height() - 18
        width = self.width() / self.BUCKETS
        peak = max(self.bars) if self.bars else 0
        if peak:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#3b6ea8"))
            for i, n in enumerate(self.bars):
                if n:
                    bar = max(1.0, height * n / peak)
                    painter.drawRect(QRectF(i * width, height - bar, max(1.0, width - 1), bar))
        painter.setPen(QColor("#333"))
        span = (self.end - self.start) / SECOND
        fmt = next((f for size, f in _SCALES if span / 6 >= size), "%H:%M:%S")
        for i in range(7):
            moment = self.start + (self.end - self.start) * i // 6
            label = time.strftime(fmt, time.gmtime(moment // SECOND))
            painter.drawText(int(self.width() * i / 6) - (0 if i == 0 else 40), self.height() - 4, label)
        if self.estimated:
            painter.drawText(6, 14, t("timeline.approx", step=BLOCK))
        painter.end()

    def _moment(self, x: float) -> int:
        return self.start + int((self.end - self.start) * min(1.0, max(0.0, x / max(1, self.width()))))

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        self.zoom(0.5 if event.angleDelta().y() > 0 else 2.0, self._moment(event.position().x()))

    def zoom(self, factor: float, around: int) -> None:
        start = around - int((around - self.start) * factor)
        end = around + int((self.end - around) * factor)
        self.set_range(max(start, self.full[0] - (self.full[1] - self.full[0])), end)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._drag = (event.position().x(), self.start, self.end)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag is not None and event.buttons():
            x0, start, end = self._drag
            shift = int((x0 - event.position().x()) / max(1, self.width()) * (end - start))
            if abs(x0 - event.position().x()) > 3:
                self.set_range(start + shift, end + shift)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag is not None and abs(self._drag[0] - event.position().x()) <= 3:
            self.moment_clicked.emit(self._moment(event.position().x()))
        self._drag = None


class TimelineView(QWidget):
    """Filters, the density chart and the lazy table of one case's timeline."""

    item_requested = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.vault: Vault | None = None
        self.case_id: int | None = None
        self.generation = 0
        self.start_edit, self.end_edit, self.entity_edit = QLineEdit(), QLineEdit(), QLineEdit()
        for edit in (self.start_edit, self.end_edit):
            edit.setPlaceholderText("YYYY-MM-DD")
        self.source = QComboBox()
        self.kind = QComboBox()
        self.apply_button, self.reset_button = QPushButton(), QPushButton()
        self.apply_button.clicked.connect(lambda: self.reload())
        self.reset_button.clicked.connect(self._whole)
        self.status = QLabel()
        self.labels = [QLabel(), QLabel(), QLabel(), QLabel(), QLabel()]
        self.chart = DensityChart()
        self.chart.moment_clicked.connect(self.scroll_to)
        self.model = TimelineModel()
        self.table = QTableView()
        self.table.setObjectName("timelineTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)  # one line a row: laying out wrapped text was most of a frame
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(False)
        for column, width in enumerate((210, 80, 120, 170, 520, 60)):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(self._open)
        self.loader = _Loader()
        self.loader.loaded.connect(self._loaded)
        filters = QHBoxLayout()
        for label, widget in zip(self.labels, (self.start_edit, self.end_edit, self.source, self.kind,
                                               self.entity_edit), strict=True):
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addWidget(self.apply_button)
        filters.addWidget(self.reset_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.chart)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        i18n.on_change(self._relabel)
        self._relabel()

    def _relabel(self, _lang: str = "") -> None:
        for label, key in zip(self.labels, ("from", "to", "source", "kind", "entity"), strict=True):
            label.setText(t(f"timeline.{key}"))
        self.apply_button.setText(t("timeline.apply"))
        self.reset_button.setText(t("timeline.reset"))
        self.chart.setToolTip(t("timeline.zoom"))
        if self.source.count():
            self.source.setItemText(0, t("timeline.source.all"))
        if self.kind.count():
            self.kind.setItemText(0, t("timeline.kind.all"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(TimelineModel.COLUMNS) - 1)

    def show_case(self, vault: Vault | None, case_id: int | None) -> None:
        self.vault, self.case_id = vault, case_id
        self.source.clear()
        self.source.addItem(t("timeline.source.all"), None)
        self.kind.clear()
        self.kind.addItem(t("timeline.kind.all"), None)
        self.reload(with_sources=True)  # the sources' counts come with the rows, off the window's thread

    def _whole(self) -> None:
        self.start_edit.clear()
        self.end_edit.clear()
        self.entity_edit.clear()
        self.source.setCurrentIndex(0)
        self.kind.setCurrentIndex(0)
        self.reload()

    def reload(self, with_sources: bool = False) -> None:
        """Apply the filters: the count and anchors are read in the background, the table shows them after."""
        self.generation += 1
        if self.vault is None or self.case_id is None:
            self.model.reset(None, None, 0, [])
            self.chart.reset(None, None, 0, [], None)
            self.status.clear()
            return
        try:
            source, kind = self.source.currentData(), self.kind.currentData()
            query = timeline.TimelineQuery(self.vault.get_case(self.case_id),
                                           timeline.parse_moment(self.start_edit.text() or None),
                                           timeline.parse_moment(self.end_edit.text() or None, end=True),
                                           (source,) if source else None, (kind,) if kind else None,
                                           self.entity_edit.text() or None)
            flt = timeline.view_filter(self.vault, query)
        except ForensicsError as exc:
            self.status.setText(error_text(exc))
            return
        self.status.setText(t("timeline.loading"))
        self._flt = flt
        self.loader.start(self.vault, flt, self.generation, with_sources)

    def _loaded(self, generation: int, count: int, anchors: list[tuple[int, int]],
                lists: tuple[list[tuple[str, int]], list[tuple[str, int]]] | None) -> None:
        if generation != self.generation or self.vault is None:
            return
        if lists is not None:
            for combo, rows in zip((self.source, self.kind), lists, strict=True):
                for name, n in rows:
                    combo.addItem(f"{name} ({n:,})", name)
        self.model.reset(self.vault, self._flt, count, anchors)
        last = self.model.event(count - 1) if count else None
        span = (anchors[0][0], last.time_us) if anchors and last is not None else None
        self.chart.reset(self.vault, self._flt, count, anchors, span)
        self.status.setText(t("timeline.count", count=f"{count:,}"))

    def scroll_to(self, moment: int) -> None:
        if self.model.count:
            row = self.model.row_of(moment)
            self.table.scrollTo(self.model.index(row, 0), QTableView.ScrollHint.PositionAtTop)
            self.table.selectRow(row)

    def wait_loaded(self, timeout: float = 30.0) -> bool:
        """For tests and benchmarks: process events until the current filter's rows are shown."""
        from PySide6.QtCore import QCoreApplication

        deadline = time.monotonic() + timeout
        while self.status.text() == t("timeline.loading") and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.005)
        return self.status.text() != t("timeline.loading")

    def _open(self, index: QModelIndex) -> None:
        e = self.model.event(index.row())
        if e is not None and e.item_id:
            self.item_requested.emit(e.item_id)
