"""The disk browser's preview: one file read from the image into memory, shown as text, image, PDF or hex.

The viewers are the preview pane's own (:mod:`..viewers`); the content never goes to
a file. Above them: what the file is by its content, a flag when its name claims
something else, the text encoding, whether the file is deleted (and how far its
recovery can be trusted), and whether the look was recorded in the custody log.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from .. import theme
from ..formatting import human_size
from ..i18n import tr


class DiskPreviewPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diskPreview")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.facts = QLabel()
        self.facts.setObjectName("diskPreviewFacts")
        self.facts.setWordWrap(True)
        self.warning = QLabel()
        self.warning.setObjectName("diskPreviewWarning")
        self.warning.setWordWrap(True)
        theme.set_role(self.warning, "error")
        self.status = QLabel()
        self.status.setObjectName("diskPreviewStatus")
        theme.set_role(self.status, "hint")
        self.stack = QStackedWidget()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.stack.addWidget(self.message)
        for widget in (self.facts, self.warning):
            layout.addWidget(widget)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.status)
        self._viewers: dict[str, Any] = {}
        self.shown_kind = ""
        self.clear()

    def clear(self) -> None:
        self.facts.clear()
        self.warning.clear()
        self.warning.hide()
        self.status.clear()
        self.shown_kind = ""
        self.note(tr("browser.preview.none"))

    def note(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def viewer(self, kind: str) -> Any:
        if kind not in self._viewers:
            from ..viewers import HexViewer, ImageViewer, PdfViewer, TextViewer

            widget = {"text": TextViewer, "hex": HexViewer, "image": ImageViewer, "pdf": PdfViewer}[kind]()
            self._viewers[kind] = widget
            self.stack.addWidget(widget)
        return self._viewers[kind]

    def show_preview(self, shown: Any) -> None:
        """A :class:`services.disk_preview.DiskPreview`: facts above, the content in its viewer."""
        kind = shown.type
        lines = [tr("browser.preview.facts", path=shown.entry.display_path, size=human_size(shown.entry.size),
                    media_type=kind.media_type)]
        if shown.entry.deleted:
            lines.append(tr("browser.preview.recovery", state=shown.recovery.get("state", "")))
        if shown.encoding:
            lines.append(tr("browser.preview.encoding", encoding=shown.encoding))
        if shown.truncated:
            lines.append(tr("browser.preview.truncated", read=human_size(len(shown.data)),
                            size=human_size(shown.entry.size)))
        self.facts.setText("\n".join(lines))
        if kind.mismatch:
            self.warning.setText(tr("browser.preview.mismatch", claimed=kind.name_media_type or "?",
                                    media_type=kind.media_type))
            self.warning.show()
        shown_as = shown.kind
        loaders = {"image": lambda: self.viewer("image").set_image(shown.data),
                   "pdf": lambda: self.viewer("pdf").set_bytes(shown.data)}
        if shown_as in loaders and not loaders[shown_as]():
            shown_as = "hex"  # Qt could not read what the content's signature says it is
        elif shown_as == "text":
            self.viewer("text").setPlainText(shown.text or "")
        if shown_as == "hex":
            self.viewer("hex").set_bytes(shown.data)
        self.stack.setCurrentWidget(self.viewer(shown_as))
        self.shown_kind = shown_as

    def logged(self, ok: bool, error: str = "") -> None:
        if ok:
            self.status.setText(tr("browser.preview.logged"))
        else:
            self.status.setText(tr("browser.preview.log.failed", error=error))
            theme.set_role(self.status, "error")
