"""Times phoned in late: "he arrived at 14:05" entered at 14:30.

A step (respond, arrive, hold, resume, resolve) may be given the time it
happened, in the site's zone. It is never in the future, and never before
the step it follows. A time of day alone is today's: one later than now is
refused with the reason, never silently read as yesterday's (at 19:04,
"21:00" once became "12-05 21:00 is before the report"); yesterday's is
"yesterday 21:00" (or 昨天 21:00), and the console asks before writing it.
Pure: no SQL, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pendulum
from pendulum import DateTime

from ..errors import ValidationFailed
from ..i18n import _

FIELD = "at"  # the form field an error goes beside
_FORMS = (
    (re.compile(r"(\d{1,2}):(\d{2})"), "time"),
    (re.compile(r"(?:yesterday|昨天|昨日)\s*(\d{1,2}):(\d{2})", re.IGNORECASE), "yesterday"),
    (re.compile(r"(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{2})"), "day"),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{2})"), "date"),
)


def parse_stated(value: str | DateTime | None, tz: str, now: DateTime) -> DateTime | None:
    """None (or blank) means now. ``14:05`` is today's 14:05, refused if it
    has not come yet; ``yesterday 14:05`` is yesterday's; ``11-25 14:05`` is
    this year; ``2026-11-25 14:05`` is exact. Returned in UTC."""
    if value is None:
        return None
    if isinstance(value, DateTime):
        return value.in_timezone("UTC")
    text = str(value).strip()
    if not text:
        return None
    today = now.in_timezone(tz)
    try:
        for pattern, kind in _FORMS:
            m = pattern.fullmatch(text)
            if m is None:
                continue
            n = [int(x) for x in m.groups()]
            if kind == "time":
                at = pendulum.datetime(today.year, today.month, today.day, n[0], n[1], tz=tz)
                if at > now:
                    raise ValidationFailed.one(FIELD, _(
                        "{time} has not come yet today (now {now}); for yesterday's, type yesterday {time}").format(
                        time=at.format("HH:mm"), now=today.format("HH:mm")))
            elif kind == "yesterday":
                day = today.subtract(days=1)
                at = pendulum.datetime(day.year, day.month, day.day, n[0], n[1], tz=tz)
            elif kind == "day":
                at = pendulum.datetime(today.year, n[0], n[1], n[2], n[3], tz=tz)
            else:
                at = pendulum.datetime(n[0], n[1], n[2], n[3], n[4], tz=tz)
            return at.in_timezone("UTC")
    except ValueError:
        pass  # 25:00, 02-30: not a time
    raise ValidationFailed.one(FIELD, _("a time like 14:05, yesterday 21:00 or 11-25 14:05 (site time)"))


def later_today(value: str | None, tz: str, now: DateTime) -> DateTime | None:
    """A time of day alone that has not come yet today: the same time
    yesterday, which is what the user probably meant (a form asks), else None."""
    m = _FORMS[0][0].fullmatch(str(value or "").strip())
    if m is None:
        return None
    today = now.in_timezone(tz)
    try:
        at = pendulum.datetime(today.year, today.month, today.day, int(m[1]), int(m[2]), tz=tz)
    except ValueError:
        return None  # 25:00: parse_stated says what is wrong
    if at <= now:
        return None
    day = today.subtract(days=1)
    return pendulum.datetime(day.year, day.month, day.day, at.hour, at.minute, tz=tz)


def check_stated(at: DateTime, now: DateTime, after: Iterable[tuple[str, DateTime | None]], tz: str) -> None:
    """Refuse a time in the future or before the latest earlier step;
    ``after`` holds (what that step was, when)."""
    fmt = "MM-DD HH:mm"
    if at > now:
        raise ValidationFailed.one(FIELD, _("{at} is in the future (now {now})").format(
            at=at.in_timezone(tz).format(fmt), now=now.in_timezone(tz).format(fmt)))
    for label, step in sorted(((k, v) for k, v in after if v is not None), key=lambda kv: kv[1], reverse=True):
        if at < step:
            raise ValidationFailed.one(FIELD, _("{at} is before {step} ({when})").format(
                at=at.in_timezone(tz).format(fmt), step=label, when=step.in_timezone(tz).format(fmt)))
        break  # the latest one decides
