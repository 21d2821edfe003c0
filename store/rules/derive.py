"""The SLA fields stored with each open ticket, so the queue sorts by an index,
and the facts stored with every ticket, so the managers' figures are sums and
counts over columns (store/repo/reports.py). Pure: no SQL, no I/O."""

from __future__ import annotations

from calendar import timegm
from time import gmtime, strftime
from typing import Any, cast

from pendulum import DateTime

from ..timeutil import from_db, to_db
from . import lifecycle as rules
from .sla import AT_RISK_SHARE, CLOCKS, AlwaysOpen, Calendar, ClockStatus, Pause, Policy, clock_statuses, deadline, merge_pauses, next_unmet

SLA_FIELDS = ("is_open", "next_clock", "due_at", "risk_at", "frozen_left_s", "window_s", "queue_key")
# Per clock (response, onsite, resolve): f_<clock>_s the working seconds from
# the report to the event, paused time excluded (NULL: not yet); f_<clock>_ok
# 1 met on time / 0 late (NULL: not met yet); f_<clock>_late, for a clock not
# met, the instant it ran out (NULL: met, or stopped by a hold with time left).
FACTS = tuple(f"f_{c}_{k}" for c in CLOCKS for k in ("s", "ok", "late"))
DERIVED = SLA_FIELDS + FACTS
_MET_AT = {"response": "first_response_at", "onsite": "arrived_at", "resolve": "resolved_at"}


def derive(row: dict[str, Any], pauses: list[Pause], policy: dict[int, Policy], calendar: Calendar) -> dict[str, Any]:
    """The SLA fields stored with a ticket so the queue sorts by an index.

    queue_key orders by priority, then: running clocks by absolute deadline,
    clocks stopped while waiting by the frozen time left (overdue ones first,
    most overdue first), resolved tickets (no clock) last. The deadline order
    does not change as time passes."""
    text = row
    if pauses and (calendar is None or isinstance(calendar, AlwaysOpen)):
        found = _in_seconds(row, pauses)
        if found is not None:  # the same rules on plain numbers: pendulum's arithmetic was most of the time
            row, pauses, calendar = found[0], found[1], _WALL
    status = row["status"]
    is_open = status in rules.OPEN_STATUSES
    out: dict[str, Any] = dict.fromkeys(SLA_FIELDS)
    out.update(facts(row, pauses, policy, calendar))
    out["is_open"] = int(is_open)
    if not is_open:
        return out
    tid = f"{row['id']:012d}"
    prio = str(row["priority"])
    nxt = None
    if status in rules.ACTIVE_STATUSES and not pauses and (calendar is None or isinstance(calendar, AlwaysOpen)):
        _open_24x7(row, policy[row["priority"]], out, prio, tid)
        return out
    if status in rules.ACTIVE_STATUSES:
        nxt = next_unmet(ticket_clocks(row, pauses, policy, calendar))
    if nxt is None:
        out["queue_key"] = f"{prio}2{text.get('resolved_at') or text['reported_at']}{tid}"
        return out
    out.update(next_clock=nxt.clock, window_s=nxt.window_s)
    if nxt.due is not None:
        out.update(due_at=_stamp(nxt.due), risk_at=_stamp(nxt.risk_at))
        out["queue_key"] = f"{prio}0{out['due_at']}{tid}"
    else:
        out["frozen_left_s"] = nxt.frozen_left_s
        left = nxt.frozen_left_s or 0.0
        # 12 characters that sort as the time left does. Stopped overdue
        # (negative) starts with '-', before every digit, then a complement so
        # the most overdue comes first; time left keeps the form keys had before.
        frozen = f"{int(left):012d}" if left >= 0 else f"-{max(0, 10**11 + int(left // 1)):011d}"
        out["queue_key"] = f"{prio}1{frozen}{tid}"
    return out


