"""Lifecycle guards (store/rules.py): every allowed and refused transition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
import pytest

from store import RuleViolation
from store.rules import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    STATUSES,
    check_arrive,
    check_assign,
    check_cancel,
    check_close,
    check_pause,
    check_resolve,
    check_respond,
    check_resume,
    find_repeat,
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


def test_status_labels() -> None:
    assert status_label("onsite") == "on site"
    assert status_label("onsite", "remote") == "remote"
    assert status_label("onsite", "onsite") == "on site"
    assert status_label("waiting") == "waiting"
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


@pytest.mark.parametrize("status", ["waiting", *DONE])
def test_arrive_refused(status: str) -> None:
    assert str(refused(check_arrive, status, 3)) == f"A {status} ticket cannot be marked arrived."


# ---------------------------------------------------------- pause / resume

@pytest.mark.parametrize("status", ["new", "assigned", "onsite"])
def test_pause_allowed(status: str) -> None:
    check_pause(status)


@pytest.mark.parametrize("status", ["waiting", *DONE])
def test_pause_refused(status: str) -> None:
    assert str(refused(check_pause, status)) == f"A {status} ticket cannot be put on hold."


def test_resume_only_when_waiting() -> None:
    check_resume("waiting")
    for status in STATUSES:
        if status != "waiting":
            assert str(refused(check_resume, status)) == "Only a waiting ticket can be resumed."


# ----------------------------------------------------------------- resolve

def test_resolve_allowed_on_site() -> None:
    check_resolve("onsite")


@pytest.mark.parametrize("status", ["new", "assigned"])
def test_resolve_before_arrival_refused(status: str) -> None:
    assert str(refused(check_resolve, status)) == "Log the arrival (on site or remote) before resolving."


@pytest.mark.parametrize("status", ["waiting", *DONE])
def test_resolve_refused(status: str) -> None:
    assert str(refused(check_resolve, status)) == f"A {status} ticket cannot be resolved."


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
