"""Setting up a center from a shell: ``site``, ``equipment``, ``team``,
``tech`` (add, list, edit, retire; ``tech duty``), ``sla show/set``, and
``import``/``export`` of CSV files. Records are never deleted: ``retire``
hides them from pickers (``--undo`` brings them back); tickets keep their names.

Names typed by people are cleaned of control characters before printing,
in every format; CSV output has formula cells made inert."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from rich.cells import cell_len

from store.errors import NotFound
from store.i18n import N_, _, ngettext
from store.models import CATEGORIES, SKILLS_SEPARATOR, category_label, priority_label
from store.repo.imports import COLUMNS
from store.store import Store
from store.text import clean
from store.transfer.csv_io import export_csv, import_rows, inert, read_csv

from .common import Ctx, cli, fail, file_options, stdout_is_tty

FORMATS = click.Choice(["table", "csv", "json"], case_sensitive=False)
TABLES = click.Choice(list(COLUMNS), case_sensitive=False)

# The headings of the table format (CSV and JSON keep the field names: scripts and
# 'import' read them); a field not listed here is shown by its name.
HEADINGS = {
    "code": N_("Code"), "name": N_("Name"), "address": N_("Address"), "contact": N_("Contact"),
    "retired": N_("Retired"), "foreman": N_("Foreman"), "asset_tag": N_("Asset tag"), "category": N_("Category"),
    "model": N_("Model"), "site_code": N_("Site"), "installed": N_("Installed"), "warranty_until": N_("Warranty"),
    "phone": N_("Phone"), "team": N_("Team"), "skills": N_("Skills"), "on_duty": N_("On duty"),
    "open_load": N_("Open tickets"), "priority": N_("Priority"), "label": N_("Label"),
    "response_min": N_("Response (min)"), "onsite_min": N_("On site (min)"), "resolve_min": N_("Resolved (min)"),
}


def _show(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> None:
    """A list as a table (columns fitted), CSV (formula cells inert) or JSON."""
    if fmt == "json":
        click.echo(json.dumps([{c: r[c] for c in columns} for r in rows], ensure_ascii=False, indent=2, default=str))
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([inert(_cell(r[c])) for c in columns] for r in rows)
        return
    cells = [[_shown(c, r[c]) for c in columns] for r in rows]
    heads = [_(HEADINGS[c]) if c in HEADINGS else c for c in columns]
    widths = [max([cell_len(h), *(cell_len(row[i]) for row in cells)]) for i, h in enumerate(heads)]
    for line in [heads, *cells]:
        click.echo("  ".join(v + " " * (w - cell_len(v)) for v, w in zip(line, widths, strict=True)).rstrip())


def _shown(column: str, value: Any) -> str:
    """A cell of the table format: equipment types by their names, not their codes."""
    if column == "category" and isinstance(value, str):
        return category_label(value)
    if column == "skills" and isinstance(value, tuple | list):
        return ", ".join(category_label(str(v)) for v in value)
    return _cell(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, tuple | list):
        return SKILLS_SEPARATOR.join(map(str, value))
    return clean(str(value), single_line=True)


def _find(kind: str, query: str, items: list[tuple[int, str]]) -> int:
    """A record by id (#12 or 12), or by its code / name (any case)."""
    q = query.strip().lstrip("#")
    found = [i for i, n in items if n.casefold() == q.casefold()]
    if not found and q.isdigit():
        found = [i for i, _n in items if i == int(q)]
    if len(found) == 1:
        return found[0]
    if found:
        fail(_("several {kind}s are named {q}: give the id").format(kind=kind, q=query))
    raise NotFound(_("no {kind} {q}").format(kind=kind, q=query))


def _site_id(store: Store, code: str) -> int:
    return _find(_("site"), code, [(s.id, s.code) for s in store.sites(limit=-1, include_retired=True)])


def _team_id(store: Store, name: str) -> int:
    return _find(_("team"), name, [(t.id, t.name) for t in store.teams(include_retired=True)])


def _tech_id(store: Store, name: str) -> int:
    return _find(_("technician"), name, [(t.id, t.name) for t in store.technicians(include_retired=True)])


def _equipment_id(store: Store, tag: str) -> int:
    return _find(_("equipment"), tag, [(e.id, e.asset_tag) for e in store.equipment(limit=-1, include_retired=True)])


def _given(**options: Any) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v is not None}


