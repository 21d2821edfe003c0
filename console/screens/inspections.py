"""Inspections (issue 25, key 'V' on the main screen): the visits overdue
and due this week, by due date ('a': every visit; 'l': the plans that make
them, console/screens/inspection_plans.py; 'w' on a done visit: its report
for the customer). Enter opens a visit's
checklist form: one line per item of each piece of equipment, answered by
keys only (p pass, f fail, v a measured value, n a note, s saves the
selected piece's checklist). On a failed item already recorded, 'r' opens
its repair ticket, linked to the visit.

A visit is not a ticket: this list is its own, so the fault queue is never
pushed down by planned work. Every read is in a thread
(console/background.py); the live watcher reads the list again when another
program wrote."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Input, Static

from store.errors import ValidationFailed
from store.i18n import pgettext
from store.labels import category_label
from store.repo.inspection_rows import VisitRow
from store.rules.inspections import ChecklistItem, bounds_text

from ..background import in_thread, write_refusal
from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.lists import ListTable
from .listing import BACK, ListScreen


def state_label(state: str) -> str:
    return {"done": _("done"), "overdue": _("overdue"), "open": _("open")}.get(state, state)


def notice_text(v: VisitRow) -> Text:
    """Whether the customer was told of the visit (store/repo/inspection_notices.py): words, not colour alone."""
    if v.notice == "no_address":
        return Text(_("not told"), style="bold yellow")
    return Text(_("told") if v.notice == "told" else "")


class InspectionsScreen(ListScreen):
    DEFAULT_CSS = """
    InspectionsScreen .title { text-style: bold; padding: 0 1; }
    InspectionsScreen #visits { height: 1fr; }
    InspectionsScreen .hint { color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("enter", "open", N_("Checklist")),
        Binding("a", "toggle_all", N_("All / due")),
        Binding("l", "plans", N_("Plans")),
        Binding("w", "report", N_("Report")),
        BACK,
    ]
    GUARDED = frozenset({"report"})

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[VisitRow] = []
        self.everything = False

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Inspections")), id="visits-title", classes="title")
        yield ListTable(id="visits")
        yield Static(Content(_("Visits are made by 'dispatch inspections run' (cron); planned work never"
                               " pushes faults down the queue.")), classes="hint")
        yield Footer()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#visits", DataTable)

    def on_mount(self) -> None:
        self._columns()
        self.reload()

    def _columns(self) -> None:
        for head in (_("#"), _("Due"), _("State"), _("Site or equipment"), _("Team"), _("Done"), _("Customer")):
            self.table.add_column(Text(head))

    def reload(self) -> None:
        repo, everything = self.app.store.inspections, self.everything
        in_thread(self, lambda: repo.visits(open_only=False) if everything else repo.due_now(), self._show,
                  group="visits", exclusive=True)

    def _show(self, rows: list[VisitRow]) -> None:
        table, at = self.table, self.table.cursor_row
        self.shown = rows
        table.clear()
        for v in rows:
            style = "bold red" if v.state == "overdue" else "dim" if v.state == "done" else ""
            table.add_row(Text(str(v.id)), Text(v.due.isoformat()), Text(state_label(v.state), style=style),
                          Text(v.where, no_wrap=True, overflow="ellipsis"), Text(v.team),
                          Text(f"{v.pieces_done}/{len(v.equipment)}"), notice_text(v), key=str(v.id))
        if rows:
            table.move_cursor(row=min(max(at, 0), len(rows) - 1))
        title = _("Inspections: every visit") if self.everything else _("Inspections: overdue and due this week")
        self.query_one("#visits-title", Static).update(Content(title + f" ({len(rows)})"))
        self.refresh_bindings()

    def data_changed(self) -> None:
        self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # enter on the list (the table takes the key before the screen's binding)
        self.action_open()

    def action_toggle_all(self) -> None:
        self.everything = not self.everything
        self.reload()

    def selected(self) -> VisitRow | None:
        row = self.table.cursor_row
        return self.shown[row] if self.shown and 0 <= row < len(self.shown) else None

    def on_data_table_row_highlighted(self) -> None:
        self.refresh_bindings()

    def refusal(self, action: str) -> str | None:
        v = self.selected()
        if v is None:
            return _("No visit selected.")
        if v.state != "done":
            return _("Visit {id} is not done yet: its report is written once every piece is recorded"
                     " ('a' lists the done visits).").format(id=v.id)
        return None

    def action_report(self) -> None:
        """The customer's report of the selected done visit (console/screens/inspection_report_form.py)."""
        v = self.selected()
        if v is None or self.refusal("report"):
            return
        from store.transfer.inspection_report import report_name

        from .inspection_report_form import InspectionReportScreen

        self.app.push_screen(InspectionReportScreen(v.id, report_name(v), v.where, today=v.due))

    def action_plans(self) -> None:
        from .inspection_plans import PlansScreen

        self.app.push_screen(PlansScreen(), lambda _r: self.reload())

    def action_open(self) -> None:
        row = self.table.cursor_row
        if not self.shown or not 0 <= row < len(self.shown):
            self.notify(_("No visit selected."), severity="warning", markup=False)
            return
        self.app.push_screen(ChecklistScreen(self.shown[row].id), lambda _r: self.reload())


