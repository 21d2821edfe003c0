"""Times phoned in late (store/rules/stated.py): what "14:05" means, which times a
step refuses, and a time not come yet: refused with the reason in the store,
asked "yesterday?" on the form (issue 22)."""

from __future__ import annotations

import pendulum
import pytest
from console_helpers import app_for, burst, make_ticket, settle, until
from pendulum import DateTime
from textual.widgets import Input, Static

from console.screens.form import ActionForm
from console.widgets.confirm import ConfirmScreen
from store import Store
from store.errors import ValidationFailed
from store.rules.stated import FIELD, check_stated, later_today, parse_stated

TZ = "Asia/Shanghai"  # UTC+8, no clock changes
NOW = pendulum.datetime(2026, 11, 25, 14, 30, tz=TZ)  # 06:30 UTC


def local(hour: int, minute: int, day: int = 25, month: int = 11, year: int = 2026) -> DateTime:
    return pendulum.datetime(year, month, day, hour, minute, tz=TZ).in_timezone("UTC")


def refused(call: object, *args: object) -> str:
    with pytest.raises(ValidationFailed) as info:
        call(*args)  # type: ignore[operator]
    assert list(info.value.errors) == [FIELD] == ["at"]
    return info.value.errors[FIELD]


# ------------------------------------------------------------------ parsing

def test_nothing_means_now() -> None:
    assert parse_stated(None, TZ, NOW) is None
    assert parse_stated("", TZ, NOW) is None
    assert parse_stated("   ", TZ, NOW) is None


def test_an_instant_is_taken_as_it_is() -> None:
    stated = parse_stated(NOW.subtract(minutes=5), TZ, NOW)
    assert stated == NOW.subtract(minutes=5) and stated is not None and stated.timezone_name == "UTC"


def test_a_time_of_day_is_today_and_one_not_come_yet_is_refused() -> None:
    assert parse_stated("14:05", TZ, NOW) == local(14, 5)
    assert parse_stated(" 9:05 ", TZ, NOW) == local(9, 5)
    assert parse_stated("14:30", TZ, NOW) == local(14, 30)  # now itself is today
    # A minute ahead is never silently yesterday's (issue 22): the reason, and how to say yesterday.
    assert refused(parse_stated, "14:31", TZ, NOW) == (
        "14:31 has not come yet today (now 14:30); for yesterday's, type yesterday 14:31")
    assert parse_stated("yesterday 14:31", TZ, NOW) == local(14, 31, day=24)
    assert parse_stated("Yesterday  23:50", TZ, NOW) == local(23, 50, day=24)
    assert parse_stated("昨天 23:50", TZ, NOW) == parse_stated("昨日23:50", TZ, NOW) == local(23, 50, day=24)
    just_after_midnight = pendulum.datetime(2026, 11, 25, 0, 10, tz=TZ)
    assert refused(parse_stated, "23:50", TZ, just_after_midnight) == (
        "23:50 has not come yet today (now 00:10); for yesterday's, type yesterday 23:50")
    assert parse_stated("yesterday 23:50", TZ, just_after_midnight) == local(23, 50, day=24)
    assert parse_stated("00:05", TZ, just_after_midnight) == local(0, 5)
    # On the 1st, last night is the last day of the month before.
    first = pendulum.datetime(2027, 1, 1, 0, 10, tz=TZ)
    assert parse_stated("yesterday 23:50", TZ, first) == local(23, 50, day=31, month=12)


def test_a_day_and_time_is_this_year_and_a_date_is_exact() -> None:
    assert parse_stated("11-24 18:00", TZ, NOW) == local(18, 0, day=24)
    assert parse_stated("1-2 3:04", TZ, NOW) == local(3, 4, day=2, month=1)
    assert parse_stated("2026-11-24 18:00", TZ, NOW) == local(18, 0, day=24)
    assert parse_stated("2025-1-2 03:04", TZ, NOW) == local(3, 4, day=2, month=1, year=2025)
    # In UTC, eight hours behind the site, whatever the machine's own zone.
    stated = parse_stated("2026-11-25 07:00", TZ, NOW)
    assert stated == pendulum.datetime(2026, 11, 24, 23, 0)
    assert stated is not None and stated.timezone_name == "UTC"


@pytest.mark.parametrize("text", ["25:00", "14:60", "02-30 10:00", "2026-13-01 10:00", "14h05", "14:05:00",
                                  "11-25", "now", "14:5", "2026-11-25T14:05",
                                  "yesterday 25:00", "yesterday", "tomorrow 10:00"])
def test_anything_else_is_one_clear_message(text: str) -> None:
    assert refused(parse_stated, text, TZ, NOW) == "a time like 14:05, yesterday 21:00 or 11-25 14:05 (site time)"


