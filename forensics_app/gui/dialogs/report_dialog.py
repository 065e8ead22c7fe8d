"""Generate a report (court report, collection minutes, statistics), then open it.

The formal fields a court report and the minutes print (place, the task or
decision the work was done under, witnesses; for the minutes its number, the
seal or medium and any complaints) are asked here, prefilled from the case's
last report (its record keeps what was given) or from the settings. The PDF is
stored in the case as a ``report`` item and written where the examiner chose;
the folder is remembered per case.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from evidence_store import Cancelled
from report_templates import MinutesFields, Person

from ...services import settings as settings_service
from ...services.reports import KINDS, ReportOptions, ReportResult, generate_report, last_report_fields
from .. import file_dialogs, i18n, theme
from ..forms import path_row
from ..i18n import bind, tr
from ..jobs import Job
from ..task_dialog import TaskDialog

NO_DATE = QDate(2000, 1, 1)  # the decision date field shows nothing at its minimum
WITNESS_ROWS = 3


class ReportDialog(TaskDialog):
    title_key = "report.title"
    start_key = "report.start"
    help_topic = "report"
    bytes_progress = False

    def __init__(self, workspace: Any, parent: Any = None) -> None:
        super().__init__(workspace, parent)
        self.case_label = QLabel()
        self.case_label.setWordWrap(True)
        theme.set_role(self.case_label, "hint")
        self.form_layout.addWidget(self.case_label)
        form = QFormLayout()
        self.kind = QComboBox()
        self.kind.setObjectName("reportKind")
        for kind in KINDS:
            self.kind.addItem(tr(f"report.kind.{kind}"), kind)
        self.language = QComboBox()
        self.language.setObjectName("reportLanguage")
        self.language.addItem("Tiếng Việt", "vi")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(0 if i18n.current() == "vi" else 1)
        self.use_range = bind(QCheckBox(), "setText", "report.range")
        self.use_range.setObjectName("useRange")
        self.date_from = QDateEdit(QDate.currentDate().addMonths(-6))
        self.date_to = QDateEdit(QDate.currentDate())
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.use_range.toggled.connect(self.date_from.setEnabled)
        self.use_range.toggled.connect(self.date_to.setEnabled)
        dates = QHBoxLayout()
        dates.addWidget(self.use_range)
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel("—"))
        dates.addWidget(self.date_to)
        dates.addStretch(1)
        self.out = QLineEdit()
        self.out.setObjectName("reportPath")
        out_row = path_row(self.out, self._choose)
        form.addRow(bind(QLabel(), "setText", "report.kind"), self.kind)
        form.addRow(bind(QLabel(), "setText", "report.language"), self.language)
        form.addRow(bind(QLabel(), "setText", "report.period"), dates)
        form.addRow(bind(QLabel(), "setText", "report.file"), out_row)
        self.form_layout.addLayout(form)
        self.formal_box = self._formal_box()
        self.form_layout.addWidget(self.formal_box)
        self.sign_token = bind(QCheckBox(), "setText", "report.sign.token")
        self.sign_token.setObjectName("signWithToken")
        self._on_token = bool(workspace.session_or_raise().token_name)  # the examiner signs on a token
        self.sign_token.setVisible(self._on_token)
        self.form_layout.addWidget(self.sign_token)
        self.open_button = bind(QPushButton(), "setText", "report.open")
        self.open_button.setObjectName("openReportButton")
        self.open_button.clicked.connect(self.open_external)
        self.open_button.hide()
        self.result_layout.addWidget(self.open_button)
        self._case_id = workspace.current_case_id()
        self._case_uid = ""
        self._case_number = ""
        self.report: ReportResult | None = None
        reader = workspace.session_or_raise().reader
        if self._case_id is not None:
            case = reader.get_case(self._case_id)
            self.case_label.setText(tr("task.into.case", number=case.number, title=case.title))
            self._case_number, self._case_uid = case.number, case.uid
        self.prefill(reader)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        i18n.on_change(self._relabel)

    # -- the formal fields ---------------------------------------------------------------------------------
    def _formal_box(self) -> QGroupBox:
        box = QGroupBox()
        box.setObjectName("formalFields")
        bind(box, "setTitle", "report.formal")
        layout = QFormLayout(box)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.place = QLineEdit()
        self.place.setObjectName("reportPlace")
        layout.addRow(bind(QLabel(), "setText", "report.place"), self.place)
        decision = QHBoxLayout()
        self.decision_number = QLineEdit()
        self.decision_number.setObjectName("decisionNumber")
        bind(self.decision_number, "setPlaceholderText", "report.decision.number")
        self.decision_date = QDateEdit()
        self.decision_date.setObjectName("decisionDate")
        self.decision_date.setCalendarPopup(True)
        self.decision_date.setDisplayFormat("dd/MM/yyyy")
        self.decision_date.setMinimumDate(NO_DATE)
        self.decision_date.setSpecialValueText(" ")
        self.decision_date.setDate(NO_DATE)
        bind(self.decision_date, "setToolTip", "report.decision.date")
        self.decision_issuer = QLineEdit()
        self.decision_issuer.setObjectName("decisionIssuer")
        bind(self.decision_issuer, "setPlaceholderText", "report.decision.issuer")
        decision.addWidget(self.decision_number, 2)
        decision.addWidget(self.decision_date, 1)
        layout.addRow(bind(QLabel(), "setText", "report.decision"), decision)
        # on its own row: an issuer ("Trưởng phòng An ninh mạng, Công an tỉnh …") is long, and read whole
        layout.addRow(bind(QLabel(), "setText", "report.decision.issued_by"), self.decision_issuer)
        self.witnesses = QTableWidget(WITNESS_ROWS, 3)
        self.witnesses.setObjectName("witnessTable")
        self.witnesses.verticalHeader().hide()
        self.witnesses.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.witnesses.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # a name, an ID: as long as typed
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # "position, organisation": the rest
        row_height = self.witnesses.verticalHeader().defaultSectionSize()
        self.witnesses.setFixedHeight(header.sizeHint().height() + WITNESS_ROWS * row_height + 4)
        self.witnesses.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 42)  # "Cán bộ, Phòng …" whole
        layout.addRow(bind(QLabel(), "setText", "report.witnesses"), self.witnesses)
        self.minutes_number = QLineEdit()
        self.minutes_number.setObjectName("minutesNumber")
        self.seal = QLineEdit()
        self.seal.setObjectName("minutesSeal")
        self.complaints = QPlainTextEdit()
        self.complaints.setObjectName("minutesComplaints")
        self.complaints.setFixedHeight(48)
        self.copies = QSpinBox()
        self.copies.setRange(1, 20)
        self.copies.setValue(2)
        self._minutes_rows: list[tuple[QLabel, QWidget]] = []
        for key, widget in (("report.minutes.number", self.minutes_number), ("report.minutes.seal", self.seal),
                            ("report.minutes.complaints", self.complaints), ("report.minutes.copies", self.copies)):
            label = bind(QLabel(), "setText", key)
            layout.addRow(label, widget)
            self._minutes_rows.append((label, widget))
        self._relabel_witnesses()
        return box

    def _relabel_witnesses(self) -> None:
        self.witnesses.setHorizontalHeaderLabels([tr("report.witness.name"), tr("report.witness.position"),
                                                  tr("report.witness.identity")])

    def prefill(self, reader: Any) -> None:
        """The case's last report's fields (what was given then), else the settings."""
        values = settings_service.all_settings(reader)
        last = last_report_fields(reader, self._case_id) if self._case_id is not None else None
        fields = last or MinutesFields(place=str(values.get("place") or ""))
        self.place.setText(fields.place or str(values.get("place") or ""))
        self.decision_number.setText(fields.decision_number)
        self.decision_issuer.setText(fields.decision_issuer)
        try:
            day = date.fromisoformat(fields.decision_date) if fields.decision_date else None
        except ValueError:
            day = None
        self.decision_date.setDate(QDate(day.year, day.month, day.day) if day else NO_DATE)
        for row, person in enumerate(fields.witnesses[:WITNESS_ROWS]):
            for column, value in enumerate((person.name, ", ".join(p for p in (person.position, person.organisation)
                                                                  if p), person.identity)):
                self.witnesses.setItem(row, column, QTableWidgetItem(value))
        self.minutes_number.setText(fields.number)
        self.seal.setText(fields.seal)
        self.copies.setValue(fields.copies)
        folder = self.workspace.prefs.report_folder(self._case_uid)
        stamp = date.today().strftime("%Y%m%d")
        self.out.setText(str(folder / f"{self._case_number or 'bao-cao'}-{self.kind.currentData()}-{stamp}.pdf"))

    def fields(self) -> MinutesFields:
        witnesses = []
        for row in range(self.witnesses.rowCount()):
            cells = [_cell_text(self.witnesses.item(row, c)) for c in range(3)]
            if cells[0]:
                position, _, organisation = cells[1].partition(",")
                witnesses.append(Person(cells[0], position.strip(), organisation.strip(), cells[2]))
        day = self.decision_date.date()
        return MinutesFields(number=self.minutes_number.text().strip(), place=self.place.text().strip(),
                             decision_number=self.decision_number.text().strip(),
                             decision_date=day.toString("yyyy-MM-dd") if day != NO_DATE else "",
                             decision_issuer=self.decision_issuer.text().strip(), witnesses=tuple(witnesses),
                             seal=self.seal.text().strip(), complaints=self.complaints.toPlainText().strip(),
                             copies=self.copies.value())

    def _kind_changed(self, _index: int = 0) -> None:
        kind = self.kind.currentData()
        for label, widget in self._minutes_rows:
            label.setVisible(kind == "minutes")
            widget.setVisible(kind == "minutes")
        self.formal_box.setVisible(kind != "stats")
        text = self.out.text().strip()
        if text:  # keep the folder and the case, follow the kind in the file name
            path = Path(text)
            for other in KINDS:
                if f"-{other}-" in path.name:
                    self.out.setText(str(path.with_name(path.name.replace(f"-{other}-", f"-{kind}-"))))
                    break
        self.fit_contents()

    def _relabel(self, _lang: str = "") -> None:
        for n, kind in enumerate(KINDS):
            self.kind.setItemText(n, tr(f"report.kind.{kind}"))
        self._relabel_witnesses()

    def _choose(self) -> None:
        name = file_dialogs.save_file(self, tr("report.file"), self.out.text() or "", "PDF (*.pdf)")[0]
        if name:
            self.out.setText(name if name.lower().endswith(".pdf") else name + ".pdf")

    def make_job(self) -> Job | None:
        if self._case_id is None:
            self.show_problem(tr("task.no.case"))
            return None
        if not self.out.text().strip():
            self.show_problem(tr("report.need.file"))
            return None
        out = Path(self.out.text().strip()).expanduser()
        date_from = date_to = None
        if self.use_range.isChecked():
            date_from = self.date_from.date().toString("yyyy-MM-dd")
            date_to = self.date_to.date().toString("yyyy-MM-dd")
        options = ReportOptions(kind=self.kind.currentData(), lang=self.language.currentData(),
                                date_from=date_from, date_to=date_to, fields=self.fields(),
                                sign_token=self._on_token and self.sign_token.isChecked())
        case_ref = self._case_number
        self.open_button.hide()

        def work(vault: Any, progress: Any, cancel: Any) -> ReportResult:
            def step(done: int, total: int | None, label: str) -> None:
                if cancel.cancelled:
                    raise Cancelled("cancelled by the user; nothing was half-written")
                progress(done, total, tr_step(label))

            return generate_report(vault, case_ref, out, options, progress=step)

        return Job(tr("report.job"), work)

    def show_result(self, result: ReportResult) -> None:
        self.report = result
        self.workspace.prefs.remember_report_folder(self._case_uid, result.path.parent)
        self.message.setText(tr("report.done", path=str(result.path), pages=result.pages, id=result.item.id))
        self.open_button.show()
        self.workspace.go_to_item(result.item.id)

    def open_external(self) -> None:
        if self.report is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.report.path)))


def _cell_text(cell: QTableWidgetItem | None) -> str:
    return cell.text().strip() if cell is not None else ""


def tr_step(label: str) -> str:
    """The report service's step names in words."""
    return i18n.tr_or(f"report.step.{label}", label)
