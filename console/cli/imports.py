"""``dispatch import TABLE FILE``: a CSV file into a reference table, every
row checked first; and the reference tables as CSV for ``dispatch export``
(its commands are in reports.py)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from store.i18n import _, ngettext
from store.repo.imports import COLUMNS
from store.text import clean
from store.transfer.csv_io import export_csv, import_rows, read_csv

from .common import Ctx, cli, data_stdout, fail, file_options, stdout_is_tty
from .output import write_json

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

TABLES = click.Choice([*COLUMNS, "tickets"], case_sensitive=False)


@cli.command("import", help=_(
    "Import a CSV file into a table (sites, equipment, technicians, users, parts). The first line names the columns;"
    " UTF-8 (with or without BOM) or GB18030. A record with the same code / asset tag / name / login / part code is updated."
    " Every row is checked: if any is bad, each is reported and nothing is imported.") + " " + _(
    "'dispatch import tickets FILE' moves in another helpdesk's ticket history (managers only; the columns are in the"
    " README, 'Moving in your history'): the whole file is checked first, the first bad row named, and then loaded"
    " in one transaction, or nothing is."))
@click.argument("table", type=TABLES)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--dry-run", is_flag=True, help=_("tickets: check the whole file and say what it would import; write nothing."))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help=_("tickets: what is printed when done."))
@file_options
@click.pass_obj
def import_(obj: Ctx, table: str, file: Path, dry_run: bool, fmt: str) -> None:
    if table.lower() == "tickets":
        import_history(obj, file, dry_run, fmt)
        return
    if dry_run or fmt != "text":
        fail(_("--dry-run and --format are for 'dispatch import tickets'"))
    table = table.lower()
    rows = read_csv(file, table)
    store = obj.open()
    if stdout_is_tty() and rows:
        with click.progressbar(length=len(rows), label=_("importing {t}").format(t=table)) as bar:
            report = import_rows(store, table, rows, progress=lambda n, _total: bar.update(n - bar.pos))
    else:
        def plain(n: int, total: int) -> None:
            if n % 1000 == 0 and n < total:
                click.echo(ngettext("{n}/{total} row checked", "{n}/{total} rows checked", total).format(n=n, total=total))
        report = import_rows(store, table, rows, progress=plain)
    if report.errors:
        for line, field, reason in report.errors:
            click.echo(_("line {line}, {field}: {reason}").format(
                line=line, field=field, reason=clean(reason, single_line=True)), err=True)
        fail(_("{file}: nothing imported, bad rows: {n}").format(
            file=file, n=len({line for line, _f, _r in report.errors})))
    click.echo(_("{t}: {c} created, {u} updated, {s} unchanged").format(
        t=table, c=report.created, u=report.updated, s=report.unchanged))


class _Steps:
    """The load's progress: a bar on a terminal; on a pipe, one plain line a
    chunk, flushed (a piped line otherwise waits in the buffer to the end)."""

    def __init__(self, label: str):
        self.label, self.started = label, time.perf_counter()
        self.bar: ProgressBar[int] | None = None

    def __call__(self, done: int, total: int) -> None:
        if not stdout_is_tty():
            click.echo(_("{label}: {done:,} of {total:,} ({pct:.0f} %), {s:.1f} s").format(
                label=self.label, done=done, total=total, pct=100 * done / max(1, total),
                s=time.perf_counter() - self.started))
            sys.stdout.flush()
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, show_pos=True, show_eta=True)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def end(self) -> None:
        if self.bar is not None:
            bar, self.bar = self.bar, None
            bar.__exit__(None, None, None)


def import_history(obj: Ctx, file: Path, dry_run: bool, fmt: str) -> None:
    """``dispatch import tickets FILE``: read, check every row, then load
    (store/repo/imported.py); the first bad row is the one-line error."""
    from store.transfer.history_csv import read_history

    read = read_history(file)
    store = obj.open()
    checking = _Steps(_("checking rows"))
    try:
        plan = store.history.check(read.rows, progress=None if fmt == "json" else checking)
    finally:
        checking.end()
    tickets = len(plan.tickets)
    if dry_run:
        if fmt == "json":
            write_json({"file": read.name, "sha256": read.sha256, "rows": len(read.rows), "tickets": tickets,
                        "callbacks": sum(1 for t in plan.tickets if t.rating), "dry_run": True})
        else:
            click.echo(ngettext("{file}: {n} ticket checked, all good; nothing written (--dry-run)",
                                "{file}: {n} tickets checked, all good; nothing written (--dry-run)", tickets).format(
                file=read.name, n=tickets))
        return
    steps = _Steps(_("importing tickets"))
    quiet = fmt == "json"

    def building() -> None:
        steps.end()
        if not quiet:
            click.echo(_("building the indexes and the search…"))
            sys.stdout.flush()

    try:
        report = store.history.load(plan, read.name, read.sha256, len(read.rows),
                                    progress=None if quiet else steps, building=building)
    finally:
        steps.end()
    if quiet:
        write_json({"file": report.file, "sha256": report.sha256, "rows": report.rows, "tickets": tickets,
                    "first": report.first, "last": report.last, "callbacks": report.callbacks, "dry_run": False})
    elif report.first is None:
        click.echo(_("{file}: no tickets in it; nothing imported").format(file=read.name))
    else:
        click.echo(ngettext("{file}: {n} ticket imported as #{first}–#{last}, {c} callbacks",
                            "{file}: {n} tickets imported as #{first}–#{last}, {c} callbacks", tickets).format(
            file=read.name, n=tickets, first=report.first, last=report.last, c=report.callbacks))


def export_table(obj: Ctx, table: str, output: Path | None) -> None:
    """``dispatch export sites|equipment|technicians|users`` (the commands are the
    reports' ``export`` group's, console/cli/reports.py): the columns import reads."""
    store = obj.open()
    if output is None:
        export_csv(store, table, data_stdout())
        return
    n = export_csv(store, table, output)
    click.echo(ngettext("{path}: {n} row", "{path}: {n} rows", n).format(path=output, n=n), err=True)
