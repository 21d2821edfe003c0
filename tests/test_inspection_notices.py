"""The customer told before an inspection visit (issue 25): on the notice
day the scheduler run puts a message to the site's contact in the outbox,
once per visit even from several processes at once, audited and replayed by
``dispatch check``; a site with no address: the visit says so."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pendulum
import pytest
from cli_clock import use_clock
from cli_helpers import ok

from store import Store
from store.errors import PermissionDenied
from store.rules.notices import from_json, render

WORKER = Path(__file__).with_name("inspection_worker.py")
CHECKLISTS = {"atm": [{"key": "reader", "label": "Card reader clean"}], "network": [{"key": "link", "label": "Link light"}]}


def _checked(store: Store) -> None:
    assert store.audit.verify_audit().ok
    assert store.admin.check() == []


@pytest.fixture
def planned(store: Store, clock) -> Store:  # type: ignore[no-untyped-def]
    """North Branch (site 2) every month from 2026-11-27, told 3 days before; Head Office's ATM every 7 days from
    2026-11-30, told 2 days before. North Branch's contact has an address and reads Chinese; Head Office has none."""
    store.inspections.add_plan(site_id=2, every="month", starts=date(2026, 11, 27), team_id=2, notice_days=3,
                               checklists=CHECKLISTS)
    store.inspections.add_plan(equipment_id=1, every="days", days=7, starts=date(2026, 11, 30), team_id=1,
                               notice_days=2, checklists=CHECKLISTS)
    store.inspections.set_site_contact(2, ["json://localhost:9/nb"], "zh_Hans")
    return store


def test_the_run_on_the_notice_day_tells_the_customer_once(planned: Store, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(pendulum.datetime(2026, 11, 24, 9))  # 27 Nov's notice day; the ATM's (28 Nov) not yet
    made = planned.inspections.run_inspections()
    assert [(v.key, v.notice) for v in made] == [("1:2026-11-27", "told")]
    rows = planned.outbox.messages()
    assert [(r.recipient, r.lang) for r in rows] == [("site:2", "zh_Hans")]
    msg = render(from_json(rows[0].notice), rows[0].id, rows[0].lang)
    assert "2026-11-27" in msg.title and "North Branch" in msg.body and "巡检" in msg.title
    assert planned.inspections.run_inspections() == []  # again: nothing made, nobody told twice
    clock.set(pendulum.datetime(2026, 11, 28, 9))
    made = planned.inspections.run_inspections()
    assert [(v.key, v.notice) for v in made] == [("2:2026-11-30", "no_address")]  # Head Office: not told, and said
    assert len(planned.outbox.messages()) == 1
    assert planned.inspections.visit(2).to_json()["notice"] == "no_address"
    _checked(planned)


def test_a_visit_past_or_done_before_any_run_told_it_is_not_told_late(planned: Store, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(pendulum.datetime(2026, 12, 1, 9))  # 27 Nov's visit made now: its day is past
    made = planned.inspections.run_inspections()
    assert [(v.key, v.notice) for v in made] == [("1:2026-11-27", None), ("2:2026-11-30", None)]
    assert planned.outbox.messages() == []


def test_only_managers_set_a_sites_contact(planned: Store) -> None:
    planned.actor = "bob"
    with pytest.raises(PermissionDenied):
        planned.inspections.set_site_contact(1, ["json://localhost:9/hq"])


def test_several_processes_at_once_tell_each_visit_once(planned: Store, tmp_path: Path) -> None:
    go = tmp_path / "go"
    at = "2027-02-25T09:00:00Z"  # North Branch: Nov..Feb to make, Feb 27 in its notice days
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(planned.path), at, str(go), "2"],
                              stdout=subprocess.PIPE, text=True) for _ in range(4)]
    go.touch()
    for p in procs:
        p.communicate(timeout=120)
        assert p.returncode == 0
    told = planned.db.q("SELECT v.due, n.recipient FROM inspection_notices n JOIN inspection_visits v ON v.id = n.visit_id"
                        " WHERE n.missing IS NULL")
    assert [tuple(r) for r in told] == [("2027-02-27", "site:2")]
    assert planned.db.value("SELECT COUNT(*) FROM outbox WHERE recipient = 'site:2'") == 1
    _checked(planned)


def test_the_cli_sets_the_contact_and_the_run_says_who_was_not_told(planned: Store, clock,  # type: ignore[no-untyped-def]
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    use_clock(monkeypatch, clock)
    out = ok(str(planned.path), "site", "contact", "HQ", "json://localhost:9/hq", "--language", "en")
    assert "HQ" in out
    assert planned.outbox.addresses_of("site:1") == ["json://localhost:9/hq"]
    ok(str(planned.path), "site", "contact", "HQ")  # none: cleared
    assert planned.outbox.addresses_of("site:1") == []
    clock.set(pendulum.datetime(2026, 11, 28, 9))
    out = ok(str(planned.path), "inspections", "run")
    assert "the customer was not told: Head Office · HQ-ATM-A has no address" in out


async def test_the_inspections_screen_says_which_customers_were_not_told(planned: Store, clock) -> None:  # type: ignore[no-untyped-def]
    from console_helpers import app_for, burst, settle, until

    from console.screens.inspections import ChecklistScreen, InspectionsScreen, notice_text

    clock.set(pendulum.datetime(2026, 11, 24, 9))
    planned.inspections.run_inspections()
    clock.set(pendulum.datetime(2026, 11, 28, 9))
    planned.inspections.run_inspections()
    async with app_for(planned).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "V", "a")  # every visit: 30 Nov is next week
        screen = pilot.app.screen
        assert isinstance(screen, InspectionsScreen)
        await until(pilot, lambda: len(screen.shown) == 2 and screen.everything)
        assert [(v.id, notice_text(v).plain) for v in screen.shown] == [(1, "told"), (2, "not told")]
        await burst(pilot, "j", "enter")
        form = pilot.app.screen
        assert isinstance(form, ChecklistScreen)
        await until(pilot, lambda: form.visit is not None)
        assert "customer not told" in str(form.query_one("#checklist-title").render())
