"""Improvement items and complaints (store/rules/improve.py): their states, the
moves each state allows and to whom, due times, the settings' checks and
every label, in English and in Chinese."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

from store.errors import RuleViolation, StaleTicket
from store.rules.improve import (
    COMPLAINT_STATES,
    COMPLAINT_STEPS,
    DEFAULT_MEETING_DAY,
    DEFAULT_STEP_HOURS,
    ITEM_MOVES,
    ITEM_STATES,
    MANAGER_ITEM_ACTIONS,
    OVERDUE_MARK,
    STEP_DONE_AT,
    Complaint,
    Item,
    StaleRecord,
    check_complaint_step,
    check_item_move,
    check_meeting_day,
    check_step_hours,
    complaint_next_step,
    complaint_state_label,
    complaint_step_label,
    due_date,
    item_action_label,
    item_actions,
    item_state_label,
    month_bounds,
    source_label,
)

T0 = pendulum.datetime(2026, 11, 25, 9, 0, tz="UTC")


def refused(call: Any, *args: Any) -> str:
    with pytest.raises(RuleViolation) as info:
        call(*args)
    return str(info.value)


# ------------------------------------------------------------------ labels

ITEM_STATE_EN = {"open": "open", "followed_up": "follow-up done", "proposed": "measures proposed",
                 "submitted": "submitted", "confirmed": "confirmed"}
ITEM_STATE_ZH = {"open": "待跟进", "followed_up": "已跟进", "proposed": "已提措施", "submitted": "已提交", "confirmed": "已确认"}
ITEM_ACTION_EN = {"follow_up": "Follow-up done", "propose": "Propose measures", "submit": "Submit",
                  "confirm": "Confirm", "send_back": "Send back"}
ITEM_ACTION_ZH = {"follow_up": "完成跟进", "propose": "提出措施", "submit": "提交", "confirm": "确认", "send_back": "退回"}
COMPLAINT_STATE_EN = {"registered": "registered", "accepted": "accepted", "investigated": "investigated",
                      "handled": "handled", "followed_up": "followed up", "closed": "closed"}
COMPLAINT_STATE_ZH = {"registered": "已登记", "accepted": "已受理", "investigated": "已调查", "handled": "已处理",
                      "followed_up": "已回访", "closed": "已关闭"}
STEP_EN = {"accept": "Accept", "investigate": "Investigate", "handle": "Handle", "follow_up": "Follow-up callback",
           "close": "Close"}
STEP_ZH = {"accept": "受理", "investigate": "调查", "handle": "处理", "follow_up": "跟进回访", "close": "关闭"}


def labels() -> dict[str, dict[str, str]]:
    return {
        "item states": {s: item_state_label(s) for s in ITEM_STATES},
        "item actions": {a: item_action_label(a) for a in ITEM_MOVES},
        "complaint states": {s: complaint_state_label(s) for s in COMPLAINT_STATES},
        "steps": {s: complaint_step_label(s) for s in COMPLAINT_STEPS},
        "sources": {s: source_label(s) for s in ("callback", "complaint")},
    }


def test_labels_in_english() -> None:
    assert labels() == {"item states": ITEM_STATE_EN, "item actions": ITEM_ACTION_EN,
                        "complaint states": COMPLAINT_STATE_EN, "steps": STEP_EN,
                        "sources": {"callback": "unsatisfied callback", "complaint": "complaint"}}
    # Unknown codes are shown as they are.
    for label in (item_state_label, item_action_label, complaint_state_label, complaint_step_label, source_label):
        assert label("mystery") == "mystery"
    assert OVERDUE_MARK == "!"


def test_labels_in_chinese(chinese: None) -> None:
    assert labels() == {"item states": ITEM_STATE_ZH, "item actions": ITEM_ACTION_ZH,
                        "complaint states": COMPLAINT_STATE_ZH, "steps": STEP_ZH,
                        "sources": {"callback": "不满意回访", "complaint": "投诉"}}


# ------------------------------------------------------------------- items

# docs/rules.md "Improvement items": state -> (action -> the state it leads to).
ITEM_TABLE = {
    "open": {"follow_up": "followed_up"},
    "followed_up": {"propose": "proposed"},
    "proposed": {"propose": "proposed", "submit": "submitted"},
    "submitted": {"confirm": "confirmed", "send_back": "proposed"},
    "confirmed": {},
}


def test_item_moves_follow_the_table() -> None:
    assert ITEM_STATES == tuple(ITEM_TABLE)
    assert MANAGER_ITEM_ACTIONS == ("confirm", "send_back")
    for state, moves in ITEM_TABLE.items():
        assert item_actions(state, None) == list(moves)
        assert item_actions(state, "manager") == list(moves)
        assert item_actions(state, "foreman") == [a for a in moves if a not in ("confirm", "send_back")]
        assert item_actions(state, "dispatcher") == []
        for action in ITEM_MOVES:
            if action in moves:
                assert check_item_move(action, state) == moves[action]
            else:
                assert refused(check_item_move, action, state).startswith(
                    f"An item that is {ITEM_STATE_EN[state]} cannot be moved by '{ITEM_ACTION_EN[action]}'")


def test_item_refusals_say_what_is_needed() -> None:
    assert refused(check_item_move, "submit", "open") == (
        "An item that is open cannot be moved by 'Submit'; it needs to be measures proposed")
    assert refused(check_item_move, "propose", "submitted") == (
        "An item that is submitted cannot be moved by 'Propose measures'; it needs to be follow-up done or measures proposed")


def test_item_refusals_in_chinese(chinese: None) -> None:
    assert refused(check_item_move, "propose", "submitted") == (
        "状态为“已提交”的改善项目不能执行“提出措施”；需处于以下状态：已跟进 或 已提措施")


def test_due_on_the_meeting_day_of_the_next_month() -> None:
    assert DEFAULT_MEETING_DAY == 10
    assert due_date(T0, "UTC", 10) == pendulum.date(2026, 12, 10)
    assert due_date(pendulum.datetime(2026, 12, 31, 12), "UTC", 10) == pendulum.date(2027, 1, 10)
    assert due_date(pendulum.datetime(2026, 1, 31, 12), "UTC", 28) == pendulum.date(2026, 2, 28)
    # The site's date: 30 Nov 20:00 UTC is already 1 December in Shanghai.
    late = pendulum.datetime(2026, 11, 30, 20, 0)
    assert (due_date(late, "UTC", 10), due_date(late, "Asia/Shanghai", 10)) == (
        pendulum.date(2026, 12, 10), pendulum.date(2027, 1, 10))


@pytest.mark.parametrize("value", [0, 29, 31, -1, 10.0, "10", True, None])
def test_meeting_day_refused(value: Any) -> None:
    assert refused(check_meeting_day, value) == "meeting_day must be a day of the month from 1 to 28"


def test_meeting_day_accepted() -> None:
    assert [check_meeting_day(d) for d in (1, 10, 28)] == [1, 10, 28]


def item(**kw: Any) -> Item:
    base: dict[str, Any] = {"id": 1, "ticket_id": 5, "team_id": 1, "source": "callback", "source_id": 3,
                            "opened_at": T0, "due_date": pendulum.date(2026, 12, 10), "state": "proposed", "version": 2}
    return Item(**base | kw)


def test_an_item_sent_back_says_so() -> None:
    assert item().state_label == "measures proposed"
    assert item(sent_back_reason="").state_label == "measures proposed"
    assert item(sent_back_reason="say which parts").state_label == "sent back"
    assert item(state="submitted", sent_back_reason="earlier").state_label == "submitted"


def test_an_item_sent_back_in_chinese(chinese: None) -> None:
    assert item(sent_back_reason="say which parts").state_label == "已退回"


# -------------------------------------------------------------- complaints

def test_complaint_steps_go_one_way() -> None:
    assert COMPLAINT_STATES == ("registered", "accepted", "investigated", "handled", "followed_up", "closed")
    assert list(COMPLAINT_STEPS) == ["accept", "investigate", "handle", "follow_up", "close"]
    assert [complaint_next_step(s) for s in COMPLAINT_STATES] == [*COMPLAINT_STEPS, None]
    assert complaint_next_step("mystery") is None
    for i, state in enumerate(COMPLAINT_STATES):
        for j, step in enumerate(COMPLAINT_STEPS):
            if i == j:
                assert check_complaint_step(step, state) == COMPLAINT_STATES[i + 1]
            else:
                nxt = STEP_EN[list(COMPLAINT_STEPS)[i]] if i < len(COMPLAINT_STEPS) else "none (closed)"
                assert refused(check_complaint_step, step, state) == (
                    f"A complaint that is {COMPLAINT_STATE_EN[state]} cannot take the step '{STEP_EN[step]}'; "
                    f"its next step is {nxt}")


def test_complaint_refusals_in_chinese(chinese: None) -> None:
    assert refused(check_complaint_step, "accept", "closed") == (
        "状态为“已关闭”的投诉不能执行“受理”步骤；下一步应为：无（已关闭）")


def test_step_hours() -> None:
    assert DEFAULT_STEP_HOURS == {"accept": 2, "investigate": 24, "handle": 48, "follow_up": 72, "close": 168}
    assert check_step_hours(DEFAULT_STEP_HOURS) == DEFAULT_STEP_HOURS
    # Normalised to the steps' order; equal hours are allowed, as is 1.
    hours = {"close": 5, "follow_up": 4, "handle": 4, "investigate": 2, "accept": 1}
    assert list(check_step_hours(hours).items()) == [("accept", 1), ("investigate", 2), ("handle", 4),
                                                     ("follow_up", 4), ("close", 5)]
    assert set(STEP_DONE_AT) == set(COMPLAINT_STEPS)


@pytest.mark.parametrize("value", [None, [], {"accept": 2}, {**DEFAULT_STEP_HOURS, "extra": 1}])
def test_step_hours_must_name_every_step(value: Any) -> None:
    assert refused(check_step_hours, value).startswith("complaint_step_hours must name every step, e.g. {")


@pytest.mark.parametrize("change", [{"accept": 0}, {"accept": -2}, {"accept": 2.5}, {"accept": True},
                                    {"accept": "2"}, {"investigate": 1}, {"close": 71}])
def test_step_hours_must_rise_in_whole_hours(change: dict[str, Any]) -> None:
    assert refused(check_step_hours, DEFAULT_STEP_HOURS | change) == (
        "complaint_step_hours must be whole hours of at least 1, in step order, e.g. "
        '{"accept": 2, "investigate": 24, "handle": 48, "follow_up": 72, "close": 168}')


def complaint(**kw: Any) -> Complaint:
    due = {s: T0.add(hours=h) for s, h in DEFAULT_STEP_HOURS.items()}
    base: dict[str, Any] = {"id": 1, "ticket_id": 5, "received_at": T0, "registered_by": "ann", "complainant": "Mrs Zhao",
                            "matter": "rude", "state": "accepted", "step_done": {"accept": T0.add(hours=1)},
                            "step_due": due, "version": 2, "next_step": "investigate"}
    return Complaint(**base | kw)


def test_late_steps() -> None:
    c = complaint()
    assert c.late_steps(T0.add(hours=24)) == []  # the next step at its due time is not late yet
    assert c.late_steps(T0.add(hours=24, seconds=1)) == ["investigate"]
    # A step taken after its due time stays late; one taken on time does not.
    c = complaint(state="investigated", next_step="handle",
                  step_done={"accept": T0.add(hours=3), "investigate": T0.add(hours=24)})
    assert c.late_steps(T0.add(hours=30)) == ["accept"]
    assert c.late_steps(T0.add(hours=100)) == ["accept", "handle"]
    # Steps after the next one are not judged yet.
    assert complaint(next_step=None).late_steps(T0.add(days=30)) == []


# ------------------------------------------------------------ months, stale

def test_month_bounds() -> None:
    assert month_bounds("2026-11") == ("2026-11-01", "2026-12-01")
    assert month_bounds("2026-12") == ("2026-12-01", "2027-01-01")
    for bad in ("2026-13", "2026/11", "november", "2026-11-05"):
        assert refused(month_bounds, bad) == f"A month is written YYYY-MM, e.g. 2026-11, not {bad}"
    assert refused(month_bounds, "20\x1b[2J26") == "A month is written YYYY-MM, e.g. 2026-11, not 20[2J26"
    assert refused(month_bounds, "2026\n11") == "A month is written YYYY-MM, e.g. 2026-11, not 2026 11"  # one line


def test_a_stale_record_says_who_and_when() -> None:
    err = StaleRecord("Item", 4, "li.wei", pendulum.datetime(2026, 11, 25, 6, 30), 3, tz="Asia/Shanghai")
    assert isinstance(err, StaleTicket)
    assert (err.record_id, err.ticket_id, err.by, err.version, err.changes) == (4, 4, "li.wei", 3, [])
    assert err.at == pendulum.datetime(2026, 11, 25, 6, 30)
    assert str(err) == "Item #4 was changed by li.wei at 2026-11-25 14:30:00; it has been reloaded, check and try again."
    assert str(StaleRecord("Complaint", 9, "x\ny", None, 1)) == (
        "Complaint #9 was changed by x y at ?; it has been reloaded, check and try again.")
    assert "2026-11-25 06:30:00" in str(StaleRecord("Item", 4, "li.wei", pendulum.datetime(2026, 11, 25, 6, 30), 3))
