"""Each center's month figures kept ready at the head office (issue 26: `dispatch hq
report --month` over a million tickets in ≤ 1 s).

``hq_months`` holds one row per (center, month of the center's own zone): the
counts and totals of store/hq/figures.py's passes over the month's tickets (the
reported, resolved and notified ones) and, for the rank figures (medians, 80th
percentiles), the month's durations themselves, sorted (``bytea`` of big-endian
float8, PostgreSQL's ``float8send``). The report then reads a few rows and takes
the company's ranks from the centers' sorted values together: exact, the same
values at the same nearest ranks as the SQL over the tickets
(tests/test_hq_summary.py checks it against store/hq/figures.py's SQL).

Step 0003 adds the closed and cancelled counts and ``left_n``, the tickets
leaving the backlog in the month (store/hq/figures.py _COUNTS: a ticket counts
at a period's end while open, or closed or cancelled at or after it; so it
leaves at the later of the two, never while is_open = 1, and not before the
month it was reported in): the backlog at a month's end is the center's
``opened - left_n`` summed over its months up to that one (``backlogs``).

Kept by the shipper (store/hq/ship.py) in the transaction of the batch that
changed them: each ticket of the batch is read before and after it as its share
of every month (``_TICKET``); where that changed, the ticket is taken out of its
months as it was and put in as it is (``Acc``, sign -1 and 1), which is exact
for the counts and the sorted values, and for the totals while they are whole
numbers (seconds); a month where that cannot be exact (``Inexact``) is made
again from its tickets, as are the resolved months of the tickets outside the
batch that a changed ``repeat_of`` now repeats or no longer does (their "failed
again"). A batch that sends every ticket again (or a schema step, ``rebuild``)
makes all of the center's months again. A month with no row has no tickets.

What depends on the time of the report (a clock not decided yet counts as
missed once its deadline is before the end of the period or now) is kept as the
sorted deadlines of the undecided clocks, counted against that time when read.
"""

from __future__ import annotations

import json
import sys
from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from ..rules.notified import TARGET_S
from ..timeutil import day_start_utc, from_db, to_db

CLOCKS = ("response", "onsite", "resolve")
_DELAY = "round(extract(epoch FROM (t.notified_at::timestamptz - t.reported_at::timestamptz)))"
# As store/hq/figures.py: an index probe per resolved ticket, or one hashed set of the center's repeats,
# both from the partial index tickets_repeat_of (the center given and "IS NOT NULL" let the hashed form
# use it instead of reading every ticket); "t.id IN (SELECT …)" could read them again for every row.
_REFAILED = "EXISTS (SELECT 1 FROM tickets n WHERE n.center = %(c)s AND n.repeat_of IS NOT NULL AND n.repeat_of = t.id)"


# The month's tickets, one row each: the sums, counts and sorted values are made from them here (one
# index range read; the same as a SQL aggregate with six sorted aggregates, which cost 4 to 8 times more).
_REPORTED_COLS = (
    "t.channel = 'online', t.cancelled_at IS NULL, t.repeat_of IS NOT NULL, t.notified_at IS NOT NULL,"
    f" t.technician_id IS NULL, ({_DELAY})::float8, t.f_response_s, t.f_onsite_s, "
    + ", ".join(f"t.f_{c}_ok, t.f_{c}_late" for c in CLOCKS)
)
# When a ticket leaves the backlog (store/hq/figures.py _COUNTS: open now, or closed / cancelled at or after
# the period's end, counts): at the later of its closing and cancelling, never while is_open = 1.
_STAMPS = "t.reported_at, t.resolved_at, t.closed_at, t.cancelled_at, t.is_open, GREATEST(t.closed_at, t.cancelled_at)"
_REPORTED = f"SELECT {_STAMPS}, {_REPORTED_COLS} FROM tickets t WHERE t.center = %(c)s AND t.reported_at >= %(s)s AND t.reported_at < %(e)s"
_RESOLVED = (
    f"SELECT t.f_resolve_s, t.f_resolve_ok, {_REFAILED} FROM tickets t"
    " WHERE t.center = %(c)s AND t.resolved_at >= %(s)s AND t.resolved_at < %(e)s"
)
# Closed or cancelled in the month (tickets_closed_at, tickets_cancelled_at): those counts, and the tickets
# reported before the month that leave the backlog in it.
_ENDED = (
    f"SELECT {_STAMPS} FROM tickets t WHERE t.center = %(c)s AND ((t.closed_at >= %(s)s AND t.closed_at < %(e)s)"
    " OR (t.cancelled_at >= %(s)s AND t.cancelled_at < %(e)s))"
)
# One ticket's share of every month it counts in (a batch's tickets before and after it: ``Acc.ticket``).
_TICKET = f"{_STAMPS}, {_REPORTED_COLS}, t.f_resolve_s, t.f_resolve_ok, {_REFAILED}"
_N_STAMPS = 6


