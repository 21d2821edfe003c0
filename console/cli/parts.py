"""``dispatch parts add|edit|list|receive|move|count|use|import|report`` and
``dispatch stock`` (issue 25): the spare-parts store from the command line.
The rules and the writes are the store's (store/repo/parts.py); this prints
what they did, one line per step. A location is ``store`` or ``van:NAME`` /
``van:NUMBER`` (a technician's van)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from store import Store
from store.i18n import _, ngettext, pgettext
from store.repo.parts_rows import Step
from store.text import clean
from store.transfer.csv_io import import_rows, read_csv

from .common import Ctx, cli, fail, file_options
from .output import FORMATS, Column, write_csv, write_json, write_table

PART_FIELDS = ["code", "name", "category", "unit", "min_stock", "on_hand", "unit_cost", "equipment_categories",
               "version"]
STOCK_FIELDS = ["location", "code", "name", "on_hand", "unit", "value"]
LOCATION_HELP = _("'store', or 'van:' and a technician's name or number.")


def _one(text: Any) -> str:
    return clean("" if text is None else str(text), single_line=True)


@cli.group(help=_("Spare parts: the catalogue, receipts, moves to vans, stock-taking and parts used on tickets."))
def parts() -> None:
    pass


def _part_options(f: Any) -> Any:
    for opt in reversed([
        click.option("--category", help=_("The part's own category (wear part, common part, …).")),
        click.option("--unit", help=_("What a quantity counts (pcs, m, roll, …); default pcs.")),
        click.option("--min", "min_stock", help=_("Minimum stock: below it the part is listed as low.")),
        click.option("--cost", "unit_cost", help=_("Unit cost in the site's currency (e.g. 12.50).")),
        click.option("--for", "equipment_categories", help=_("Equipment categories that use it, e.g. 'atm, printer'.")),
    ]):
        f = opt(f)
    return f


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


@parts.command("add", help=_("Add a part to the catalogue (managers)."))
@click.argument("code")
@click.argument("name")
@_part_options
@file_options
@click.pass_obj
def parts_add(obj: Ctx, /, code: str, name: str, **fields: Any) -> None:
    p = obj.open().parts.add_part(code=code, name=name, **_given(**fields))
    click.echo(_("part {code} added: {name}").format(code=_one(p.code), name=_one(p.name)))


@parts.command("edit", help=_("Change a part of the catalogue (managers): only the options given change."))
@click.argument("code")
@click.option("--name", help=_("The part's name."))
@_part_options
@click.option("--expect-version", type=int, help=_("Refuse if the part changed since this version (see 'parts list')."))
@file_options
@click.pass_obj
def parts_edit(obj: Ctx, /, code: str, expect_version: int | None, **fields: Any) -> None:
    store = obj.open()
    p = store.parts.part(code)
    changes = _given(**fields)
    if not changes:
        fail(_("nothing to change: give --name, --category, --unit, --min, --cost or --for"))
    p = store.parts.edit_part(p.id, p.version if expect_version is None else expect_version, **changes)
    click.echo(_("part {code} saved (version {v})").format(code=_one(p.code), v=p.version))


@parts.command("list", help=_("The catalogue with each part's stock everywhere; --low: below the minimum, most urgent first."))
@click.option("--low", is_flag=True, help=_("Only the parts below their minimum stock, most urgent first."))
@click.option("--search", "query", default="", help=_("Only codes or names containing this."))
@click.option("--format", "fmt", type=FORMATS, default="table", help=_("table, csv or json."))
@file_options
@click.pass_obj
def parts_list(obj: Ctx, low: bool, query: str, fmt: str) -> None:
    store = obj.open(read_only=True)
    rows = [p.to_json() for p in store.parts.parts(query, low=low)]
    if fmt == "json":
        write_json(rows)
        return
    flat = [{**r, "equipment_categories": ", ".join(r["equipment_categories"])} for r in rows]
    if fmt == "csv":
        write_csv(flat, PART_FIELDS)
        return
    heads = [Column(_("code"), most=32), Column(pgettext("part", "name"), rest=True), Column(_("category")), Column(_("unit")),
             Column(_("min"), right=True), Column(_("on hand"), right=True), Column(_("unit cost"), right=True),
             Column(_("for equipment")), Column(_("version"), right=True)]
    write_table(heads, [[_one(r[f]) for f in PART_FIELDS] for r in flat])
    if not rows:
        click.echo(_("no parts below their minimum") if low else _("no parts yet: 'dispatch parts add' or 'parts import'"),
                   err=True)


def _done(store: Store, step: Step, what: str) -> None:
    money = store.settings.format_money(step.cost)
    click.echo(what.format(n=step.movement.quantity, code=_one(step.part.code), where=step.location.name,
                           to=step.to.name if step.to else "", cost=money, id=step.id))


@parts.command("receive", help=_("Record a delivery: a new lot of QUANTITY at UNIT_COST each, received now (managers)."))
@click.argument("code")
@click.argument("quantity")
@click.argument("unit_cost")
@click.option("--at", "location", default="store", show_default=True, help=LOCATION_HELP)
@file_options
@click.pass_obj
def parts_receive(obj: Ctx, code: str, quantity: str, unit_cost: str, location: str) -> None:
    store = obj.open()
    _done(store, store.parts.receive_parts(code, quantity, unit_cost, location),
          _("received {n} × {code} at {where} (movement #{id})"))


@parts.command("move", help=_("Move QUANTITY from one location to another, oldest first; each unit keeps its lot."))
@click.argument("code")
@click.argument("quantity")
@click.argument("source", metavar="FROM")
@click.argument("to", metavar="TO")
@file_options
@click.pass_obj
def parts_move(obj: Ctx, code: str, quantity: str, source: str, to: str) -> None:
    store = obj.open()
    _done(store, store.parts.move_parts(code, quantity, source, to),
          _("moved {n} × {code} from {where} to {to}, cost {cost} (movement #{id})"))


@parts.command("count", help=_("Record a stock-taking: what was COUNTED at a location; a difference needs --reason (managers)."))
@click.argument("code")
@click.argument("counted")
@click.option("--at", "location", default="store", show_default=True, help=LOCATION_HELP)
@click.option("--reason", default="", help=_("Why the count differs from the stock recorded."))
@file_options
@click.pass_obj
def parts_count(obj: Ctx, code: str, counted: str, location: str, reason: str) -> None:
    step = obj.open().parts.count_parts(code, location, counted, reason)
    m = step.movement
    click.echo(_("{code} at {where}: counted {counted}, expected {expected} (movement #{id})").format(
        code=_one(step.part.code), where=step.location.name, counted=m.counted, expected=m.expected, id=step.id))


@parts.command("use", help=_("Record parts used on a ticket, oldest lots first, from the technician's van unless --from."))
@click.argument("ticket_id", type=int)
@click.argument("code")
@click.argument("quantity")
@click.option("--from", "location", help=LOCATION_HELP)
@click.option("--warranty", "charge", flag_value="warranty", help=_("Free, under warranty."))
@click.option("--charged", "charge", flag_value="charged", help=_("Charged to the customer."))
@click.option("--reason", default="", help=_("Why, when it is not what the equipment's warranty says."))
@file_options
@click.pass_obj
def parts_use(obj: Ctx, ticket_id: int, code: str, quantity: str, location: str | None, charge: str | None,
              reason: str) -> None:
    store = obj.open()
    step = store.parts.use_parts(ticket_id, code, quantity, location, charge, reason)
    words = _("under warranty") if step.charge == "warranty" else _("charged")
    click.echo(_("ticket #{t}: {n} × {code} from {where}, cost {cost}, {charge} (movement #{id})").format(
        t=ticket_id, n=step.movement.quantity, code=_one(step.part.code), where=step.location.name,
        cost=store.settings.format_money(step.cost), charge=words, id=step.id))


@parts.command("import", help=_(
    "Import the catalogue from a CSV file (columns: code, name, category, unit, min_stock, unit_cost,"
    " equipment_categories). A part with the same code is updated. If any row is bad, nothing is imported."))
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@file_options
@click.pass_obj
def parts_import(obj: Ctx, file: Path) -> None:
    rows = read_csv(file, "parts")
    report = import_rows(obj.open(), "parts", rows)
    if report.errors:
        for line, field, reason in report.errors:
            click.echo(_("line {line}, {field}: {reason}").format(line=line, field=field, reason=_one(reason)), err=True)
        fail(_("{file}: nothing imported, bad rows: {n}").format(
            file=file, n=len({line for line, _f, _r in report.errors})))
    click.echo(_("{t}: {c} created, {u} updated, {s} unchanged").format(
        t="parts", c=report.created, u=report.updated, s=report.unchanged))


@parts.command("report", help=_("Parts used in a month (or --to a later month): per month, equipment category,"
                                 " technician and part, warranty against charged; the stock's value; slow movers."))
@click.option("--month", required=True, help=_("The month, YYYY-MM."))
@click.option("--to", "last", help=_("The last month of a range, YYYY-MM."))
@click.option("--slow-days", type=click.IntRange(1, 3650), default=90, show_default=True,
              help=_("A part in stock that nothing took out for this many days is a slow mover."))
@click.option("--format", "fmt", type=FORMATS, default="table",
              help=_("table, csv or json (csv: one row per figure: section, key, name, quantity, cost, last_out)."))
@file_options
@click.pass_obj
def parts_report(obj: Ctx, month: str, last: str | None, slow_days: int, fmt: str) -> None:
    store = obj.open(read_only=True)
    if fmt == "csv":
        from store.repo.parts_reports import REPORT_FIELDS

        write_csv(store.parts.report_rows(month, last, slow_days), REPORT_FIELDS)
        return
    usage = store.parts.usage(month, last).to_json()
    value = store.parts.stock_value()
    slow = store.parts.slow_movers(slow_days)
    if fmt == "json":
        write_json({"usage": usage, "stock_value": value, "slow_movers": slow})
        return
    money = store.settings.format_money
    click.echo(_("Parts used {first} to {last}: {n}, cost {cost}").format(
        first=usage["first"], last=usage["last"], n=usage["total"]["quantity"],
        cost=money(Decimal(usage["total"]["cost"]))))
    for key, title in (("months", _("month")), ("categories", _("equipment category")),
                       ("technicians", _("technician")), ("charge", _("warranty or charged")), ("parts", _("part"))):
        if usage[key]:
            click.echo("")
            write_table([Column(title), Column(_("quantity"), right=True), Column(_("cost"), right=True)],
                        [[_one(_("under warranty") if k == "warranty" else _("charged") if k == "charged" else k),
                          str(v["quantity"]), money(Decimal(v["cost"]))] for k, v in usage[key].items()])
    click.echo("")
    click.echo(_("Stock value: {total}").format(total=money(Decimal(value["total"]))))
    for where, amount in value["locations"].items():
        click.echo(f"  {_one(where)}: {money(Decimal(amount))}")
    click.echo("")
    click.echo(ngettext("{n} slow mover (nothing taken out for {d} days)",
                        "{n} slow movers (nothing taken out for {d} days)", len(slow)).format(n=len(slow), d=slow_days))
    never = _("never")
    for s in slow:
        click.echo(f"  {_one(s['code'])}  {_one(s['name'])}  {s['on_hand']}  {s['last_out'] or never}")


@cli.command("stock", help=_("What each location holds of each part, and what it cost."))
@click.option("--location", help=LOCATION_HELP)
@click.option("--format", "fmt", type=FORMATS, default="table", help=_("table, csv or json."))
@file_options
@click.pass_obj
def stock_cmd(obj: Ctx, location: str | None, fmt: str) -> None:
    store = obj.open(read_only=True)
    lines = []
    if location is None:
        lines = store.parts.stock()
    else:
        where = store.parts.location_named(location)
        lines = store.parts.stock(where.id) if where is not None else []
    rows = [x.to_json() for x in lines]
    if fmt == "json":
        write_json(rows)
        return
    if fmt == "csv":
        write_csv(rows, STOCK_FIELDS)
        return
    heads = [Column(_("location")), Column(_("code"), most=32), Column(pgettext("part", "name"), rest=True),
             Column(_("on hand"), right=True), Column(_("unit")), Column(_("value"), right=True)]
    write_table(heads, [[_one(r[f]) for f in STOCK_FIELDS] for r in rows])
    if not rows:
        click.echo(_("nothing in stock there") if location else _("nothing in stock"), err=True)
