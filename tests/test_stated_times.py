"""A time typed later than now is never silently yesterday's (issue 22):
the store refuses it with the reason, takes "yesterday 21:00", and the
console asks "yesterday?" before writing it."""

from __future__ import annotations

import pendulum
import pytest
from console_helpers import app_for, burst, make_ticket, settle, until
from textual.widgets import Input, Static

from console.screens.form import ActionForm
from console.widgets.confirm import ConfirmScreen
from store import Store
from store.errors import ValidationFailed
from store.stated import later_today, parse_stated

TZ = "Asia/Shanghai"
NOW = pendulum.datetime(2026, 12, 6, 19, 4, tz=TZ)


def test_a_time_not_come_yet_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_stated("21:00", TZ, NOW)
    assert err.value.errors["at"] == "21:00 has not come yet today (now 19:04); for yesterday's, type yesterday 21:00"
    assert parse_stated("18:30", TZ, NOW) == pendulum.datetime(2026, 12, 6, 18, 30, tz=TZ)
    for text in ("yesterday 21:00", "Yesterday 21:00", "昨天 21:00", "昨天21:00"):
        assert parse_stated(text, TZ, NOW) == pendulum.datetime(2026, 12, 5, 21, 0, tz=TZ)
    # Just after midnight, last night's time is asked for the same way.
    assert later_today("23:50", TZ, pendulum.datetime(2026, 12, 6, 0, 10, tz=TZ)) == pendulum.datetime(
        2026, 12, 5, 23, 50, tz=TZ)
    assert later_today("18:00", TZ, NOW) is None and later_today("25:00", TZ, NOW) is None


async def test_the_form_asks_yesterday_and_saves_the_date_it_shows(store: Store, clock) -> None:
    t = make_ticket(store)  # reported 2026-11-25 09:00 (UTC site)
    clock.advance(days=1)  # 11-26 09:00
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "r", "tab", *"21:00", "ctrl+s")
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.query_one(".title", Static).render())
        assert "21:00 has not come yet today (it is 09:00). Yesterday, 2026-11-25 21:00?" == question
        await burst(pilot, "escape")  # no: back to the form, nothing written
        assert isinstance(app.screen, ActionForm) and store.tickets.ticket(t.id).first_response_at is None
        await burst(pilot, "ctrl+s", "y")
        await until(pilot, lambda: store.tickets.ticket(t.id).first_response_at is not None)
    assert store.tickets.ticket(t.id).first_response_at == pendulum.datetime(2026, 11, 25, 21, 0, tz="UTC")


async def test_yesterday_before_the_report_says_so_beside_the_date(store: Store, clock) -> None:
    make_ticket(store)  # reported 11-25 09:00
    clock.advance(hours=1)  # 10:00
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "r", "tab", *"10:30", "ctrl+s", "y")
        assert isinstance(app.screen, ActionForm)
        await until(pilot, lambda: "before the report" in str(app.screen.query_one("#e-at", Static).render()))
        assert app.screen.query_one("#f-at", Input).value == "2026-11-24 10:30"