def _open_24x7(row: dict[str, Any], pol: Policy, out: dict[str, Any], prio: str, tid: str) -> None:
    """derive()'s clock for an active ticket with no holds under 24×7, in
    whole seconds (as _facts_24x7): the next unmet clock is due its window
    after the report, at risk once AT_RISK_SHARE of it is left. Most open
    tickets take this path (a recompute, the audit check), about ten times
    faster than the clocks worked out in full (tests/test_derive.py)."""
    for clock in CLOCKS:
        if row.get(_MET_AT[clock]) is None:
            reported_text = _text(row["reported_at"])
            assert reported_text is not None
            reported, window = _epoch(reported_text), pol.window_s(clock)
            due = _db_text(reported + window)
            out.update(next_clock=clock, window_s=window, due_at=due,
                       risk_at=_db_text(int(reported + window * (1 - AT_RISK_SHARE))), queue_key=f"{prio}0{due}{tid}")
            return
    out["queue_key"] = f"{prio}2{row.get('resolved_at') or row['reported_at']}{tid}"


class _Wall:
    """24×7 on times given as seconds since the epoch (derive()'s way for a
    ticket with holds under 24×7): the rules of store/rules/sla.py unchanged, on
    plain numbers (tests/test_derive.py holds the two ways equal)."""

    def add(self, start: float, seconds: float) -> float:
        return start + seconds

    def between(self, a: float, b: float) -> float:
        return max(0.0, float(b - a))


_WALL: Any = _Wall()
_TIMES = ("reported_at", "first_response_at", "arrived_at", "resolved_at")


def _in_seconds(row: dict[str, Any], pauses: list[Pause]) -> tuple[dict[str, Any], list[Pause]] | None:
    """The row's times and the holds as seconds (floats), or None if a time is
    not in the stored form (whole seconds, UTC) or not a DateTime: then the
    long way."""
    out = dict(row)
    for key in _TIMES:
        value = row.get(key)
        if value is None:
            continue
        if not (isinstance(value, str) and len(value) == 20 and value[-1] == "Z"):
            return None
        out[key] = float(_epoch(value))
    held = []
    for p in pauses:
        if not isinstance(p.start, DateTime) or not (p.end is None or isinstance(p.end, DateTime)):
            return None
        if p.start.microsecond or (p.end is not None and p.end.microsecond):
            return None
        held.append(Pause(float(p.start.int_timestamp), None if p.end is None else float(p.end.int_timestamp)))  # type: ignore[arg-type]
    return out, held