@dataclass
class Line:
    """One line of the form: an item of one piece of equipment, and its answer so far."""

    equipment_id: int
    tag: str
    category: str
    item: ChecklistItem
    recorded: bool
    outcome: str = ""
    value: str = ""
    note: str = ""
    repair: int | None = None


def read_form(store: Any, visit_id: int) -> tuple[VisitRow, list[Line]]:
    """In a thread: the visit and one line per item of each of its pieces."""
    repo = store.inspections
    v = repo.visit(visit_id)
    done = {r.equipment_id: r for r in v.recorded}
    tags = {r[0]: r[1] for r in store.db.q(
        f"SELECT id, asset_tag FROM equipment WHERE id IN ({', '.join('?' * len(v.equipment))})", v.equipment)} \
        if v.equipment else {}
    lines: list[Line] = []
    for eq in v.equipment:
        rec = done.get(eq)
        if rec is not None:
            lines += [Line(eq, rec.tag, rec.category, x.item, True, x.outcome, "" if x.value is None else str(x.value),
                           x.note, rec.repairs.get(x.item.key)) for x in rec.results]
            continue
        try:
            category, items = repo.checklist(visit_id, eq)
        except ValidationFailed:  # its category lost its checklist in an edit: nothing to fill in
            continue
        lines += [Line(eq, str(tags.get(eq, eq)), category, item, False) for item in items]
    return v, lines


