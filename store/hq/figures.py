"""The managers' figures (docs/rules.md §Reports) of every center at the head
office, computed in PostgreSQL from the shipped facts (store/hq/schema.py's
mirror tables: each center's rows with a leading ``center``).

The same SQL tests as a center's own report (store/repo/reports.py), written
for PostgreSQL, and the same arithmetic (store/rules/figures.py ``Raw`` →
``build``), so a center's figures at the head office are exactly those of its
own ``dispatch report``. Each center's period is its own: its month in its
own zone (the ``settings`` the center shipped), cut at the end of the period
or now for the current one. The bounds ride along as one small table (``b``)
joined on the center, so every center is one GROUP BY of the same pass.

The company's figures are the same formulas over the summed facts: counts
and totals add up; medians and 80th percentiles are read by rank over all
the centers' values together (never a mean of the centers' medians)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from typing import Any

import pendulum
from pendulum import DateTime

from ..rules import figures as fig
from ..rules.figures import Figure, Raw
from ..rules.inspection_days import visit_key
from ..rules.inspection_figures import (
    FAULT_WINDOW_DAYS,
    FaultReport,
    Inspected,
    VisitRecord,
    done_on_time,
    findings_per_category,
    missed,
)
from ..rules.notified import TARGET_S, NotifiedRaw
from ..rules.periods import Period
from ..rules.targets import Target, targets_from
from ..timeutil import day_start_utc, from_db, to_db
from . import summary

COMPANY = ""  # the key of the company's column beside the centers' codes
CLOCKS = ("response", "onsite", "resolve")

# Each center's bounds (its zone): joined on the center, as reports.py's :s, :e, :capt …
BOUNDS = ("WITH b(center, s, e, sd, ed, capt, capd) AS (SELECT * FROM unnest("
           "%(c)s::text[], %(s)s::text[], %(e)s::text[], %(sd)s::text[], %(ed)s::text[], %(capt)s::text[],"
           " %(capd)s::text[])) ")
REPORTED = "t.reported_at >= b.s AND t.reported_at < b.e"
_RESOLVED = "t.resolved_at >= b.s AND t.resolved_at < b.e"


def _missed(clock: str) -> str:
    return (f"(t.f_{clock}_ok = 0 OR (t.f_{clock}_ok IS NULL AND t.cancelled_at IS NULL"
            f" AND t.f_{clock}_late <= b.capt))")


def decided(clock: str) -> str:
    return f"(t.f_{clock}_ok IS NOT NULL OR (t.cancelled_at IS NULL AND t.f_{clock}_late <= b.capt))"


def over(cond: str) -> str:
    """FROM the tickets of each center in ``b`` meeting ``cond``: a LATERAL
    subquery per center, so each is an index range of (center, time) (joined
    on the center instead, PostgreSQL read every ticket of every center)."""
    # OFFSET 0 keeps the subquery whole: pulled up into a join, it is the hash join again.
    return f"FROM b CROSS JOIN LATERAL (SELECT * FROM tickets t WHERE t.center = b.center AND {cond} OFFSET 0) t"


def sums_of(select: str, cond: str) -> str:
    """``select`` (aggregates) over each center's tickets meeting ``cond``, one row per center of ``b``:
    the aggregate inside the LATERAL subquery, so there is no GROUP BY to sort the rows for."""
    return (f"SELECT b.center, x.* FROM b CROSS JOIN LATERAL (SELECT {select} FROM tickets t"
            f" WHERE t.center = b.center AND {cond}) x")


def _n(cond: str) -> str:
    return f"COUNT(*) FILTER (WHERE {cond})"


BREACHED = "(" + " OR ".join(_missed(c) for c in CLOCKS) + ")"
# Seconds from report to delivery (store/repo/notified.py DELAY): both stored to the second.
_DELAY = "round(extract(epoch FROM (t.notified_at::timestamptz - t.reported_at::timestamptz)))"
_COUNTED = f"{REPORTED} AND (t.cancelled_at IS NULL OR t.notified_at IS NOT NULL)"
# Why a ticket was never told (store/repo/notified.py _REASON): its assignment messages' states. The
# outbox is not shipped (its messages carry addresses and text); its undelivered assignment messages are,
# ticket and state only (hq_undelivered, store/hq/ship.py): no row there is "no address", as at the center.
_ASSIGNMENT = ("FROM hq_undelivered o WHERE o.center = t.center AND o.ticket_id = t.id"
               " AND o.center = ANY(%(fresh)s::text[])")
_REASON = (f"CASE WHEN t.technician_id IS NULL THEN 'unassigned' WHEN EXISTS (SELECT 1 {_ASSIGNMENT}"
           f" AND o.state = 'pending') THEN 'waiting' WHEN EXISTS (SELECT 1 {_ASSIGNMENT} AND o.state = 'failed')"
           " THEN 'failed' ELSE 'no_address' END")
_REFAILED = "EXISTS (SELECT 1 FROM tickets n WHERE n.center = t.center AND n.repeat_of = t.id)"

_REPORTED_SUMS = sums_of(
    "COUNT(*), " + _n("t.cancelled_at IS NULL") + ", "
    + _n("t.cancelled_at IS NULL AND t.repeat_of IS NOT NULL") + ","
    " COUNT(t.f_response_s), COALESCE(SUM(t.f_response_s), 0),"
    " COUNT(t.f_response_s) FILTER (WHERE t.channel = 'online'),"
    " COALESCE(SUM(t.f_response_s) FILTER (WHERE t.channel = 'online'), 0),"
    " COUNT(t.f_onsite_s), COALESCE(SUM(t.f_onsite_s), 0), "
    + ", ".join(f"{_n(f't.f_{c}_ok = 1')}, {_n(decided(c))}" for c in CLOCKS)
, REPORTED)
_RESOLVED_SUMS = sums_of(
    "COUNT(*), COALESCE(SUM(t.f_resolve_s), 0), " + _n("t.f_resolve_ok = 1") + ", "
    + _n("t.f_resolve_s <= 14400") + ", " + _n(_REFAILED), _RESOLVED)
_NOTIFIED_SUMS = sums_of(
    f"COUNT(*), COUNT(t.notified_at), COALESCE(SUM({_DELAY}), 0), {_n(f'{_DELAY} <= {TARGET_S}')}", _COUNTED)
_NOT_NOTIFIED = f"SELECT t.center, {_REASON}, COUNT(*) " + over(f"{_COUNTED} AND t.notified_at IS NULL") + " GROUP BY 1, 2"
# The month summaries count every assigned ticket never told as "no address" (summary.py Acc.reported): those
# with an undelivered message are few, counted here by why (each ticket's messages: one pending, "waiting";
# else "failed") and moved out of "no address" when read (``_moved``).
# The period's messages by the report time kept beside them (hq_undelivered_reported), then their tickets.
_UNTOLD = (
    "SELECT t.center, w.why, COUNT(*) FROM (SELECT o.center, o.ticket_id,"
    " CASE WHEN bool_or(o.state = 'pending') THEN 'waiting' ELSE 'failed' END AS why"
    " FROM b JOIN hq_undelivered o ON o.center = b.center AND o.reported_at >= b.s AND o.reported_at < b.e"
    " AND o.center = ANY(%(fresh)s::text[])"
    " GROUP BY o.center, o.ticket_id) w"
    " JOIN b ON b.center = w.center JOIN tickets t ON t.center = w.center AND t.id = w.ticket_id"
    f" WHERE {_COUNTED} AND t.notified_at IS NULL AND t.technician_id IS NOT NULL GROUP BY 1, 2")
# Backlog at the end as reports.py _BACKLOG_COUNT: open now, or closed / cancelled
# after the end, each its own index range (tickets_open, tickets_closed_at,
# tickets_cancelled_at), never a pass over every ticket reported before it.
_COUNTS = (
    "SELECT b.center,"
    " (SELECT COUNT(*) FROM tickets t WHERE t.center = b.center AND t.closed_at >= b.s AND t.closed_at < b.e),"
    " (SELECT COUNT(*) FROM tickets t WHERE t.center = b.center AND t.cancelled_at >= b.s AND t.cancelled_at < b.e),"
    " (SELECT COUNT(*) FROM tickets t WHERE t.center = b.center AND t.is_open = 1 AND t.reported_at < b.e)"
    " + (SELECT COUNT(*) FROM tickets t WHERE t.center = b.center AND t.closed_at >= b.e AND t.reported_at < b.e"
    "    AND t.is_open = 0)"
    " + (SELECT COUNT(*) FROM tickets t WHERE t.center = b.center AND t.cancelled_at >= b.e AND t.reported_at < b.e"
    "    AND t.is_open = 0 AND (t.closed_at IS NULL OR t.closed_at < b.e))"
    " FROM b")
_CALLS = (
    "SELECT c.center, " + _n("c.status = 'done'") + ", COALESCE(SUM(COALESCE(c.score, 0)) FILTER"
    " (WHERE c.status = 'done'), 0), " + _n("c.status = 'done' AND c.rating = 'satisfied'") + ", "
    + _n("c.status = 'done' AND c.rating = 'unsatisfied'") + ", " + _n("c.status = 'unreachable'")
    + " FROM callbacks c JOIN b ON b.center = c.center JOIN tickets t ON t.center = c.center AND t.id = c.ticket_id"
    " WHERE c.closed_day >= b.sd AND c.closed_day < b.ed GROUP BY c.center")
_COMPLAINTS = (
    "SELECT k.center, COUNT(*), " + _n("k.closed_at IS NOT NULL AND k.closed_at < b.e")
    + " FROM complaints k JOIN b ON b.center = k.center JOIN tickets t ON t.center = k.center AND t.id = k.ticket_id"
    " WHERE k.received_at >= b.s AND k.received_at < b.e GROUP BY k.center")
_ITEMS = (
    "SELECT i.center, i.due_date, i.state, i.confirmed_at FROM improvement_items i JOIN b ON b.center = i.center"
    " JOIN tickets t ON t.center = i.center AND t.id = i.ticket_id"
    " WHERE i.due_date >= b.sd AND i.due_date < b.ed AND (i.state = 'confirmed' OR i.due_date < b.capd)")


@dataclass(frozen=True)
class Center:
    """One center as the head office knows it: its code, zone and targets
    (from the settings it shipped), and when it last shipped."""

    code: str
    timezone: str = "UTC"
    targets: dict[str, Target] = field(default_factory=dict)
    shipped_at: DateTime | None = None


@dataclass
class CompanyReport:
    """One period's figures per center (by code) and for the company (COMPANY)."""

    period: Period
    previous: Period
    centers: list[Center]
    figures: dict[str, list[Figure]]

    def figure(self, center: str, key: str) -> Figure:
        return next(f for f in self.figures[center] if f.key == key)


