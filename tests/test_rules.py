"""Lifecycle guards (store/rules/lifecycle.py): every allowed and refused transition."""

from __future__ import annotations

from collections.abc import Callable
from itertools import permutations
from typing import Any

import pendulum
import pytest

from store import RuleViolation
from store.models import Technician
from store.rules.lifecycle import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    STATUSES,
    TICKET_ACTIONS,
    allowed_actions,
    check_arrive,
    check_assign,
    check_cancel,
    check_close,
    check_edit,
    check_hold,
    check_resolve,
    check_respond,
    check_resume,
    find_repeat,
    rank_technicians,
    refusal,
    status_after_assign,
    status_label,
)

T0 = pendulum.datetime(2026, 11, 25, 9, 0, tz="UTC")
DONE = ("resolved", "closed", "cancelled")


def refused(call: Callable[..., None], *args: Any) -> RuleViolation:
    with pytest.raises(RuleViolation) as info:
        call(*args)
    message = str(info.value)
    assert message and "\n" not in message and "{" not in message
    return info.value


def test_status_sets() -> None:
    assert set(ACTIVE_STATUSES) < set(OPEN_STATUSES) < set(STATUSES)
    assert set(OPEN_STATUSES) - set(ACTIVE_STATUSES) == {"resolved"}


# Every status as shown. In English most labels equal the status itself, so a
# label missing from the table would still read right; the Chinese ones prove
# each is translated (a missing one falls back to the English status).
LABELS_EN = {"new": "new", "assigned": "assigned", "onsite": "on site", "waiting": "on hold",
             "resolved": "resolved", "closed": "closed", "cancelled": "cancelled"}
LABELS_ZH = {"new": "新建", "assigned": "已派工", "onsite": "在场", "waiting": "挂起中",
             "resolved": "已修复", "closed": "已关闭", "cancelled": "已取消"}


def test_status_labels() -> None:
    assert {s: status_label(s) for s in STATUSES} == LABELS_EN
    assert status_label("onsite", "remote") == "remote"
    assert status_label("onsite", "onsite") == "on site"
    # Only an arrival is remote: the arrival mode of a later status is not its label.
    assert {s: status_label(s, "remote") for s in STATUSES if s != "onsite"} == {
        s: label for s, label in LABELS_EN.items() if s != "onsite"}
    assert status_label("mystery") == "mystery"


def test_status_labels_in_chinese(chinese: None) -> None:
    assert {s: status_label(s) for s in STATUSES} == LABELS_ZH
    assert status_label("onsite", "remote") == "远程"
    assert status_label("mystery") == "mystery"


# ----------------------------------------------------------------- respond

@pytest.mark.parametrize("status", ACTIVE_STATUSES)
def test_respond_allowed_while_active(status: str) -> None:
    check_respond(status, None)


@pytest.mark.parametrize("status", DONE)
def test_respond_refused_when_done(status: str) -> None:
    err = refused(check_respond, status, None)
    assert str(err) == f"A {status} ticket takes no first response."


def test_respond_only_once() -> None:
    assert str(refused(check_respond, "assigned", T0)) == "The first response is already logged."
    # Only its presence matters: True (as the transition table passes it) is logged, False is not.
    assert str(refused(check_respond, "assigned", True)) == "The first response is already logged."
    check_respond("assigned", False)


# ------------------------------------------------------------------ assign

@pytest.mark.parametrize("status", ACTIVE_STATUSES)
def test_first_assignment_needs_no_reason(status: str) -> None:
    check_assign(status, None, 7, "")


@pytest.mark.parametrize("status", ACTIVE_STATUSES)
def test_reassignment_needs_a_reason(status: str) -> None:
    for blank in ("", "   "):
        err = refused(check_assign, status, 3, 7, blank)
        assert str(err) == "A reassignment needs a reason."
        assert err.field == "reason"
    check_assign(status, 3, 7, "Li Wei is off sick")


def test_reassign_to_the_same_technician_refused() -> None:
    err = refused(check_assign, "assigned", 3, 3, "again")
    assert str(err) == "The ticket is already assigned to this technician."
    assert err.field == "technician_id"


@pytest.mark.parametrize("status", DONE)
def test_assign_refused_when_done(status: str) -> None:
    assert str(refused(check_assign, status, None, 7, "")) == f"A {status} ticket cannot be assigned."