class Inexact(Exception):
    """A change that taking out and putting in cannot make exactly (a value not held, a sum not whole):
    the month is made again from its tickets instead."""


def _blob(xs: list[float]) -> bytes:
    """Sorted values as big-endian float8 (read back with ``values``)."""
    out = array("d", xs)
    if sys.byteorder == "little":
        out.byteswap()
    return out.tobytes()


_EXACT = float(2**52)  # whole numbers below this add and subtract exactly in float8, in any order


class Acc:
    """One (center, month) row as counts, totals and sorted lists, to which tickets are added (``sign`` 1)
    or from which they are taken out (-1). Made from the month's tickets it is ``recompute``'s row; kept
    by a batch's changes (``sign`` -1 for a changed ticket as it was, 1 as it is) it is the same row, exactly:
    counts and sorted lists are; totals are while every value is a whole number (seconds, as the centers
    store them), else Inexact and the month is made again."""

    def __init__(self, s: str, e: str, row: dict[str, Any] | None = None, *, delta: bool = False) -> None:
        self.s, self.e, self.delta = s, e, delta
        r = row or {}
        self.n: dict[str, int] = {k: int(r.get(k, 0)) for k in _COUNTS_OF}
        self.sums: dict[str, float] = {k: float(r.get(k, 0.0)) for k in _SUMS_OF}
        self.lists: dict[str, list[Any]] = {k: list(values(r.get(k))) for k in _VALUES_OF}
        self.lists.update({f"{c}_late": list(r.get(f"{c}_late") or []) for c in CLOCKS})
        self.never: dict[str, int] = dict(r.get("never") or {})
        if delta and any(not _whole(v) for v in self.sums.values()):
            raise Inexact

    def _add(self, name: str, v: float, sign: int) -> None:
        if self.delta and not _whole(v):
            raise Inexact
        self.sums[name] += sign * v

    def _put(self, name: str, v: Any, sign: int) -> None:
        xs = self.lists[name]
        if sign > 0:
            if self.delta:
                insort(xs, v)
            else:  # made from the month's tickets: sorted once in ``row`` (an insort each was quadratic)
                xs.append(v)
            return
        i = bisect_left(xs, v)
        if i == len(xs) or xs[i] != v:
            raise Inexact
        del xs[i]

    def reported(self, r: tuple[Any, ...], sign: int = 1) -> None:
        """A ticket reported in the month (a row of _REPORTED after the stamps)."""
        online, live, repeat, told, no_tech, delay, r_s, o_s, *clocks = r
        n = self.n
        n["opened"] += sign
        n["not_cancelled"] += sign * live
        n["repeats"] += sign * (live and repeat)
        if r_s is not None:
            n["response_n"] += sign
            self._add("response_sum", r_s, sign)
            self._put("response_v", r_s, sign)
            if online:
                n["online_n"] += sign
                self._add("online_sum", r_s, sign)
        if o_s is not None:
            n["onsite_n"] += sign
            self._add("onsite_sum", o_s, sign)
            self._put("onsite_v", o_s, sign)
        for i, c in enumerate(CLOCKS):
            ok, deadline = clocks[2 * i], clocks[2 * i + 1]
            if ok is not None:
                n[f"{c}_set"] += sign
                n["resolve_ok_clock" if c == "resolve" else f"{c}_ok"] += sign * (ok == 1)
            elif live and deadline is not None:
                self._put(f"{c}_late", deadline, sign)
        if live or told:
            n["counted"] += sign
            if not told:
                # (Not the outbox's waiting or failed: those states change with no ticket event; the
                # report moves their few tickets out of "no address" when read, store/hq/figures.py _moved.)
                why = "unassigned" if no_tech else "no_address"
                self.never[why] = self.never.get(why, 0) + sign
        if delay is not None:
            n["notified_n"] += sign
            self._add("notified_sum", delay, sign)
            self._put("notified_v", delay, sign)
            n["notified_within"] += sign * (delay <= TARGET_S)

    def resolved(self, r: tuple[Any, ...], sign: int = 1) -> None:
        """A ticket resolved in the month (a row of _RESOLVED)."""
        done, ok, refailed = r
        n = self.n
        n["resolved_n"] += sign
        n["resolve_ok"] += sign * (ok == 1)
        n["refailed"] += sign * bool(refailed)
        if done is not None:
            self._add("resolve_sum", done, sign)
            self._put("resolve_v", done, sign)
            n["within_4h"] += sign * (done <= 14400)

    def ended(self, stamps: tuple[Any, ...], sign: int = 1) -> None:
        """A ticket closed or cancelled in the month (a row of _ENDED), or reported in it (its stamps):
        what of the counts of closed, cancelled and leaving the backlog falls in this month."""
        reported, _resolved_at, closed, cancelled, is_open, last = stamps
        s, e = self.s, self.e
        n = self.n
        n["closed_n"] += sign * (closed is not None and s <= closed < e)
        n["cancelled_n"] += sign * (cancelled is not None and s <= cancelled < e)
        if is_open == 0:
            if s <= reported < e:  # left as it came in, or already by the month's end
                n["left_n"] += sign * (last is None or last < e)
            elif reported < s:
                n["left_n"] += sign * (last is not None and s <= last < e)

    def ticket(self, r: tuple[Any, ...], sign: int) -> None:
        """A row of _TICKET: its share of this month."""
        stamps = r[:_N_STAMPS]
        reported, resolved = stamps[0], stamps[1]
        inside = [x is not None and self.s <= x < self.e for x in (reported, resolved, stamps[2], stamps[3], stamps[5])]
        if inside[0]:
            self.reported(r[_N_STAMPS:-3], sign)
        if inside[1]:
            self.resolved(r[-3:], sign)
        if inside[0] or inside[2] or inside[3] or inside[4]:
            self.ended(stamps, sign)

    def empty(self) -> bool:
        n = self.n
        return not (n["opened"] or n["resolved_n"] or n["closed_n"] or n["cancelled_n"])

    def row(self, center: str, month: str, zone: str) -> tuple[Any, ...]:
        """The row as stored (COLUMNS)."""
        if not self.delta:
            for xs in self.lists.values():
                xs.sort()
        never = {k: v for k, v in sorted(self.never.items()) if v}
        out: dict[str, Any] = {"center": center, "month": month, "zone": zone, "never": json.dumps(never)}
        out.update(self.n)
        out.update(self.sums)
        out.update({k: _blob(self.lists[k]) for k in _VALUES_OF})
        out.update({f"{c}_late": self.lists[f"{c}_late"] for c in CLOCKS})
        return tuple(out[k] for k in COLUMNS)


