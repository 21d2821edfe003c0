"""The countdown text and row state of a ticket: one place below the console,
used by the queue, the detail screen, ``dispatch queue`` and bench/ alike.
Pure functions on epoch floats (the queue's 1-second tick is the hot path)."""

from __future__ import annotations

from math import ceil

from ..i18n import _, pgettext
from ..models import QueueRow
from .sla import ClockStatus, SlaState, state_of

# Colour never carries meaning alone: each state also has a symbol.
STATE_SYMBOL: dict[str, str] = {"ok": " ", "at_risk": "!", "breached": "✗"}


def clock_label(clock: str | None) -> str:
    return {"response": _("resp"), "onsite": pgettext("clock", "site"), "resolve": _("fix")}.get(clock or "", "")


def clock_title(clock: str) -> str:
    return {
        "response": _("First response"), "onsite": _("On site / remote"), "resolve": _("Resolved"),
    }.get(clock, clock)


def state_label(state: str) -> str:
    return {"ok": _("ok"), "at_risk": _("at risk"), "breached": _("breached")}.get(state, state)


COUNTDOWN_WIDTH = 7  # the queue's first column


def _units(seconds: float) -> tuple[str, str]:
    """The two largest units of a duration, e.g. ('1h', '31m')."""
    s = int(abs(seconds))
    if s >= 86400:
        return f"{s // 86400}d", f"{(s % 86400) // 3600:02d}h"
    if s >= 3600:
        return f"{s // 3600}h", f"{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m", f"{s % 60:02d}s"
    return f"{s}s", ""


def duration(seconds: float) -> str:
    """Units on every part (13m10s, 1h31m, 2d04h), so a countdown cannot be
    read as a time of day. Seconds only under an hour, so most cells change
    once a minute."""
    big, small = _units(seconds)
    return big + small


def overdue(seconds: float) -> str:
    """Time past a deadline: minutes at most, since seconds no longer matter
    (and a screen of breached rows then repaints once a minute, not each second)."""
    if seconds >= 3600:
        return "+" + duration(seconds)
    # Started minutes: 1 s late is "+1m", and so is a fraction of a second
    # (the console's clock has microseconds; whole seconds first read "+0m").
    return f"+{ceil(seconds / 60)}m"


def _cell(mark: str, seconds: float) -> str:
    """``mark`` + duration in the countdown column: the larger unit alone when
    both do not fit (=+12h38m is 8 cells: =+12h)."""
    big, small = _units(seconds)
    text = mark + big + small
    return text if len(text) <= COUNTDOWN_WIDTH else mark + big


def row_clock(row: QueueRow, now_ts: float) -> tuple[str, SlaState | None]:
    """(countdown, state) at epoch second ``now_ts``: the tick's hot path, so
    plain floats, no date arithmetic. '+' overdue, '=' stopped while waiting
    ('=+' stopped overdue). At most COUNTDOWN_WIDTH cells."""
    if row.next_clock is None:
        return _("done"), None
    if row.due_ts is None:
        left = row.frozen_left_s or 0.0
        state = state_of(None, None, None, left, row.window_s or 0)  # type: ignore[arg-type]
        if left < 0:
            late = -left
            return ("=" + overdue(late) if late < 3600 else _cell("=+", late)), state
        return _cell("=", left), state
    left = row.due_ts - now_ts
    if left <= 0:
        return (_cell("+", -left) if left <= -3600 else overdue(-left) if left < 0 else duration(0)), "breached"
    at_risk = row.risk_ts is not None and now_ts >= row.risk_ts
    return _cell("", left), "at_risk" if at_risk else "ok"


def clock_words(c: ClockStatus, now_seconds_left: float | None, met_text: str) -> str:
    """What one clock says beside its deadline: "met 14:05 (late)", "13m10s
    left", "1h02m overdue", "stopped, 47m00s left", "stopped, 12m overdue".
    ``met_text`` is the time it was met, already formatted for the screen;
    ``now_seconds_left`` the running clock's seconds left (ignored otherwise)."""
    if c.met_at is not None:
        return _("met {at}").format(at=met_text) + ("" if c.met_on_time else " " + _("(late)"))
    if c.due is None:
        left = c.frozen_left_s or 0.0
        # Stopped overdue (a hold that began past the deadline) stays overdue.
        return (_("stopped, {d} overdue") if left < 0 else _("stopped, {d} left")).format(d=duration(left))
    left = now_seconds_left or 0.0
    return (_("{d} overdue") if left < 0 else _("{d} left")).format(d=duration(left))