def test_status_after_assign() -> None:
    assert status_after_assign("new") == "assigned"
    assert status_after_assign("assigned") == "assigned"
    assert status_after_assign("onsite") == "assigned"  # the new technician has not arrived
    assert status_after_assign("waiting") == "waiting"  # the clock stays stopped


# ------------------------------------------------------------------ arrive

def test_arrive_allowed_when_assigned() -> None:
    check_arrive("assigned", 3)


def test_arrive_needs_a_technician() -> None:
    for status in ("new", "assigned"):
        err = refused(check_arrive, status, None)
        assert str(err) == "Assign a technician before logging the arrival."


def test_arrive_twice_refused() -> None:
    assert str(refused(check_arrive, "onsite", 3)) == "The arrival is already logged."


@pytest.mark.parametrize("status", DONE)
def test_arrive_refused(status: str) -> None:
    assert str(refused(check_arrive, status, 3)) == f"A {status} ticket cannot be marked arrived."


# ----------------------------------------------------------- hold / resume

@pytest.mark.parametrize("status", ["new", "assigned", "onsite"])
def test_hold_allowed(status: str) -> None:
    check_hold(status)


@pytest.mark.parametrize("status", DONE)
def test_hold_refused(status: str) -> None:
    assert str(refused(check_hold, status)) == f"A {status} ticket cannot be put on hold."


def test_resume_only_when_waiting() -> None:
    check_resume("waiting")
    for status in STATUSES:
        if status != "waiting":
            assert str(refused(check_resume, status)) == "Only a ticket on hold can be resumed."


# ----------------------------------------------------------------- resolve

def test_resolve_allowed_on_site() -> None:
    check_resolve("onsite")


@pytest.mark.parametrize("status", ["new", "assigned"])
def test_resolve_before_arrival_refused(status: str) -> None:
    assert str(refused(check_resolve, status)) == "Log the arrival (on site or remote) before resolving."


@pytest.mark.parametrize("status", DONE)
def test_resolve_refused(status: str) -> None:
    assert str(refused(check_resolve, status)) == f"A {status} ticket cannot be resolved."


# A held ticket is shown "on hold": its refusals say what to do instead of
# "A on hold ticket …", and in Chinese they use the same word as the key (挂起).
HELD_REFUSALS = [(check_hold, "The ticket is already on hold.", "工单已挂起。"),
                 (check_arrive, "Resume the ticket before logging the arrival.", "请先恢复工单，再记录到场。"),
                 (check_resolve, "Resume the ticket before resolving it.", "请先恢复工单，再修复完成。")]


def _held(check: Callable[..., None]) -> RuleViolation:
    return refused(check, "waiting", 3) if check is check_arrive else refused(check, "waiting")


def test_a_held_ticket_refusals() -> None:
    assert [str(_held(check)) for check, _en, _zh in HELD_REFUSALS] == [en for _c, en, _zh in HELD_REFUSALS]


def test_a_held_ticket_refusals_in_chinese(chinese: None) -> None:
    assert [str(_held(check)) for check, _en, _zh in HELD_REFUSALS] == [zh for _c, _en, zh in HELD_REFUSALS]
    assert str(refused(check_resume, "new")) == "只有挂起中的工单才能恢复。"


def test_hold_is_one_word_on_screen_in_chinese(chinese: None) -> None:
    """The key (w), its form, the status it leads to and the history line all say 挂起."""
    from store.i18n import _

    words = [_("Hold"), _("Put #{id} on hold"), status_label("waiting"), _("put on hold"), _("Hold reason")]
    assert all("挂起" in w for w in words), words
    assert all("等待" not in w for w in words), words


# ------------------------------------------------------------------- close

def test_close_allowed_when_resolved() -> None:
    check_close("resolved")


@pytest.mark.parametrize("status", ACTIVE_STATUSES)
def test_close_before_resolve_refused(status: str) -> None:
    assert str(refused(check_close, status)) == "Resolve the ticket before closing it."


@pytest.mark.parametrize("status", ["closed", "cancelled"])
def test_close_refused_when_done(status: str) -> None:
    assert str(refused(check_close, status)) == f"A {status} ticket cannot be closed."


# ------------------------------------------------------------------ cancel

