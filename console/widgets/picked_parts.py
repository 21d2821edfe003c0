"""The parts a resolve picks from the catalogue (issue 25 "Using parts on a
ticket"): a picker that finds a part by code or name with its stock at the
van and the store beside it, and the list of picked lines, each with its
quantity, where it is taken from, and warranty or charged.

Keys in the list: digits type the quantity (the first digit replaces it,
the next ones add to it), + and - change it by one, w turns warranty into
charged and back, l takes it from the van or the store, del (or d) drops
the line. The picker keeps the focus after a pick, so several parts are
added in a row; tab goes on to the list."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rich.cells import cell_len
from textual import events, on
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from store.repo.parts_pick import PickContext, PickOption
from store.repo.parts_rows import STORE, PartUse
from store.rules.stock import QUANTITY_MAX
from store.text import clean

from ..i18n import N_, _
from .lists import ListOptions
from .picker import Picker

NAME_CELLS = 20  # code and name in a line: the whole line fits the form at 80 columns, unwrapped


@dataclass(frozen=True)
class PickedLine:
    """One picked part: what the form shows and what the store is given."""

    part_id: int
    code: str
    name: str
    unit: str
    quantity: int
    charge: str  # "warranty" or "charged"
    location: str  # "store" or "van:ID"

    def use(self, default: str, reason: str) -> PartUse:
        """As the store takes it: the charge only when it is not the default, with the reason."""
        differs = self.charge != default
        return PartUse(self.code, self.quantity, self.charge if differs else None,
                       reason if differs else "", self.location)


def _cut(text: str, cells: int) -> str:
    """At most ``cells`` terminal cells (a CJK character takes two), "…" where cut."""
    if cell_len(text) <= cells:
        return text + " " * (cells - cell_len(text))
    out = ""
    for ch in text:
        if cell_len(out + ch) > cells - 1:
            break
        out += ch
    return out + "…" + " " * (cells - 1 - cell_len(out))


class PartPicker(Picker):
    """The picker of "Add a part": enter on a match adds it to the list and
    empties the field for the next part; enter with no match does nothing
    (it never saves the form by accident); tab goes on to the list."""

    class Chosen(Message):
        def __init__(self, option: PickOption) -> None:
            self.option = option
            super().__init__()

    def __init__(self, context: PickContext, search: Any, **kwargs: Any) -> None:
        self.context = context
        self.found: dict[int, PickOption] = {}
        self._search_parts = search
        super().__init__(self._matches, _("code or name of a part"), **kwargs)

    def _matches(self, text: str) -> list[tuple[int, str]]:
        """In a thread (Picker.refresh_matches): the catalogue filtered, kept by id for the pick."""
        found = self._search_parts(text)
        # Added to, not replaced: a search on focus may finish after the one
        # of the text typed since, and the list shows the latter's matches.
        self.found.update({o.id: o for o in found})
        return [(o.id, o.label(self.context.van is not None)) for o in found]

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()  # Picker's own enter: it would move on to the next field
        options = self.query_one(OptionList)
        if self.has_class("open") and options.highlighted is not None:
            self._choose(options.get_option_at_index(options.highlighted))

    def _choose(self, option: Option) -> None:
        picked = self.found.get(int(option.id or 0))
        if picked is not None:
            self.post_message(self.Chosen(picked))
        self.value, self._label = None, ""
        with self.input.prevent(Input.Changed):
            self.input.value = ""
        self.query_one(OptionList).clear_options()
        self.remove_class("open")  # until more is typed: tab now goes on to the list

    def on_key(self, event: events.Key) -> None:
        """Tab goes on to the next field without picking (before Picker's own
        key handler, which would take the highlighted match): only enter adds."""
        if event.key == "tab":
            self.remove_class("open")


class PickedParts(ListOptions):
    """The picked lines; the form reads ``lines`` when it saves."""

    BINDINGS = [
        Binding("w", "charge", N_("Warranty/charged")),
        Binding("l", "location", N_("Van/store")),
        Binding("plus,equals_sign", "more", N_("One more"), show=False),
        Binding("minus", "less", N_("One less"), show=False),
        Binding("delete,d", "drop", N_("Drop the part")),
    ]
    DEFAULT_CSS = """
    PickedParts { height: auto; max-height: 8; }
    """

    class Changed(Message):
        """The lines changed (a pick, a quantity, a charge): the form's error beside them goes."""

    def __init__(self, context: PickContext, **kwargs: Any) -> None:
        super().__init__(compact=True, **kwargs)
        self.context = context
        self.lines: list[PickedLine] = []
        self._typing = False  # digits typed on this line add to the quantity, the first one replaces it
        self._typed = ""  # the digits typed so far on this line

    # ------------------------------------------------------------ the lines
    def add(self, option: PickOption) -> None:
        """A part picked: one more of it if it is there already (from the same place), else a new line."""
        where = option.source(self.context.van)
        for i, line in enumerate(self.lines):
            if line.part_id == option.id and line.location == where:
                self._set(i, replace(line, quantity=min(QUANTITY_MAX, line.quantity + 1)))
                return
        self.lines.append(PickedLine(option.id, option.code, option.name, option.unit, 1, self.context.charge, where))
        self._show(len(self.lines) - 1)

    def uses(self, reason: str) -> list[PartUse]:
        return [line.use(self.context.charge, reason) for line in self.lines]

    @property
    def picked(self) -> tuple[PickedLine, ...]:
        """What a draft keeps."""
        return tuple(self.lines)

    @picked.setter
    def picked(self, lines: tuple[PickedLine, ...]) -> None:
        self.lines = list(lines)
        self._show(0 if lines else None)

    def _where(self, line: PickedLine) -> str:
        return _("store") if line.location == STORE else _("van")

    def _text(self, n: int, line: PickedLine) -> str:
        charge = _("warranty") if line.charge == "warranty" else _("charged")
        mark = "*" if line.charge != self.context.charge else " "  # not as the warranty says: needs a reason
        name = _cut(clean(f"{line.code} {line.name}", single_line=True), NAME_CELLS)
        return f"{n}. {name} ×{line.quantity:<3} {_cut(self._where(line), 6)} {charge}{mark}"

    def _show(self, highlight: int | None) -> None:
        typing = self._typing  # the refill moves the highlight: not a move of the user's
        self.clear_options()
        if not self.lines:
            self.add_option(Option(Content(_("(none: type in 'Add a part' above)")), disabled=True))
        for n, line in enumerate(self.lines, 1):
            self.add_option(Option(Content(self._text(n, line)), id=str(n)))
        if highlight is not None and self.lines:
            self.highlighted = min(highlight, len(self.lines) - 1)
        self._typing = typing
        if self.has_focus:
            # Grown by a line while focused (a pick arriving after the tab that
            # came here): the whole list comes into view by the rule focus uses.
            self.call_after_refresh(self._into_view)
        self.post_message(self.Changed())

    def _into_view(self) -> None:
        """As Textual's Screen.set_focus does: centred only when not all of it shows."""
        screen = self.screen
        if screen.focused is self and not screen.can_view_entire(self):
            screen.scroll_to_center(self, origin_visible=True)

    def _set(self, i: int, line: PickedLine) -> None:
        self.lines[i] = line
        self._show(i)

    def _current(self) -> int | None:
        i = self.highlighted
        return i if i is not None and 0 <= i < len(self.lines) else None

    # ------------------------------------------------------------ the keys
    def action_charge(self) -> None:
        i = self._current()
        if i is not None:
            line = self.lines[i]
            self._set(i, replace(line, charge="charged" if line.charge == "warranty" else "warranty"))

    def action_location(self) -> None:
        i = self._current()
        if i is not None and self.context.van is not None:
            line = self.lines[i]
            self._set(i, replace(line, location=STORE if line.location != STORE else self.context.van))

    def action_more(self) -> None:
        self._step(+1)

    def action_less(self) -> None:
        self._step(-1)

    def _step(self, by: int) -> None:
        i = self._current()
        if i is not None:
            self._typing = False
            line = self.lines[i]
            self._set(i, replace(line, quantity=max(1, min(QUANTITY_MAX, line.quantity + by))))

    def action_drop(self) -> None:
        i = self._current()
        if i is not None:
            del self.lines[i]
            self._typing = False
            self._show(i)

    def on_key(self, event: events.Key) -> None:
        """Digits type the line's quantity; backspace takes the last digit off
        (all of them gone: 1, and the next digit starts afresh)."""
        i = self._current()
        if i is None or not ((event.character and event.character.isdigit()) or event.key == "backspace"):
            return
        event.stop()
        event.prevent_default()
        line = self.lines[i]
        typed = self._typed if self._typing else ""
        if event.key == "backspace":
            typed = (typed if self._typing else str(line.quantity))[:-1]
        elif len(typed) < len(str(QUANTITY_MAX)):
            typed = (typed + (event.character or "")).lstrip("0")
        self._typing, self._typed = True, typed
        quantity = min(QUANTITY_MAX, int(typed or "1"))
        if quantity != line.quantity:
            self._set(i, replace(line, quantity=quantity))

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        self._typing = False  # another line: its first digit replaces

    def on_blur(self) -> None:
        self._typing = False
