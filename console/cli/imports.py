"""``dispatch import TABLE FILE``: a CSV file into a reference table, every
row checked first; and the reference tables as CSV for ``dispatch export``
(its commands are in reports.py)."""

from __future__ import annotations

from pathlib import Path

import click

from store.i18n import _, ngettext
from store.repo.imports import COLUMNS
from store.text import clean
from store.transfer.csv_io import export_csv, import_rows, read_csv

from .common import Ctx, cli, data_stdout, fail, file_options, stdout_is_tty

TABLES = click.Choice(list(COLUMNS), case_sensitive=False)


@cli.command("import", help=_(
    "Import a CSV file into a table (sites, equipment, technicians, users, parts). The first line names the columns;"
    " UTF-8 (with or without BOM) or GB18030. A record with the same code / asset tag / name / login / part code is updated."
    " Every row is checked: if any is bad, each is reported and nothing is imported."))
@click.argument("table", type=TABLES)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@file_options
@click.pass_obj
def import_(obj: Ctx, table: str, file: Path) -> None:
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


def export_table(obj: Ctx, table: str, output: Path | None) -> None:
    """``dispatch export sites|equipment|technicians|users`` (the commands are the
    reports' ``export`` group's, console/cli/reports.py): the columns import reads."""
    store = obj.open()
    if output is None:
        export_csv(store, table, data_stdout())
        return
    n = export_csv(store, table, output)
    click.echo(ngettext("{path}: {n} row", "{path}: {n} rows", n).format(path=output, n=n), err=True)
