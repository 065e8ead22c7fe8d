"""Complete a social record by hand: pick the field, type the value, and point at where the capture shows it.

The examiner draws a rectangle on a stored screenshot (image pixels are
recorded), or picks the element of the stored page that shows the value. The
annotation is a new item (hashed, logged in the custody log, shown in reports
as "entered by the examiner"); the tool's record is never changed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from evidence_store import Item, Vault
from evidence_store.catalogue import lookup

from ..services.social import ANNOTATION_FIELDS, annotate
from ..services.social_pointing import CaptureParts, capture_parts, find_in_page
from . import i18n, theme
from .tasks import run_in_thread

SHOT_LIMIT = 256 * 1024 * 1024

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Complete the record by hand", "Bổ sung bản ghi bằng tay"),
    "intro": ("The value you enter is kept apart from what the tool read, with your name, the time and where the "
              "capture shows it; the report prints both.",
              "Giá trị bạn nhập được lưu riêng với giá trị công cụ đọc được, kèm tên bạn, thời điểm và vị trí hiển thị "
              "trong bản thu thập; báo cáo in cả hai."),
    "field": ("Field", "Trường"), "value": ("Value as shown", "Giá trị như trang hiển thị"),
    "reason": ("Why by hand", "Lý do nhập tay"),
    "tool_value": ("Read by the tool: {value}", "Công cụ đọc được: {value}"), "not_read": ("nothing", "không có"),
    "tab.region": ("Region of a screenshot", "Vùng trên ảnh chụp màn hình"),
    "tab.dom": ("Element of the stored page", "Phần tử của trang đã lưu"),
    "shot": ("Screenshot", "Ảnh chụp màn hình"),
    "draw": ("Drag a rectangle around the value on the screenshot.",
             "Kéo chuột khoanh vùng giá trị trên ảnh chụp màn hình."),
    "region": ("Region: x={x}, y={y}, {w}×{h} px", "Vùng: x={x}, y={y}, {w}×{h} px"),
    "no_region": ("No region drawn yet.", "Chưa khoanh vùng."),
    "find": ("Find the value in the page", "Tìm giá trị trong trang"),
    "found": ("{n} element(s) show this text: pick the one that shows the value.",
              "{n} phần tử chứa đoạn chữ này: chọn phần tử hiển thị giá trị."),
    "no_page": ("This capture has no stored page (html).", "Bản thu thập này không có trang đã lưu (html)."),
    "loading": ("Loading…", "Đang tải…"), "saving": ("Saving…", "Đang lưu…"),
    "saved": ("Saved as annotation item #{id}.", "Đã lưu thành mục chú thích #{id}."),
    "need_value": ("Type the value and the reason.", "Hãy nhập giá trị và lý do."),
    "need_place": ("Draw a region on the screenshot or pick a page element.",
                   "Hãy khoanh vùng trên ảnh chụp hoặc chọn một phần tử của trang."),
    "save": ("Save annotation", "Lưu chú thích"),
    "field.author.name": ("Author's name", "Tên tác giả"), "field.author.handle": ("Author's handle", "Tên tài khoản"),
    "field.author.id": ("Author's id", "Mã tác giả"), "field.author.profile_url": ("Author's profile", "Trang cá nhân"),
    "field.published": ("Published", "Thời điểm đăng"), "field.title": ("Title", "Tiêu đề"),
    "field.text": ("Text", "Nội dung"), "field.post_id": ("Post id", "Mã bài đăng"),
    "field.counts.likes": ("Likes", "Lượt thích"), "field.counts.reactions": ("Reactions", "Cảm xúc"),
    "field.counts.comments": ("Comments", "Bình luận"), "field.counts.shares": ("Shares", "Lượt chia sẻ"),
    "field.counts.views": ("Views", "Lượt xem"), "field.counts.reposts": ("Reposts", "Lượt đăng lại"),
}


def t(key: str, **fmt: Any) -> str:
    """The text of ``key`` in the app's language; a missing key raises ``MissingText`` like every catalogue."""
    return lookup(TEXTS, key, i18n.current(), **fmt)


