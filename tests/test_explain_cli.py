"""`dispatch ticket N --explain` (text and JSON): a ticket's clocks explained
from the store (store/repo/explain.py), with who put each hold and why,
stated times and priority changes, and the due time the detail shows."""

from __future__ import annotations

import json
from datetime import date

import pytest

from store.rules.evaluations import day_start_utc
from store.rules.explain import figure_count
from store.rules.explain_text import differences
from store.rules.periods import Period, Scope
from store.rules.sla import CLOCKS
from store.store import Store
from store.timeutil import to_db
from tests.cli_helpers import invoke, ok, one_line_error
from tests.conftest import NOW, MutableClock
from tests.console_helpers import make_ticket


def held_ticket(store: Store, clock: MutableClock) -> int:
    """Reported 17:00 Shanghai (09:00 UTC), P2; held 17:30 for parts by ann
    (resumed at a stated 18:30, typed at 18:45), then made P1 with a reason."""
    store.settings.set_setting("timezone", "Asia/Shanghai")
    t = make_ticket(store, priority=2)
    t = store.tickets.assign(t.id, t.version, technician_id=1)
    clock.advance(minutes=10)
    t = store.tickets.respond(t.id, t.version)
    clock.advance(minutes=20)
    t = store.tickets.hold(t.id, t.version, reason="parts", note="pump [b]on order[/b]\x1b[31m")
    clock.advance(minutes=75)
    t = store.tickets.resume(t.id, t.version, at="18:30")
    t = store.tickets.edit_ticket(t.id, t.version, reason="bank [red]escalated[/red]", priority=1)
    return t.id


def test_the_text_names_the_window_the_periods_the_hold_and_the_result(store: Store, clock: MutableClock, db_path) -> None:
    tid = held_ticket(store, clock)
    out = ok(str(db_path), "ticket", str(tid), "--explain")
    lines = out.splitlines()
    # P1 now: 4 h to resolve, counted from the report; the hour held adds an hour.
    assert "Resolved: due 11-25 22:00 = reported 11-25 17:00 + 4 h of working time" in lines
    assert "  working time counted: 11-25 17:00–17:30 (30 m), 11-25 18:30–22:00 (3 h 30 m)" in lines
    assert ("  held 11-25 17:30–18:30 for parts by ann (note: pump [b]on order[/b][31m) (end stated, typed 11-25 18:45)"
            " (+1 h)") in lines
    assert "  priority P2 → P1 11-25 18:45 by ann: bank [red]escalated[/red]" in lines
    assert "  met on time: responded 11-25 17:10 by ann (5 m before the deadline)" in lines
    assert "\x1b" not in out
    # The due time stated is the one the detail shows.
    (resolve,) = [c for c in store.tickets.clocks(tid) if c.clock == "resolve"]
    assert resolve.due is not None and resolve.due.in_timezone("Asia/Shanghai").format("MM-DD HH:mm") == "11-25 22:00"


def test_json_gives_the_same_as_data(store: Store, clock: MutableClock, db_path) -> None:
    tid = held_ticket(store, clock)
    data = json.loads(ok(str(db_path), "ticket", str(tid), "--explain", "--format", "json"))
    by_clock = {c["clock"]: c for c in data["clocks"]}
    due = {c.clock: c.due for c in store.tickets.clocks(tid)}
    for name, c in by_clock.items():
        assert c["due_at"] == due[name].in_timezone("Asia/Shanghai").isoformat()  # type: ignore[union-attr]
    resolve = by_clock["resolve"]
    # (The verdict of an unmet clock depends on now, the CLI's real clock: tests/test_explain.py has it.)
    assert resolve["priority"] == 1 and resolve["window_s"] == 4 * 3600
    (step,) = resolve["holds"]
    assert step["held_s"] == 3600 and step["holds"][0]["by"] == "ann" and step["holds"][0]["reason"] == "parts"
    assert step["holds"][0]["end_typed"] == "2026-11-25T18:45:00+08:00"
    assert resolve["priority_changes"] == [
        {"at": "2026-11-25T18:45:00+08:00", "old": 2, "new": 1, "reason": "bank [red]escalated[/red]", "by": "ann"}]
    assert sum(p["seconds"] for p in resolve["periods"]) == 4 * 3600


