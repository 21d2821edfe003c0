"""The console's Inspections screen (issue 25, key V): the visits overdue and
due this week, the checklist form by keys only, and one key on a failed item
opening its repair ticket. Plus the due screen at 80x24 (snapshot, en and zh)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pendulum
import pytest
from console_helpers import app_for, burst, settle, until
from textual.pilot import Pilot

from console.screens.inspections import ChecklistScreen, InspectionsScreen
from store import Store
from store.i18n import LOCALE_DIR, set_language

CHECKLISTS = {"atm": [{"key": "reader", "label": "Card reader clean"},
                      {"key": "volts", "label": "Battery voltage", "kind": "measure", "unit": "V", "low": 12, "high": 14}],
              "network": [{"key": "link", "label": "Link light"}]}


@pytest.fixture
def visits(store: Store, clock) -> Store:  # type: ignore[no-untyped-def]
    """North Branch monthly from 27 Nov 2026 and Head Office's ATM every 7 days from 25 Nov; run on 3 Dec
    (Thursday): the 25 Nov visit is overdue, the 27 Nov one too, 2 Dec overdue, 9 Dec not yet in this week."""
    store.inspections.add_plan(site_id=2, every="month", starts=date(2026, 11, 27), team_id=2, checklists=CHECKLISTS)
    store.inspections.add_plan(equipment_id=1, every="days", days=7, starts=date(2026, 11, 25), team_id=1,
                               notice_days=0, checklists=CHECKLISTS)
    clock.set(pendulum.datetime(2026, 12, 3, 9))
    store.inspections.run_inspections()
    store.inspections.record_checklist(3, 1, {"reader": {"outcome": "pass"}, "volts": {"value": "13.1"}})  # 2 Dec, done late
    clock.set(pendulum.datetime(2026, 12, 3, 10))
    return store


async def test_v_lists_overdue_and_this_weeks_visits(visits: Store) -> None:
    async with app_for(visits).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "V")
        screen = pilot.app.screen
        assert isinstance(screen, InspectionsScreen)
        await until(pilot, lambda: len(screen.shown) == 2)
        assert [(v.due.isoformat(), v.state) for v in screen.shown] == [("2026-11-25", "overdue"), ("2026-11-27", "overdue")]
        await burst(pilot, "a")
        await until(pilot, lambda: len(screen.shown) == 3)


async def test_the_checklist_by_keys_and_a_failed_item_opens_its_repair(visits: Store) -> None:
    async with app_for(visits).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "V")
        screen = pilot.app.screen
        await until(pilot, lambda: len(getattr(screen, "shown", [])) == 2)
        await burst(pilot, "j", "enter")  # 27 Nov, North Branch: NB-ATM-A (2 items), NB-NET-A (1)
        form = pilot.app.screen
        assert isinstance(form, ChecklistScreen)
        await until(pilot, lambda: len(form.lines) == 3)
        # One burst: pass the reader, a value out of bounds, a note, save NB-ATM-A.
        await burst(pilot, "p", "v", "1", "1", ".", "2", "enter", "n", "r", "u", "s", "t", "enter", "s")
        await until(pilot, lambda: form.lines[0].recorded)
        assert [(ln.item.key, ln.outcome, ln.value, ln.note) for ln in form.lines[:2]] == [
            ("reader", "pass", "", ""), ("volts", "fail", "11.2", "rust")]
        assert visits.inspections.visit(1).done_at is None
        await burst(pilot, "r")  # the cursor is on the failed item: its repair ticket
        await until(pilot, lambda: form.lines[1].repair is not None)
        ticket = visits.tickets.ticket(form.lines[1].repair or 0)
        assert ticket.equipment_id == 3 and "11.2 V, outside 12–14 V; rust" in ticket.description
        await burst(pilot, "r")  # again: refused, says why, nothing made
        await settle(pilot)
        assert visits.db.value("SELECT COUNT(*) FROM inspection_findings") == 1
        await burst(pilot, "j", "p", "s")  # NB-NET-A: the visit is done
        await until(pilot, lambda: all(ln.recorded for ln in form.lines))
        assert visits.inspections.visit(1).state == "done"
    assert visits.audit.verify_audit().ok


async def test_a_viewer_cannot_fill_in_a_checklist(visits: Store) -> None:
    from conftest import add_people

    add_people(visits, "vic")
    visits.actor = "vic"
    async with app_for(visits).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "V")
        await until(pilot, lambda: len(getattr(pilot.app.screen, "shown", [])) == 2)
        await burst(pilot, "enter")
        form = pilot.app.screen
        await until(pilot, lambda: len(getattr(form, "lines", [])) == 2)
        await burst(pilot, "p", "s")
        await settle(pilot)
        assert visits.db.value("SELECT COUNT(*) FROM inspection_results") == 1  # the one the fixture made


@pytest.fixture(params=["en", "zh_Hans"])
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DISPATCH_LANG", request.param)
    set_language(request.param, localedir=LOCALE_DIR)
    yield request.param
    set_language("en", localedir=LOCALE_DIR)


def test_snapshot_due_screen(visits: Store, lang: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await burst(pilot, "V")
        await until(pilot, lambda: len(getattr(pilot.app.screen, "shown", [])) == 2)
        await settle(pilot)

    assert snap_compare(app_for(visits), terminal_size=(80, 24), run_before=run)
