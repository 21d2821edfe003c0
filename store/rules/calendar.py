"""The ``calendar`` setting: its model, its JSON, and its checks (pure, no I/O).

Two shapes are stored. The one of earlier versions, still read and written
as it was::

    {"kind": "24x7"}
    {"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5]}

and the one with periods per weekday (several a day, overnight, 24 hours)::

    {"kind": "business",
     "hours": {"mon": ["08:30-12:00", "13:00-17:30"], "sat": ["18:30-07:30"], "sun": ["00:00-24:00"]},
     "holidays": [{"date": "2026-12-24", "until": "2026-12-26", "name": "Christmas"},
                  {"date": "--10-01", "name": "National Day"}]}

Both take ``holidays`` (a 24x7 calendar too: round the clock but those
days). ``--MM-DD`` is a date that recurs every year (ISO 8601). The
engine that counts working time is store.rules.working_hours.WorkingHours.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date
from itertools import pairwise
from typing import Any, Literal

from pendulum import DateTime

from ..errors import RuleViolation
from ..i18n import _
from .sla import AlwaysOpen, Calendar
from .working_hours import BusinessHours, Holiday, Period, WorkingHours

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # keys, not shown
FIELDS = ("kind", "opens", "closes", "weekdays", "hours", "holidays")
MAX_HOLIDAYS = 1000
MAX_PERIODS = 12  # per day
YEARLY_YEAR = 2000  # a leap year, so --02-29 is a date
EXAMPLE = '{"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5]}'
HOURS_EXAMPLE = '{"mon": ["08:30-12:00", "13:00-17:30"], "sat": ["18:30-07:30"]}'
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEARLY = re.compile(r"^--(\d{2})-(\d{2})$")

Week = tuple[tuple[Period, ...], ...]


def day_names() -> tuple[str, ...]:
    """Short weekday names as shown, Monday first."""
    return (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def period_text(p: Period) -> str:
    return f"{hhmm(p.opens)}-{hhmm(p.closes)}"


def holiday_text(h: Holiday) -> str:
    """The date (range) as written in the setting: 2026-12-24..2026-12-26, --10-01."""
    def one(d: date) -> str:
        return f"--{d.month:02d}-{d.day:02d}" if h.yearly else d.isoformat()
    return one(h.first) if h.first == h.last else f"{one(h.first)}..{one(h.last)}"


def day_text(periods: tuple[Period, ...]) -> str:
    """One weekday's hours as shown: "08:30-12:00, 13:00-17:30", "closed"."""
    if not periods:
        return _("closed")
    if periods == (Period(0, 1440),):
        return _("24 hours")
    return ", ".join(period_text(p) + (" " + _("(to the next day)") if p.overnight else "") for p in periods)


def holiday_label(h: Holiday) -> str:
    """The dates as shown: 2026-12-24..2026-12-26, every year 10-01."""
    text = holiday_text(h)
    return _("every year {dates}").format(dates=text.replace("--", "")) if h.yearly else text


def open_now(calendar: Calendar, now: DateTime, tz: str) -> str:
    """ "open until 17:30", "closed until Mon 08:30", "open round the clock"."""
    if not isinstance(calendar, WorkingHours):
        return _("open round the clock")
    start, end = calendar.stretch(now)
    near = "HH:mm" if end.in_timezone(tz).date() == now.in_timezone(tz).date() else "ddd YYYY-MM-DD HH:mm"
    if start == now:
        return _("open until {t}").format(t=end.in_timezone(tz).format(near))
    when = "HH:mm" if start.in_timezone(tz).date() == now.in_timezone(tz).date() else "ddd YYYY-MM-DD HH:mm"
    return _("closed until {t}").format(t=start.in_timezone(tz).format(when))


