"""Inspection plans from the console (issue 25, 'l' on the Inspections
screen): the list with each plan's next visit, add / edit / retire by keys,
the checklists as lines, a plan changed meanwhile said in the form with the
text kept, and the keys refused to a dispatcher. Plus the list at 80x24."""

from __future__ import annotations

from datetime import date

import pendulum
import pytest
from console_helpers import app_for, burst, paste, settle, until
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from console.screens.form import ActionForm
from console.screens.inspection_plans import PlansScreen
from store import Store
from store.errors import ValidationFailed
from store.rules.checklist_text import checklist_lines, parse_checklist_lines
from store.rules.inspections import check_plan

CHECKLISTS = {"atm": [{"key": "reader", "label": "Card reader clean"},
                      {"key": "volts", "label": "Battery voltage", "kind": "measure", "unit": "V", "low": 12, "high": 14}],
              "network": [{"key": "link", "label": "Link light"}]}


@pytest.fixture
def plans(store: Store, clock) -> Store:  # type: ignore[no-untyped-def]
    """North Branch monthly from 27 Nov 2026, Head Office's ATM every 7 days from 25 Nov; run on 3 Dec."""
    clock.set(pendulum.datetime(2026, 11, 20, 9))
    store.inspections.add_plan(site_id=2, every="month", starts=date(2026, 11, 27), team_id=2, checklists=CHECKLISTS)
    store.inspections.add_plan(equipment_id=1, every="days", days=7, starts=date(2026, 11, 25), team_id=1,
                               notice_days=0, checklists={"atm": CHECKLISTS["atm"]})
    clock.set(pendulum.datetime(2026, 12, 3, 9))
    store.inspections.run_inspections()
    return store


def test_checklist_lines_go_back_and_forth() -> None:
    plan = check_plan({"site_id": 1, "starts": date(2026, 12, 1), "team_id": 1, "checklists": {
        **CHECKLISTS, "ups": [{"key": "temp", "label": "Room temperature", "kind": "measure", "unit": "°C", "high": 30},
                              {"key": "load", "label": "Load", "kind": "measure"}]}})
    text = checklist_lines(plan.checklists)
    assert text.splitlines() == [
        "atm | reader | Card reader clean", "atm | volts | Battery voltage | V 12..14", "network | link | Link light",
        "ups | temp | Room temperature | °C ..30", "ups | load | Load | "]
    again = check_plan({"site_id": 1, "starts": date(2026, 12, 1), "team_id": 1,
                        "checklists": parse_checklist_lines("# comment\n\n" + text)})
    assert again.checklists == plan.checklists


@pytest.mark.parametrize(("line", "words"), [
    ("atm | reader", "line 2: category | key | label"),
    ("van | reader | Clean", "line 2: van is not an equipment category"),
    ("atm | Reader | Clean", "line 2: key: 1 to 40 lowercase"),
    ("atm | volts | Volts | V 14..12", "line 2: volts: the lower bound is above the upper one"),
    ("atm | volts | Volts | V 1..2 3..4", "line 2: one range of bounds"),
    ("atm | volts | Volts | V x..2", "line 2: low: a number such as 12"),
])
def test_a_bad_checklist_line_is_named(line: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_checklist_lines("atm | ok | Fine\n" + line)
    assert words in err.value.errors["checklists"]


async def open_plans(pilot: Pilot) -> PlansScreen:
    await settle(pilot)
    await burst(pilot, "V")
    await until(pilot, lambda: len(getattr(pilot.app.screen, "shown", [])) == 3)
    await burst(pilot, "l")
    screen = pilot.app.screen
    assert isinstance(screen, PlansScreen)
    await until(pilot, lambda: len(screen.shown) == 2)
    return screen


async def test_the_plans_list_and_its_next_visits(plans: Store) -> None:
    async with app_for(plans).run_test(size=(80, 24)) as pilot:
        screen = await open_plans(pilot)
        assert screen.read is not None
        # North Branch: the 27 Nov visit is open (overdue); the ATM: 25 Nov, 2 Dec made, 25 Nov open first.
        assert [screen.read.next_due[p.id] for p in screen.shown] == [date(2026, 11, 27), date(2026, 11, 25)]
        plans.inspections.record_checklist(1, 3, {"reader": {"outcome": "pass"}, "volts": {"value": "13"}})
        plans.inspections.record_checklist(1, 4, {"link": {"outcome": "pass"}})
        screen.reload()
        await until(pilot, lambda: screen.read is not None and screen.read.next_due[1] == date(2026, 12, 27))


async def test_edit_a_plan_by_keys(plans: Store) -> None:
    async with app_for(plans).run_test(size=(80, 24)) as pilot:
        await open_plans(pilot)
        await burst(pilot, "e")
        form = pilot.app.screen
        assert isinstance(form, ActionForm)
        await burst(pilot, *["tab"] * 7, "ctrl+u", "5", "tab")  # notice: 5 days; then the checklists
        assert isinstance(pilot.app.focused, TextArea)
        await burst(pilot, "pagedown", "end", "enter")
        await paste(pilot, "ups | temp | Room temperature | °C ..30")
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: isinstance(pilot.app.screen, PlansScreen))
        p = plans.inspections.plan(1)
        assert p.plan.notice_days == 5 and p.version == 2
        assert [i.key for i in p.plan.checklists["ups"]] == ["temp"] and p.plan.checklists["ups"][0].high == 30
        assert p.plan.starts == date(2026, 11, 27)  # a first visit already past, unchanged: kept


