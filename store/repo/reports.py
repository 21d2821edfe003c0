"""The managers' figures (docs/rules.md §8) for a period and a scope, the data of
the report charts, and the tickets behind a figure (drill down). The
arithmetic is store/rules/figures.py's; here is the SQL.

Each ticket carries its facts, worked out when it is written (store/rules/derive.py
FACTS, under the SLA policy and calendar of the live countdown), so a figure is
a SUM, a COUNT or a ranked read (row_number() over the index range, nearest
rank) over the tickets of a period: no ticket passes through Python.

Definitions (README "Reports"):
- Times exclude paused time: the working time (all of it under 24x7, the
  calendar's hours under business hours) from the report to the event, less
  that of the ticket's pauses (waiting on customer or parts) in between.
  Response and arrival are measured over the tickets *reported* in the period,
  resolution (MTTR) over those *resolved* in it.
- SLA met per clock, over the tickets reported in the period: met when the
  event came by its deadline (the countdown's: pauses and calendar included);
  missed when it came later, or has not come and the deadline had passed by
  the end of the period (or now, for the current one). Tickets still inside
  their window, and cancelled ones that never met the clock, are not counted.
- Completed within the time limit: of the tickets resolved in the period, the
  share resolved within their resolve window; resolved within 4 h likewise.
- First-time fix: of the tickets resolved in the period, the share no second
  repair was linked to (yet: one can come up to repeat_window_days later).
  Repeat faults: of the tickets opened in the period (not cancelled), the share
  that are second repairs.
- Callbacks of the tickets closed in the period (closing day, site zone):
  satisfied share and mean score over the calls that reached the reporter;
  unsatisfied and unreachable counts.
- Complaints received in the period: the share closed by its end.
  Improvement items due in the period: the share confirmed by their due day,
  over those confirmed or whose due day is over (by the end of the period, or
  today for the current one).
- Opened, closed, cancelled: by the time of each; backlog: tickets reported
  before the end of the period and neither closed nor cancelled by then.

Everything is read on the store's read connections; a ``cancel`` event set by
another thread stops the query running (SQLite's progress handler) and the
report raises ReportCancelled."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..context import Context
from ..database import Database
from ..db import explain
from ..errors import StoreError
from ..i18n import _
from ..labels import category_label
from ..rules import figures as fig
from ..rules.evaluations import day_start_utc
from ..rules.figures import Figure, Raw
from ..rules.periods import Period, Scope
from ..rules.targets import Target, targets_from
from ..timeutil import from_db, to_db
from . import inspection_figures_sql
from . import notified as notified_sql
from .settings import SettingsRepo


class ReportCancelled(StoreError):
    """The report was stopped (the user moved on)."""


@dataclass
class Report:
    period: Period
    previous: Period
    scope: Scope
    figures: list[Figure]

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


@dataclass
class Charts:
    """What the report screen draws: one entry per local day of the period,
    and breaches by site and equipment type (label, name, count)."""

    days: list[date]
    per_priority: dict[int, list[int]]  # priority -> tickets opened per day
    sla_trend: list[float | None]  # share of decided clocks met, per day reported
    breaches_site: list[tuple[int, str, int]] = field(default_factory=list)  # (site id, name, count)
    breaches_category: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class DrillRow:
    id: int
    priority: int
    status: str
    reported_at: Any
    site: str
    technician: str
    description: str


_SCOPE_SQL = {
    "center": "1",
    "team": "t.technician_id IN (SELECT id FROM technicians WHERE team_id = :sv)",
    "technician": "t.technician_id = :sv",
    "site": "t.site_id = :sv",
    "category": "t.category = :sv",
}


_REPORTED = "t.reported_at >= :s AND t.reported_at < :e AND {scope}"
_RESOLVED = "t.resolved_at >= :s AND t.resolved_at < :e AND {scope}"
_CLOCKS = ("response", "onsite", "resolve")


def _missed(clock: str) -> str:
    """Late, or not met and run out by the end of the period (or now: breached from its deadline on, as the
    countdown shows it); never a cancelled ticket's unmet clock."""
    return (f"(t.f_{clock}_ok = 0 OR (t.f_{clock}_ok IS NULL AND t.cancelled_at IS NULL"
            f" AND t.f_{clock}_late <= :capt))")


