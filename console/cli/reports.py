"""``dispatch report`` and ``dispatch export …``: the managers' figures and the
workbooks from the command line, for cron (README "Reports"). Headless: no
textual. A long export shows a progress line on stderr when it is a terminal
(never on a pipe, so cron mails stay short and stdout stays the data)."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click

from store.errors import RuleViolation
from store.figures import SCOPE_KINDS, Period, Scope, fmt, scope_word, target_text
from store.i18n import _, ngettext
from store.store import Store
from store.text import clean

from .common import Ctx, cli, echo_table, fail, file_options


class ProgressLine:
    """``label: 12,000 of 50,000 (24 %)`` rewritten in place on a terminal's stderr; silent otherwise."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.done = total, label, 0
        self.on = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if self.on and (now - self.last > 0.2 or self.done >= self.total):
            self.last = now
            pct = 100 * self.done / max(1, self.total)
            sys.stderr.write(f"\r{self.label}: {self.done:,} / {self.total:,} ({pct:.0f} %)")
            sys.stderr.flush()

    def end(self) -> None:
        if self.on and self.done:
            sys.stderr.write("\n")


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(_("{what} is written YYYY-MM-DD, e.g. 2026-11-24, not {d}").format(what=what, d=text))


def parse_scope(store: Store, text: str | None) -> Scope:
    """``team:Alpha Team``, ``technician:3``, ``site:HQ``, ``category:atm`` (a name or an id)."""
    if not text or text == "center":
        return Scope()
    kind, _sep, value = text.partition(":")
    if kind not in SCOPE_KINDS or not value.strip():
        fail(_("A scope is center, or KIND:NAME with KIND one of {kinds}, e.g. team:1").format(
            kinds=", ".join(SCOPE_KINDS[1:])))
    value = value.strip()
    for key, name in store.scope_choices(kind):
        if str(key) == value or str(name).casefold() == value.casefold():
            return Scope(kind, key, str(name))  # type: ignore[arg-type]
    fail(_("No {kind} {value}").format(kind=scope_word(kind), value=value))


def parse_period(month: str | None, day: str | None, week: str | None, first: str | None, last: str | None,
                 today: date) -> Period:
    try:
        if day:
            return Period.day(_day(day, _("--day")))
        if week:
            return Period.week(_day(week, _("--week")))
        if first or last:
            if not (first and last):
                fail(_("--from and --to go together"))
            return Period.custom(_day(first, _("--from")), _day(last, _("--to")))  # type: ignore[arg-type]
        return Period.parse_month(month) if month else Period.month(today)
    except RuleViolation as exc:
        fail(str(exc))


def _c(value: object) -> str:
    return clean(str(value), single_line=True)


@cli.command("report", help=_(
    "The managers' figures for a month (default this one), a week, a day or a range, beside the"
    " period before and the targets. ▲/▼ say which way a figure moved, and the word whether that is better."))
@click.option("--month", default=None, help=_("YYYY-MM."))
@click.option("--week", default=None, help=_("Any day of the week, YYYY-MM-DD."))
@click.option("--day", default=None, help=_("YYYY-MM-DD."))
@click.option("--from", "first", default=None, help=_("First day of a range, YYYY-MM-DD."))
@click.option("--to", "last", default=None, help=_("Last day of a range, YYYY-MM-DD."))
@click.option("--scope", default=None, help=_("center (default), team:NAME, technician:NAME, site:NAME or category:NAME."))
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table", show_default=True)
@file_options
@click.pass_obj
def report(obj: Ctx, month: str | None, week: str | None, day: str | None, first: str | None, last: str | None,
           scope: str | None, fmt_: str) -> None:
    store = obj.open()
    try:
        period = parse_period(month, day, week, first, last, store.today())
        r = store.report(period, parse_scope(store, scope))
    finally:
        store.close_db()
    if fmt_ == "json":
        click.echo(json.dumps({
            "period": {"kind": period.kind, "start": period.start.isoformat(), "end": period.end.isoformat()},
            "previous": {"start": r.previous.start.isoformat(), "end": r.previous.end.isoformat()},
            "scope": {"kind": r.scope.kind, "value": r.scope.value, "name": r.scope.name},
            "figures": [{"key": f.key, "label": f.label, "unit": f.unit, "value": f.value, "previous": f.previous,
                         "target": f.target, "on_target": f.on_target, "change": f.change, "base": f.base}
                        for f in r.figures]}, ensure_ascii=False, indent=2))
        return
    click.echo(f"{period.label()} · {_c(r.scope.label())} · {_('compared with')} {r.previous.label()}")
    head = [_("figure"), period.label(), r.previous.label(), _("change"), _("target")]
    rows = [[f.label, fmt(f.value, f.unit), fmt(f.previous, f.unit), f.arrow, target_text(f)] for f in r.figures]
    echo_table([head, *rows])