def centers(conn: Any, only: str | None = None) -> list[Center]:
    """The centers that shipped, by code, with their zone and report targets."""
    rows = conn.execute("SELECT code, last_shipped_at FROM centers WHERE %(c)s::text IS NULL OR code = %(c)s"
                        " ORDER BY code", {"c": only}).fetchall()
    settings: dict[tuple[str, str], Any] = {
        (r[0], r[1]): json.loads(r[2]) for r in conn.execute(
            "SELECT center, key, value FROM settings WHERE key IN ('timezone', 'report_targets')").fetchall()}
    return [Center(code, str(settings.get((code, "timezone"), "UTC")),
                   targets_from(settings.get((code, "report_targets"), {})),
                   pendulum.instance(at).in_timezone("UTC") if at else None)
            for code, at in rows]


def bounds_of(cs: list[Center], period: Period, now: DateTime) -> dict[str, Any]:
    """reports.py _bounds per center, as arrays for BOUNDS."""
    out: dict[str, list[str]] = {k: [] for k in ("c", "s", "e", "sd", "ed", "capt", "capd")}
    for c in cs:
        s, e = day_start_utc(period.start, c.timezone), day_start_utc(period.end, c.timezone)
        cap = min(e, now)
        for k, v in (("c", c.code), ("s", to_db(s)), ("e", to_db(e)), ("sd", period.start.isoformat()),
                     ("ed", period.end.isoformat()), ("capt", to_db(cap)),
                     ("capd", cap.in_timezone(c.timezone).date().isoformat())):
            out[k].append(v)
    return out


