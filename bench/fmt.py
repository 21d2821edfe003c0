"""Countdown text for the floor and naive apps: standard library only (so the
floor pays no import cost), same text as store/rules/countdown.py for the cases the
bench shows: units on every part (13m10s, 1h31m), seconds only with under an
hour left, overdue time in started minutes, '=' while stopped."""

from __future__ import annotations

from datetime import datetime


def epoch(text: str | None) -> float | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def duration(seconds: float) -> str:
    s = int(abs(seconds))
    if s >= 86400:
        return f"{s // 86400}d{(s % 86400) // 3600:02d}h"
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def countdown(next_clock: str | None, due: float | None, frozen: float | None, now: float) -> str:
    if next_clock is None:
        return "done"
    if due is None:
        return "=" + duration(frozen or 0)
    left = due - now
    if left >= 0:
        return duration(left)
    late = int(-left)
    return "+" + duration(late) if late >= 3600 else f"+{-(-late // 60)}m"
