"""``dispatch equipment add|list|edit|retire``: the assets, by tag, at their sites."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from store.i18n import _
from store.labels import CATEGORIES
from store.repo.imports import COLUMNS

from .common import Ctx, cli, file_options
from .records import done, equipment_id, given, list_options, retire_options, show_records, site_id


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
def equipment_add(obj: Ctx, /, asset_tag: str, site_code: str, **options: Any) -> None:
    store = obj.open()
    e = store.reference.add_equipment(asset_tag=asset_tag, site_id=site_id(store, site_code), **given(**options))
    done(_("added equipment"), e.asset_tag)


@equipment.command("list", help=_("List equipment (matching QUERY in tag, model or category)."))
@click.argument("query", default="")
@click.option("--site", "site_code", help=_("Only this site's (its code)."))
@list_options
@file_options
@click.pass_obj
def equipment_list(obj: Ctx, query: str, site_code: str | None, include_retired: bool, fmt: str) -> None:
    store = obj.open()
    codes = {s.id: s.code for s in store.reference.sites(limit=-1, include_retired=True)}
    at = site_id(store, site_code) if site_code else None
    rows = [e.model_dump() | {"site_code": codes.get(e.site_id, "")}
            for e in store.reference.equipment(at, query, limit=-1, include_retired=include_retired)]
    show_records(rows, [*COLUMNS["equipment"], *(["retired"] if include_retired else [])], fmt)


@equipment.command("edit", help=_("Change an asset (TAG: its tag or #id)."))
@click.argument("tag")
@click.option("--asset-tag", help=_("A new tag."))
@click.option("--site", "site_code", help=_("Move it to this site (its code)."))
@_equipment_options
@file_options
@click.pass_obj
def equipment_edit(obj: Ctx, /, tag: str, site_code: str | None, **options: Any) -> None:
    store = obj.open()
    changes = given(**options)
    if site_code:
        changes["site_id"] = site_id(store, site_code)
    e = store.reference.edit_equipment(equipment_id(store, tag), **changes)
    done(_("saved equipment"), e.asset_tag)


@equipment.command("retire", help=_("Retire an asset: hidden from pickers, kept on its tickets."))
@click.argument("tag")
@retire_options
@file_options
@click.pass_obj
def equipment_retire(obj: Ctx, tag: str, undo: bool) -> None:
    store = obj.open()
    e = store.reference.retire_equipment(equipment_id(store, tag), retired=not undo)
    done(_("equipment"), e.asset_tag, _("back in service") if undo else _("retired"))
