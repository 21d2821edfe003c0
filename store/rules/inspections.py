"""Preventive inspections (docs/rules.md "Inspections"; seed 003). Pure: a
plan, the visits it calls for, their state, a checklist result checked and
its findings. The figures are store/rules/inspection_figures.py.

- **A plan** covers one site (every piece of its equipment whose category has
  a checklist) or one piece of equipment, every month, every quarter or every
  N days from its first visit, with a checklist per equipment category, the
  team that does it, and how many days before a visit the customer is told.
- **Month ends.** Monthly and quarterly visits fall on the first visit's day
  of the month; in a shorter month, on its last day, and back on the first
  visit's day in the next month that has it: a plan started on 31 January
  calls on 28 (29) February, 31 March, 30 April, 31 May. Visits never drift.
- **Each visit has a key**, the plan's id and the due date (``7:2026-03-31``):
  a scheduler run that meets a key already made makes nothing, so running it
  twice, or on overlapping days, creates each visit once.
- **A run** on a day (the site's zone) makes the visits whose notice day has
  come: due date minus the plan's notice days, on or before that day.
- **State**, in the site's zone: *done*; *overdue* once its due day is over;
  otherwise *open* (listed under "this week" while its due date is in the
  current Monday-to-Sunday week).
- **Checklist**: every item answered. A pass/fail item is marked pass or
  fail; a measurement needs its value, and a value outside the item's bounds
  is a failed item whatever was marked (within the bounds the technician may
  still mark it failed, with a note saying why). Each failed item is a
  finding.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from pendulum import DateTime
from pydantic import Field, field_validator, model_validator

from ..errors import ValidationFailed
from ..i18n import _
from ..inputs import Input
from ..labels import Category
from ..validation import validate
from .inspection_days import on_time as on_time
from .inspection_days import site_day as site_day
from .inspection_days import visit_key as visit_key
from .periods import Period

Every = Literal["month", "quarter", "days"]
ItemKind = Literal["check", "measure"]
Outcome = Literal["pass", "fail"]
VisitState = Literal["done", "overdue", "open"]
_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


class ChecklistItem(Input):
    """One line of a checklist: ``key`` names it in results (stable when the
    label is reworded)."""

    key: str
    label: str = Field(max_length=120)
    kind: ItemKind = "check"
    unit: str = Field(default="", max_length=12)
    low: Decimal | None = None
    high: Decimal | None = None

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY.fullmatch(value):
            raise ValueError(_("1 to 40 lowercase letters, digits, - or _, e.g. fan-noise"))
        return value

    @field_validator("label")
    @classmethod
    def _label(cls, value: str) -> str:
        if not value:
            raise ValueError(_("required"))
        return value

    @field_validator("low", "high", mode="before")
    @classmethod
    def _bound(cls, value: Any) -> Decimal | None:
        return parse_number(value)

    @model_validator(mode="after")
    def _bounds(self) -> ChecklistItem:
        if self.kind == "check" and (self.low is not None or self.high is not None):
            raise ValueError(_("{key}: only a measurement has bounds").format(key=self.key))
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(_("{key}: the lower bound is above the upper one").format(key=self.key))
        return self


class Plan(Input):
    """An inspection plan; ``id`` is the store's (0 before it is saved).
    Made through ``check_plan``, which checks the fields together."""

    id: int = 0
    site_id: int | None = None
    equipment_id: int | None = None
    every: Every = "month"
    days: int | None = Field(default=None, ge=1, le=366)
    starts: date
    ends: date | None = None
    team_id: int
    notice_days: int = Field(default=3, ge=0, le=60)
    checklists: dict[Category, tuple[ChecklistItem, ...]]



def check_plan(data: Mapping[str, Any], today: date | None = None) -> Plan:
    """A plan as a form or a file gives it, checked: ValidationFailed with one
    message per field. ``today`` (the site's, for a new plan): the first visit
    may not be before it, or the first run would make the past visits at once."""
    plan: Plan = validate(Plan, dict(data))
    def bad(field: str, message: str) -> ValidationFailed:
        return ValidationFailed.one(field, message)
    if (plan.site_id is None) == (plan.equipment_id is None):
        raise bad("site_id", _("a plan is for one site or one piece of equipment"))
    if (plan.every == "days") != (plan.days is not None):
        raise bad("days", _("every N days needs N; every month or quarter takes none"))
    if today is not None and plan.starts < today:
        raise bad("starts", _("the first visit is today ({today}) or later").format(today=today.isoformat()))
    if plan.ends is not None and plan.ends < plan.starts:
        raise bad("ends", _("the plan ends ({ends}) before its first visit ({starts})").format(
            ends=plan.ends.isoformat(), starts=plan.starts.isoformat()))
    if not plan.checklists:
        raise bad("checklists", _("at least one checklist: an equipment category and its items"))
    if not all(plan.checklists.values()):
        raise bad("checklists", _("every checklist needs at least one item"))
    for items in plan.checklists.values():
        keys = [i.key for i in items]
        if len(set(keys)) != len(keys):
            raise bad("checklists", _("an item key is used twice in one checklist"))
    return plan


def parse_number(value: Any) -> Decimal | None:
    """A measured value or a bound as typed: 12, -0.5, 230.0 (no exponent,
    no grouping). Blank is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str | float) and _NUMBER.fullmatch(str(value).strip()):
        number = Decimal(str(value).strip())
    else:
        raise ValueError(_("a number such as 12, -0.5 or 230.0"))
    if not number.is_finite() or abs(number) >= 10**12:
        raise ValueError(_("a number such as 12, -0.5 or 230.0"))
    return number


