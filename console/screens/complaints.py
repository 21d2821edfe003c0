"""Complaints (docs/rules.md §7): filter by state, month and overdue; register one
against a ticket number; the selected complaint's steps (each with its due
time, "!" when late) and whole history; its next step as a small form, and
opening an improvement item for the ticket's team. Dispatchers and managers
move complaints; the store refuses anyone else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Input, Select, Static

from store.errors import ValidationFailed
from store.limits import COMPLAINANT_MAX, ITEM_TEXT_MAX, NUMBER_MAX
from store.rules import improve
from store.rules.improve import Complaint

from ..background import in_thread, read, write_refusal
from ..format import fit, pad
from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.lists import ListTable, room_left
from .form import ActionForm, Field
from .items import FilterBar, one
from .listing import BACK, DetailListScreen

NAME_LEAST = 12  # the complainant's cells at 80 columns; more as the terminal widens


class ComplaintsScreen(DetailListScreen):
    BINDINGS = [
        Binding("n", "add", N_("Register")),
        Binding("s", "step", N_("Next step")),
        Binding("m", "open_item", N_("Open item")),
        Binding("o", "toggle_overdue", N_("Overdue only")),
        BACK,
    ]
    GUARDED = frozenset({"add", "step", "open_item"})
    DEFAULT_CSS = """
    ComplaintsScreen #complaints { height: 1fr; }
    ComplaintsScreen #complaint-detail { height: 1fr; border-top: solid $primary; }
    """

    LIST_ID, TEXT_ID = "complaints", "complaint-text"

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Complaints")), classes="title")
        with FilterBar():
            yield Select([(improve.complaint_state_label(s), s) for s in improve.COMPLAINT_STATES],
                         prompt=_("All states"), id="state", compact=True)
            yield Input(placeholder=_("YYYY-MM"), id="month", compact=True)
            yield Static(Content(""), id="overdue-flag")
        yield ListTable(id="complaints")
        with VerticalScroll(id="complaint-detail"):
            yield Static(Content(""), id="complaint-text")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def on_resize(self) -> None:
        if self.shown:
            self._show_rows(self.shown, None)  # the complainant's column follows the terminal's width

    def _local(self, at: Any) -> str:
        return at.in_timezone(self.app.tz).format("MM-DD HH:mm") if at else ""

    def read_rows(self) -> Callable[[], list[Complaint]]:
        state, month, overdue = self.choice("#state"), self.month(), True if self.overdue_only else None
        store = self.store
        return lambda: store.complaints.find(state=state, month=month, overdue=overdue)

    def show_rows(self, table: DataTable[Any], shown: list[Complaint]) -> None:
        rows = [[Text(improve.OVERDUE_MARK if c.overdue else "", style="bold red" if c.overdue else ""),
                 Text(str(c.id)), Text(improve.complaint_state_label(c.state)), Text(f"#{c.ticket_id}"),
                 Text(self._local(c.received_at)), one(c.complainant),
                 Text(improve.complaint_step_label(c.next_step) if c.next_step else "",
                      style="bold red" if c.overdue else ""),
                 Text(self._local(c.due_at), style="bold red" if c.overdue else "")] for c in shown]
        heads = ["!", "#", _("State"), _("Ticket"), _("Received"), _("Complainant"), _("Next step"), _("Due")]
        widths = [max([cell_len(h), *(cell.cell_len for cell in (r[i] for r in rows) if isinstance(cell, Text))])
                  for i, h in enumerate(heads)]
        # The complainant takes what the other columns leave (at least NAME_LEAST cells).
        names = [str(r[5]) for r in rows]
        widths[5] = min(max([cell_len(heads[5]), *map(cell_len, names)]),
                        room_left(table, [w for i, w in enumerate(widths) if i != 5], NAME_LEAST))
        table.clear(columns=True)
        for head, width in zip(heads, widths, strict=True):
            table.add_column(head, width=width)
        for c, r in zip(shown, rows, strict=True):
            r[5] = Text(fit(str(r[5]), widths[5]).rstrip())
            table.add_row(*r, key=str(c.id))

    def read_detail(self, record: Complaint) -> Callable[[], Any]:
        store = self.store
        return lambda: (store.now(), store.complaints.complaint_history(record.id))

    def detail(self, c: Complaint | None, read: Any) -> Text:
        out = Text()
        if c is None:
            out.append(_("No complaints match. Register one with n.") if self.refusal("add") is None
                       else _("No complaints match."))
            return out
        now, history = read
        tz = self.app.tz
        out.append(_("Complaint #{id} on ticket #{ticket}").format(id=c.id, ticket=c.ticket_id), style="bold")
        if c.item_id:
            out.append("  " + _("improvement item #{id}").format(id=c.item_id))
        out.append("\n" + _("From") + ": ", style="bold")
        out.append(one(c.complainant))
        out.append("\n" + _("Matter") + ": ", style="bold")
        out.append(one(c.matter))
        out.append("\n\n" + _("Steps") + "\n", style="bold")
        late = set(c.late_steps(now))
        due_word = _("due")
        for step, due in c.step_due.items():
            done = c.step_done.get(step)
            mark = improve.OVERDUE_MARK if step in late else " "
            when = _("done {at}").format(at=self._local(done)) if done else (
                _("next") if step == c.next_step else "")
            out.append(f"{mark} {pad(improve.complaint_step_label(step), 20)} {due_word} {self._local(due)}  {when}\n",
                       style="bold red" if step in late and not done else "")
        for label, value in ((_("Findings"), c.findings), (_("Plan"), c.plan), (_("Follow-up"), c.follow_up),
                             (_("Analysis"), c.analysis)):
            if value:
                out.append(f"{label}: ", style="bold")
                out.append(one(value) + "\n")
        out.append("\n" + _("History") + "\n", style="bold")
        for h in history:
            out.append(f"{h.at.in_timezone(tz).format('YYYY-MM-DD HH:mm')}  {one(h.actor)}  {h.text}\n")
        return out

    def refusal(self, action: str) -> str | None:
        """The user's role (the store's answer) first, then the complaint's state."""
        if action == "add":
            return self.permits.refusal("complaint.add")
        c = self.selected()
        if c is None:
            return _("No complaint selected.")
        if action == "step":
            if c.next_step is None:
                return _("Complaint #{id} is closed: it takes no more steps.").format(id=c.id)
            return self.permits.refusal(f"complaint.{c.next_step}")
        why = self.permits.refusal("complaint.open_item")
        if why is None and c.item_id is not None:
            why = _("Complaint #{id} already has improvement item #{item}.").format(id=c.id, item=c.item_id)
        return why

    def action_add(self) -> None:
        store = self.store
        fields = [Field("ticket_id", _("Ticket number"), max_length=NUMBER_MAX),
                  Field("complainant", _("Complainant"), max_length=COMPLAINANT_MAX),
                  Field("matter", _("Matter"), "text", max_length=ITEM_TEXT_MAX)]

        def submit(values: dict[str, Any], version: int) -> Complaint:
            number = (values["ticket_id"] or "").strip().lstrip("#")
            if not number.isdigit():
                raise ValidationFailed.one("ticket_id", _("a ticket number, e.g. 1500"))
            return store.complaints.add_complaint(int(number), values["complainant"] or "", values["matter"] or "")

        self.app.push_screen(ActionForm(_("Register a complaint"), fields, submit, 0, save_label=_("Register")),
                             lambda c: None if c is None else self._done(c.id))

    def action_step(self) -> None:
        c = self.selected()
        if c is not None and c.next_step and self.refusal("step") is None:
            self.app.run_worker(self.open_step(c.id))

    async def open_step(self, complaint_id: int) -> None:
        """The form of the complaint's next step (also what tests drive)."""
        store = self.store
        c = await read(lambda: store.complaints.complaint(complaint_id))
        step = c.next_step
        if step is None:
            return
        label = {"investigate": _("Findings (work records, feedback, photos)"),
                 "handle": _("Plan"), "follow_up": _("Follow-up callback note"),
                 "close": _("Analysis of the cause")}.get(step)
        fields = [Field("text", label, "text", max_length=ITEM_TEXT_MAX)] if label else []
        if step == "handle":
            fields.append(Field("informed", _("Complainant informed"), "select", [(_("yes"), True), (_("no"), False)]))

        def submit(values: dict[str, Any], version: int) -> Complaint:
            text = values.get("text") or ""
            calls = {"accept": lambda: store.complaints.accept_complaint(complaint_id, version),
                     "investigate": lambda: store.complaints.investigate_complaint(complaint_id, version, text),
                     "handle": lambda: store.complaints.handle_complaint(complaint_id, version, text, bool(values.get("informed"))),
                     "follow_up": lambda: store.complaints.follow_up_complaint(complaint_id, version, text),
                     "close": lambda: store.complaints.close_complaint(complaint_id, version, text)}
            try:
                return calls[step]()
            except ValidationFailed as exc:  # the store names its own fields; map them to the form's
                raise ValidationFailed({"informed" if k == "informed" else "text": v
                                        for k, v in exc.errors.items()}) from None

        title = _("{step}: complaint #{id}").format(step=improve.complaint_step_label(step), id=complaint_id)
        self.app.push_screen(ActionForm(title, fields, submit, c.version, save_label=improve.complaint_step_label(step),
                                        hint=_("Due {at}").format(at=self._local(c.due_at)),
                                        on_conflict=lambda: self.reload(keep=complaint_id)),
                             lambda r: None if r is None else self._done(complaint_id))

    def action_open_item(self) -> None:
        c = self.selected()
        if c is None or self.refusal("open_item") is not None:
            return
        store, cid, version = self.store, c.id, c.version

        def opened(c: Complaint) -> None:
            self.notify(_("Improvement item #{id} opened for the team's foreman.").format(id=c.item_id), markup=False)
            self.reload(keep=c.id)

        def refused(exc: Exception) -> None:
            self.notify(write_refusal(exc), severity="error", markup=False)
            self.reload(keep=cid)

        # A write: in a thread, so a file busy with another dispatcher's change does not hold the keys.
        in_thread(self, lambda: store.complaints.open_item_from_complaint(cid, version), opened, refused, group="open-item")
