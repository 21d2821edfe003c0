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

Kept by the shipper (store/hq/ship.py) in the transaction of the batch that
changed them: the months a batch touched are those of the tickets whose
figure columns (``FIGURE_COLUMNS``) changed, before and after, and the resolved
months of the tickets they repeat (the "failed again" of those). A batch that
sends every ticket again (or the schema step, ``rebuild``) recomputes all of the
center's months. A month with no row has no tickets.

What depends on the time of the report (a clock not decided yet counts as
missed once its deadline is before the end of the period or now) is kept as the
sorted deadlines of the undecided clocks, counted against that time when read.
"""

from __future__ import annotations

import json
import sys
from array import array
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..rules.evaluations import day_start_utc
from ..rules.notified import TARGET_S
from ..timeutil import from_db, to_db

CLOCKS = ("response", "onsite", "resolve")
# The ticket columns the summaries are made of: a batch changing none of them changes no summary.
FIGURE_COLUMNS = ("reported_at", "resolved_at", "cancelled_at", "repeat_of", "channel", "technician_id",
                  "notified_at", *(f"f_{c}_{x}" for c in CLOCKS for x in ("s", "ok", "late")))
_DELAY = "round(extract(epoch FROM (t.notified_at::timestamptz - t.reported_at::timestamptz)))"
_COUNTED = "(t.cancelled_at IS NULL OR t.notified_at IS NOT NULL)"
# As store/hq/figures.py's EXISTS, but as one hashed set of the center's repeated tickets (not a probe per row).
_REFAILED = ("t.id IN (SELECT n.repeat_of FROM tickets n WHERE n.center = %(c)s AND n.repeat_of IS NOT NULL)")


def _sorted(value: str, cond: str = "") -> str:
    """The sorted values as one bytea (8 bytes each, big-endian): read back with ``values``."""
    where = f"{value} IS NOT NULL" + (f" AND {cond}" if cond else "")
    return f"COALESCE(string_agg(float8send(({value})::float8), ''::bytea ORDER BY ({value})::float8) FILTER (WHERE {where}), ''::bytea)"


def _late(clock: str) -> str:
    return (f"COALESCE(array_agg(t.f_{clock}_late ORDER BY t.f_{clock}_late) FILTER (WHERE t.f_{clock}_ok IS NULL"
            f" AND t.cancelled_at IS NULL AND t.f_{clock}_late IS NOT NULL), '{{}}'::text[])")


_WHERE_REPORTED = "t.center = %(c)s AND t.reported_at >= %(s)s AND t.reported_at < %(e)s"
_REPORTED = (
    "SELECT COUNT(*), COUNT(*) FILTER (WHERE t.cancelled_at IS NULL),"
    " COUNT(*) FILTER (WHERE t.cancelled_at IS NULL AND t.repeat_of IS NOT NULL),"
    " COUNT(t.f_response_s), COALESCE(SUM(t.f_response_s), 0),"
    " COUNT(t.f_response_s) FILTER (WHERE t.channel = 'online'),"
    " COALESCE(SUM(t.f_response_s) FILTER (WHERE t.channel = 'online'), 0),"
    " COUNT(t.f_onsite_s), COALESCE(SUM(t.f_onsite_s), 0), "
    + ", ".join(f"COUNT(*) FILTER (WHERE t.f_{c}_ok = 1), COUNT(t.f_{c}_ok), {_late(c)}" for c in CLOCKS) + ","
    f" COUNT(*) FILTER (WHERE {_COUNTED}), COUNT(t.notified_at),"
    f" COALESCE(SUM({_DELAY}), 0)::float8, COUNT(*) FILTER (WHERE {_DELAY} <= {TARGET_S}),"
    # Never notified, by reason (store/hq/figures.py _REASON_NO_OUTBOX): unassigned, else no address.
    f" COUNT(*) FILTER (WHERE {_COUNTED} AND t.notified_at IS NULL AND t.technician_id IS NULL),"
    f" COUNT(*) FILTER (WHERE {_COUNTED} AND t.notified_at IS NULL AND t.technician_id IS NOT NULL),"
    f" {_sorted('t.f_response_s')}, {_sorted('t.f_onsite_s')}, {_sorted(_DELAY, 't.notified_at IS NOT NULL')}"
    f" FROM tickets t WHERE {_WHERE_REPORTED}")
_RESOLVED = (
    "SELECT COUNT(*), COALESCE(SUM(t.f_resolve_s), 0), COUNT(*) FILTER (WHERE t.f_resolve_ok = 1),"
    f" COUNT(*) FILTER (WHERE t.f_resolve_s <= 14400), COUNT(*) FILTER (WHERE {_REFAILED}), {_sorted('t.f_resolve_s')}"
    " FROM tickets t WHERE t.center = %(c)s AND t.resolved_at >= %(s)s AND t.resolved_at < %(e)s")

# The row (store/hq/schema.py step 0002_month_summaries).
# The resolve clock's "met" count is resolve_ok_clock (resolve_ok is the resolved month's count, RESOLVED).
NUMBERS = ("opened", "not_cancelled", "repeats", "response_n", "response_sum", "online_n", "online_sum", "onsite_n",
           "onsite_sum", *(n for c in CLOCKS for n in ("resolve_ok_clock" if c == "resolve" else f"{c}_ok", f"{c}_set",
                                                      f"{c}_late")), "counted", "notified_n",
           "notified_sum", "notified_within", "response_v", "onsite_v", "notified_v")
RESOLVED = ("resolved_n", "resolve_sum", "resolve_ok", "within_4h", "refailed", "resolve_v")
COLUMNS = ("center", "month", "zone", *NUMBERS, "never", *RESOLVED)
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
    """A sorted bytea of ``_sorted`` as floats."""
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


def bounds(month: date, zone: str) -> tuple[str, str]:
    """The month's start and end in UTC as stored (store/hq/figures.py bounds_of)."""
    return to_db(day_start_utc(month, zone)), to_db(day_start_utc(_shift(month, 1), zone))


