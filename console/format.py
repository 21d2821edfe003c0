"""Display formatting: countdowns, times, SLA symbols. Pure functions."""

from __future__ import annotations

from pendulum import DateTime
from rich.cells import cell_len

from store.i18n import _
from store.models import QueueRow
from store.sla import SlaState, state_of

# Colour never carries meaning alone: each state also has a symbol.
STATE_SYMBOL: dict[str, str] = {"ok": " ", "at_risk": "!", "breached": "✗"}


def clock_label(clock: str | None) -> str:
    return {"response": _("resp"), "onsite": _("site"), "resolve": _("fix")}.get(clock or "", "")


def clock_title(clock: str) -> str:
    return {
        "response": _("First response"), "onsite": _("On site / remote"), "resolve": _("Resolved"),
    }.get(clock, clock)


def state_label(state: str) -> str:
    return {"ok": _("ok"), "at_risk": _("at risk"), "breached": _("breached")}.get(state, state)


def duration(seconds: float) -> str:
    """Seconds only under an hour, so most cells change once a minute."""
    s = int(abs(seconds))
    if s >= 86400:
        return f"{s // 86400}d{(s % 86400) // 3600:02d}h"
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 60:02d}:{s % 60:02d}"


def overdue(seconds: float) -> str:
    """Time past a deadline: minutes at most, since seconds no longer matter
    (and a screen of breached rows then repaints once a minute, not each second)."""
    s = int(seconds)
    if s >= 3600:
        return "+" + duration(s)
    return f"+{-(-s // 60)}m"  # started minutes: 1 s late is "+1m"


def row_clock(row: QueueRow, now_ts: float) -> tuple[str, SlaState | None]:
    """(countdown, state) at epoch second ``now_ts``: the tick's hot path, so
    plain floats, no date arithmetic. '+' overdue, '=' stopped while waiting."""
    if row.next_clock is None:
        return _("done"), None
    if row.due_ts is None:
        left = row.frozen_left_s or 0.0
        return "=" + duration(left), state_of(None, None, None, left, row.window_s or 0)  # type: ignore[arg-type]
    left = row.due_ts - now_ts
    if left <= 0:
        return (overdue(-left) if left < 0 else duration(0)), "breached"
    at_risk = row.risk_ts is not None and now_ts >= row.risk_ts
    return duration(left), "at_risk" if at_risk else "ok"


def local_time(dt: DateTime | None, tz: str, fmt: str = "YYYY-MM-DD HH:mm") -> str:
    if dt is None:
        return "—"
    return dt.in_timezone(tz).format(fmt)


def fit(text: str, width: int, right: bool = False) -> str:
    """Pad or cut to ``width`` terminal cells (CJK-aware, '…' marks a cut)."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        while text and cell_len(text) > width - 1:
            text = text[:-1]
        text += "…"
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad
