"""Why a clock is due when it is (docs/rules.md "Explaining a clock"): the
same inputs as store/rules/sla.py's ``clock_statuses``, returned step by step
as data. Pure: no SQL, no I/O; store/rules/explain_text.py puts it in words.

The steps, as the SLA module takes them:
1. the window of the priority in force, counted in working time from the
   report (a priority change works the deadlines out again from the report);
2. the working periods that window is made of, day by day: the calendar's
   hours, holidays and breaks left out, and the holds left out;
3. each hold (merged where they overlap, cut at the report and at the moment
   the clock was met) moves the deadline by the working time it held, also
   when it came after the deadline (the overdue time stops while it waits);
4. the result: due at, met on time or late (by how much), or still running,
   overdue, or stopped by an open hold with the time that was left.

The due time stated here is worked out step by step and must equal the SLA
module's own (tests/test_explain.py compares them over random histories)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from pendulum import DateTime

from ..i18n import _
from .sla import AlwaysOpen, Calendar, ClockName, Pause, merge_pauses
from .working_hours import WorkingHours

Verdict = Literal["met", "late", "running", "overdue", "stopped"]
FigureCount = Literal["met", "missed", "not_counted"]
_CHUNK_DAYS = 14  # working periods are read this many days at a time
_MAX_DAYS = 366 * 20  # as the calendar: beyond this a deadline is a configuration mistake


@dataclass(frozen=True)
class Hold:
    """One hold as stored, with who put it and why (untrusted: reason is a
    word, note is typed text). ``start_entered`` / ``end_entered``: when a
    stated time was typed in, else None."""

    start: DateTime
    end: DateTime | None
    reason: str = ""
    note: str = ""
    actor: str = ""
    start_entered: DateTime | None = None
    end_entered: DateTime | None = None


@dataclass(frozen=True)
class Step:
    """One step of the ticket's history (its time is the stated one, if any)."""

    at: DateTime
    action: str
    actor: str
    entered: DateTime | None = None  # when a stated time was typed in


@dataclass(frozen=True)
class PriorityChange:
    at: DateTime
    old: int
    new: int
    reason: str
    actor: str


@dataclass(frozen=True)
class Span:
    """Working time counted: one piece of one local day."""

    start: DateTime
    end: DateTime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class HoldStep:
    """A (merged) hold as the clock takes it: the held time [start, end)
    after the cuts, the working time in it, and the deadline before and after.
    ``end`` None: still waiting, the clock is stopped. ``overdue``: it began
    at or after the deadline (the overdue time stops, then goes on)."""

    holds: tuple[Hold, ...]
    start: DateTime
    end: DateTime | None
    held_s: float
    due_before: DateTime
    due_after: DateTime | None
    overdue: bool


@dataclass(frozen=True)
class ClockExplanation:
    clock: ClockName
    priority: int
    window_s: int
    reported_at: DateTime
    periods: tuple[Span, ...]  # the window's working time, day by day, holds left out
    ran_out: DateTime | None  # the end of the last period: the window used up (None: stopped with time left)
    holds: tuple[HoldStep, ...]
    ignored: tuple[Hold, ...]  # holds that could not move this clock (before the report, or after it was met)
    due: DateTime | None  # None while an open hold stops the clock
    frozen_left_s: float | None  # working time left when it stopped (negative: overdue)
    met_at: DateTime | None
    met_step: Step | None
    verdict: Verdict
    late_by_s: float | None  # wall time past the deadline (met late, or overdue now)
    late_step: Step | None  # the step the ticket was at when the deadline passed
    used_s: float | None = None  # working time from the report to the step, holds left out
    priority_changes: tuple[PriorityChange, ...] = field(default=())
    holidays: tuple[tuple[date, str], ...] = ()  # holidays the window spanned: no working time on them


@dataclass(frozen=True)
class SettingChange:
    """A change after the report to what the clocks are counted with."""

    at: DateTime
    actor: str
    what: str  # "calendar", "timezone" or "sla"


