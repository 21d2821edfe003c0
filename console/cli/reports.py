"""``dispatch report`` and ``dispatch export …``: the managers' figures and the
workbooks from the command line, for cron (README "Reports"). Headless: no
textual. A long export shows a progress line on stderr when it is a terminal
(never on a pipe, so cron mails stay short and stdout stays the data)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from store.errors import RuleViolation
from store.i18n import _, ngettext
from store.repo.imports import COLUMNS as REFERENCE_COLUMNS
from store.rules.explain_text import differences, report_lines, ticket_json
from store.rules.figures import Figure, fmt, target_text
from store.rules.periods import SCOPE_KINDS, Period, Scope, scope_word
from store.rules.sla import CLOCKS
from store.store import Store
from store.text import clean

from ..format import pad
from .common import Ctx, cli, data_stdout, fail, file_options
from .output import write_json, write_table


def stage_word(stage: str) -> str:
    """What a progress stage of store/transfer/workbooks.py is called on screen."""
    return {"daily": _("tickets closed"), "figures": _("figures"), "tickets": _("tickets"),
            "technicians": _("technicians"), "evaluations": _("evaluations"),
            "items": _("improvement items")}.get(stage, stage)


class ProgressLine:
    """``tickets: 12,000 / 50,000 (24 %)`` rewritten in place on a terminal's
    stderr, as ``progress(stage, done, total)`` is called; silent otherwise."""

    def __init__(self) -> None:
        self.on = sys.stderr.isatty()
        self.last = 0.0
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.done = done
        now = time.monotonic()
        if self.on and (now - self.last > 0.2 or done >= total):
            self.last = now
            pct = 100 * done / max(1, total)
            sys.stderr.write("\r" + pad(f"{stage_word(stage)}: {done:,} / {total:,} ({pct:.0f} %)", 50))
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
    for key, name in store.reports.scope_choices(kind):
        if str(key) == value or str(name).casefold() == value.casefold():
            return Scope(kind, key, str(name))
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
            return Period.custom(_day(first, _("--from")), _day(last, _("--to")))
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
@click.option("--from", "first", default=None, metavar="DAY", help=_("First day of a range, YYYY-MM-DD."))
@click.option("--to", "last", default=None, metavar="DAY", help=_("Last day of a range, YYYY-MM-DD."))
@click.option("--scope", default=None, help=_("center (default), team:NAME, technician:NAME, site:NAME or category:NAME."))
@click.option("--format", "fmt_", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--explain-ticket", "explain_ticket", type=int, default=None, metavar="N",
              help=_("Why ticket N counts as met, missed or not at all in the period's deadline figures."))
@file_options
@click.pass_obj
def report(obj: Ctx, month: str | None, week: str | None, day: str | None, first: str | None, last: str | None,
           scope: str | None, fmt_: str, explain_ticket: int | None) -> None:
    store = obj.open()
    if explain_ticket is not None:
        try:
            _explain_ticket(store, parse_period(month, day, week, first, last, store.callbacks.today()), explain_ticket, fmt_,
                            parse_scope(store, scope))
        finally:
            store.close()
        return
    try:
        period = parse_period(month, day, week, first, last, store.callbacks.today())
        r = store.reports.report(period, parse_scope(store, scope))
    finally:
        store.close()
    show_report(period, r.previous, r.scope, r.figures, fmt_)


def show_report(period: Period, previous: Period, scope: Scope, figures: list[Figure], fmt_: str) -> None:
    """A report as a table or JSON (``dispatch hq report --center`` prints a center's the same way)."""
    if fmt_ == "json":
        write_json({
            "period": {"kind": period.kind, "start": period.start, "end": period.end},
            "previous": {"start": previous.start, "end": previous.end},
            "scope": {"kind": scope.kind, "value": scope.value, "name": scope.name or None},
            "figures": [{"key": f.key, "label": f.label, "unit": f.unit, "value": f.value, "previous": f.previous,
                         "target": f.target, "on_target": f.on_target, "change": f.change or None, "base": f.base}
                        for f in figures]})
        return
    click.echo(f"{period.label()} · {_c(scope.label())} · " + _("compared with") + f" {previous.label()}")
    head = [_("figure"), period.label(), previous.label(), _("change"), _("target")]
    rows = [[f.label, fmt(f.value, f.unit), fmt(f.previous, f.unit), f.arrow, target_text(f)] for f in figures]
    write_table(head, rows)


def _explain_ticket(store: Store, period: Period, ticket_id: int, fmt_: str, scope: Scope) -> None:
    """The figures' own counts of the ticket (stored facts), and its clocks
    explained at the end of the period (or now, for the current one)."""
    counts = store.reports.ticket_counts(period, ticket_id, scope)
    if not counts:
        fail(_("No ticket #{id}").format(id=ticket_id))
    x = store.explain.ticket(ticket_id, at=counts["cap"])
    if fmt_ == "json":
        write_json({"ticket": ticket_id, "period": {"kind": period.kind, "start": period.start, "end": period.end},
                    "counted_up_to": counts["cap"], "in_scope": counts["in_scope"],
                    "reported_in_period": counts["reported_in"],
                    "resolved_in_period": counts["resolved_in"],
                    "sla_met": {c: counts[c] for c in CLOCKS} if counts["reported_in"] else None,
                    "completed_in_time": counts["completed_in_time"] if counts["resolved_in"] else None,
                    "within_4h": counts["within_4h"] if counts["resolved_in"] else None,
                    "differences": differences(x, counts), "explanation": ticket_json(x)}, x.timezone)
        return
    lines = report_lines(x, counts, period.label())
    if not counts["in_scope"]:
        lines.insert(1, _("not in the scope {scope}: not in these figures").format(scope=_c(scope.label())))
    click.echo("\n".join(lines))


class ExportGroup(click.Group):
    """The reports' exports and the reference tables that ``import`` reads,
    listed together; a table's name in any case (``export SITES``)."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0].lower() in REFERENCE_TABLES:
            args = [args[0].lower(), *args[1:]]
        return super().resolve_command(ctx, args)


@cli.group(cls=ExportGroup, help=_(
    "Workbooks (.xlsx) and data exports (CSV, JSON: tickets, technicians, evaluations, items, all with --from/--to"
    " and the same filters) for meetings and cron, and the reference tables (sites, equipment, technicians, users, parts)"
    " in the columns 'dispatch import' reads."))
def export() -> None:
    pass


def _table_command(table: str) -> None:
    @export.command(table, help=_("The {table} table as CSV, in the columns 'dispatch import {table}' reads.").format(
        table=table))
    @_output_option
    @file_options
    @click.pass_obj
    def export_table_cmd(obj: Ctx, output: Path | None) -> None:
        from .imports import export_table

        export_table(obj, table, output)


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
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True, metavar="FILE.xlsx")
@file_options
@click.pass_obj
def export_daily(obj: Ctx, day: str | None, output: Path) -> None:
    from store.transfer.workbooks import write_daily

    store = obj.open()
    try:
        when = _day(day, _("--day")) if day else store.callbacks.today() - timedelta(days=1)
        progress = ProgressLine()
        n = write_daily(store, when, _out(output), progress)
        progress.end()
    finally:
        store.close()
    click.echo(ngettext("{path}: {n:,} ticket closed on {day}",
                        "{path}: {n:,} tickets closed on {day}", n).format(path=output, n=n, day=when.isoformat()))


@export.command("month", help=_(
    "The monthly workbook: the figures, the technician and team ranking with the formula's parts, the star and the"
    " winning team, the improvement items opened that month (as 'export items'), the complaints received that month,"
    " the parts used (one row per use, and a summary as 'parts report --format csv'), the fees of the tickets closed"
    " that month (as 'export fees', with totals per priority) and their invoices (the overdue unchecked first),"
    " and the month's tickets."))
@click.option("--month", default=None, help=_("YYYY-MM (default last month)."))
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True, metavar="FILE.xlsx")
@file_options
@click.pass_obj
def export_month(obj: Ctx, month: str | None, output: Path) -> None:
    from store.transfer.workbooks import write_month

    store = obj.open()
    try:
        month = month or store.scores.previous_month(store.scores.this_month())
        parse_period(month, None, None, None, None, store.callbacks.today())  # a bad month: one line, before any file
        progress = ProgressLine()
        done: dict[str, Any] = write_month(store, month, _out(output), progress)
        progress.end()
    finally:
        store.close()
    click.echo(_("{path}: {month}, {tickets}, {ranked}").format(
        path=output, month=month,
        tickets=ngettext("{n:,} ticket", "{n:,} tickets", done["tickets"]).format(n=done["tickets"]),
        ranked=ngettext("{n} technician ranked", "{n} technicians ranked", done["technicians"]).format(
            n=done["technicians"])))


@export.command("form", help=_("The unsatisfied-callback form of one ticket, one A4 page to print."))
@click.option("--ticket", type=int, required=True, metavar="N")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True, metavar="FILE.xlsx")
@file_options
@click.pass_obj
def export_form(obj: Ctx, ticket: int, output: Path) -> None:
    from store.transfer.callback_form import write_callback_form

    store = obj.open()
    try:
        write_callback_form(store, ticket, _out(output))
    finally:
        store.close()
    click.echo(str(output))


# ---------------------------------------------------------- data exports
def _output_option(f: Any) -> Any:
    return click.option("-o", "--output", "output", type=click.Path(path_type=Path, dir_okay=False), default=None,
                        help=_("Default: stdout."))(f)


def _data_options(required: bool) -> Callable[[Any], Any]:
    """The filters every data export takes (tickets, technicians, evaluations, items);
    the period is optional only where leaving it out means the reference table."""
    def add(f: Any) -> Any:
        f = _output_option(f)  # listed last
        for opt in reversed((
            click.option("--from", "first", required=required, metavar="DAY", help=_("First day, YYYY-MM-DD (site time zone).")),
            click.option("--to", "last", required=required, metavar="DAY", help=_("Last day, YYYY-MM-DD (inclusive).")),
            click.option("--team", default=None, help=_("Only this team (name or id).")),
            click.option("--technician", default=None, help=_("Only this technician (name or id).")),
            click.option("--site", default=None, help=_("Only tickets of this site (code, name or id).")),
            click.option("--equipment-type", "category", default=None, metavar="TYPE", help=_("Only tickets of this equipment type.")),
            click.option("--format", "kind", type=click.Choice(["csv", "json"]), default="csv", show_default=True),
        )):
            f = opt(f)
        return f
    return add


def _pick(store: Store, kind: str, text: str) -> int | str:
    """A team, technician, site (or equipment type) named by id, name or (a site) code, any case."""
    value = text.strip()
    choices = list(store.reports.scope_choices(kind))
    if kind == "site":
        choices += [(s.id, s.code) for s in store.reference.sites(limit=-1, include_retired=True)]
    if kind == "category":
        from store.labels import CATEGORIES

        choices += [(c, c) for c in CATEGORIES]
    found = {key for key, name in choices if str(name).casefold() == value.casefold()}
    if not found and value.lstrip("#").isdigit() and kind != "category":
        found = {key for key, _n in choices if str(key) == value.lstrip("#")}
    if len(found) == 1:
        return found.pop()
    if found:
        fail(_("several {kind}s are named {value}: give the id").format(kind=scope_word(kind), value=value))
    fail(_("No {kind} {value}").format(kind=scope_word(kind), value=value))


def data_filter(store: Store, first: str, last: str, team: str | None, technician: str | None, site: str | None,
                category: str | None) -> Any:
    from store.repo.export_rows import ExportFilter

    start, end = _day(first, _("--from")), _day(last, _("--to"))
    if end < start:
        fail(_("The period ends ({last}) before it starts ({start})").format(last=end, start=start))
    return ExportFilter(
        start, end + timedelta(days=1),
        team_id=int(_pick(store, "team", team)) if team else None,
        technician_id=int(_pick(store, "technician", technician)) if technician else None,
        site_id=int(_pick(store, "site", site)) if site else None,
        category=str(_pick(store, "category", category)) if category else None)


def _export_data(obj: Ctx, what: str, kind: str, output: Path | None, **filters: Any) -> None:
    from store.files import replace_when_done
    from store.transfer.data_exports import export_data

    store = obj.open()
    try:
        f = data_filter(store, **filters)
        if output is not None and not output.parent.is_dir():
            fail(_("{path}: no such folder").format(path=output.parent))
        progress = ProgressLine()
        if output is None:
            export_data(store, what, f, kind, data_stdout(), progress)
        else:
            # Written beside and renamed into place: a failure leaves no half file.
            # UTF-8 with a BOM for CSV, so Excel reads the Chinese right.
            with replace_when_done(output) as tmp, tmp.open(
                    "w", encoding="utf-8-sig" if kind == "csv" else "utf-8", newline="") as fh:
                export_data(store, what, f, kind, fh, progress)
        progress.end()
    finally:
        store.close()


@export.command("tickets", help=_(
    "Tickets reported from --from to --to (days inclusive, site time zone) as CSV or JSON, to a file or stdout."
    " CSV cells starting with = + - @ get a leading ' so a spreadsheet shows them as text."))
@_data_options(required=True)
@file_options
@click.pass_obj
def export_tickets_cmd(obj: Ctx, /, kind: str, output: Path | None, **filters: Any) -> None:
    _export_data(obj, "tickets", kind, output, **filters)


@export.command("technicians", help=_(
    "Without --from and --to, the technicians table as CSV, in the columns 'dispatch import technicians' reads."
    " With them, one row per technician: tickets reported and closed in the period, second repairs, callbacks"
    " (done, open, unreachable, each answer), points and mean score, self-evaluations, as CSV or JSON."))
@_data_options(required=False)
@file_options
@click.pass_context
def export_technicians_cmd(ctx: click.Context, /, kind: str, output: Path | None, **filters: Any) -> None:
    given = [name for name in ("first", "last", "team", "technician", "site", "category", "kind")
             if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT]
    if not given:
        from .imports import export_table

        export_table(ctx.obj, "technicians", output)
        return
    if not (filters["first"] and filters["last"]):
        fail(_("The technicians' figures need --from and --to (without a period or a filter it is the"
               " reference table)"))
    _export_data(ctx.obj, "technicians", kind, output, **filters)


@export.command("evaluations", help=_(
    "The evaluations of the tickets closed from --from to --to: the foreman's self-evaluation and the phone"
    " callback (who, answer, score, the script's answers, notes), one row each, as CSV or JSON."))
@_data_options(required=True)
@file_options
@click.pass_obj
def export_evaluations_cmd(obj: Ctx, /, kind: str, output: Path | None, **filters: Any) -> None:
    _export_data(obj, "evaluations", kind, output, **filters)


@export.command("items", help=_(
    "The improvement items opened from --from to --to (state, due date, overdue, weak points, measures,"
    " confirmation) as CSV or JSON."))
@_data_options(required=True)
@file_options
@click.pass_obj
def export_items_cmd(obj: Ctx, /, kind: str, output: Path | None, **filters: Any) -> None:
    _export_data(obj, "items", kind, output, **filters)


@export.command("parts-usage", help=_(
    "The spare parts used on tickets from --from to --to (part, quantity, cost, warranty or charged, reason,"
    " where from, technician) as CSV or JSON."))
@_data_options(required=True)
@file_options
@click.pass_obj
def export_parts_usage_cmd(obj: Ctx, /, kind: str, output: Path | None, **filters: Any) -> None:
    _export_data(obj, "parts_usage", kind, output, **filters)


@export.command("fees", help=_(
    "The tickets closed from --from to --to with a fee, one row each: labour, call-out, parts (cost plus the"
    " margin), the items, the proposed and the recorded fee, the difference and its reason, the invoice number"
    " and who checked it, as CSV or JSON. Amounts are exact text (6800.50) beside the currency."))
@_data_options(required=True)
@file_options
@click.pass_obj
def export_fees_cmd(obj: Ctx, /, kind: str, output: Path | None, **filters: Any) -> None:
    _export_data(obj, "fees", kind, output, **filters)


# After the data exports: 'technicians' is one of them, with its reference-table form.
REFERENCE_TABLES = tuple(REFERENCE_COLUMNS)
for _table in REFERENCE_TABLES:
    if _table != "technicians":
        _table_command(_table)
