"""Fees by a schedule (docs/rules.md "Fees"; seed 001). Pure: the schedule a
manager keeps (stored as JSON, like the calendar), the fee it proposes for a
resolved ticket item by item, and the fee charged with the reason for any
change. Money is Decimal to the fen; see store/money.py.

- **Labour**, one of: a flat amount per ticket by priority; or a rate per
  hour of working time from the arrival to the resolution, holds left out
  (counted as the SLA clocks count it: the site's calendar, store/rules/sla.py),
  billed in started steps (default 30 minutes) with an optional minimum.
- **Call-out charge**: once per ticket the technician came on site for; none
  for remote work.
- **Parts**: a charged part at its cost (the lots it was taken from, first in
  first out: store/rules/stock.py) plus the margin; a part under warranty is listed
  at 0.
- **Rounding**: every item is rounded half up to the fen when proposed, so
  the items add up to what is shown; the total is then rounded half up to the
  schedule's step (0.01, 0.1 or 1), and a difference is a line of its own.
- **Override**: the fee charged may differ from the proposal, with a reason.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pendulum import DateTime
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import RuleViolation, ValidationFailed
from ..i18n import _, ngettext
from ..money import DEFAULT_CURRENCY, FEN, format_money, parse_fee, round_money
from ..validation import validate
from .derive import active_seconds
from .sla import AlwaysOpen, Calendar, Pause, merge_pauses
from .stock import Charge

LabourBasis = Literal["priority", "hourly"]
Rounding = Literal["0.01", "0.1", "1"]
ItemKind = Literal["labour", "call_out", "part", "rounding"]
REASON_MAX = 200
INVOICE_CHECK_DAYS = 7  # setting invoice_check_days: an invoice unchecked this long after closing is listed
INVOICE_NO_MAX = 40
MARGIN_MAX = Decimal(10)  # cost + 1000 %: beyond it a typo (15 for 0.15)
EXAMPLE = '{"labour": "priority", "per_priority": {"1": "300", "2": "200"}, "call_out": "50", "parts_margin": "0.15"}'


def _money(value: Any) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal(0)
    return parse_fee(value) or Decimal(0)


class FeeSchedule(BaseModel):
    """The ``fee_schedule`` setting. A new database charges nothing but the
    parts at cost until a manager fills it in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    labour: LabourBasis = "priority"
    """``priority``: a flat amount per ticket; ``hourly``: per hour of working time."""
    per_priority: dict[int, Decimal] = Field(default_factory=dict)
    """Labour per ticket by priority (1 … 4); a priority left out charges none."""
    hourly_rate: Decimal = Decimal(0)
    """Labour per hour of working time, arrival to resolution, holds left out."""
    step_minutes: int = Field(default=30, ge=1, le=240)
    """Working time is billed in started steps of this many minutes."""
    minimum_minutes: int = Field(default=0, ge=0, le=1440)
    """Billed at least this long (an hourly labour line is never shorter)."""
    call_out: Decimal = Decimal(0)
    """Charged once when the technician came on site (not for remote work)."""
    parts_margin: Decimal = Decimal(0)
    """Charged parts at cost × (1 + margin): 0.15 is cost plus 15 %."""
    rounding: Rounding = "0.01"
    """The total rounded half up to this step."""

    _amounts = field_validator("hourly_rate", "call_out", mode="before")(_money)

    @field_validator("per_priority", mode="before")
    @classmethod
    def _per_priority(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError(_('amounts by priority, e.g. {"1": "300", "2": "200"}'))
        out: dict[int, Decimal] = {}
        for key, amount in value.items():
            p = int(key) if isinstance(key, int | str) and str(key).strip() in ("1", "2", "3", "4") else None
            if p is None:
                raise ValueError(_("priorities are 1 to 4, not {p}").format(p=key))
            out[p] = _money(amount)
        return out

    @field_validator("parts_margin", mode="before")
    @classmethod
    def _margin(cls, value: Any) -> Decimal:
        try:
            margin = Decimal(str(value).strip()) if isinstance(value, str | int | float) and not isinstance(value, bool) else None
        except ArithmeticError:
            margin = None
        if margin is None or not margin.is_finite() or not 0 <= margin <= MARGIN_MAX:
            raise ValueError(_("a share from 0 to {max}: 0.15 is cost plus 15 %").format(max=MARGIN_MAX))
        return margin

    @field_validator("rounding", mode="before")
    @classmethod
    def _rounding(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | str) and not isinstance(value, bool) else value

    def to_json(self) -> dict[str, Any]:
        """The value stored: amounts as text, so no float ever holds money."""
        return {
            "labour": self.labour, "per_priority": {str(p): str(a) for p, a in sorted(self.per_priority.items())},
            "hourly_rate": str(self.hourly_rate), "step_minutes": self.step_minutes,
            "minimum_minutes": self.minimum_minutes, "call_out": str(self.call_out),
            "parts_margin": str(self.parts_margin), "rounding": self.rounding,
        }


def parse_schedule(value: Any) -> FeeSchedule:
    """The setting checked, or RuleViolation with one line saying what is wrong."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise RuleViolation(_("fee_schedule must be a JSON object, e.g. {example}").format(example=EXAMPLE))
    try:
        return validate(FeeSchedule, value)
    except ValidationFailed as exc:
        field, message = next(iter(exc.errors.items()))
        raise RuleViolation(_("fee_schedule {field}: {message}").format(field=field, message=message)) from None


def check_fee_schedule(value: Any) -> dict[str, Any]:
    """The value to store, normalised; RuleViolation (one line) otherwise."""
    return parse_schedule(value).to_json()


def schedule_from(setting: Any) -> FeeSchedule:
    """The schedule a stored setting describes (None: the default). A damaged
    value raises ValueError, which the store reports as a damaged file."""
    if setting is None:
        return FeeSchedule()
    try:
        return parse_schedule(setting)
    except RuleViolation as exc:
        raise ValueError(str(exc)) from None


# ------------------------------------------------------------------ proposal
@dataclass(frozen=True)
class PartUsed:
    """A catalogue part used on the ticket: ``cost`` is what its lots cost."""

    name: str
    quantity: int
    cost: Decimal
    charge: Charge


@dataclass(frozen=True)
class Work:
    """What a fee is worked out from: plain fields of a resolved ticket."""

    priority: int
    arrived_at: DateTime | None
    resolved_at: DateTime | None
    arrival_mode: str | None  # "onsite" or "remote"
    pauses: Sequence[Pause] = ()
    parts: Sequence[PartUsed] = ()


@dataclass(frozen=True)
class FeeItem:
    """One line of a fee. ``quantity``: billed minutes (hourly labour) or
    units (a part), else 1. ``amount`` is to the fen."""

    kind: ItemKind
    label: str
    amount: Decimal
    quantity: int = 1
    worked_s: float | None = None  # hourly labour: the working time itself
    warranty: bool = False


@dataclass(frozen=True)
class Fee:
    items: tuple[FeeItem, ...]

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.items), Decimal(0))

    def to_json(self) -> list[dict[str, Any]]:
        """The items as recorded with the fee (amounts as text)."""
        return [{"kind": i.kind, "label": i.label, "quantity": i.quantity, "amount": str(i.amount),
                 **({"warranty": True} if i.warranty else {})} for i in self.items]


def billed_minutes(worked_s: float, schedule: FeeSchedule) -> int:
    """Working time in started steps, at least the minimum: 61 min in
    30-minute steps is 90."""
    steps = math.ceil(round(worked_s) / (schedule.step_minutes * 60))
    return max(schedule.minimum_minutes, steps * schedule.step_minutes)


def propose(work: Work, schedule: FeeSchedule, calendar: Calendar | None = None) -> Fee:
    """The fee the schedule proposes for a resolved ticket, item by item."""
    if work.arrived_at is None or work.resolved_at is None:
        raise RuleViolation(_("A fee is proposed once the ticket is resolved"))
    items: list[FeeItem] = []
    if schedule.labour == "priority":
        amount = schedule.per_priority.get(work.priority, Decimal(0))
        if amount:
            items.append(FeeItem("labour", _("Labour (P{p})").format(p=work.priority), amount))
    else:
        worked = active_seconds(work.arrived_at, work.resolved_at, merge_pauses(work.pauses), calendar or AlwaysOpen())
        minutes = billed_minutes(worked, schedule)
        amount = round_money(schedule.hourly_rate * minutes / 60)
        if amount:
            items.append(FeeItem("labour", _("Labour"), amount, minutes, worked))
    if work.arrival_mode == "onsite" and schedule.call_out:
        items.append(FeeItem("call_out", _("Call-out"), schedule.call_out))
    for part in work.parts:
        if part.charge == "warranty":
            items.append(FeeItem("part", part.name, Decimal("0.00"), part.quantity, warranty=True))
        else:
            items.append(FeeItem("part", part.name, round_money(part.cost * (1 + schedule.parts_margin)), part.quantity))
    exact = sum((i.amount for i in items), Decimal(0))
    total = round_money(exact, Decimal(schedule.rounding))
    if total != exact:
        items.append(FeeItem("rounding", _("Rounding"), total - exact))
    return Fee(tuple(items))


def item_text(item: FeeItem, currency: str = DEFAULT_CURRENCY) -> str:
    """What a line says besides its label and amount: "2h30m worked, billed 3h00m",
    "3 units", "under warranty"."""
    if item.kind == "labour" and item.worked_s is not None:
        return _("{worked} worked, billed {billed}").format(
            worked=_duration(item.worked_s), billed=_duration(item.quantity * 60))
    if item.kind == "part":
        units = ngettext("{n} unit", "{n} units", item.quantity).format(n=item.quantity)
        return _("{units}, under warranty").format(units=units) if item.warranty else units
    return ""


def _duration(seconds: float) -> str:
    minutes = math.ceil(round(seconds) / 60)
    return f"{minutes // 60}h{minutes % 60:02d}m"


# ------------------------------------------------------------------ charged
@dataclass(frozen=True)
class Charged:
    """The fee recorded at closing: the proposal's total, what is charged,
    and the reason when they differ."""

    proposed: Decimal
    amount: Decimal
    reason: str = ""

    @property
    def overridden(self) -> bool:
        return self.amount != self.proposed


def charge(proposed: Fee, amount: Any = None, reason: Any = "", currency: str = DEFAULT_CURRENCY) -> Charged:
    """The fee as charged: the proposal unless ``amount`` is typed; a
    different amount needs a reason. Errors are ValidationFailed on
    ``fee`` or ``reason``, one line each."""
    total = round_money(proposed.total).quantize(FEN)
    try:
        typed = parse_fee(amount)
    except ValueError as exc:
        raise ValidationFailed.one("fee", str(exc)) from None
    charged = total if typed is None else typed
    why = " ".join(reason.split()) if isinstance(reason, str) else ""
    if len(why) > REASON_MAX:
        raise ValidationFailed.one("reason", ngettext(
            "at most {n} character", "at most {n} characters", REASON_MAX).format(n=REASON_MAX))
    if charged != total and not why:
        raise ValidationFailed.one("reason", _("required: the fee differs from the proposed {fee}").format(
            fee=format_money(total, currency)))
    return Charged(total, charged, why if charged != total else "")
