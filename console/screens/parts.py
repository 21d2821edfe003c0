"""Spare parts (issue 25, key 'P' on the main screen): the catalogue with
each part's stock everywhere, those below their minimum first (the most
urgent first: the smallest share of the minimum left), and below the list
the selected part's stock per location and its lots, oldest first (the
order a use takes them).

'r' records a delivery, 'm' a move (stocking a van), 'c' a stock-taking,
each from a form whose refusal (a shortage, a missing reason) is said in the
form, which keeps what was typed. Who may: the store's answer
(console/permits.py): managers keep the store (receive, count); dispatchers
also move. A key the role does not allow is out of the footer and says why.

Read in a thread and followed like every list: a use on a ticket from
another console shows up here at the next poll."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from store.limits import NUMBER_MAX
from store.repo.parts_rows import STORE, LotLine, Part, money_text
from store.text import clean
from store.timeutil import local

from ..background import in_thread
from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.lists import ListTable
from .form import ActionForm, Field
from .listing import BACK, ListScreen

REASON_MAX = 200  # store/rules/stock.py REASON_MAX


@dataclass(frozen=True)
class Read:
    parts: list[Part]
    places: list[tuple[str, str]]  # (label, the location as the store reads it: "store", "van:ID")


def read_parts(store: Any) -> Read:
    """In a thread: every part by urgency, and where stock can be."""
    places = [(_("center store"), STORE)]
    places += [(_("van of {name}").format(name=clean(t.name, single_line=True)), f"van:{t.id}")
               for t in store.people.technicians()]
    return Read(store.parts.by_urgency(), places)


def state_text(part: Part) -> Text:
    """Words, not colour alone: LOW with what is missing."""
    if part.low:
        return Text(_("LOW, {n} short").format(n=part.min_stock - part.on_hand), style="bold red")
    if part.min_stock and part.on_hand == part.min_stock:
        return Text(_("at minimum"), style="yellow")
    return Text("")


def lots_text(part: Part, lots: list[LotLine], tz: str) -> Content:
    """The selected part's stock per location, each with its lots oldest first."""
    head = f"{part.label} · " + _("{n} {unit} in stock, minimum {min}").format(
        n=part.on_hand, unit=part.unit, min=part.min_stock)
    lines = [clean(head, single_line=True)]
    if not lots:
        lines.append(_("No stock anywhere: 'r' records a delivery."))
    where: dict[int, list[LotLine]] = {}
    for lot in lots:
        where.setdefault(lot.location.id, []).append(lot)
    for group in where.values():
        total = sum(x.remaining for x in group)
        lots_part = ", ".join(_("lot {lot}: {n} × {cost} ({day})").format(
            lot=x.lot, n=x.remaining, cost=money_text(x.unit_cost), day=local(x.received_at, tz).format("YYYY-MM-DD"))
            for x in group)
        lines.append(f"{group[0].location.name}: {total} — {lots_part}")
    return Content("\n".join(lines))