@pytest.mark.parametrize("status", ACTIVE_STATUSES)
def test_cancel_allowed_with_a_reason(status: str) -> None:
    check_cancel(status, "duplicate of #12")


@pytest.mark.parametrize("status", ACTIVE_STATUSES)
def test_cancel_needs_a_reason(status: str) -> None:
    err = refused(check_cancel, status, "  ")
    assert str(err) == "Cancelling needs a reason."
    assert err.field == "reason"


@pytest.mark.parametrize("status", DONE)
def test_cancel_refused_when_done(status: str) -> None:
    assert str(refused(check_cancel, status, "why")) == f"A {status} ticket cannot be cancelled."


# ------------------------------------------------------------- find_repeat

def test_find_repeat_window_edges() -> None:
    reported = T0
    exactly = reported.subtract(days=30)
    assert find_repeat([(1, exactly)], reported, 30) == 1
    assert find_repeat([(1, exactly.subtract(seconds=1))], reported, 30) is None
    assert find_repeat([(1, exactly.add(seconds=1))], reported, 30) == 1
    # A shorter window excludes what a longer one includes.
    assert find_repeat([(1, reported.subtract(days=10))], reported, 7) is None
    assert find_repeat([(1, reported.subtract(days=10))], reported, 10) == 1


def test_find_repeat_picks_the_most_recent_resolution() -> None:
    earlier = [
        (1, T0.subtract(days=20)),
        (2, T0.subtract(days=2)),
        (3, T0.subtract(days=9)),
    ]
    assert find_repeat(earlier, T0, 30) == 2


def test_find_repeat_ignores_unresolved_and_later_tickets() -> None:
    assert find_repeat([(1, None)], T0, 30) is None
    assert find_repeat([(1, None), (2, T0.subtract(days=5))], T0, 30) == 2
    # Resolved after the new fault was reported: not an earlier repair.
    assert find_repeat([(1, T0.add(minutes=1))], T0, 30) is None
    assert find_repeat([(1, T0)], T0, 30) == 1
    assert find_repeat([], T0, 30) is None


def test_find_repeat_tie_takes_the_later_ticket() -> None:
    """Two repairs of the equipment resolved at the same instant (a batch
    sign-off): the one with the higher number, whatever order they come in
    (the store's query has no order)."""
    at = T0.subtract(days=3)
    rows = [(4, at), (9, at), (6, at), (2, T0.subtract(days=4))]
    for order in permutations(rows):
        assert find_repeat(order, T0, 30) == 9


# ------------------------------------------------------------------- edit

@pytest.mark.parametrize("status", OPEN_STATUSES)
def test_edit_allowed_while_open(status: str) -> None:
    check_edit(status)


@pytest.mark.parametrize("status", ["closed", "cancelled"])
def test_edit_refused_when_final(status: str) -> None:
    assert str(refused(check_edit, status)) == f"A {status} ticket cannot be edited."


# ------------------------------------------------------ the transition table
# docs/rules.md "Lifecycle": for each action, what every status answers (None:
# allowed), for a ticket with a technician whose first response is not logged.
# The wording names the status as shown ("on site").
def _msg(text: str) -> dict[str, str | None]:
    return {s: text.format(status=LABELS_EN[s]) for s in STATUSES}


TABLE: dict[str, dict[str, str | None]] = {
    "assign": _msg("A {status} ticket cannot be assigned.") | dict.fromkeys(ACTIVE_STATUSES),
    "respond": _msg("A {status} ticket takes no first response.") | dict.fromkeys(ACTIVE_STATUSES),
    "arrive": _msg("A {status} ticket cannot be marked arrived.") | {
        "assigned": None, "onsite": "The arrival is already logged.",
        "waiting": "Resume the ticket before logging the arrival."},
    "hold": _msg("A {status} ticket cannot be put on hold.") | dict.fromkeys(("new", "assigned", "onsite")) | {
        "waiting": "The ticket is already on hold."},
    "resume": dict.fromkeys(STATUSES, "Only a ticket on hold can be resumed.") | {"waiting": None},
    "resolve": _msg("A {status} ticket cannot be resolved.") | dict.fromkeys(
        ("new", "assigned"), "Log the arrival (on site or remote) before resolving.") | {
        "onsite": None, "waiting": "Resume the ticket before resolving it."},
    "close": _msg("A {status} ticket cannot be closed.") | dict.fromkeys(
        ACTIVE_STATUSES, "Resolve the ticket before closing it.") | {"resolved": None},
    "cancel": _msg("A {status} ticket cannot be cancelled.") | dict.fromkeys(ACTIVE_STATUSES),
    "edit": _msg("A {status} ticket cannot be edited.") | dict.fromkeys(OPEN_STATUSES),
    "note": dict.fromkeys(STATUSES),  # a work note can always be added, closed tickets included
}


