"""Improvement items (docs/rules.md §6): filter by team, state, month and overdue;
the selected item's details and whole history; the actions of its state for
the user's role (foreman: follow-up, measures, submit; manager: also confirm
or send back at the meeting), each a small form. Overdue items carry "!"."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Input, Select, Static

from store import improve
from store.errors import RuleViolation, StoreError, ValidationFailed
from store.improve import Item
from store.text import clean

from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.lists import ListTable
from .form import ActionForm, Field
from .listing import BACK, ListScreen


def one(text: str | None) -> str:
    return clean(text, single_line=True)


class FilterBar(Horizontal):
    DEFAULT_CSS = """
    FilterBar { height: 1; }
    FilterBar Select { width: 24; }
    FilterBar Input { width: 12; }
    FilterBar Static { width: auto; padding: 0 1; }
    """


class ItemsScreen(ListScreen):
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

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Item] = []
        self.overdue_only = False

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Improvement items")), classes="title")
        with FilterBar():
            yield Select([(one(t.name), t.id) for t in self.store.people.teams()], prompt=_("All teams"),
                         id="team", compact=True)
            yield Select([(improve.item_state_label(s), s) for s in improve.ITEM_STATES] + [(_("sent back"), "sent_back")],
                         prompt=_("All states"), id="state", compact=True)
            yield Input(placeholder=_("YYYY-MM"), id="month", compact=True)
            yield Static(Content(""), id="overdue-flag")
        yield ListTable(id="items")
        with VerticalScroll(id="item-detail"):
            yield Static(Content(""), id="item-text")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("!", "#", _("State"), _("Ticket"), _("Team"), _("Foreman"), _("Due"), _("From"))
        self.reload()

    # ------------------------------------------------------------ data
    def _filters(self) -> dict[str, Any]:
        team, state = self.query_one("#team", Select).value, self.query_one("#state", Select).value
        month = self.query_one("#month", Input).value.strip()
        return {"team_id": None if team is Select.NULL else team, "state": None if state is Select.NULL else state,
                "month": month if len(month) == 7 else None, "overdue": True if self.overdue_only else None}

    def reload(self, keep: int | None = None) -> None:
        table = self.query_one(DataTable)
        at = table.cursor_row
        try:
            self.shown = self.store.items.find(**self._filters())
        except StoreError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        table.clear()
        for i in self.shown:
            style = "bold red" if i.overdue else ""
            table.add_row(Text(improve.OVERDUE_MARK if i.overdue else "", style=style), str(i.id),
                          Text(i.state_label, style=style), f"#{i.ticket_id}", Text(one(i.team_name)),
                          Text(one(i.foreman or "—")), Text(i.due_date.isoformat(), style=style),
                          _("callback") if i.source == "callback" else _("complaint"), key=str(i.id))
        if keep is not None:
            at = next((n for n, i in enumerate(self.shown) if i.id == keep), at)
        if self.shown:
            table.move_cursor(row=min(max(at, 0), len(self.shown) - 1))
        self.query_one("#overdue-flag", Static).update(Content(_("overdue only") if self.overdue_only else ""))
        self.show_detail()

    def selected(self) -> Item | None:
        row = self.query_one(DataTable).cursor_row
        return self.shown[row] if self.shown and 0 <= row < len(self.shown) else None

    def show_detail(self) -> None:
        item = self.selected()
        self.refresh_bindings()
        out = Text()
        if item is None:
            out.append(_("No improvement items match."))
        else:
            tz = self.store.settings.timezone
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
            for h in self.store.items.item_history(item.id):
                out.append(f"{h.at.in_timezone(tz).format('YYYY-MM-DD HH:mm')}  {one(h.actor)}  {h.text}\n")
        self.query_one("#item-text", Static).update(out)

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.show_detail()

    @on(Select.Changed)
    def _filtered(self) -> None:
        self.reload()

    @on(Input.Changed, "#month")
    def _month(self, event: Input.Changed) -> None:
        if event.value.strip() in ("",) or len(event.value.strip()) == 7:
            self.reload()

    def data_changed(self) -> None:
        item = self.selected()
        self.reload(keep=item.id if item else None)

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

    def action_toggle_overdue(self) -> None:
        self.overdue_only = not self.overdue_only
        self.reload()

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
        item = self.store.items.item(item_id)
        store = self.store
        fields: list[Field] = []
        hint = ""
        if action == "follow_up":
            fields = [Field("text", _("Weak points found at the visit"), "text", item.weak_points)]
        elif action == "propose":
            fields = [Field("text", _("Corrective measures"), "text", item.measures)]
            if item.sent_back_reason:
                hint = _("Sent back: {reason}").format(reason=one(item.sent_back_reason))
        elif action == "send_back":
            fields = [Field("text", _("Why it goes back"), "input")]
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
                             lambda r: r is not None and self._done(item_id))

    def _done(self, item_id: int) -> None:
        self.notify(_("Saved."), markup=False)
        self.reload(keep=item_id)