def _decided(clock: str) -> str:
    return f"(t.f_{clock}_ok IS NOT NULL OR (t.cancelled_at IS NULL AND t.f_{clock}_late <= :capt))"


_BREACHED = "(" + " OR ".join(_missed(c) for c in _CLOCKS) + ")"
_REFAILED = "EXISTS (SELECT 1 FROM tickets n WHERE n.repeat_of = t.id)"

# One pass over the tickets reported in the period (the tickets_reported index range).
_REPORTED_SUMS = (
    "SELECT COUNT(*), TOTAL(t.cancelled_at IS NULL), TOTAL(t.cancelled_at IS NULL AND t.repeat_of IS NOT NULL),"
    " COUNT(t.f_response_s), TOTAL(t.f_response_s),"
    " COUNT(CASE WHEN t.channel = 'online' THEN t.f_response_s END),"
    " TOTAL(CASE WHEN t.channel = 'online' THEN t.f_response_s END),"
    " COUNT(t.f_onsite_s), TOTAL(t.f_onsite_s), "
    + ", ".join(f"TOTAL(t.f_{c}_ok IS 1), TOTAL({_decided(c)})" for c in _CLOCKS)
    + f" FROM tickets t WHERE {_REPORTED}")
_RESOLVED_SUMS = (
    "SELECT COUNT(*), TOTAL(t.f_resolve_s), TOTAL(t.f_resolve_ok IS 1), TOTAL(t.f_resolve_s <= 14400),"
    f" TOTAL({_REFAILED}) FROM tickets t WHERE {_RESOLVED}")
# Backlog at the end: open now and reported before it, or closed / cancelled after it
# (three index ranges instead of a scan of every ticket ever reported).
_BACKLOG = (
    "SELECT t.id FROM tickets t WHERE t.is_open = 1 AND t.reported_at < :e AND {scope}"
    " UNION SELECT t.id FROM tickets t WHERE t.closed_at >= :e AND t.reported_at < :e AND {scope}"
    " UNION SELECT t.id FROM tickets t WHERE t.cancelled_at >= :e AND t.reported_at < :e AND {scope}")
# The same count without the UNION's temporary b-tree: the three sets do not
# overlap (a closed or cancelled ticket is no longer open).
_BACKLOG_COUNT = (
    "SELECT (SELECT COUNT(*) FROM tickets t WHERE t.is_open = 1 AND t.reported_at < :e AND {scope})"
    " + (SELECT COUNT(*) FROM tickets t WHERE t.closed_at >= :e AND t.reported_at < :e AND t.is_open = 0 AND {scope})"
    " + (SELECT COUNT(*) FROM tickets t WHERE t.cancelled_at >= :e AND t.reported_at < :e AND t.is_open = 0"
    " AND (t.closed_at IS NULL OR t.closed_at < :e) AND {scope})")
_CALLS = ("FROM callbacks c JOIN tickets t ON t.id = c.ticket_id"
          " WHERE c.closed_day >= :sd AND c.closed_day < :ed AND {scope}")
_COMPLAINTS = "FROM complaints k JOIN tickets t ON t.id = k.ticket_id WHERE k.received_at >= :s AND k.received_at < :e AND {scope}"
# Improvement items due in the period and decided: confirmed, or their due day
# over by the end of the period (or today, for the current one); an item still
# to be confirmed on a day to come is not late yet.
_ITEMS = ("FROM improvement_items i JOIN tickets t ON t.id = i.ticket_id"
          " WHERE i.due_date >= :sd AND i.due_date < :ed AND (i.state = 'confirmed' OR i.due_date < :capd) AND {scope}")

