"""Spare-parts stock, first in first out (docs/rules.md "Spare parts";
DOMAIN.md §11). Pure: lots in, the lots a step leaves behind out; the store
writes them (and the audit event) in one transaction.

- **A lot** is one receipt of one part: its number (the receipt's, given in
  the order receipts are recorded), the day and time it came in, its unit
  cost, and the quantity left at one location. When part of a lot moves to
  another location it stays the same lot there: same number, same receipt
  time, same unit cost. So a lot is keyed by (number, location).
- **Oldest first.** A use takes from the lots of that part at that location
  ordered by receipt time, and among lots received at the same instant by
  the lower lot number (recorded first). The cost of a use is the sum, over
  the lots it took from, of quantity × that lot's unit cost: exact to the fen
  (unit costs have at most two decimals, quantities are whole units).
- **Stock never goes negative.** A use or a move that asks for more than the
  location holds is refused whole, saying which part, where, and how many
  are missing; nothing is taken.
- **Moves** (store to van, van to van) take the oldest lots at the source,
  as a use would, and the moved units keep their lot, receipt time and cost.
- **Stock-taking** compares what was counted with what the lots say. A
  shortfall is taken oldest first, like a use (the oldest units are the ones
  that should have gone first). A surplus becomes a new lot received at the
  count, at the unit cost of the part's latest receipt (any location; the
  catalogue's cost when it was never received): what replacing it would
  cost now. A difference needs a reason.
- **Lots are never deleted**: an empty lot stays as the record of its
  receipt (the surplus cost and the reports read it).
- **Warranty**: a part used on equipment whose warranty runs to a day on or
  after the day of use (the site's zone) is free by default, else charged.

Parts and locations are the store's ids (ints); names are passed in only to
say what is short.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pendulum import DateTime

from ..errors import RuleViolation, ValidationFailed
from ..i18n import _, ngettext
from ..money import parse_fee
from ..timeutil import local

QUANTITY_MAX = 1_000_000  # per step: beyond it a typo, not a delivery
REASON_MAX = 200
MovementKind = Literal["receipt", "use", "move", "count"]
Charge = Literal["warranty", "charged"]


@dataclass(frozen=True)
class Lot:
    """What is left of receipt ``lot`` of ``part`` at ``location``."""

    lot: int
    part: int
    location: int
    received_at: DateTime
    unit_cost: Decimal
    quantity: int

    @property
    def key(self) -> tuple[int, int]:
        return (self.lot, self.location)

    @property
    def value(self) -> Decimal:
        return self.quantity * self.unit_cost


def fifo_key(lot: Lot) -> tuple[DateTime, int]:
    """Oldest first: receipt time, then the lot number (recorded first)."""
    return (lot.received_at, lot.lot)


@dataclass(frozen=True)
class Take:
    """Units taken out of one lot at one location."""

    lot: int
    location: int
    received_at: DateTime
    unit_cost: Decimal
    quantity: int

    @property
    def cost(self) -> Decimal:
        return self.quantity * self.unit_cost


@dataclass(frozen=True)
class Movement:
    """One step and what it did: the units taken (oldest first), and every
    lot it touched as it is afterwards (new lots included).

    ``quantity`` is the units in (receipt, count surplus) or out (use, move,
    count shortfall); an exact count has none. ``to`` is a move's destination."""

    kind: MovementKind
    part: int
    location: int
    quantity: int
    takes: tuple[Take, ...] = ()
    lots: tuple[Lot, ...] = ()
    to: int | None = None
    expected: int | None = None
    counted: int | None = None
    reason: str = ""

    @property
    def cost(self) -> Decimal:
        """The value of the units taken, at their lots' receipt costs."""
        return sum((t.cost for t in self.takes), Decimal(0))

    @property
    def added(self) -> Lot | None:
        """The lot a receipt or a count surplus created."""
        return self.lots[0] if self.kind in ("receipt", "count") and self.quantity and not self.takes else None


class Shortage(RuleViolation):
    """More asked for than the location holds: nothing was taken."""

    def __init__(self, part: str, location: str, wanted: int, have: int) -> None:
        self.wanted, self.have, self.missing = wanted, have, wanted - have
        super().__init__(_("Not enough {part} at {location}: {wanted} wanted, {have} in stock, {missing} missing").format(
            part=part, location=location, wanted=wanted, have=have, missing=wanted - have), field="quantity")


# ------------------------------------------------------------------ checks
def check_quantity(value: Any, field: str = "quantity", *, zero: bool = False) -> int:
    """A whole number of units, 1 (0 when ``zero``) to QUANTITY_MAX."""
    low = 0 if zero else 1
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.isdigit():
        text = int(text)
    if isinstance(text, bool) or not isinstance(text, int) or not low <= text <= QUANTITY_MAX:
        raise ValidationFailed.one(field, _("a whole number from {lo} to {hi}").format(lo=low, hi=f"{QUANTITY_MAX:,}"))
    return text


def check_unit_cost(value: Any) -> Decimal:
    """A unit cost as a fee is typed: 0 to 1,000,000,000, at most two decimals."""
    try:
        cost = parse_fee(value)
    except ValueError as exc:
        raise ValidationFailed.one("unit_cost", str(exc)) from None
    if cost is None:
        raise ValidationFailed.one("unit_cost", _("required"))
    return cost


def check_reason(value: Any) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        raise ValidationFailed.one("reason", _("required: say why the count differs"))
    if len(text) > REASON_MAX:
        raise ValidationFailed.one("reason", ngettext("at most {n} character", "at most {n} characters", REASON_MAX).format(
            n=REASON_MAX))
    return text