def _whole(v: float) -> bool:
    return float(v).is_integer() and abs(v) < _EXACT


# The row (store/hq/schema.py step 0002_month_summaries).
# The resolve clock's "met" count is resolve_ok_clock (resolve_ok is the resolved month's count, RESOLVED).
NUMBERS = (
    "opened",
    "not_cancelled",
    "repeats",
    "response_n",
    "response_sum",
    "online_n",
    "online_sum",
    "onsite_n",
    "onsite_sum",
    *(n for c in CLOCKS for n in ("resolve_ok_clock" if c == "resolve" else f"{c}_ok", f"{c}_set", f"{c}_late")),
    "counted",
    "notified_n",
    "notified_sum",
    "notified_within",
    "response_v",
    "onsite_v",
    "notified_v",
)
RESOLVED = ("resolved_n", "resolve_sum", "resolve_ok", "within_4h", "refailed", "resolve_v")
# Step 0003_backlog_counts: closed and cancelled in the month, and the tickets leaving the backlog in it
# (the backlog at a month's end: the center's opened less left, over its months up to that one).
ENDED = ("closed_n", "cancelled_n", "left_n")
COLUMNS_0002 = ("center", "month", "zone", *NUMBERS, "never", *RESOLVED)
COLUMNS = (*COLUMNS_0002, *ENDED)
_VALUES_OF = ("response_v", "onsite_v", "notified_v", "resolve_v")
_SUMS_OF = tuple(n for n in COLUMNS if n.endswith("_sum"))
_COUNTS_OF = tuple(n for n in COLUMNS if n not in ("center", "month", "zone", "never", *_VALUES_OF, *_SUMS_OF)
                   and not n.endswith("_late"))
