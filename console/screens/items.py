"""Improvement items (docs/rules.md §6): filter by team, state, month and overdue;
the selected item's details and whole history; the actions of its state for
the user's role (foreman: follow-up, measures, submit; manager: also confirm
or send back at the meeting), each a small form. Overdue items carry "!"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Input, Select, Static

from store.errors import RuleViolation, ValidationFailed
from store.limits import ITEM_TEXT_MAX
from store.rules import improve
from store.rules.improve import Item
from store.text import clean

from ..background import in_thread, read
from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.lists import ListTable
from .form import ActionForm, Field
from .listing import BACK, DetailListScreen


def one(text: str | None) -> str:
    return clean(text, single_line=True)


class FilterBar(Horizontal):
    DEFAULT_CSS = """
    FilterBar { height: 1; }
    FilterBar Select { width: 24; }
    FilterBar Input { width: 12; }
    FilterBar Static { width: auto; padding: 0 1; }
    """


class ItemsScreen(DetailListScreen):
    BINDINGS = [
        Binding("w", "follow_up", N_("Follow-up")),
        Binding("m", "propose", N_("Measures")),
        Binding("s", "submit", N_("Submit")),
        Binding("y", "confirm", N_("Confirm")),
        Binding("x", "send_back", N_("Send back")),
        Binding("o", "toggle_overdue", N_("Overdue only")),
        BACK,
    ]
    # The footer shows only the moves the selected item's state and the user's role allow.
    GUARDED = frozenset(improve.ITEM_MOVES)
    DEFAULT_CSS = """
    ItemsScreen #items { height: 1fr; }
    ItemsScreen #item-detail { height: 1fr; border-top: solid $primary; }
    """

    LIST_ID, TEXT_ID = "items", "item-text"

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Improvement items")), classes="title")
        with FilterBar():
            # The teams are read with the list (in a thread) and put in when they come.
            yield Select([], prompt=_("All teams"), id="team", compact=True)
            yield Select([(improve.item_state_label(s), s) for s in improve.ITEM_STATES] + [(_("sent back"), "sent_back")],
                         prompt=_("All states"), id="state", compact=True)
            yield Input(placeholder=_("YYYY-MM"), id="month", compact=True)
            yield Static(Content(""), id="overdue-flag")
        yield ListTable(id="items")
        with VerticalScroll(id="item-detail"):
            yield Static(Content(""), id="item-text")
        yield Footer()

    def on_mount(self) -> None:
        self.table.add_columns("!", "#", _("State"), _("Ticket"), _("Team"), _("Foreman"), _("Due"), _("From"))
        store = self.store
        in_thread(self, lambda: [(one(t.name), t.id) for t in store.people.teams()],
                  lambda teams: self.query_one("#team", Select).set_options(teams), group="teams")
        self.reload()

    # ------------------------------------------------------------ data
    def read_rows(self) -> Callable[[], list[Item]]:
        team_id, state, month = self.choice("#team"), self.choice("#state"), self.month()
        overdue = True if self.overdue_only else None
        store = self.store
        return lambda: store.items.find(team_id=team_id, state=state, month=month, overdue=overdue)

    def show_rows(self, table: DataTable[Any], rows: list[Item]) -> None:
        table.clear()
        for i in rows:
            style = "bold red" if i.overdue else ""
            table.add_row(Text(improve.OVERDUE_MARK if i.overdue else "", style=style), str(i.id),
                          Text(i.state_label, style=style), f"#{i.ticket_id}", Text(one(i.team_name)),
                          Text(one(i.foreman or "—")), Text(i.due_date.isoformat(), style=style),
                          _("callback") if i.source == "callback" else _("complaint"), key=str(i.id))

    def read_detail(self, record: Item) -> Callable[[], Any]:
        store = self.store
        return lambda: store.items.item_history(record.id)

    def detail(self, item: Item | None, history: Any) -> Text:
        out = Text()
        if item is None:
            out.append(_("No improvement items match."))
            return out
        tz = self.app.tz
        out.append(_("Item #{id} on ticket #{ticket}").format(id=item.id, ticket=item.ticket_id), style="bold")
        if item.overdue:
            out.append("  " + improve.OVERDUE_MARK + " " + _("overdue: due {due}").format(due=item.due_date),
                       style="bold red")
        for label, value in ((_("Team"), item.team_name), (_("Technician"), item.technician_name),
                             (_("Foreman"), item.foreman or "—"), (_("State"), item.state_label),
                             (_("Due at the meeting"), item.due_date.isoformat()),
                             (_("Weak points"), item.weak_points), (_("Measures"), item.measures),
                             (_("Sent back"), item.sent_back_reason)):
            if value:
                out.append(f"\n{label}: ", style="bold")
                out.append(clean(value))
        out.append("\n\n" + _("History") + "\n", style="bold")
        for h in history:
            out.append(f"{h.at.in_timezone(tz).format('YYYY-MM-DD HH:mm')}  {one(h.actor)}  {h.text}\n")
        return out

    # ------------------------------------------------------------ actions
    def refusal(self, action: str) -> str | None:
        """The user's role first (the store's answer), then the item's state."""
        item = self.selected()
        if item is None:
            return _("No improvement item selected.")
        why = self.permits.refusal(f"item.{action}", team_id=item.team_id)
        if why:
            return str(why)
        try:
            improve.check_item_move(action, item.state)
        except RuleViolation as exc:
            return str(exc)
        return None

    def action_follow_up(self) -> None:
        self._start("follow_up")

    def action_propose(self) -> None:
        self._start("propose")

    def action_submit(self) -> None:
        self._start("submit")

    def action_confirm(self) -> None:
        self._start("confirm")

    def action_send_back(self) -> None:
        self._start("send_back")

    def _start(self, action: str) -> None:
        item = self.selected()
        if item is not None and self.refusal(action) is None:
            self.app.run_worker(self.open_action(item.id, action))

    async def open_action(self, item_id: int, action: str) -> None:
        """The form of one action on one item (also what tests drive)."""
        store = self.store
        item = await read(lambda: store.items.item(item_id))
        fields: list[Field] = []
        hint = ""
        if action == "follow_up":
            fields = [Field("text", _("Weak points found at the visit"), "text", value=item.weak_points,
                            max_length=ITEM_TEXT_MAX)]
        elif action == "propose":
            fields = [Field("text", _("Corrective measures"), "text", value=item.measures, max_length=ITEM_TEXT_MAX)]
            if item.sent_back_reason:
                hint = _("Sent back: {reason}").format(reason=one(item.sent_back_reason))
        elif action == "send_back":
            fields = [Field("text", _("Why it goes back"), "input", max_length=ITEM_TEXT_MAX)]
        else:
            hint = _("Measures: {m}").format(m=one(item.measures) or "—")

        def submit(values: dict[str, Any], version: int) -> Item:
            text = values.get("text") or ""
            calls = {"follow_up": lambda: store.items.item_follow_up(item_id, version, weak_points=text),
                     "propose": lambda: store.items.item_propose(item_id, version, measures=text),
                     "submit": lambda: store.items.item_submit(item_id, version),
                     "confirm": lambda: store.items.item_confirm(item_id, version),
                     "send_back": lambda: store.items.item_send_back(item_id, version, reason=text)}
            try:
                return calls[action]()
            except ValidationFailed as exc:  # the store names its field; the form has one
                raise ValidationFailed({"text": "; ".join(exc.errors.values())}) from None

        title = _("{action}: item #{id}").format(action=improve.item_action_label(action), id=item_id)
        self.app.push_screen(ActionForm(title, fields, submit, item.version, hint=hint,
                                        save_label=improve.item_action_label(action),
                                        on_conflict=lambda: self.reload(keep=item_id)),
                             lambda r: None if r is None else self._done(item_id))
