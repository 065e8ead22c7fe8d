"""Finds what a user would see broken on screen: widgets that overlap, text cut off, controls pushed out.

Used by the layout tests (at 1366×768 and 1920×1080, in both languages) and by
``make screenshots``. It walks every visible widget of a window:

- siblings placed by a layout must not overlap;
- a widget must lie inside its parent (not pushed past its edge);
- a label's, button's, check box's, group box's or combo box's text must fit
  (Qt's own font metrics against the widget's width), unless the widget elides
  it on purpose and shows the whole text as its tooltip;
- a table's header labels must fit their columns, whose width the user can change;
- a table that names a detail pane (its ``detailPane`` property, the pane's object name)
  must show the whole text of its current row's cut cells in that pane: there, a
  tooltip is not how a field is read.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QPushButton,
    QRadioButton,
    QScrollBar,
    QSizeGrip,
    QSplitterHandle,
    QStackedWidget,
    QStatusBar,
    QTabBar,
    QToolBar,
    QToolButton,
    QWidget,
)

SLACK = 2  # pixels of rounding a layout may leave
#: widgets Qt draws over others on purpose, or that scroll their content
FLOATING = (QMenu, QSizeGrip, QScrollBar, QSplitterHandle)


def problems(root: QWidget, screen: tuple[int, int] | None = None) -> list[str]:
    """Everything broken in ``root``; with ``screen`` (width, height), also a window larger than the screen."""
    found: list[str] = []
    if screen is not None and (root.width() > screen[0] or root.height() > screen[1]):
        found.append(f"{_name(root)} is {root.width()}×{root.height()}, larger than the screen's {screen[0]}×{screen[1]}")
    _walk(root, root, found)
    return found


def _name(widget: QWidget) -> str:
    label = widget.objectName() or type(widget).__name__
    text = ""
    for getter in ("text", "title", "currentText"):
        if hasattr(widget, getter):
            try:
                text = str(getattr(widget, getter)())
            except TypeError:
                continue
            break
    return f"{label}{' ' + repr(text[:40]) if text else ''}"


def _shown(widget: QWidget, root: QWidget) -> bool:
    return widget.isVisibleTo(root) and widget.width() > 0 and widget.height() > 0


def _inside_scrolling(widget: QWidget) -> bool:
    """A widget inside an item view or a scroll area's viewport: it scrolls, it is not cut."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, QAbstractItemView) \
                and parent.viewport() is widget.parentWidget():
            return True
        if isinstance(parent, QAbstractItemView):
            return True
        parent = parent.parentWidget()
    return False


def _walk(widget: QWidget, root: QWidget, found: list[str]) -> None:
    children = [c for c in widget.findChildren(QWidget, options=_direct()) if c.isWindow() is False]
    shown = [c for c in children if _shown(c, root) and not isinstance(c, FLOATING)]
    inner = widget.contentsRect() if not isinstance(widget, (QAbstractScrollArea, QStackedWidget)) else widget.rect()
    managed = [c for c in shown if widget.layout() is not None and _in_layout(widget.layout(), c)]
    for child in managed:
        if not _contains(widget.rect(), child.geometry()) and not _inside_scrolling(child):
            found.append(f"{_name(child)} sticks out of {_name(widget)} ({_rect(child.geometry())} in {_rect(inner)})")
    for i, first in enumerate(managed):
        for second in managed[i + 1:]:
            overlap = first.geometry().intersected(second.geometry())
            if overlap.width() > SLACK and overlap.height() > SLACK:
                found.append(f"{_name(first)} overlaps {_name(second)} in {_name(widget)}")
    for child in shown:
        if not _inside_scrolling(child):
            found += _text_problems(child)
        _walk(child, root, found)


def _direct():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.FindChildOption.FindDirectChildrenOnly


def _in_layout(layout: object, widget: QWidget) -> bool:
    """Whether ``widget`` is placed by ``layout`` or a layout nested in it. Asked of the layouts themselves
    (QObjects), never through their items: a Python wrapper of a spacer item outlives the C++ item, and
    once its address is reused a later object comes back as a QSpacerItem."""
    from PySide6.QtWidgets import QLayout

    assert isinstance(layout, QLayout)
    return layout.indexOf(widget) >= 0 or any(child.indexOf(widget) >= 0 for child in layout.findChildren(QLayout))


def _contains(outer: QRect, inner: QRect) -> bool:
    return (inner.left() >= outer.left() - SLACK and inner.top() >= outer.top() - SLACK
            and inner.right() <= outer.right() + SLACK and inner.bottom() <= outer.bottom() + SLACK)


def _rect(rect: QRect) -> str:
    return f"{rect.x()},{rect.y()} {rect.width()}×{rect.height()}"


def _elided_with_tooltip(widget: QWidget, text: str) -> bool:
    tip = widget.toolTip()
    return bool(tip) and (text.rstrip("…") in tip or tip == text)