class RegionPicker(QGraphicsView):
    """A screenshot at its own pixel scale (zoomed to fit); a dragged rectangle is the region, in image pixels."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("regionPicker")
        self.setScene(QGraphicsScene(self))
        self._pixmap: QGraphicsPixmapItem | None = None
        self._box: QGraphicsRectItem | None = None
        self._start: QPointF | None = None
        self.chosen: tuple[int, int, int, int] | None = None

    def set_image(self, data: bytes) -> bool:
        pixmap = QPixmap()
        if not pixmap.loadFromData(data):
            return False
        self.scene().clear()
        self._box, self.chosen = None, None
        self._pixmap = self.scene().addPixmap(pixmap)
        self.scene().setSceneRect(QRectF(pixmap.rect()))
        self.fitInView(self._pixmap, Qt.AspectRatioMode.KeepAspectRatio)
        self.changed.emit()
        return True

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.MouseButton.LeftButton and self._pixmap is not None:
            self._start = self.mapToScene(event.position().toPoint())
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._start is not None:
            self._draw(QRectF(self._start, self.mapToScene(event.position().toPoint())))
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._start is not None and event.button() == Qt.MouseButton.LeftButton:
            start, self._start = self._start, None
            self.set_region(QRectF(start, self.mapToScene(event.position().toPoint())))
        super().mouseReleaseEvent(event)

    def _draw(self, rect: QRectF) -> QRect:
        box = rect.normalized().intersected(self.scene().sceneRect()).toAlignedRect()
        if self._box is None:
            self._box = self.scene().addRect(QRectF(box), QPen(QColor("#d32f2f"), 3))
        else:
            self._box.setRect(QRectF(box))
        return box

    def set_region(self, rect: QRectF) -> None:
        """Choose a region (scene coordinates are the image's pixels), clipped to the image."""
        if self._pixmap is None:
            return
        box = self._draw(rect)
        if box.width() < 1 or box.height() < 1:
            return
        self.chosen = (box.x(), box.y(), box.width(), box.height())
        self.changed.emit()


class AnnotateDialog(QDialog):
    viewed = Signal(int)  # a screenshot's content was shown (the custody log records the viewing)
    annotated = Signal(int)  # the new annotation item

    def __init__(self, vault: Vault, item_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("annotateDialog")
        self.setWindowTitle(t("title"))
        self.resize(900, 700)
        self.vault = vault
        self.parts: CaptureParts = capture_parts(vault, item_id)
        self.record: dict[str, Any] = {}
        layout = QVBoxLayout(self)
        intro = QLabel(t("intro"))
        intro.setWordWrap(True)
        theme.set_role(intro, "hint")
        layout.addWidget(intro)
        form = QFormLayout()
        self.field = QComboBox()
        self.field.setObjectName("annotateField")
        for name in ANNOTATION_FIELDS:
            self.field.addItem(t(f"field.{name}"), name)
        self.tool_value = QLabel()
        self.tool_value.setWordWrap(True)
        theme.set_role(self.tool_value, "hint")
        self.value = QLineEdit()
        self.value.setObjectName("annotateValue")
        self.reason = QLineEdit()
        self.reason.setObjectName("annotateReason")
        form.addRow(t("field"), self.field)
        form.addRow("", self.tool_value)
        form.addRow(t("value"), self.value)
        form.addRow(t("reason"), self.reason)
        layout.addLayout(form)
        self.places = QTabWidget()
        self.places.addTab(self._region_page(), t("tab.region"))
        self.places.addTab(self._dom_page(), t("tab.dom"))
        layout.addWidget(self.places, 1)
        self.status = QLabel()
        self.status.setObjectName("annotateStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.addButton(t("save"), QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.setObjectName("annotateSave")
        self.save_button.clicked.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.field.currentIndexChanged.connect(self._show_tool_value)
        self._load_record()
        self._load_shot(0)

    # -- where -------------------------------------------------------------------------
    def _region_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        self.shot = QComboBox()
        self.shot.setObjectName("annotateShot")
        for shot in self.parts.screenshots:
            self.shot.addItem(f"#{shot.id} {i18n.item_name(shot.kind, shot.name)}", shot.id)
        self.shot.currentIndexChanged.connect(self._load_shot)
        row.addWidget(QLabel(t("shot")))
        row.addWidget(self.shot, 1)
        layout.addLayout(row)
        hint = QLabel(t("draw"))
        theme.set_role(hint, "hint")
        layout.addWidget(hint)
        self.picker = RegionPicker()
        self.picker.changed.connect(self._show_region)
        layout.addWidget(self.picker, 1)
        self.region_label = QLabel(t("no_region"))
        self.region_label.setObjectName("annotateRegion")
        layout.addWidget(self.region_label)
        return page

    def _dom_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.find_button = QPushButton(t("find"))
        self.find_button.setObjectName("annotateFind")
        self.find_button.clicked.connect(self.find_nodes)
        self.find_button.setEnabled(self.parts.page is not None)
        self.nodes = QListWidget()
        self.nodes.setObjectName("annotateNodes")
        self.nodes_label = QLabel("" if self.parts.page is not None else t("no_page"))
        self.nodes_label.setWordWrap(True)
        layout.addWidget(self.find_button)
        layout.addWidget(self.nodes_label)
        layout.addWidget(self.nodes, 1)
        return page

    def _load_record(self) -> None:
        from ..services.social import read_record

        def done(record: dict[str, Any]) -> None:
            self.record = record
            self._show_tool_value()

        run_in_thread(lambda: read_record(self.vault, self.parts.record), done,
                      lambda error, _d: self.status.setText(str(error)))

    def _load_shot(self, index: int) -> None:
        if not 0 <= index < len(self.parts.screenshots):
            return
        shot = self.parts.screenshots[index]
        self.region_label.setText(t("loading"))
        from ..services.browse import read_content

        def done(result: tuple[bytes, bool]) -> None:
            if self.picker.set_image(result[0]):
                self.viewed.emit(shot.id)
            self._show_region()

        run_in_thread(lambda: read_content(self.vault, shot, SHOT_LIMIT), done,
                      lambda error, _d: self.region_label.setText(str(error)))

    def _show_region(self) -> None:
        region = self.picker.chosen
        self.region_label.setText(t("region", x=region[0], y=region[1], w=region[2], h=region[3]) if region
                                  else t("no_region"))

    def _show_tool_value(self) -> None:
        name = str(self.field.currentData())
        node: Any = self.record
        if name.startswith("counts."):
            node = ((self.record.get("counts") or {}).get(name[7:]) or {}).get("shown")
        elif name == "published":
            node = (self.record.get("published") or {}).get("utc")
        else:
            for part in name.split("."):
                node = node.get(part) if isinstance(node, dict) else None
        self.tool_value.setText(t("tool_value", value=str(node) if node else t("not_read")))

    def find_nodes(self) -> None:
        page = self.parts.page
        if page is None:
            return
        value = self.value.text()

        def done(found: list[tuple[str, str]]) -> None:
            self.nodes.clear()
            for path, text in found:
                entry = QListWidgetItem(f"{text}\n{path}")
                entry.setData(Qt.ItemDataRole.UserRole, path)
                self.nodes.addItem(entry)
            self.nodes_label.setText(t("found", n=len(found)))

        run_in_thread(lambda: find_in_page(self.vault, page, value), done,
                      lambda error, _d: self.nodes_label.setText(str(error)))

    # -- saving ------------------------------------------------------------------------
    def place(self) -> dict[str, Any] | None:
        """Where the value is shown: the region on the chosen screenshot, or the page element picked."""
        if self.places.currentIndex() == 0:
            if self.picker.chosen is None or not self.parts.screenshots:
                return None
            return {"screenshot": int(self.shot.currentData()), "region": self.picker.chosen}
        chosen = self.nodes.currentItem()
        return {"dom_path": str(chosen.data(Qt.ItemDataRole.UserRole))} if chosen is not None else None

    def save(self) -> None:
        value, reason = self.value.text().strip(), self.reason.text().strip()
        if not value or not reason:
            self.status.setText(t("need_value"))
            return
        place = self.place()
        if place is None:
            self.status.setText(t("need_place"))
            return
        fields = {str(self.field.currentData()): value}
        record_id = self.parts.record.id
        self.save_button.setEnabled(False)
        self.status.setText(t("saving"))

        def done(item: Item) -> None:
            self.save_button.setEnabled(True)
            self.status.setText(t("saved", id=item.id))
            self.annotated.emit(item.id)

        def failed(error: BaseException, _details: str) -> None:
            self.save_button.setEnabled(True)
            self.status.setText(str(error))

        run_in_thread(lambda: annotate(self.vault, record_id, fields, reason=reason, **place), done, failed)