def _list_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--all", "include_retired", is_flag=True, help=_("Include retired records."))(f)
    return click.option("--format", "fmt", type=FORMATS, default="table", help=_("table, csv or json."))(f)


def _retire_options(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--undo", is_flag=True, help=_("Bring a retired record back into service."))(f)


def _done(what: str, name: str, state: str = "") -> None:
    click.echo(f"{what} {clean(name, single_line=True)}{(' ' + state) if state else ''}")


# ---------------------------------------------------------------- sites
@cli.group(help=_("Sites (branches): add, list, edit, retire."))
def site() -> None:
    pass


@site.command("add", help=_("Add a site with its code and name."))
@click.argument("code")
@click.argument("name")
@click.option("--address", default="")
@click.option("--contact", default="")
@file_options
@click.pass_obj
def site_add(obj: Ctx, code: str, name: str, address: str, contact: str) -> None:
    s = obj.open().add_site(code=code, name=name, address=address, contact=contact)
    _done(_("added site"), f"{s.code} {s.name}")


@site.command("list", help=_("List sites (matching QUERY in code, name or address)."))
@click.argument("query", default="")
@_list_options
@file_options
@click.pass_obj
def site_list(obj: Ctx, query: str, include_retired: bool, fmt: str) -> None:
    rows = [s.model_dump() for s in obj.open().sites(query, limit=-1, include_retired=include_retired)]
    _show(rows, ["code", "name", "address", "contact", *(["retired"] if include_retired else [])], fmt)


@site.command("edit", help=_("Change a site's code, name, address or contact (SITE: its code or #id)."))
@click.argument("site_ref", metavar="SITE")
@click.option("--code")
@click.option("--name")
@click.option("--address")
@click.option("--contact")
@file_options
@click.pass_obj
def site_edit(obj: Ctx, site_ref: str, **options: Any) -> None:
    store = obj.open()
    s = store.edit_site(_site_id(store, site_ref), **_given(**options))
    _done(_("saved site"), f"{s.code} {s.name}")


@site.command("retire", help=_("Retire a site: hidden from pickers, kept on its tickets."))
@click.argument("site_ref", metavar="SITE")
@_retire_options
@file_options
@click.pass_obj
def site_retire(obj: Ctx, site_ref: str, undo: bool) -> None:
    store = obj.open()
    s = store.retire_site(_site_id(store, site_ref), retired=not undo)
    _done(_("site"), f"{s.code} {s.name}", _("back in service") if undo else _("retired"))


# ------------------------------------------------------------ equipment
@cli.group(help=_("Equipment (assets by tag): add, list, edit, retire."))
def equipment() -> None:
    pass


def _equipment_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for opt in (
        click.option("--warranty-until", help=_("Warranty end, e.g. 2027-06-30.")),
        click.option("--installed", help=_("Installation date, e.g. 2024-03-31.")),
        click.option("--model"),
        click.option("--category", help=_("One of: {c}.").format(c=", ".join(CATEGORIES))),
    ):
        f = opt(f)
    return f


@equipment.command("add", help=_("Add an asset: its tag and the site (code) it stands at."))
@click.argument("asset_tag")
@click.option("--site", "site_code", required=True, help=_("The site's code."))
@_equipment_options
@file_options
@click.pass_obj
def equipment_add(obj: Ctx, asset_tag: str, site_code: str, **options: Any) -> None:
    store = obj.open()
    e = store.add_equipment(asset_tag=asset_tag, site_id=_site_id(store, site_code), **_given(**options))
    _done(_("added equipment"), e.asset_tag)


@equipment.command("list", help=_("List equipment (matching QUERY in tag, model or category)."))
@click.argument("query", default="")
@click.option("--site", "site_code", help=_("Only this site's (its code)."))
@_list_options
@file_options
@click.pass_obj
def equipment_list(obj: Ctx, query: str, site_code: str | None, include_retired: bool, fmt: str) -> None:
    store = obj.open()
    codes = {s.id: s.code for s in store.sites(limit=-1, include_retired=True)}
    site_id = _site_id(store, site_code) if site_code else None
    rows = [e.model_dump() | {"site_code": codes.get(e.site_id, "")}
            for e in store.equipment(site_id, query, limit=-1, include_retired=include_retired)]
    _show(rows, [*COLUMNS["equipment"], *(["retired"] if include_retired else [])], fmt)


@equipment.command("edit", help=_("Change an asset (TAG: its tag or #id)."))
@click.argument("tag")
@click.option("--asset-tag", help=_("A new tag."))
@click.option("--site", "site_code", help=_("Move it to this site (its code)."))
@_equipment_options
@file_options
@click.pass_obj
def equipment_edit(obj: Ctx, tag: str, site_code: str | None, **options: Any) -> None:
    store = obj.open()
    changes = _given(**options)
    if site_code:
        changes["site_id"] = _site_id(store, site_code)
    e = store.edit_equipment(_equipment_id(store, tag), **changes)
    _done(_("saved equipment"), e.asset_tag)


@equipment.command("retire", help=_("Retire an asset: hidden from pickers, kept on its tickets."))
@click.argument("tag")
@_retire_options
@file_options
@click.pass_obj
def equipment_retire(obj: Ctx, tag: str, undo: bool) -> None:
    store = obj.open()
    e = store.retire_equipment(_equipment_id(store, tag), retired=not undo)
    _done(_("equipment"), e.asset_tag, _("back in service") if undo else _("retired"))


# ---------------------------------------------------------------- teams
@cli.group(help=_("Teams: add, list, edit, retire."))
def team() -> None:
    pass


@team.command("add", help=_("Add a team (optionally with its foreman, a technician)."))
@click.argument("name")
@click.option("--foreman", help=_("The foreman: a technician's name or #id."))
@file_options
@click.pass_obj
def team_add(obj: Ctx, name: str, foreman: str | None) -> None:
    store = obj.open()
    t = store.add_team(name, _tech_id(store, foreman) if foreman else None)
    _done(_("added team"), t.name)


@team.command("list", help=_("List teams."))
@_list_options
@file_options
@click.pass_obj
def team_list(obj: Ctx, include_retired: bool, fmt: str) -> None:
    store = obj.open()
    names = {t.id: t.name for t in store.technicians(include_retired=True)}
    rows = [t.model_dump() | {"foreman": names.get(t.foreman_id or 0, "")}
            for t in store.teams(include_retired=include_retired)]
    _show(rows, ["name", "foreman", *(["retired"] if include_retired else [])], fmt)


@team.command("edit", help=_("Rename a team or change its foreman."))
@click.argument("team_ref", metavar="TEAM")
@click.option("--name")
@click.option("--foreman", help=_("A technician's name or #id; '' for none."))
@file_options
@click.pass_obj
def team_edit(obj: Ctx, team_ref: str, name: str | None, foreman: str | None) -> None:
    store = obj.open()
    changes: dict[str, Any] = _given(name=name)
    if foreman is not None:
        changes["foreman_id"] = _tech_id(store, foreman) if foreman.strip() else None
    t = store.edit_team(_team_id(store, team_ref), **changes)
    _done(_("saved team"), t.name)


@team.command("retire", help=_("Retire a team: no longer offered for technicians or filters."))
@click.argument("team_ref", metavar="TEAM")
@_retire_options
@file_options
@click.pass_obj
def team_retire(obj: Ctx, team_ref: str, undo: bool) -> None:
    store = obj.open()
    t = store.retire_team(_team_id(store, team_ref), retired=not undo)
    _done(_("team"), t.name, _("back in service") if undo else _("retired"))


# ---------------------------------------------------------- technicians
@cli.group(help=_("Technicians: add, list, edit, retire, and on/off duty."))
def tech() -> None:
    pass


@tech.command("add", help=_("Add a technician to a team."))
@click.argument("name")
@click.option("--team", "team_name", required=True, help=_("The team's name."))
@click.option("--phone", default="")
@click.option("--skills", default="", help=_("Categories separated by commas, e.g. atm,cash"))
@click.option("--off-duty", is_flag=True, help=_("Starts off duty."))
@file_options
@click.pass_obj
def tech_add(obj: Ctx, name: str, team_name: str, phone: str, skills: str, off_duty: bool) -> None:
    store = obj.open()
    t = store.add_technician(name, _team_id(store, team_name), phone=phone, skills=skills,  # type: ignore[arg-type]
                             on_duty=not off_duty)
    _done(_("added technician"), t.name)


@tech.command("list", help=_("List technicians with their load."))
@_list_options
@file_options
@click.pass_obj
def tech_list(obj: Ctx, include_retired: bool, fmt: str) -> None:
    rows = [t.model_dump() | {"team": t.team_name} for t in obj.open().technicians(include_retired=include_retired)]
    _show(rows, [*COLUMNS["technicians"], "open_load", *(["retired"] if include_retired else [])], fmt)


@tech.command("edit", help=_("Change a technician (NAME: the name or #id)."))
@click.argument("tech_ref", metavar="NAME")
@click.option("--name")
@click.option("--team", "team_name")
@click.option("--phone")
@click.option("--skills", help=_("Categories separated by commas, e.g. atm,cash"))
@file_options
@click.pass_obj
def tech_edit(obj: Ctx, tech_ref: str, team_name: str | None, **options: Any) -> None:
    store = obj.open()
    changes = _given(**options)
    if team_name:
        changes["team_id"] = _team_id(store, team_name)
    t = store.edit_technician(_tech_id(store, tech_ref), **changes)
    _done(_("saved technician"), t.name)


@tech.command("retire", help=_("Retire a technician: off the assign list, kept on past tickets."))
@click.argument("tech_ref", metavar="NAME")
@_retire_options
@file_options
@click.pass_obj
def tech_retire(obj: Ctx, tech_ref: str, undo: bool) -> None:
    store = obj.open()
    t = store.retire_technician(_tech_id(store, tech_ref), retired=not undo)
    _done(_("technician"), t.name, _("back in service") if undo else _("retired"))


@tech.command("duty", help=_("Put a technician on or off duty."))
@click.argument("tech_ref", metavar="NAME")
@click.argument("state", type=click.Choice(["on", "off"], case_sensitive=False))
@file_options
@click.pass_obj
def tech_duty(obj: Ctx, tech_ref: str, state: str) -> None:
    store = obj.open()
    tech_id = _tech_id(store, tech_ref)
    store.set_on_duty(tech_id, state.lower() == "on")
    _done(_("technician"), store.technician(tech_id).name, _("on duty") if state.lower() == "on" else _("off duty"))


# ------------------------------------------------------------------ SLA
@cli.group(help=_("The SLA policy: minutes to respond, be on site and resolve, per priority."))
def sla() -> None:
    pass


@sla.command("show", help=_("Show the SLA policy."))
@click.option("--format", "fmt", type=FORMATS, default="table")
@file_options
@click.pass_obj
def sla_show(obj: Ctx, fmt: str) -> None:
    policy = obj.open().policy()
    rows = [{"priority": p, "label": priority_label(p), "response_min": pol.response_min,
             "onsite_min": pol.onsite_min, "resolve_min": pol.resolve_min} for p, pol in sorted(policy.items())]
    _show(rows, ["priority", "label", "response_min", "onsite_min", "resolve_min"], fmt)


@sla.command("set", help=_("Set a priority's windows in minutes: respond, on site, resolved."))
@click.argument("priority", type=click.IntRange(1, 4))
@click.argument("response_min", type=click.IntRange(1))
@click.argument("onsite_min", type=click.IntRange(1))
@click.argument("resolve_min", type=click.IntRange(1))
@file_options
@click.pass_obj
def sla_set(obj: Ctx, priority: int, response_min: int, onsite_min: int, resolve_min: int) -> None:
    obj.open().set_policy(priority, response_min, onsite_min, resolve_min)
    click.echo(_("{p}: respond {r} min, on site {o} min, resolved {x} min").format(
        p=priority_label(priority), r=response_min, o=onsite_min, x=resolve_min))


# ---------------------------------------------------------- import/export
@cli.command("import", help=_(
    "Import a CSV file into a table (sites, equipment, technicians, users). The first line names the columns;"
    " UTF-8 (with or without BOM) or GB18030. A record with the same code / asset tag / name / login is updated."
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


# Not registered on `cli`: the reports' `export` group (console/cli/reports.py) owns the name and
# hands `export sites|equipment|technicians|users` to this command.
@click.command("export", help=_("Export a table (sites, equipment, technicians, users) as CSV, the columns import reads."))
@click.argument("table", type=TABLES)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help=_("Write to this file (UTF-8 with BOM, for Excel) instead of the screen."))
@file_options
@click.pass_obj
def export(obj: Ctx, table: str, output: Path | None) -> None:
    store = obj.open()
    if output is None:
        export_csv(store, table.lower(), sys.stdout)
        return
    n = export_csv(store, table.lower(), output)
    click.echo(ngettext("{path}: {n} row", "{path}: {n} rows", n).format(path=output, n=n), err=True)
