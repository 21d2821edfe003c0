"""Complaints (docs/rules.md §7): registered against a ticket, moved through their
steps by dispatchers and managers, each step due some hours after receipt,
an improvement item opened for the ticket's team; versions, audit, roles,
``dispatch complaints`` and the complaints screen."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MutableClock
from console_helpers import app_for, burst, make_ticket, settle, until
from test_items import closed_ticket

from console.cli import cli
from store import PermissionDenied, Store
from store.errors import RuleViolation, ValidationFailed
from store.rules.improve import StaleRecord


@pytest.fixture
def as_user(people: Store, db_path: Path, clock: MutableClock) -> Iterator[Callable[[str], Store]]:
    opened: list[Store] = []

    def open_as(login: str) -> Store:
        s = Store(db_path, actor=login, clock=clock)
        opened.append(s)
        return s

    yield open_as
    for s in opened:
        s.close()


def test_complaint_through_its_steps(as_user: Callable[[str], Store], people: Store, clock: MutableClock) -> None:
    t = closed_ticket(people)
    bob = as_user("bob")
    c = bob.complaints.add_complaint(t.id, "Mr Zhao", "technician was rude")
    assert (c.state, c.next_step, c.registered_by) == ("registered", "accept", "bob")
    assert c.due_at == clock.now.add(hours=2) and not c.overdue
    c = bob.complaints.accept_complaint(c.id, c.version)
    with pytest.raises(StaleRecord, match="Complaint #1 was changed by bob"):
        bob.complaints.investigate_complaint(c.id, 1, "x")
    with pytest.raises(RuleViolation, match="next step is Investigate"):
        bob.complaints.close_complaint(c.id, c.version, "x")
    c = bob.complaints.investigate_complaint(c.id, c.version, "work record shows a raised voice")
    with pytest.raises(ValidationFailed, match="informed"):
        bob.complaints.handle_complaint(c.id, c.version, "apologise", informed=False)
    c = bob.complaints.handle_complaint(c.id, c.version, "apologise and retrain", informed=True)
    c = bob.complaints.follow_up_complaint(c.id, c.version, "customer accepts the apology")
    c = bob.complaints.close_complaint(c.id, c.version, "stress at month end; rota changed")
    assert c.state == "closed" and c.informed and c.next_step is None and not c.overdue
    words = [h.text for h in people.complaints.complaint_history(c.id)]
    assert words[0] == "registered: Mr Zhao: technician was rude" and words[-1].startswith("closed; analysis")
    assert len(words) == 6
    assert [e.action for e in people.tickets.timeline(t.id)][-6:] == [
        "complaint.add", "complaint.accept", "complaint.investigate", "complaint.handle", "complaint.follow_up",
        "complaint.close"]


def test_overdue_steps_stand_out(people: Store, clock: MutableClock) -> None:
    c = people.complaints.add_complaint(closed_ticket(people).id, "Ms Qian", "slow", received_at=clock.now.subtract(hours=3))
    assert c.overdue and c.late_steps(clock.now) == ["accept"]
    c = people.complaints.accept_complaint(c.id, c.version)
    assert not c.overdue and c.late_steps(clock.now) == ["accept"]  # done late: still shown
    assert [x.id for x in people.complaints.find(overdue=True)] == []
    clock.advance(hours=22)
    assert people.complaints.overdue_complaints_count() == 1
    people.settings.set_setting("complaint_step_hours", {"accept": 2, "investigate": 48, "handle": 72, "follow_up": 96,
                                                "close": 200})
    assert not people.complaints.complaint(c.id).overdue
    with pytest.raises(RuleViolation, match="step order"):
        people.settings.set_setting("complaint_step_hours", {"accept": 5, "investigate": 1, "handle": 72, "follow_up": 96,
                                                    "close": 200})


def test_complaint_opens_item_for_the_ticket_team(as_user: Callable[[str], Store], people: Store) -> None:
    t = closed_ticket(people, tech=2)
    bob = as_user("bob")
    c = bob.complaints.add_complaint(t.id, "Mr Sun", "fault came back")
    c = bob.complaints.open_item_from_complaint(c.id, c.version)
    item = people.items.item(c.item_id)
    assert (item.source, item.source_id, item.foreman, item.team_id) == ("complaint", c.id, "fay", 1)
    with pytest.raises(RuleViolation, match="already has improvement item"):
        bob.complaints.open_item_from_complaint(c.id, c.version)
    unassigned = people.complaints.add_complaint(make_ticket(people).id, "Ms Li", "no one came")
    with pytest.raises(RuleViolation, match="no technician"):
        people.complaints.open_item_from_complaint(unassigned.id, unassigned.version)


def test_roles_foremen_and_viewers_refused(as_user: Callable[[str], Store], people: Store) -> None:
    t = closed_ticket(people)
    c = people.complaints.add_complaint(t.id, "Mr Zhao", "rude")
    for login in ("fay", "vic"):
        s = as_user(login)
        with pytest.raises(PermissionDenied, match="handle complaints"):
            s.complaints.add_complaint(t.id, "x", "y")
        with pytest.raises(PermissionDenied):
            s.complaints.accept_complaint(c.id, c.version)
        with pytest.raises(PermissionDenied):
            s.complaints.open_item_from_complaint(c.id, c.version)
    with pytest.raises(ValidationFailed, match="No ticket #999"):
        people.complaints.add_complaint(999, "x", "y")


def test_cli_complaints_add_and_list(people: Store, db_path: Path) -> None:
    t = closed_ticket(people)
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", str(db_path), "complaints", "add", str(t.id), "--complainant", "Mr Zhao",
                              "--matter", "rude"])
    assert out.exit_code == 0 and "complaint #1 registered" in out.output, out.output
    out = runner.invoke(cli, ["--db", str(db_path), "complaints", "list", "--format", "json"])
    rows = json.loads(out.output)
    assert rows[0]["complainant"] == "Mr Zhao" and rows[0]["next_step"] == "accept"  # JSON: the step, not its words
    out = runner.invoke(cli, ["--db", str(db_path), "complaints", "list", "--month", "nope"])
    assert out.exit_code == 2 and "YYYY-MM" in out.output


async def test_pilot_complaint_through_its_states(people: Store) -> None:
    from console.screens.complaints import ComplaintsScreen

    t = closed_ticket(people)
    app = app_for(people)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await until(pilot, lambda: isinstance(app.screen, ComplaintsScreen))
        screen = app.screen
        assert isinstance(screen, ComplaintsScreen)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*str(t.id), "tab", *"Mr Zhao", "tab", *"rude")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(screen.shown) == 1)
        cid = screen.shown[0].id
        for step, typed in (("accept", ""), ("investigate", "raised voice"), ("handle", "apologise"),
                            ("follow_up", "accepted"), ("close", "rota changed")):
            await screen.open_step(cid)
            await settle(pilot)
            if typed:
                await pilot.press(*typed)
            if step == "handle":
                app.screen.query_one("#f-informed").value = True  # type: ignore[attr-defined]
            await pilot.press("ctrl+s")
            await until(pilot, lambda step=step: people.complaints.complaint(cid).step_done.get(step) is not None)
        assert people.complaints.complaint(cid).state == "closed"
        await pilot.press("m")
        await until(pilot, lambda: people.complaints.complaint(cid).item_id is not None)


LONG = "Mr Zhao Guangming, branch manager of the North Branch"


async def test_the_complainant_follows_the_terminals_width(store: Store) -> None:
    t = make_ticket(store)
    store.complaints.add_complaint(t.id, LONG, "Nobody called back")
    for size, shown in (((160, 40), LONG), ((80, 24), "Mr Zhao Gua…")):  # 80: what the other columns leave
        app = app_for(store)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await burst(pilot, "C")
            screen = app.screen
            await until(pilot, lambda s=screen: type(s).__name__ == "ComplaintsScreen" and s.shown)  # type: ignore[misc]
            await settle(pilot)
            table = screen.query_one("#complaints")
            line = table.render_line(1).text
            assert shown in line, (size, line)
            assert table.virtual_size.width <= table.size.width  # no column pushed out of view
