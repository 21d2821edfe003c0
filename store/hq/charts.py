"""One center's report charts at the head office (store/repo/reports.py
``report_charts``, in PostgreSQL over the shipped facts): tickets opened per
local day by priority, the share of decided clocks met per day, and the
tickets with a missed clock by site and equipment type. The console's
head-office view draws them with the reports screen's own chart code."""

from __future__ import annotations

from typing import Any

from pendulum import DateTime

from ..repo.reports import Charts
from ..rules import figures as fig
from ..rules.periods import Period
from ..timeutil import day_start_utc, to_db
from .figures import BOUNDS, BREACHED, CLOCKS, REPORTED, Center, bounds_of, decided, over

_PER_DAY = (
    BOUNDS + ", d(i, ds, de) AS (SELECT * FROM unnest(%(di)s::int[], %(ds)s::text[], %(de)s::text[]))"
    " SELECT d.i, t.priority, COUNT(*), "
    + " + ".join(f"COUNT(*) FILTER (WHERE t.f_{c}_ok = 1)" for c in CLOCKS) + ", "
    + " + ".join(f"COUNT(*) FILTER (WHERE {decided(c)})" for c in CLOCKS)
    + " FROM d CROSS JOIN b CROSS JOIN LATERAL (SELECT * FROM tickets t WHERE t.center = b.center"
    " AND t.reported_at >= d.ds AND t.reported_at < d.de OFFSET 0) t"
    " GROUP BY d.i, t.priority")


def center_charts(conn: Any, center: Center, period: Period, now: DateTime) -> Charts:
    tz = center.timezone
    days = period.each_day()
    bounds = [to_db(day_start_utc(d, tz)) for d in [*days, period.end]]
    p = {**bounds_of([center], period, now), "di": list(range(len(days))), "ds": bounds[:-1], "de": bounds[1:]}
    per_priority = {k: [0] * len(days) for k in (1, 2, 3, 4)}
    met = [[0, 0] for _ in days]
    for i, prio, n, ok, n_decided in conn.execute(_PER_DAY, p).fetchall():
        per_priority.setdefault(int(prio), [0] * len(days))[i] += int(n)
        met[i][0] += int(ok)
        met[i][1] += int(n_decided)
    breached = over(f"{REPORTED} AND {BREACHED}")
    by_site = conn.execute(
        BOUNDS + f"SELECT t.site_id, COALESCE(s.name, '?'), COUNT(*) {breached} LEFT JOIN sites s"
        " ON s.center = t.center AND s.id = t.site_id GROUP BY t.site_id, s.name"
        " ORDER BY COUNT(*) DESC, t.site_id", p).fetchall()
    by_cat = conn.execute(BOUNDS + f"SELECT t.category, COUNT(*) {breached}"
                          " GROUP BY t.category ORDER BY COUNT(*) DESC, t.category", p).fetchall()
    return Charts(days=days, per_priority=per_priority, sla_trend=[fig.share(m, d) for m, d in met],
                  breaches_site=[(int(k), str(name), int(n)) for k, name, n in by_site],
                  breaches_category=[(str(c), int(n)) for c, n in by_cat])
