"""Callbacks and self-evaluations (docs/rules.md §5): the words, the inputs, the
outputs and the due rules. Pure (no SQL): store/repo/callbacks.py and
store/repo/scores.py use it, the console and the CLI show its labels.

- A callback is *due* on the day after its tickets closed (``due_day``). One
  more day is allowed with a reason ("carried over"): its ``due_day`` moves
  to the next day, so it is due then everywhere (lists, counts, --day);
  after its due day it is *overdue*, and stays open until it is logged.
- "Could not reach" is an attempt, not a rating: after ``callback_attempts``
  attempts (a setting, 3) the callback is closed as *unreachable*.
- The points of an answer are settings read when the answer is logged, and
  recorded with it: changing the setting later does not rewrite history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

import pendulum
from pendulum import DateTime
from pydantic import Field, model_validator

from ..errors import RuleViolation
from ..i18n import _, ngettext
from ..inputs import Input
from ..models import Out
from ..text import clean
from ..timeutil import day_start_utc as day_start_utc  # (where it was: store/repo imports it from here)
from .evaluation_settings import SCORE_KEYS as SCORE_KEYS
from .evaluation_settings import SETTINGS as SETTINGS
from .evaluation_settings import check_setting as check_setting
from .sampling import Plan

Rating = Literal["satisfied", "basic", "unsatisfied"]
RATINGS: tuple[str, ...] = ("satisfied", "basic", "unsatisfied")

# The foreman's pending self-evaluations: the team's tickets closed in this many
# recent days (older ones are still accepted, but no longer listed as due).
SELF_EVAL_DAYS = 45


def rating_label(rating: str | None) -> str:
    return {"satisfied": _("satisfied"), "basic": _("basically satisfied"),
            "unsatisfied": _("unsatisfied")}.get(rating or "", rating or "")


def state_label(state: str) -> str:
    return {"due": _("due"), "carried": _("carried over"), "overdue": _("OVERDUE"), "done": _("done"),
            "unreachable": _("unreachable")}.get(state, state)


def role_label(role: str) -> str:
    return {"dispatcher": _("dispatcher"), "manager": _("manager"), "foreman": _("foreman")}.get(role, role)


# ------------------------------------------------------------------ inputs

class CallbackAnswers(Input):
    """The phone script, in order (docs/rules.md §5)."""

    contacted_within_hour: bool
    polite: bool  # satisfied with the attitude, nothing impolite said
    impolite_note: str = Field(default="", max_length=500)
    working: bool  # the equipment works now

    @model_validator(mode="after")
    def _note_when_impolite(self) -> CallbackAnswers:
        if not self.polite and not self.impolite_note:
            raise ValueError(_("say what was impolite (a note is required when the answer is no)"))
        return self


class CallbackLog(Input):
    rating: Rating
    answers: CallbackAnswers
    notes: str = Field(default="", max_length=2000)


class AttemptInput(Input):
    note: str = Field(default="", max_length=500)


class CarryInput(Input):
    reason: str = Field(min_length=1, max_length=500)


class SelfEvalInput(Input):
    record_complete: bool  # the fault and its cause are analysed in the record
    measures_right: bool
    efficiency: bool  # the work was efficient
    rating: Rating
    comment: str = Field(default="", max_length=2000)
    suggestion: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _suggestion_when_unsatisfied(self) -> SelfEvalInput:
        if self.rating == "unsatisfied" and not self.suggestion:
            raise ValueError(_("an unsatisfied self-evaluation needs a corrective suggestion"))
        return self


# ----------------------------------------------------------------- outputs

class Callback(Out):
    id: int
    ticket_id: int
    role: str
    evaluator: str
    evaluator_name: str
    closed_day: date
    due_day: date
    closed_at: DateTime
    technician_id: int
    technician_name: str
    team_id: int
    team_name: str
    site_name: str = ""
    reporter: str = ""
    phone: str = ""
    description: str = ""
    status: str  # open, done, unreachable
    state: str  # due, carried, overdue, done, unreachable (open ones: as of today)
    attempts: int = 0
    carry_reason: str | None = None
    rating: str | None = None
    score: int | None = None
    contacted_within_hour: bool | None = None
    polite: bool | None = None
    impolite_note: str = ""
    working: bool | None = None
    notes: str = ""
    logged_by: str | None = None
    logged_at: DateTime | None = None
    item_id: int | None = None  # the improvement item an unsatisfied answer opened

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"


class SelfEvaluation(Out):
    ticket_id: int
    foreman: str
    technician_id: int
    team_id: int
    record_complete: bool
    measures_right: bool
    efficiency: bool
    rating: str
    score: int
    comment: str = ""
    suggestion: str = ""
    at: DateTime


class PendingSelfEval(Out):
    """A closed ticket of the foreman's team still waiting for the self-evaluation."""

    ticket_id: int
    closed_at: DateTime
    technician_id: int
    technician_name: str
    site_name: str
    description: str


