"""Improvement items (docs/rules.md §6): opened inside another write
(``_open_item``), due at the meeting of the month after, moved by the team's
foreman, confirmed or sent back by a manager; versions, audit, roles, the
``dispatch items`` command and the items screen."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
from click.testing import CliRunner
from conftest import MutableClock, add_people
from console_helpers import app_for, make_ticket, settle, until

from console.cli import cli
from store import PermissionDenied, Store
from store.errors import RuleViolation, ValidationFailed
from store.rules.improve import StaleRecord, due_date, item_actions


def closed_ticket(store: Store, tech: int = 1) -> Any:
    t = make_ticket(store)
    t = store.tickets.assign(t.id, t.version, technician_id=tech)
    t = store.tickets.arrive(t.id, t.version)
    t = store.tickets.resolve(t.id, t.version, symptom="dead", cause="fuse", action="swapped", parts="fuse")
    return store.tickets.close(t.id, t.version, signoff="Wang")


def open_item(store: Store, ticket_id: int, team_id: int = 1, source_id: int = 1) -> int:
    """What the callbacks repo does for an unsatisfied callback: inside its own write."""
    with store.db.write("test.callback") as tx:
        return store.items.open_item(tx, ticket_id=ticket_id, team_id=team_id, source="callback",
                                     source_id=source_id, opened_at=store.now())


@pytest.fixture
def people(people: Store) -> Store:
    """conftest's people (fay, foreman of Alpha Team; vic, a viewer) and gus, Bravo Team's foreman."""
    add_people(people, "gus")
    return people


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


def test_due_date_is_meeting_day_of_next_month_in_site_zone() -> None:
    # 23:30 UTC on 31 Dec is already 1 Jan in Shanghai: due at February's meeting there.
    at = pendulum.datetime(2026, 12, 31, 23, 30, tz="UTC")
    assert due_date(at, "UTC", 10) == pendulum.date(2027, 1, 10)
    assert due_date(at, "Asia/Shanghai", 10) == pendulum.date(2027, 2, 10)
    assert due_date(pendulum.datetime(2026, 1, 31, tz="UTC"), "UTC", 28) == pendulum.date(2026, 2, 28)


def test_open_item_owner_due_and_event(people: Store) -> None:
    t = closed_ticket(people)
    item_id = open_item(people, t.id)
    assert open_item(people, t.id) == item_id  # one item per callback
    item = people.items.item(item_id)
    assert (item.state, item.foreman, item.team_name, item.technician_name) == ("open", "fay", "Alpha Team", "Li Wei")
    assert item.due_date == pendulum.date(2026, 12, 10) and not item.overdue
    hist = people.items.item_history(item_id)
    assert len(hist) == 1 and "unsatisfied callback #1" in hist[0].text and "fay" in hist[0].text


def test_item_through_its_states_sent_back_and_confirmed(as_user: Callable[[str], Store], people: Store) -> None:
    item_id = open_item(people, closed_ticket(people).id)
    fay, ann = as_user("fay"), as_user("ann")
    i = fay.items.item_follow_up(item_id, 1, weak_points="did not call back within the hour")
    assert i.state == "followed_up" and i.version == 2
    with pytest.raises(StaleRecord, match="changed by fay"):
        fay.items.item_propose(item_id, 1, measures="x")
    with pytest.raises(ValidationFailed):
        fay.items.item_propose(item_id, 2, measures="  ")
    i = fay.items.item_propose(item_id, 2, measures="call within 30 minutes")
    with pytest.raises(RuleViolation, match="submitted"):
        ann.items.item_confirm(item_id, i.version)
    i = fay.items.item_submit(item_id, i.version)
    i = ann.items.item_send_back(item_id, i.version, reason="name who calls")
    assert i.state == "proposed" and i.state_label == "sent back" and i.sent_back_reason == "name who calls"
    i = fay.items.item_propose(item_id, i.version, measures="Li Wei calls within 30 minutes")
    i = ann.items.item_confirm(fay.items.item_submit(item_id, i.version).id, i.version + 1)
    assert (i.state, i.confirmed_by) == ("confirmed", "ann")
    words = [h.text for h in people.items.item_history(item_id)]
    assert words[0].startswith("opened") and "sent back: name who calls" in words and words[-1] == "confirmed at the meeting"
    assert len(words) == 8


def test_roles_each_refused_outside_its_lane(as_user: Callable[[str], Store], people: Store) -> None:
    item_id = open_item(people, closed_ticket(people).id)
    with pytest.raises(PermissionDenied, match="another team"):
        as_user("gus").items.item_follow_up(item_id, 1, weak_points="x")
    for login in ("bob", "vic"):
        with pytest.raises(PermissionDenied):
            as_user(login).items.item_follow_up(item_id, 1, weak_points="x")
    fay = as_user("fay")
    i = fay.items.item_submit(item_id, fay.items.item_propose(item_id, fay.items.item_follow_up(item_id, 1, weak_points="w").version,
                                                  measures="m").version)
    for act in (lambda s: s.items.item_confirm(item_id, i.version), lambda s: s.items.item_send_back(item_id, i.version, reason="r")):
        with pytest.raises(PermissionDenied, match="manager"):
            act(fay)
    assert item_actions("submitted", "foreman") == [] and item_actions("submitted", "manager") == ["confirm", "send_back"]
    assert item_actions("open", "dispatcher") == []


def test_overdue_filters_and_counts(people: Store, clock: MutableClock) -> None:
    a = open_item(people, closed_ticket(people).id, source_id=1)
    clock.advance(months=1)
    b = open_item(people, closed_ticket(people, tech=3).id, team_id=2, source_id=2)
    clock.set(pendulum.datetime(2026, 12, 11, 1, tz="UTC"))  # after December's meeting
    assert [i.id for i in people.items.find(overdue=True)] == [a]
    assert [i.id for i in people.items.find(overdue=False)] == [b]
    assert [i.id for i in people.items.find(month="2027-01")] == [b]
    assert [i.id for i in people.items.find(team_id=2, state="open")] == [b]
    assert people.items.overdue_items_count("fay") == 1 and people.items.overdue_items_count("gus") == 0
    assert people.items.overdue_items_count("ann") == 1 and people.items.overdue_items_count("bob") == 0
    assert [i.id for i in people.items.items_for("gus")] == [b]
    with pytest.raises(RuleViolation, match="YYYY-MM"):
        people.items.find(month="12/2026")


def test_meeting_day_setting(people: Store) -> None:
    people.settings.set_setting("meeting_day", 3)
    item = people.items.item(open_item(people, closed_ticket(people).id))
    assert item.due_date == pendulum.date(2026, 12, 3)
    with pytest.raises(RuleViolation, match="1 to 28"):
        people.settings.set_setting("meeting_day", 31)


def test_cli_items_list(people: Store, db_path: Path, clock: MutableClock) -> None:
    open_item(people, closed_ticket(people).id)
    clock.set(pendulum.datetime(2026, 12, 11, tz="UTC"))
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", str(db_path), "items", "list", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert rows[0]["state"] == "open" and rows[0]["team"] == "Alpha Team" and rows[0]["due"] == "2026-12-10"
    out = runner.invoke(cli, ["--db", str(db_path), "items", "list", "--team", "Bravo"])
    assert out.exit_code == 0 and "No improvement items" in out.output


async def items_screen(app, pilot):  # type: ignore[no-untyped-def]
    """The items list, opened from the queue with I."""
    from console.screens.items import ItemsScreen

    await settle(pilot)
    await pilot.press("I")
    await until(pilot, lambda: isinstance(app.screen, ItemsScreen))
    return app.screen


async def test_pilot_item_confirmed_and_sent_back(people: Store) -> None:

    first = open_item(people, closed_ticket(people).id, source_id=1)
    second = open_item(people, closed_ticket(people).id, source_id=2)
    for item_id in (first, second):
        v = people.items.item_follow_up(item_id, 1, weak_points="late").version
        people.items.item_submit(item_id, people.items.item_propose(item_id, v, measures="faster").version)
    app = app_for(people)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await items_screen(app, pilot)
        await until(pilot, lambda: len(screen.shown) == 2)
        await screen.open_action(first, "confirm")
        await settle(pilot)
        await pilot.press("enter")  # the confirm form's one button
        await until(pilot, lambda: people.items.item(first).state == "confirmed")
        await screen.open_action(second, "send_back")
        await settle(pilot)
        await pilot.press(*"say who")
        await pilot.press("enter")
        await until(pilot, lambda: people.items.item(second).state_label == "sent back")
        assert people.items.item(second).sent_back_reason == "say who"


async def test_the_follow_up_and_measures_forms_open_with_what_the_item_holds(people: Store) -> None:
    """A sent-back item's measures are mended, not typed again: the form
    opens with them (and the follow-up form with the weak points found)."""
    from console.screens.form import ActionForm
    from console.widgets.textfield import TextBox

    item_id = open_item(people, closed_ticket(people).id)
    v = people.items.item_follow_up(item_id, 1, weak_points="late at the branch").version
    v = people.items.item_submit(item_id, people.items.item_propose(item_id, v, measures="call within 30 minutes").version).version
    people.items.item_send_back(item_id, v, reason="name who calls")
    app = app_for(people)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await items_screen(app, pilot)
        for action, held in (("propose", "call within 30 minutes"), ("follow_up", "late at the branch")):
            await screen.open_action(item_id, action)
            await until(pilot, lambda: isinstance(app.screen, ActionForm) and bool(app.screen.query("#f-text")))
            assert app.screen.query_one("#f-text", TextBox).text == held
            app.screen.dismiss(None)
            await until(pilot, lambda: app.screen is screen)