@dataclass(frozen=True)
class CalendarSetting:
    """The ``calendar`` setting, checked. ``week`` is Monday first; ``simple``
    keeps the opens/closes/weekdays shape when the value came in it."""

    kind: Literal["24x7", "business"] = "24x7"
    week: Week = ((),) * 7
    holidays: tuple[Holiday, ...] = ()
    simple: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "business":
            if self.simple:
                p = next(day[0] for day in self.week if day)
                out |= {"opens": hhmm(p.opens), "closes": hhmm(p.closes),
                        "weekdays": [i + 1 for i, day in enumerate(self.week) if day]}
            else:
                out["hours"] = {DAY_KEYS[i]: [period_text(p) for p in day] for i, day in enumerate(self.week) if day}
        if self.holidays:
            out["holidays"] = [_holiday_json(h) for h in self.holidays]
        return out

    def calendar(self, tz: str) -> Calendar:
        if self.kind == "24x7":
            if not self.holidays:
                return AlwaysOpen()
            return WorkingHours(tz, ((Period(0, 1440),),) * 7, self.holidays)
        return WorkingHours(tz, self.week, self.holidays)

    # ------------------------------------------------------------- edits
    def with_day(self, weekday: int, periods: tuple[Period, ...]) -> CalendarSetting:
        """Weekday ``weekday`` (0 = Monday) gets these periods; a 24x7
        calendar becomes business hours with 24-hour days elsewhere."""
        week = ((Period(0, 1440),),) * 7 if self.kind == "24x7" else self.week
        week = tuple(periods if i == weekday else day for i, day in enumerate(week))
        return replace(self, kind="business", week=week, simple=False)

    def with_holiday(self, h: Holiday) -> CalendarSetting:
        """Added, or renamed when the same dates are there already."""
        rest = tuple(x for x in self.holidays if not _same_dates(x, h))
        return replace(self, holidays=_sorted((*rest, h)))

    def without_holiday(self, h: Holiday) -> CalendarSetting:
        rest = tuple(x for x in self.holidays if not _same_dates(x, h))
        if len(rest) == len(self.holidays):
            raise RuleViolation(_("There is no holiday {d} in the calendar").format(d=holiday_text(h)))
        return replace(self, holidays=rest)


def _same_dates(a: Holiday, b: Holiday) -> bool:
    return (a.first, a.last, a.yearly) == (b.first, b.last, b.yearly)


def _sorted(holidays: tuple[Holiday, ...]) -> tuple[Holiday, ...]:
    # Yearly ones first (by month and day), then dated ones by date; duplicates once.
    seen: dict[tuple[date, date, bool], Holiday] = {}
    for h in holidays:
        seen[(h.first, h.last, h.yearly)] = h
    return tuple(sorted(seen.values(), key=lambda h: (not h.yearly, h.first, h.last)))


def _holiday_json(h: Holiday) -> dict[str, str]:
    first, _sep, last = holiday_text(h).partition("..")
    out = {"date": first}
    if last:
        out["until"] = last
    if h.name:
        out["name"] = h.name
    return out


# ----------------------------------------------------------------- parsing