def _dists(conn: Any, value: str, where: str, p: dict[str, Any], ns: dict[str, int],
           ranks: tuple[int, ...]) -> dict[str, dict[int, float]]:
    """The values at the nearest ranks ``ranks`` (percentiles) of ``value``
    over the rows of ``where``, per center and for the company (COMPANY), in one
    sort: the ranks come from figures.rank, so the formula stays there."""
    want = [(c, fig.rank(r, n)) for c, n in ns.items() if n for r in ranks]
    if not want:
        return {}
    rows = conn.execute(
        BOUNDS + f", v AS (SELECT t.center, {value} AS v {over(f'{where} AND {value} IS NOT NULL')}),"
        " r AS (SELECT center, v, row_number() OVER (PARTITION BY center ORDER BY v) AS rn,"
        " row_number() OVER (ORDER BY v) AS crn FROM v),"
        # The few rows at a wanted rank first (a join on "rank or company rank" walked every row for each).
        " hit AS (SELECT * FROM r WHERE rn = ANY(%(ks)s::int[]) OR crn = ANY(%(cks)s::int[])),"
        " w(center, k) AS (SELECT * FROM unnest(%(wc)s::text[], %(wk)s::int[]))"
        " SELECT w.center, w.k, hit.v FROM w JOIN hit ON (w.center = hit.center AND w.k = hit.rn)"
        f" OR (w.center = '{COMPANY}' AND w.k = hit.crn)",
        {**p, "wc": [c for c, _k in want], "wk": [k for _c, k in want],
         "ks": sorted({k for c, k in want if c != COMPANY}), "cks": [k for c, k in want if c == COMPANY]}).fetchall()
    out: dict[str, dict[int, float]] = {}
    for c, k, v in rows:
        out.setdefault(c, {})[k] = float(v)
    return out


