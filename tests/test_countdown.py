"""The countdown (store/rules/countdown.py): its text, its state, the words beside a
clock, in English and in Chinese.

Durations are checked against a reference that splits a number of seconds
into days, hours, minutes and seconds and keeps the two largest units from
the first one that is not zero."""

from __future__ import annotations

import re
from typing import Any

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st
from pendulum import DateTime
from sla_helpers import at

from store.models import QueueRow
from store.rules.countdown import (
    COUNTDOWN_WIDTH,
    STATE_SYMBOL,
    clock_label,
    clock_title,
    clock_words,
    duration,
    overdue,
    row_clock,
    state_label,
)
from store.rules.sla import ClockStatus

NOW = pendulum.datetime(2026, 11, 25, 9, 0, tz="UTC")
TS = NOW.timestamp()


# ------------------------------------------------------------------ labels

def test_labels_in_english() -> None:
    assert [clock_label(c) for c in ("response", "onsite", "resolve", None, "other")] == ["resp", "site", "fix", "", ""]
    assert [clock_title(c) for c in ("response", "onsite", "resolve", "other")] == [
        "First response", "On site / remote", "Resolved", "other"]
    assert [state_label(s) for s in ("ok", "at_risk", "breached", "other")] == ["ok", "at risk", "breached", "other"]
    # Colour never carries the state alone.
    assert STATE_SYMBOL == {"ok": " ", "at_risk": "!", "breached": "✗"}


def test_labels_in_chinese(chinese: None) -> None:
    assert [clock_label(c) for c in ("response", "onsite", "resolve", None)] == ["响应", "到场", "修复", ""]
    assert [clock_title(c) for c in ("response", "onsite", "resolve")] == ["首次响应", "到场 / 远程", "修复完成"]
    assert [state_label(s) for s in ("ok", "at_risk", "breached")] == ["正常", "即将超时", "已超时"]


# --------------------------------------------------------------- durations

