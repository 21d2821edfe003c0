"""Working time (docs/rules.md §2): the site's working periods per weekday
minus its holidays, and the arithmetic the SLA clocks count with on it
(store/rules/sla.py ``Calendar``). Pure functions, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pendulum
from pendulum import DateTime

from ..i18n import _


@dataclass(frozen=True)
class Period:
    """One working period, in minutes of the local day. ``closes`` after
    ``opens`` ends the same day (1440: at midnight, so 0–1440 is a 24-hour
    day); ``closes`` at or before ``opens`` ends the next day (overnight)."""

    opens: int
    closes: int

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens


@dataclass(frozen=True)
class Holiday:
    """Days without working time, ``first`` to ``last`` inclusive. Yearly:
    only month and day count (the year is a placeholder), and a range may
    wrap over the new year (24 Dec to 2 Jan)."""

    first: date
    last: date
    yearly: bool = False
    name: str = ""

    def covers(self, day: date) -> bool:
        if not self.yearly:
            return self.first <= day <= self.last
        md, a, b = (day.month, day.day), (self.first.month, self.first.day), (self.last.month, self.last.day)
        return a <= md <= b if a <= b else (md >= a or md <= b)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_SEARCH_DAYS = 366 * 20  # beyond this a deadline is a configuration mistake, not a date


def _micros(t: datetime) -> int:
    # datetime.__sub__, not pendulum's: a plain timedelta, exact, and far cheaper.
    return datetime.__sub__(t, _EPOCH) // _US


def _instant(us: int) -> DateTime:
    t = _EPOCH + timedelta(microseconds=us)
    return DateTime(t.year, t.month, t.day, t.hour, t.minute, t.second, t.microsecond, tzinfo=pendulum.UTC)


@dataclass(frozen=True)
class WorkingHours:
    """Working periods per weekday in the site's zone, minus holidays.

    A period belongs to the day it opens: a holiday removes the periods that
    open on it (an overnight shift from the evening before still ends in the
    morning). Local times are read as RFC 5545 and zoneinfo read them
    (``fold=0``): a time that occurs twice (the autumn change) means its
    first occurrence, a time that does not exist (the spring change) is read
    with the offset before the change, i.e. an hour later on the clock.

    Each local day owns the working time between its midnight and the next,
    computed once and cached: add and between cost O(days spanned)."""

    tz: str
    week: tuple[tuple[Period, ...], ...]  # seven entries, Monday first
    holidays: tuple[Holiday, ...] = ()
    _days: dict[int, tuple[tuple[int, int], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False)

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)  # (zoneinfo caches zones by name)

    def _local(self, day: date, minute: int) -> datetime:
        """A local wall time (fold=0, see above); minute 1440 is the next midnight."""
        if minute >= 1440:
            day, minute = day + timedelta(days=1), minute - 1440
        return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self._zone)

    def _at(self, day: date, minute: int) -> int:
        """Microseconds since the epoch of a local wall time."""
        return _micros(self._local(day, minute))

    def _skipped(self, day: date, minute: int) -> bool:
        """Whether the spring change skips this local wall time (it does not
        exist: the offset after the change is larger than the one before)."""
        t = self._local(day, minute)
        return t.utcoffset() < t.replace(fold=1).utcoffset()  # type: ignore[operator]

    def is_holiday(self, day: date) -> bool:
        return any(h.covers(day) for h in self.holidays)

    def _spans(self, day: date) -> list[tuple[int, int]]:
        """The windows of the periods that open on ``day``. A period wholly
        inside the skipped hour has none that night (docs/rules.md "Calendar"):
        its two ends, each read with the offset before the change, would make
        working time of an hour the wall clock never shows."""
        if self.is_holiday(day):
            return []
        out = []
        for p in self.week[day.weekday()]:
            close_day = day + timedelta(days=1) if p.overnight else day
            if not (self._skipped(day, p.opens) and self._skipped(close_day, p.closes)):
                out.append((self._at(day, p.opens), self._at(close_day, p.closes)))
        return out

    def _segments(self, ordinal: int) -> tuple[tuple[int, int], ...]:
        """Working time between this local day's midnight and the next, in
        order, merged (an overnight shift may overlap the morning's)."""
        cached = self._days.get(ordinal)
        if cached is not None:
            return cached
        day = date.fromordinal(ordinal)
        lo, hi = self._at(day, 0), self._at(day, 1440)
        spans = sorted((max(a, lo), min(b, hi)) for a, b in
                       self._spans(day - timedelta(days=1)) + self._spans(day))
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            if b <= a:
                continue  # outside this day, or a period inside the spring gap
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        self._days[ordinal] = out = tuple(merged)
        return out

    def _day_of(self, us: int) -> int:
        return (_EPOCH + timedelta(microseconds=us)).astimezone(self._zone).date().toordinal()

    def window(self, day: date) -> list[tuple[DateTime, DateTime]]:
        """The periods that open on ``day``, as instants (for display and tests)."""
        return [(_instant(a), _instant(b)) for a, b in self._spans(day) if b > a]

    def spans(self, a: DateTime, b: DateTime) -> list[tuple[DateTime, DateTime]]:
        """The working time in [a, b), in order, split at local midnights: the
        periods an explanation lists day by day (store/rules/explain.py)."""
        ta, tb = _micros(a), _micros(b)
        out = []
        for ordinal in range(self._day_of(ta) - 1, self._day_of(tb) + 2):
            for lo, hi in self._segments(ordinal):
                lo, hi = max(lo, ta), min(hi, tb)
                if hi > lo:
                    out.append((_instant(lo), _instant(hi)))
        return out

    def between(self, a: DateTime, b: DateTime) -> float:
        ta, tb = _micros(a), _micros(b)
        if tb <= ta:
            return 0.0
        total = 0
        # A day's range may start up to a day before its date's wall time (a
        # midnight that occurs twice): one day of margin either side.
        for ordinal in range(self._day_of(ta) - 1, self._day_of(tb) + 2):
            for lo, hi in self._segments(ordinal):
                lo, hi = max(lo, ta), min(hi, tb)
                if hi > lo:
                    total += hi - lo
        return total / 1_000_000

    def add(self, start: DateTime, seconds: float) -> DateTime:
        if not any(self.week):
            raise ValueError(_("a business-hours calendar needs at least one working day"))
        t, left = _micros(start), round(seconds * 1_000_000)
        if left < 0:
            return self._back(t, -left)
        first = self._day_of(t) - 1
        for ordinal in range(first, first + _SEARCH_DAYS):
            for lo, hi in self._segments(ordinal):
                if hi > t:
                    begin = max(lo, t)
                    if left <= hi - begin:  # (<=: work that fills a period ends at its close)
                        return _instant(begin + left)
                    left -= hi - begin
        raise ValueError(_("the deadline is more than twenty years away"))

    def stretch(self, t: DateTime) -> tuple[DateTime, DateTime]:
        """The working time from ``t`` on without a break: (start, end), and
        start == t when it is working time now. For "open until 17:30"."""
        at = _micros(t)
        first = self._day_of(at) - 1
        begin: int | None = None
        end = at
        for ordinal in range(first, first + _SEARCH_DAYS):
            for lo, hi in self._segments(ordinal):
                if hi <= at or (begin is not None and lo > end):
                    if begin is not None and lo > end:
                        return _instant(begin), _instant(end)
                    continue
                if begin is None:
                    begin = max(lo, at)
                end = hi
        if begin is None:
            raise ValueError(_("no working time within twenty years"))
        return _instant(begin), _instant(end)

    def _back(self, end: int, left: int) -> DateTime:
        """The latest instant ``left`` µs of working time before ``end``: an
        overdue clock held over a weekend is, on Monday, as overdue as when it
        was held (not by the weekend's wall time too)."""
        last = self._day_of(end) + 1
        for ordinal in range(last, last - _SEARCH_DAYS, -1):
            for lo, hi in reversed(self._segments(ordinal)):
                if lo < end:
                    top = min(hi, end)
                    if left <= top - lo:
                        return _instant(top - left)
                    left -= top - lo
        raise ValueError(_("the deadline is more than twenty years back"))


class BusinessHours(WorkingHours):
    """One opening window on the given ISO weekdays (1 = Monday), the
    calendar of earlier versions; ``closes`` at or before ``opens`` is an
    overnight shift."""

    def __init__(self, tz: str, opens: time = time(8, 30), closes: time = time(17, 30),
                 weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5}), holidays: tuple[Holiday, ...] = ()) -> None:
        period = Period(opens.hour * 60 + opens.minute, closes.hour * 60 + closes.minute)
        super().__init__(tz, tuple((period,) if d in weekdays else () for d in range(1, 8)), tuple(holidays))