def _dist(at: dict[str, dict[int, float]], c: str, n: int, total: float) -> fig.Dist:
    if not n:
        return fig.Dist()
    got = at.get(c, {})
    return fig.Dist(n, total, got.get(fig.rank(50, n)), got.get(fig.rank(80, n)))


def period_raws(conn: Any, cs: list[Center], period: Period, now: DateTime) -> dict[str, Raw]:
    """Each center's Raw for ``period`` (its own month in its own zone), and the company's (COMPANY)."""
    p = bounds_of(cs, period, now) | {"fresh": _fresh(conn, [c.code for c in cs])}
    raws = {c.code: Raw() for c in cs}
    months = _summaries(conn, cs, period)
    if months is None:
        notified, company = _passes(conn, p, cs, raws)
    else:
        notified, company = _from_summaries(months, p, cs, raws, _moved(conn, p))
    for c in cs:
        raws[c.code].notified = notified[c.code]
    _fill_counts(conn, p, cs, raws, months)
    _fill_inspections(conn, cs, period, now, raws)
    raws[COMPANY] = _sum(company, [raws[c.code] for c in cs])
    return raws


def _summaries(conn: Any, cs: list[Center], period: Period) -> dict[str, summary.Month] | None:
    """The centers' rows of a calendar month (store/hq/summary.py), or None: another period, a center
    whose summaries are behind its head (an older shipper), or made in another zone than the center's
    (then the passes over the tickets answer)."""
    if period.kind != "month" or not cs:
        return None
    if not summary.current(conn, [c.code for c in cs]):
        return None
    got = summary.read(conn, [c.code for c in cs], period.start)
    if any(m.row["zone"] != c.timezone for c in cs if (m := got.get(c.code)) is not None):
        return None
    out = {c.code: got.get(c.code) or summary.Month.empty(c.timezone) for c in cs}
    for code, n in summary.backlogs(conn, out, period.start).items():
        out[code].backlog = n
    return out