def reference(seconds: float) -> str:
    """The two largest units from the first that is not zero (seconds alone under a minute)."""
    s = int(abs(seconds))
    parts = [(s // 86400, "d"), (s % 86400 // 3600, "h"), (s % 3600 // 60, "m"), (s % 60, "s")]
    first = next((i for i, (n, _u) in enumerate(parts) if n), 3)
    if first == 3:
        return f"{parts[3][0]}s"
    (big, unit), (small, small_unit) = parts[first], parts[first + 1]
    return f"{big}{unit}{small:02d}{small_unit}"


def test_duration_forms() -> None:
    cases = {0: "0s", 0.9: "0s", 1: "1s", 59: "59s", 59.99: "59s", 60: "1m00s", 61: "1m01s", 790: "13m10s",
             3599: "59m59s", 3600: "1h00m", 3660: "1h01m", 5460: "1h31m", 86399: "23h59m", 86400: "1d00h",
             90000: "1d01h", 190000: "2d04h", 120 * 86400: "120d00h"}
    assert {s: duration(s) for s in cases} == cases
    # The sign is the caller's: the text is of the amount.
    assert duration(-790) == "13m10s"


@settings(max_examples=300, deadline=None)
@given(seconds=st.floats(-1000 * 86400, 1000 * 86400, allow_nan=False))
def test_duration_matches_the_reference(seconds: float) -> None:
    assert duration(seconds) == reference(seconds)


def test_overdue_counts_started_minutes() -> None:
    cases = {1: "+1m", 59: "+1m", 60: "+1m", 61: "+2m", 119: "+2m", 120: "+2m", 44 * 60: "+44m",
             3599: "+60m", 3600: "+1h00m", 3661: "+1h01m", 45480: "+12h38m", 86400 + 3600: "+1d01h"}
    assert {s: overdue(s) for s in cases} == cases
    # The console's clock has microseconds: under a second late is a started minute too.
    assert [overdue(s) for s in (0.000001, 0.4, 59.6, 60.4, 3599.5)] == ["+1m", "+1m", "+1m", "+2m", "+60m"]
    assert row_clock(running(-0.25), TS) == ("+1m", "breached")
    assert row_clock(row(frozen_left_s=-0.25), TS) == ("=+1m", "breached")


# ------------------------------------------------------------ the queue cell

def row(**kw: Any) -> QueueRow:
    base: dict[str, Any] = {
        "id": 1, "version": 1, "priority": 2, "status": "assigned", "arrival_mode": None, "site_name": "S",
        "equipment_tag": None, "description": "d", "technician_name": None, "repeat_of": None,
        "next_clock": "response", "due_at": None, "risk_at": None, "frozen_left_s": None, "window_s": 3600,
    }
    base.update(kw)
    return QueueRow(**base)


def running(left: float, risk_in: float | None = None) -> QueueRow:
    """A running clock with ``left`` seconds to its deadline, at risk ``risk_in`` seconds from now."""
    return row(due_ts=TS + left, risk_ts=None if risk_in is None else TS + risk_in)


def test_a_running_clock() -> None:
    assert row_clock(running(790, risk_in=100), TS) == ("13m10s", "ok")
    assert row_clock(running(790, risk_in=0), TS) == ("13m10s", "at_risk")  # at risk from risk_at on
    assert row_clock(running(790, risk_in=-5), TS) == ("13m10s", "at_risk")
    assert row_clock(running(790), TS) == ("13m10s", "ok")  # (no risk instant: never at risk)
    assert row_clock(running(0.5, risk_in=-5), TS) == ("0s", "at_risk")
    assert row_clock(running(5460, risk_in=100), TS) == ("1h31m", "ok")


def test_a_clock_at_and_past_its_deadline() -> None:
    assert row_clock(running(0), TS) == ("0s", "breached")
    assert row_clock(running(-1), TS) == ("+1m", "breached")
    assert row_clock(running(-61), TS) == ("+2m", "breached")
    assert row_clock(running(-3599), TS) == ("+60m", "breached")
    assert row_clock(running(-3600), TS) == ("+1h00m", "breached")
    assert row_clock(running(-45480), TS) == ("+12h38m", "breached")
    # Too wide with both units: the larger alone.
    assert row_clock(running(-(12 * 86400 + 3600)), TS) == ("+12d01h", "breached")
    assert row_clock(running(-(120 * 86400 + 3600)), TS) == ("+120d", "breached")


def test_a_stopped_clock() -> None:
    assert row_clock(row(frozen_left_s=47 * 60.0), TS) == ("=47m00s", "ok")
    assert row_clock(row(frozen_left_s=900.0), TS) == ("=15m00s", "at_risk")  # a quarter of the hour left
    assert row_clock(row(frozen_left_s=901.0), TS) == ("=15m01s", "ok")
    assert row_clock(row(frozen_left_s=0.0), TS) == ("=0s", "breached")  # held at the deadline
    assert row_clock(row(frozen_left_s=None), TS) == ("=0s", "breached")
    assert row_clock(row(frozen_left_s=-1.0), TS) == ("=+1m", "breached")
    assert row_clock(row(frozen_left_s=-47 * 60.0), TS) == ("=+47m", "breached")
    assert row_clock(row(frozen_left_s=-3599.0), TS) == ("=+60m", "breached")
    assert row_clock(row(frozen_left_s=-3600.0), TS) == ("=+1h00m", "breached")
    assert row_clock(row(frozen_left_s=-91 * 60.0), TS) == ("=+1h31m", "breached")
    assert row_clock(row(frozen_left_s=-(12 * 3600 + 38 * 60.0)), TS) == ("=+12h", "breached")
    assert row_clock(row(frozen_left_s=12 * 86400 + 4 * 3600.0, window_s=10**6), TS) == ("=12d04h", "ok")
    assert row_clock(row(frozen_left_s=120 * 86400 + 4 * 3600.0, window_s=10**8), TS) == ("=120d", "at_risk")
    # A row without its window is judged on a window of 0: any time left is ok.
    assert row_clock(row(frozen_left_s=60.0, window_s=None), TS) == ("=1m00s", "ok")
    assert row_clock(row(frozen_left_s=0.2, window_s=None), TS) == ("=0s", "ok")


def test_no_clock_left() -> None:
    assert row_clock(row(next_clock=None, status="resolved"), TS) == ("done", None)


def test_no_clock_left_in_chinese(chinese: None) -> None:
    assert row_clock(row(next_clock=None, status="resolved"), TS) == ("已完成", None)


@settings(max_examples=300, deadline=None)
@given(left=st.integers(-400 * 86400, 400 * 86400), frozen=st.booleans())
def test_the_cell_fits_and_reads_as_a_countdown(left: int, frozen: bool) -> None:
    text, state = row_clock(row(frozen_left_s=float(left)) if frozen else running(left), TS)
    assert len(text) <= COUNTDOWN_WIDTH and ":" not in text
    mark = "=" if frozen else ""
    if left > 0:
        assert text.startswith(mark) and text[len(mark):] in (reference(left), reference(left)[:-3])
    elif left == 0:
        assert text == mark + "0s"
    else:
        late = mark + ("+" + reference(left) if -left >= 3600 else f"+{-(left // 60)}m")
        assert text in (late, late[:-3])
    # (A stopped clock on its one-hour window; the running one has no risk instant.)
    assert state == ("breached" if left <= 0 else "at_risk" if frozen and left <= 900 else "ok")


# ------------------------------------------------------- words beside a clock

def clock(due: DateTime | None = None, frozen: float | None = None, met: DateTime | None = None) -> ClockStatus:
    return ClockStatus("response", 3600, due, None, frozen, met)


def test_clock_words() -> None:
    due = NOW.add(minutes=30)
    assert clock_words(clock(due, met=NOW), None, "09:00") == "met 09:00"
    assert clock_words(clock(due, met=due), None, "09:30") == "met 09:30"
    assert clock_words(clock(due, met=due.add(seconds=1)), None, "09:30") == "met 09:30 (late)"
    assert clock_words(clock(None, frozen=100.0, met=NOW), None, "09:00") == "met 09:00"  # met while stopped
    assert clock_words(clock(due), 790.0, "") == "13m10s left"
    assert clock_words(clock(due), 0.0, "") == "0s left"
    assert clock_words(clock(due), None, "") == "0s left"
    assert clock_words(clock(due), -3720.0, "") == "1h02m overdue"
    assert clock_words(clock(None, frozen=2820.0), 5.0, "") == "stopped, 47m00s left"  # (the running seconds ignored)
    assert clock_words(clock(None, frozen=0.0), None, "") == "stopped, 0s left"
    assert clock_words(clock(None, frozen=None), None, "") == "stopped, 0s left"
    assert clock_words(clock(None, frozen=-720.0), None, "") == "stopped, 12m00s overdue"


def test_clock_words_in_chinese(chinese: None) -> None:
    due = NOW.add(minutes=30)
    assert clock_words(clock(due, met=due.add(seconds=1)), None, "09:30") == "完成于 09:30 （超时）"
    assert clock_words(clock(due), 790.0, "") == "剩余 13m10s"
    assert clock_words(clock(due), -3720.0, "") == "超时 1h02m"
    assert clock_words(clock(None, frozen=2820.0), None, "") == "已暂停，剩余 47m00s"
    assert clock_words(clock(None, frozen=-720.0), None, "") == "已暂停，超时 12m00s"


TIME_OF_DAY = re.compile(r"^\D?\d{1,2}:\d{2}$")

def test_countdown_forms() -> None:
    assert [duration(s) for s in (0, 42, 59, 60, 790, 3599, 3600, 5460, 86399, 86400, 190000)] == [
        "0s", "42s", "59s", "1m00s", "13m10s", "59m59s", "1h00m", "1h31m", "23h59m", "1d00h", "2d04h"]
    assert [overdue(s) for s in (1, 60, 61, 44 * 60, 3600, 45480)] == [
        "+1m", "+1m", "+2m", "+44m", "+1h00m", "+12h38m"]

def clock_row(**kw: Any) -> QueueRow:
    base: dict[str, Any] = {
        "id": 1, "version": 1, "priority": 2, "status": "assigned", "arrival_mode": None, "site_name": "S",
        "equipment_tag": None, "description": "d", "technician_name": None, "repeat_of": None,
        "next_clock": "response", "due_at": None, "risk_at": None, "frozen_left_s": None, "window_s": 3600,
    }
    base.update(kw)
    due, risk = base["due_at"], base["risk_at"]
    return QueueRow(**base, due_ts=due.timestamp() if due else None, risk_ts=risk.timestamp() if risk else None)

def test_row_clock_examples() -> None:
    now = NOW.timestamp()
    due = lambda minutes: clock_row(due_at=at(minutes), risk_at=at(minutes - 15))  # noqa: E731
    assert row_clock(due(13 + 10 / 60), now) == ("13m10s", "at_risk")
    assert row_clock(due(91), now) == ("1h31m", "ok")
    assert row_clock(due(15), now) == ("15m00s", "at_risk")  # at risk from risk_at on
    assert row_clock(due(15).model_copy(update={"risk_ts": now + 1}), now) == ("15m00s", "ok")
    assert row_clock(due(0), now) == ("0s", "breached")
    assert row_clock(clock_row(frozen_left_s=0.0), now) == ("=0s", "breached")  # held at the deadline
    assert row_clock(due(-44), now) == ("+44m", "breached")
    assert row_clock(due(-12 * 60 - 38), now) == ("+12h38m", "breached")
    assert row_clock(clock_row(frozen_left_s=47 * 60.0), now) == ("=47m00s", "ok")
    assert row_clock(clock_row(frozen_left_s=-47 * 60.0), now) == ("=+47m", "breached")
    assert row_clock(clock_row(frozen_left_s=-91 * 60.0), now) == ("=+1h31m", "breached")
    # Too wide for the column with both units: the larger alone.
    assert row_clock(clock_row(frozen_left_s=-(12 * 3600 + 38 * 60.0)), now) == ("=+12h", "breached")
    assert row_clock(clock_row(frozen_left_s=12 * 86400 + 4 * 3600.0, window_s=10**8), now)[0] == "=12d04h"
    assert row_clock(clock_row(frozen_left_s=120 * 86400 + 4 * 3600.0, window_s=10**8), now)[0] == "=120d"
    assert row_clock(due(-120 * 1440 - 240), now)[0] == "+120d"

@settings(max_examples=300, deadline=None)
@given(left=st.floats(-400 * 86400, 400 * 86400, allow_nan=False), frozen=st.booleans())
def test_countdown_fits_its_column_and_never_reads_as_a_time(left: float, frozen: bool) -> None:
    now = NOW.timestamp()
    if frozen:
        row = clock_row(frozen_left_s=left)
    else:
        row = clock_row(due_at=NOW.add(seconds=left), risk_at=NOW.add(seconds=left - 900))
    text, _state = row_clock(row, now)
    assert len(text) <= COUNTDOWN_WIDTH
    assert not TIME_OF_DAY.match(text)
    assert ":" not in text
    # Seconds only while under an hour is left on a running clock (the tick's cost).
    if not frozen and text.endswith("s"):
        assert -1 < left <= 3600  # (epoch floats: 3600.0 may come back a hair under)
