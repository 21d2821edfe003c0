"""Issue 25, preventive inspections in the store (store/repo/inspections.py):
plans, the scheduler run (idempotent, also from several processes at once),
checklists recorded, a failed item's repair ticket; each write audited and
replayed by ``dispatch check``. The pure rules are tests/test_inspections.py's."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pendulum
import pytest
from conftest import add_people

from store import Store
from store.errors import PermissionDenied, RuleViolation, StaleTicket, ValidationFailed

WORKER = Path(__file__).with_name("inspection_worker.py")
CHECKLISTS = {"atm": [{"key": "reader", "label": "Card reader clean"},
                      {"key": "volts", "label": "Battery voltage", "kind": "measure", "unit": "V", "low": 12, "high": 14}],
              "network": [{"key": "link", "label": "Link light"}]}
# NOW (tests/conftest.py) is Wednesday 2026-11-25 09:00 UTC; the seed's time zone is UTC.


def _check(store: Store) -> None:
    report = store.audit.verify_audit()
    assert report.ok, report.problems[:3]


@pytest.fixture
def planned(people: Store) -> Store:
    """North Branch (site 2: NB-ATM-A, NB-NET-A) every month from 2026-11-27, Bravo Team, told 3 days before."""
    add_people(people, "gus")
    people.inspections.add_plan(site_id=2, every="month", starts=date(2026, 11, 27), team_id=2, notice_days=3,
                                 checklists=CHECKLISTS)
    return people


def test_a_plan_is_stored_checked_and_audited(planned: Store) -> None:
    p = planned.inspections.plan(1)
    assert (p.plan.site_id, p.plan.every, p.plan.starts, p.team, p.version) == (2, "month", date(2026, 11, 27), "Bravo Team", 1)
    assert [i.key for i in p.plan.checklists["atm"]] == ["reader", "volts"]
    with pytest.raises(ValidationFailed, match="today"):
        planned.inspections.add_plan(site_id=2, every="month", starts=date(2026, 11, 24), team_id=2, checklists=CHECKLISTS)
    with pytest.raises(ValidationFailed, match="no such team"):
        planned.inspections.add_plan(site_id=2, every="month", starts=date(2026, 11, 27), team_id=9, checklists=CHECKLISTS)
    with pytest.raises(ValidationFailed, match="one site or one piece"):
        planned.inspections.add_plan(site_id=2, equipment_id=3, every="month", starts=date(2026, 11, 27), team_id=2,
                                     checklists=CHECKLISTS)
    _check(planned)


def test_only_managers_keep_plans(planned: Store) -> None:
    planned.actor = "bob"
    with pytest.raises(PermissionDenied):
        planned.inspections.add_plan(site_id=2, every="month", starts=date(2026, 11, 27), team_id=2, checklists=CHECKLISTS)
    with pytest.raises(PermissionDenied):
        planned.inspections.retire_plan(1, 1)


def test_an_edit_is_optimistic_and_a_retired_plan_makes_no_visits(planned: Store, clock) -> None:
    p = planned.inspections.edit_plan(1, 1, notice_days=1)
    assert (p.plan.notice_days, p.version) == (1, 2)
    with pytest.raises(StaleTicket):
        planned.inspections.edit_plan(1, 1, notice_days=5)
    planned.inspections.retire_plan(1, 2)
    clock.advance(days=5)
    assert planned.inspections.run_inspections() == []
    with pytest.raises(RuleViolation, match="retired"):
        planned.inspections.edit_plan(1, 3, notice_days=5)
    _check(planned)


def test_the_run_makes_each_visit_once_when_its_notice_day_comes(planned: Store, clock) -> None:
    made = planned.inspections.run_inspections()  # 25 Nov: notice day of 27 Nov is 24 Nov
    assert [(v.key, v.equipment) for v in made] == [("1:2026-11-27", (3, 4))]
    assert planned.inspections.run_inspections() == []
    clock.set(pendulum.datetime(2027, 1, 25, 9))  # a missed month: both visits it reached, once
    assert [v.key for v in planned.inspections.run_inspections()] == ["1:2026-12-27", "1:2027-01-27"]
    assert planned.inspections.run_inspections() == []
    assert planned.db.value("SELECT COUNT(*) FROM inspection_visits") == 3
    _check(planned)


def test_the_key_refuses_a_second_visit_for_the_same_plan_and_day(planned: Store) -> None:
    planned.inspections.run_inspections()
    raw = sqlite3.connect(planned.path)
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute("INSERT INTO inspection_visits (plan_id, due, notify_on, made_at) VALUES (1, '2026-11-27', 'x', 'y')")
    raw.close()


def test_several_processes_running_at_once_make_each_visit_once(planned: Store, tmp_path: Path) -> None:
    go = tmp_path / "go"
    at = "2027-03-01T09:00:00Z"  # four visits to make: Nov, Dec, Jan, Feb (and Mar 27's notice is 24 Mar)
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(planned.path), at, str(go), "3"],
                              stdout=subprocess.PIPE, text=True) for _ in range(4)]
    go.touch()
    keys = []
    for p in procs:
        out, _err = p.communicate(timeout=120)
        assert p.returncode == 0
        keys += out.split()
    assert sorted(keys) == ["1:2026-11-27", "1:2026-12-27", "1:2027-01-27", "1:2027-02-27"]
    assert planned.db.value("SELECT COUNT(*) FROM inspection_visits") == 4
    _check(planned)


def test_due_lists_overdue_and_this_weeks_visits(planned: Store, clock) -> None:
    planned.inspections.run_inspections()
    assert [(v.key, v.state) for v in planned.inspections.due_now()] == [("1:2026-11-27", "open")]
    clock.set(pendulum.datetime(2026, 12, 28, 9))  # Monday: the 27 Nov and 27 Dec visits are over
    planned.inspections.run_inspections()
    assert [(v.key, v.state) for v in planned.inspections.due_now()] == [
        ("1:2026-11-27", "overdue"), ("1:2026-12-27", "overdue")]


def test_a_checklist_is_recorded_and_the_visit_done_with_every_piece(planned: Store, clock) -> None:
    planned.inspections.run_inspections()
    planned.actor = "gus"  # Bravo Team's foreman
    v = planned.inspections.record_checklist(1, 3, {"reader": {"outcome": "pass"},
                                                    "volts": {"value": "11.2", "note": "terminals corroded"}})
    assert v.done_at is None and v.state == "open"
    rec = v.recorded[0]
    assert [(x.item.key, x.outcome) for x in rec.results] == [("reader", "pass"), ("volts", "fail")]
    with pytest.raises(RuleViolation, match="already recorded"):
        planned.inspections.record_checklist(1, 3, {"reader": {"outcome": "pass"}, "volts": {"value": "13"}})
    with pytest.raises(ValidationFailed) as exc:
        planned.inspections.record_checklist(1, 4, {})
    assert "link" in exc.value.errors
    clock.advance(hours=2)
    v = planned.inspections.record_checklist(1, 4, {"link": {"outcome": "pass"}})
    assert v.state == "done" and v.done_by == "gus"
    _check(planned)


def test_a_foreman_records_only_their_own_teams_visits(planned: Store) -> None:
    planned.inspections.run_inspections()
    planned.actor = "fay"  # Alpha Team
    with pytest.raises(PermissionDenied):
        planned.inspections.record_checklist(1, 4, {"link": {"outcome": "pass"}})


def test_a_failed_item_opens_one_linked_repair_ticket(planned: Store) -> None:
    planned.inspections.run_inspections()
    planned.inspections.record_checklist(1, 3, {"reader": {"outcome": "pass"}, "volts": {"value": "11.2"}})
    planned.actor = "bob"
    with pytest.raises(ValidationFailed, match="not a failed item"):
        planned.inspections.open_repair(1, 3, "reader")
    ticket_id = planned.inspections.open_repair(1, 3, "volts")
    t = planned.tickets.ticket(ticket_id)
    assert (t.equipment_id, t.site_id, t.status, t.category) == (3, 2, "new", "atm")
    assert "1:2026-11-27" in t.description and "11.2 V, outside 12–14 V" in t.description
    assert planned.inspections.visit(1).recorded[0].repairs == {"volts": ticket_id}
    with pytest.raises(RuleViolation, match=f"#{ticket_id}"):
        planned.inspections.open_repair(1, 3, "volts")
    _check(planned)


def test_the_check_sees_a_visit_changed_around_the_app(planned: Store) -> None:
    planned.inspections.run_inspections()
    raw = sqlite3.connect(planned.path)
    raw.execute("UPDATE inspection_visits SET due = '2026-12-01'")
    raw.commit()
    raw.close()
    report = planned.audit.verify_audit()
    assert not report.ok and any("inspection_visits" in p for p in report.problems)


def test_the_figures_in_the_report(planned: Store, clock) -> None:
    """November 2026: the 27 Nov visit done that day (on time); NB-ATM-A's failed battery opened its own
    repair (found, not missed); NB-NET-A had a fault 10 days later (missed). Team and site scopes count it;
    another team's scope does not."""
    from ticket_helpers import make

    from store.rules.periods import Period, Scope

    planned.inspections.run_inspections()
    clock.set(pendulum.datetime(2026, 11, 27, 10))
    planned.inspections.record_checklist(1, 3, {"reader": {"outcome": "pass"}, "volts": {"value": "11.2"}})
    planned.inspections.record_checklist(1, 4, {"link": {"outcome": "pass"}})
    planned.actor = "bob"
    planned.inspections.open_repair(1, 3, "volts")
    clock.set(pendulum.datetime(2026, 12, 7, 10))
    make(planned, site_id=2, equipment_id=4, category="network")
    nov = Period.month(date(2026, 11, 1))
    for scope, want in ((None, (1.0, 1, 1.0, 2, 1.0)), (Scope("team", 2), (1.0, 1, 1.0, 2, 1.0)),
                        (Scope("site", 2), (1.0, 1, 1.0, 2, 1.0)), (Scope("team", 1), (None, 0, 0.0, 0, 0.0))):
        r = planned.reports.report(nov, scope)
        f = {k: r.figure(k) for k in ("inspections_on_time", "inspection_findings", "inspections_missed")}
        got = (f["inspections_on_time"].value, f["inspections_on_time"].base, f["inspection_findings"].value,
               f["inspection_findings"].base, f["inspections_missed"].value)
        assert got == want, scope
