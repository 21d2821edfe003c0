"""Escalations (issue 24): those that concern the signed-in person (waiting
for them, then those sent to them or acknowledged by them in the last week),
or everyone's with ``t``; the selected one's details below. ``enter`` opens its ticket, ``a`` acknowledges it with a note
(the store's role checks decide: a foreman their own team's tickets). Live
like every list: another program's write (a sender firing a level, another
console acknowledging) reads it again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Static

from store.repo.escalations import NOTE_MAX, EscalationLine, EscalationRecord
from store.rules.countdown import clock_label, clock_title
from store.rules.escalation import roles_text, share_label
from store.text import LINE_LIMIT, clean
from store.timeutil import from_db

from ..format import fit, local_time
from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.lists import ListTable
from .form import ActionForm, Field
from .listing import BACK, DetailListScreen

TITLE_CELLS = (16, 60)  # the title column (the start of the fault text, whole below): at 80 columns, at most


def one(text: str | None, limit: int = LINE_LIMIT) -> str:
    return clean(text, single_line=True, limit=limit)


def when(stored: str | None, tz: str, fmt: str = "MM-DD HH:mm") -> str:
    """A stored UTC time in the site's zone."""
    return local_time(from_db(stored), tz, fmt)


def level_mark(level: int) -> str:
    """As the queue marks it: "↑2"."""
    return f"↑{level}"


def acknowledged(e: EscalationRecord, tz: str) -> str:
    if e.acknowledged_at is None:
        return _("not yet")
    return f"{one(e.acknowledged_by)} {when(e.acknowledged_at, tz)}"


class EscalationsScreen(DetailListScreen):
    BINDINGS = [
        Binding("enter", "open", N_("Open ticket")),
        Binding("a", "acknowledge", N_("Acknowledge")),
        Binding("t", "toggle_all", N_("Mine / all")),
        BACK,
    ]
    GUARDED = frozenset({"acknowledge"})
    DEFAULT_CSS = """
    EscalationsScreen #escalations { height: 1fr; }
    EscalationsScreen #esc-detail { height: 8; border-top: solid $primary; }
    EscalationsScreen #esc-which { height: 1; }
    """

    LIST_ID, TEXT_ID = "escalations", "esc-text"

    def __init__(self) -> None:
        super().__init__()
        self.everyone = False  # False: the escalations that concern me

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Escalations")), classes="title")
        yield Static(Content(""), id="esc-which")
        yield ListTable(id="escalations")
        with VerticalScroll(id="esc-detail"):
            yield Static(Content(""), id="esc-text")
        yield Footer()

    def on_mount(self) -> None:
        # The recipients last: a long list is cut at 80 columns, and shown whole below.
        self.table.add_columns(_("No."), _("Title"), _("Clock"), _("Level"), _("Due"), _("Acknowledged"), _("To"))
        self.reload()

    # ------------------------------------------------------------ data
    def read_rows(self) -> Callable[[], list[EscalationLine]]:
        store = self.store
        login = None if self.everyone else store.actor
        return lambda: store.escalations.concerning(login)

    def show_rows(self, table: DataTable[Any], rows: list[EscalationLine]) -> None:
        tz = self.app.tz
        which = _("All escalations") if self.everyone else _("Escalations that concern {login}").format(
            login=one(self.store.actor))
        self.query_one("#esc-which", Static).update(Content(
            which + " · " + _("{n} shown").format(n=len(rows)) + " · " + _("enter: open the ticket")))
        table.clear()
        # What the other columns leave of a wide terminal goes to the title.
        title_cells = max(TITLE_CELLS[0], min(TITLE_CELLS[1], self.size.width - 64))
        for line in rows:
            e = line.record
            waiting = e.acknowledged_at is None
            style = "bold" if waiting else "dim"
            table.add_row(
                f"#{e.ticket_id}", Text(fit(one(line.title), title_cells).rstrip(), style=style),
                clock_label(e.clock), Text(level_mark(e.level), style=style), when(e.due_at, tz),
                Text(acknowledged(e, tz), style="" if waiting else "dim"), Text(one(", ".join(e.recipients)) or "—"),
                key=str(e.id))

    def read_detail(self, record: EscalationLine) -> Callable[[], Any]:
        return lambda: None  # everything shown is in the row read

    def detail(self, line: EscalationLine | None, read: Any) -> Text:
        out = Text()
        if line is None:
            out.append(_("No escalations waiting for you.") if not self.everyone else _("No escalations fired."))
            return out
        e, tz = line.record, self.app.tz
        out.append(_("Ticket #{id}").format(id=e.ticket_id) + "  ", style="bold")
        out.append(one(line.title))
        rows = [
            (_("Level"), f"{level_mark(e.level)} {clock_title(e.clock)}: {share_label(e.at)}"),
            (_("Fell due"), when(e.due_at, tz, "YYYY-MM-DD HH:mm")),
            (_("Sent to"), roles_text(e.roles) + ": " + (one(", ".join(e.recipients)) or _("nobody (no such person)"))),
            (_("Acknowledged"), acknowledged(e, tz)),
        ]
        if e.note:
            rows.append((_("Note"), one(e.note)))
        for label, value in rows:
            out.append(f"\n{label}: ", style="bold")
            out.append(value)
        return out

    # ------------------------------------------------------------ actions
    def refusal(self, action: str) -> str | None:
        line = self.selected()
        if line is None:
            return _("No escalation selected.")
        e = line.record
        if e.acknowledged_at is not None:
            return _("Escalation #{id} was acknowledged already by {who}").format(
                id=e.id, who=one(e.acknowledged_by or "?"))
        # The store's answer: asked for the ticket only when the role alone
        # does not allow it (a foreman: their own team's tickets only).
        return self.permits.refusal("escalation.ack") and self.permits.refusal("escalation.ack", e.ticket_id)

    def action_toggle_all(self) -> None:
        self.everyone = not self.everyone
        self.reload()

    @on(DataTable.RowSelected)
    def _selected(self) -> None:  # the table takes enter itself
        self.action_open()

    def action_open(self) -> None:
        from .detail import DetailScreen

        line = self.selected()
        if line is not None:
            self.app.push_screen(DetailScreen(line.record.ticket_id), lambda _r: self.data_changed())

    def action_acknowledge(self) -> None:
        line = self.selected()
        if line is None or self.refusal("acknowledge") is not None:
            return
        e, store = line.record, self.store

        def submit(values: dict[str, Any], _version: int) -> EscalationRecord:
            return store.escalations.acknowledge(e.id, values.get("note") or "")

        title = _("Acknowledge escalation {mark} on ticket #{id}").format(mark=level_mark(e.level), id=e.ticket_id)
        hint = f"{clock_title(e.clock)}: {share_label(e.at)} · {one(line.title)}"
        self.app.push_screen(
            ActionForm(title, [Field("note", _("Note"), "input", placeholder=_("what is being done"),
                                                   max_length=NOTE_MAX)], submit, 0,
                       hint=hint, save_label=_("Acknowledge (ctrl+s)")),
            lambda r: None if r is None else self._acknowledged(e.id))

    def _acknowledged(self, escalation_id: int) -> None:
        self.notify(_("Acknowledged."), markup=False)
        self.reload(keep=escalation_id)
        # The header's count: the queue reads it again (an own write moves no data_version).
        self.app.live.refresh()