def _stamp(t: Any) -> str | None:
    """A time for the file: a DateTime, or seconds on derive()'s short way."""
    if t is None:
        return None
    return _db_text(int(t // 1)) if isinstance(t, float) else to_db(t)


def ticket_clocks(row: dict[str, Any], pauses: list[Pause], policy: dict[int, Policy], calendar: Calendar) -> list[ClockStatus]:
    def t(key: str) -> DateTime | None:
        return _when(row.get(key))

    reported = t("reported_at")
    assert reported is not None
    met = {"response": t("first_response_at"), "onsite": t("arrived_at"), "resolve": t("resolved_at")}
    return clock_statuses(reported, policy[row["priority"]], met, pauses, calendar)  # type: ignore[arg-type]


def _when(value: Any) -> DateTime | None:
    if isinstance(value, float):
        # Epoch seconds (the scale build's rows) pass through as they are:
        # the SLA arithmetic takes them alike, and converting a million costs seconds.
        return cast(DateTime, value)
    return value if isinstance(value, DateTime) or value is None else from_db(value)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) or value is None else to_db(value)


def facts(row: dict[str, Any], pauses: list[Pause], policy: dict[int, Policy], calendar: Calendar) -> dict[str, Any]:
    """The figures' facts of one ticket (FACTS), under the same SLA rules as
    the live countdown (store/rules/sla.py): a clock is met on time when its event
    came by the deadline ``clock_statuses`` gives, so compliance is exact under
    a business-hours calendar too, and times are working time, holds excluded."""
    pol = policy[row["priority"]]
    calendar = calendar or AlwaysOpen()  # (as deadline(): no calendar is 24×7)
    if not pauses and isinstance(calendar, AlwaysOpen):
        return _facts_24x7(row, pol)
    reported = _when(row["reported_at"])
    assert reported is not None
    merged = merge_pauses(pauses)
    out: dict[str, Any] = {}
    for clock in CLOCKS:
        window = pol.window_s(clock)
        met_at = _when(row.get(_MET_AT[clock]))
        if met_at is None:
            out.update({f"f_{clock}_s": None, f"f_{clock}_ok": None,
                        f"f_{clock}_late": _stamp(ran_out(reported, window, merged, calendar))})
            continue
        # As clock_statuses: time after the event cannot move its deadline.
        relevant = [Pause(p.start, met_at if p.end is None else min(p.end, met_at)) for p in merged if p.start < met_at]
        due, _frozen = deadline(reported, window, relevant, calendar)
        out.update({f"f_{clock}_s": active_seconds(reported, met_at, merged, calendar),
                    f"f_{clock}_ok": int(due is None or met_at <= due), f"f_{clock}_late": None})
    return out


_FACT_KEYS = tuple((_MET_AT[c], f"f_{c}_s", f"f_{c}_ok", f"f_{c}_late") for c in CLOCKS)


def _facts_24x7(row: dict[str, Any], pol: Policy) -> dict[str, Any]:
    """facts() without holds under 24×7, in whole seconds: most tickets, and
    the backfill of a million of them (migration 0013) takes this path. (Keys
    made once, windows read off the policy: a million-ticket load calls it a
    million times.)"""
    reported_text = _text(row["reported_at"])
    assert reported_text is not None
    reported = _epoch(reported_text)
    out: dict[str, Any] = {}
    for (met_key, s_key, ok_key, late_key), window in zip(
            _FACT_KEYS, (pol.response_min * 60, pol.onsite_min * 60, pol.resolve_min * 60), strict=True):
        met = row.get(met_key)
        if met is None:
            out[s_key] = out[ok_key] = None
            out[late_key] = _db_text(reported + window)
        else:
            took = _epoch(met if isinstance(met, str) else to_db(met)) - reported
            if took < 0:
                took = 0
            out[s_key] = float(took)
            out[ok_key] = int(took <= window)
            out[late_key] = None
    return out


_MIDNIGHT: dict[str, int] = {}  # 'YYYY-MM-DD' -> its epoch: a load of a million tickets spans a few hundred days
# 'HH:MM:SS' -> seconds since midnight, filled as times are met (a bulk load
# meets most of the 86,400): built whole at import, it was 75 ms of CPU in
# every process that imports the store, the console's first paint included.
_TOD: dict[str, int] = {}


def _epoch(text: str) -> int:
    if len(text) == 20 and text[-1] == "Z" and text[10] == "T":
        day = text[:10]
        midnight = _MIDNIGHT.get(day)
        if midnight is None:
            midnight = _MIDNIGHT[day] = timegm((int(text[0:4]), int(text[5:7]), int(text[8:10]), 0, 0, 0))
        hms = text[11:19]
        tod = _TOD.get(hms)
        if tod is None:
            tod = _TOD[hms] = int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19])
        return midnight + tod
    parsed = from_db(text)
    assert parsed is not None
    return int(parsed.timestamp())


def _db_text(epoch: int) -> str:
    return strftime("%Y-%m-%dT%H:%M:%SZ", gmtime(epoch))  # to_db's form


def active_seconds(start: DateTime, end: DateTime, merged: list[Pause], calendar: Calendar) -> float:
    """Working seconds from ``start`` to ``end`` less those of the (merged) holds between."""
    total = calendar.between(start, end)
    for p in merged:
        a, b = max(p.start, start), min(p.end or end, end)
        if b > a:
            total -= calendar.between(a, b)
    return max(0.0, total)


def ran_out(start: DateTime, window_s: float, merged: list[Pause], calendar: Calendar) -> DateTime | None:
    """When ``window_s`` of working time, holds excluded, was used up: the
    first instant the clock was overdue (``deadline`` before any hold that
    starts after it). None: a hold stopped the clock with time left."""
    due = calendar.add(start, window_s)
    for p in merged:
        ps = max(p.start, start)
        if p.end is not None and p.end <= ps:
            continue
        if ps >= due:
            return due
        if p.end is None:
            return None
        due = calendar.add(p.end, calendar.between(ps, due))
    return due