async def test_a_plan_changed_meanwhile_keeps_the_text_typed(plans: Store) -> None:
    async with app_for(plans).run_test(size=(80, 24)) as pilot:
        await open_plans(pilot)
        await burst(pilot, "e")
        form = pilot.app.screen
        assert isinstance(form, ActionForm)
        plans.actor = "ann"
        plans.inspections.edit_plan(1, 1, team_id=1)  # another manager, meanwhile
        await burst(pilot, *["tab"] * 7, "ctrl+u", "9", "ctrl+s")
        await until(pilot, lambda: "was changed by ann" in str(form.query_one("#e-general").render()))
        assert form.query_one("#f-notice_days", Input).value == "9"
        assert plans.inspections.plan(1).plan.notice_days == 3
        await burst(pilot, "ctrl+s")  # saved over what is there now: the form's team is Bravo again
        await until(pilot, lambda: isinstance(pilot.app.screen, PlansScreen))
        p = plans.inspections.plan(1)
        assert (p.plan.notice_days, p.plan.team_id, p.version) == (9, 2, 3)


async def test_add_a_plan_by_keys_and_a_bad_line_is_said(plans: Store) -> None:
    async with app_for(plans).run_test(size=(80, 24)) as pilot:
        await open_plans(pilot)
        await burst(pilot, "n")
        form = pilot.app.screen
        assert isinstance(form, ActionForm)
        await burst(pilot, "tab")  # no site: one piece of equipment
        await paste(pilot, "NB-NET-A")
        await burst(pilot, "tab", "enter", "down", "enter")  # every quarter
        await burst(pilot, "tab", "tab", "ctrl+u")
        await paste(pilot, "2026-12-10")
        await burst(pilot, "tab", "tab", "enter", "down", "enter")  # the first team
        await burst(pilot, "tab", "tab")
        await paste(pilot, "network | link | Link light\nnetwork | Bad Key | x")
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: "line 2" in str(form.query_one("#e-checklists").render()))
        assert len(plans.inspections.plans()) == 2
        await burst(pilot, "pagedown", "end", "shift+home", "backspace")
        await paste(pilot, "network | fan | Fan runs")
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: isinstance(pilot.app.screen, PlansScreen))
        p = plans.inspections.plans()[-1]
        assert (p.plan.equipment_id, p.plan.every, p.plan.starts, p.plan.team_id) == (4, "quarter", date(2026, 12, 10), 1)
        assert [i.key for i in p.plan.checklists["network"]] == ["link", "fan"]
        screen = pilot.app.screen
        await until(pilot, lambda: len(screen.shown) == 3)
    assert plans.audit.verify_audit().ok


async def test_retire_asks_first(plans: Store) -> None:
    async with app_for(plans).run_test(size=(80, 24)) as pilot:
        screen = await open_plans(pilot)
        await burst(pilot, "x", "escape")
        await settle(pilot)
        assert plans.inspections.plan(1).retired_at is None
        await burst(pilot, "x", "y")
        await until(pilot, lambda: len(screen.shown) == 1)
        assert plans.inspections.plan(1).retired_at is not None


async def test_a_dispatcher_sees_the_plans_read_only(plans: Store) -> None:
    plans.actor = "bob"
    async with app_for(plans).run_test(size=(80, 24)) as pilot:
        screen = await open_plans(pilot)
        await until(pilot, lambda: screen.refusal("add") is not None)
        await burst(pilot, "n", "e", "x")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "manager" in (screen.refusal("edit") or "")
        assert not any(screen.check_action(a, ()) for a in ("add", "edit", "retire"))  # out of the footer
    plans.actor = "bob"
    with pytest.raises(Exception, match="manager"):
        plans.inspections.retire_plan(1, 1)


def test_snapshot_plans_list(plans: Store, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run(pilot: Pilot) -> None:
        await open_plans(pilot)
        await settle(pilot)

    assert snap_compare(app_for(plans), terminal_size=(80, 24), run_before=run)