@dataclass
class TicketExplanation:
    ticket_id: int
    priority: int
    status: str
    is_open: bool
    timezone: str
    now: DateTime
    clocks: list[ClockExplanation]
    changes: list[SettingChange] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # the stored FACTS the figures add up
    last_write: DateTime | None = None
    reported_entered: DateTime | None = None  # when the ticket was logged, if its report time was stated


def working_spans(calendar: Calendar, a: DateTime, b: DateTime, tz: str) -> list[Span]:
    """The calendar's working time in [a, b), split at the site's local midnights."""
    if b <= a:
        return []
    if isinstance(calendar, WorkingHours):
        return [Span(s, e) for s, e in calendar.spans(a, b)]
    if not isinstance(calendar, AlwaysOpen):
        raise TypeError(f"cannot list the working time of {type(calendar).__name__}")
    out: list[Span] = []
    t = a
    while t < b:
        local = t.in_timezone(tz)
        midnight = local.start_of("day").add(days=1).in_timezone("UTC")
        out.append(Span(t, min(midnight, b)))
        t = min(midnight, b)
    return out


def _minus(span: Span, held: Sequence[tuple[DateTime, DateTime | None]]) -> list[Span]:
    """A span less the held time in it (held: sorted, not overlapping)."""
    pieces = [span]
    for hs, he in held:
        out: list[Span] = []
        for p in pieces:
            if (he is not None and he <= p.start) or hs >= p.end:
                out.append(p)
                continue
            if hs > p.start:
                out.append(Span(p.start, hs))
            if he is not None and he < p.end:
                out.append(Span(he, p.end))
        pieces = out
    return pieces


def count_window(start: DateTime, window_s: float, held: Sequence[tuple[DateTime, DateTime | None]],
                 calendar: Calendar, tz: str) -> tuple[list[Span], float]:
    """The working periods that make up ``window_s`` from ``start``, holds left
    out, and the working time still left (0: the window is used up; more: an
    open hold stopped it first)."""
    left = window_s
    periods: list[Span] = []
    t = start
    open_from = next((hs for hs, he in held if he is None), None)
    limit = start + timedelta(days=_MAX_DAYS)
    # Checked before each fortnight is read: a window used up in the last one is counted.
    while left > 0 and (open_from is None or t < open_from):
        if t >= limit:
            raise ValueError(_("the deadline is more than twenty years away"))
        until = t + timedelta(days=_CHUNK_DAYS)
        for span in working_spans(calendar, t, until, tz):
            for piece in _minus(span, held):
                if left <= 0:
                    break
                take = min(piece.seconds, left)
                end = piece.start + timedelta(seconds=take)
                if end <= piece.start:
                    # Under a microsecond left (the sum of pieces' float seconds): the
                    # window is used up, as the time it would add cannot be written.
                    left = 0.0
                    break
                periods.append(Span(piece.start, end))
                left -= take
        t = until
    return periods, max(0.0, left)


