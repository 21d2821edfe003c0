"""Every list screen shares the queue's keys (issue 22): the list has the
focus when the screen opens, j/k g/G Home/End move in it, q and esc go back;
a key whose action does not fit says why; the selected row carries a mark,
not only a colour; and the screens follow the file as the queue does (a
change made by another program shows without ctrl+r)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pendulum
import pytest
from console_helpers import app_for, burst, settle, until
from loop_helpers import SATISFIED, acting, close_ticket
from test_scores import month  # noqa: F401  (the fixture: a month of evaluations)
from textual.widgets import DataTable, OptionList

from console.screens.main import MainScreen
from console.widgets.lists import ListOptions, ListTable
from store import Store
from store.rules.calendar import holiday_name, parse_calendar, parse_holiday

YESTERDAY = pendulum.datetime(2026, 11, 24, tz="UTC")


@pytest.fixture
def world(month: Store, clock: Any) -> Store:  # noqa: F811
    """November's scores (test_scores.month), yesterday's six closed tickets
    all called back by the managers (ann has three calls left), two
    improvement items from unsatisfied answers, two complaints."""
    closed = [close_ticket(month, clock, 1 + i % 4, YESTERDAY.add(hours=8 + i)) for i in range(6)]
    month.settings.set_setting("callback_manager_share", 1)
    with acting(month, "ann"):
        month.callbacks.plan_callbacks()
    root = [c for c in month.callbacks.find(day=month.callbacks.today(), status="open") if c.evaluator != "ann"]
    for call in root[:2]:
        with acting(month, call.evaluator):
            month.callbacks.log_callback(call.id, rating="unsatisfied", answers=SATISFIED)
    with acting(month, "ann"):
        month.complaints.add_complaint(closed[0], "Mr Zhao", "Nobody called back")
        month.complaints.add_complaint(closed[1], "Ms Qian", "Rude on the phone")
    assert len(month.callbacks.my_callbacks("ann")) >= 2 and len(month.items.find()) == 2
    return month


def position(widget: Any) -> int | None:
    return widget.cursor_row if isinstance(widget, DataTable) else widget.highlighted


def rows(widget: Any) -> int:
    return widget.row_count if isinstance(widget, DataTable) else widget.option_count


# (keys that open it from the queue, the screen q goes back to)
SCREENS = {
    "items": (["I"], "MainScreen"),
    "complaints": (["C"], "MainScreen"),
    "callbacks": (["K"], "MainScreen"),
    "scores": (["Y"], "MainScreen"),
    "setup": (["S"], "MainScreen"),
    "sites": (["S", "s"], "SetupScreen"),
    "technicians": (["S", "c"], "SetupScreen"),
    "users": (["S", "u"], "SetupScreen"),
    "calendar": (["h"], "MainScreen"),
}


@pytest.mark.parametrize("name", SCREENS)
async def test_every_list_screen_has_the_queues_keys(world: Store, name: str) -> None:
    keys, back_to = SCREENS[name]
    app = app_for(world)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for key in keys:
            await burst(pilot, key)
        await until(pilot, lambda: isinstance(app.focused, (ListTable, ListOptions)) and rows(app.focused) >= 2)
        listing = app.focused
        assert position(listing) == 0
        await burst(pilot, "j")
        assert position(listing) == 1
        await burst(pilot, "k")
        assert position(listing) == 0
        last = rows(listing) - 1
        for key, where in (("G", last), ("g", 0), ("end", last), ("home", 0), ("down", 1)):
            await burst(pilot, key)
            assert position(listing) == where, key
        await burst(pilot, "q")
        assert type(app.screen).__name__ == back_to


async def test_focus_comes_back_to_the_list_after_a_dialog(world: Store) -> None:
    app = app_for(world)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "I")
        await until(pilot, lambda: isinstance(app.focused, ListTable) and app.focused.row_count == 2)
        await burst(pilot, "w")  # the follow-up form of the first (open) item
        await until(pilot, lambda: type(app.screen).__name__ == "ActionForm")
        await burst(pilot, "escape")
        await until(pilot, lambda: type(app.screen).__name__ == "ItemsScreen")
        assert isinstance(app.focused, ListTable)
        await burst(pilot, "j")
        assert app.focused.cursor_row == 1


async def test_an_item_key_that_does_not_fit_says_why(world: Store) -> None:
    app = app_for(world)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "I")
        await until(pilot, lambda: isinstance(app.focused, ListTable) and app.focused.row_count == 2)
        app.clear_notifications()
        await burst(pilot, "s")  # submit: the item is open, not measures proposed
        assert type(app.screen).__name__ == "ItemsScreen"
        said = [n.message for n in app._notifications]
        assert any("cannot be moved by 'Submit'" in m and "measures proposed" in m for m in said), said


async def test_the_selected_row_is_marked_not_only_coloured(world: Store) -> None:
    app = app_for(world)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "C")
        await until(pilot, lambda: isinstance(app.focused, ListTable) and app.focused.row_count == 2)
        table = app.focused

        def marks() -> list[str]:
            return [table.render_line(y).text[:2] for y in range(1, 3)]  # under the header

        assert marks() == ["▶ ", "  "]
        await burst(pilot, "j")
        assert marks() == ["  ", "▶ "]


# ------------------------------------------------------------- live screens

async def test_the_calendar_follows_the_file(world: Store, db_path: Any, clock: Any) -> None:
    app = app_for(world)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "h")
        await until(pilot, lambda: type(app.screen).__name__ == "CalendarScreen" and app.screen.setting is not None)
        holidays = app.screen.query_one("#holidays", OptionList)
        assert "Founding Day" not in str(holidays.get_option_at_index(0).prompt)
        other = Store(db_path, actor="ann", clock=clock)  # another shell
        try:
            setting = parse_calendar(other.settings.setting("calendar", {"kind": "24x7"}))
            day = replace(parse_holiday("2026-12-24"), name=holiday_name("Founding Day"))
            other.settings.set_setting("calendar", setting.with_holiday(day).to_json())
        finally:
            other.close()
        await until(pilot, lambda: any("Founding Day" in str(holidays.get_option_at_index(i).prompt)
                                       for i in range(holidays.option_count)))


async def test_items_and_users_follow_the_file(world: Store, db_path: Any, clock: Any) -> None:
    app = app_for(world)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "I")
        await until(pilot, lambda: isinstance(app.focused, ListTable) and app.focused.row_count == 2)
        screen = app.screen
        item = screen.shown[0]
        assert item.state == "open"
        other = Store(db_path, actor="fay" if item.team_id == 1 else "gus", clock=clock)
        try:
            other.items.item_follow_up(item.id, item.version, weak_points="no call within the hour")
        finally:
            other.close()
        await until(pilot, lambda: screen.shown[0].state == "followed_up")
        assert isinstance(app.screen.focused, ListTable)  # the cursor and focus stay
        await burst(pilot, "q", "S", "u")
        await until(pilot, lambda: type(app.screen).__name__ == "UsersScreen" and app.screen.people)
        users = app.screen
        other = Store(db_path, actor="ann", clock=clock)
        try:
            other.users.add_user("zoe", "Zoe Sun", "dispatcher")
        finally:
            other.close()
        await until(pilot, lambda: "zoe" in [u.login for u in users.people])


# ------------------------------------------------------ one meaning per key

def test_a_key_means_the_same_on_the_queue_and_the_ticket() -> None:
    from console.screens.detail import DetailScreen

    def keys(screen: type) -> dict[str, str]:
        out = {}
        for b in screen.BINDINGS:
            for key in b.key.split(","):
                out[key] = b.action.removeprefix("app.")
        return out

    queue, detail = keys(MainScreen), keys(DetailScreen)
    navigation = {"escape", "q", "enter"}  # back / quit and open: the screen's own
    differ = {k: (queue[k], detail[k]) for k in queue.keys() & detail.keys() - navigation if queue[k] != detail[k]}
    assert not differ
    assert queue["h"] == "calendar" and "h" not in detail and detail["ctrl+e"] == "earlier"


async def test_h_on_the_ticket_is_not_earlier_tickets(world: Store) -> None:
    from console.screens.detail import DetailScreen
    from console.screens.search import EarlierScreen

    app = app_for(world)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.open_detail(world.callbacks.find()[0].ticket_id)
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.ticket is not None)
        await burst(pilot, "h")
        assert isinstance(app.screen, DetailScreen)
        await burst(pilot, "ctrl+e")
        await until(pilot, lambda: isinstance(app.screen, EarlierScreen))
