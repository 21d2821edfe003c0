"""Tab in a pick list (issue 22): a highlighted match is taken and the focus
moves on, as with enter, and the keys typed next land whole in the next
field, whether pressed one by one or sent as one burst."""

from __future__ import annotations

from console_helpers import app_for, burst, settle, until
from textual.widgets import Input, OptionList

from console.screens.new_ticket import NewTicketScreen
from console.widgets.picker import Picker
from store import Store


def add_wangjing(store: Store) -> None:
    site = store.reference.add_site(code="BJ01", name="工商银行 望京支行")
    store.reference.add_equipment(asset_tag="ATM-001", category="atm", site_id=site.id)


def picker(app, name: str) -> Picker:
    return app.screen.query_one(f"#f-{name}", Picker)


async def test_tab_takes_the_highlighted_match_key_by_key(store: Store) -> None:
    add_wangjing(store)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NewTicketScreen))
        await pilot.press("tab", "tab")
        site = picker(app, "site_id")
        assert app.focused is site.input
        site.input.insert_text_at_cursor("望京")  # what a CJK input method commits
        await until(pilot, lambda: site.query_one(OptionList).option_count == 1 and site.has_class("open"))
        await pilot.press("tab")
        await until(pilot, lambda: site.value is not None)
        assert site.input.value == "BJ01 工商银行 望京支行"
        equipment = picker(app, "equipment_id")
        assert app.focused is equipment.input  # moved on, not into the list
        await pilot.press("x")
        assert equipment.input.value == "x" and site.input.value == "BJ01 工商银行 望京支行"


async def test_tab_with_no_match_moves_on_and_keeps_the_text(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", "tab", "tab", *"zzz", "tab", *"ab")
        site, equipment = picker(app, "site_id"), picker(app, "equipment_id")
        assert (site.value, site.input.value) == (None, "zzz")
        assert app.focused is equipment.input and equipment.input.value == "ab"


async def test_the_issue_burst_lands_whole(store: Store) -> None:
    add_wangjing(store)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # send-keys n 'TabTest' Tab '1234567' Tab '望京' Tab 'ATM-001'
        await burst(pilot, "n", *"TabTest", "tab", *"1234567", "tab", *"望京", "tab", *"ATM-001")
        screen = app.screen
        assert screen.query_one("#f-reporter", Input).value == "TabTest"
        assert screen.query_one("#f-phone", Input).value == "1234567"
        site, equipment = picker(app, "site_id"), picker(app, "equipment_id")
        assert site.input.value == "BJ01 工商银行 望京支行" and site.value is not None
        assert equipment.input.value == "ATM-001"
        await until(pilot, lambda: equipment.query_one(OptionList).option_count == 1)
        await burst(pilot, "tab")  # and the equipment is taken the same way
        assert equipment.value is not None and equipment.input.value.startswith("ATM-001")


async def test_a_slow_search_for_older_text_does_not_replace_the_matches(store: Store, monkeypatch) -> None:
    """Tab into the site field searches its empty text (in a worker); the text
    typed next searches again. The first search answering last (a loaded
    machine) left every site listed, and tab took the first of them."""
    import asyncio
    import threading

    add_wangjing(store)
    empty_asked, go = threading.Event(), threading.Event()
    sites = store.reference.sites

    def slow_when_empty(text: str = "", *args, **kwargs):
        if not text and not go.is_set():
            empty_asked.set()
            go.wait(30)
        return sites(text, *args, **kwargs)

    monkeypatch.setattr(store.reference, "sites", slow_when_empty)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n")
        try:
            app.screen.query_one("#f-phone", Input).focus()
            await pilot.press("tab")  # into the site field: its empty text is searched, held
            await asyncio.to_thread(empty_asked.wait, 30)
            await pilot.press(*"望京")
            options = picker(app, "site_id").query_one(OptionList)
            await until(pilot, lambda: options.option_count == 1)
        finally:
            go.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert options.option_count == 1
        await pilot.press("tab")
        assert picker(app, "site_id").input.value == "BJ01 工商银行 望京支行"