def _show(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v


def parse_time(text: Any, *, allow_24: bool) -> int | None:
    """Minutes of the day of "08:30" (and "24:00" when allowed), or None."""
    m = _TIME.match(text.strip()) if isinstance(text, str) else None
    if not m:
        return None
    hh, mm = int(m[1]), int(m[2])
    if mm > 59 or hh > 24 or (hh == 24 and (mm or not allow_24)):
        return None
    return hh * 60 + mm


def parse_period(text: Any, where: str) -> Period:
    """ "08:30-17:30", "18:30-07:30" (overnight), "00:00-24:00" (the whole day)."""
    opens = closes = None
    if isinstance(text, str):
        a, sep, b = text.replace("–", "-").partition("-")
        if sep:
            opens, closes = parse_time(a, allow_24=False), parse_time(b, allow_24=True)
    if opens is None or closes is None:
        raise RuleViolation(_("calendar {where}: {v} is not a period like 08:30-17:30").format(
            where=where, v=_show(text)))
    if closes == opens:
        raise RuleViolation(_("calendar {where}: {v} opens and closes at once; use 00:00-24:00 for a whole day").format(
            where=where, v=text))
    return Period(opens, closes)


def parse_periods(texts: Any, where: str) -> tuple[Period, ...]:
    """A day's periods, in order; overlapping ones are refused (a typo, most likely)."""
    if isinstance(texts, str):
        texts = [t for t in re.split(r"[,\s]+", texts) if t]
    if not isinstance(texts, list) or len(texts) > MAX_PERIODS:
        raise RuleViolation(_("calendar {where} must be a list of periods like [\"08:30-12:00\", \"13:00-17:30\"]").format(
            where=where))
    periods = sorted({parse_period(t, where) for t in texts}, key=lambda p: p.opens)
    for a, b in pairwise(periods):
        if a.overnight or b.opens < a.closes:
            raise RuleViolation(_("calendar {where}: {a} and {b} overlap").format(
                where=where, a=period_text(a), b=period_text(b)))
    return tuple(periods)


def weekday_index(key: Any) -> int | None:
    """0 (Monday) … 6 of "mon", "Monday", 1 … 7 or "1" … "7"; None otherwise."""
    text = str(key).strip().lower()
    if text.isdigit() and 1 <= int(text) <= 7:
        return int(text) - 1
    for i, name in enumerate(DAY_NAMES_EN):
        if len(text) >= 3 and name.startswith(text):
            return i
    return None


def parse_days(text: str) -> list[int]:
    """ "mon-fri", "sat,sun", "1-5", "daily" as weekday indexes (0 = Monday)."""
    if text.strip().lower() in ("daily", "all", "every"):
        return list(range(7))
    days: list[int] = []
    for part in text.split(","):
        a, sep, b = part.partition("-")
        i, j = weekday_index(a), weekday_index(b) if sep else weekday_index(a)
        if i is None or j is None:
            raise RuleViolation(_("{v} is not a weekday or a range like mon-fri").format(v=part.strip()))
        days += [(i + k) % 7 for k in range((j - i) % 7 + 1)]
    return days


def parse_holiday(value: Any) -> Holiday:
    """ "2026-12-25", "2026-12-24..2026-12-26", "--10-01" (every year),
    "--10-01..--10-07", or {"date": …, "until": …, "name": …}."""
    name: Any = ""
    if isinstance(value, dict):
        extra = sorted(set(value) - {"date", "until", "name"})
        if extra:
            raise RuleViolation(_("calendar holiday has unknown fields {f}; use date, until, name").format(
                f=", ".join(map(str, extra))))
        first_text, last_text, name = value.get("date"), value.get("until", value.get("date")), value.get("name", "")
    elif isinstance(value, str):
        first_text, _sep, last_text = value.strip().partition("..")
        last_text = last_text or first_text
    else:
        first_text = last_text = None
    name = holiday_name(name)
    first, last = _date(first_text), _date(last_text)
    if first is None or last is None or first[1] != last[1]:
        raise RuleViolation(_(
            "calendar holiday {v} is not a date like 2026-12-25, --12-25 (every year)"
            " or a range like 2026-12-24..2026-12-26").format(v=_show(value)))
    yearly = first[1]
    if not yearly and last[0] < first[0]:
        raise RuleViolation(_("calendar holiday {a}..{b} ends before it starts").format(
            a=first[0].isoformat(), b=last[0].isoformat()))
    if not yearly and (last[0] - first[0]).days >= 366:
        raise RuleViolation(_("calendar holiday {a}..{b} is longer than a year").format(
            a=first[0].isoformat(), b=last[0].isoformat()))
    return Holiday(first[0], last[0], yearly, name)


def holiday_name(name: Any) -> str:
    """A holiday's name, spaces collapsed; RuleViolation when too long."""
    if not isinstance(name, str) or len(name.strip()) > 80:
        raise RuleViolation(_("calendar holiday name must be text of at most 80 characters"))
    return " ".join(name.split())


def _date(text: Any) -> tuple[date, bool] | None:
    if not isinstance(text, str):
        return None
    text = text.strip()
    try:
        if m := _DATE.match(text):
            return date(int(m[1]), int(m[2]), int(m[3])), False
        if m := _YEARLY.match(text):
            return date(YEARLY_YEAR, int(m[1]), int(m[2])), True
    except ValueError:
        return None
    return None


def _simple_week(value: dict[str, Any]) -> Week:
    """The opens/closes/weekdays shape (earlier versions' messages kept)."""
    minutes: dict[str, int] = {}
    for field, default in (("opens", "08:30"), ("closes", "17:30")):
        text = value.get(field, default)
        m = parse_time(text, allow_24=field == "closes")
        if m is None:
            raise RuleViolation(_("calendar {field} must be a time like 08:30, not {v}").format(
                field=field, v=json.dumps(text, ensure_ascii=False)))
        minutes[field] = m
    if minutes["closes"] == minutes["opens"]:
        raise RuleViolation(_("calendar closes ({c}) is the same as opens ({o}); use 00:00 and 24:00 for whole days").format(
            c=hhmm(minutes["closes"]), o=hhmm(minutes["opens"])))
    days = value.get("weekdays", [1, 2, 3, 4, 5])
    if (not isinstance(days, list) or not days
            or any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7 for d in days)):
        raise RuleViolation(_("calendar weekdays must list at least one day, 1 (Monday) to 7 (Sunday)"))
    period = Period(minutes["opens"], minutes["closes"])
    return tuple((period,) if i + 1 in days else () for i in range(7))


