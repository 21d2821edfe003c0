"""My callbacks: the open calls of the signed-in user due by today, overdue
first, with the ticket's repair record beside them. Enter logs a call (the
script, console/screens/callback_log.py); ``c`` carries one over a day; a
manager plans the day with ``p`` (preview per evaluator and per technician,
then confirm). A foreman sees the team's closed tickets waiting for the
self-evaluation instead, and Enter opens its form."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from store.errors import StoreError
from store.limits import max_length
from store.models import Ticket
from store.rules.evaluations import (
    RATINGS,
    Callback,
    CarryInput,
    DayPlan,
    PendingSelfEval,
    SelfEvalInput,
    carry_refusal,
    plan_lines,
    rating_label,
    state_label,
)
from store.text import clean

from ..background import in_thread, read
from ..i18n import N_, _, ngettext
from ..widgets.footer import Footer
from ..widgets.lists import ListTable
from .form import ActionForm, Field
from .listing import BACK, ListScreen


def _c(value: object) -> str:
    return clean(str(value or ""), single_line=True)


class PlanPreview(ModalScreen[bool]):
    """The day's plan before it is saved: enter saves, esc goes back."""

    BINDINGS = [Binding("enter", "save", N_("Save the plan")), Binding("escape", "back", N_("Back"))]

    def __init__(self, view: DayPlan) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        with Vertical(classes="form plan-preview"):
            yield Static(Content(_("Plan the callbacks of {day}").format(day=self.view.call_day.isoformat())),
                         classes="title")
            with VerticalScroll():
                yield Static(Content("\n".join(plan_lines(self.view))), id="plan")
            yield Static(Content(_("enter saves the plan · esc goes back")), classes="hint")
        yield Footer(compact=True)

    def action_save(self) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)