class ChecklistScreen(ListScreen):
    DEFAULT_CSS = """
    ChecklistScreen .title { text-style: bold; padding: 0 1; }
    ChecklistScreen #items { height: 1fr; }
    ChecklistScreen #answer { display: none; }
    ChecklistScreen #answer.asking { display: block; }
    ChecklistScreen .hint { color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("p", "mark('pass')", N_("Pass")),
        Binding("f", "mark('fail')", N_("Fail")),
        Binding("v", "ask('value')", N_("Value")),
        Binding("n", "ask('note')", N_("Note")),
        Binding("s", "save", N_("Save")),
        Binding("r", "repair", N_("Repair ticket")),
        BACK,
    ]
    GUARDED = frozenset({"mark", "ask", "save", "repair"})

    def __init__(self, visit_id: int) -> None:
        super().__init__()
        self.visit_id = visit_id
        self.visit: VisitRow | None = None
        self.lines: list[Line] = []
        self.asking = ""

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Checklist")), id="checklist-title", classes="title")
        yield ListTable(id="items")
        yield Input(id="answer", compact=True)
        yield Static(Content(_("p pass · f fail · v value · n note · s save this equipment · r repair ticket")),
                     classes="hint")
        yield Footer()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#items", DataTable)

    def on_mount(self) -> None:
        for head in (_("Equipment"), pgettext("checklist", "Item"), _("Limits"), _("Result"), _("Note")):
            self.table.add_column(Text(head))
        self.reload()

    def reload(self) -> None:
        store, vid = self.app.store, self.visit_id
        in_thread(self, lambda: read_form(store, vid), self._show, group="form", exclusive=True)

    def _show(self, read: tuple[VisitRow, list[Line]], keep_answers: bool = True) -> None:
        v, lines = read
        typed = {(ln.equipment_id, ln.item.key): ln for ln in self.lines if not ln.recorded} if keep_answers else {}
        self.visit = v
        self.lines = [typed.get((ln.equipment_id, ln.item.key), ln) if not ln.recorded else ln for ln in lines]
        title = _("Visit {id}: {where}, due {due}, {state}").format(
            id=v.id, where=v.where, due=v.due.isoformat(), state=state_label(v.state))
        if v.notice == "no_address":
            title += " · " + _("customer not told: the site has no address")
        self.query_one("#checklist-title", Static).update(Content(title))
        self._fill()

    def _fill(self) -> None:
        table, at = self.table, self.table.cursor_row
        table.clear()
        for ln in self.lines:
            result = {"pass": _("pass"), "fail": _("FAIL")}.get(ln.outcome, "")
            if ln.value:
                result = f"{ln.value} {ln.item.unit}".strip() + (f" {result}" if result else "")
            if ln.repair is not None:
                result += f" → #{ln.repair}"
            style = "bold red" if ln.outcome == "fail" else "dim" if ln.recorded else ""
            table.add_row(Text(f"{ln.tag} ({category_label(ln.category)})", no_wrap=True, overflow="ellipsis"),
                          Text(ln.item.label, no_wrap=True, overflow="ellipsis"), Text(bounds_text(ln.item)),
                          Text(result, style=style), Text(ln.note, no_wrap=True, overflow="ellipsis"))
        if self.lines:
            table.move_cursor(row=min(max(at, 0), len(self.lines) - 1))
        self.refresh_bindings()

    def selected(self) -> Line | None:
        row = self.table.cursor_row
        return self.lines[row] if self.lines and 0 <= row < len(self.lines) else None

    def on_data_table_row_highlighted(self) -> None:
        self.refresh_bindings()

    def refusal(self, action: str) -> str | None:
        ln = self.selected()
        if ln is None:
            return _("Nothing to check on this visit.")
        if action == "repair":
            if not ln.recorded or ln.outcome != "fail":
                return _("Only a failed item, once saved, opens a repair ticket.")
            if ln.repair is not None:
                return _("Ticket #{id} is already this finding's repair").format(id=ln.repair)
            return self.permits.refusal("inspection.repair", team_id=self.visit.team_id if self.visit else None)
        if ln.recorded:
            return _("This equipment's checklist is already recorded for this visit")
        if action == "ask" and self.asking:
            return None
        return self.permits.refusal("inspection.record", team_id=self.visit.team_id if self.visit else None)

    def action_mark(self, outcome: str) -> None:
        ln = self.selected()
        if ln is None or self.refusal("mark"):
            return
        ln.outcome = outcome
        self._fill()
        if self.table.cursor_row < len(self.lines) - 1:
            self.table.move_cursor(row=self.table.cursor_row + 1)

    def action_ask(self, what: str) -> None:
        ln = self.selected()
        if ln is None or self.refusal("ask"):
            return
        self.asking = what
        box = self.query_one("#answer", Input)
        box.placeholder = (_("Measured value ({unit})").format(unit=ln.item.unit or "-") if what == "value"
                           else _("Note (enter keeps it, esc drops it)"))
        box.value = ln.value if what == "value" else ln.note
        box.add_class("asking")
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        ln = self.selected()
        if ln is not None and self.asking:
            if self.asking == "value":
                ln.value = event.value.strip()
            else:
                ln.note = " ".join(event.value.split())
        self._close_answer()
        self._fill()

    def _close_answer(self) -> None:
        self.asking = ""
        box = self.query_one("#answer", Input)
        box.remove_class("asking")
        self.table.focus()

    def action_back(self) -> None:
        if self.asking:
            self._close_answer()
            return
        super().action_back()

    def action_save(self) -> None:
        ln = self.selected()
        if ln is None or self.refusal("save"):
            return
        eq = ln.equipment_id
        answers: dict[str, dict[str, Any]] = {}
        for x in self.lines:
            if x.equipment_id == eq:
                a: dict[str, Any] = {"note": x.note}
                if x.outcome:
                    a["outcome"] = x.outcome
                if x.value:
                    a["value"] = x.value
                answers[x.item.key] = a
        store, vid = self.app.store, self.visit_id

        def done(_v: object) -> None:
            self.notify(_("Checklist saved."), markup=False)
            self.reload()

        in_thread(self, lambda: store.inspections.record_checklist(vid, eq, answers), done,
                  lambda exc: self.notify(write_refusal(exc), severity="error", markup=False), group="save")

    def action_repair(self) -> None:
        ln = self.selected()
        if ln is None or self.refusal("repair"):
            return
        store, vid, eq, key = self.app.store, self.visit_id, ln.equipment_id, ln.item.key

        def done(ticket_id: int) -> None:
            self.notify(_("Ticket #{id} opened for this finding.").format(id=ticket_id), markup=False)
            self.reload()

        in_thread(self, lambda: store.inspections.open_repair(vid, eq, key), done,
                  lambda exc: self.notify(write_refusal(exc), severity="error", markup=False), group="repair")