def _hours_week(hours: Any) -> Week:
    if not isinstance(hours, dict):
        raise RuleViolation(_("calendar hours must map weekdays to periods, e.g. {example}").format(example=HOURS_EXAMPLE))
    week: list[tuple[Period, ...] | None] = [None] * 7
    for key, texts in hours.items():
        i = weekday_index(key)
        if i is None:
            raise RuleViolation(_("calendar hours: {k} is not a weekday; use mon … sun").format(k=key))
        if week[i] is not None:
            raise RuleViolation(_("calendar hours: {k} is given twice").format(k=DAY_KEYS[i]))
        week[i] = parse_periods(texts, _("hours {day}").format(day=DAY_KEYS[i]))
    if not any(week):
        raise RuleViolation(_("calendar hours must give at least one weekday a period, e.g. {example}").format(
            example=HOURS_EXAMPLE))
    return tuple(day or () for day in week)


def parse_calendar(value: Any) -> CalendarSetting:
    """The setting checked, or RuleViolation with one line saying what is wrong."""
    if not isinstance(value, dict):
        raise RuleViolation(_("calendar must be a JSON object, e.g. {example}").format(example=EXAMPLE))
    extra = sorted(set(value) - set(FIELDS))
    if extra:
        raise RuleViolation(_("calendar has unknown fields {f}; use {known}").format(
            f=", ".join(map(str, extra)), known=", ".join(FIELDS)))
    raw = value.get("holidays", [])
    if not isinstance(raw, list) or len(raw) > MAX_HOLIDAYS:
        raise RuleViolation(_("calendar holidays must be a list of at most {n} dates").format(n=MAX_HOLIDAYS))
    holidays = _sorted(tuple(parse_holiday(h) for h in raw))
    yearly = [h for h in holidays if h.yearly]
    jan1 = date(YEARLY_YEAR, 1, 1).toordinal()
    if yearly and all(any(h.covers(date.fromordinal(jan1 + i)) for h in yearly) for i in range(366)):
        raise RuleViolation(_("calendar holidays every year cover the whole year: no day is left to work"))
    kind = value.get("kind", "24x7")
    if kind == "24x7":
        hours = sorted(set(value) & {"opens", "closes", "weekdays", "hours"})
        if hours:
            raise RuleViolation(_("a 24x7 calendar has no {f}; use kind business for opening hours").format(
                f=", ".join(hours)))
        return CalendarSetting("24x7", holidays=holidays)
    if kind != "business":
        raise RuleViolation(_("calendar kind must be 24x7 or business, not {k}").format(k=_show(kind)))
    if "hours" in value:
        both = sorted(set(value) & {"opens", "closes", "weekdays"})
        if both:
            raise RuleViolation(_("calendar takes hours or opens/closes/weekdays, not both ({f})").format(
                f=", ".join(both)))
        return CalendarSetting("business", _hours_week(value["hours"]), holidays)
    return CalendarSetting("business", _simple_week(value), holidays, simple=True)


def check_calendar(value: Any) -> dict[str, Any]:
    """The value to store, normalised; RuleViolation (one line) otherwise."""
    return parse_calendar(value).to_json()


def calendar_from(setting: dict[str, Any], tz: str) -> Calendar:
    """The calendar a stored setting describes. A damaged value raises
    ValueError (the store reports the file as damaged, not a traceback)."""
    try:
        return parse_calendar(setting).calendar(tz)
    except RuleViolation as exc:
        raise ValueError(str(exc)) from None


__all__ = [
    "BusinessHours", "CalendarSetting", "Holiday", "Period", "WorkingHours", "calendar_from", "check_calendar",
    "day_names", "holiday_text", "parse_calendar", "parse_days", "parse_holiday", "parse_periods", "period_text",
]