class CallbacksScreen(ListScreen):
    BINDINGS = [
        Binding("enter", "log", N_("Log"), show=False),
        Binding("l", "log", N_("Log")),
        Binding("c", "carry", N_("Carry over")),
        Binding("p", "plan", N_("Plan the day")),
        Binding("r", "reload", N_("Reload"), show=False),
        BACK,
    ]
    GUARDED = frozenset({"log", "carry", "plan"})

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Callback] = []
        self.pending: list[PendingSelfEval] = []
        self.role: str | None = None
        self.today: date | None = None  # the site's today, read with the list

    def compose(self) -> ComposeResult:
        yield Static("", id="cb-title", classes="title")
        with Horizontal(id="cb-body"):
            yield ListTable(id="calls")
            with VerticalScroll(id="cb-record"):
                yield Static("", id="record")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()

    def refusal(self, action: str) -> str | None:
        """The user's role (the store's answer) first, then the call's state."""
        if action == "plan":
            return self.permits.refusal("callback.plan")
        i = self._current()
        if action == "carry" and self.role == "foreman":
            return self.permits.refusal("callback.carry") or _(
                "Self-evaluations are not carried over: they have no call day.")
        if i is None:
            return _("Nothing selected: the list is empty.")
        if self.role == "foreman":
            return self.permits.refusal("evaluation.self", ticket_id=self.pending[i].ticket_id)
        call = self.calls[i]
        why = self.permits.refusal("callback.carry" if action == "carry" else "callback.log", ticket_id=call.ticket_id)
        if why is None and action == "carry":
            why = carry_refusal(call.ticket_id, call.carry_reason, call.due_day, self.today or call.due_day)
        return why

    def data_changed(self) -> None:
        self.reload()

    # --------------------------------------------------------------- list
    def reload(self) -> None:
        """Read the list in a thread (which list: the user's role), then show it."""
        store = self.store

        def read() -> tuple[str, Any, date]:
            me = store.users.me()
            # Which list: a foreman's is the team's self-evaluations; everyone else's, their calls.
            role = me.role if me else "manager"  # a file with no users: whoever opens it runs it
            rows = store.scores.pending_self_evaluations() if role == "foreman" else store.callbacks.my_callbacks()
            return role, rows, store.callbacks.today()

        in_thread(self, read, self._show, group="reload", exclusive=True)

    def _show(self, read: tuple[str, Any, date]) -> None:
        self.role, rows, self.today = read
        table = self.query_one(DataTable)
        at = table.cursor_row
        table.clear(columns=True)
        if self.role == "foreman":
            self.pending = rows
            for label, width in ((_("Ticket"), 7), (_("Closed"), 11), (_("Technician"), 12), (_("Site"), 16)):
                table.add_column(label, width=width)
            tz = self.app.tz
            for p in self.pending:
                table.add_row(Text(f"#{p.ticket_id}"), Text(p.closed_at.in_timezone(tz).format("MM-DD HH:mm")),
                              Text(_c(p.technician_name)), Text(_c(p.site_name)))
            title = ngettext("Self-evaluations: {n} closed ticket of your team waits for yours",
                             "Self-evaluations: {n} closed tickets of your team wait for yours",
                             len(self.pending)).format(n=len(self.pending))
            rows = len(self.pending)
        else:
            self.calls = rows
            for label, width in ((_("Ticket"), 6), (_("Due"), 5), (_("State"), 12), (_("Technician"), 12),
                                 (_("Tries"), 5)):
                table.add_column(label, width=width)
            for c in self.calls:
                # The state in words (and reversed when overdue), not only in colour.
                state = Text(state_label(c.state), style="reverse bold" if c.overdue else "")
                table.add_row(Text(f"#{c.ticket_id}"), Text(c.due_day.isoformat()[5:]), state,
                              Text(_c(c.technician_name)), Text(str(c.attempts)))
            overdue = sum(c.overdue for c in self.calls)
            title = _("My callbacks: {n} due, {o} overdue").format(n=len(self.calls), o=overdue)
            rows = len(self.calls)
        self.query_one("#cb-title", Static).update(Content(title))
        if rows:
            table.move_cursor(row=min(at, rows - 1))
        self._show_record()

    def on_data_table_row_highlighted(self) -> None:
        self._show_record()

    async def on_data_table_row_selected(self) -> None:  # the table takes enter itself
        why = self.refusal("log")
        if why:
            self.notify(why, severity="warning", markup=False)
            return
        await self.action_log()

    def _current(self) -> int | None:
        row = self.query_one(DataTable).cursor_row
        items: list[Any] = self.pending if self.role == "foreman" else self.calls
        return row if items and 0 <= row < len(items) else None

    def _show_record(self) -> None:
        """The selected call's ticket, read in a thread."""
        self.refresh_bindings()
        i = self._current()
        if i is None:
            box = self.query_one("#record", Static)
            box.update(Content(_("Nothing due. Well done.") if self.role != "manager" else
                               _("Nothing due. p plans the day's callbacks.")))
            return
        ticket_id = self.pending[i].ticket_id if self.role == "foreman" else self.calls[i].ticket_id
        store = self.store
        in_thread(self, lambda: store.tickets.ticket(ticket_id), lambda t: self._record(i, t), group="record", exclusive=True)

    def _record(self, i: int, t: Ticket) -> None:
        if self._current() != i:
            return  # the cursor moved on meanwhile: its own read shows it
        box = self.query_one("#record", Static)
        tz = self.app.tz
        lines = [
            _("Ticket #{id} · {site}").format(id=t.id, site=_c(t.site_name)),
            _("Reporter: {who}, {phone}").format(who=_c(t.reporter), phone=_c(t.phone)),
            _("Fault: {d}").format(d=_c(t.description)),
            _("Technician: {name}").format(name=_c(t.technician_name)),
            _("Closed: {at}").format(at=t.closed_at.in_timezone(tz).format("YYYY-MM-DD HH:mm") if t.closed_at else "—"),
            "", _("Repair record"),
            _("Symptom: {v}").format(v=_c(t.symptom)), _("Cause: {v}").format(v=_c(t.cause)),
            _("Action: {v}").format(v=_c(t.action)), _("Parts: {v}").format(v=_c(t.parts)),
        ]
        if self.role != "foreman":
            c = self.calls[i]
            if c.carry_reason:
                lines += ["", _("Carried over: {why}").format(why=_c(c.carry_reason))]
            if c.notes:
                lines += ["", _("Notes:"), *[clean(n, single_line=True) for n in c.notes.splitlines()]]
        box.update(Content("\n".join(lines)))

    # ------------------------------------------------------------ actions
    async def action_log(self) -> None:
        i = self._current()
        if i is None or self.refusal("log") is not None:
            return
        if self.role == "foreman":
            self._self_evaluate(self.pending[i])
            return
        from .callback_log import CallbackLogScreen

        call, store = self.calls[i], self.store
        # Awaited (a read): keys typed after 'l' wait for the dialog and land in it.
        points, foreman = await read(lambda: ({r: store.callbacks.points(r) for r in RATINGS},
                                              store.callbacks.team_foreman_name(call.team_id)))
        self.app.push_screen(CallbackLogScreen(call, foreman, points), self._logged)

    def _logged(self, saved: Callback | None) -> None:
        if saved is None:
            return
        if saved.status == "done":
            note = _("Ticket #{id}: {answer} logged.").format(id=saved.ticket_id, answer=rating_label(saved.rating))
            if saved.item_id:
                note += " " + _("Improvement item {n} opened for the foreman.").format(n=saved.item_id)
        elif saved.status == "unreachable":
            note = _("Ticket #{id}: could not reach, closed as unreachable after {n} tries.").format(
                id=saved.ticket_id, n=saved.attempts)
        else:
            note = _("Ticket #{id}: could not reach (try {n}).").format(id=saved.ticket_id, n=saved.attempts)
        self.notify(note, markup=False)
        self.reload()

    def _self_evaluate(self, p: PendingSelfEval) -> None:
        yes_no = [(_("yes"), True), (_("no"), False)]
        fields = [
            Field("record_complete", _("Fault and cause analysed in the record?"), "select", yes_no, True),
            Field("measures_right", _("Measures right?"), "select", yes_no, True),
            Field("efficiency", _("Work efficient?"), "select", yes_no, True),
            Field("rating", _("Overall"), "select", [(rating_label(r), r) for r in RATINGS], "satisfied"),
            Field("comment", _("Comment"), max_length=max_length(SelfEvalInput, "comment")),
            Field("suggestion", _("Corrective suggestion (needed when unsatisfied)"),
                  max_length=max_length(SelfEvalInput, "suggestion")),
        ]

        def submit(values: dict[str, Any], version: int) -> Any:
            return self.store.scores.self_evaluate(p.ticket_id, **{k: values[k] for k in (
                "record_complete", "measures_right", "efficiency", "rating")},
                comment=values.get("comment") or "", suggestion=values.get("suggestion") or "")

        def done(result: Any) -> None:
            if result is not None:
                self.notify(_("Ticket #{id} self-evaluated.").format(id=p.ticket_id), markup=False)
                self.reload()

        self.app.push_screen(ActionForm(_("Self-evaluation of ticket #{id}").format(id=p.ticket_id), fields, submit, 0),
                             done)

    def action_carry(self) -> None:
        i = self._current()
        if i is None or self.role == "foreman" or self.refusal("carry") is not None:
            return
        call = self.calls[i]

        def submit(values: dict[str, Any], version: int) -> Any:
            return self.store.callbacks.carry_over(call.id, values.get("reason") or "")

        def carried(result: Callback | None) -> None:
            if result is not None:
                self.notify(_("Ticket #{id}'s callback is carried over: due {day}.").format(
                    id=result.ticket_id, day=result.due_day.isoformat()), markup=False)
                self.reload()

        self.app.push_screen(ActionForm(_("Carry over ticket #{id}'s callback one day").format(id=call.ticket_id),
                                        [Field("reason", _("Reason"), max_length=max_length(CarryInput, "reason"))],
                                        submit, 0), carried)

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def action_plan(self) -> None:
        try:
            view = self.store.callbacks.plan_callbacks(save=False)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, _c(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.app.push_screen, PlanPreview(view), self._plan_answer)

    def _plan_answer(self, save: bool | None) -> None:
        if save:
            self._save_plan()

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False)
    def _save_plan(self) -> None:
        try:
            view = self.store.callbacks.plan_callbacks(save=True)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, _c(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.notify, ngettext("Plan saved: {n} callback for {day}.",
                                                        "Plan saved: {n} callbacks for {day}.", view.total).format(
            n=view.total, day=view.call_day.isoformat()), markup=False)
        self.app.call_from_thread(self.reload)

    def action_reload(self) -> None:
        self.reload()
