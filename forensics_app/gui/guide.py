"""The user guide, in both languages and offline: how to capture, what each warning means, how to verify.

The text is Markdown kept beside the code (``guide/vi.md``, ``guide/en.md``), one
section per topic (``<!-- topic: name -->``). The list of warnings and of
verification problems is made from the catalogue (``evidence_store.catalogue``),
so a new warning code is explained as soon as it has its words. F1 opens the
guide; each dialog's Help button opens it at that dialog's topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QListWidget, QListWidgetItem, QTextBrowser, QWidget

from . import i18n
from .i18n import bind

FOLDER = Path(__file__).resolve().parent / "guide"
_TOPIC = re.compile(r"^<!-- topic: ([a-z_]+) -->\s*$", re.M)


@dataclass(frozen=True)
class Topic:
    name: str
    title: str
    markdown: str


def topics(lang: str) -> list[Topic]:
    """The guide's sections in ``lang``, with the generated lists filled in."""
    text = (FOLDER / f"{'vi' if lang == 'vi' else 'en'}.md").read_text("utf-8")
    text = text.replace("{{warnings}}", warnings_markdown(lang)).replace("{{problems}}", problems_markdown(lang))
    parts = _TOPIC.split(text)
    found = []
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        body = body.strip()
        title = body.splitlines()[0].lstrip("# ").strip()
        found.append(Topic(name, title, body))
    return found


def warnings_markdown(lang: str) -> str:
    from evidence_store.catalogue.warnings import WARNINGS

    return "\n".join(f"- **{text.label_vi if lang == 'vi' else text.label_en}**: "
                     f"{text.meaning_vi if lang == 'vi' else text.meaning_en}" for text in WARNINGS.values())


def problems_markdown(lang: str) -> str:
    from evidence_store.catalogue.problems import PROBLEMS

    return "\n".join(f"- {vi if lang == 'vi' else en}" for en, vi in PROBLEMS.values())


class GuideDialog(QDialog):
    """Topics on the left, the topic on the right; follows the interface's language."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GuideDialog")
        bind(self, "setWindowTitle", "guide.title")
        self.resize(960, 640)
        layout = QHBoxLayout(self)
        self.list = QListWidget()
        self.list.setObjectName("guideTopics")
        self.list.setMaximumWidth(260)
        self.list.currentRowChanged.connect(self._show)
        self.text = QTextBrowser()
        self.text.setObjectName("guideText")
        self.text.setOpenExternalLinks(False)
        layout.addWidget(self.list)
        layout.addWidget(self.text, 1)
        self._topics: list[Topic] = []
        i18n.on_change(self._reload)
        self._reload()

    def _reload(self, _lang: str = "") -> None:
        current = self.current_topic()
        self._topics = topics(i18n.current())
        self.list.blockSignals(True)
        self.list.clear()
        for topic in self._topics:
            entry = QListWidgetItem(topic.title)
            entry.setData(Qt.ItemDataRole.UserRole, topic.name)
            self.list.addItem(entry)
        self.list.blockSignals(False)
        self.open_topic(current or "start")

    def current_topic(self) -> str:
        entry = self.list.currentItem() if hasattr(self, "list") else None
        return str(entry.data(Qt.ItemDataRole.UserRole)) if entry is not None else ""

    def open_topic(self, name: str) -> None:
        names = [t.name for t in self._topics]
        self.list.setCurrentRow(names.index(name) if name in names else 0)
        self._show(self.list.currentRow())

    def _show(self, row: int) -> None:
        if 0 <= row < len(self._topics):
            self.text.setMarkdown(self._topics[row].markdown)