def _at(ordered: Any, n: int, p: float) -> float | None:
    """The nearest-rank ``p`` of ``n`` values out of the sorted ones (None: not there, as the SQL's rank join)."""
    k = fig.rank(p, n)
    return float(ordered[k - 1]) if n and k <= len(ordered) else None


def _fresh(conn: Any, codes: list[str]) -> list[str]:
    """The centers whose undelivered messages were sent at the head the head office holds: a shipper of a
    dispatch from before step 0004 moves the head and leaves the set as it was (then read as "no address")."""
    return [r[0] for r in conn.execute(
        "SELECT h.center FROM hq_undelivered_heads h JOIN centers c ON c.code = h.center"
        " AND c.last_event_id = h.last_event_id WHERE h.center = ANY(%s)", (codes,)).fetchall()]


def _moved(conn: Any, p: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per center, the tickets of the period never told that a month summary counts as "no address" but
    whose messages are waiting or failed (_UNTOLD): {center: {reason: n}}."""
    out: dict[str, dict[str, int]] = {}
    for code, why, n in conn.execute(BOUNDS + _UNTOLD, p).fetchall():
        out.setdefault(code, {})[why] = int(n)
    return out


def _from_summaries(months: dict[str, summary.Month], p: dict[str, Any], cs: list[Center], raws: dict[str, Raw],
                    moved: dict[str, dict[str, int]]) -> tuple[dict[str, NotifiedRaw], dict[str, Any]]:
    """What _passes reads over the tickets, from each center's month row; the company's ranks from
    the centers' sorted values together (exact: the same multiset as the SQL's ORDER BY). ``moved``:
    the tickets to count as waiting or failed instead of "no address" (``_moved``)."""
    sums: dict[str, dict[str, tuple[int, float]]] = {}
    notified: dict[str, NotifiedRaw] = {}
    ordered: dict[str, dict[str, Any]] = {}
    for i, c in enumerate(cs):
        m, raw = months[c.code], raws[c.code]
        raw.opened, raw.opened_not_cancelled, raw.repeats = m.n("opened"), m.n("not_cancelled"), m.n("repeats")
        raw.sla = {k: (m.ok(k), m.decided(k, p["capt"][i])) for k in CLOCKS}
        raw.response_online = fig.Dist(m.n("online_n"), m.total("online_sum"))
        raw.completed_in_time, raw.within_4h, raw.refailed = m.n("resolve_ok"), m.n("within_4h"), m.n("refailed")
        sums[c.code] = {"response": (m.n("response_n"), m.total("response_sum")),
                        "onsite": (m.n("onsite_n"), m.total("onsite_sum")),
                        "resolve": (m.n("resolved_n"), m.total("resolve_sum"))}
        notified[c.code] = NotifiedRaw(counted=m.n("counted"), n=m.n("notified_n"), total=m.total("notified_sum"),
                                       within=m.n("notified_within"))
        never = notified[c.code].never
        never.update(m.row["never"])
        for why, n in moved.get(c.code, {}).items():
            never[why] = never.get(why, 0) + n
            never["no_address"] = never.get("no_address", 0) - n
        if never.get("no_address") == 0:  # (as the passes: a reason no ticket has is not there)
            del never["no_address"]
        ordered[c.code] = {k: m.values(k) for k in ("response", "onsite", "resolve", "notified")}
    company = _company(raws, sums, notified)
    for col, attr in (("response", "response"), ("onsite", "arrive"), ("resolve", "resolve")):
        for code, s in sums.items():
            n, total = s[col]
            setattr(raws[code], attr, fig.Dist(n, total, _at(ordered[code][col], n, 50), _at(ordered[code][col], n, 80))
                    if n else fig.Dist())
        n, total = company[col]
        every = sorted(chain.from_iterable(o[col] for o in ordered.values()))  # sorted runs: a merge
        company[attr] = fig.Dist(n, total, _at(every, n, 50), _at(every, n, 80)) if n else fig.Dist()
    for code, x in notified.items():
        x.median = _at(ordered[code]["notified"], x.n, 50)
    nr = company["notified"]
    nr.median = _at(sorted(chain.from_iterable(o["notified"] for o in ordered.values())), nr.n, 50)
    return notified, company


def _passes(conn: Any, p: dict[str, Any], cs: list[Center],
            raws: dict[str, Raw]) -> tuple[dict[str, NotifiedRaw], dict[str, Any]]:
    """The reported, resolved and notified figures by passes over the mirrored tickets (any period)."""
    sums: dict[str, dict[str, tuple[int, float]]] = {c.code: {} for c in cs}
    for r in conn.execute(BOUNDS + _REPORTED_SUMS, p).fetchall():
        raw, (n_resp, s_resp, n_online, s_online, n_arr, s_arr) = raws[r[0]], r[4:10]
        raw.opened, raw.opened_not_cancelled, raw.repeats = int(r[1]), int(r[2]), int(r[3])
        raw.sla = {c: (int(r[10 + 2 * i]), int(r[11 + 2 * i])) for i, c in enumerate(CLOCKS)}
        raw.response_online = fig.Dist(int(n_online), float(s_online))
        sums[r[0]].update(response=(int(n_resp), float(s_resp)), onsite=(int(n_arr), float(s_arr)))
    for r in conn.execute(BOUNDS + _RESOLVED_SUMS, p).fetchall():
        raw = raws[r[0]]
        raw.completed_in_time, raw.within_4h, raw.refailed = int(r[3]), int(r[4]), int(r[5])
        sums[r[0]]["resolve"] = (int(r[1]), float(r[2]))
    notified = {c.code: NotifiedRaw() for c in cs}
    for r in conn.execute(BOUNDS + _NOTIFIED_SUMS, p).fetchall():
        notified[r[0]] = NotifiedRaw(counted=int(r[1]), n=int(r[2]), total=float(r[3]), within=int(r[4]))
    for code, why, count in conn.execute(BOUNDS + _NOT_NOTIFIED, p).fetchall():
        notified[code].never[why] = int(count)
    company = _company(raws, sums, notified)
    _fill_dists(conn, p, raws, sums, notified, company)
    return notified, company


def _company(raws: dict[str, Raw], sums: dict[str, dict[str, tuple[int, float]]],
             notified: dict[str, NotifiedRaw]) -> dict[str, Any]:
    """The company's counts and totals of the durations (their ranks are read after)."""
    out: dict[str, Any] = {}
    for col in ("response", "onsite", "resolve"):
        out[col] = (sum(s.get(col, (0, 0.0))[0] for s in sums.values()), sum(s.get(col, (0, 0.0))[1] for s in sums.values()))
    nr = NotifiedRaw()
    for x in notified.values():
        nr.counted, nr.n, nr.total, nr.within = nr.counted + x.counted, nr.n + x.n, nr.total + x.total, nr.within + x.within
        for k, v in x.never.items():
            nr.never[k] = nr.never.get(k, 0) + v
    out["notified"] = nr
    return out


