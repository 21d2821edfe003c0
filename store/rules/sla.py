"""SLA clocks (docs/rules.md §2): pure functions, no I/O.

Three clocks start when a ticket is reported: first response, on site/remote
start, resolved. Paused time (waiting on customer or parts) pushes a deadline
out; an optional business-hours calendar counts only working time
(store/rules/working_hours.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from pendulum import DateTime

ClockName = Literal["response", "onsite", "resolve"]
CLOCKS: tuple[ClockName, ...] = ("response", "onsite", "resolve")
SlaState = Literal["ok", "at_risk", "breached"]
AT_RISK_SHARE = 0.25  # at risk once no more than this share of the window is left
# The longest window a policy may give: a year. Anything longer is a typing
# slip, and a deadline 10^14 minutes away overflows every date type there is.
MAX_WINDOW_MIN = 365 * 24 * 60


@dataclass(frozen=True)
class Policy:
    """Minutes allowed for each clock of one priority."""

    response_min: int
    onsite_min: int
    resolve_min: int

    def window_s(self, clock: ClockName) -> int:
        minutes = {
            "response": self.response_min,
            "onsite": self.onsite_min,
            "resolve": self.resolve_min,
        }[clock]
        return minutes * 60


DEFAULT_POLICY: dict[int, Policy] = {
    1: Policy(15, 60, 240),
    2: Policy(30, 120, 480),
    3: Policy(60, 240, 1440),
    4: Policy(60, 480, 2880),
}


class Calendar(Protocol):
    def add(self, start: DateTime, seconds: float) -> DateTime:
        """The instant after ``seconds`` of working time counted from ``start``
        (negative: the latest instant that much working time before it)."""
        ...

    def between(self, a: DateTime, b: DateTime) -> float:
        """Working seconds in [a, b] (0 when b <= a)."""
        ...


class AlwaysOpen:
    """24×7: working time is wall time (absolute, so DST does not matter)."""

    def add(self, start: DateTime, seconds: float) -> DateTime:
        return start.add(seconds=seconds)

    def between(self, a: DateTime, b: DateTime) -> float:
        return max(0.0, (b - a).total_seconds())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AlwaysOpen)

    def __hash__(self) -> int:
        return 0



@dataclass(frozen=True)
class Pause:
    start: DateTime
    end: DateTime | None = None


def merge_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    """Sorted, non-overlapping pauses (an open pause swallows what follows it)."""
    merged: list[Pause] = []
    for p in sorted(pauses, key=lambda p: p.start):
        if p.end is not None and p.end <= p.start:
            continue
        if merged and (merged[-1].end is None or p.start <= merged[-1].end):
            last = merged[-1]
            if last.end is None or p.end is None:
                merged[-1] = Pause(last.start, None)
            else:
                merged[-1] = Pause(last.start, max(last.end, p.end))
        else:
            merged.append(p)
    return merged


def deadline(
    start: DateTime,
    window_s: float,
    pauses: Sequence[Pause] = (),
    calendar: Calendar | None = None,
) -> tuple[DateTime | None, float | None]:
    """(due, frozen_left): due is None while an open pause stops the clock,
    and then frozen_left is the working time that was left when it stopped
    (negative: it stopped that long overdue).

    The clock stops on hold whether or not the deadline has passed (docs/rules.md
    §2): a pause from the deadline on freezes the overdue time, and once it
    ends the overdue time resumes from there."""
    cal = calendar or AlwaysOpen()
    due = cal.add(start, window_s)
    for p in merge_pauses(pauses):
        ps = max(p.start, start)
        if p.end is not None and p.end <= ps:
            continue
        # Working time left when the clock stopped; negative: overdue.
        left = cal.between(ps, due) if ps < due else 0.0 - cal.between(due, ps)  # (never -0.0)
        if p.end is None:
            return None, left
        due = cal.add(p.end, left)
    return due, None


@dataclass(frozen=True)
class ClockStatus:
    """One clock of one ticket."""

    clock: ClockName
    window_s: int
    due: DateTime | None  # None while paused
    risk_at: DateTime | None  # when less than 25 % of the window is left
    frozen_left_s: float | None  # working seconds left, while paused
    met_at: DateTime | None

    @property
    def met_on_time(self) -> bool | None:
        if self.met_at is None:
            return None
        return self.due is None or self.met_at <= self.due

    def state(self, now: DateTime) -> SlaState:
        if self.met_at is not None:
            return "ok" if self.met_on_time else "breached"
        return state_of(now, self.due, self.risk_at, self.frozen_left_s, self.window_s)

    def seconds_left(self, now: DateTime) -> float:
        """Wall seconds to the deadline (negative: overdue); frozen while paused."""
        if self.due is None:
            return self.frozen_left_s or 0.0
        return (self.due - now).total_seconds()


def state_of(
    now: DateTime,
    due: DateTime | None,
    risk_at: DateTime | None,
    frozen_left_s: float | None,
    window_s: int,
) -> SlaState:
    if due is None:
        left = frozen_left_s or 0.0
        if left <= 0:
            return "breached"
        # <=, as a running clock is at risk from risk_at on: pausing must not change the state.
        return "at_risk" if left <= window_s * AT_RISK_SHARE else "ok"
    if now >= due:
        return "breached"
    if risk_at is not None and now >= risk_at:
        return "at_risk"
    return "ok"


def clock_statuses(
    reported_at: DateTime,
    policy: Policy,
    met: dict[ClockName, DateTime | None],
    pauses: Sequence[Pause] = (),
    calendar: Calendar | None = None,
) -> list[ClockStatus]:
    out: list[ClockStatus] = []
    for clock in CLOCKS:
        window = policy.window_s(clock)
        met_at = met.get(clock)
        # Time after the clock was met cannot move its deadline: a pause that
        # starts then is dropped, one that spans the meeting ends there (met
        # while waiting overdue is late, and the deadline is known, not frozen).
        relevant = pauses if met_at is None else [
            Pause(p.start, met_at if p.end is None else min(p.end, met_at)) for p in pauses if p.start < met_at
        ]
        due, frozen = deadline(reported_at, window, relevant, calendar)
        risk_due, _ = deadline(reported_at, window * (1 - AT_RISK_SHARE), relevant, calendar)
        # (An open pause stops both clocks, so risk_due is None while due is.)
        out.append(ClockStatus(clock, window, due, risk_due, frozen, met_at))
    return out


def next_unmet(statuses: Sequence[ClockStatus]) -> ClockStatus | None:
    """The clock the ticket is racing now: the first one not yet met."""
    for status in statuses:
        if status.met_at is None:
            return status
    return None
