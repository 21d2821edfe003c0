"""The inspection report of a done visit from the console ('w' on the
Inspections screen): the workbook ``dispatch inspections report`` writes
(store/transfer/inspection_report.py: the A4 sheet to print and sign, and
the results as data), through the export form (console/screens/export_form.py):
the same place (~/dispatch-exports), the same progress and esc, an existing
file replaced only after asking, and in a browser tab a download, nothing
written on the server (console/downloads.py)."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

from textual import work

from store.rules.periods import Period, Scope

from ..i18n import _
from .export_form import Choice, ExportCancelled, ExportScreen


class InspectionReportScreen(ExportScreen):
    def __init__(self, visit_id: int, name: str, where: str, *, today: date) -> None:
        """``name``: the file's name (store/transfer/inspection_report.py report_name),
        ``where``: the visit's site or equipment, for the title."""
        super().__init__(Period.day(today), Scope(), "inspection", today=today)
        self.visit_id, self.file_name, self.where = visit_id, name, where
        self.draft_key = ("inspection-report", visit_id)

    def make_choices(self) -> list[Choice]:
        return [Choice("inspection", _("Inspection report, visit {id}").format(id=self.visit_id),
                       self.file_name.removesuffix(".xlsx"), True)]

    def heading(self) -> tuple[str, str]:
        return (_("Inspection report: {where}").format(where=self.where),
                _("For the customer: an A4 sheet to print and sign, and the results as data (.xlsx)."))

    def _count(self) -> int:
        """The items the report lists (the toast says how many)."""
        v = self.store.inspections.visit(self.visit_id)
        return sum(len(r.results) for r in v.recorded)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def export(self, choice: Choice, path: Path, cancel: threading.Event) -> None:
        from store.transfer.inspection_report import write_inspection_report

        progress = self._progress(cancel)
        try:
            progress("report", 0, 1)
            write_inspection_report(self.store, self.visit_id, path)
            n = self._count()
            progress("report", 1, 1)
        except ExportCancelled:
            self.app.call_from_thread(self._stopped)
            return
        except Exception as exc:  # a full disk, a folder gone meanwhile, a refused read: say it, keep the form
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._done, path, n)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def export_download(self, choice: Choice, name: str, cancel: threading.Event) -> None:
        from store.transfer.inspection_report import inspection_report_bytes

        progress = self._progress(cancel)
        try:
            progress("report", 0, 1)
            data = inspection_report_bytes(self.store, self.visit_id)
            n = self._count()
            progress("report", 1, 1)
        except ExportCancelled:
            self.app.call_from_thread(self._stopped)
            return
        except Exception as exc:
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._deliver, name, data, n)
