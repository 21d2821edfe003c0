"""Every figure of docs/rules.md §8 on a hand-built October (tests/report_data.py),
with the answers worked out here; an empty September beside it."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from report_data import build_october

from store import Store
from store.errors import RuleViolation
from store.repo.reports import ReportCancelled
from store.rules.figures import arrow, fmt, percentile
from store.rules.periods import Period, Scope

OCT = Period.parse_month("2026-10")


@pytest.fixture
def october(store: Store) -> Store:
    build_october(store)
    return store


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2
    assert percentile([4, 3, 2, 1], 80) == 4
    assert percentile([7], 80) == 7
    assert percentile([], 50) is None


def test_periods() -> None:
    assert Period.parse_month("2026-01").previous() == Period.month(date(2025, 12, 1))
    week = Period.week(date(2026, 10, 14))  # a Wednesday
    assert (week.start, week.end) == (date(2026, 10, 12), date(2026, 10, 19))
    assert week.previous().start == date(2026, 10, 5)
    custom = Period.custom(date(2026, 10, 1), date(2026, 10, 10))
    assert custom.days == 10 and custom.previous().start == date(2026, 9, 21)
    assert Period.day(date(2026, 10, 1)).previous().start == date(2026, 9, 30)
    with pytest.raises(RuleViolation):
        Period.parse_month("October")


def test_every_figure_of_october(october: Store) -> None:
    r = october.reports.report(OCT)
    v = {f.key: f.value for f in r.figures}
    # First response (tickets reported in October that got one): #1 10 min, #2 40 min, #3 5 min,
    # #4 20 min, #7 70 min, #8 10 min → sorted 300 600 600 1200 2400 4200 s.
    assert v["response_mean"] == pytest.approx(9300 / 6)
    assert v["response_median"] == 600  # rank ceil(0.5 × 6) = 3
    assert v["response_p80"] == 2400  # rank ceil(0.8 × 6) = 5
    assert v["response_online_mean"] == 2400  # #2 only (#6 has none yet)
    # Arrival: #1 1 h, #2 3 h 30 less its 2 h wait = 1 h 30, #3 2 h, #4 1 h 20, #8 1 h.
    assert v["arrive_mean"] == pytest.approx((3600 + 5400 + 7200 + 4800 + 3600) / 5)
    assert v["arrive_median"] == 4800
    # Resolved in October: #1 3 h, #2 6 h less 2 h = 4 h, #3 6 h, #4 2 h 20 (#8 resolved in November).
    assert v["mttr_mean"] == pytest.approx((10800 + 14400 + 21600 + 8400) / 4)
    assert v["mttr_median"] == 10800
    assert v["mttr_p80"] == 21600
    # SLA per clock over the tickets reported in October; #5 (cancelled) is in none.
    # response: met #1 #3 #4 #8; missed #2 (40 > 30 min), #7 (70 min), #6 (4 h without one by the end, P4 1 h).
    assert v["sla_response"] == pytest.approx(4 / 7)
    # on site: met #1 #2 (1 h 30 ≤ 2 h thanks to the wait) #4 #8, missed #3 (P1 1 h); #6 and #7 still inside.
    assert v["sla_onsite"] == pytest.approx(4 / 5)
    # resolved: met #1 #2 #4, missed #3 (6 h > 4 h) and #8 (23 h > 8 h); #6, #7 undecided.
    assert v["sla_resolve"] == pytest.approx(3 / 5)
    assert v["completion"] == pytest.approx(3 / 4)  # of #1–#4, #3 late
    assert v["within_4h"] == pytest.approx(3 / 4)  # #2's 4 h exactly counts, #3 not
    assert v["first_time_fix"] == pytest.approx(3 / 4)  # #1 failed again (#4)
    assert v["repeat_fault"] == pytest.approx(1 / 7)  # #4 among 7 not cancelled
    # Callbacks: #1 satisfied 10, #2 unsatisfied 6, #4 basic 8, #3 unreachable.
    assert v["satisfied_share"] == pytest.approx(1 / 3)
    assert v["score_mean"] == pytest.approx(8.0)
    assert v["unsatisfied"] == 1 and v["unreachable"] == 1
    assert v["complaints_resolved"] == pytest.approx(1 / 2)
    assert v["items_on_time"] == pytest.approx(1 / 3)  # confirmed on 9th (on time), 12th (late), one open
    assert (v["opened"], v["closed"], v["cancelled"]) == (8, 4, 1)
    assert v["backlog"] == 3  # #6 and #7 open, #8 closed only in November


def test_empty_september_and_the_comparison(october: Store) -> None:
    r = october.reports.report(OCT)
    sep = {f.key: f.previous for f in r.figures}
    assert r.previous == Period.parse_month("2026-09")
    assert sep["response_mean"] is None and sep["sla_resolve"] is None and sep["score_mean"] is None
    assert sep["opened"] == 0 and sep["backlog"] == 0
    assert r.figure("response_mean").arrow == ""  # nothing to compare with
    assert r.figure("opened").arrow == "▲ up"
    assert r.figure("backlog").arrow == "▲ worse"
    assert arrow(0.9, 0.8, "higher") == "▲ better" and arrow(100, 200, "lower") == "▼ better"
    assert arrow(5, 5, "lower") == "= same"
    empty = october.reports.report(Period.parse_month("2026-09"))
    assert all(f.value in (None, 0) for f in empty.figures)
    assert fmt(None, "share") == "–"


def test_targets_are_settings(october: Store) -> None:
    r = october.reports.report(OCT)
    completion = r.figure("completion")
    assert completion.target == 0.98 and completion.on_target is False
    assert r.figure("mttr_mean").on_target is True  # 3 h 50 ≤ 48 h
    october.settings.set_setting("report_targets", {"completion": 0.7})
    assert october.reports.report(OCT).figure("completion").on_target is True
    with pytest.raises(RuleViolation):
        october.settings.set_setting("report_targets", {"nonsense": 1})


def test_scopes(october: Store) -> None:
    team = october.reports.report(OCT, Scope("team", 1)).figure("opened").value
    assert team == 3  # #1 #2 (Zhang Min) #4 — technicians of Alpha Team
    tech3 = october.reports.report(OCT, Scope("technician", 3))
    assert tech3.figure("response_mean").value == 300 and tech3.figure("unreachable").value == 1
    site2 = october.reports.report(OCT, Scope("site", 2))
    assert site2.figure("opened").value == 3  # #2 #7 #8
    printers = october.reports.report(OCT, Scope("category", "printer"))
    assert printers.figure("mttr_mean").value == 14400


def test_drill_down_and_charts(october: Store) -> None:
    total, rows = october.reports.report_tickets(OCT, None, "missed_response")
    assert total == 3 and [r.id for r in rows] == [2, 6, 7]
    assert [r.id for r in october.reports.report_tickets(OCT, None, "backlog")[1]] == [6, 7, 8]
    charts = october.reports.report_charts(OCT)
    assert len(charts.days) == 31
    assert charts.per_priority[2][0] == 1 and charts.per_priority[1][2] == 1 and sum(map(sum, charts.per_priority.values())) == 8
    assert charts.sla_trend[0] == 1.0  # #1 met all three
    assert charts.sla_trend[2] == pytest.approx(1 / 3)  # #3 met the response only
    assert dict((name, n) for _id, name, n in charts.breaches_site) == {"Head Office": 2, "North Branch": 3}


def test_a_report_can_be_cancelled(october: Store) -> None:
    stop = threading.Event()
    stop.set()
    with pytest.raises(ReportCancelled):
        october.reports.report(OCT, cancel=stop)
    assert october.reports.report(OCT).figure("opened").value == 8  # the connections are usable again
