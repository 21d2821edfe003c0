"""The calendar screen (issue 11 §5): the week's periods and the holidays,
edited from the keyboard in the real app on a real file."""

from __future__ import annotations

import pendulum
from conftest import MutableClock
from console_helpers import app_for, settle, until
from textual.widgets import Input, OptionList, Static

from console.screens.calendar import CalendarScreen
from store import Store

HOSTILE = "Xmas [@click=app.quit]q[/] \x1b]0;pwned\x07"


def options(screen: CalendarScreen, list_id: str) -> list[str]:
    lst = screen.query_one(list_id, OptionList)
    return [str(lst.get_option_at_index(i).prompt) for i in range(lst.option_count)]


def text_of(screen: CalendarScreen, widget_id: str) -> str:
    return str(screen.query_one(widget_id, Static).render())


async def open_calendar(pilot, app) -> CalendarScreen:  # type: ignore[no-untyped-def]
    screen = CalendarScreen()
    await app.push_screen(screen)
    await settle(pilot)
    await until(pilot, lambda: screen.setting is not None)
    return screen


async def test_edit_a_day_and_the_holidays_from_the_keyboard(store: Store, clock: MutableClock) -> None:
    store.settings.set_setting("timezone", "Europe/Berlin")
    store.settings.set_setting("calendar", {"kind": "business", "opens": "08:30", "closes": "17:30",
                                   "weekdays": [1, 2, 3, 4, 5]})
    clock.set(pendulum.datetime(2026, 11, 25, 10, 0, tz="Europe/Berlin"))  # a Wednesday
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_calendar(pilot, app)
        assert "Europe/Berlin" in text_of(screen, "#summary") and "open until 17:30" in text_of(screen, "#summary")
        assert options(screen, "#week")[0].endswith("08:30-17:30") and options(screen, "#week")[6].endswith("closed")
        assert options(screen, "#holidays") == ["none (a adds one)"]

        # Monday gets a lunch break: e on the highlighted day, type, enter.
        await pilot.press("e")
        edit = screen.query_one("#edit", Input)
        assert edit.has_focus and edit.value == "08:30-17:30"
        edit.value = "08:30-12:00, 13:00-17:30"
        await pilot.press("enter")
        await settle(pilot)
        await until(pilot, lambda: store.settings.setting("calendar").get("hours", {}).get("mon") == ["08:30-12:00", "13:00-17:30"])
        assert store.settings.setting("calendar")["hours"]["tue"] == ["08:30-17:30"]
        await until(pilot, lambda: options(screen, "#week")[0].endswith("08:30-12:00, 13:00-17:30"))

        # Sunday: an overnight shift, chosen with j and enter.
        for _i in range(6):
            await pilot.press("j")
        await pilot.press("enter")
        screen.query_one("#edit", Input).value = "18:30-07:30"
        await pilot.press("enter")
        await settle(pilot)
        await until(pilot, lambda: store.settings.setting("calendar")["hours"].get("sun") == ["18:30-07:30"])

        # A mistake stays on screen, one line, and changes nothing.
        await pilot.press("e")
        screen.query_one("#edit", Input).value = "08:00-12:00, 11:00-13:00"
        await pilot.press("enter")
        await settle(pilot)
        assert "overlap" in text_of(screen, "#error") and screen.has_class("-error")
        await pilot.press("escape")  # asks first (a changed line), then discards the edit, not the screen
        await pilot.press("d")
        assert app.screen is screen and not screen.has_class("-editing")

        # A holiday every year, and a hostile name shown as text.
        await pilot.press("a")
        screen.query_one("#edit", Input).value = "--10-01..--10-07 Golden Week"
        await pilot.press("enter")
        await settle(pilot)
        await until(pilot, lambda: len(store.settings.setting("calendar").get("holidays", [])) == 1)
        await pilot.press("a")
        screen.query_one("#edit", Input).value = f"2026-12-25 {HOSTILE}"
        await pilot.press("enter")
        await settle(pilot)
        await until(pilot, lambda: len(store.settings.setting("calendar").get("holidays", [])) == 2)
        await until(pilot, lambda: len(options(screen, "#holidays")) == 2)
        shown = options(screen, "#holidays")
        assert shown[0].startswith("every year 10-01..10-07") and "Golden Week" in shown[0]
        assert "[@click=app.quit]q[/]" in shown[1] and "\x1b" not in shown[1]

        # d removes the highlighted holiday; from the week list it first moves to the holidays.
        await pilot.press("d")
        await settle(pilot)
        assert screen.query_one("#holidays", OptionList).has_focus
        assert len(store.settings.setting("calendar")["holidays"]) == 2
        await pilot.press("d")
        await settle(pilot)
        await until(pilot, lambda: [h["date"] for h in store.settings.setting("calendar")["holidays"]] == ["2026-12-25"])

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not screen and app.is_running


async def test_a_24x7_calendar_edited_on_one_day(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_calendar(pilot, app)
        assert "round the clock" in text_of(screen, "#summary")
        for _i in range(6):
            await pilot.press("j")
        await pilot.press("e")
        assert screen.query_one("#edit", Input).value == "00:00-24:00"
        screen.query_one("#edit", Input).value = ""  # Sunday closed
        await pilot.press("enter")
        await settle(pilot)
        await until(pilot, lambda: store.settings.setting("calendar")["kind"] == "business")
        assert store.settings.setting("calendar")["hours"] == {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
