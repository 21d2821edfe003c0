"""What a role may not do is not offered, and its key says why at once
(issue 22): the footer and the forms ask the store's own check (the write
path's _authorize, roles in store/rules/auth.py) instead of offering an action the
save then refuses; a read-only console (a browser tab without --as) the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import MutableClock
from console_helpers import app_for, burst, make_ticket, settle, until
from textual.widgets import OptionList
from textual.widgets._footer import FooterKey

from console.screens.main import MainScreen
from store import PermissionDenied, Store


def open_as(db_path: Path, clock: MutableClock, login: str, **kw: Any) -> Store:
    return Store(db_path, actor=login, clock=clock, **kw)


def footer_keys(app: Any) -> set[str]:
    return {k.key for k in app.screen.query(FooterKey)}


def said(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


def test_the_store_answers_as_its_write_refuses(people: Store, db_path: Path, clock: MutableClock) -> None:
    bravo = make_ticket(people)
    bravo = people.tickets.assign(bravo.id, bravo.version, technician_id=3)
    fay = open_as(db_path, clock, "fay")
    try:
        why = fay.permits.refusal("ticket.pause", ticket_id=bravo.id)
        with pytest.raises(PermissionDenied) as refused:
            fay.tickets.hold(bravo.id, bravo.version, reason="parts")
        assert why == str(refused.value) and "Bravo Team's, not Alpha Team's" in why
        assert fay.permits.ticket_refusal("hold", bravo.id) == why
        assert fay.permits.refusal("ticket.pause") is not None  # no ticket: not the foreman's
        own = people.tickets.assign(make_ticket(people).id, 1, technician_id=1)
        assert fay.permits.ticket_refusal("hold", own.id) is None and "may not close" in fay.permits.ticket_refusal("close", own.id)
        assert fay.permits.refusal("ticket.reassign", ticket_id=own.id, team_id=2) is not None
        assert fay.permits.refusal("ticket.reassign", ticket_id=own.id, team_id=1) is None
    finally:
        fay.close()
    ro = open_as(db_path, clock, "ann", read_only=True)
    try:
        assert "read-only" in (ro.permits.refusal("ticket.create") or "")
    finally:
        ro.close()


async def test_a_foreman_on_another_teams_ticket_is_told_at_once(people: Store, db_path: Path,
                                                                  clock: MutableClock) -> None:
    bravo = make_ticket(people, priority=1)
    people.tickets.assign(bravo.id, bravo.version, technician_id=3)
    fay = open_as(db_path, clock, "fay")
    app = app_for(fay)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: app.screen.selected() is not None and app.screen.selected().id == bravo.id)
        await until(pilot, lambda: footer_keys(app) and "w" not in footer_keys(app))
        assert not {"a", "w", "r", "o", "x", "c", "e", "n"} & footer_keys(app)
        app.clear_notifications()
        await burst(pilot, "w")  # hold: the state allows it, the role does not
        assert isinstance(app.screen, MainScreen)
        assert any("Bravo Team's, not Alpha Team's" in m for m in said(app)), said(app)
        app.clear_notifications()
        await burst(pilot, "n")
        assert isinstance(app.screen, MainScreen) and any("may not create tickets" in m for m in said(app))
        await burst(pilot, "enter")  # the ticket's own screen: the same
        await until(pilot, lambda: type(app.screen).__name__ == "DetailScreen" and app.screen.ticket is not None)
        await until(pilot, lambda: footer_keys(app) and "w" not in footer_keys(app))
        app.clear_notifications()
        await burst(pilot, "w")
        assert type(app.screen).__name__ == "DetailScreen"
        assert any("Bravo Team's" in m for m in said(app))
    fay.close()


async def test_a_foremans_own_ticket_goes_only_to_the_own_team(people: Store, db_path: Path,
                                                                clock: MutableClock) -> None:
    own = make_ticket(people, priority=1)
    people.tickets.assign(own.id, own.version, technician_id=1)
    fay = open_as(db_path, clock, "fay")
    app = app_for(fay)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: "w" in footer_keys(app) and "a" in footer_keys(app))
        assert "c" not in footer_keys(app)  # closing is the desk's
        await burst(pilot, "a")
        await until(pilot, lambda: type(app.screen).__name__ == "AssignScreen" and app.screen.candidates)
        options = app.screen.query_one(OptionList)
        barred = {str(options.get_option_at_index(i).id) for i in range(options.option_count)
                  if options.get_option_at_index(i).disabled}
        assert barred == {"3"}  # Wang Fang (Bravo, on duty); Chen Jie is off duty
        assert "✗" in str(options.get_option(str(3)).prompt)
        assert "dispatch desk" in str(app.screen.query_one("#refused").render())
    fay.close()


async def test_a_read_only_console_offers_no_writes(people: Store, db_path: Path, clock: MutableClock) -> None:
    make_ticket(people)
    ro = open_as(db_path, clock, "ann", read_only=True)
    app = app_for(ro)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: app.screen.selected() is not None and bool(footer_keys(app)))
        assert not {"n", "a", "r", "w", "x", "e", "m"} & footer_keys(app)
        for key in ("n", "a", "m"):
            app.clear_notifications()
            await burst(pilot, key)
            assert isinstance(app.screen, MainScreen), key
            assert any("read-only" in m for m in said(app)), (key, said(app))
    ro.close()


async def test_list_screens_ask_the_store_too(people: Store, db_path: Path, clock: MutableClock) -> None:
    bob = open_as(db_path, clock, "bob")  # a dispatcher
    app = app_for(bob)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "K")
        await until(pilot, lambda: type(app.screen).__name__ == "CallbacksScreen")
        assert "p" not in footer_keys(app)
        app.clear_notifications()
        await burst(pilot, "p")
        assert any("may not plan the day's callbacks" in m for m in said(app)), said(app)
        await burst(pilot, "q", "S", "s")
        await until(pilot, lambda: type(app.screen).__name__ == "RecordsScreen" and app.screen.records)
        assert not {"n", "e", "d", "i"} & footer_keys(app)
        app.clear_notifications()
        await burst(pilot, "n")
        assert type(app.screen).__name__ == "RecordsScreen"
        assert any("may not change sites" in m for m in said(app)), said(app)
    bob.close()
    fay = open_as(db_path, clock, "fay")
    app = app_for(fay)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "C")
        await until(pilot, lambda: type(app.screen).__name__ == "ComplaintsScreen")
        app.clear_notifications()
        await burst(pilot, "n")
        assert type(app.screen).__name__ == "ComplaintsScreen"
        assert any("may not handle complaints" in m for m in said(app)), said(app)
    fay.close()
