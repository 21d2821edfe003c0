"""CSV import and export of one reference table from the console.

Import reads and checks the file in a worker thread with a progress bar; the
store imports nothing unless every row is good, and the bad rows are listed
(line, field, reason) so the file can be fixed and imported again.

In a browser tab (``dispatch serve``) the file would be the server's: import
is refused there (records.py), and export sends a download instead of writing
a file (console/downloads.py)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, ProgressBar, Static

from store.limits import PATH_MAX
from store.text import clean

from .. import downloads
from ..i18n import N_, _, ngettext
from ..settings import apply_blink
from ..widgets.fields import field_row, show_error
from ..widgets.form import KeepsDrafts
from ..widgets.textfield import TextInput

REPORT_LINES = 200  # bad rows listed on screen; the count says how many more


class CsvModal(KeepsDrafts, ModalScreen[Any]):
    DEFAULT_CSS = """
    CsvModal #progress { margin-bottom: 1; }
    CsvModal .report { height: auto; max-height: 12; }
    CsvModal .report.-error { color: $text-error; }
    """
    BINDINGS = [Binding("escape", "close", N_("Close"))]

    def __init__(self, table: str, title: str) -> None:
        super().__init__()
        self.table = table
        self.table_title = title
        self.busy = False
        self.draft_key = (f"csv-{type(self).__name__}", table)

    def action_close(self) -> None:
        if self.busy:
            self.notify(_("Still working: wait for the report."), markup=False)
            return
        self.close_asking(lambda: self.dismiss(None))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_close()

    def path(self) -> Path:
        return Path(self.query_one("#f-path", Input).value.strip()).expanduser()

    def say(self, text: str, error: bool = False) -> None:
        report = self.query_one("#report", Static)
        report.update(Content(text))
        report.set_class(error, "-error")


class ImportScreen(CsvModal):
    """Path in, report out. Runs in a worker; the bar follows the rows checked."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form csv"):
            yield Static(Content(_("Import {table} from a CSV file").format(table=self.table_title)), classes="title")
            yield Static(Content(_("The first line names the columns. Rows with an existing key are updated, "
                                   "the others are added. Nothing is imported unless every row is good.")),
                         classes="hint")
            yield from field_row("path", _("CSV file"), TextInput(
                placeholder=_("path, e.g. ~/sites.csv"), id="f-path", compact=True, max_length=PATH_MAX))
            yield ProgressBar(id="progress", show_eta=False)
            yield Static("", id="report", classes="report")
            yield Static("", classes="error", id="e-general")
            with Horizontal(classes="buttons"):
                yield Button(_("Import (enter)"), variant="primary", id="save", compact=True)
                yield Button(_("Close (esc)"), id="cancel", compact=True)

    def on_mount(self) -> None:
        apply_blink(self)
        self.query_one("#f-path").focus()
        self.remember_initial()

    @on(Input.Submitted, "#f-path")
    @on(Button.Pressed, "#save")
    def _start(self) -> None:
        if self.busy:
            return
        show_error(self, "path", "")
        if not self.query_one("#f-path", Input).value.strip():
            show_error(self, "path", _("the path of a CSV file"))
            return
        path = self.path()
        if not path.is_file():
            show_error(self, "path", _("no such file: {path}").format(path=clean(str(path), single_line=True)))
            return
        self.busy = True
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.say(_("Reading {path}…").format(path=clean(str(path), single_line=True)))
        self.run_import(path)

    @work(thread=True, exclusive=True, group="csv-import", exit_on_error=False)
    def run_import(self, path: Path) -> None:
        from store.transfer.csv_io import import_rows, read_csv

        store = self.app.store

        def progress(done: int, total: int | None = None, *_rest: Any) -> None:
            self.app.call_from_thread(self.query_one(ProgressBar).update, progress=done, total=total)

        try:
            rows = read_csv(path, self.table)
            self.app.call_from_thread(self.query_one(ProgressBar).update, total=max(1, len(rows)), progress=0)
            report = import_rows(store, self.table, rows, progress=progress)
        except Exception as exc:  # a file that is not CSV, a refused write: say it, keep the screen
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._done, report, len(rows))

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        text = str(exc) or type(exc).__name__
        self.say(_("Nothing imported: {error}").format(error=clean(text)), error=True)

    def _done(self, report: Any, total: int) -> None:
        self.busy = False
        bar = self.query_one(ProgressBar)
        bar.update(total=max(1, total), progress=max(1, total))
        errors = list(getattr(report, "errors", []) or [])
        if errors:
            lines = [ngettext("Nothing imported: {n} bad row of {total}. Fix the file and import it again.",
                              "Nothing imported: {n} bad rows of {total}. Fix the file and import it again.",
                              len({e[0] for e in errors})).format(n=len({e[0] for e in errors}), total=total)]
            for line, field, reason in errors[:REPORT_LINES]:
                lines.append(_("line {line}, {field}: {reason}").format(
                    line=line, field=clean(str(field or "—"), single_line=True),
                    reason=clean(str(reason), single_line=True)))
            if len(errors) > REPORT_LINES:
                lines.append(_("… and {n} more").format(n=len(errors) - REPORT_LINES))
            self.say("\n".join(lines), error=True)
            return
        self.done_as_is()
        self.say(_("Imported: {created} added, {updated} updated.").format(
            created=report.created, updated=report.updated))
        self.notify(_("{table}: {created} added, {updated} updated from CSV.").format(
            table=self.table_title, created=report.created, updated=report.updated), markup=False)


