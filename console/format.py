"""Display formatting for terminals: cell widths and local times. The
countdown rules live in store/countdown.py (re-exported here)."""

from __future__ import annotations

from pendulum import DateTime
from rich.cells import cell_len

from store.countdown import (  # noqa: F401  (re-exported for the screens)
    COUNTDOWN_WIDTH,
    STATE_SYMBOL,
    clock_label,
    clock_title,
    duration,
    overdue,
    row_clock,
    state_label,
)


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
