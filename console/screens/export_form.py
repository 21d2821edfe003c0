"""Export from the reports screen (`x`): which export, where to write it, a
progress bar while it runs.

The choices follow what the reports screen shows: the daily workbook of the
shown day, the month workbook of the shown month, and the data exports
(tickets, technicians, evaluations, improvement items, parts used, fees) of the shown period
and scope, as CSV or JSON (the file name's ending says which). The export
runs in a worker thread on the store's read connections; the bar follows the
rows written. Esc stops it, and nothing is left behind: the file is written
beside its name and renamed into place only when whole
(store/transfer/workbooks.py, callback_form.py, data_exports.py). A path that cannot be used is refused before
anything runs, beside the field, keeping what was typed; an existing file is
replaced only after asking. In a browser tab the field is the download's name:
the export is made in memory and sent to the browser (console/downloads.py),
nothing is written on the server."""

from __future__ import annotations

import io
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, ProgressBar, Select, Static

from store.files import FOLDER_MODE
from store.limits import PATH_MAX
from store.repo.export_rows import ExportFilter
from store.rules.periods import Period, Scope
from store.text import clean

from .. import downloads
from ..i18n import N_, _
from ..settings import apply_blink
from ..widgets.fields import changed_since_refused, field_row, show_error
from ..widgets.form import KeepsDrafts
from ..widgets.textfield import TextInput

DATA_KINDS = ("tickets", "technicians", "evaluations", "items", "parts_usage", "fees")


class ExportCancelled(Exception):
    """Esc while an export runs: raised from its progress callback."""


def export_dir() -> Path:
    """Where exports go unless another path is typed (made on first use)."""
    return Path.home() / "dispatch-exports"


def _slug(text: object) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]+", "-", str(text)).strip("-") or "x"


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    name: str  # the file name without its ending
    workbook: bool  # .xlsx; otherwise .csv or .json

    @property
    def default_name(self) -> str:
        return self.name + (".xlsx" if self.workbook else ".csv")


def daily_day(period: Period, today: date) -> date:
    """The day whose workbook the form offers: the shown day, or the last day
    of the shown period that is over (yesterday at the latest)."""
    if period.kind == "day":
        return period.start
    return max(period.start, min(period.end - timedelta(days=1), today - timedelta(days=1)))


def choices(period: Period, scope: Scope, today: date) -> list[Choice]:
    day = daily_day(period, today)
    month = period.start.strftime("%Y-%m")
    span = {"month": month, "day": period.start.isoformat(), "week": period.start.strftime("%G-W%V")}.get(
        period.kind, f"{period.start.isoformat()}_{(period.end - timedelta(days=1)).isoformat()}")
    where = "" if scope.kind == "center" else f"-{scope.kind}-{_slug(scope.value)}"
    shown = period.label() + ("" if scope.kind == "center" else f" · {clean(scope.label(), single_line=True)}")
    words = {"tickets": _("Tickets"), "technicians": _("Technicians"), "evaluations": _("Evaluations"),
             "items": _("Improvement items"), "parts_usage": _("Parts used"), "fees": _("Fees and invoices")}
    return [
        Choice("daily", _("Daily workbook, {day}").format(day=day.isoformat()), f"daily-{day.isoformat()}", True),
        Choice("month", _("Month workbook, {month}").format(month=month), f"month-{month}", True),
        *(Choice(k, _("{what}, {shown}").format(what=words[k], shown=shown), f"{k.replace('_', '-')}-{span}{where}",
                 False) for k in DATA_KINDS),
    ]


def scope_filter(period: Period, scope: Scope) -> ExportFilter:
    value = scope.value
    return ExportFilter(
        period.start, period.end,
        team_id=int(value) if scope.kind == "team" and value is not None else None,
        technician_id=int(value) if scope.kind == "technician" and value is not None else None,
        site_id=int(value) if scope.kind == "site" and value is not None else None,
        category=str(value) if scope.kind == "category" and value is not None else None)