class ExportScreen(CsvModal):
    """Write the table's records in service to a CSV file (in a browser tab: a download)."""

    @property
    def web(self) -> bool:
        return downloads.in_browser(self.app)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form csv"):
            yield Static(Content(_("Export {table} to a CSV file").format(table=self.table_title)), classes="title")
            yield Static(Content(_("The records in service, in the columns the import reads: the file can be edited and "
                                   "imported back (UTF-8, opens in Excel).")),
                         classes="hint")
            default = f"{self.table}.csv" if self.web else str(Path("~").expanduser() / f"{self.table}.csv")
            yield from field_row("path", _("Download as") if self.web else _("CSV file"),
                                 TextInput(default, id="f-path", compact=True, max_length=PATH_MAX))
            yield Static("", id="report", classes="report")
            yield Static("", classes="error", id="e-general")
            with Horizontal(classes="buttons"):
                yield Button(_("Export (enter)"), variant="primary", id="save", compact=True)
                yield Button(_("Close (esc)"), id="cancel", compact=True)

    def on_mount(self) -> None:
        apply_blink(self)
        self.query_one("#f-path").focus()
        self.remember_initial()

    @on(Input.Submitted, "#f-path")
    @on(Button.Pressed, "#save")
    def _start(self) -> None:
        if self.busy:
            return
        show_error(self, "path", "")
        if self.web:
            name = self.query_one("#f-path", Input).value.strip()
            why = downloads.name_refusal(name)
            if why:
                show_error(self, "path", why)
                return
            self.busy = True
            self.run_download(downloads.download_name(name))
            return
        if not self.query_one("#f-path", Input).value.strip():
            show_error(self, "path", _("the path of the file to write"))
            return
        path = self.path()
        if path.is_dir() or not path.parent.is_dir():
            show_error(self, "path", _("not a file in an existing folder: {path}").format(
                path=clean(str(path), single_line=True)))
            return
        self.busy = True
        self.run_export(path)

    @work(thread=True, exclusive=True, group="csv-export", exit_on_error=False)
    def run_export(self, path: Path) -> None:
        from store.transfer.csv_io import export_csv

        try:
            count = export_csv(self.app.store, self.table, path)
        except Exception as exc:  # a folder not writable, a full disk: say it
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._done, path, count)

    @work(thread=True, exclusive=True, group="csv-export", exit_on_error=False)
    def run_download(self, name: str) -> None:
        """The same CSV made in memory, for the browser to download."""
        from store.transfer.csv_io import export_csv

        text = io.StringIO(newline="")
        try:
            count = export_csv(self.app.store, self.table, text)
        except Exception as exc:  # a refused read: say it
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._deliver, name, text.getvalue().encode("utf-8-sig"), count)

    def _deliver(self, name: str, data: bytes, count: int) -> None:
        self.busy = False
        self.done_as_is()
        downloads.send(self.app, data, name)
        self.say(downloads.sent_notice(name, count))

    def _failed(self, exc: Exception) -> None:
        from store.files import OutputFileError

        self.busy = False
        if isinstance(exc, OutputFileError):  # says itself that nothing was written (a full disk, say)
            self.say(clean(str(exc)), error=True)
            return
        self.say(_("Not exported: {error}").format(error=clean(str(exc) or type(exc).__name__)), error=True)

    def _done(self, path: Path, count: int) -> None:
        self.busy = False
        self.done_as_is()
        self.say(ngettext("{n} row written to {path}.",
                          "{n} rows written to {path}.", count).format(n=count, path=clean(str(path), single_line=True)))