# ------------------------------------------------------------------ reading
def at(lots: Iterable[Lot], part: int, location: int) -> list[Lot]:
    """The lots of ``part`` at ``location`` holding something, oldest first."""
    return sorted((x for x in lots if x.part == part and x.location == location and x.quantity > 0), key=fifo_key)


def on_hand(lots: Iterable[Lot], part: int, location: int | None = None) -> int:
    """Units of ``part`` at ``location`` (None: everywhere)."""
    return sum(x.quantity for x in lots if x.part == part and (location is None or x.location == location))


def stock_value(lots: Iterable[Lot]) -> Decimal:
    """What the stock cost: every unit at its lot's receipt cost."""
    return sum((x.value for x in lots), Decimal(0))


def surplus_cost(lots: Iterable[Lot], part: int, catalogue_cost: Decimal) -> Decimal:
    """The unit cost of ``part``'s latest receipt (empty lots count: they
    are its receipt history), else the catalogue's."""
    mine = [x for x in lots if x.part == part]
    return max(mine, key=fifo_key).unit_cost if mine else catalogue_cost


def apply(lots: Iterable[Lot], movement: Movement) -> list[Lot]:
    """``lots`` after ``movement``: the lots it touched replaced, new ones added."""
    book = {(x.lot, x.location): x for x in lots}
    for x in movement.lots:
        book[x.key] = x
    return sorted(book.values(), key=lambda x: (x.part, x.location, fifo_key(x)))


# ------------------------------------------------------------------ steps
def receive(lot: int, part: int, location: int, received_at: DateTime, quantity: Any, unit_cost: Any) -> Movement:
    """A delivery: a new lot ``lot`` (the next receipt number)."""
    q, cost = check_quantity(quantity), check_unit_cost(unit_cost)
    new = Lot(lot, part, location, received_at, cost, q)
    return Movement("receipt", part, location, q, lots=(new,))


def _take(lots: Iterable[Lot], part: int, location: int, quantity: int,
          names: tuple[str, str] | None) -> tuple[tuple[Take, ...], tuple[Lot, ...]]:
    """Take ``quantity`` oldest first, or raise Shortage (nothing taken)."""
    here = at(lots, part, location)
    have = sum(x.quantity for x in here)
    if quantity > have:
        part_name, location_name = names or (f"#{part}", f"#{location}")
        raise Shortage(part_name, location_name, quantity, have)
    takes: list[Take] = []
    after: list[Lot] = []
    left = quantity
    for x in here:
        if not left:
            break
        n = min(left, x.quantity)
        takes.append(Take(x.lot, x.location, x.received_at, x.unit_cost, n))
        after.append(replace(x, quantity=x.quantity - n))
        left -= n
    return tuple(takes), tuple(after)


def use(lots: Iterable[Lot], part: int, location: int, quantity: Any,
        names: tuple[str, str] | None = None) -> Movement:
    """Parts used on a ticket, oldest lots first; ``names`` (part, location)
    say what is short when there is not enough."""
    q = check_quantity(quantity)
    takes, after = _take(lots, part, location, q, names)
    return Movement("use", part, location, q, takes, after)


def move(lots: Iterable[Lot], part: int, source: int, to: int, quantity: Any,
         names: tuple[str, str] | None = None) -> Movement:
    """``quantity`` units from ``source`` to ``to``: the oldest at the source
    go, each keeping its lot number, receipt time and unit cost."""
    if source == to:
        raise ValidationFailed.one("to", _("the destination is where the parts are already"))
    q = check_quantity(quantity)
    pool = list(lots)
    takes, after = _take(pool, part, source, q, names)
    there = {x.lot: x for x in pool if x.part == part and x.location == to}
    arrived = []
    for t in takes:
        old = there.get(t.lot)
        arrived.append(replace(old, quantity=old.quantity + t.quantity) if old is not None else
                       Lot(t.lot, part, to, t.received_at, t.unit_cost, t.quantity))
    return Movement("move", part, source, q, takes, after + tuple(arrived), to=to)


def count(lots: Iterable[Lot], part: int, location: int, counted: Any, counted_at: DateTime,
          new_lot: int, catalogue_cost: Decimal, reason: Any = "") -> Movement:
    """A stock-taking of ``part`` at ``location``. A shortfall is taken oldest
    first; a surplus becomes lot ``new_lot`` received at ``counted_at``, at
    the part's latest receipt cost (``catalogue_cost`` if it has none). A
    difference needs a reason."""
    c = check_quantity(counted, "counted", zero=True)
    pool = list(lots)
    expected = on_hand(pool, part, location)
    base = Movement("count", part, location, 0, expected=expected, counted=c)
    if c == expected:
        return base
    why = check_reason(reason)
    if c < expected:
        takes, after = _take(pool, part, location, expected - c, None)
        return replace(base, quantity=expected - c, takes=takes, lots=after, reason=why)
    new = Lot(new_lot, part, location, counted_at, surplus_cost(pool, part, catalogue_cost), c - expected)
    return replace(base, quantity=c - expected, lots=(new,), reason=why)


def warranty_default(warranty_until: date | None, used_at: DateTime, tz: str) -> Charge:
    """Free when the warranty runs to the day of use or later (the site's
    zone: a part used at 00:30 in Shanghai on the 1st is used on the 1st)."""
    if warranty_until is not None and local(used_at, tz).date() <= warranty_until:
        return "warranty"
    return "charged"
