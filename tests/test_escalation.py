"""The escalation ladder (store/rules/escalation.py): the setting and its checks,
and the instants each level falls due, worked out by hand here (24×7,
business hours with a lunch break, a holiday, a hold across a level, a
priority change). tests/test_escalation_property.py runs random histories
against a minute-stepping reference."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest
from pendulum import DateTime

from store.errors import RuleViolation
from store.i18n import set_language
from store.rules.calendar import calendar_from
from store.rules.escalation import (
    AT_RISK,
    DEFAULT_SETTING,
    ClockRun,
    check_escalation,
    escalation_from,
    level_due,
    level_text,
    next_due,
    parse_escalation,
    running_clocks,
    to_fire,
)
from store.rules.sla import DEFAULT_POLICY, AlwaysOpen, Pause, clock_statuses

SH = "Asia/Shanghai"
# Mon–Fri 08:30–12:00 and 13:00–17:30, National Day week off every year.
OFFICE = calendar_from({"kind": "business",
                        "hours": {d: ["08:30-12:00", "13:00-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")},
                        "holidays": [{"date": "--10-01", "until": "--10-07", "name": "National Day"}]}, SH)
ALWAYS = AlwaysOpen()


def utc(text: str) -> DateTime:
    t = pendulum.parse(text, tz="UTC")
    assert isinstance(t, DateTime)
    return t


def sh(text: str) -> DateTime:
    """A Shanghai wall time as an instant."""
    t = pendulum.parse(text, tz=SH)
    assert isinstance(t, DateTime)
    return t.in_timezone("UTC")


def response(priority: int, reported: DateTime, pauses: tuple[Pause, ...] = ()) -> ClockRun:
    run = running_clocks(reported, DEFAULT_POLICY[priority], {}, pauses, status="assigned")[0]
    assert run.clock == "response"
    return run


def fires(now: DateTime, run: ClockRun, priority: int, calendar: Any = ALWAYS,
          fired: dict[str, float] | None = None) -> list[tuple[int, str, tuple[int, ...]]]:
    """(level, due instant in UTC, skipped levels) of what fires at ``now``."""
    return [(f.level, f.due_at.to_iso8601_string(), f.skipped)
            for f in to_fire(now, [run], DEFAULT_SETTING, priority, calendar, fired or {})]


# ------------------------------------------------------------ the setting

def test_the_default_ladder_is_the_centers_plan() -> None:
    assert check_escalation({}) == {"default": [
        {"at": "at_risk", "to": ["foreman"]},
        {"at": "breached", "to": ["foreman", "duty_manager"]},
        {"at": 1.5, "to": ["managers"]},
    ]}
    assert escalation_from(None) == DEFAULT_SETTING
    set_language("en")
    assert [level_text(lv) for lv in DEFAULT_SETTING.default] == [
        "at risk (25 % left) → the team's foreman",
        "breached → the team's foreman, the duty manager",
        "breached by 50 % of the window → the center's managers",
    ]


def test_a_ladder_per_priority_and_clock_round_trips() -> None:
    value = {"default": [{"at": 0.5, "to": ["foreman"]}, {"at": "breached", "to": ["managers", "foreman"]}],
             "priorities": {"P1": {"response": [{"at": 0.6, "to": ["duty_manager"]}], "resolve": []}}}
    setting = parse_escalation(value)
    assert [lv.at for lv in setting.ladder(1, "response")] == [0.6]
    assert setting.ladder(1, "resolve") == ()
    assert setting.ladder(1, "onsite") == setting.default == setting.ladder(4, "response")
    assert setting.default[1].to == ("foreman", "managers")  # fixed order
    stored = check_escalation(value)
    assert stored["priorities"] == {"1": {"response": [{"at": 0.6, "to": ["duty_manager"]}], "resolve": []}}
    assert check_escalation(stored) == stored and parse_escalation(stored) == setting


@pytest.mark.parametrize(("value", "words"), [
    ([], "must be a JSON object"),
    ({"levels": []}, "unknown fields levels"),
    ({"default": {"at": 1}}, "default must be a list of at most 6 levels"),
    ({"default": [{"at": 1}]}, "default level 1 must have the fields at and to"),
    ({"default": [{"at": "soon", "to": ["foreman"]}]}, "default level 1: at must be at_risk, breached or the share"),
    ({"default": [{"at": 0, "to": ["foreman"]}]}, "from 0.01 to 10"),
    ({"default": [{"at": True, "to": ["foreman"]}]}, "not true"),
    ({"default": [{"at": 1, "to": []}]}, "to must list one or more of foreman, duty_manager, managers"),
    ({"default": [{"at": 1, "to": ["ceo"]}]}, 'not ["ceo"]'),
    ({"default": [{"at": 1, "to": ["foreman"]}, {"at": "at_risk", "to": ["foreman"]}]},
     "level 2 must come later than level 1 (at risk (25 % left) is not after breached)"),
    ({"priorities": {"9": {}}}, "9 is not a priority (1 to 4)"),
    ({"priorities": {"1": {}, "P1": {}}}, "P1 is not a priority (1 to 4) or is given twice"),
    ({"priorities": {"2": {"arrival": []}}}, "priorities P2: arrival is not a clock; use response, onsite, resolve"),
    ({"priorities": {"2": {"onsite": [{"at": 20, "to": ["foreman"]}]}}}, "P2 onsite level 1: at must"),
    ({"priorities": []}, "priorities must map a priority to its clocks"),
])
def test_a_bad_ladder_is_one_clear_line(value: Any, words: str) -> None:
    set_language("en")
    with pytest.raises(RuleViolation) as err:
        check_escalation(value)
    assert words in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ValueError, match="escalation"):
        escalation_from(value)


def test_the_ladder_speaks_chinese() -> None:
    set_language("zh_Hans")
    try:
        assert level_text(DEFAULT_SETTING.default[1]) == "已超时 → 本工班工长、值班主管"
        with pytest.raises(RuleViolation) as err:
            check_escalation({"default": [{"at": 1, "to": ["ceo"]}]})
        assert "升级" in str(err.value)
    finally:
        set_language("en")


# ------------------------------------------------------------------ 24×7

def test_24x7_levels_fall_due_at_the_clocks_own_instants() -> None:
    reported = utc("2026-11-25T09:00:00")
    run = response(1, reported)  # P1: 15 minutes
    assert [level_due(run, lv.at, ALWAYS, reported) for lv in DEFAULT_SETTING.default] == [
        utc("2026-11-25T09:11:15"), utc("2026-11-25T09:15:00"), utc("2026-11-25T09:22:30")]
    status = clock_statuses(reported, DEFAULT_POLICY[1], {}, (), ALWAYS)[0]
    assert (status.risk_at, status.due) == (utc("2026-11-25T09:11:15"), utc("2026-11-25T09:15:00"))
    assert fires(utc("2026-11-25T09:11:14"), run, 1) == []
    assert fires(utc("2026-11-25T09:11:15"), run, 1) == [(1, "2026-11-25T09:11:15Z", ())]
    assert fires(utc("2026-11-25T09:16:00"), run, 1, fired={"response": AT_RISK}) == [(2, "2026-11-25T09:15:00Z", ())]
    assert fires(utc("2026-11-25T10:00:00"), run, 1, fired={"response": 1.5}) == []


def test_a_process_that_looks_late_fires_only_the_highest_level_passed() -> None:
    run = response(1, utc("2026-11-25T09:00:00"))
    assert fires(utc("2026-11-25T09:30:00"), run, 1) == [(3, "2026-11-25T09:22:30Z", (1, 2))]
    assert fires(utc("2026-11-25T09:16:00"), run, 1) == [(2, "2026-11-25T09:15:00Z", (1,))]


def test_every_unmet_clock_escalates_on_its_own_and_a_met_one_never() -> None:
    reported = utc("2026-11-25T09:00:00")
    runs = running_clocks(reported, DEFAULT_POLICY[1], {"response": utc("2026-11-25T09:05:00")}, status="onsite")
    assert [r.clock for r in runs] == ["onsite", "resolve"]
    for status in ("resolved", "closed", "cancelled"):  # nothing runs any more
        assert running_clocks(reported, DEFAULT_POLICY[1], {}, status=status) == []
    now = utc("2026-11-25T10:00:00")  # on site (1 h) breached; resolve (4 h) not yet at risk
    assert [(f.clock, f.level) for f in to_fire(now, runs, DEFAULT_SETTING, 1, ALWAYS, {})] == [("onsite", 2)]
    assert next_due(now, runs, DEFAULT_SETTING, 1, ALWAYS, {"onsite": 1.0}) == utc("2026-11-25T10:30:00")


# --------------------------------------------------------- business hours

def test_business_hours_with_a_lunch_break() -> None:
    # Reported Wednesday 11:50; P2 first response 30 working minutes: 10 before
    # lunch, the rest from 13:00.
    run = response(2, sh("2026-11-25T11:50:00"))
    dues = [level_due(run, lv.at, OFFICE, sh("2026-11-25T11:50:00")) for lv in DEFAULT_SETTING.default]
    assert dues == [sh("2026-11-25T13:12:30"), sh("2026-11-25T13:20:00"), sh("2026-11-25T13:35:00")]
    assert fires(sh("2026-11-25T12:59:59"), run, 2, OFFICE) == []  # 10 minutes used, lunch does not count
    assert fires(sh("2026-11-25T13:12:30"), run, 2, OFFICE) == [(1, sh("2026-11-25T13:12:30").to_iso8601_string(), ())]


def test_the_evening_and_the_weekend_do_not_count() -> None:
    # Friday 17:20, P1 first response (15 min): 10 minutes on Friday, 5 on Monday.
    run = response(1, sh("2026-11-27T17:20:00"))
    assert fires(sh("2026-11-29T20:00:00"), run, 1, OFFICE) == []
    assert next_due(sh("2026-11-27T17:30:00"), [run], DEFAULT_SETTING, 1, OFFICE, {}) == sh("2026-11-30T08:31:15")
    assert fires(sh("2026-11-30T08:36:00"), run, 1, OFFICE) == [
        (2, sh("2026-11-30T08:35:00").to_iso8601_string(), (1,))]


def test_a_ticket_reported_on_a_holiday_escalates_when_working_time_says_so() -> None:
    # National Day week (1–7 October), then Thursday 8 October 2026 08:30.
    run = response(1, sh("2026-10-02T10:00:00"))
    assert fires(sh("2026-10-07T23:59:00"), run, 1, OFFICE) == []
    assert next_due(sh("2026-10-02T10:00:00"), [run], DEFAULT_SETTING, 1, OFFICE, {}) == sh("2026-10-08T08:41:15")
    assert fires(sh("2026-10-08T08:41:15"), run, 1, OFFICE) == [(1, sh("2026-10-08T08:41:15").to_iso8601_string(), ())]


# ------------------------------------------------------------------ holds

def test_a_hold_across_a_level_moves_it_and_a_held_clock_fires_nothing() -> None:
    reported = utc("2026-11-25T09:00:00")
    held = Pause(utc("2026-11-25T09:10:00"))  # 10 minutes used, 1m15s before at risk
    run = response(1, reported, (held,))
    now = utc("2026-11-25T09:30:00")
    assert level_due(run, AT_RISK, ALWAYS, now) is None  # no due instant while held
    assert fires(now, run, 1) == []
    assert next_due(now, [run], DEFAULT_SETTING, 1, ALWAYS, {}) is None
    resumed = response(1, reported, (Pause(held.start, utc("2026-11-25T09:40:00")),))
    assert level_due(resumed, AT_RISK, ALWAYS, utc("2026-11-25T09:40:00")) == utc("2026-11-25T09:41:15")
    assert fires(utc("2026-11-25T09:41:14"), resumed, 1) == []
    assert fires(utc("2026-11-25T09:41:15"), resumed, 1) == [(1, "2026-11-25T09:41:15Z", ())]


def test_a_level_passed_just_before_a_hold_fires_after_the_resume() -> None:
    reported = utc("2026-11-25T09:00:00")
    hold = Pause(utc("2026-11-25T09:12:00"), utc("2026-11-25T09:20:00"))
    run = response(1, reported, (hold,))
    # Nobody looked between 09:11:15 and the hold; while held nothing fires.
    assert fires(utc("2026-11-25T09:15:00"), run, 1) == []
    assert fires(utc("2026-11-25T09:20:00"), run, 1) == [(1, "2026-11-25T09:11:15Z", ())]
    # Breached moves by the hold: 15 working minutes end at 09:23.
    assert fires(utc("2026-11-25T09:23:00"), run, 1, fired={"response": AT_RISK}) == [(2, "2026-11-25T09:23:00Z", ())]


def test_a_hold_overdue_freezes_the_overdue_time() -> None:
    # Breached at 09:15, held 09:20–11:00 (5 minutes overdue); 1.5 (22m30s) comes 2m30s after the resume.
    run = response(1, utc("2026-11-25T09:00:00"), (Pause(utc("2026-11-25T09:20:00"), utc("2026-11-25T11:00:00")),))
    assert fires(utc("2026-11-25T11:02:29"), run, 1, fired={"response": 1.0}) == []
    assert fires(utc("2026-11-25T11:02:30"), run, 1, fired={"response": 1.0}) == [(3, "2026-11-25T11:02:30Z", ())]


# -------------------------------------------------------- priority change

def test_a_priority_change_moves_the_points_and_fired_levels_stay_fired() -> None:
    reported = utc("2026-11-25T09:00:00")
    # P3: first response in 60 minutes, at risk at 09:45, fired then.
    p3 = response(3, reported)
    assert fires(utc("2026-11-25T09:45:00"), p3, 3) == [(1, "2026-11-25T09:45:00Z", ())]
    # 09:50, raised to P1 (15 minutes): 50 minutes used is past every level;
    # only the highest fires, at risk is not fired again, breached is skipped.
    p1 = response(1, reported)
    assert fires(utc("2026-11-25T09:50:00"), p1, 1, fired={"response": AT_RISK}) == [(3, "2026-11-25T09:22:30Z", (2,))]
    # Back to P3 at 09:55: breached (10:00) and 1.5 (10:30) come again, but
    # escalation only goes up: nothing above 1.5 is left, so nothing fires.
    for now in ("2026-11-25T10:00:00", "2026-11-25T10:30:00", "2026-11-26T09:00:00"):
        assert fires(utc(now), p3, 3, fired={"response": 1.5}) == []
    assert next_due(utc("2026-11-25T09:55:00"), [p3], DEFAULT_SETTING, 3, ALWAYS, {"response": 1.5}) is None


def test_a_lower_priority_moves_the_points_later() -> None:
    reported = utc("2026-11-25T09:00:00")
    # Lowered from P1 to P3 at 09:05: at risk moves from 09:11:15 to 09:45.
    p3 = response(3, reported)
    assert fires(utc("2026-11-25T09:20:00"), p3, 3) == []
    assert next_due(utc("2026-11-25T09:05:00"), [p3], DEFAULT_SETTING, 3, ALWAYS, {}) == utc("2026-11-25T09:45:00")


def test_a_ladder_for_one_priority_and_clock() -> None:
    setting = parse_escalation({"priorities": {"1": {"response": [{"at": 0.5, "to": ["duty_manager"]}]}}})
    run = response(1, utc("2026-11-25T09:00:00"))
    [fire] = to_fire(utc("2026-11-25T09:08:00"), [run], setting, 1, ALWAYS, {})
    assert (fire.level, fire.at, fire.due_at, fire.to) == (1, 0.5, utc("2026-11-25T09:07:30"), ("duty_manager",))
    assert to_fire(utc("2026-11-26T09:00:00"), [run], setting, 1, ALWAYS, {"response": 0.5}) == []
    assert to_fire(utc("2026-11-25T09:08:00"), [response(2, run.start)], setting, 2, ALWAYS, {}) == []


def test_the_breached_level_follows_the_queues_mark_at_every_instant() -> None:
    # Reported Wednesday 17:00, P2 first response (30 working minutes): due at
    # the 17:30 close, held at that very instant, resumed at 18:00.
    reported = sh("2026-11-25T17:00:00")
    pauses = (Pause(sh("2026-11-25T17:30:00"), sh("2026-11-25T18:00:00")),)
    run = response(2, reported, pauses)
    for now in ("2026-11-25T17:29:59", "2026-11-25T17:45:00", "2026-11-25T18:30:00", "2026-11-26T08:29:59",
                "2026-11-26T08:30:00", "2026-11-26T09:00:00"):
        status = clock_statuses(reported, DEFAULT_POLICY[2], {}, pauses, OFFICE)[0]
        fired = to_fire(sh(now), [run], DEFAULT_SETTING, 2, OFFICE, {"response": AT_RISK})
        assert (status.state(sh(now)) == "breached") == bool(fired), now