# The tickets behind each figure (FigureDef.drill), as the figure counts them.
_DRILL = {
    "opened": f"SELECT t.id FROM tickets t WHERE {_REPORTED}",
    "repeats": f"SELECT t.id FROM tickets t WHERE {_REPORTED} AND t.cancelled_at IS NULL AND t.repeat_of IS NOT NULL",
    "responded": f"SELECT t.id FROM tickets t WHERE {_REPORTED} AND t.f_response_s IS NOT NULL",
    "arrived": f"SELECT t.id FROM tickets t WHERE {_REPORTED} AND t.f_onsite_s IS NOT NULL",
    **{f"missed_{c}": f"SELECT t.id FROM tickets t WHERE {_REPORTED} AND {_missed(c)}" for c in _CLOCKS},
    "breached": f"SELECT t.id FROM tickets t WHERE {_REPORTED} AND {_BREACHED}",
    "resolved": f"SELECT t.id FROM tickets t WHERE {_RESOLVED}",
    "late": f"SELECT t.id FROM tickets t WHERE {_RESOLVED} AND t.f_resolve_ok = 0",
    "refailed": f"SELECT t.id FROM tickets t WHERE {_RESOLVED} AND {_REFAILED}",
    "closed": "SELECT t.id FROM tickets t WHERE t.closed_at >= :s AND t.closed_at < :e AND {scope}",
    "cancelled": "SELECT t.id FROM tickets t WHERE t.cancelled_at >= :s AND t.cancelled_at < :e AND {scope}",
    "backlog": _BACKLOG,
    "called": f"SELECT c.ticket_id {_CALLS} AND c.status = 'done'",
    "unsatisfied": f"SELECT c.ticket_id {_CALLS} AND c.status = 'done' AND c.rating = 'unsatisfied'",
    "unreachable": f"SELECT c.ticket_id {_CALLS} AND c.status = 'unreachable'",
    "complaints": f"SELECT k.ticket_id {_COMPLAINTS}",
    "items": f"SELECT i.ticket_id {_ITEMS}",
    **{k: v.format(reported=_REPORTED) for k, v in notified_sql.DRILL.items()},
}


class ReportsRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo):
        self.db, self.ctx, self.settings = db, ctx, settings

    # ------------------------------------------------------------ plumbing
    @contextmanager
    def _report_conn(self, cancel: threading.Event | None) -> Iterator[sqlite3.Connection]:
        """A read connection whose queries stop once ``cancel`` is set."""
        with self.db.reader() as conn:
            if cancel is not None:
                conn.set_progress_handler(lambda: int(cancel.is_set()), 20_000)
            try:
                yield conn
            except sqlite3.OperationalError as exc:
                if cancel is not None and cancel.is_set():
                    raise ReportCancelled(_("report cancelled")) from None
                raise explain(self.db.path, exc) from None
            finally:
                if cancel is not None:
                    conn.set_progress_handler(None, 0)

    @staticmethod
    def _check(cancel: threading.Event | None) -> None:
        if cancel is not None and cancel.is_set():
            raise ReportCancelled(_("report cancelled"))

    def _bounds(self, period: Period) -> dict[str, Any]:
        tz = self.settings.timezone
        s, e = day_start_utc(period.start, tz), day_start_utc(period.end, tz)
        cap = min(e, self.ctx.now())
        return {"s": to_db(s), "e": to_db(e), "sd": period.start.isoformat(), "ed": period.end.isoformat(),
                "cap": int(cap.timestamp()), "capt": to_db(cap), "capd": cap.in_timezone(tz).date().isoformat()}

    def report_targets(self) -> dict[str, Target]:
        return targets_from(self.settings.setting("report_targets", {}))

    # ------------------------------------------------------------- figures
    def report(self, period: Period, scope: Scope | None = None, *, previous: Period | None = None,
               cancel: threading.Event | None = None) -> Report:
        """The figures of ``period`` beside those of ``previous`` (default: the period before)."""
        scope = scope or Scope()
        before = previous or period.previous()
        # The previous period on a second read connection in a thread of its
        # own: SQLite lets go of the GIL while it steps, so the two overlap.
        with ThreadPoolExecutor(1) as pool:
            later = pool.submit(self._raw_on_own_conn, before, scope, cancel)
            try:
                with self._report_conn(cancel) as conn:
                    now = self._raw(conn, period, scope, cancel)
            except BaseException:
                if cancel is not None:
                    cancel.set()  # stops the other half too
                raise
            prev = later.result()
        return Report(period=period, previous=before, scope=scope, figures=fig.build(now, prev, self.report_targets()))

    def _raw_on_own_conn(self, period: Period, scope: Scope, cancel: threading.Event | None) -> Raw:
        with self._report_conn(cancel) as conn:
            return self._raw(conn, period, scope, cancel)

    def _dist(self, conn: sqlite3.Connection, col: str, where: str, p: dict[str, Any], n: int, total: float,
              extra: str = "") -> fig.Dist:
        """``n`` durations of ``col`` summing to ``total``, and their nearest-rank
        median and 80th percentile read by rank in SQL (one sort, no rows fetched)."""
        if not n:
            return fig.Dist()
        k50, k80 = fig.rank(50, n), fig.rank(80, n)
        at = dict(conn.execute(
            f"SELECT rn, v FROM (SELECT t.{col} AS v, row_number() OVER (ORDER BY t.{col}) AS rn FROM tickets t"
            f" WHERE {where} AND t.{col} IS NOT NULL{extra}) WHERE rn IN (:k50, :k80)",
            {**p, "k50": k50, "k80": k80}).fetchall())
        return fig.Dist(n, total, at.get(k50), at.get(k80))

    def _raw(self, conn: sqlite3.Connection, period: Period, scope: Scope, cancel: threading.Event | None) -> Raw:
        """One period's measurements: sums and counts over the stored facts (store/rules/derive.py)."""
        p = {**self._bounds(period), "sv": scope.value}
        where = _SCOPE_SQL[scope.kind]
        rep = _REPORTED.format(scope=where)
        raw = Raw()
        row = conn.execute(_REPORTED_SUMS.format(scope=where), p).fetchone()
        (raw.opened, raw.opened_not_cancelled, raw.repeats, n_resp, s_resp, n_online, s_online, n_arr, s_arr,
         *sla) = (int(v) if i not in (4, 6, 8) else v for i, v in enumerate(row))
        raw.sla = {c: (sla[2 * i], sla[2 * i + 1]) for i, c in enumerate(_CLOCKS)}
        raw.response = self._dist(conn, "f_response_s", rep, p, n_resp, s_resp)
        raw.response_online = fig.Dist(n_online, s_online)
        raw.arrive = self._dist(conn, "f_onsite_s", rep, p, n_arr, s_arr)
        raw.notified = notified_sql.period_raw(conn, rep, p)
        ins = inspection_figures_sql.period_raw(conn, scope.kind, scope.value, period, self.ctx.now(), self.settings.timezone)
        raw.inspections_on_time, raw.inspections_counted = ins.on_time, ins.counted
        raw.inspection_findings, raw.inspected, raw.inspections_missed = ins.findings, ins.inspected, len(ins.missed)
        self._check(cancel)
        n_res, s_res, raw.completed_in_time, raw.within_4h, raw.refailed = (
            int(v) if i != 1 else v for i, v in enumerate(conn.execute(_RESOLVED_SUMS.format(scope=where), p).fetchone()))
        raw.resolve = self._dist(conn, "f_resolve_s", _RESOLVED.format(scope=where), p, n_res, s_res)
        self._check(cancel)
        self._counts(conn, p, where, raw)
        return raw

    def _counts(self, conn: sqlite3.Connection, p: dict[str, Any], where: str, raw: Raw) -> None:
        def count(sql: str) -> int:
            return int(conn.execute(f"SELECT COUNT(*) FROM ({sql.format(scope=where)})", p).fetchone()[0])

        raw.closed, raw.cancelled = count(_DRILL["closed"]), count(_DRILL["cancelled"])
        raw.backlog = conn.execute(_BACKLOG_COUNT.format(scope=where), p).fetchone()[0]
        reached, score, satisfied, unsatisfied, unreachable = conn.execute(
            "SELECT TOTAL(c.status = 'done'), TOTAL(CASE WHEN c.status = 'done' THEN COALESCE(c.score, 0) END),"
            " TOTAL(c.status = 'done' AND c.rating = 'satisfied'), TOTAL(c.status = 'done' AND c.rating = 'unsatisfied'),"
            f" TOTAL(c.status = 'unreachable') {_CALLS.format(scope=where)}", p).fetchone()
        raw.calls_reached, raw.score_sum, raw.calls_satisfied = int(reached), int(score), int(satisfied)
        raw.unsatisfied, raw.unreachable = int(unsatisfied), int(unreachable)
        received, closed = conn.execute(
            f"SELECT COUNT(*), TOTAL(k.closed_at IS NOT NULL AND k.closed_at < :e) {_COMPLAINTS.format(scope=where)}",
            p).fetchone()
        raw.complaints, raw.complaints_closed = int(received), int(closed)
        # Items are few (a handful a day): on time is the confirming day in the
        # site's zone, which SQLite cannot work out.
        tz = self.settings.timezone
        for due, state, confirmed_at in conn.execute(
                f"SELECT i.due_date, i.state, i.confirmed_at {_ITEMS.format(scope=where)}", p).fetchall():
            raw.items_due += 1
            if state == "confirmed" and confirmed_at:
                local = from_db(confirmed_at).in_timezone(tz).date().isoformat()
                raw.items_on_time += local <= due

    # ------------------------------------------------ one ticket's counts
    def ticket_counts(self, period: Period, ticket_id: int, scope: Scope | None = None) -> dict[str, Any]:
        """How one ticket counts in the period's deadline figures, read with
        the figures' own tests (_REPORTED, _RESOLVED, _decided, _missed) on its
        stored facts: ``dispatch report --explain-ticket``."""
        scope = scope or Scope()
        p = {**self._bounds(period), "sv": scope.value, "id": ticket_id}
        cols = ", ".join(f"t.f_{c}_ok IS 1, {_decided(c)}, {_missed(c)}" for c in _CLOCKS)
        with self._report_conn(None) as conn:
            row = conn.execute(
                f"SELECT ({_REPORTED.format(scope='1')}), ({_RESOLVED.format(scope='1')}), t.f_resolve_ok IS 1, "
                f"t.f_resolve_s <= 14400, t.cancelled_at IS NOT NULL, {cols}, ({_SCOPE_SQL[scope.kind]})"
                " FROM tickets t WHERE t.id = :id", p).fetchone()
        if row is None:
            return {}
        out: dict[str, Any] = {"reported_in": bool(row[0]), "resolved_in": bool(row[1]),
                               "completed_in_time": bool(row[2]), "within_4h": bool(row[3]), "cancelled": bool(row[4]),
                               "cap": from_db(p["capt"]), "in_scope": bool(row[-1])}
        for i, c in enumerate(_CLOCKS):
            met, decided, missed = (bool(v) for v in row[5 + 3 * i: 8 + 3 * i])
            out[c] = "met" if met else "missed" if missed else "not_counted" if not decided else "missed"
        return out

    # --------------------------------------------------------- drill down
    def report_tickets(self, period: Period, scope: Scope | None, drill: str, *, limit: int = 500,
                       cancel: threading.Event | None = None) -> tuple[int, list[DrillRow]]:
        """The tickets behind a figure (``drill``: a FigureDef.drill word): how
        many in all, and the first ``limit`` of them by id."""
        scope = scope or Scope()
        sql = _DRILL[drill].format(scope=_SCOPE_SQL[scope.kind])
        p = {**self._bounds(period), "sv": scope.value, "limit": limit}
        with self._report_conn(cancel) as conn:
            total = conn.execute(f"SELECT COUNT(*) FROM (SELECT DISTINCT * FROM ({sql}))", p).fetchone()[0]
            wanted = [r[0] for r in conn.execute(f"SELECT DISTINCT * FROM ({sql}) ORDER BY 1 LIMIT :limit", p).fetchall()]
        return total, self.drill_rows(wanted)

    def drill_rows(self, ids: list[int]) -> list[DrillRow]:
        if not ids:
            return []
        rows = self.db.q(
            "SELECT t.id, t.priority, t.status, t.reported_at, s.name, COALESCE(tech.name, ''),"
            " substr(t.description, 1, 200) FROM tickets t JOIN sites s ON s.id = t.site_id"
            " LEFT JOIN technicians tech ON tech.id = t.technician_id"
            f" WHERE t.id IN ({', '.join('?' * len(ids))}) ORDER BY t.id", ids)
        return [DrillRow(r[0], r[1], r[2], from_db(r[3]), r[4], r[5], r[6]) for r in rows]

    # --------------------------------------------------------------- charts
    def report_charts(self, period: Period, scope: Scope | None = None, *,
                      cancel: threading.Event | None = None) -> Charts:
        """Per local day of the period: tickets opened by priority and the
        share of decided clocks met; breaches by site and equipment type. Each
        day is its own index range of tickets_reported (a day's bounds in the
        site's zone are not a fixed offset across a DST change)."""
        scope = scope or Scope()
        tz = self.settings.timezone
        days = period.each_day()
        bounds = [to_db(day_start_utc(d, tz)) for d in [*days, period.end]]
        per_priority = {p: [0] * len(days) for p in (1, 2, 3, 4)}
        met = [[0, 0] for _ in days]
        where = _SCOPE_SQL[scope.kind]
        p = {**self._bounds(period), "sv": scope.value}
        values = ", ".join(f"({i}, :d{i}, :d{i + 1})" for i in range(len(days)))
        p.update({f"d{i}": b for i, b in enumerate(bounds)})
        with self._report_conn(cancel) as conn:
            for i, prio, n, ok, decided in conn.execute(
                    f"WITH d(i, s, e) AS (VALUES {values})"
                    f" SELECT d.i, t.priority, COUNT(*), {' + '.join(f'TOTAL(t.f_{c}_ok IS 1)' for c in _CLOCKS)},"
                    f" {' + '.join(f'TOTAL({_decided(c)})' for c in _CLOCKS)}"
                    f" FROM d JOIN tickets t ON t.reported_at >= d.s AND t.reported_at < d.e WHERE {where}"
                    " GROUP BY d.i, t.priority", p):
                per_priority.setdefault(prio, [0] * len(days))[i] += n
                met[i][0] += int(ok)
                met[i][1] += int(decided)
            self._check(cancel)
            breached = f"WHERE {_REPORTED.format(scope=where)} AND {_BREACHED}"
            by_site = conn.execute(
                "SELECT t.site_id, COALESCE(s.name, '?'), COUNT(*) FROM tickets t LEFT JOIN sites s ON s.id = t.site_id"
                f" {breached} GROUP BY t.site_id ORDER BY COUNT(*) DESC, t.site_id", p).fetchall()
            by_cat = conn.execute(f"SELECT t.category, COUNT(*) FROM tickets t {breached}"
                                  " GROUP BY t.category ORDER BY COUNT(*) DESC, t.category", p).fetchall()
        return Charts(
            days=days, per_priority=per_priority, sla_trend=[fig.share(m, d) for m, d in met],
            breaches_site=[(k, name, n) for k, name, n in by_site], breaches_category=[(c, n) for c, n in by_cat])

    # ---------------------------------------------------------- scope lists
    def scope_choices(self, kind: str) -> list[tuple[int | str, str]]:
        """What a scope of ``kind`` can name: (value, name), by name."""
        if kind == "team":
            return [(r[0], r[1]) for r in self.db.q("SELECT id, name FROM teams ORDER BY name")]
        if kind == "technician":
            return [(r[0], r[1]) for r in self.db.q("SELECT id, name FROM technicians ORDER BY name")]
        if kind == "site":
            return [(r[0], r[1]) for r in self.db.q("SELECT id, name FROM sites ORDER BY name")]
        if kind == "category":
            # The code is the key; the name shown is the category's, in the language in use.
            return [(r[0], category_label(r[0]))
                    for r in self.db.q("SELECT DISTINCT category FROM equipment ORDER BY category")]
        return []
