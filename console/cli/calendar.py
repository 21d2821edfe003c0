"""``dispatch calendar``: show and change the business-hours calendar and its
holidays (headless: no textual). Every change goes through
``Store.set_setting("calendar", …)``, which records it in the audit log and
recomputes the open tickets' deadlines."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import click

from store.errors import RuleViolation
from store.i18n import _
from store.rules.calendar import (
    CalendarSetting,
    day_names,
    day_text,
    holiday_label,
    holiday_name,
    open_now,
    parse_calendar,
    parse_days,
    parse_holiday,
    parse_periods,
)
from store.rules.working_hours import Holiday
from store.store import Store
from store.text import clean

from .common import Ctx, cli, fail, file_options
from .output import write_json

DATE_SHAPE = re.compile(r"^(\d{4}|-)-\d{2}-\d{2}$")  # 2026-12-25 or --12-25; the store checks the rest
SHOWN_WITH = 11  # columns of the weekday and holiday-date labels


@cli.group(short_help=_("Show or change the business-hours calendar and holidays."), help=_(
    "The calendar the SLA clocks count working time by, in the site's time zone: 24x7, or periods per weekday"
    " (several a day, overnight such as 18:30-07:30, 00:00-24:00 for a whole day), minus holidays."
    " Changing it recomputes every open ticket's deadlines."))
def calendar() -> None:
    pass


def describe(setting: CalendarSetting, tz: str, now_text: str | None = None) -> list[str]:
    """The calendar as lines of text: kind, the week, the holidays, now."""
    if setting.kind == "24x7":
        lines = [_("Calendar: 24x7, round the clock (time zone {tz})").format(tz=tz)]
    else:
        lines = [_("Calendar: business hours in {tz}").format(tz=tz)]
        lines += [f"  {name:<{SHOWN_WITH}}{day_text(day)}" for name, day in zip(day_names(), setting.week, strict=True)]
    if setting.holidays:
        lines.append(_("Holidays:"))
        lines += [f"  {holiday_label(h):<{SHOWN_WITH}} {clean(h.name, single_line=True)}".rstrip()
                  for h in setting.holidays]
    else:
        lines.append(_("Holidays: none"))
    if now_text:
        lines.append(_("Now: {state}").format(state=now_text))
    return lines


def _current(store: Store) -> CalendarSetting:
    try:
        return parse_calendar(store.settings.setting("calendar", {"kind": "24x7"}))
    except RuleViolation as exc:
        fail(_("the stored calendar is damaged ({e}); replace it with 'dispatch calendar set'").format(e=exc))


def _write(store: Store, setting: CalendarSetting) -> None:
    store.settings.set_setting("calendar", setting.to_json())


def _echo_calendar(store: Store) -> None:
    setting = _current(store)
    tz = store.settings.timezone
    now = open_now(setting.calendar(tz), store.now(), tz)
    for line in describe(setting, tz, now):
        click.echo(line)


@calendar.command(help=_("Show the calendar: each weekday's periods, the holidays, and whether it is open now."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help=_("json: the stored setting, as 'calendar set --file' reads it."))
@file_options
@click.pass_obj
def show(obj: Ctx, fmt: str) -> None:
    store = obj.open()
    if fmt == "json":
        write_json(_current(store).to_json())
    else:
        _echo_calendar(store)
    store.close()


def _hours_option(values: tuple[str, ...], keep: CalendarSetting) -> CalendarSetting:
    week: list[tuple[Any, ...]] = [()] * 7
    named: set[int] = set()
    for value in values:
        days_text, sep, periods_text = value.partition("=")
        if not sep:
            raise RuleViolation(_("--hours takes DAYS=PERIODS, e.g. mon-fri=08:30-12:00,13:00-17:30, not {v}").format(
                v=value))
        days = parse_days(days_text)
        text = periods_text.strip()
        periods = () if text.lower() in ("closed", "") else parse_periods(text, _("hours {days}").format(days=days_text))
        for d in days:
            if d in named:
                raise RuleViolation(_("--hours names {day} twice").format(day=day_names()[d]))
            named.add(d)
            week[d] = periods
    if not any(week):
        raise RuleViolation(_("--hours must give at least one weekday a period"))
    return CalendarSetting("business", tuple(week), keep.holidays)


@calendar.command("set", short_help=_("Replace the weekly hours (holidays are kept) or the whole calendar."), help=_(
    "Replace the calendar. --hours DAYS=PERIODS (repeatable) sets the weekly hours; days not named are closed."
    " DAYS: mon … sun, a range (mon-fri), a list (sat,sun) or daily. PERIODS: 08:30-12:00,13:00-17:30;"
    " one that ends at or before it starts runs overnight (18:30-07:30); 00:00-24:00 is the whole day;"
    " 'closed' none. --24x7 counts round the clock. Both keep the holidays. --file FILE (- for stdin)"
    " replaces everything with a JSON setting, as 'calendar show --format json' prints it."
    "\n\nExamples:\n\n\b\n"
    "  dispatch calendar set --hours mon-fri=08:30-12:00,13:00-17:30 \\\n"
    "      --hours sat=09:00-13:00\n"
    "  dispatch calendar set --hours mon-fri=18:30-07:30 --hours sun=00:00-24:00\n"
    "  dispatch calendar set --24x7\n"
    "  dispatch calendar show --format json > cal.json\n"
    "  dispatch calendar set --file cal.json"))
@click.option("--hours", "hours", multiple=True, metavar="DAYS=PERIODS", help=_("Weekdays and their periods."))
@click.option("--24x7", "always", is_flag=True, help=_("Round the clock (holidays kept)."))
@click.option("--file", "file", type=click.File("r", encoding="utf-8"), default=None,
              help=_("A JSON calendar setting (- reads stdin)."))
@file_options
@click.pass_obj
def set_calendar(obj: Ctx, hours: tuple[str, ...], always: bool, file: Any) -> None:
    if sum((bool(hours), always, file is not None)) != 1:
        raise click.UsageError(_("give one of --hours, --24x7 or --file"))
    from_file: CalendarSetting | None = None
    if file is not None:  # checked before the database is opened
        try:
            from_file = parse_calendar(json.load(file))
        except ValueError as exc:
            fail(_("{file} is not JSON ({e})").format(file=getattr(file, "name", "-"), e=exc))
    store = obj.open()
    current = _current(store)
    if from_file is not None:
        new = from_file
    elif always:
        new = CalendarSetting("24x7", holidays=current.holidays)
    else:
        new = _hours_option(hours, current)
    _write(store, new)
    _echo_calendar(store)
    store.close()


@calendar.group(help=_("Add or remove holidays: days without working time."))
def holiday() -> None:
    pass


def _holiday_arg(text: str, yearly: bool, name: str = "") -> Holiday:
    """DATE or DATE..DATE; with --yearly, 12-25 or 2026-12-25 (the year is dropped)."""
    if yearly:
        def md(part: str) -> str:
            part = part.strip().lstrip("-")
            return "--" + (part[5:] if len(part) == 10 else part)
        text = "..".join(md(p) for p in text.split(".."))
    name = holiday_name(name)
    if not all(DATE_SHAPE.match(part.strip()) for part in text.split("..", 1)):
        raise RuleViolation(_(
            "{v} is not a date like 2026-12-25 or a range like 2026-12-24..2026-12-26 (with --yearly: 12-25)").format(
            v=text))
    return replace(parse_holiday(text), name=name)


@holiday.command("add", short_help=_("Add a holiday (a date or a range, once or every year)."), help=_(
    "Add a holiday: DATE (2026-12-25) or a range DATE..DATE (2026-12-24..2026-12-26). With --yearly it recurs"
    " every year (12-25, or 10-01..10-07; a range may cross the new year). No working period opens on a"
    " holiday; a night shift from the day before still ends in the morning. The same dates again rename it."))
@click.argument("dates", metavar="DATE[..DATE]")
@click.option("--yearly", is_flag=True, help=_("Every year on these dates."))
@click.option("--name", default="", help=_("What the holiday is, e.g. 'National Day'."))
@file_options
@click.pass_obj
def holiday_add(obj: Ctx, dates: str, yearly: bool, name: str) -> None:
    h = _holiday_arg(dates, yearly, name)
    store = obj.open()
    _write(store, _current(store).with_holiday(h))
    click.echo(_("Holiday added: {dates} {name}").format(dates=holiday_label(h), name=clean(h.name, single_line=True)).rstrip())
    store.close()


@holiday.command("remove", help=_("Remove a holiday, given by the same dates it was added with (and --yearly)."))
@click.argument("dates", metavar="DATE[..DATE]")
@click.option("--yearly", is_flag=True, help=_("The holiday that recurs every year on these dates."))
@file_options
@click.pass_obj
def holiday_remove(obj: Ctx, dates: str, yearly: bool) -> None:
    h = _holiday_arg(dates, yearly)
    store = obj.open()
    _write(store, _current(store).without_holiday(h))
    click.echo(_("Holiday removed: {dates}").format(dates=holiday_label(h)))
    store.close()


__all__ = ["calendar", "describe"]