TABLE = """CREATE TABLE hq_months (
    center text NOT NULL, month text NOT NULL, zone text NOT NULL,
    opened bigint NOT NULL, not_cancelled bigint NOT NULL, repeats bigint NOT NULL,
    response_n bigint NOT NULL, response_sum double precision NOT NULL,
    online_n bigint NOT NULL, online_sum double precision NOT NULL,
    onsite_n bigint NOT NULL, onsite_sum double precision NOT NULL,
    response_ok bigint NOT NULL, response_set bigint NOT NULL, response_late text[] NOT NULL,
    onsite_ok bigint NOT NULL, onsite_set bigint NOT NULL, onsite_late text[] NOT NULL,
    resolve_ok_clock bigint NOT NULL, resolve_set bigint NOT NULL, resolve_late text[] NOT NULL,
    counted bigint NOT NULL, notified_n bigint NOT NULL, notified_sum double precision NOT NULL,
    notified_within bigint NOT NULL, response_v bytea NOT NULL, onsite_v bytea NOT NULL, notified_v bytea NOT NULL,
    never jsonb NOT NULL,
    resolved_n bigint NOT NULL, resolve_sum double precision NOT NULL, resolve_ok bigint NOT NULL,
    within_4h bigint NOT NULL, refailed bigint NOT NULL, resolve_v bytea NOT NULL,
    PRIMARY KEY (center, month))"""


def values(blob: bytes | memoryview | None) -> array[float]:
    """A sorted bytea of ``_blob`` as floats."""
    out = array("d")
    if blob:
        out.frombytes(bytes(blob))
        if sys.byteorder == "little":
            out.byteswap()
    return out


def first_day(d: date) -> date:
    return date(d.year, d.month, 1)