def explain_clock(
    clock: ClockName,
    priority: int,
    window_s: int,
    reported_at: DateTime,
    met_at: DateTime | None,
    holds: Sequence[Hold],
    calendar: Calendar | None,
    tz: str,
    now: DateTime,
    steps: Sequence[Step] = (),
    priority_changes: Sequence[PriorityChange] = (),
) -> ClockExplanation:
    cal = calendar or AlwaysOpen()
    # As clock_statuses: time after the clock was met cannot move its deadline.
    counted = [h for h in holds if met_at is None or h.start < met_at]
    ignored = [h for h in holds if h not in counted]
    cut = [Pause(h.start, h.end if met_at is None else (met_at if h.end is None else min(h.end, met_at)))
           for h in counted]
    pairs = list(zip(cut, counted, strict=True))
    # As deadline(): a hold is taken from the report on; one wholly before it holds nothing.
    clipped: list[tuple[DateTime, DateTime | None, tuple[Hold, ...]]] = []
    for p in merge_pauses(cut):
        ps = max(p.start, reported_at)
        members = tuple(h for c, h in pairs if c.start >= p.start and (p.end is None or c.start <= p.end))
        if p.end is not None and p.end <= ps:
            ignored.extend(members)
            continue
        clipped.append((ps, p.end, members))
    periods, left = count_window(reported_at, window_s, [(s, e) for s, e, _m in clipped], cal, tz)
    ran_out = periods[-1].end if periods and left <= 0 else (reported_at if window_s <= 0 else None)
    due = cal.add(reported_at, window_s)
    steps_out: list[HoldStep] = []
    frozen: float | None = None
    for ps, pe, members in clipped:
        overdue = ps >= due
        left_then = 0.0 - cal.between(due, ps) if overdue else cal.between(ps, due)
        if pe is None:
            frozen = left_then
            steps_out.append(HoldStep(members, ps, None, 0.0, due, None, overdue))
            break
        after = cal.add(pe, left_then)
        steps_out.append(HoldStep(members, ps, pe, cal.between(ps, pe), due, after, overdue))
        due = after
    final = None if frozen is not None else due
    met_step = _step_at(steps, met_at, exact=True) if met_at is not None else None
    verdict: Verdict
    late_by: float | None = None
    if met_at is not None:
        verdict = "met" if final is None or met_at <= final else "late"
        if verdict == "late" and final is not None:
            late_by = (met_at - final).total_seconds()
    elif final is None:
        verdict = "stopped"
    elif now >= final:
        verdict, late_by = "overdue", (now - final).total_seconds()
    else:
        verdict = "running"
    late_step = _step_at(steps, ran_out) if verdict in ("late", "overdue") and ran_out is not None else None
    used = None
    if met_at is not None:
        used = cal.between(reported_at, met_at) - sum(
            cal.between(max(s, reported_at), min(e or met_at, met_at)) for s, e, _m in clipped if min(e or met_at, met_at) > s)
        used = max(0.0, used)
    end = final or (periods[-1].end if periods else reported_at)
    return ClockExplanation(
        holidays=holidays_between(cal, reported_at, end, tz),
        clock=clock, priority=priority, window_s=window_s, reported_at=reported_at, periods=tuple(periods),
        ran_out=ran_out, holds=tuple(steps_out), ignored=tuple(ignored), due=final, frozen_left_s=frozen,
        met_at=met_at, met_step=met_step, verdict=verdict, late_by_s=late_by, late_step=late_step, used_s=used,
        priority_changes=tuple(priority_changes))


def holidays_between(calendar: Calendar, a: DateTime, b: DateTime, tz: str) -> tuple[tuple[date, str], ...]:
    """The calendar's holidays from ``a``'s local day to ``b``'s, with their names."""
    if not isinstance(calendar, WorkingHours) or not calendar.holidays or b < a:
        return ()
    out: list[tuple[date, str]] = []
    day, last = a.in_timezone(tz).date(), b.in_timezone(tz).date()
    while day <= last and len(out) < 366:
        named = [h for h in calendar.holidays if h.covers(day)]
        if named:
            out.append((day, named[0].name))
        day += timedelta(days=1)
    return tuple(out)


def _step_at(steps: Sequence[Step], at: DateTime | None, exact: bool = False) -> Step | None:
    """The last step at or before ``at`` (``exact``: the one at ``at``)."""
    if at is None:
        return None
    found = None
    for s in sorted(steps, key=lambda s: s.at):
        if s.at <= at:
            found = s
    if exact and (found is None or found.at != at):
        return None
    return found


def figure_count(e: ClockExplanation, cancelled: bool, now: DateTime) -> FigureCount:
    """How the clock counts in "SLA met" (docs/rules.md "Deadlines and speed")
    at ``now`` (the end of the period, or now): met on time; missed when met
    late, or not met and its window ran out by then (a clock stopped by a hold
    after its deadline too), unless the ticket was cancelled; else not counted
    yet (still inside its window, or stopped by a hold with time left)."""
    if e.verdict == "met":
        return "met"
    if e.verdict == "late":
        return "missed"
    if not cancelled and e.met_at is None and e.ran_out is not None and e.ran_out <= now:
        return "missed"
    return "not_counted"
