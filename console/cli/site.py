"""``dispatch site add|list|edit|retire|contact``: the sites (bank branches) tickets are reported from."""

from __future__ import annotations

from typing import Any

import click

from store.i18n import _, ngettext
from store.text import clean

from .common import Ctx, cli, fail, file_options
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


@site.command("contact", help=_("The addresses an inspection's notice goes to at a site (Apprise URLs, as for"
                                 " 'dispatch user address'); none: cleared, the customer is then not told (managers)."))
@click.argument("code")
@click.argument("urls", nargs=-1)
@click.option("--language", type=click.Choice(["zh_Hans", "en"]), help=_("The contact's language (default: the sender's)."))
@file_options
@click.pass_obj
def site_contact(obj: Ctx, code: str, urls: tuple[str, ...], language: str | None) -> None:
    store = obj.open()
    found = store.reference.site_by_code(code)
    if found is None:
        fail(_("--site: no site {ref} (its code or number)").format(ref=clean(code, single_line=True)))
    checked = store.inspections.set_site_contact(found.id, list(urls), language)
    done(_("site contact"), ngettext("{code}: {n} address", "{code}: {n} addresses", len(checked)).format(
        code=clean(found.code, single_line=True), n=len(checked)))