def _fill_dists(conn: Any, p: dict[str, Any], raws: dict[str, Raw], sums: dict[str, dict[str, tuple[int, float]]],
                notified: dict[str, NotifiedRaw], company: dict[str, Any]) -> None:
    for col, where, attr in (("response", REPORTED, "response"), ("onsite", REPORTED, "arrive"),
                             ("resolve", _RESOLVED, "resolve")):
        ns = {c: s.get(col, (0, 0.0))[0] for c, s in sums.items()} | {COMPANY: company[col][0]}
        at = _dists(conn, f"t.f_{col}_s", where, p, ns, (50, 80))
        for c, s in sums.items():
            n, total = s.get(col, (0, 0.0))
            setattr(raws[c], attr, _dist(at, c, n, total))
        company[attr] = _dist(at, COMPANY, *company[col])
    ns = {c: x.n for c, x in notified.items()} | {COMPANY: company["notified"].n}
    at = _dists(conn, _DELAY, f"{_COUNTED} AND t.notified_at IS NOT NULL", p, ns, (50,))
    for c, x in [*notified.items(), (COMPANY, company["notified"])]:
        x.median = at.get(c, {}).get(fig.rank(50, x.n)) if x.n else None


def _fill_counts(conn: Any, p: dict[str, Any], cs: list[Center], raws: dict[str, Raw],
                 months: dict[str, summary.Month] | None = None) -> None:
    if months is not None:
        for code, m in months.items():
            raws[code].closed, raws[code].cancelled, raws[code].backlog = m.n("closed_n"), m.n("cancelled_n"), m.backlog
    else:
        for code, closed, cancelled, backlog in conn.execute(BOUNDS + _COUNTS, p).fetchall():
            raws[code].closed, raws[code].cancelled, raws[code].backlog = int(closed), int(cancelled), int(backlog)
    for code, reached, score, satisfied, unsatisfied, unreachable in conn.execute(BOUNDS + _CALLS, p).fetchall():
        raw = raws[code]
        raw.calls_reached, raw.score_sum, raw.calls_satisfied = int(reached), int(score), int(satisfied)
        raw.unsatisfied, raw.unreachable = int(unsatisfied), int(unreachable)
    for code, received, closed in conn.execute(BOUNDS + _COMPLAINTS, p).fetchall():
        raws[code].complaints, raws[code].complaints_closed = int(received), int(closed)
    # Items are few: on time is the confirming day in the center's zone (as reports.py).
    zones = {c.code: c.timezone for c in cs}
    for code, due, state, confirmed_at in conn.execute(BOUNDS + _ITEMS, p).fetchall():
        raw = raws[code]
        raw.items_due += 1
        if state == "confirmed" and confirmed_at:
            raw.items_on_time += from_db(confirmed_at).in_timezone(zones[code]).date().isoformat() <= due


