"""Time helpers: everything is pendulum, stored as UTC ISO-8601 text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import overload

import pendulum
from pendulum import DateTime
from pendulum.tz.timezone import Timezone

Clock = Callable[[], DateTime]


@lru_cache(maxsize=64)
def zone(name: str) -> Timezone:
    """A site's zone, made once: pendulum reads the zone file again for every
    name it is given (~0.2 ms, twice a second in the console's clock)."""
    return pendulum.timezone(name)  # type: ignore[return-value,unused-ignore]  # pendulum's stub says Timezone | FixedTimezone


def system_clock() -> DateTime:
    return pendulum.now("UTC")


def fixed_clock(at: DateTime) -> Clock:
    """A clock frozen at ``at`` (tests, snapshots)."""
    frozen = at.in_timezone("UTC")
    return lambda: frozen


@overload
def to_db(dt: DateTime) -> str: ...
@overload
def to_db(dt: None) -> None: ...
@overload
def to_db(dt: DateTime | None) -> str | None: ...


def to_db(dt: DateTime | None) -> str | None:
    """UTC, second precision, fixed width so text order is time order."""
    if dt is None:
        return None
    # Plain formatting of the UTC value, not pendulum's format(): a fifth of the demo
    # build's time went to formatting (every write stores a few times).
    u = dt.in_timezone("UTC")
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}Z"


@overload
def from_db(text: str) -> DateTime: ...
@overload
def from_db(text: None) -> None: ...
@overload
def from_db(text: str | None) -> DateTime | None: ...


def from_db(text: str | None) -> DateTime | None:
    """A stored time (None stays None; so does "", which no column holds)."""
    if not text:
        return None
    if len(text) == 20 and text[-1] == "Z":
        # Our own fixed format: slicing is ~20x faster than pendulum.parse,
        # which matters for every row of every queue window.
        return DateTime(int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
                        int(text[14:16]), int(text[17:19]), tzinfo=pendulum.UTC)
    parsed = pendulum.parse(text)
    assert isinstance(parsed, DateTime)
    return parsed.in_timezone("UTC")


def local(dt: DateTime, tz: str) -> DateTime:
    return dt.in_timezone(zone(tz))


def valid_timezone(name: str) -> bool:
    try:
        pendulum.timezone(name)
    except Exception:
        return False
    return True


def day_start_utc(day: date, tz: str) -> DateTime:
    """The start of ``day`` in zone ``tz``, in UTC (here rather than in rules/evaluations.py, whose pydantic
    `dispatch hq report` would import for this alone: bench/hq_report.py)."""
    return pendulum.datetime(day.year, day.month, day.day, tz=tz).in_timezone("UTC")
