"""Content viewers for the preview pane: image with zoom, text, PDF pages, hex.

Content arrives as bytes decrypted in memory; nothing is written to disk. A
captured page's HTML is shown as source, never rendered (no script of a
suspect's page runs on the examiner's machine).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..services.disk_preview import hex_dump
from . import theme
from .i18n import bind, on_change, tr

TEXT_LIMIT = 2 * 1024 * 1024
HEX_LIMIT = 16 * 1024


class ImageViewer(QWidget):
    """Zoom with the buttons, Ctrl+wheel, or fit to the pane."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("imageViewer")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.zoom_out = self._button("−", "preview.zoom.out", lambda: self.zoom(1 / 1.25))
        self.zoom_in = self._button("+", "preview.zoom.in", lambda: self.zoom(1.25))
        self.fit_button = self._button("", "preview.fit", self.fit, text_key="preview.fit")
        self.actual = self._button("1:1", "preview.actual", self.actual_size)
        self.info = QLabel()
        theme.set_role(self.info, "hint")
        for widget in (self.zoom_out, self.zoom_in, self.fit_button, self.actual):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.info)
        layout.addLayout(bar)
        self.scene = QGraphicsScene(self)
        self.view = _ZoomView(self.scene, self)
        self.view.setRenderHints(QPainter.RenderHint.SmoothPixmapTransform | QPainter.RenderHint.Antialiasing)
        self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.view.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        layout.addWidget(self.view, 1)
        self._pixmap_item: QGraphicsPixmapItem | None = None
        self.scale = 1.0
        self.image_size = (0, 0)
        self.fitting = True  # follow the pane's width until the user zooms

    def _button(self, text: str, tip: str, slot: Any, text_key: str = "") -> QToolButton:
        button = QToolButton()
        if text_key:
            bind(button, "setText", text_key)
        else:
            button.setText(text)
        bind(button, "setToolTip", tip)
        button.clicked.connect(slot)
        return button

    def set_image(self, data: bytes) -> bool:
        image = QImage.fromData(QByteArray(data))
        self.scene.clear()
        self._pixmap_item = None
        if image.isNull():
            return False
        self._pixmap_item = self.scene.addPixmap(QPixmap.fromImage(image))
        self.scene.setSceneRect(self._pixmap_item.boundingRect())
        self.image_size = (image.width(), image.height())
        self.info.setText(f"{image.width()} × {image.height()} px")
        self.fit()
        return True

    def zoom(self, factor: float) -> None:
        self.fitting = False
        new = min(max(self.scale * factor, 0.02), 16.0)
        self.view.scale(new / self.scale, new / self.scale)
        self.scale = new

    def fit(self) -> None:
        """Fit the width (tall full-page screenshots are read by scrolling down)."""
        self.fitting = True
        if self._pixmap_item is None:
            return
        width = max(self.view.viewport().width() - 4, 50)
        self.view.resetTransform()
        self.scale = min(width / max(self.image_size[0], 1), 1.0)
        self.view.scale(self.scale, self.scale)
        self.view.centerOn(self.scene.sceneRect().center().x(), 0)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self.fitting:
            self.fit()

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if self.fitting:
            self.fit()

    def actual_size(self) -> None:
        self.fitting = False
        self.view.resetTransform()
        self.scale = 1.0


class _ZoomView(QGraphicsView):
    def __init__(self, scene: QGraphicsScene, owner: ImageViewer) -> None:
        super().__init__(scene)
        self._owner = owner

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt name)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._owner.zoom(1.25 if event.angleDelta().y() > 0 else 1 / 1.25)
            event.accept()
            return
        super().wheelEvent(event)


class TextViewer(QPlainTextEdit):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("textViewer")
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)

    def set_bytes(self, data: bytes, truncated: bool, encoding_hint: str | None = None) -> None:
        text = decode_text(data[:TEXT_LIMIT], encoding_hint)
        if truncated or len(data) > TEXT_LIMIT:
            text += "\n\n" + tr("preview.truncated")
        self.setPlainText(text)


class HexViewer(QPlainTextEdit):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("hexViewer")
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        theme.set_role(self, "mono")

    def set_bytes(self, data: bytes) -> None:
        self.setPlainText(hex_dump(data[:HEX_LIMIT]) + ("\n…" if len(data) > HEX_LIMIT else ""))


class PdfViewer(QWidget):
    """Pages of a PDF via QtPdf, loaded from memory (imported on first use: start-up stays fast)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("pdfViewer")
        from PySide6.QtPdf import QPdfDocument
        from PySide6.QtPdfWidgets import QPdfView

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.pages = QLabel()
        theme.set_role(self.pages, "hint")
        zoom_in = QToolButton()
        zoom_in.setText("+")
        zoom_out = QToolButton()
        zoom_out.setText("−")
        bar.addWidget(zoom_out)
        bar.addWidget(zoom_in)
        bar.addStretch(1)
        bar.addWidget(self.pages)
        layout.addLayout(bar)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        layout.addWidget(self.view, 1)
        zoom_in.clicked.connect(lambda: self._zoom(1.25))
        zoom_out.clicked.connect(lambda: self._zoom(0.8))
        self._buffer: QBuffer | None = None
        on_change(self._label_pages)

    def _zoom(self, factor: float) -> None:
        from PySide6.QtPdfWidgets import QPdfView

        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(self.view.zoomFactor() * factor)

    def set_bytes(self, data: bytes) -> bool:
        from PySide6.QtPdf import QPdfDocument

        self.document.close()
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        ok = self.document.status() == QPdfDocument.Status.Ready and self.document.pageCount() > 0
        self._label_pages()
        return ok

    def _label_pages(self, _lang: str = "") -> None:
        """"18 pages" in the language of the moment (relabelled after a switch)."""
        from PySide6.QtPdf import QPdfDocument

        ready = self.document.status() == QPdfDocument.Status.Ready and self.document.pageCount() > 0
        self.pages.setText(tr("preview.pages", count=self.document.pageCount()) if ready else "")

    @property
    def page_count(self) -> int:
        return int(self.document.pageCount())


def decode_text(data: bytes, hint: str | None = None) -> str:
    for encoding in filter(None, (hint, "utf-8")):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("utf-8", errors="replace")
