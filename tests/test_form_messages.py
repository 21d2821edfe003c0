"""Messages on the New ticket form go when what they say stops being true
(issue 22): "pick a site from the list" once a site is picked, the repeat
fault banner once its equipment is no longer chosen."""

from __future__ import annotations

import pytest
from console_helpers import app_for, burst, make_ticket, settle, until
from textual.widgets import Input, Static

from console.screens.new_ticket import NewTicketScreen
from console.widgets.picker import Picker
from store import Store


def shown(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(selector, Static).render())


def resolved_on_hq_atm(store: Store) -> int:
    t = make_ticket(store, equipment_id=1)
    t = store.tickets.assign(t.id, t.version, technician_id=1)
    t = store.tickets.arrive(t.id, t.version)
    return store.tickets.resolve(t.id, t.version, symptom="s", cause="c", action="a", parts="none").id


async def test_pick_a_site_goes_once_a_site_is_picked(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", *"Zhang", "tab", *"13800001111", "tab", *"Nor", "ctrl+s")
        assert "pick a site from the list" in shown(app, "#e-site_id")
        await burst(pilot, "enter")  # the highlighted match: North Branch
        assert app.screen.query_one("#f-site_id", Picker).value == 2
        assert shown(app, "#e-site_id") == ""
        assert "✗" not in str(app.screen.query_one("#row-site_id .label", Static).render())


async def test_repeat_banner_goes_when_the_equipment_is_cleared(store: Store) -> None:
    earlier = resolved_on_hq_atm(store)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", "tab", "tab", *"Head", "tab", *"HQ-ATM", "tab")
        assert isinstance(app.screen, NewTicketScreen)
        await until(pilot, lambda: f"#{earlier}" in shown(app, "#repeat"))
        # Cleared by hand: the banner goes.
        app.screen.query_one("#f-equipment_id", Picker).input.focus()
        await burst(pilot, "ctrl+u")
        await until(pilot, lambda: shown(app, "#repeat") == "")
        # Picked again, then another site: the equipment goes with the site, and the banner too.
        await burst(pilot, *"HQ-ATM", "enter")
        await until(pilot, lambda: f"#{earlier}" in shown(app, "#repeat"))
        app.screen.query_one("#f-site_id", Picker).input.focus()
        await burst(pilot, "ctrl+u", *"North", "enter")
        await settle(pilot)
        assert app.screen.query_one("#f-equipment_id", Picker).value is None
        assert shown(app, "#repeat") == ""


async def test_a_late_repeat_check_does_not_bring_the_banner_back(store: Store) -> None:
    """Picked and cleared in one burst: the check of the pick, answered after
    the clear, must not show a banner for equipment no longer chosen."""
    resolved_on_hq_atm(store)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", "tab", "tab", *"Head", "tab", *"HQ-ATM", "tab", "shift+tab", "ctrl+u")
        await settle(pilot)
        assert app.screen.query_one("#f-equipment_id", Picker).value is None
        assert shown(app, "#repeat") == ""


async def test_edit_on_a_changed_ticket_merges_what_was_typed(store: Store, db_path, clock) -> None:
    """Another dispatcher changed other fields meanwhile (issue 27): the save
    merges, keeps their changes and says so; nothing is retyped. The same
    field changed: tests/test_merge_console.py."""
    from textual.widgets import TextArea

    from console.screens.edit_ticket import EditTicketScreen
    from console.screens.main import MainScreen

    t = make_ticket(store, priority=2, reporter="Wang", description="ATM swallows cards")
    other = Store(db_path, actor="alice", clock=clock)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "e")
        await until(pilot, lambda: isinstance(app.screen, EditTicketScreen))
        screen = app.screen
        screen.query_one("#f-description", TextArea).focus()
        await burst(pilot, *"Second visit: ")
        other.tickets.edit_ticket(t.id, t.version, reason="not urgent after all", priority=4, reporter="Li")
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await until(pilot, lambda: any("merged with alice's change: Priority, Reporter" in str(n.message)
                                       for n in app._notifications))
    now = store.tickets.ticket(t.id)
    assert (now.priority, now.reporter, now.description) == (4, "Li", "Second visit: ATM swallows cards")
    other.close()


@pytest.mark.parametrize("typed", ["", "abc"])
async def test_a_first_day_without_sites_says_where_they_are_added(tmp_path, clock, typed) -> None:  # type: ignore[no-untyped-def]
    """`dispatch init` leaves no sites: the site field says so, and where to add
    them, instead of asking to pick from an empty list. Also with a site name
    typed in the same burst as the keys before it (SSH), before the field's
    search of nothing ran: that it found nothing still says there are none."""
    from click.testing import CliRunner

    from console.cli import cli

    path = tmp_path / "center.db"
    assert CliRunner().invoke(cli, ["--db", str(path), "init"]).exit_code == 0
    store = Store(path, clock=clock)
    try:
        app = app_for(store)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await burst(pilot, "n", *"Zhang", "tab", *"13800001111", "tab", *typed)
            site = app.screen.query_one("#f-site_id", Picker)
            await until(pilot, lambda: site.none_at_all)
            assert "Setup (S)" in str(site.query_one("OptionList").get_option_at_index(0).prompt)
            await burst(pilot, "ctrl+s")
            assert shown(app, "#e-site_id") == "no sites yet"
            assert isinstance(app.screen, NewTicketScreen)  # nothing typed is lost
            assert app.screen.query_one("#f-reporter", Input).value == "Zhang"
            assert site.input.value == typed
    finally:
        store.close()


async def test_a_refusal_stays_for_a_change_event_of_the_text_it_refused(store: Store) -> None:
    """Keys in one burst (SSH): the last key's Changed can reach the form
    after ctrl+s has refused the text. It is about that same text: the reason
    stays beside the field until something else is typed."""
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", *"Zhang", "tab", *"12ab", "ctrl+s")
        await until(pilot, lambda: "digits" in shown(app, "#e-phone"))
        phone = app.screen.query_one("#f-phone", Input)
        phone.post_message(Input.Changed(phone, phone.value))  # late, for the text refused
        await settle(pilot)
        assert "digits" in shown(app, "#e-phone")
        await burst(pilot, "backspace")  # typing: the reason goes
        assert shown(app, "#e-phone") == ""
