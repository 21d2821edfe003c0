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
FIGURE_COLUMNS = (
    "reported_at",
    "resolved_at",
    "cancelled_at",
    "repeat_of",
    "channel",
    "technician_id",
    "notified_at",
    *(f"f_{c}_{x}" for c in CLOCKS for x in ("s", "ok", "late")),
)
_DELAY = "round(extract(epoch FROM (t.notified_at::timestamptz - t.reported_at::timestamptz)))"
# As store/hq/figures.py: an index probe per resolved ticket, or one hashed set of the center's repeats,
# both from the partial index tickets_repeat_of (the center given and "IS NOT NULL" let the hashed form
# use it instead of reading every ticket); "t.id IN (SELECT …)" could read them again for every row.
_REFAILED = "EXISTS (SELECT 1 FROM tickets n WHERE n.center = %(c)s AND n.repeat_of IS NOT NULL AND n.repeat_of = t.id)"


# The month's tickets, one row each: the sums, counts and sorted values are made from them here (one
# index range read; the same as a SQL aggregate with six sorted aggregates, which cost 4 to 8 times more).
_REPORTED = (
    "SELECT t.channel = 'online', t.cancelled_at IS NULL, t.repeat_of IS NOT NULL, t.notified_at IS NOT NULL,"
    f" t.technician_id IS NULL, ({_DELAY})::float8, t.f_response_s, t.f_onsite_s, "
    + ", ".join(f"t.f_{c}_ok, t.f_{c}_late" for c in CLOCKS)
    + " FROM tickets t WHERE t.center = %(c)s AND t.reported_at >= %(s)s AND t.reported_at < %(e)s"
)
_RESOLVED = (
    f"SELECT t.f_resolve_s, t.f_resolve_ok, {_REFAILED} FROM tickets t"
    " WHERE t.center = %(c)s AND t.resolved_at >= %(s)s AND t.resolved_at < %(e)s"
)


def _blob(xs: list[float]) -> bytes:
    """Sorted values as big-endian float8 (read back with ``values``)."""
    out = array("d", sorted(xs))
    if sys.byteorder == "little":
        out.byteswap()
    return out.tobytes()


def _reported(rows: list[tuple[Any, ...]]) -> tuple[tuple[Any, ...], tuple[bytes, bytes, bytes], dict[str, int]]:
    """figures.py's passes over the tickets reported in the month, as counts, totals and sorted values."""
    n_ok = {c: 0 for c in CLOCKS}
    n_set = {c: 0 for c in CLOCKS}
    late: dict[str, list[str]] = {c: [] for c in CLOCKS}
    resp: list[float] = []
    onsite: list[float] = []
    delays: list[float] = []
    not_cancelled = repeats = online_n = counted = within = unassigned = no_address = 0
    online_sum = 0.0
    for online, live, repeat, told, no_tech, delay, r_s, o_s, *clocks in rows:
        not_cancelled += live
        repeats += live and repeat
        if r_s is not None:
            resp.append(r_s)
            if online:
                online_n += 1
                online_sum += r_s
        if o_s is not None:
            onsite.append(o_s)
        for i, c in enumerate(CLOCKS):
            ok, deadline = clocks[2 * i], clocks[2 * i + 1]
            if ok is not None:
                n_set[c] += 1
                n_ok[c] += ok == 1
            elif live and deadline is not None:
                late[c].append(deadline)
        if live or told:
            counted += 1
            if not told:
                unassigned += no_tech
                no_address += not no_tech
        if delay is not None:
            delays.append(delay)
            within += delay <= TARGET_S
    numbers = (
        len(rows), not_cancelled, repeats, len(resp), float(sum(resp)), online_n, online_sum, len(onsite),
        float(sum(onsite)), *(x for c in CLOCKS for x in (n_ok[c], n_set[c], sorted(late[c]))),
        counted, len(delays), float(sum(delays)), within,
    )  # fmt: skip
    never = {k: n for k, n in (("unassigned", unassigned), ("no_address", no_address)) if n}
    return numbers, (_blob(resp), _blob(onsite), _blob(delays)), never