def test_late_names_the_step_it_ran_out_at(store: Store, clock: MutableClock, db_path) -> None:
    t = make_ticket(store, priority=1)
    t = store.tickets.assign(t.id, t.version, technician_id=1)
    clock.advance(minutes=40)
    store.tickets.respond(t.id, t.version)
    out = ok(str(db_path), "ticket", str(t.id), "--explain")
    assert "  late by 25 m: responded 11-25 09:40 by ann" in out.splitlines()
    assert "  it ran out at 11-25 09:15, after the step: assigned 11-25 09:00 by ann" in out.splitlines()


def test_an_unknown_ticket_is_one_line(store: Store, db_path) -> None:
    result = invoke(str(db_path), "ticket", "999", "--explain")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "999" in (result.stderr or result.output)


@pytest.mark.parametrize("month", [date(2026, 11, 1), date(2026, 10, 1)])
def test_the_explanations_verdicts_are_the_figures_counts_on_the_demo(demo_copy, month: date) -> None:
    """Every ticket reported in the month: the figure's count of each clock
    (its stored facts, the figure's SQL) equals the explanation's verdict at
    the end of the month (or now), and they add up to the SLA met figures."""
    store = Store(demo_copy(), clock=MutableClock(NOW), actor="ann")
    try:
        period = Period.month(month)
        tz = store.settings.timezone
        s, e = day_start_utc(period.start, tz), day_start_utc(period.end, tz)
        ids = [r[0] for r in store.db.q("SELECT id FROM tickets WHERE reported_at >= ? AND reported_at < ?",
                                        (to_db(s), to_db(e)))]
        assert len(ids) > 100
        met = {c: 0 for c in CLOCKS}
        decided = {c: 0 for c in CLOCKS}
        kinds = set()
        for tid in ids:
            counts = store.reports.ticket_counts(period, tid)
            x = store.explain.ticket(tid, at=counts["cap"])
            assert differences(x, counts) == []
            for c in x.clocks:
                assert figure_count(c, counts["cancelled"], counts["cap"]) == counts[c.clock], (tid, c.clock)
                met[c.clock] += counts[c.clock] == "met"
                decided[c.clock] += counts[c.clock] != "not_counted"
                kinds.add((c.verdict, counts[c.clock]))
        raw = store.reports._raw_on_own_conn(period, Scope(), None)
        assert {c: raw.sla[c] for c in CLOCKS} == {c: (met[c], decided[c]) for c in CLOCKS}
        assert ("late", "missed") in kinds and ("met", "met") in kinds
    finally:
        store.close()


def test_report_explain_ticket_prints_the_counts_and_the_clocks(demo_copy) -> None:
    path = str(demo_copy())
    out = ok(path, "report", "--month", "2026-10", "--explain-ticket", "2")
    assert out.startswith("Ticket #2 in the figures of")
    assert "  SLA met, First response: counts as" in out and "First response: due" in out
    data = json.loads(ok(path, "report", "--month", "2026-10", "--explain-ticket", "2", "--format", "json"))
    assert set(data["sla_met"]) == set(CLOCKS) and data["explanation"]["ticket"] == 2
    one_line_error(invoke(path, "report", "--month", "2026-10", "--explain-ticket", "99999"), "99999")


def test_a_stated_report_time_is_shown_with_when_it_was_typed(store: Store, clock: MutableClock, db_path) -> None:
    clock.advance(minutes=30)
    t = make_ticket(store, priority=3, reported_at=NOW.add(minutes=5))
    out = ok(str(db_path), "ticket", str(t.id), "--explain")
    assert "  reported 11-25 09:05 (stated, typed 11-25 09:30)" in out.splitlines()
    assert "First response: due 11-25 10:05 = reported 11-25 09:05 + 1 h of working time" in out.splitlines()


def test_report_explain_ticket_says_when_the_ticket_is_outside_the_scope(demo_copy) -> None:
    path = str(demo_copy())
    site = json.loads(ok(path, "ticket", "2", "--format", "json"))["site_id"]
    other = Store(path, clock=MutableClock(NOW), actor="ann")
    try:
        name = next(s.name for s in other.reference.sites(limit=-1) if s.id != site)
    finally:
        other.close()
    out = ok(path, "report", "--month", "2026-10", "--explain-ticket", "2", "--scope", f"site:{name}")
    assert out.splitlines()[1].startswith("not in the scope")
    data = json.loads(ok(path, "report", "--month", "2026-10", "--explain-ticket", "2", "--format", "json"))
    assert data["in_scope"] is True
