"""The managers' figures (docs/rules.md §8) for a period and a scope, the data of
the report charts, and the tickets behind a figure (drill down). The
arithmetic is store/figures.py's; here is the SQL.

Definitions (README "Reports"):
- Times exclude paused time: the seconds from the report to the event, less
  the seconds of the ticket's pauses (waiting on customer or parts) that fall
  in between, wall clock. Response and arrival are measured over the tickets
  *reported* in the period, resolution (MTTR) over those *resolved* in it.
- SLA met per clock, over the tickets reported in the period: met when the
  event came within the priority's window (pauses excluded); missed when it
  came later, or has not come and the window had run out by the end of the
  period (or now, for the current one). Tickets still inside their window, and
  cancelled ones that never met the clock, are not counted.
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
  Improvement items due in the period: the share confirmed by their due day.
- Opened, closed, cancelled: by the time of each; backlog: tickets reported
  before the end of the period and neither closed nor cancelled by then.

Everything is read on the store's read connections; a ``cancel`` event set by
another thread stops the query running (SQLite's progress handler) and the
report raises ReportCancelled."""

from __future__ import annotations

import bisect
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import figures as fig
from ..base import StoreBase
from ..db import explain
from ..errors import StoreError
from ..evaluations import day_start_utc
from ..figures import Figure, Period, Raw, Scope
from ..i18n import _
from ..timeutil import from_db, to_db


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


def _paused(a: str, b: str) -> str:
    """Paused seconds of ticket ``c.id`` between epochs ``a`` and ``b`` (an open pause runs to :cap)."""
    # Most tickets never wait: c.held (one index probe) spares them the sum.
    return (f"(CASE WHEN c.held THEN (SELECT COALESCE(SUM(MAX(0, MIN(unixepoch(COALESCE(p.ended_at, :capt)), {b})"
            f" - MAX(unixepoch(p.started_at), {a}))), 0) FROM pauses p WHERE p.ticket_id = c.id) ELSE 0 END)")


def _active(event: str) -> str:
    """Seconds from the report to ``event`` (or to :cap when it has not happened), pauses excluded."""
    x = f"COALESCE({event}, :cap)"
    return f"({x} - c.r - {_paused('c.r', x)})"


_REPORTED = f"""
WITH c AS (
  SELECT t.id, t.priority, t.channel, t.status, t.site_id, t.category, t.repeat_of,
    unixepoch(t.reported_at) AS r, unixepoch(t.first_response_at) AS fr, unixepoch(t.arrived_at) AS ar,
    unixepoch(t.resolved_at) AS rv, t.cancelled_at IS NOT NULL AS cx,
    p.response_min * 60 AS wr, p.onsite_min * 60 AS wo, p.resolve_min * 60 AS wv,
    EXISTS (SELECT 1 FROM pauses q WHERE q.ticket_id = t.id) AS held
  FROM tickets t JOIN sla_policy p ON p.priority = t.priority
  WHERE t.reported_at >= :s AND t.reported_at < :e AND {{scope}})
SELECT id, priority, channel, site_id, category, repeat_of, cx, r,
  fr IS NOT NULL, {_active('c.fr')}, wr,
  ar IS NOT NULL, {_active('c.ar')}, wo,
  rv IS NOT NULL, {_active('c.rv')}, wv
FROM c
"""

_RESOLVED = f"""
WITH c AS (
  SELECT t.id, unixepoch(t.reported_at) AS r, unixepoch(t.resolved_at) AS rv, p.resolve_min * 60 AS wv,
    EXISTS (SELECT 1 FROM pauses q WHERE q.ticket_id = t.id) AS held
  FROM tickets t JOIN sla_policy p ON p.priority = t.priority
  WHERE t.resolved_at >= :s AND t.resolved_at < :e AND {{scope}})
SELECT id, {_active('c.rv')}, wv, EXISTS (SELECT 1 FROM tickets n WHERE n.repeat_of = c.id) FROM c
"""