def open_state(due_day: date, carried: bool, today: date) -> str:
    """due / carried / overdue for an open callback on ``today``. A carried
    call's ``due_day`` is already the day it was carried to."""
    if today > due_day:
        return "overdue"
    return "carried" if carried else "due"


def carry_refusal(ticket_id: int, carry_reason: str | None, due_day: date, today: date) -> str | None:
    """Why an open call cannot be carried over now, or None: once only, and
    at the latest on the day after it was due (the day it would move to)."""
    if carry_reason is not None:
        return _("Ticket #{id}'s callback was carried over once already ({why}); log it now").format(
            id=ticket_id, why=clean(carry_reason, single_line=True))
    if today > pendulum.Date(due_day.year, due_day.month, due_day.day).add(days=1):
        return _("Ticket #{id}'s callback was due on {day}: too late to carry over; log it now").format(
            id=ticket_id, day=due_day.isoformat())
    return None


@dataclass(frozen=True)
class DayPlan:
    """A day's plan as the console and the CLI show it: ``call_day`` is when
    the calls are made, ``plan.day`` the day the tickets closed."""

    call_day: pendulum.Date
    plan: Plan
    saved: bool
    replanned: bool = False
    planned_by: str | None = None
    planned_at: DateTime | None = None
    names: dict[str, str] = field(default_factory=dict)  # login -> name
    technicians: dict[int, str] = field(default_factory=dict)  # id -> name
    roles: dict[str, str] = field(default_factory=dict)  # login -> role

    @property
    def total(self) -> int:
        return len(self.plan.assignments)

    def share_text(self, share: Decimal | float) -> str:
        return ngettext("{n} ticket closed on {day}: {m} for managers ({pct:g} %), {d} for dispatchers",
                        "{n} tickets closed on {day}: {m} for managers ({pct:g} %), {d} for dispatchers", self.total).format(
            n=self.total, day=self.plan.day.isoformat(), m=len(self.plan.manager_tickets),
            pct=float(share) * 100, d=self.total - len(self.plan.manager_tickets))


def plan_lines(view: DayPlan) -> list[str]:
    """The plan in words, per evaluator then per technician (the CLI and the
    console's preview show the same). Names are cleaned: they are typed by people."""
    from ..text import clean

    def c(value: object) -> str:
        return clean(str(value), single_line=True)

    plan = view.plan
    lines = [_("Calls on {day} for the tickets closed on {closed}: {n} in all, {m} for managers").format(
        day=view.call_day.isoformat(), closed=plan.day.isoformat(), n=view.total, m=len(plan.manager_tickets))]
    lines.append(_("Per evaluator:"))
    for login, ids in plan.by_evaluator.items():
        lines.append("  " + _("{name} ({login}, {role}): {n}").format(
            name=c(view.names.get(login, login)), login=c(login), role=role_label(view.roles.get(login, "")),
            n=len(ids)))
    lines.append(_("Per technician:"))
    for tech, counts in plan.by_technician.items():
        parts = ", ".join(f"{c(view.names.get(k, k))} {v}" for k, v in counts.items())
        lines.append(f"  {c(view.technicians.get(tech, tech))}: {parts}")
    return lines


def month_bounds(month: str, tz: str) -> tuple[pendulum.Date, pendulum.Date]:
    """The first day of ``month`` ("YYYY-MM") and of the month after, or RuleViolation."""
    try:
        year, mon = (int(p) for p in month.split("-"))
        first = pendulum.Date(year, mon, 1)
    except (ValueError, TypeError):
        raise RuleViolation(_("A month is written YYYY-MM, e.g. 2026-11, not {m}").format(m=month)) from None
    return first, first.add(months=1)


def today_in(now: DateTime, tz: str) -> pendulum.Date:
    local = now.in_timezone(tz)
    return pendulum.Date(local.year, local.month, local.day)


