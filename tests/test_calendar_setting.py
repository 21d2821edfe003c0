"""The calendar setting (store/rules/calendar.py, issue 11 §5): the old shapes and
the new read and stored as before, a bad value refused in one clear line, and
its parts as shown: times, days, periods and holidays (in Chinese too),
whether the center is open now, and edits that keep the rest."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pendulum
import pytest

from store.errors import RuleViolation
from store.rules.calendar import (
    CalendarSetting,
    calendar_from,
    check_calendar,
    day_names,
    day_text,
    holiday_label,
    holiday_text,
    open_now,
    parse_calendar,
    parse_days,
    parse_holiday,
    parse_periods,
    parse_time,
    period_text,
    weekday_index,
)
from store.rules.sla import AlwaysOpen
from store.rules.working_hours import Period, WorkingHours

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # the setting's keys, written out here


# ----------------------------------------------------------- the setting

def test_the_old_shapes_read_and_store_as_before() -> None:
    assert check_calendar({"kind": "24x7"}) == {"kind": "24x7"}
    assert check_calendar({"kind": "business", "opens": "8:30", "closes": "17:30", "weekdays": [5, 1, 1]}) == {
        "kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 5]}
    assert check_calendar({"kind": "business"}) == {
        "kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5]}


def test_the_new_shape_is_normalised() -> None:
    value = check_calendar({
        "kind": "business",
        "hours": {"1": ["13:00-17:30", "08:30-12:00"], "Saturday": "18:30–07:30", "sun": ["00:00-24:00"]},
        "holidays": ["2026-12-25", {"date": "--10-01", "until": "--10-07", "name": "  Golden   Week "},
                     "2026-12-24..2026-12-26", "2026-12-25"],
    })
    assert value == {
        "kind": "business",
        "hours": {"mon": ["08:30-12:00", "13:00-17:30"], "sat": ["18:30-07:30"], "sun": ["00:00-24:00"]},
        "holidays": [{"date": "--10-01", "until": "--10-07", "name": "Golden Week"},
                     {"date": "2026-12-24", "until": "2026-12-26"}, {"date": "2026-12-25"}],
    }


ONE_WINDOW = '{"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5]}'
HOURS = '{"mon": ["08:30-12:00", "13:00-17:30"], "sat": ["18:30-07:30"]}'
NOT_A_DATE = " is not a date like 2026-12-25, --12-25 (every year) or a range like 2026-12-24..2026-12-26"
BAD = [
    ([1, 2], "calendar must be a JSON object, e.g. " + ONE_WINDOW),
    ({"kind": "shifts"}, "calendar kind must be 24x7 or business, not shifts"),
    ({"kind": 7}, "calendar kind must be 24x7 or business, not 7"),
    ({"kind": ["班"]}, 'calendar kind must be 24x7 or business, not ["班"]'),
    ({"kind": "business", "open": "08:00", "days": 1},
     "calendar has unknown fields days, open; use kind, opens, closes, weekdays, hours, holidays"),
    ({"kind": "business", "opens": "25:00"}, 'calendar opens must be a time like 08:30, not "25:00"'),
    ({"kind": "business", "opens": 830}, "calendar opens must be a time like 08:30, not 830"),
    ({"kind": "business", "opens": "八点"}, 'calendar opens must be a time like 08:30, not "八点"'),
    ({"kind": "business", "closes": "24:30"}, 'calendar closes must be a time like 08:30, not "24:30"'),
    ({"kind": "business", "opens": "24:00"}, 'calendar opens must be a time like 08:30, not "24:00"'),
    ({"kind": "business", "opens": "08:60"}, 'calendar opens must be a time like 08:30, not "08:60"'),
    ({"kind": "business", "opens": "09:00", "closes": "09:00"},
     "calendar closes (09:00) is the same as opens (09:00); use 00:00 and 24:00 for whole days"),
    ({"kind": "business", "weekdays": []}, "calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"),
    ({"kind": "business", "weekdays": [0, 8]}, "calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"),
    ({"kind": "business", "weekdays": [1, 8]}, "calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"),
    ({"kind": "business", "weekdays": [True]}, "calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"),
    ({"kind": "business", "weekdays": ["1"]}, "calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"),
    ({"kind": "business", "weekdays": 1}, "calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"),
    ({"kind": "business", "hours": []}, "calendar hours must map weekdays to periods, e.g. " + HOURS),
    ({"kind": "business", "hours": {}}, "calendar hours must give at least one weekday a period, e.g. " + HOURS),
    ({"kind": "business", "hours": {"mon": []}}, "calendar hours must give at least one weekday a period, e.g. " + HOURS),
    ({"kind": "business", "hours": {"xyz": ["08:00-12:00"]}}, "calendar hours: xyz is not a weekday; use mon … sun"),
    ({"kind": "business", "hours": {"mon": ["08:00-12:00"], "1": ["13:00-14:00"]}}, "calendar hours: mon is given twice"),
    ({"kind": "business", "hours": {"mon": ["8-12"]}}, "calendar hours mon: 8-12 is not a period like 08:30-17:30"),
    ({"kind": "business", "hours": {"tue": ["0800"]}}, "calendar hours tue: 0800 is not a period like 08:30-17:30"),
    ({"kind": "business", "hours": {"mon": [8]}}, "calendar hours mon: 8 is not a period like 08:30-17:30"),
    ({"kind": "business", "hours": {"mon": ["24:00-08:00"]}}, "calendar hours mon: 24:00-08:00 is not a period like 08:30-17:30"),
    ({"kind": "business", "hours": {"mon": 8}},
     'calendar hours mon must be a list of periods like ["08:30-12:00", "13:00-17:30"]'),
    ({"kind": "business", "hours": {"mon": [f"{h:02d}:00-{h:02d}:30" for h in range(13)]}},
     'calendar hours mon must be a list of periods like ["08:30-12:00", "13:00-17:30"]'),
    ({"kind": "business", "hours": {"mon": ["08:00-12:00", "11:30-13:00"]}},
     "calendar hours mon: 08:00-12:00 and 11:30-13:00 overlap"),
    ({"kind": "business", "hours": {"mon": ["18:00-06:00", "20:00-21:00"]}},
     "calendar hours mon: 18:00-06:00 and 20:00-21:00 overlap"),
    ({"kind": "business", "hours": {"mon": ["12:00-12:00"]}},
     "calendar hours mon: 12:00-12:00 opens and closes at once; use 00:00-24:00 for a whole day"),
    ({"kind": "business", "hours": {"mon": ["08:00-12:00"]}, "opens": "08:00", "weekdays": [1]},
     "calendar takes hours or opens/closes/weekdays, not both (opens, weekdays)"),
    ({"kind": "24x7", "opens": "08:00", "hours": {}}, "a 24x7 calendar has no hours, opens; use kind business for opening hours"),
    ({"opens": "08:00"}, "a 24x7 calendar has no opens; use kind business for opening hours"),
    ({"closes": "17:00", "weekdays": [1]}, "a 24x7 calendar has no closes, weekdays; use kind business for opening hours"),
    ({"kind": "business", "hours": {"mon": ["08:00-12:00"]}, "closes": "12:00"},
     "calendar takes hours or opens/closes/weekdays, not both (closes)"),
    ({"kind": "business", "holidays": "2026-12-25"}, "calendar holidays must be a list of at most 1000 dates"),
    ({"kind": "business", "holidays": ["2026-12-25"] * 1001}, "calendar holidays must be a list of at most 1000 dates"),
    ({"kind": "business", "holidays": ["2026-02-30"]}, "calendar holiday 2026-02-30" + NOT_A_DATE),
    ({"kind": "business", "holidays": ["--13-01"]}, "calendar holiday --13-01" + NOT_A_DATE),
    ({"kind": "business", "holidays": ["26-12-25"]}, "calendar holiday 26-12-25" + NOT_A_DATE),
    ({"kind": "business", "holidays": [20261225]}, "calendar holiday 20261225" + NOT_A_DATE),
    ({"kind": "business", "holidays": [{"until": "2026-12-25"}]}, 'calendar holiday {"until": "2026-12-25"}' + NOT_A_DATE),
    ({"kind": "business", "holidays": ["2026-12-26..2026-12-24"]}, "calendar holiday 2026-12-26..2026-12-24 ends before it starts"),
    ({"kind": "business", "holidays": ["2026-01-01..2027-01-02"]}, "calendar holiday 2026-01-01..2027-01-02 is longer than a year"),
    ({"kind": "business", "holidays": ["--01-01..--06-30", "--07-01..--12-31"]},
     "calendar holidays every year cover the whole year: no day is left to work"),
    ({"kind": "24x7", "holidays": ["--03-01..--02-29"]}, "calendar holidays every year cover the whole year: no day is left to work"),
    ({"kind": "business", "holidays": ["--12-24..2026-12-26"]}, "calendar holiday --12-24..2026-12-26" + NOT_A_DATE),
    ({"kind": "business", "holidays": [{"date": "2026-12-25", "why": "x", "also": 1}]},
     "calendar holiday has unknown fields also, why; use date, until, name"),
    ({"kind": "business", "holidays": [{"date": "2026-12-25", "name": "x" * 81}]},
     "calendar holiday name must be text of at most 80 characters"),
    ({"kind": "business", "holidays": [{"date": "2026-12-25", "name": 7}]},
     "calendar holiday name must be text of at most 80 characters"),
]


@pytest.mark.parametrize(("value", "message"), BAD)
def test_a_bad_calendar_is_one_clear_line(value: Any, message: str) -> None:
    with pytest.raises(RuleViolation) as info:
        check_calendar(value)
    assert str(info.value) == message
    # Read back from a damaged file, the same text as a ValueError (the store reports the file).
    with pytest.raises(ValueError) as err:
        calendar_from(value, "UTC")  # type: ignore[arg-type]
    assert str(err.value) == message and not isinstance(err.value, RuleViolation)


def test_the_edges_that_pass() -> None:
    # A holiday of 366 days (a leap year's worth), a name of 80 characters, 1000 holidays, 12 periods a day.
    assert check_calendar({"holidays": ["2028-01-01..2028-12-31"]})["holidays"] == [{"date": "2028-01-01", "until": "2028-12-31"}]
    assert check_calendar({"holidays": [{"date": "2026-12-25", "name": "x" * 80}]})["holidays"][0]["name"] == "x" * 80
    days = [(date(2026, 1, 1) + timedelta(days=i)).isoformat() for i in range(1000)]
    assert len(check_calendar({"holidays": days})["holidays"]) == 1000
    twelve = [f"{h:02d}:00-{h:02d}:30" for h in range(12)]
    assert check_calendar({"kind": "business", "hours": {"mon": twelve}})["hours"]["mon"] == twelve
    # Periods that touch do not overlap; closing at 24:00 in the one-window shape; days as 1 and 7.
    assert check_calendar({"kind": "business", "hours": {"mon": "08:00-12:00 12:00-13:00"}})["hours"]["mon"] == [
        "08:00-12:00", "12:00-13:00"]
    assert check_calendar({"kind": "business", "opens": "00:00", "closes": "24:00", "weekdays": [7, 1]}) == {
        "kind": "business", "opens": "00:00", "closes": "24:00", "weekdays": [1, 7]}
    # A yearly range across the new year, and every day of the year but 29 February is a holiday: still a day to work.
    assert check_calendar({"holidays": ["--03-01..--02-28"]})["holidays"] == [{"date": "--03-01", "until": "--02-28"}]
    assert check_calendar({"holidays": [{"date": "--12-31", "until": "--01-01", "name": ""}]})["holidays"] == [
        {"date": "--12-31", "until": "--01-01"}]

# ------------------------------------------------------- parts, as shown

def test_times_days_and_periods() -> None:
    assert [parse_time(t, allow_24=False) for t in ("8:30", " 08:30 ", "00:00", "23:59", "24:00", "23:60", "8", None)] == [
        510, 510, 0, 1439, None, None, None, None]
    assert [parse_time(t, allow_24=True) for t in ("24:00", "24:01", "25:00")] == [1440, None, None]
    assert [weekday_index(k) for k in ("mon", "MONDAY", " Tue ", "tues", "7", 7, "1", "0", "8", "mo", "", "sunday", "x")] == [
        0, 0, 1, 1, 6, 6, 0, None, None, None, None, 6, None]
    assert parse_days("mon-fri") == [0, 1, 2, 3, 4]
    assert parse_days("sat,sun") == [5, 6]
    assert parse_days("1-5") == [0, 1, 2, 3, 4]
    assert parse_days("fri-mon") == [4, 5, 6, 0]  # round the weekend
    assert parse_days("wed") == [2]
    assert [parse_days(w) for w in ("daily", " ALL ", "every")] == [list(range(7))] * 3
    with pytest.raises(RuleViolation) as info:
        parse_days("mon, someday")
    assert str(info.value) == "someday is not a weekday or a range like mon-fri"
    with pytest.raises(RuleViolation) as info:
        parse_days("mon-xyz")
    assert str(info.value) == "mon-xyz is not a weekday or a range like mon-fri"
    assert parse_periods("13:00-17:30, 08:30–12:00", "hours mon") == (Period(510, 720), Period(780, 1050))


def test_days_and_holidays_as_shown() -> None:
    assert day_names() == ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    assert day_text(()) == "closed"
    assert day_text((Period(0, 1440),)) == "24 hours"
    assert day_text((Period(510, 720), Period(780, 1050))) == "08:30-12:00, 13:00-17:30"
    assert day_text((Period(1110, 450),)) == "18:30-07:30 (to the next day)"
    assert day_text((Period(0, 720),)) == "00:00-12:00"
    assert period_text(Period(0, 1440)) == "00:00-24:00"
    golden, christmas, eve = (parse_holiday(h) for h in ("--10-01..--10-07", "2026-12-25", "2026-12-24..2026-12-26"))
    assert [holiday_text(h) for h in (golden, christmas, eve)] == ["--10-01..--10-07", "2026-12-25", "2026-12-24..2026-12-26"]
    assert [holiday_label(h) for h in (golden, christmas, eve)] == ["every year 10-01..10-07", "2026-12-25", "2026-12-24..2026-12-26"]
    assert holiday_label(parse_holiday("--10-01")) == "every year 10-01"


def test_days_and_holidays_in_chinese(chinese: None) -> None:
    assert day_names() == ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
    assert day_text((Period(0, 1440),)) == "24 小时"
    assert day_text((Period(1110, 450),)) == "18:30-07:30 （至次日）"
    assert holiday_label(parse_holiday("--10-01..--10-07")) == "每年 10-01..10-07"


SHANGHAI = "Asia/Shanghai"


def test_open_now() -> None:
    cal = calendar_from({"kind": "business", "opens": "08:30", "closes": "17:30"}, SHANGHAI)
    wed = pendulum.datetime(2026, 11, 25, 10, 0, tz=SHANGHAI)
    assert open_now(cal, wed, SHANGHAI) == "open until 17:30"
    assert open_now(cal, wed.replace(hour=8, minute=30), SHANGHAI) == "open until 17:30"
    assert open_now(cal, wed.replace(hour=7), SHANGHAI) == "closed until 08:30"
    assert open_now(cal, wed.replace(hour=17, minute=30), SHANGHAI) == "closed until Thu 2026-11-26 08:30"
    assert open_now(cal, wed.add(days=2, hours=8), SHANGHAI) == "closed until Mon 2026-11-30 08:30"
    # Shown in the zone asked for, whatever zone "now" is in.
    assert open_now(cal, wed.in_timezone("UTC"), SHANGHAI) == "open until 17:30"
    assert open_now(cal, wed, "UTC") == "open until 09:30"
    # Open into the next morning.
    nights = calendar_from({"kind": "business", "hours": {"wed": ["18:30-07:30"]}}, SHANGHAI)
    assert open_now(nights, wed.replace(hour=20), SHANGHAI) == "open until Thu 2026-11-26 07:30"
    assert open_now(AlwaysOpen(), wed, SHANGHAI) == "open round the clock"
    # After lunch, in 24-hour time; and "today" is the site's day, not UTC's (Shanghai's morning is UTC's evening before).
    lunch = calendar_from({"kind": "business", "hours": {"wed": ["07:00-12:00", "13:00-17:30"]}}, SHANGHAI)
    assert open_now(lunch, wed.replace(hour=12, minute=30), SHANGHAI) == "closed until 13:00"
    assert open_now(lunch, wed.replace(hour=6), SHANGHAI) == "closed until 07:00"
    assert open_now(lunch, wed.replace(hour=7, minute=30), SHANGHAI) == "open until 12:00"


def test_open_now_in_chinese(chinese: None) -> None:
    cal = calendar_from({"kind": "business", "opens": "08:30", "closes": "17:30"}, SHANGHAI)
    wed = pendulum.datetime(2026, 11, 25, 10, 0, tz=SHANGHAI)
    assert open_now(cal, wed, SHANGHAI) == "工作中，至 17:30 结束"
    assert open_now(cal, wed.replace(hour=7), SHANGHAI) == "休息中，08:30 开始工作"
    assert open_now(AlwaysOpen(), wed, SHANGHAI) == "全天候工作"


def test_edits_keep_the_rest() -> None:
    setting = parse_calendar({"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5],
                              "holidays": ["2026-12-25"]})
    sat = setting.with_day(5, parse_calendar({"kind": "business", "hours": {"sat": "09:00-13:00"}}).week[5])
    assert sat.to_json()["hours"]["sat"] == ["09:00-13:00"] and sat.to_json()["hours"]["mon"] == ["08:30-17:30"]
    from store.rules.calendar import parse_holiday
    named = setting.with_holiday(parse_holiday({"date": "2026-12-25", "name": "Christmas"}))
    assert named.to_json()["holidays"] == [{"date": "2026-12-25", "name": "Christmas"}]
    assert named.without_holiday(parse_holiday("2026-12-25")).to_json().get("holidays") is None
    with pytest.raises(RuleViolation, match="no holiday 2026-12-24"):
        named.without_holiday(parse_holiday("2026-12-24"))
    # A 24x7 calendar edited on one day becomes 24-hour days but that one.
    sunday_off = parse_calendar({"kind": "24x7"}).with_day(6, ())
    assert sunday_off.to_json() == {"kind": "business", "hours": {key: ["00:00-24:00"] for key in DAYS[:6]}}


def test_edits_by_the_whole_setting() -> None:
    christmas, new_year = parse_holiday("2026-12-25"), parse_holiday("--01-01")
    setting = parse_calendar({"kind": "business", "opens": "08:30", "closes": "17:30", "holidays": ["2026-12-25"]})
    assert setting.simple is True
    assert len(parse_calendar({"kind": "business", "hours": {"sun": ["08:00-12:00"]}}).week) == 7
    sat = setting.with_day(5, (Period(540, 780),))
    assert sat == CalendarSetting("business", (*setting.week[:5], (Period(540, 780),), ()), (christmas,), simple=False)
    # Adding keeps the others (yearly first); adding the same dates renames; removing keeps the rest.
    both = setting.with_holiday(new_year)
    assert both.holidays == (new_year, christmas)
    renamed = both.with_holiday(parse_holiday({"date": "2026-12-25", "name": "Christmas"}))
    assert [h.name for h in renamed.holidays] == ["", "Christmas"]
    assert both.without_holiday(christmas) == CalendarSetting("business", setting.week, (new_year,), simple=True)
    with pytest.raises(RuleViolation) as info:
        both.without_holiday(parse_holiday("2026-12-24..2026-12-26"))
    assert str(info.value) == "There is no holiday 2026-12-24..2026-12-26 in the calendar"
    # The calendars a setting builds.
    assert parse_calendar({"holidays": ["2026-12-25"]}).calendar("UTC") == WorkingHours(
        "UTC", ((Period(0, 1440),),) * 7, (christmas,))
    assert setting.calendar("UTC") == WorkingHours("UTC", setting.week, (christmas,))