class ReportsRepo(StoreBase):
    # ------------------------------------------------------------ plumbing
    @contextmanager
    def _report_conn(self, cancel: threading.Event | None) -> Iterator[sqlite3.Connection]:
        """A read connection whose queries stop once ``cancel`` is set."""
        with self._reader() as conn:
            if cancel is not None:
                conn.set_progress_handler(lambda: int(cancel.is_set()), 20_000)
            try:
                yield conn
            except sqlite3.OperationalError as exc:
                if cancel is not None and cancel.is_set():
                    raise ReportCancelled(_("report cancelled")) from None
                raise explain(self.path, exc) from None
            finally:
                if cancel is not None:
                    conn.set_progress_handler(None, 0)

    @staticmethod
    def _check(cancel: threading.Event | None) -> None:
        if cancel is not None and cancel.is_set():
            raise ReportCancelled(_("report cancelled"))

    def _bounds(self, period: Period) -> dict[str, Any]:
        tz = self.timezone  # type: ignore[attr-defined]
        s, e = day_start_utc(period.start, tz), day_start_utc(period.end, tz)
        cap = min(e, self.now())
        return {"s": to_db(s), "e": to_db(e), "sd": period.start.isoformat(), "ed": period.end.isoformat(),
                "cap": int(cap.timestamp()), "capt": to_db(cap)}

    def report_targets(self) -> dict[str, fig.Target]:
        return fig.targets_from(self.setting("report_targets", {}))  # type: ignore[attr-defined]

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

    def _rows(self, conn: sqlite3.Connection, sql: str, params: dict[str, Any]) -> list[Any]:
        cur = conn.cursor()
        cur.row_factory = None  # plain tuples: tens of thousands of rows
        return cur.execute(sql, params).fetchall()

    def _raw(self, conn: sqlite3.Connection, period: Period, scope: Scope, cancel: threading.Event | None,
             ids: dict[str, list[int]] | None = None) -> Raw:
        """One period's measurements; with ``ids``, also the tickets behind each figure."""
        p = {**self._bounds(period), "sv": scope.value}
        where = _SCOPE_SQL[scope.kind]
        raw = Raw()
        keep = ids if ids is not None else {}
        add = (lambda k, i: keep.setdefault(k, []).append(i)) if ids is not None else (lambda k, i: None)
        met = {c: [0, 0] for c in ("response", "onsite", "resolve")}
        for row in self._rows(conn, _REPORTED.format(scope=where), p):
            tid, _prio, channel, _site, _cat, repeat_of, cx = row[:7]
            raw.opened += 1
            add("opened", tid)
            if not cx:
                raw.opened_not_cancelled += 1
                if repeat_of is not None:
                    raw.repeats += 1
                    add("repeats", tid)
            missed_any = False
            for clock, at in (("response", 8), ("onsite", 11), ("resolve", 14)):
                happened, active, window = row[at], row[at + 1], row[at + 2]
                if happened:
                    met[clock][1] += 1
                    if active <= window:
                        met[clock][0] += 1
                    else:
                        add(f"missed_{clock}", tid)
                    if clock == "response":
                        raw.response.append(active)
                        add("responded", tid)
                        if channel == "online":
                            raw.response_online.append(active)
                    elif clock == "onsite":
                        raw.arrive.append(active)
                        add("arrived", tid)
                elif not cx and active > window:
                    met[clock][1] += 1
                    add(f"missed_{clock}", tid)
                if active > window and (happened or not cx):
                    missed_any = True
            if missed_any:
                add("breached", tid)
        raw.sla = {c: (m, d) for c, (m, d) in met.items()}
        self._check(cancel)
        for tid, active, window, refailed in self._rows(conn, _RESOLVED.format(scope=where), p):
            raw.resolve.append(active)
            add("resolved", tid)
            raw.completed_in_time += active <= window
            raw.within_4h += active <= 4 * 3600
            if active > window:
                add("late", tid)
            if refailed:
                raw.refailed += 1
                add("refailed", tid)
        self._check(cancel)
        self._counts(conn, p, where, raw, add)
        return raw

    def _counts(self, conn: sqlite3.Connection, p: dict[str, Any], where: str, raw: Raw, add: Any) -> None:
        for key, col in (("closed", "closed_at"), ("cancelled", "cancelled_at")):
            rows = conn.execute(f"SELECT t.id FROM tickets t WHERE t.{col} >= :s AND t.{col} < :e AND {where}", p).fetchall()
            setattr(raw, key, len(rows))
            for (tid,) in rows:
                add(key, tid)
        # Backlog at the end: open now and reported before it, or closed / cancelled after it
        # (three index ranges instead of a scan of every ticket ever reported).
        backlog = conn.execute(
            f"SELECT t.id FROM tickets t WHERE t.is_open = 1 AND t.reported_at < :e AND {where}"
            f" UNION SELECT t.id FROM tickets t WHERE t.closed_at >= :e AND t.reported_at < :e AND {where}"
            f" UNION SELECT t.id FROM tickets t WHERE t.cancelled_at >= :e AND t.reported_at < :e AND {where}",
            p).fetchall()
        raw.backlog = len(backlog)
        for (tid,) in backlog:
            add("backlog", tid)
        calls = conn.execute(
            "SELECT c.ticket_id, c.status, c.rating, c.score FROM callbacks c JOIN tickets t ON t.id = c.ticket_id"
            f" WHERE c.closed_day >= :sd AND c.closed_day < :ed AND {where}", p).fetchall()
        for tid, status, rating, score in calls:
            if status == "done":
                raw.calls_reached += 1
                raw.score_sum += score or 0
                raw.calls_satisfied += rating == "satisfied"
                add("called", tid)
                if rating == "unsatisfied":
                    raw.unsatisfied += 1
                    add("unsatisfied", tid)
            elif status == "unreachable":
                raw.unreachable += 1
                add("unreachable", tid)
        for tid, closed_at in conn.execute(
                "SELECT k.ticket_id, k.closed_at FROM complaints k JOIN tickets t ON t.id = k.ticket_id"
                f" WHERE k.received_at >= :s AND k.received_at < :e AND {where}", p).fetchall():
            raw.complaints += 1
            raw.complaints_closed += closed_at is not None and closed_at < p["e"]
            add("complaints", tid)
        tz = self.timezone  # type: ignore[attr-defined]
        for tid, due, state, confirmed_at in conn.execute(
                "SELECT i.ticket_id, i.due_date, i.state, i.confirmed_at FROM improvement_items i"
                f" JOIN tickets t ON t.id = i.ticket_id WHERE i.due_date >= :sd AND i.due_date < :ed AND {where}",
                p).fetchall():
            raw.items_due += 1
            add("items", tid)
            if state == "confirmed" and confirmed_at:
                local = from_db(confirmed_at).in_timezone(tz).date().isoformat()  # type: ignore[union-attr]
                raw.items_on_time += local <= due

    # --------------------------------------------------------- drill down
    def report_tickets(self, period: Period, scope: Scope | None, drill: str, *, limit: int = 500,
                       cancel: threading.Event | None = None) -> tuple[int, list[DrillRow]]:
        """The tickets behind a figure (``drill``: a FigureDef.drill word): how
        many in all, and the first ``limit`` of them by id."""
        scope = scope or Scope()
        ids: dict[str, list[int]] = {}
        with self._report_conn(cancel) as conn:
            self._raw(conn, period, scope, cancel, ids)
        wanted = sorted(set(ids.get(drill, [])))
        return len(wanted), self.drill_rows(wanted[:limit])

    def drill_rows(self, ids: list[int]) -> list[DrillRow]:
        if not ids:
            return []
        rows = self._q(
            "SELECT t.id, t.priority, t.status, t.reported_at, s.name, COALESCE(tech.name, ''),"
            " substr(t.description, 1, 200) FROM tickets t JOIN sites s ON s.id = t.site_id"
            " LEFT JOIN technicians tech ON tech.id = t.technician_id"
            f" WHERE t.id IN ({', '.join('?' * len(ids))}) ORDER BY t.id", ids)
        return [DrillRow(r[0], r[1], r[2], from_db(r[3]), r[4], r[5], r[6]) for r in rows]

    # --------------------------------------------------------------- charts
    def report_charts(self, period: Period, scope: Scope | None = None, *,
                      cancel: threading.Event | None = None) -> Charts:
        scope = scope or Scope()
        tz = self.timezone  # type: ignore[attr-defined]
        days = period.each_day()
        starts = [int(day_start_utc(d, tz).timestamp()) for d in days]
        per_priority = {p: [0] * len(days) for p in (1, 2, 3, 4)}
        met = [[0, 0] for _ in days]
        by_site: Counter[int] = Counter()
        by_cat: Counter[str] = Counter()
        with self._report_conn(cancel) as conn:
            p = {**self._bounds(period), "sv": scope.value}
            for row in self._rows(conn, _REPORTED.format(scope=_SCOPE_SQL[scope.kind]), p):
                i = max(0, bisect.bisect_right(starts, row[7]) - 1)
                per_priority[row[1]][i] += 1
                missed = False
                for at in (8, 11, 14):
                    happened, active, window = row[at], row[at + 1], row[at + 2]
                    if happened or (not row[6] and active > window):
                        met[i][1] += 1
                        met[i][0] += bool(happened and active <= window)
                        missed = missed or active > window
                if missed:
                    by_site[row[3]] += 1
                    by_cat[row[4]] += 1
            self._check(cancel)
            names = dict(conn.execute("SELECT id, name FROM sites").fetchall())
        return Charts(
            days=days, per_priority=per_priority, sla_trend=[fig.share(m, d) for m, d in met],
            breaches_site=[(k, names.get(k, "?"), n) for k, n in by_site.most_common()],
            breaches_category=by_cat.most_common())

    # ---------------------------------------------------------- scope lists
    def scope_choices(self, kind: str) -> list[tuple[int | str, str]]:
        """What a scope of ``kind`` can name: (value, name), by name."""
        if kind == "team":
            return [(r[0], r[1]) for r in self._q("SELECT id, name FROM teams ORDER BY name")]
        if kind == "technician":
            return [(r[0], r[1]) for r in self._q("SELECT id, name FROM technicians ORDER BY name")]
        if kind == "site":
            return [(r[0], r[1]) for r in self._q("SELECT id, name FROM sites ORDER BY name")]
        if kind == "category":
            return [(r[0], r[0]) for r in self._q("SELECT DISTINCT category FROM equipment ORDER BY category")]
        return []