class ExportGroup(click.Group):
    """``dispatch export TABLE`` (sites, equipment, technicians, users: the
    reference CSV that ``import`` reads, console/cli/reference.py) keeps
    working beside the reports' ``export tickets|daily|month|form``."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        from .reference import TABLES
        from .reference import export as export_table

        if args and args[0].lower() in TABLES.choices:
            return "table", export_table, args  # the table name is that command's argument
        return super().resolve_command(ctx, args)


@cli.group(cls=ExportGroup, help=_(
    "Workbooks (.xlsx) and ticket exports (CSV, JSON) for meetings and cron; 'dispatch export sites|equipment|"
    "technicians|users' writes a reference table as the CSV import reads."))
def export() -> None:
    pass


def _out(path: Path) -> Path:
    if path.suffix.lower() != ".xlsx":
        fail(_("{path}: a workbook's name ends in .xlsx").format(path=path))
    if not path.parent.exists():
        fail(_("{path}: no such folder").format(path=path.parent))
    return path


@export.command("daily", help=_(
    "The daily fault-statistics workbook of the tickets closed on DAY (default yesterday): evaluations, scores,"
    " notes, and a summary per technician and team."))
@click.option("--day", default=None, help=_("YYYY-MM-DD (default yesterday, site time zone)."))
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True)
@file_options
@click.pass_obj
def export_daily(obj: Ctx, day: str | None, output: Path) -> None:
    from store.transfer.workbooks import write_daily

    store = obj.open()
    try:
        when = _day(day, _("--day")) if day else store.today() - timedelta(days=1)
        n = write_daily(store, when, _out(output))
    finally:
        store.close_db()
    click.echo(ngettext("{path}: {n:,} ticket closed on {day}",
                        "{path}: {n:,} tickets closed on {day}", n).format(path=output, n=n, day=when.isoformat()))


@export.command("month", help=_(
    "The monthly workbook: the figures, the technician and team ranking with the formula's parts, the star and the"
    " winning team, the improvement items, the complaints and the month's tickets."))
@click.option("--month", default=None, help=_("YYYY-MM (default last month)."))
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True)
@file_options
@click.pass_obj
def export_month(obj: Ctx, month: str | None, output: Path) -> None:
    from store.transfer.workbooks import write_month

    store = obj.open()
    try:
        month = month or store.previous_month(store.this_month())
        period = parse_period(month, None, None, None, None, store.today())
        progress = ProgressLine(store.count_tickets(period.start, period.end), _("tickets"))
        done: dict[str, Any] = write_month(store, month, _out(output), progress)
        progress.end()
    finally:
        store.close_db()
    click.echo(_("{path}: {month}, {tickets}, {ranked}").format(
        path=output, month=month,
        tickets=ngettext("{n:,} ticket", "{n:,} tickets", done["tickets"]).format(n=done["tickets"]),
        ranked=ngettext("{n} technician ranked", "{n} technicians ranked", done["technicians"]).format(
            n=done["technicians"])))


@export.command("form", help=_("The unsatisfied-callback form of one ticket, one A4 page to print."))
@click.option("--ticket", type=int, required=True)
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True)
@file_options
@click.pass_obj
def export_form(obj: Ctx, ticket: int, output: Path) -> None:
    from store.transfer.workbooks import write_callback_form

    store = obj.open()
    try:
        write_callback_form(store, ticket, _out(output))
    finally:
        store.close_db()
    click.echo(str(output))


@export.command("tickets", help=_(
    "Tickets reported from --from to --to (days inclusive, site time zone) as CSV or JSON, to a file or stdout."
    " CSV cells starting with = + - @ get a leading ' so a spreadsheet shows them as text."))
@click.option("--from", "first", required=True, help=_("YYYY-MM-DD."))
@click.option("--to", "last", required=True, help=_("YYYY-MM-DD."))
@click.option("--format", "kind", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None, help=_("Default: stdout."))
@file_options
@click.pass_obj
def export_tickets_cmd(obj: Ctx, first: str, last: str, kind: str, output: Path | None) -> None:
    from store.transfer.workbooks import export_tickets

    start, end = _day(first, _("--from")), _day(last, _("--to")) + timedelta(days=1)
    store = obj.open()
    try:
        progress = ProgressLine(store.count_tickets(start, end), _("tickets"))
        if output is None:
            export_tickets(store, start, end, kind, sys.stdout, progress)
        else:
            # UTF-8 with a BOM for CSV, so Excel reads the Chinese right.
            with output.open("w", encoding="utf-8-sig" if kind == "csv" else "utf-8", newline="") as fh:
                export_tickets(store, start, end, kind, fh, progress)
        progress.end()
    finally:
        store.close_db()