def expected(action: str, status: str, technician_id: int | None, responded: bool) -> str | None:
    if action == "arrive" and technician_id is None:
        return "Assign a technician before logging the arrival."
    if action == "respond" and responded and status in ACTIVE_STATUSES:
        return "The first response is already logged."
    return TABLE[action][status]


def test_the_table_covers_every_action() -> None:
    assert set(TABLE) == {*TICKET_ACTIONS, "edit", "note"}
    assert TICKET_ACTIONS == ("assign", "respond", "arrive", "hold", "resume", "resolve", "close", "cancel")


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("technician_id", [None, 3])
@pytest.mark.parametrize("responded", [False, True])
def test_refusal_answers_the_table(status: str, technician_id: int | None, responded: bool) -> None:
    for action in TABLE:
        assert refusal(action, status, technician_id, responded) == expected(action, status, technician_id, responded), action


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("technician_id", [None, 3])
@pytest.mark.parametrize("responded", [False, True])
def test_allowed_actions_are_those_without_a_refusal(status: str, technician_id: int | None, responded: bool) -> None:
    assert allowed_actions(status, technician_id, responded) == tuple(
        a for a in TICKET_ACTIONS if expected(a, status, technician_id, responded) is None)


def test_allowed_actions_along_the_lifecycle() -> None:
    assert allowed_actions("new", None, False) == ("assign", "respond", "hold", "cancel")
    assert allowed_actions("assigned", 3, False) == ("assign", "respond", "arrive", "hold", "cancel")
    assert allowed_actions("assigned", 3, True) == ("assign", "arrive", "hold", "cancel")
    assert allowed_actions("onsite", 3, True) == ("assign", "hold", "resolve", "cancel")
    assert allowed_actions("waiting", 3, True) == ("assign", "resume", "cancel")
    assert allowed_actions("resolved", 3, True) == ("close",)
    assert allowed_actions("closed", 3, True) == ()
    assert allowed_actions("cancelled", None, False) == ()


def test_refusals_in_chinese(chinese: None) -> None:
    assert refusal("assign", "closed", 3, True) == "状态为“已关闭”的工单不能派工。"
    assert refusal("edit", "cancelled", 3, True) == "状态为“已取消”的工单不能编辑。"
    assert refusal("respond", "onsite", 3, True) == "首次响应已记录。"
    assert refusal("hold", "waiting", 3, True) == "工单已挂起。"
    assert refusal("resume", "new", None, False) == "只有挂起中的工单才能恢复。"


# -------------------------------------------------------- rank_technicians

def _tech(id: int, name: str, skills: tuple[str, ...], load: int, on_duty: bool = True) -> Technician:
    return Technician(id=id, name=name, team_id=1, team_name="Alpha", phone="", skills=skills,
                      on_duty=on_duty, open_load=load)


def test_rank_technicians_skill_first_then_fewest_open_then_name() -> None:
    techs = [
        _tech(1, "Zhao", ("atm",), 3),
        _tech(2, "Qian", ("printer",), 0),
        _tech(3, "Sun", ("atm", "cash"), 1),
        _tech(4, "Li", ("atm",), 1),
        _tech(5, "Zhou", ("atm",), 0, on_duty=False),  # off duty: not offered
        _tech(6, "Wu", (), 2),
    ]
    ranked = rank_technicians(techs, "atm")
    assert [(t.id, match) for t, match in ranked] == [(4, True), (3, True), (1, True), (2, False), (6, False)]
    # The same whatever order the store hands them in.
    assert rank_technicians(list(reversed(techs)), "atm") == ranked
    assert [t.id for t, _m in rank_technicians(techs, "ups")] == [2, 4, 3, 6, 1]
    assert rank_technicians([techs[4]], "atm") == []
