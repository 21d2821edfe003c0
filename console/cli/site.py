"""``dispatch site add|list|edit|retire``: the sites (bank branches) tickets are reported from."""

from __future__ import annotations

from typing import Any

import click

from store.i18n import _

from .common import Ctx, cli, file_options
from .records import done, given, list_options, retire_options, show_records, site_id


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
    s = obj.open().reference.add_site(code=code, name=name, address=address, contact=contact)
    done(_("added site"), f"{s.code} {s.name}")


@site.command("list", help=_("List sites (matching QUERY in code, name or address)."))
@click.argument("query", default="")
@list_options
@file_options
@click.pass_obj
def site_list(obj: Ctx, query: str, include_retired: bool, fmt: str) -> None:
    rows = [s.model_dump() for s in obj.open().reference.sites(query, limit=-1, include_retired=include_retired)]
    show_records(rows, ["code", "name", "address", "contact", *(["retired"] if include_retired else [])], fmt)


@site.command("edit", help=_("Change a site's code, name, address or contact (SITE: its code or #id)."))
@click.argument("site_ref", metavar="SITE")
@click.option("--code")
@click.option("--name")
@click.option("--address")
@click.option("--contact")
@file_options
@click.pass_obj
def site_edit(obj: Ctx, /, site_ref: str, **options: Any) -> None:
    store = obj.open()
    s = store.reference.edit_site(site_id(store, site_ref), **given(**options))
    done(_("saved site"), f"{s.code} {s.name}")


@site.command("retire", help=_("Retire a site: hidden from pickers, kept on its tickets."))
@click.argument("site_ref", metavar="SITE")
@retire_options
@file_options
@click.pass_obj
def site_retire(obj: Ctx, site_ref: str, undo: bool) -> None:
    store = obj.open()
    s = store.reference.retire_site(site_id(store, site_ref), retired=not undo)
    done(_("site"), f"{s.code} {s.name}", _("back in service") if undo else _("retired"))
