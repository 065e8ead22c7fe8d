"""The preview pane: content, details with full hashes, provenance, warnings, related items.

Content is decrypted off the GUI thread (capped per viewer); the pane emits
``viewed`` once the content is on screen, so the window can log the viewing in
the custody log.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from evidence_store import DEFAULT_ZONE, ForensicsError, Item, ItemWarning, Vault

from ..services import browse
from . import i18n, theme
from .errors import error_text
from .formatting import human_size, local_time
from .i18n import bind, tr
from .tasks import run_in_thread

if TYPE_CHECKING:
    from .annotate_dialog import AnnotateDialog
    from .message_view import MessagePanel
    from .viewers import HexViewer, ImageViewer, PdfViewer, TextViewer

IMAGE_LIMIT = 256 * 1024 * 1024
PDF_LIMIT = 256 * 1024 * 1024
ANNOTATABLE = {"social_post", "screenshot_element"}  # parts of a social capture the examiner can complete
TEXT_KINDS = {"page_text", "html", "mhtml", "provenance", "social_post"}
MESSAGE_KINDS = {"message": "message", "conversation": "conversation", "conversation_excerpt": "conversation"}
IMAGE_KINDS = {"screenshot", "screenshot_viewport", "screenshot_tile", "screenshot_element"}


def preview_kind(item: Item) -> str:
    if item.kind in MESSAGE_KINDS:  # e-mails and conversations have their own view (gui/message_view.py)
        return MESSAGE_KINDS[item.kind]
    """Which viewer shows ``item``: image, pdf, text, hex, or none (no content of its own)."""
    if not item.has_content:
        return "none"
    media = (item.media_type or "").lower()
    if item.kind in IMAGE_KINDS or media.startswith("image/"):
        return "image"
    if media == "application/pdf" or item.kind in ("pdf", "report"):
        return "pdf"
    if item.kind in TEXT_KINDS or media.startswith("text/") or media in (
            "application/json", "application/xml", "application/ld+json", "message/rfc822", "multipart/related"):
        return "text"
    if item.kind == "video" or media.startswith("video/"):
        return "video"
    return "hex"


def limit_for(kind: str) -> int:
    return {"image": IMAGE_LIMIT, "pdf": PDF_LIMIT, "text": 2 * 1024 * 1024 + 1, "message": 64 * 1024 * 1024 + 1,
            "conversation": 16 * 1024 * 1024 + 1}.get(kind, 16 * 1024 + 1)


class HashField(QWidget):
    """A full hash, selectable, with a copy button."""

    def __init__(self, name: str) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setObjectName(f"hash_{name}")
        self.edit.setReadOnly(True)
        theme.set_role(self.edit, "mono")
        self.copy = QToolButton()
        self.copy.setObjectName(f"copy_{name}")
        bind(self.copy, "setText", "button.copy")
        self.copy.clicked.connect(self._copy)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.copy)

    def set_value(self, value: str | None) -> None:
        self.edit.setText(value or "")
        self.edit.setToolTip(value or "")  # the whole value, however narrow the pane
        self.edit.setCursorPosition(0)
        self.setVisible(bool(value))

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.edit.text())


class PreviewPane(QWidget):
    viewed = Signal(int)  # item id, once its content is shown
    navigate = Signal(int)  # open a related item

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("previewPane")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel()
        self.heading.setObjectName("previewHeading")
        self.heading.setWordWrap(True)
        theme.set_role(self.heading, "heading")
        layout.addWidget(self.heading)
        self.heading_file = QLabel()  # a capture's part is headed by what it is; its file name comes second
        self.heading_file.setObjectName("previewFileName")
        self.heading_file.setWordWrap(True)
        self.heading_file.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        theme.set_role(self.heading_file, "hint")
        self.heading_file.hide()
        layout.addWidget(self.heading_file)
        self.annotate_button = QPushButton()  # social captures: the examiner completes the record by hand
        self.annotate_button.setObjectName("annotateButton")
        self.annotate_button.clicked.connect(self.open_annotate)
        self.annotate_button.hide()
        layout.addWidget(self.annotate_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("previewTabs")
        layout.addWidget(self.tabs, 1)
        self.content = QStackedWidget()
        self.message = QLabel()
        self.message.setObjectName("previewMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        theme.set_role(self.message, "hint")
        self._image: ImageViewer | None = None  # viewers are built on first use: start-up stays fast
        self._text: TextViewer | None = None
        self._hex: HexViewer | None = None
        self._pdf: PdfViewer | None = None
        self._messages: MessagePanel | None = None
        self.content.addWidget(self.message)
        self.tabs.addTab(self.content, "")
        # The details, provenance and related tabs are built when first needed (an item
        # shown or the tab opened): until then nothing is selected and they are empty,
        # and building their forms, lists and tree is a tenth of the window's start.
        self._pages: list[QVBoxLayout] = []
        for _ in range(3):
            page = QWidget()
            layout_of_page = QVBoxLayout(page)
            layout_of_page.setContentsMargins(0, 0, 0, 0)
            self._pages.append(layout_of_page)
            self.tabs.addTab(page, "")
        self._built = False
        self.tabs.currentChanged.connect(lambda index: self._build_pages() if index > 0 else None)
        self.vault: Vault | None = None
        self.zone = DEFAULT_ZONE
        self.detail: browse.ItemDetail | None = None
        self.shown_kind = "none"
        self._request = 0
        i18n.on_change(self._relabel)
        self._relabel()
        self.clear()

    # -- building ---------------------------------------------------------------------
    def _build_pages(self) -> None:
        if self._built:
            return
        self._built = True
        self.details = self._build_details()
        self.metadata = QTreeWidget()
        self.metadata.setObjectName("metadataTree")
        self.metadata.setColumnCount(2)
        self.metadata.setAlternatingRowColors(True)
        self.metadata.hide()  # the full record, behind the "advanced" toggle
        self.summary = QTextBrowser()
        self.summary.setObjectName("provenanceSummary")
        self.summary.setOpenLinks(False)
        self.advanced = QCheckBox()
        self.advanced.setObjectName("provenanceAdvanced")
        self.advanced.toggled.connect(self._show_advanced)
        provenance = QWidget()
        provenance_layout = QVBoxLayout(provenance)
        provenance_layout.setContentsMargins(0, 0, 0, 0)
        provenance_layout.addWidget(self.summary, 1)
        provenance_layout.addWidget(self.advanced)
        provenance_layout.addWidget(self.metadata, 1)
        self.related = self._build_related()
        for layout, page in zip(self._pages, (self.details, provenance, self.related), strict=True):
            layout.addWidget(page)
        self._relabel_pages()
        self._clear_pages()

    def _build_details(self) -> QScrollArea:
        area = QScrollArea()
        area.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        self.general_box = QGroupBox()
        general = QFormLayout(self.general_box)
        self.fields: dict[str, QLabel] = {}
        for key in ("id", "kind", "name", "source", "acquired", "examiner", "size", "media_type", "uid"):
            value = QLabel()
            value.setObjectName(f"detail_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            general.addRow(bind(QLabel(), "setText", f"detail.{key}"), value)
            self.fields[key] = value
        layout.addWidget(self.general_box)
        self.hash_box = QGroupBox()
        hashes = QFormLayout(self.hash_box)
        self.hashes = {name: HashField(name) for name in ("sha256", "blake3", "md5", "sha1")}
        self.hash_labels = {}
        for name, field in self.hashes.items():
            label = QLabel(name.upper().replace("BLAKE3", "BLAKE3").replace("SHA256", "SHA-256")
                           .replace("SHA1", "SHA-1"))
            self.hash_labels[name] = label
            hashes.addRow(label, field)
        layout.addWidget(self.hash_box)
        self.warning_box = QGroupBox()
        warnings = QVBoxLayout(self.warning_box)
        self.warnings = QListWidget()
        self.warnings.setObjectName("warningList")
        self.warnings.setWordWrap(True)
        warnings.addWidget(self.warnings)
        layout.addWidget(self.warning_box)
        layout.addStretch(1)
        area.setWidget(body)
        return area

    def _build_related(self) -> QWidget:
        widget = QWidget()
        layout = QVBoxLayout(widget)
        self.parent_label = QLabel()
        self.parent_link = QListWidget()
        self.parent_link.setObjectName("parentItem")
        self.parent_link.setMaximumHeight(40)
        self.child_list_label = QLabel()
        self.child_list = QListWidget()
        self.child_list.setObjectName("childItems")
        for view in (self.parent_link, self.child_list):
            view.itemActivated.connect(lambda entry: self.navigate.emit(entry.data(Qt.ItemDataRole.UserRole)))
        layout.addWidget(self.parent_label)
        layout.addWidget(self.parent_link)
        layout.addWidget(self.child_list_label)
        layout.addWidget(self.child_list, 1)
        return widget

    def open_annotate(self) -> AnnotateDialog | None:
        """The annotation dialog for the capture of the item shown (a social record, screenshot or capture)."""
        if self.vault is None or self.detail is None:
            return None
        from .annotate_dialog import AnnotateDialog

        try:
            dialog = AnnotateDialog(self.vault, self.detail.item.id, self)
        except ForensicsError as exc:
            self._message(str(exc))
            return None
        dialog.viewed.connect(self.viewed.emit)
        dialog.show()
        return dialog

    def _relabel(self, _lang: str = "") -> None:
        self.annotate_button.setText(tr("preview.annotate"))
        detail = getattr(self, "detail", None)
        if detail is not None:
            self._set_heading(detail.item)
            self.fields["name"].setText(i18n.item_name(detail.item.kind, detail.item.name))
        for n, key in enumerate(("preview.tab.content", "preview.tab.details", "preview.tab.provenance",
                                 "preview.tab.related")):
            self.tabs.setTabText(n, tr(key))
        if self._built:
            self._relabel_pages()
        if self.detail is not None:
            self._fill(self.detail, reload_content=False)
        else:
            self.clear()

    def _show_advanced(self, on: bool) -> None:
        self.metadata.setVisible(on)
        self.summary.setMaximumHeight(16777215 if not on else max(120, self.height() // 3))

    def _relabel_pages(self) -> None:
        self.advanced.setText(tr("preview.advanced"))
        self.general_box.setTitle(tr("preview.general"))
        self.hash_box.setTitle(tr("preview.hashes"))
        self.metadata.setHeaderLabels([tr("preview.meta.key"), tr("preview.meta.value")])
        self.parent_label.setText(tr("preview.parent"))

    # -- showing ----------------------------------------------------------------------
    def clear(self) -> None:
        self.detail = None
        self._request += 1
        self.heading.setText(tr("preview.none"))
        self.heading_file.hide()
        self.annotate_button.hide()
        self._message(tr("preview.select"))
        if self._built:
            self._clear_pages()

    def _clear_pages(self) -> None:
        for label in self.fields.values():
            label.clear()
        for field in self.hashes.values():
            field.set_value(None)
        self.warnings.clear()
        self.warning_box.setTitle(tr("preview.warnings", count=0))
        self.metadata.clear()
        self.summary.clear()
        self.parent_link.clear()
        self.child_list.clear()
        self.child_list_label.setText(tr("preview.children", count=0))

    def show_item(self, vault: Vault, item_id: int | None) -> None:
        self.vault = vault
        if item_id is None or not vault.is_open:
            self.clear()
            return
        try:
            detail = browse.item_detail(vault, item_id)
        except ForensicsError as exc:  # a case this examiner is not assigned to: refused (and logged), nothing shown
            self.clear()
            self._message(error_text(exc))
            return
        self._fill(detail, reload_content=True)

    def _fill(self, detail: browse.ItemDetail, *, reload_content: bool) -> None:
        self._build_pages()
        self.detail = detail
        item = detail.item
        self._set_heading(item)
        self.annotate_button.setVisible(item.kind in ANNOTATABLE)
        values = {
            "id": str(item.id), "kind": f"{i18n.kind_label(item.kind)} ({item.kind})",
            "name": i18n.item_name(item.kind, item.name),
            "source": item.source, "examiner": item.examiner, "uid": item.uid,
            "acquired": f"{local_time(item.acquired_at, self.zone, long=True)}\n{item.acquired_at} (UTC)",
            "size": "" if item.size is None else f"{human_size(item.size)} ({item.size:,} B)",
            "media_type": item.media_type or "",
        }
        for key, label in self.fields.items():
            label.setText(values[key])
        for name, field in self.hashes.items():
            field.set_value(getattr(item, name))
            self.hash_labels[name].setVisible(bool(getattr(item, name)))
        self.warnings.clear()
        for warning in item.warnings:
            entry = QListWidgetItem(theme.icon("warning"), warning_line(warning))
            entry.setToolTip(warning_meaning(warning))
            self.warnings.addItem(entry)
        self.warning_box.setTitle(tr("preview.warnings", count=len(item.warnings)))
        self._fill_metadata(item.metadata)
        self._fill_summary(item)
        self.parent_link.clear()
        if detail.parent is not None:
            self.parent_link.addItem(self._row_entry(detail.parent))
        self.parent_link.setVisible(detail.parent is not None)
        self.parent_label.setVisible(detail.parent is not None)
        self.child_list.clear()
        for child in detail.children:
            self.child_list.addItem(self._row_entry(child))
        self.child_list_label.setText(tr("preview.children", count=detail.children_total))
        if reload_content or self.shown_kind in ("none", "video", "too_big"):
            self._load_content(item)

    def _set_heading(self, item: Item) -> None:
        part = i18n.part_name(item.kind)
        self.heading.setText(f"#{item.id}  {part or item.name}")
        self.heading_file.setText(tr("preview.file_name", name=item.name))
        self.heading_file.setVisible(part is not None)

    def _row_entry(self, row: browse.ItemRow) -> QListWidgetItem:
        part = i18n.part_name(row.kind)
        text = f"#{row.id}  {i18n.item_name(row.kind, row.name)}" if part is not None \
            else f"#{row.id}  {row.name}  ({i18n.kind_label(row.kind)})"
        entry = QListWidgetItem(theme.kind_icon(row.kind), text)
        entry.setData(Qt.ItemDataRole.UserRole, row.id)
        return entry

    def _fill_summary(self, item: Item) -> None:
        """Where the item came from, in words (its capture's provenance for a capture's parts)."""
        import html  # with the first item shown, not with the window

        from ..services.provenance import provenance_view

        vault = self.vault
        if vault is None or not vault.is_open:
            return
        view = provenance_view(vault, item, i18n.current(), self.zone)
        rows = []
        for line in view.lines:
            value = html.escape(line.value).replace("\n", "<br/>")
            style = f" style='color:{theme.ERROR_COLOR}'" if line.attention else ""
            rows.append(f"<tr><td style='padding:2px 10px 2px 0' valign='top'><b>{html.escape(line.label)}</b></td>"
                        f"<td style='padding:2px 0'{style}>{value}</td></tr>")
        heading = ""
        if view.of_item != item.id:
            heading = f"<p><i>{html.escape(tr('preview.provenance.of', id=view.of_item))}</i></p>"
        if not rows:
            rows.append(f"<tr><td>{html.escape(tr('preview.provenance.none'))}</td></tr>")
        self.summary.setHtml(f"{heading}<table cellspacing='0'>{''.join(rows)}</table>")

    def _fill_metadata(self, metadata: dict[str, Any]) -> None:
        self.metadata.clear()

        def add(parent: QTreeWidgetItem | QTreeWidget, key: str, value: Any) -> None:
            node = QTreeWidgetItem([key, "" if isinstance(value, (dict, list)) else _scalar(value)])
            node.setToolTip(1, _scalar(value) if not isinstance(value, (dict, list)) else "")
            if isinstance(parent, QTreeWidget):
                parent.addTopLevelItem(node)
            else:
                parent.addChild(node)
            if isinstance(value, dict):
                for k, v in value.items():
                    add(node, str(k), v)
            elif isinstance(value, list):
                for n, v in enumerate(value[:1000]):
                    add(node, f"[{n}]", v)

        for key, value in metadata.items():
            add(self.metadata, str(key), value)
        self.metadata.expandToDepth(0)
        self.metadata.resizeColumnToContents(0)

    def _message(self, text: str) -> None:
        self.message.setText(text)
        self.content.setCurrentWidget(self.message)

    def _load_content(self, item: Item) -> None:
        kind = preview_kind(item)
        self.shown_kind = kind
        self._request += 1
        request = self._request
        if kind == "none":
            self._message(tr("preview.no.content", count=self.detail.children_total if self.detail else 0))
            return
        if kind == "video":
            self._message(tr("preview.video"))
            return
        limit = limit_for(kind)
        if kind in ("image", "pdf") and (item.size or 0) > limit:
            self.shown_kind = "too_big"
            self._message(tr("preview.too.big", size=human_size(item.size)))
            return
        self._message(tr("preview.loading"))
        vault = self.vault
        assert vault is not None
        run_in_thread(lambda: browse.read_content(vault, item, limit),
                      lambda result: self._show_content(request, item, kind, result),
                      lambda error, _details: self._content_failed(request, error))

    def _content_failed(self, request: int, error: BaseException) -> None:
        if request == self._request:
            self._message(tr("preview.failed", error=error_text(error)))

    def _show_content(self, request: int, item: Item, kind: str, result: tuple[bytes, bool]) -> None:
        if request != self._request:
            return  # the user moved on
        data, truncated = result
        shown = True
        if kind == "image":
            shown = self.image.set_image(data)
            if shown:
                self.content.setCurrentWidget(self.image)
        elif kind == "pdf":
            shown = self.pdf.set_bytes(data)
            if shown:
                self.content.setCurrentWidget(self.pdf)
        elif kind == "text":
            self.text.set_bytes(data, truncated, _charset(item.media_type))
            self.content.setCurrentWidget(self.text)
        elif kind in ("message", "conversation"):
            shown = self.messages.display(kind, item, data, truncated, zone=self.zone, vault=self.vault,
                                          children=self.detail.children if self.detail else [])
            self.content.setCurrentWidget(self.messages)
        if kind == "hex" or not shown:
            self.hex.set_bytes(data)
            self.content.setCurrentWidget(self.hex)
            self.shown_kind = "hex"
        self.viewed.emit(item.id)

    @property
    def image(self) -> ImageViewer:
        if self._image is None:
            from .viewers import ImageViewer

            self._image = ImageViewer()
            self.content.addWidget(self._image)
        return self._image

    @property
    def text(self) -> TextViewer:
        if self._text is None:
            from .viewers import TextViewer

            self._text = TextViewer()
            self.content.addWidget(self._text)
        return self._text

    @property
    def hex(self) -> HexViewer:
        if self._hex is None:
            from .viewers import HexViewer

            self._hex = HexViewer()
            self.content.addWidget(self._hex)
        return self._hex

    @property
    def messages(self) -> MessagePanel:
        if self._messages is None:
            from .message_view import MessagePanel

            self._messages = MessagePanel()
            self._messages.navigate.connect(self.navigate)
            self.content.addWidget(self._messages)
        return self._messages

    @property
    def pdf(self) -> PdfViewer:
        if self._pdf is None:
            from .viewers import PdfViewer

            self._pdf = PdfViewer()
            self.content.addWidget(self._pdf)
        return self._pdf


def warning_line(warning: ItemWarning) -> str:
    """"Label: the sentence recorded", in the interface's language."""
    from evidence_store.catalogue.warnings import WARNINGS, label

    lang = i18n.current()
    text = warning.text(lang)
    return f"{label(warning.code, lang)}: {text}" if warning.code in WARNINGS else text


def warning_meaning(warning: ItemWarning) -> str:
    """What the warning means for the evidence (the user guide's words)."""
    from evidence_store.catalogue.warnings import WARNINGS, meaning

    return meaning(warning.code, i18n.current()) if warning.code in WARNINGS else ""


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _charset(media_type: str | None) -> str | None:
    if media_type and "charset=" in media_type:
        return media_type.split("charset=", 1)[1].split(";")[0].strip()
    return None