def _fill_inspections(conn: Any, cs: list[Center], period: Period, now: DateTime, raws: dict[str, Raw]) -> None:
    """store/repo/inspection_figures_sql.py for every center at once: visits are few, the pure rules
    decide in each center's zone. The inspected pieces and the faults are read over the widest window
    of the centers' zones; the rules keep each center's own (its period's days, 30 days after)."""
    if not cs:
        return
    starts = [day_start_utc(period.start, c.timezone) for c in cs]
    ends = [day_start_utc(period.end, c.timezone) for c in cs]
    lo, hi = to_db(min(starts).subtract(days=1)), to_db(max(ends).add(days=1))
    until = to_db(max(ends).add(days=FAULT_WINDOW_DAYS + 1))
    codes = [c.code for c in cs]
    visits: dict[str, list[VisitRecord]] = {code: [] for code in codes}
    for code, plan, due, done_at in conn.execute(
            "SELECT v.center, v.plan_id, v.due, v.done_at FROM inspection_visits v JOIN inspection_plans p"
            " ON p.center = v.center AND p.id = v.plan_id WHERE v.center = ANY(%s) AND v.due >= %s AND v.due < %s",
            (codes, period.start.isoformat(), period.end.isoformat())).fetchall():
        visits[code].append(VisitRecord(visit_key(plan, date.fromisoformat(due)), date.fromisoformat(due),
                                        from_db(done_at) if done_at else None))
    done: dict[str, list[Inspected]] = {code: [] for code in codes}
    for code, plan, due, equipment, category, at, findings in conn.execute(
            "SELECT x.center, v.plan_id, v.due, x.equipment_id, x.category, x.at, x.findings FROM inspection_results x"
            " JOIN inspection_visits v ON v.center = x.center AND v.id = x.visit_id"
            " WHERE x.center = ANY(%s) AND x.at >= %s AND x.at < %s", (codes, lo, hi)).fetchall():
        done[code].append(Inspected(visit_key(plan, date.fromisoformat(due)), equipment, category, from_db(at), findings))
    pieces = sorted({(code, x.equipment_id) for code in codes for x in done[code]})
    faults: dict[str, list[FaultReport]] = {code: [] for code in codes}
    if pieces:
        for code, tid, equipment, reported, plan, due in conn.execute(
                "SELECT t.center, t.id, t.equipment_id, t.reported_at, v.plan_id, v.due FROM tickets t"
                " LEFT JOIN inspection_findings f ON f.center = t.center AND f.ticket_id = t.id"
                " LEFT JOIN inspection_visits v ON v.center = f.center AND v.id = f.visit_id"
                " WHERE (t.center, t.equipment_id) IN (SELECT * FROM unnest(%s::text[], %s::bigint[]))"
                " AND t.reported_at >= %s AND t.reported_at < %s",
                ([c for c, _e in pieces], [e for _c, e in pieces], lo, until)).fetchall():
            faults[code].append(FaultReport(tid, equipment, from_db(reported),
                                            visit_key(plan, date.fromisoformat(due)) if plan else None))
    for c in cs:
        raw, tz = raws[c.code], c.timezone
        raw.inspections_on_time, raw.inspections_counted = done_on_time(visits[c.code], period, now, tz)
        per_category = findings_per_category(done[c.code], period, tz)
        raw.inspection_findings = sum(f for f, _n in per_category.values())
        raw.inspected = sum(n for _f, n in per_category.values())
        if done[c.code]:
            raw.inspections_missed = len(missed(done[c.code], faults[c.code], period, tz))


