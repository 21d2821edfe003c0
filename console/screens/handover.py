"""The shift handed over (issue 27, `H`): the groups of the handover as
sections of one list, what needs action first (store/rules/handover.py);
``enter`` on a line opens its ticket. ``w`` writes the handover note (a text
area, one audited write), ``x`` the printable A4 sheet (a path, or in a
browser tab a download). The note someone else left is shown at the top and
marked seen when this screen opens, so the header stops announcing it.
Live like every list: another program's write reads it again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from store.errors import StoreError
from store.repo.handover import NOTE_MAX, Handover, Note
from store.text import clean
from store.timeutil import zone

from .. import downloads
from ..background import in_thread
from ..format import fit
from ..i18n import N_, _, ngettext
from ..widgets.footer import Footer
from ..widgets.lists import ListTable
from ..widgets.status import note_header
from .form import ActionForm, Field
from .listing import BACK, ListScreen

FIXED_CELLS = 2 + 7 + 12 + 4  # the cursor gutter, the ticket and time columns, the cells' padding


class HandoverScreen(ListScreen):
    BINDINGS = [
        Binding("enter", "open", N_("Open ticket")),
        Binding("w", "note", N_("Handover note")),
        Binding("x", "sheet", N_("Print sheet")),
        BACK,
    ]
    GUARDED = frozenset({"note"})
    DEFAULT_CSS = """
    HandoverScreen #handover { height: 1fr; }
    HandoverScreen #ho-period { height: 1; }
    HandoverScreen #ho-note { height: auto; max-height: 4; border-bottom: solid $primary; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.report: Handover | None = None
        self.shown_note: Note | None = None
        self.rows: list[int | None] = []  # the ticket of each row; None for a group's title

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Handover")), classes="title")
        yield Static(Content(""), id="ho-period")
        yield Static(Content(""), id="ho-note")
        yield ListTable(id="handover", zebra_stripes=False)
        yield Footer()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#handover", DataTable)

    def on_mount(self) -> None:
        self.table.add_columns(_("No."), _("Time"), _("What"))
        self.reload(first=True)

    # ------------------------------------------------------------ data
    def reload(self, first: bool = False) -> None:
        store = self.store

        def read() -> tuple[Handover, Note | None]:
            return store.handover.report(), store.handover.waiting_note()

        in_thread(self, read, lambda got: self._show(*got, first=first), group="reload", exclusive=True)

    def _show(self, report: Handover, waiting: Note | None, first: bool) -> None:
        tz = self.app.tz
        self.report = report
        note = waiting or self.shown_note or report.note
        self.shown_note = note
        self.query_one("#ho-period", Static).update(Content(
            _("Since {since} · {items} · enter: open the ticket").format(
                since=report.since.in_timezone(tz).format("MM-DD HH:mm"),
                items=ngettext("{n} item needs action", "{n} items need action", report.items).format(n=report.items))))
        box = self.query_one("#ho-note", Static)
        box.display = note is not None
        if note is not None:
            body = " / ".join(clean(x, single_line=True) for x in note.body.splitlines() if x.strip())
            box.update(Content.styled(note_header(note, tz), "bold") + Content(" — " + body))
        if waiting is not None and not self.store.read_only:
            store, note_id = self.store, waiting.id
            in_thread(self, lambda: store.handover.mark_seen(note_id), lambda _r: self.app.live.refresh(),
                      lambda _e: None, group="seen")
        self._fill(report, tz)

    def _fill(self, report: Handover, tz_name: str) -> None:
        tz = zone(tz_name)  # once, not per line
        table = self.table
        at = table.cursor_row
        table.clear()
        self.rows = []
        cells = max(20, self.size.width - FIXED_CELLS)
        empty = []
        for g in report.groups:
            if not g.total:
                empty.append(g.title)
                continue
            style = "bold reverse" if g.action else "bold"
            table.add_row("", "", Text(fit(f"{g.title} ({g.total})", cells).rstrip(), style=style))
            self.rows.append(None)
            for x in g.lines:
                when = x.at.in_timezone(tz).strftime("%m-%d %H:%M") if x.at is not None else ""
                table.add_row(f"#{x.ticket}", when, Text(fit(x.text, cells).rstrip()))
                self.rows.append(x.ticket)
            if g.total > len(g.lines):
                table.add_row("", "", Text(_("… and {n} more").format(n=g.total - len(g.lines)), style="dim"))
                self.rows.append(None)
        if empty:
            table.add_row("", "", Text(fit(_("Nothing: {groups}").format(groups=", ".join(empty)), cells).rstrip(),
                                       style="dim"))
            self.rows.append(None)
        if self.rows:
            first_line = next((n for n, t in enumerate(self.rows) if t is not None), 0)
            table.move_cursor(row=min(at, len(self.rows) - 1) if at > 0 else first_line)
        self.refresh_bindings()

    def data_changed(self) -> None:
        self.reload()

    def selected(self) -> int | None:
        row = self.table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    # ------------------------------------------------------------ actions
    def refusal(self, action: str) -> str | None:
        if self.store.read_only:
            return _("This console is read-only.")
        return self.permits.refusal("self.handover_note")

    @on(DataTable.RowSelected)
    def _selected(self) -> None:  # the table takes enter itself
        self.action_open()

    def action_open(self) -> None:
        from .detail import DetailScreen

        ticket = self.selected()
        if ticket is not None:
            self.app.push_screen(DetailScreen(ticket), lambda _r: self.reload())

    def action_note(self) -> None:
        if self.refusal("note") is not None:
            return
        store = self.store
        since = self.report.since if self.report is not None else None

        def submit(values: dict[str, Any], _version: int) -> Note:
            return store.handover.leave_note(values.get("body") or "", since)

        hint = _("For the next person who signs in: what they must know, what you promised.")
        self.app.push_screen(
            ActionForm(_("Handover note"), [Field("body", _("Note"), "text", max_length=NOTE_MAX)], submit, 0,
                       hint=hint, save_label=_("Leave the note (ctrl+s)")),
            lambda r: None if r is None else self._noted(r))

    def _noted(self, note: Note) -> None:
        self.shown_note = note
        self.notify(_("Handover note left."), markup=False)
        self.reload()

    def action_sheet(self) -> None:
        report, tz, by = self.report, self.app.tz, self.store.actor
        if report is None:
            return
        web = downloads.in_browser(self.app)
        name = f"handover-{report.until.in_timezone(tz).format('YYYYMMDD-HHmm')}.xlsx"
        suggested = name if web else str(Path.home() / "dispatch-exports" / name)

        def submit(values: dict[str, Any], _version: int) -> tuple[str, bytes | None]:
            from store.transfer.handover_sheet import handover_sheet_bytes, write_handover_sheet

            text = str(values.get("path") or "").strip()
            if web:
                why = downloads.name_refusal(text)
                if why:
                    raise StoreError(why)
                return downloads.download_name(text), handover_sheet_bytes(report, tz, by)
            path = Path(text).expanduser()
            if path.suffix.lower() != ".xlsx":
                raise StoreError(_("{path}: the printable sheet is a workbook; its name ends in .xlsx").format(path=text))
            try:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o770)
            except OSError as exc:
                raise StoreError(_("{path}: cannot make this folder ({why})").format(
                    path=path.parent, why=exc.strerror or exc)) from exc
            write_handover_sheet(report, tz, by, path)
            return str(path), None

        self.app.push_screen(
            ActionForm(_("Print the handover sheet (A4)"), [Field("path", _("File"), value=suggested)], submit, 0,
                       save_label=_("Write (ctrl+s)"), keep_draft=False),
            lambda r: None if r is None else self._written(*r))

    def _written(self, where: str, data: bytes | None) -> None:
        if data is not None:
            downloads.send(self.app, data, where)
        self.notify(_("Written: {path}").format(path=where), markup=False)


__all__ = ["HandoverScreen"]