# ------------------------------------------------------------------ visits
@dataclass(frozen=True)
class Visit:
    plan_id: int
    due: date
    notify_on: date  # the customer is told on this day

    @property
    def key(self) -> str:
        return visit_key(self.plan_id, self.due)


def _months(plan: Plan) -> int:
    return 1 if plan.every == "month" else 3


def nth_due(plan: Plan, n: int) -> date:
    """The due date of visit ``n`` (0: the first), by the month-end rule."""
    if plan.every == "days":
        assert plan.days is not None
        return plan.starts + timedelta(days=n * plan.days)
    year, month = divmod(plan.starts.month - 1 + n * _months(plan), 12)
    year += plan.starts.year
    return date(year, month + 1, min(plan.starts.day, monthrange(year, month + 1)[1]))


def due_between(plan: Plan, first: date, end: date) -> list[date]:
    """The due dates in [first, end) (and within the plan's own dates)."""
    if first < plan.starts:
        first = plan.starts
    if plan.ends is not None and end > plan.ends + timedelta(days=1):
        end = plan.ends + timedelta(days=1)
    if end <= first:
        return []
    # Start a step before ``first``'s place in the series, then walk.
    if plan.every == "days":
        assert plan.days is not None
        n = max(0, (first - plan.starts).days // plan.days - 1)
    else:
        n = max(0, ((first.year - plan.starts.year) * 12 + first.month - plan.starts.month) // _months(plan) - 1)
    out: list[date] = []
    while (due := nth_due(plan, n)) < end:
        if due >= first:
            out.append(due)
        n += 1
    return out


def visits_between(plan: Plan, first: date, end: date) -> list[Visit]:
    """The visits due in [first, end)."""
    return [Visit(plan.id, d, d - timedelta(days=plan.notice_days)) for d in due_between(plan, first, end)]


def next_due(plan: Plan, today: date, open_due: date | None, last_made: date | None) -> date | None:
    """The plan's next visit as its list shows it: the earliest visit made and
    not done yet, else the next one of its series after the last made (today
    or later); None once the plan has ended."""
    if open_due is not None:
        return open_due
    start = max(today, last_made + timedelta(days=1)) if last_made is not None else today
    dates = due_between(plan, start, start + timedelta(days=800))  # a quarter or 366 days fit well within
    return dates[0] if dates else None


def run(plans: Iterable[Plan], made: Iterable[str], now: DateTime, tz: str,
        last: Mapping[int, date] | None = None) -> list[Visit]:
    """The visits a scheduler run at ``now`` makes: every visit of every plan
    whose notice day has come, but none whose key is in ``made``.

    ``last``: per plan id, the latest due date already made; the walk starts
    there instead of at the plan's first visit (a run makes every visit up to
    its day, so what is made is always the series up to that date), and a
    years-old weekly plan costs what a new one does. ``made`` need then only
    hold the keys from those dates on."""
    today, seen = site_day(now, tz), set(made)
    out: list[Visit] = []
    for plan in plans:
        first = max(plan.starts, (last or {}).get(plan.id, plan.starts))
        for v in visits_between(plan, first, today + timedelta(days=plan.notice_days + 1)):
            if v.key not in seen:
                seen.add(v.key)
                out.append(v)
    return out


def visit_state(due: date, done_at: DateTime | None, now: DateTime, tz: str) -> VisitState:
    if done_at is not None:
        return "done"
    return "overdue" if site_day(now, tz) > due else "open"


def this_week(due: date, now: DateTime, tz: str) -> bool:
    """Whether ``due`` falls in the current Monday-to-Sunday week (site's zone)."""
    week = Period.week(site_day(now, tz))
    return week.start <= due < week.end


# ------------------------------------------------------------------ results
@dataclass(frozen=True)
class Result:
    """One checklist item as checked: ``outcome`` is final (a measurement
    out of bounds has failed)."""

    item: ChecklistItem
    outcome: Outcome
    value: Decimal | None = None
    note: str = ""

    @property
    def out_of_bounds(self) -> bool:
        lo, hi, v = self.item.low, self.item.high, self.value
        return v is not None and ((lo is not None and v < lo) or (hi is not None and v > hi))


def check_results(items: Sequence[ChecklistItem], answers: Mapping[str, Mapping[str, Any]]) -> list[Result]:
    """Each item's answer ({"outcome": "pass"|"fail", "value": "12.4", "note": …})
    checked; ValidationFailed with one message per item key otherwise."""
    errors: dict[str, str] = {}
    known = {i.key for i in items}
    for key in answers:
        if key not in known:
            errors[str(key)] = _("not an item of this checklist")
    out: list[Result] = []
    for item in items:
        answer = answers.get(item.key)
        try:
            out.append(_result(item, answer))
        except ValueError as exc:
            errors[item.key] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    return out


def _result(item: ChecklistItem, answer: Mapping[str, Any] | None) -> Result:
    if answer is None:
        raise ValueError(_("required"))
    note = answer.get("note") or ""
    if not isinstance(note, str) or len(note) > 500:
        raise ValueError(_("a note of at most 500 characters"))
    note = " ".join(note.split())
    outcome = answer.get("outcome") or None
    if outcome not in (None, "pass", "fail"):
        raise ValueError(_("pass or fail"))
    if item.kind == "check":
        if outcome is None:
            raise ValueError(_("pass or fail"))
        return Result(item, outcome, None, note)
    value = parse_number(answer.get("value"))
    if value is None:
        raise ValueError(_("required: the measured value{unit}").format(unit=f" ({item.unit})" if item.unit else ""))
    result = Result(item, outcome or "pass", value, note)
    if result.out_of_bounds:
        return Result(item, "fail", value, note)
    if outcome is None and item.low is None and item.high is None:
        raise ValueError(_("pass or fail: this measurement has no bounds to judge it by"))
    return result


@dataclass(frozen=True)
class Finding:
    category: str
    result: Result

    def text(self) -> str:
        """ "Battery voltage: 11.2 V, outside 12–14 V; terminals corroded"."""
        r, item = self.result, self.result.item
        if r.value is None:
            what = _("failed")
        else:
            what = f"{r.value} {item.unit}".strip()
            if r.out_of_bounds:
                what = _("{value}, outside {bounds}").format(value=what, bounds=bounds_text(item))
        text = _("{item}: {result}").format(item=item.label, result=what)
        return _("{finding}; {note}").format(finding=text, note=r.note) if r.note else text


def bounds_text(item: ChecklistItem) -> str:
    unit = f" {item.unit}" if item.unit else ""
    if item.low is not None and item.high is not None:
        return f"{item.low}–{item.high}{unit}"
    if item.low is not None:
        return f"≥ {item.low}{unit}"
    return f"≤ {item.high}{unit}" if item.high is not None else ""


def findings(category: str, results: Iterable[Result]) -> list[Finding]:
    return [Finding(category, r) for r in results if r.outcome == "fail"]