def _sum(company: dict[str, Any], raws: list[Raw]) -> Raw:
    """The company's Raw: the centers' counts added, its durations ranked over all of them."""
    out = Raw(response=company["response"], arrive=company["arrive"], resolve=company["resolve"],
              notified=company["notified"])
    online = [r.response_online for r in raws]
    out.response_online = fig.Dist(sum(d.n for d in online), sum(d.total for d in online))
    out.sla = {c: (sum(r.sla.get(c, (0, 0))[0] for r in raws), sum(r.sla.get(c, (0, 0))[1] for r in raws))
               for c in CLOCKS}
    for name in ("completed_in_time", "within_4h", "refailed", "repeats", "opened_not_cancelled", "calls_reached",
                 "calls_satisfied", "score_sum", "unsatisfied", "unreachable", "complaints", "complaints_closed",
                 "items_due", "items_on_time", "opened", "closed", "cancelled", "backlog", "inspections_on_time",
                 "inspections_counted", "inspection_findings", "inspected", "inspections_missed"):
        setattr(out, name, sum(getattr(r, name) for r in raws))
    return out


def company_report(conn: Any, period: Period, now: DateTime, *, center: str | None = None,
                   previous: Period | None = None) -> CompanyReport:
    """Every center's figures for ``period`` beside ``previous`` (default: the
    period before), and the company's; ``center``: that one only (the company is then that center).
    The company has no targets of its own: a figure's target is shown where all the centers share it."""
    cs = centers(conn, center)
    before = previous or period.previous()
    now_raws, prev_raws = period_raws(conn, cs, period, now), period_raws(conn, cs, before, now)
    figures = {c.code: fig.build(now_raws[c.code], prev_raws[c.code], c.targets) for c in cs}
    shared = {k: t for k, t in (cs[0].targets if cs else {}).items() if all(c.targets.get(k) == t for c in cs)}
    figures[COMPANY] = fig.build(now_raws[COMPANY], prev_raws[COMPANY], shared)
    return CompanyReport(period=period, previous=before, centers=cs, figures=figures)