def test_the_message_in_chinese(chinese: None) -> None:
    assert refused(parse_stated, "14h05", TZ, NOW) == "时间格式如 14:05、昨天 21:00 或 11-25 14:05（当地时间）"


# ------------------------------------------------------------------ checks

def test_now_and_earlier_pass() -> None:
    check_stated(NOW, NOW, [], TZ)
    check_stated(local(10, 0), NOW, [("reported", local(9, 0)), ("assigned", None)], TZ)
    check_stated(local(10, 0), NOW, [("assigned", local(10, 0))], TZ)  # at the same minute as the step before


def test_a_time_in_the_future_is_refused() -> None:
    assert refused(check_stated, NOW.add(seconds=1), NOW, [], TZ) == "11-25 14:30 is in the future (now 11-25 14:30)"
    assert refused(check_stated, local(16, 0), NOW, [], TZ) == "11-25 16:00 is in the future (now 11-25 14:30)"


def test_a_time_before_the_latest_step_is_refused() -> None:
    steps = [("reported", local(9, 0)), ("assigned", local(11, 0)), ("responded", None), ("paused", local(10, 0))]
    assert refused(check_stated, local(10, 30), NOW, steps, TZ) == "11-25 10:30 is before assigned (11-25 11:00)"
    assert refused(check_stated, local(8, 0), NOW, steps, TZ) == "11-25 08:00 is before assigned (11-25 11:00)"
    check_stated(local(11, 0), NOW, steps, TZ)


def test_the_checks_in_chinese(chinese: None) -> None:
    assert refused(check_stated, local(16, 0), NOW, [], TZ) == "11-25 16:00 晚于当前时间（现在是 11-25 14:30）"
    assert refused(check_stated, local(10, 30), NOW, [("到场", local(11, 0))], TZ) == "11-25 10:30 早于到场时间（11-25 11:00）"


# ------------------------------------------------- later_today (issue 22)
def _sh(y: int, mo: int, d: int, h: int, mi: int, s: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(y, mo, d, h, mi, s, tz="Asia/Shanghai")


def test_later_today_is_the_same_time_yesterday_in_the_sites_zone() -> None:
    from store.rules.stated import later_today
    now = _sh(2026, 12, 6, 19, 4).in_timezone("UTC")  # the clock gives UTC; the site is in Shanghai
    got = later_today(" 21:05 ", "Asia/Shanghai", now)
    assert got is not None
    assert got.in_timezone("UTC") == pendulum.datetime(2026, 12, 5, 13, 5, tz="UTC")
    assert (got.in_timezone("Asia/Shanghai").hour, got.in_timezone("Asia/Shanghai").minute) == (21, 5)
    # across a month end: yesterday of the 1st is the 30th of November
    first = later_today("09:30", "Asia/Shanghai", _sh(2026, 12, 1, 8, 0))
    assert first is not None and first.in_timezone("UTC") == _sh(2026, 11, 30, 9, 30).in_timezone("UTC")


def test_later_today_is_none_for_a_time_already_come_or_not_a_bare_time() -> None:
    from store.rules.stated import later_today
    now = _sh(2026, 12, 6, 19, 4)
    assert later_today("19:04", "Asia/Shanghai", now) is None  # now itself has come
    assert later_today("18:59", "Asia/Shanghai", now) is None
    assert later_today("25:00", "Asia/Shanghai", now) is None  # parse_stated says what is wrong
    assert later_today("yesterday 21:00", "Asia/Shanghai", now) is None
    assert later_today(None, "Asia/Shanghai", now) is None
    assert later_today("", "Asia/Shanghai", now) is None


# ------------------------------------------------ a time not come yet
# A time typed later than now is never silently yesterday's (issue 22):
# the store refuses it with the reason, takes "yesterday 21:00", and the
# console asks "yesterday?" before writing it.

EVENING = pendulum.datetime(2026, 12, 6, 19, 4, tz=TZ)


def test_a_time_not_come_yet_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_stated("21:00", TZ, EVENING)
    assert err.value.errors["at"] == "21:00 has not come yet today (now 19:04); for yesterday's, type yesterday 21:00"
    assert parse_stated("18:30", TZ, EVENING) == pendulum.datetime(2026, 12, 6, 18, 30, tz=TZ)
    for text in ("yesterday 21:00", "Yesterday 21:00", "昨天 21:00", "昨天21:00"):
        assert parse_stated(text, TZ, EVENING) == pendulum.datetime(2026, 12, 5, 21, 0, tz=TZ)
    # Just after midnight, last night's time is asked for the same way.
    assert later_today("23:50", TZ, pendulum.datetime(2026, 12, 6, 0, 10, tz=TZ)) == pendulum.datetime(
        2026, 12, 5, 23, 50, tz=TZ)
    assert later_today("18:00", TZ, EVENING) is None and later_today("25:00", TZ, EVENING) is None


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