class PartsScreen(ListScreen):
    DEFAULT_CSS = """
    PartsScreen .title { text-style: bold; padding: 0 1; }
    PartsScreen #parts { height: 1fr; }
    PartsScreen #part-detail { height: auto; max-height: 7; padding: 0 1; }
    """
    BINDINGS = [
        Binding("r", "receive", N_("Receive")),
        Binding("m", "move", N_("Move")),
        Binding("c", "count", N_("Count")),
        Binding("ctrl+r", "reload", N_("Reload"), show=False),
        BACK,
    ]
    GUARDED = frozenset({"receive", "move", "count"})
    WRITES = {"receive": "stock.receive", "move": "stock.move", "count": "stock.count"}

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Part] = []
        self.places: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Spare parts")), id="parts-title", classes="title")
        yield ListTable(id="parts")
        yield Static("", id="part-detail")
        yield Footer()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#parts", DataTable)

    def on_mount(self) -> None:
        self._add_columns()
        self.reload()

    def _add_columns(self) -> None:
        for header in (_("Code"), _("Name"), _("In stock"), _("Min"), _("Unit"), _("State")):
            self.table.add_column(Text(header))

    def data_changed(self) -> None:
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self, keep: int | None = None) -> None:
        store = self.app.store
        current = self.selected()
        keep = keep if keep is not None else (current.id if current is not None else None)
        in_thread(self, lambda: read_parts(store), lambda r: self._show(r, keep), group="parts", exclusive=True)

    def _show(self, read: Read, keep: int | None) -> None:
        table = self.table
        at = table.cursor_row
        self.shown, self.places = read.parts, read.places
        table.clear()
        for p in read.parts:
            table.add_row(Text(clean(p.code, single_line=True)),
                          Text(clean(p.name, single_line=True, limit=40), no_wrap=True, overflow="ellipsis"),
                          Text(str(p.on_hand), justify="right"), Text(str(p.min_stock), justify="right"),
                          Text(clean(p.unit, single_line=True)), state_text(p), key=str(p.id))
        ids = [p.id for p in read.parts]
        if keep in ids:
            at = ids.index(keep)
        if ids:
            table.move_cursor(row=min(max(at, 0), len(ids) - 1))
        low = sum(p.low for p in read.parts)
        self.query_one("#parts-title", Static).update(Content(
            _("Spare parts") + " — " + _("{n} parts, {low} below minimum").format(n=len(ids), low=low)))
        self._detail()

    def selected(self) -> Part | None:
        if not self.shown:
            return None
        row = self.table.cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def on_data_table_row_highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        self.refresh_bindings()
        part = self.selected()
        detail = self.query_one("#part-detail", Static)
        if part is None:
            detail.update(Content(_("No parts in the catalogue: add them with 'dispatch parts add' or "
                                    "'dispatch parts import'.")))
            return
        store, tz = self.app.store, self.app.tz

        def shown(lots: list[LotLine]) -> None:
            if self.selected() is part:  # else the cursor moved on: its own read shows it
                detail.update(lots_text(part, lots, tz))

        in_thread(self, lambda: store.parts.lots(part.id), shown, group="lots", exclusive=True)

    # --------------------------------------------------------------- the steps
    def refusal(self, action: str) -> str | None:
        if self.selected() is None:
            return _("No part selected.")
        return self.permits.refusal(self.WRITES[action])

    def _places(self, value: str) -> Field:
        return Field("location", _("Location"), kind="select", options=list(self.places), value=value)

    def action_receive(self) -> None:
        part = self.selected()
        if part is None or self.refusal("receive"):
            return
        store = self.app.store
        fields = [Field("quantity", _("Quantity ({unit})").format(unit=part.unit), max_length=NUMBER_MAX),
                  Field("unit_cost", _("Unit cost"), value=str(part.unit_cost), max_length=NUMBER_MAX),
                  self._places(STORE)]
        self._open(_("Receive {part}").format(part=part.label), fields,
                   lambda v: store.parts.receive_parts(part.id, v["quantity"], v["unit_cost"], v["location"] or STORE),
                   lambda s: _("Received {n} {part} at {where}: lot {lot}.").format(
                       n=s.movement.quantity, part=s.part.label, where=s.location.name,
                       lot=s.movement.added.lot if s.movement.added else "?"))

    def action_move(self) -> None:
        part = self.selected()
        if part is None or self.refusal("move"):
            return
        store = self.app.store
        vans = [v for _label, v in self.places if v != STORE]
        fields = [Field("quantity", _("Quantity ({unit})").format(unit=part.unit), max_length=NUMBER_MAX),
                  Field("source", _("Move from"), kind="select", options=list(self.places), value=STORE),
                  Field("to", _("Move to"), kind="select", options=list(self.places), value=vans[0] if vans else STORE)]
        self._open(_("Move {part}").format(part=part.label), fields,
                   lambda v: store.parts.move_parts(part.id, v["quantity"], v["source"] or "", v["to"] or ""),
                   lambda s: _("Moved {n} {part} from {source} to {to}.").format(
                       n=s.movement.quantity, part=s.part.label, source=s.location.name,
                       to=s.to.name if s.to else "?"))

    def action_count(self) -> None:
        part = self.selected()
        if part is None or self.refusal("count"):
            return
        store = self.app.store
        fields = [self._places(STORE),
                  Field("counted", _("Counted ({unit})").format(unit=part.unit), max_length=NUMBER_MAX),
                  Field("reason", _("Reason"), placeholder=_("needed when the count differs"), max_length=REASON_MAX)]
        self._open(_("Count {part}").format(part=part.label), fields,
                   lambda v: store.parts.count_parts(part.id, v["location"] or STORE, v["counted"], v["reason"]),
                   lambda s: _("Counted {part} at {where}: {counted}, expected {expected}.").format(
                       part=s.part.label, where=s.location.name, counted=s.movement.counted,
                       expected=s.movement.expected))

    def _open(self, title: str, fields: list[Field], write: Any, said: Any) -> None:
        part = self.selected()
        assert part is not None
        part_id = part.id

        def saved(step: Any) -> None:
            if step is None:
                return
            self.notify(said(step), markup=False)
            self.reload(keep=part_id)

        self.app.push_screen(ActionForm(title, fields, lambda values, _v: write(values), part.version,
                                        draft_key=("parts", title)), saved)

    def language_changed(self) -> None:
        self.table.clear(columns=True)
        self._add_columns()
        self.reload()