def _shift(m: date, months: int) -> date:
    k = m.year * 12 + m.month - 1 + months
    return date(k // 12, k % 12 + 1, 1)


@lru_cache(maxsize=4096)
def bounds(month: date, zone: str) -> tuple[str, str]:
    """The month's start and end in UTC as stored (store/hq/figures.py bounds_of); kept, as a batch asks
    for the same few months thousands of times (a zone made afresh each time cost ~1 ms a call)."""
    return to_db(day_start_utc(month, zone)), to_db(day_start_utc(_shift(month, 1), zone))


def month_of(stamp: str, zone: str) -> date:
    """The month (of ``zone``) whose bounds hold ``stamp``, by the same text comparison as the SQL: the
    stamp's UTC month or one beside it (no zone is a month off UTC)."""
    m = date(int(stamp[:4]), int(stamp[5:7]), 1)
    for guess in (m, _shift(m, -1), _shift(m, 1)):
        s, e = bounds(guess, zone)
        if s <= stamp < e:
            return guess
    return first_day(from_db(stamp).in_timezone(zone).date())


def zone_of(cur: Any, center: str) -> str:
    row = cur.execute("SELECT value FROM settings WHERE center = %s AND key = 'timezone'", (center,)).fetchone()
    return str(json.loads(row[0])) if row else "UTC"


def _write(cur: Any, key: tuple[str, str], zone: str, acc: Acc, names: tuple[str, ...] = COLUMNS) -> bool:
    if acc.empty():
        cur.execute("DELETE FROM hq_months WHERE center = %s AND month = %s", key)
        return False
    full = dict(zip(COLUMNS, acc.row(*key, zone), strict=True))
    row = tuple(full[n] for n in names)
    sets = ", ".join(f"{n} = excluded.{n}" for n in names[2:])
    cur.execute(
        f"INSERT INTO hq_months ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(row))})"
        f" ON CONFLICT (center, month) DO UPDATE SET {sets}", row
    )
    return True


def recompute(cur: Any, center: str, zone: str, month: date, names: tuple[str, ...] = COLUMNS) -> bool:
    """One (center, month) row from the mirrored tickets (deleted when the month has none); ``names``: the
    columns of the schema step making it."""
    s, e = bounds(month, zone)
    p = {"c": center, "s": s, "e": e}
    acc = Acc(s, e)
    for r in cur.execute(_REPORTED, p).fetchall():
        acc.reported(r[_N_STAMPS:])
        acc.ended(r[:_N_STAMPS])
    for r in cur.execute(_RESOLVED, p).fetchall():
        acc.resolved(r)
    if "left_n" in names:
        for r in cur.execute(_ENDED, p).fetchall():
            if not s <= r[0] < e:  # (those reported in the month are counted above)
                acc.ended(r)
    return _write(cur, (center, month.isoformat()[:7]), zone, acc, names)


# The event each center's summaries were kept up to. A center shipping with an older dispatch (before the
# summaries) moves its head in ``centers`` but not here: the reports then read its tickets instead.
HEADS = "CREATE TABLE hq_summary_heads (center text PRIMARY KEY, last_event_id bigint NOT NULL)"


# Step 0003 adds ``counts_event_id``: the event the closed/cancelled/backlog counts were kept up to. A
# shipper of step 0002 moves ``last_event_id`` only (its rows keep the counts of before): not current.
HEADS_0003 = "ALTER TABLE hq_summary_heads ADD COLUMN counts_event_id bigint"


def mark(cur: Any, center: str, last_event_id: int, names: tuple[str, ...] = COLUMNS) -> None:
    """The center's summaries are kept up to ``last_event_id`` (in the batch's transaction)."""
    if "left_n" not in names:  # (step 0002, before the column)
        cur.execute(
            "INSERT INTO hq_summary_heads (center, last_event_id) VALUES (%s, %s)"
            " ON CONFLICT (center) DO UPDATE SET last_event_id = excluded.last_event_id",
            (center, last_event_id),
        )
        return
    cur.execute(
        "INSERT INTO hq_summary_heads (center, last_event_id, counts_event_id) VALUES (%s, %s, %s)"
        " ON CONFLICT (center) DO UPDATE SET last_event_id = excluded.last_event_id,"
        " counts_event_id = excluded.counts_event_id",
        (center, last_event_id, last_event_id),
    )


def current(conn: Any, codes: list[str]) -> bool:
    """Every one of ``codes`` has its summaries kept up to the head the head office holds."""
    stale = conn.execute(
        "SELECT count(*) FROM centers c LEFT JOIN hq_summary_heads h ON h.center = c.code"
        " WHERE c.code = ANY(%s) AND (h.last_event_id IS DISTINCT FROM c.last_event_id"
        " OR h.counts_event_id IS DISTINCT FROM c.last_event_id)",
        (codes,),
    ).fetchone()[0]
    return not stale


def rebuild(cur: Any, center: str | None = None, names: tuple[str, ...] = COLUMNS) -> int:
    """Every month of ``center`` (all the centers: None) again from the mirrored tickets; the rows made.
    ``names``: the columns of the schema step calling it."""
    codes = [center] if center else [r[0] for r in cur.execute("SELECT code FROM centers ORDER BY code").fetchall()]
    ended = "left_n" in names
    made = 0
    for code in codes:
        cur.execute("DELETE FROM hq_months WHERE center = %s", (code,))
        row = cur.execute("SELECT last_event_id FROM centers WHERE code = %s", (code,)).fetchone()
        if row is not None:  # (a first batch marks its own head after this)
            mark(cur, code, row[0], names)
        zone = zone_of(cur, code)
        stamps = ("reported_at", "resolved_at", *(("closed_at", "cancelled_at") if ended else ()))
        lo, hi = cur.execute(
            f"SELECT LEAST({', '.join(f'MIN({c})' for c in stamps)}), GREATEST({', '.join(f'MAX({c})' for c in stamps)})"
            " FROM tickets WHERE center = %s",
            (code,),
        ).fetchone()
        if lo is None:
            continue
        m, last = month_of(lo, zone), month_of(hi, zone)
        while m <= last:
            made += recompute(cur, code, zone, m, names)
            m = _shift(m, 1)
    return made


@dataclass
class Touched:
    """What a batch's tickets were before it (``before``), to find the months it changed."""

    center: str
    ids: list[int]
    before: dict[int, tuple[Any, ...]] = field(default_factory=dict)


# The tickets of a list of ids, one key lookup each: "id = ANY(ids)" or a join let the planner, on a table
# just filled (no statistics yet), read every ticket instead (seconds a batch under load). OFFSET 0 keeps
# the subquery whole (pulled up, it is that join again).
_BY_ID = (
    "FROM unnest(%(ids)s::bigint[]) AS i(id)"
    " CROSS JOIN LATERAL (SELECT * FROM tickets t WHERE t.center = %(c)s AND t.id = i.id OFFSET 0) t"
)


def _ticket_rows(cur: Any, center: str, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """Each ticket's (repeat_of, _TICKET row): all a ticket gives any month."""
    if not ids:
        return {}
    rows = cur.execute(f"SELECT t.id, t.repeat_of, {_TICKET} {_BY_ID}", {"ids": ids, "c": center}).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def before(cur: Any, center: str, ids: list[int]) -> Touched:
    """Read before a batch replaces the tickets ``ids``."""
    return Touched(center, ids, _ticket_rows(cur, center, ids))


def after(cur: Any, t: Touched) -> int:
    """After the batch: the months of the tickets whose share changed, each kept by taking the tickets out as
    they were and putting them in as they are (``Acc``; made again from its tickets where that is not exact);
    the months changed."""
    now = _ticket_rows(cur, t.center, t.ids)
    changed: list[tuple[tuple[Any, ...] | None, tuple[Any, ...] | None]] = []
    repeated: set[int] = set()  # tickets now repeated or no longer repeated by one of them
    for i in t.ids:
        old, new = t.before.get(i), now.get(i)
        if old != new:
            changed.append((old[1:] if old else None, new[1:] if new else None))
            was, became = (old[0] if old else None), (new[0] if new else None)
            if was != became:
                repeated |= {x for x in (was, became) if x is not None}
    if not changed:
        return 0
    zone = zone_of(cur, t.center)
    months = {month_of(r[k], zone) for pair in changed for r in pair if r is not None for k in (0, 1, 2, 3, 5)
              if r[k] is not None}
    # Whether a ticket "failed again" (counted in its resolved month) changes with who repeats it: a ticket of
    # the batch has it in its rows before and after; the others' resolved months are made again.
    again: set[date] = set()
    outside = sorted(repeated - set(t.ids))
    if outside:
        for (stamp,) in cur.execute(f"SELECT t.resolved_at {_BY_ID} WHERE t.resolved_at IS NOT NULL",
                                    {"ids": outside, "c": t.center}).fetchall():
            again.add(month_of(stamp, zone))
    kept = sorted(months - again)
    stored = {r[1]: dict(zip(COLUMNS, r, strict=True)) for r in cur.execute(
        f"SELECT {', '.join(COLUMNS)} FROM hq_months WHERE center = %s AND month = ANY(%s)",
        (t.center, [m.isoformat()[:7] for m in kept])).fetchall()}
    for m in kept:
        key = (t.center, m.isoformat()[:7])
        s, e = bounds(m, zone)
        try:
            acc = Acc(s, e, stored.get(key[1]), delta=True)
            for old, new in changed:
                if old is not None:
                    acc.ticket(old, -1)
                if new is not None:
                    acc.ticket(new, 1)
        except Inexact:
            again.add(m)
            continue
        _write(cur, key, zone, acc)
    for m in sorted(again):
        recompute(cur, t.center, zone, m)
    return len(months | again)


@dataclass
class Month:
    """One center's month as read back: what store/hq/figures.py needs of it."""

    row: dict[str, Any]
    backlog: int = 0  # at the month's end (``backlogs``)

    @classmethod
    def empty(cls, zone: str) -> Month:
        """A month with no tickets."""
        row: dict[str, Any] = {n: 0 for n in COLUMNS}
        row.update({f"{c}_late": [] for c in CLOCKS})
        row.update({n: b"" for n in COLUMNS if n.endswith("_v")}, never={}, zone=zone)
        return cls(row)

    def n(self, name: str) -> int:
        return int(self.row[name])

    def total(self, name: str) -> float:
        return float(self.row[name])

    def decided(self, clock: str, cap: str) -> int:
        """Clocks decided by ``cap``: met or missed, or undecided with the deadline at or before it."""
        return int(self.row[f"{clock}_set"]) + bisect_right(self.row[f"{clock}_late"], cap)

    def ok(self, clock: str) -> int:
        return int(self.row["resolve_ok_clock" if clock == "resolve" else f"{clock}_ok"])

    def values(self, name: str) -> array[float]:
        return values(self.row[f"{name}_v"])


def read(conn: Any, codes: Iterable[str], month: date) -> dict[str, Month]:
    """The rows of ``codes`` for ``month`` (a center with none: no tickets that month)."""
    names = ", ".join(COLUMNS)
    rows = conn.execute(
        f"SELECT {names} FROM hq_months WHERE center = ANY(%s) AND month = %s", (list(codes), month.isoformat()[:7])
    ).fetchall()
    return {r[0]: Month(dict(zip(COLUMNS, r, strict=True))) for r in rows}


def backlogs(conn: Any, codes: Iterable[str], month: date) -> dict[str, int]:
    """Each center's backlog at the end of ``month``: its tickets opened up to then less those that left by then
    (a center with no rows: none)."""
    rows = conn.execute(
        "SELECT center, SUM(opened - left_n) FROM hq_months WHERE center = ANY(%s) AND month <= %s GROUP BY center",
        (list(codes), month.isoformat()[:7]),
    ).fetchall()
    return {r[0]: int(r[1]) for r in rows}