def month_of(stamp: str, zone: str) -> date:
    """The month (of ``zone``) whose bounds hold ``stamp``, by the same text comparison as the SQL."""
    m = first_day(from_db(stamp).in_timezone(zone).date())
    for guess in (m, _shift(m, -1), _shift(m, 1)):
        s, e = bounds(guess, zone)
        if s <= stamp < e:
            return guess
    return m


def zone_of(cur: Any, center: str) -> str:
    row = cur.execute("SELECT value FROM settings WHERE center = %s AND key = 'timezone'", (center,)).fetchone()
    return str(json.loads(row[0])) if row else "UTC"


def recompute(cur: Any, center: str, zone: str, month: date) -> None:
    """One (center, month) row from the mirrored tickets (deleted when the month has none)."""
    s, e = bounds(month, zone)
    p = {"c": center, "s": s, "e": e}
    *reported, unassigned, no_address, r_v, o_v, n_v = cur.execute(_REPORTED, p).fetchone()
    never = {k: n for k, n in (("unassigned", unassigned), ("no_address", no_address)) if n}
    resolved = cur.execute(_RESOLVED, p).fetchone()
    key = (center, month.isoformat()[:7])
    if not reported[0] and not resolved[0]:
        cur.execute("DELETE FROM hq_months WHERE center = %s AND month = %s", key)
        return
    row = (*key, zone, *reported, r_v, o_v, n_v, json.dumps(never), *resolved)
    names = ", ".join(COLUMNS)
    sets = ", ".join(f"{n} = excluded.{n}" for n in COLUMNS[2:])
    cur.execute(f"INSERT INTO hq_months ({names}) VALUES ({', '.join(['%s'] * len(row))})"
                f" ON CONFLICT (center, month) DO UPDATE SET {sets}", row)


def rebuild(cur: Any, center: str | None = None) -> int:
    """Every month of ``center`` (all the centers: None) again from the mirrored tickets; the rows made."""
    codes = [center] if center else [r[0] for r in cur.execute("SELECT code FROM centers ORDER BY code").fetchall()]
    made = 0
    for code in codes:
        cur.execute("DELETE FROM hq_months WHERE center = %s", (code,))
        zone = zone_of(cur, code)
        lo, hi = cur.execute(
            "SELECT LEAST(MIN(reported_at), MIN(resolved_at)), GREATEST(MAX(reported_at), MAX(resolved_at))"
            " FROM tickets WHERE center = %s", (code,)).fetchone()
        if lo is None:
            continue
        m, last = month_of(lo, zone), month_of(hi, zone)
        while m <= last:
            recompute(cur, code, zone, m)
            m = _shift(m, 1)
            made += 1
    return made


@dataclass
class Touched:
    """What a batch's tickets were before it (``before``), to find the months it changed."""

    center: str
    ids: list[int]
    before: dict[int, tuple[Any, ...]] = field(default_factory=dict)


def _figure_rows(cur: Any, center: str, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    if not ids:
        return {}
    cols = ", ".join(FIGURE_COLUMNS)
    return {r[0]: tuple(r[1:]) for r in cur.execute(
        f"SELECT id, {cols} FROM tickets WHERE center = %s AND id = ANY(%s)", (center, ids)).fetchall()}


def before(cur: Any, center: str, ids: list[int]) -> Touched:
    """Read before a batch replaces the tickets ``ids``."""
    return Touched(center, ids, _figure_rows(cur, center, ids))


def after(cur: Any, t: Touched) -> int:
    """After the batch: recompute the months of the tickets whose figure columns changed; the months recomputed."""
    now = _figure_rows(cur, t.center, t.ids)
    changed: list[tuple[Any, ...]] = []  # the changed tickets' figure columns, before and after
    for i in t.ids:
        old, new = t.before.get(i), now.get(i)
        if old != new:
            changed += [r for r in (old, new) if r is not None]
    if not changed:
        return 0
    zone = zone_of(cur, t.center)
    i_rep, i_res, i_of = (FIGURE_COLUMNS.index(c) for c in ("reported_at", "resolved_at", "repeat_of"))
    months = {month_of(r[i], zone) for r in changed for i in (i_rep, i_res) if r[i] is not None}
    # A repeat changes whether the ticket it repeats "failed again" (counted in that one's resolved month).
    repeated = sorted({r[i_of] for r in changed if r[i_of] is not None})
    if repeated:
        for (stamp,) in cur.execute("SELECT resolved_at FROM tickets WHERE center = %s AND id = ANY(%s)"
                                    " AND resolved_at IS NOT NULL", (t.center, repeated)).fetchall():
            months.add(month_of(stamp, zone))
    for m in sorted(months):
        recompute(cur, t.center, zone, m)
    return len(months)


@dataclass
class Month:
    """One center's month as read back: what store/hq/figures.py needs of it."""

    row: dict[str, Any]

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
    rows = conn.execute(f"SELECT {names} FROM hq_months WHERE center = ANY(%s) AND month = %s",
                        (list(codes), month.isoformat()[:7])).fetchall()
    return {r[0]: Month(dict(zip(COLUMNS, r, strict=True))) for r in rows}
