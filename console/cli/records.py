"""What the reference-table commands share (``site``, ``equipment``, ``team``,
``tech``, ``sla``: one module each): finding a record by id, code or name,
the list options, the one-line confirmations, and how a list prints.

Records are never deleted: ``retire`` hides them from pickers (``--undo``
brings them back); tickets keep their names. Names typed by people are
cleaned of control characters before printing, in every format."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from store.errors import NotFound
from store.i18n import N_, _
from store.inputs import SKILLS_SEPARATOR
from store.labels import category_label
from store.store import Store
from store.text import clean

from .common import fail
from .output import FORMATS, write_csv, write_json, write_table

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

# Fields whose empty text means "none": null in JSON.
NONE_WHEN_EMPTY = {"foreman"}


def show_records(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> None:
    """A list as a table (headings, equipment types by name), CSV (the field
    names, formula cells inert) or JSON (the field names, typed values)."""
    fmt = fmt.lower()
    if fmt == "json":
        write_json([{c: (r[c] or None) if c in NONE_WHEN_EMPTY else r[c] for c in columns} for r in rows])
    elif fmt == "csv":
        write_csv([{c: _cell(r[c]) for c in columns} for r in rows], columns)
    else:
        write_table([_(HEADINGS[c]) if c in HEADINGS else c for c in columns],
                    [[_shown(c, r[c]) for c in columns] for r in rows])


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


def find(kind: str, query: str, items: list[tuple[int, str]]) -> int:
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


def site_id(store: Store, code: str) -> int:
    return find(_("site"), code, [(s.id, s.code) for s in store.reference.sites(limit=-1, include_retired=True)])


def team_id(store: Store, name: str) -> int:
    return find(_("team"), name, [(t.id, t.name) for t in store.people.teams(include_retired=True)])


def tech_id(store: Store, name: str) -> int:
    return find(_("technician"), name, [(t.id, t.name) for t in store.people.technicians(include_retired=True)])


def equipment_id(store: Store, tag: str) -> int:
    return find(_("equipment"), tag, [(e.id, e.asset_tag) for e in store.reference.equipment(limit=-1, include_retired=True)])


def given(**options: Any) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v is not None}


def list_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--all", "include_retired", is_flag=True, help=_("Include retired records."))(f)
    return click.option("--format", "fmt", type=FORMATS, default="table", help=_("table, csv or json."))(f)


def retire_options(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--undo", is_flag=True, help=_("Bring a retired record back into service."))(f)


def done(what: str, name: str, state: str = "") -> None:
    click.echo(f"{what} {clean(name, single_line=True)}{(' ' + state) if state else ''}")
