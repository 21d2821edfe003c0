"""``dispatch tech add|list|edit|retire|duty``: the technicians, their teams, skills and duty."""

from __future__ import annotations

from typing import Any

import click

from store.i18n import _
from store.repo.imports import COLUMNS

from .common import Ctx, cli, file_options
from .records import done, given, list_options, retire_options, show_records, team_id, tech_id


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
    t = store.people.add_technician(name, team_id(store, team_name), phone=phone, skills=skills,  # type: ignore[arg-type]
                             on_duty=not off_duty)
    done(_("added technician"), t.name)


@tech.command("list", help=_("List technicians with their load."))
@list_options
@file_options
@click.pass_obj
def tech_list(obj: Ctx, include_retired: bool, fmt: str) -> None:
    rows = [t.model_dump() | {"team": t.team_name} for t in obj.open().people.technicians(include_retired=include_retired)]
    show_records(rows, [*COLUMNS["technicians"], "open_load", *(["retired"] if include_retired else [])], fmt)


@tech.command("edit", help=_("Change a technician (NAME: the name or #id)."))
@click.argument("tech_ref", metavar="NAME")
@click.option("--name")
@click.option("--team", "team_name")
@click.option("--phone")
@click.option("--skills", help=_("Categories separated by commas, e.g. atm,cash"))
@file_options
@click.pass_obj
def tech_edit(obj: Ctx, /, tech_ref: str, team_name: str | None, **options: Any) -> None:
    store = obj.open()
    changes = given(**options)
    if team_name:
        changes["team_id"] = team_id(store, team_name)
    t = store.people.edit_technician(tech_id(store, tech_ref), **changes)
    done(_("saved technician"), t.name)


@tech.command("retire", help=_("Retire a technician: off the assign list, kept on past tickets."))
@click.argument("tech_ref", metavar="NAME")
@retire_options
@file_options
@click.pass_obj
def tech_retire(obj: Ctx, tech_ref: str, undo: bool) -> None:
    store = obj.open()
    t = store.people.retire_technician(tech_id(store, tech_ref), retired=not undo)
    done(_("technician"), t.name, _("back in service") if undo else _("retired"))


@tech.command("duty", help=_("Put a technician on or off duty."))
@click.argument("tech_ref", metavar="NAME")
@click.argument("state", type=click.Choice(["on", "off"], case_sensitive=False))
@file_options
@click.pass_obj
def tech_duty(obj: Ctx, tech_ref: str, state: str) -> None:
    store = obj.open()
    tid = tech_id(store, tech_ref)
    store.people.set_on_duty(tid, state.lower() == "on")
    done(_("technician"), store.people.technician(tid).name, _("on duty") if state.lower() == "on" else _("off duty"))


@tech.command("address", help=_("Set a technician's notification addresses (Apprise URLs); none clears them."))
@click.argument("tech_ref", metavar="NAME")
@click.argument("urls", nargs=-1)
@file_options
@click.pass_obj
def tech_address(obj: Ctx, tech_ref: str, urls: tuple[str, ...]) -> None:
    from store.delivery import address_label

    store = obj.open()
    tid = tech_id(store, tech_ref)
    saved = store.outbox.set_technician_addresses(tid, urls)
    name = store.people.technician(tid).name
    if not saved:
        done(_("technician"), name, _("has no notification address: nothing is sent to them"))
    for n, url in enumerate(saved, 1):
        click.echo(f"{n}. {address_label(url)}")