class ExportScreen(KeepsDrafts, ModalScreen[Path | None]):
    """Dismissed with the path written, or None."""

    DEFAULT_CSS = """
    ExportScreen #progress { margin-bottom: 1; }
    ExportScreen #report { height: auto; max-height: 4; }
    ExportScreen #report.-error { color: $text-error; text-style: bold; }
    """
    BINDINGS = [Binding("escape", "close", N_("Close / stop")),
                Binding("ctrl+s", "start", N_("Export"), priority=True)]

    def __init__(self, period: Period, scope: Scope, kind: str = "month", *, today: date) -> None:
        """``today``: the site's today, read by the reports screen (the daily workbook's default day)."""
        super().__init__()
        self.period, self.scope, self.kind, self.today = period, scope, kind, today
        self.choices: list[Choice] = []
        self.busy = False
        self.cancel = threading.Event()
        self.suggested = ""  # the path the form last proposed: replaced when the choice changes, unless edited
        self.draft_key = ("export", 0)


    @property
    def web(self) -> bool:
        """A browser tab: a download, never a file of the server."""
        return downloads.in_browser(self.app)

    def make_choices(self) -> list[Choice]:
        """What the form offers (a subclass offers its own: the inspection report)."""
        return choices(self.period, self.scope, self.today)

    def heading(self) -> tuple[str, str]:
        """The form's title and hint."""
        return _("Export"), _("Workbooks for the whole center; the other exports for the scope shown, as CSV, or JSON"
                              " when the name ends in .json.")

    def compose(self) -> ComposeResult:
        self.choices = self.make_choices()
        title, hint = self.heading()
        with VerticalScroll(classes="form export"):
            yield Static(Content(title), classes="title")
            yield Static(Content(hint), classes="hint")
            yield from field_row("kind", _("What"), Select(
                [(c.label, c.key) for c in self.choices], value=self.kind, allow_blank=False, id="f-kind",
                compact=True))
            yield from field_row("path", _("Download as") if self.web else _("File"),
                                 TextInput("", id="f-path", compact=True, max_length=PATH_MAX))
            yield ProgressBar(id="progress", show_eta=False)
            yield Static("", id="report")
            with Horizontal(classes="buttons"):
                yield Button(_("Export (ctrl+s)"), variant="primary", id="save", compact=True)
                yield Button(_("Close (esc)"), id="cancel", compact=True)

    def on_mount(self) -> None:
        apply_blink(self)
        self.query_one(ProgressBar).display = False  # shown while an export runs
        self._suggest()
        self.query_one("#f-kind", Select).focus()
        self.remember_initial()

    # ------------------------------------------------------------ the form
    def choice(self) -> Choice:
        key = self.query_one("#f-kind", Select).value
        return next((c for c in self.choices if c.key == key), self.choices[0])

    def _suggest(self) -> None:
        field = self.query_one("#f-path", Input)
        if field.value.strip() and field.value != self.suggested:
            return  # typed by hand: kept
        name = self.choice().default_name
        self.suggested = name if self.web else str(export_dir() / name)
        field.value = self.suggested

    @on(Select.Changed, "#f-kind")
    def _kind_changed(self) -> None:
        self.kind = self.choice().key  # the reports screen offers it again next time
        show_error(self, "path", "")
        self._suggest()

    @on(Input.Changed, "#f-path")
    def _path_changed(self) -> None:
        if not changed_since_refused(self, "path"):
            return  # the text just refused, its Changed handled after the save: why stays
        show_error(self, "path", "")
        if not self.busy:
            self.say("")

    def say(self, text: str, error: bool = False) -> None:
        report = self.query_one("#report", Static)
        report.update(Content(text))
        report.set_class(error, "-error")

    def refusal(self, text: str, choice: Choice) -> str | None:
        """Why the path typed cannot be written, or None."""
        if self.web:  # only a name: nothing of the server's disk is looked at
            why = downloads.name_refusal(text)
            if why:
                return why
        elif not text.strip():
            return _("the path of the file to write")
        path = Path(text.strip()) if self.web else Path(text.strip()).expanduser()
        shown = clean(str(path), single_line=True)
        if not self.web and path.is_dir():
            return _("{path} is a folder: add a file name").format(path=shown)
        suffix = path.suffix.lower()
        if choice.workbook and suffix != ".xlsx":
            return _("a workbook's name ends in .xlsx")
        if not choice.workbook and suffix not in (".csv", ".json"):
            return _("the name ends in .csv or .json")
        if self.web:
            return None
        folder = path.parent
        if not folder.exists() and folder == export_dir():
            try:
                folder.mkdir(FOLDER_MODE, parents=True)  # not open to everyone, whatever the umask
            except OSError as exc:
                return _("cannot make the folder {path} ({e})").format(
                    path=clean(str(folder), single_line=True), e=exc.strerror or exc)
        if not folder.is_dir():
            return _("no such folder: {path}").format(path=clean(str(folder), single_line=True))
        if not os.access(folder, os.W_OK | os.X_OK):
            return _("cannot write in {path}").format(path=clean(str(folder), single_line=True))
        if path.exists() and (not path.is_file() or not os.access(path, os.W_OK)):
            return _("{path} cannot be replaced").format(path=shown)
        return None

    @on(Input.Submitted, "#f-path")
    @on(Button.Pressed, "#save")
    def action_start(self) -> None:
        if self.busy:
            return
        choice, text = self.choice(), self.query_one("#f-path", Input).value
        why = self.refusal(text, choice)
        if why:
            show_error(self, "path", why)
            self.say(_("Nothing written."), error=True)
            return
        path = Path(text.strip()) if self.web else Path(text.strip()).expanduser()
        if not self.web and path.exists():
            from ..widgets.confirm import ConfirmScreen

            def answer(yes: str | None) -> None:
                if yes == "replace":
                    self._run(choice, path)
                else:
                    self.say(_("Nothing written: {path} is kept.").format(path=clean(str(path), single_line=True)))

            self.app.push_screen(ConfirmScreen(_("{path} exists. Replace it?").format(
                path=clean(str(path), single_line=True)), [("replace", _("Replace"), "r")]), answer)
            return
        self._run(choice, path)

    def _run(self, choice: Choice, path: Path) -> None:
        self.busy = True
        self.cancel = threading.Event()
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        if self.web:
            self.say(_("Making {name} for your browser… (esc stops)").format(name=clean(path.name, single_line=True)))
            self.export_download(choice, downloads.download_name(path.name), self.cancel)
        else:
            self.say(_("Writing {path}… (esc stops)").format(path=clean(str(path), single_line=True)))
            self.export(choice, path, self.cancel)

    # ------------------------------------------------------------ the work
    def _progress(self, cancel: threading.Event) -> Callable[[str, int, int], None]:
        bar = self.query_one(ProgressBar)

        def progress(stage: str, done: int, total: int) -> None:
            if cancel.is_set():
                raise ExportCancelled
            self.app.call_from_thread(bar.update, total=max(1, total), progress=done if total else 1)

        return progress

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def export(self, choice: Choice, path: Path, cancel: threading.Event) -> None:
        from store.files import replace_when_done
        from store.transfer.data_exports import export_data
        from store.transfer.workbooks import write_daily, write_month

        store, progress = self.store, self._progress(cancel)
        try:
            if choice.key == "daily":
                n = write_daily(store, daily_day(self.period, store.callbacks.today()), path, progress)
            elif choice.key == "month":
                n = write_month(store, self.period.start.strftime("%Y-%m"), path, progress)["tickets"]
            else:
                fmt = "json" if path.suffix.lower() == ".json" else "csv"
                with replace_when_done(path) as tmp, tmp.open(
                        "w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as fh:
                    n = export_data(store, choice.key, scope_filter(self.period, self.scope), fmt, fh, progress)
        except ExportCancelled:
            self.app.call_from_thread(self._stopped)
            return
        except Exception as exc:  # a full disk, a folder gone meanwhile, a refused read: say it, keep the form
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._done, path, n)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def export_download(self, choice: Choice, name: str, cancel: threading.Event) -> None:
        """The same export made in memory, for the browser to download."""
        from store.transfer.data_exports import export_data
        from store.transfer.workbooks import daily_bytes, month_bytes

        store, progress = self.store, self._progress(cancel)
        try:
            if choice.key == "daily":
                data, n = daily_bytes(store, daily_day(self.period, store.callbacks.today()), progress)
            elif choice.key == "month":
                data, counts = month_bytes(store, self.period.start.strftime("%Y-%m"), progress)
                n = counts["tickets"]
            else:
                fmt = "json" if name.lower().endswith(".json") else "csv"
                text = io.StringIO(newline="")
                n = export_data(store, choice.key, scope_filter(self.period, self.scope), fmt, text, progress)
                data = text.getvalue().encode("utf-8-sig" if fmt == "csv" else "utf-8")
        except ExportCancelled:
            self.app.call_from_thread(self._stopped)
            return
        except Exception as exc:  # a refused read, memory: say it, keep the form
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._deliver, name, data, n)

    def _deliver(self, name: str, data: bytes, n: int) -> None:
        self.busy = False
        self.spend_draft()
        downloads.send(self.app, data, name)
        self.notify(downloads.sent_notice(name, n), title=_("Export"), markup=False)
        self.dismiss(None)

    def _stopped(self) -> None:
        self.busy = False
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.say(_("Stopped: nothing written."))

    def _failed(self, exc: Exception) -> None:
        from store.files import OutputFileError

        self.busy = False
        if isinstance(exc, OutputFileError):  # says itself that nothing was written (a full disk, say)
            self.say(clean(str(exc)), error=True)
            return
        self.say(_("Nothing written: {error}").format(error=clean(str(exc) or type(exc).__name__)), error=True)

    def _done(self, path: Path, n: int) -> None:
        self.busy = False
        bar = self.query_one(ProgressBar)
        bar.update(total=bar.total or 1, progress=bar.total or 1)
        self.notify(_("Written: {path} ({n:,} rows)").format(path=clean(str(path), single_line=True), n=n),
                    title=_("Export"), markup=False)
        self.spend_draft()
        self.dismiss(path)

    # ------------------------------------------------------------- closing
    def action_close(self) -> None:
        if self.busy:
            self.cancel.set()
            self.say(_("Stopping…"))
            return
        self.close_asking(lambda: self.dismiss(None))

    @on(Button.Pressed, "#cancel")
    def _close_pressed(self) -> None:
        self.action_close()
