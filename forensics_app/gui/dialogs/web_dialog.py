"""Capture web pages: one URL or a list, with the options declared once in ``CaptureOptions``.

The options form is generated from the dataclass (its help texts exist in both
languages), starting from the vault's ``capture_defaults`` setting.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QWidget,
)

from collectors.web import CaptureOptions
from evidence_store import UsageError

from ...services.remote_desk import configured as remote_configured
from ...services.web import WebBatchResult, capture_web, effective_options, read_urls_file
from .. import file_dialogs, i18n, theme
from ..errors import OPTION_REMEDIES, error_text, option_label
from ..i18n import bind, tr, tr_in
from ..jobs import Job
from ..task_dialog import TaskDialog

STEPS = {"starting the browser": "web.step.starting", "nothing left to capture": "web.step.nothing"}
SHOWN = ("device", "page_timeout", "scroll", "scroll_time_limit", "video", "pdf", "mhtml", "insecure",
         "allow_private_addresses", "locale", "host_rules", "extra_ca_files", "max_page_height", "max_redirects")


def host_rule_line(rule: str) -> str:
    """A stored rule (``MAP host address``, Chromium's syntax) as the form shows it: ``host address``."""
    parts = rule.split()
    return " ".join(parts[1:]) if len(parts) == 3 and parts[0].upper() == "MAP" else rule


def host_rule(line: str) -> str:
    """A line of the form (``host address``, or a rule already in Chromium's syntax) as the rule stored."""
    parts = line.split()
    if len(parts) == 3 and parts[0].upper() == "MAP":
        return line
    if len(parts) != 2:
        raise UsageError(tr_in("en", "option.host_rules.bad", line=line),
                         message_vi=tr_in("vi", "option.host_rules.bad", line=line))
    return f"MAP {parts[0]} {parts[1]}"


class OptionsForm(QWidget):
    """Widgets for the fields of a frozen options dataclass, labelled from its bilingual metadata."""

    def __init__(self, options: CaptureOptions, names: tuple[str, ...] = SHOWN) -> None:
        super().__init__()
        self.layout_ = QFormLayout(self)
        self.layout_.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.base = options
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        fields = {f.name: f for f in dataclasses.fields(CaptureOptions)}
        for name in names:
            f = fields[name]
            value = getattr(options, name)
            widget: QWidget
            if f.metadata.get("choices"):
                combo = QComboBox()
                for choice in f.metadata["choices"]:
                    combo.addItem(i18n.tr_or(f"choice.{name}.{choice}", choice), choice)
                combo.setCurrentIndex(max(combo.findData(value), 0))
                widget = combo
            elif isinstance(value, bool):
                box = QCheckBox()
                box.setChecked(value)
                widget = box
            elif isinstance(value, int):
                spin = QSpinBox()
                spin.setRange(0, 10_000_000)
                spin.setValue(value)
                widget = spin
            elif isinstance(value, tuple):
                lines = [host_rule_line(rule) for rule in value] if name == "host_rules" else list(value)
                text = QPlainTextEdit("\n".join(lines))
                text.setMaximumHeight(54)
                widget = text
            else:
                widget = QLineEdit(str(value))
            widget.setObjectName(f"option_{name}")
            self.widgets[name] = widget
            if isinstance(widget, QCheckBox):  # the text goes on the box itself
                self.layout_.addRow(widget)
                continue
            label = QLabel()
            self.labels[name] = label
            self.layout_.addRow(label, widget)
        i18n.on_change(self._relabel)
        self._relabel()

    def _relabel(self, _lang: str = "") -> None:
        fields = {f.name: f for f in dataclasses.fields(CaptureOptions)}
        lang = "vi" if i18n.current() == "vi" else "en"
        for name, widget in self.widgets.items():
            # the desk's own wording where the shared one speaks the command line's syntax (host rules)
            text = i18n.tr_or(f"option.{name}", str(fields[name].metadata.get(lang) or name))
            if i18n.has(f"option.{name}.hint"):
                widget.setToolTip(tr(f"option.{name}.hint"))
                if isinstance(widget, QPlainTextEdit):
                    widget.setPlaceholderText(tr(f"option.{name}.hint"))
            if isinstance(widget, QCheckBox):
                widget.setText(text)
            else:
                self.labels[name].setText(text)
            if isinstance(widget, QComboBox):
                for index in range(widget.count()):
                    value = str(widget.itemData(index))
                    widget.setItemText(index, i18n.tr_or(f"choice.{name}.{value}", value))

    def options(self) -> CaptureOptions:
        values: dict[str, Any] = {}
        for name, widget in self.widgets.items():
            if isinstance(widget, QComboBox):
                values[name] = widget.currentData()
            elif isinstance(widget, QCheckBox):
                values[name] = widget.isChecked()
            elif isinstance(widget, QSpinBox):
                values[name] = widget.value()
            elif isinstance(widget, QPlainTextEdit):
                lines = tuple(line.strip() for line in widget.toPlainText().splitlines() if line.strip())
                values[name] = tuple(map(host_rule, lines)) if name == "host_rules" else lines
            elif isinstance(widget, QLineEdit):
                values[name] = widget.text().strip()
        return self.base.with_changes(**values)


class WebCaptureDialog(TaskDialog):
    title_key = "web.title"
    help_topic = "capture"
    start_key = "web.start"
    bytes_progress = False

    def __init__(self, workspace: Any, parent: Any = None) -> None:
        super().__init__(workspace, parent)
        self.resize(720, 680)
        self.case_label = QLabel()
        self.case_label.setWordWrap(True)
        theme.set_role(self.case_label, "hint")
        self.form_layout.addWidget(self.case_label)
        self.urls = QPlainTextEdit()
        self.urls.setObjectName("urlList")
        bind(self.urls, "setPlaceholderText", "web.urls.hint")
        self.urls.setMaximumHeight(110)
        self.form_layout.addWidget(self.urls)
        row = QHBoxLayout()
        load = bind(QPushButton(), "setText", "web.load.list")
        load.clicked.connect(self._load_list)
        row.addWidget(load)
        row.addStretch(1)
        row.addWidget(bind(QLabel(), "setText", "web.concurrency"))
        self.concurrency = QSpinBox()
        self.concurrency.setObjectName("concurrency")
        self.concurrency.setRange(1, 4)
        row.addWidget(self.concurrency)
        self.form_layout.addLayout(row)
        session = workspace.session_or_raise()
        self.remote = bind(QCheckBox(), "setText", "web.remote")
        self.remote.setObjectName("captureRemote")
        workers = remote_configured(session.reader)
        self.remote.setEnabled(workers)
        bind(self.remote, "setToolTip", "web.remote.tip" if workers else "web.remote.none")
        self.remote.toggled.connect(lambda on: self.concurrency.setEnabled(not on))
        self.form_layout.addWidget(self.remote)
        self.options_box = QGroupBox()
        bind(self.options_box, "setTitle", "web.options")
        self.options_box.setCheckable(True)
        self.options_box.setChecked(False)
        box_layout = QFormLayout(self.options_box)
        scroll = QScrollArea()
        scroll.setObjectName("optionsScroll")
        scroll.setWidgetResizable(True)
        self.options_scroll = scroll
        self.options_form = OptionsForm(effective_options(session.reader))
        scroll.setWidget(self.options_form)
        scroll.setMinimumHeight(200)
        box_layout.addRow(scroll)
        self.options_box.toggled.connect(scroll.setVisible)
        scroll.setVisible(False)
        self.form_layout.addWidget(self.options_box)
        self.outcomes = QListWidget()
        self.outcomes.setObjectName("captureOutcomes")
        self.outcomes.setWordWrap(True)
        self.outcomes.itemActivated.connect(
            lambda entry: entry.data(Qt.ItemDataRole.UserRole) and workspace.go_to_item(
                int(entry.data(Qt.ItemDataRole.UserRole))))
        self.outcomes.hide()
        self.result_layout.addWidget(self.outcomes)
        self.remedy_button = QPushButton()
        self.remedy_button.setObjectName("remedyButton")
        theme.set_role(self.remedy_button, "primary")
        self.remedy_button.hide()
        self.remedy_button.clicked.connect(self.open_remedy)
        self.result_layout.addWidget(self.remedy_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._remedy = ""
        self._case_id = workspace.current_case_id()
        self.batch: WebBatchResult | None = None
        if self._case_id is not None:
            case = session.reader.get_case(self._case_id)
            self.case_label.setText(tr("task.into.case", number=case.number, title=case.title))

    def _load_list(self) -> None:
        name = file_dialogs.open_file(self, tr("web.load.list"), "", "*.txt *")
        if not name:
            return
        try:
            urls = read_urls_file(Path(name))
        except UsageError as exc:
            self.show_problem(error_text(exc))
            return
        self.urls.setPlainText("\n".join(urls))

    def url_list(self) -> list[str]:
        return [line.strip() for line in self.urls.toPlainText().splitlines()
                if line.strip() and not line.lstrip().startswith("#")]

    def make_job(self) -> Job | None:
        if self._case_id is None:
            self.show_problem(tr("task.no.case"))
            return None
        urls = self.url_list()
        if not urls:
            self.show_problem(tr("web.need.url"))
            return None
        options = self.options_form.options()
        case_id, concurrency = self._case_id, self.concurrency.value()
        remote = self.remote.isEnabled() and self.remote.isChecked()
        self.outcomes.clear()
        self.outcomes.hide()
        self.remedy_button.hide()

        def work(vault: Any, progress: Any, cancel: Any) -> WebBatchResult:
            def step(done: int, total: int | None, label: str) -> None:
                progress(done, total, tr(STEPS[label]) if label in STEPS else label)  # a URL, or a step in words

            return capture_web(vault, case_id, urls, options=options, concurrency=concurrency, progress=step,
                               cancel=cancel, remote=remote)

        return Job(tr("web.job", count=len(urls)), work)

    def show_result(self, result: WebBatchResult) -> None:
        """What was captured, and honestly what was not: a run that collected nothing ends red, with each reason in
        the user's language and a button that opens the option that would allow it."""
        self.batch = result
        lang = i18n.current()
        total = len(result.outcomes)
        collected = [o for o in result.outcomes if o.item is not None and not o.reason(lang)]
        self.message.setText(tr("web.summary", captured=len(collected), total=total)
                             + (" " + tr("web.open.hint") if collected else ""))
        theme.set_role(self.message, "ok" if len(collected) == total else "error")
        if not collected:
            self.status.setText(tr("web.none.status"))
            theme.set_role(self.status, "error")
            self.progress.hide()
        for outcome in result.outcomes:
            warnings = len(outcome.item.warnings) if outcome.item else 0
            reason = outcome.reason(lang)
            status = "no_answer" if outcome.status == "captured" and reason else outcome.status
            text = tr(f"web.status.{status}", url=outcome.url, warnings=warnings, error=reason)
            entry = QListWidgetItem(theme.icon("web" if outcome.item and not reason else "warning"), text)
            entry.setData(Qt.ItemDataRole.UserRole, outcome.item.id if outcome.item else None)
            entry.setToolTip(text)
            self.outcomes.addItem(entry)
        self.outcomes.show()
        remedies = [o.remedy for o in result.outcomes if o.remedy in OPTION_REMEDIES]
        if remedies:
            self._remedy = remedies[0]
            self.remedy_button.setText(tr("web.remedy.button", option=option_label(OPTION_REMEDIES[self._remedy])))
            self.remedy_button.show()
        if collected and collected[0].item is not None:
            self.workspace.go_to_item(collected[0].item.id)

    def open_remedy(self) -> None:
        """Open the capture options at the control that would allow what was refused (the examiner decides)."""
        option = OPTION_REMEDIES.get(self._remedy)
        if option is None:
            return
        self.options_box.setChecked(True)
        widget = self.options_form.widgets[option]
        self.options_scroll.ensureWidgetVisible(widget)
        widget.setFocus()