def _text_problems(widget: QWidget) -> list[str]:
    metrics = QFontMetrics(widget.font())
    if isinstance(widget, QLabel):
        text = widget.text()
        if not text or widget.textFormat() == 1 or "<" in text or widget.pixmap() is not None and not widget.pixmap().isNull():
            return []  # rich text lays itself out; an image is not text
        space = widget.contentsRect().width() - 2 * max(widget.margin(), 0) - max(widget.indent(), 0)
        if widget.wordWrap():
            needed = widget.heightForWidth(widget.width())
            if needed > widget.height() + SLACK and not _elided_with_tooltip(widget, text):
                return [f"{_name(widget)}: wrapped text needs {needed} px of height, has {widget.height()}"]
            return []
        widest = max(metrics.horizontalAdvance(line) for line in text.replace("&", "").splitlines() or [""])
        if widest > space + SLACK and not _elided_with_tooltip(widget, text):
            return [f"{_name(widget)}: text needs {widest} px, has {space}"]
        return []
    if isinstance(widget, (QPushButton, QCheckBox, QRadioButton, QToolButton)) \
            and not isinstance(widget.parentWidget(), (QTabBar, QToolBar)):
        text = widget.text().replace("&", "")
        if not text:
            return []
        hint = widget.sizeHint()
        if (hint.width() > widget.width() + SLACK or hint.height() > widget.height() + SLACK) \
                and not _elided_with_tooltip(widget, text):
            return [f"{_name(widget)}: needs {hint.width()}×{hint.height()} px, has {widget.width()}×{widget.height()}"]
        return []
    if isinstance(widget, QGroupBox) and widget.title():
        needed = metrics.horizontalAdvance(widget.title().replace("&", "")) + (24 if widget.isCheckable() else 8)
        if needed > widget.width() + SLACK:
            return [f"{_name(widget)}: title needs {needed} px, has {widget.width()}"]
        return []
    if isinstance(widget, QComboBox) and not widget.isEditable() and widget.currentText():
        needed = metrics.horizontalAdvance(widget.currentText()) + 30  # the arrow and the frame
        if needed > widget.width() + SLACK and not _elided_with_tooltip(widget, widget.currentText()):
            return [f"{_name(widget)}: needs {needed} px, has {widget.width()}"]
        return []
    if isinstance(widget, QLineEdit) and widget.isReadOnly() and widget.text():
        needed = metrics.horizontalAdvance(widget.text()) + 10
        if needed > widget.width() + SLACK and widget.toolTip() != widget.text():
            return [f"{_name(widget)}: read-only text needs {needed} px, has {widget.width()} and no tooltip"]
        return []
    if isinstance(widget, QHeaderView) and widget.isVisible():
        return _header_problems(widget)
    if isinstance(widget, QAbstractItemView):
        return _cell_problems(widget)
    if isinstance(widget, (QMenuBar, QStatusBar)):
        return []
    return []


def _cell_problems(view: QAbstractItemView, rows: int = 60) -> list[str]:
    """Cells whose text is cut (elided) must show it whole as their tooltip."""
    from PySide6.QtCore import QModelIndex, Qt

    model = view.model()
    if model is None or getattr(view, "wordWrap", lambda: False)():
        return []  # a view that wraps its cells' text shows all of it
    pane_name = view.property("detailPane")
    if pane_name:
        return _pane_problems(view, str(pane_name))
    metrics = QFontMetrics(view.font())
    out: list[str] = []
    try:
        columns = model.columnCount(QModelIndex())
    except TypeError:  # a list model: one column
        columns = 1
    for row in range(min(model.rowCount(QModelIndex()), rows)):
        for column in range(columns):
            index = model.index(row, column)
            text = model.data(index, Qt.ItemDataRole.DisplayRole)
            rect = view.visualRect(index)
            if not isinstance(text, str) or not text or rect.width() <= 0 or not view.viewport().rect().intersects(rect):
                continue
            icon = view.iconSize().width() + 6 if model.data(index, Qt.ItemDataRole.DecorationRole) is not None else 0
            widest = max(metrics.horizontalAdvance(line) for line in text.splitlines() or [""]) + icon + 8
            tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
            if widest > rect.width() + SLACK and not (isinstance(tip, str) and text.splitlines()[0] in tip):
                out.append(f"{_name(view)}: cell {text[:40]!r} is cut ({widest} px in {rect.width()}) with no tooltip")
                if len(out) > 5:
                    return out
    return out


def _pane_problems(view: QAbstractItemView, pane_name: str) -> list[str]:
    """The current row's cut cells must be whole in the view's detail pane, which must be shown."""
    from PySide6.QtCore import Qt

    pane = view.window().findChild(QWidget, pane_name)
    if pane is None or not pane.isVisible() or pane.height() < QFontMetrics(pane.font()).lineSpacing():
        return [f"{_name(view)}: its detail pane {pane_name!r} is not shown"]
    current = view.currentIndex()
    if not current.isValid():
        return []
    shown = pane.toPlainText() if hasattr(pane, "toPlainText") else str(getattr(pane, "text", lambda: "")())
    model = view.model()
    metrics = QFontMetrics(view.font())
    out = []
    for column in range(model.columnCount()):
        index = model.index(current.row(), column)
        text = model.data(index, Qt.ItemDataRole.DisplayRole)
        if not isinstance(text, str) or not text:
            continue
        rect = view.visualRect(index)
        cut = metrics.horizontalAdvance(text) + 8 > rect.width() + SLACK
        if cut and text not in shown:
            out.append(f"{_name(view)}: cell {text[:40]!r} is cut ({rect.width()} px) and not whole in {pane_name!r}")
    return out


def _header_problems(header: QHeaderView) -> list[str]:
    model = header.model()
    if model is None or header.orientation().value != 1:  # horizontal headers only
        return []
    out: list[str] = []
    metrics = QFontMetrics(header.font())
    owner = header.parentWidget() or header
    for section in range(header.count()):
        if header.isSectionHidden(section) or header.sectionSize(section) <= 0:
            continue
        label = str(model.headerData(section, header.orientation()) or "")
        needed = metrics.horizontalAdvance(label) + 14
        if header.sectionResizeMode(section) == QHeaderView.ResizeMode.Fixed:
            return out + [f"{_name(owner)}: column {label!r} cannot be widened"]
        if needed > header.sectionSize(section) + SLACK and section < header.count() - 1:
            out.append(f"{_name(owner)}: column title {label!r} needs {needed} px, "
                       f"has {header.sectionSize(section)}")
    return out