def _resolved(rows: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    done = [r[0] for r in rows if r[0] is not None]
    return (len(rows), float(sum(done)), sum(r[1] == 1 for r in rows), sum(x <= 14400 for x in done),
            sum(bool(r[2]) for r in rows), _blob(done))  # fmt: skip


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


def recompute(cur: Any, center: str, zone: str, month: date) -> bool:
    """One (center, month) row from the mirrored tickets (deleted when the month has none)."""
    s, e = bounds(month, zone)
    p = {"c": center, "s": s, "e": e}
    reported_rows = cur.execute(_REPORTED, p).fetchall()
    resolved_rows = cur.execute(_RESOLVED, p).fetchall()
    key = (center, month.isoformat()[:7])
    if not reported_rows and not resolved_rows:
        cur.execute("DELETE FROM hq_months WHERE center = %s AND month = %s", key)
        return False
    numbers, blobs, never = _reported(reported_rows)
    row = (*key, zone, *numbers, *blobs, json.dumps(never), *_resolved(resolved_rows))
    names = ", ".join(COLUMNS)
    sets = ", ".join(f"{n} = excluded.{n}" for n in COLUMNS[2:])
    cur.execute(
        f"INSERT INTO hq_months ({names}) VALUES ({', '.join(['%s'] * len(row))}) ON CONFLICT (center, month) DO UPDATE SET {sets}", row
    )
    return True


# The event each center's summaries were kept up to. A center shipping with an older dispatch (before the
# summaries) moves its head in ``centers`` but not here: the reports then read its tickets instead.
HEADS = "CREATE TABLE hq_summary_heads (center text PRIMARY KEY, last_event_id bigint NOT NULL)"


def mark(cur: Any, center: str, last_event_id: int) -> None:
    """The center's summaries are kept up to ``last_event_id`` (in the batch's transaction)."""
    cur.execute(
        "INSERT INTO hq_summary_heads (center, last_event_id) VALUES (%s, %s)"
        " ON CONFLICT (center) DO UPDATE SET last_event_id = excluded.last_event_id",
        (center, last_event_id),
    )


def current(conn: Any, codes: list[str]) -> bool:
    """Every one of ``codes`` has its summaries kept up to the head the head office holds."""
    stale = conn.execute(
        "SELECT count(*) FROM centers c LEFT JOIN hq_summary_heads h ON h.center = c.code"
        " WHERE c.code = ANY(%s) AND h.last_event_id IS DISTINCT FROM c.last_event_id",
        (codes,),
    ).fetchone()[0]
    return not stale


def rebuild(cur: Any, center: str | None = None) -> int:
    """Every month of ``center`` (all the centers: None) again from the mirrored tickets; the rows made."""
    codes = [center] if center else [r[0] for r in cur.execute("SELECT code FROM centers ORDER BY code").fetchall()]
    made = 0
    for code in codes:
        cur.execute("DELETE FROM hq_months WHERE center = %s", (code,))
        row = cur.execute("SELECT last_event_id FROM centers WHERE code = %s", (code,)).fetchone()
        if row is not None:  # (a first batch marks its own head after this)
            mark(cur, code, row[0])
        zone = zone_of(cur, code)
        lo, hi = cur.execute(
            "SELECT LEAST(MIN(reported_at), MIN(resolved_at)), GREATEST(MAX(reported_at), MAX(resolved_at)) FROM tickets WHERE center = %s",
            (code,),
        ).fetchone()
        if lo is None:
            continue
        m, last = month_of(lo, zone), month_of(hi, zone)
        while m <= last:
            made += recompute(cur, code, zone, m)
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
_BY_ID = "FROM unnest(%s::bigint[]) AS i(id) CROSS JOIN LATERAL (SELECT * FROM tickets t WHERE t.center = %s AND t.id = i.id OFFSET 0) t"


def _figure_rows(cur: Any, center: str, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    if not ids:
        return {}
    cols = ", ".join(f"t.{c}" for c in FIGURE_COLUMNS)
    rows = cur.execute(f"SELECT t.id, {cols} {_BY_ID}", (ids, center)).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def before(cur: Any, center: str, ids: list[int]) -> Touched:
    """Read before a batch replaces the tickets ``ids``."""
    return Touched(center, ids, _figure_rows(cur, center, ids))


def after(cur: Any, t: Touched) -> int:
    """After the batch: recompute the months of the tickets whose figure columns changed; the months recomputed."""
    now = _figure_rows(cur, t.center, t.ids)
    i_rep, i_res, i_of = (FIGURE_COLUMNS.index(c) for c in ("reported_at", "resolved_at", "repeat_of"))
    changed: list[tuple[Any, ...]] = []  # the changed tickets' figure columns, before and after
    repeated: set[int] = set()  # tickets now repeated or no longer repeated by one of them
    for i in t.ids:
        old, new = t.before.get(i), now.get(i)
        if old != new:
            changed += [r for r in (old, new) if r is not None]
            was, became = (old[i_of] if old else None), (new[i_of] if new else None)
            if was != became:
                repeated |= {x for x in (was, became) if x is not None}
    if not changed:
        return 0
    zone = zone_of(cur, t.center)
    months = {month_of(r[i], zone) for r in changed for i in (i_rep, i_res) if r[i] is not None}
    # Whether a ticket "failed again" (counted in its resolved month) changes only with who repeats it.
    if repeated:
        for (stamp,) in cur.execute(
            f"SELECT t.resolved_at {_BY_ID} WHERE t.resolved_at IS NOT NULL",
            (sorted(repeated), t.center),
        ).fetchall():
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
    rows = conn.execute(
        f"SELECT {names} FROM hq_months WHERE center = ANY(%s) AND month = %s", (list(codes), month.isoformat()[:7])
    ).fetchall()
    return {r[0]: Month(dict(zip(COLUMNS, r, strict=True))) for r in rows}
