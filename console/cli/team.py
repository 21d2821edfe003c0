"""``dispatch team add|list|edit|retire``: the teams (工班) and their foremen."""

from __future__ import annotations

from typing import Any

import click

from store.i18n import _

from .common import Ctx, cli, file_options
from .records import done, given, list_options, retire_options, show_records, team_id, tech_id


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
    t = store.people.add_team(name, tech_id(store, foreman) if foreman else None)
    done(_("added team"), t.name)


@team.command("list", help=_("List teams."))
@list_options
@file_options
@click.pass_obj
def team_list(obj: Ctx, include_retired: bool, fmt: str) -> None:
    store = obj.open()
    names = {t.id: t.name for t in store.people.technicians(include_retired=True)}
    rows = [t.model_dump() | {"foreman": names.get(t.foreman_id or 0, "")}
            for t in store.people.teams(include_retired=include_retired)]
    show_records(rows, ["name", "foreman", *(["retired"] if include_retired else [])], fmt)


@team.command("edit", help=_("Rename a team or change its foreman."))
@click.argument("team_ref", metavar="TEAM")
@click.option("--name")
@click.option("--foreman", help=_("A technician's name or #id; '' for none."))
@file_options
@click.pass_obj
def team_edit(obj: Ctx, team_ref: str, name: str | None, foreman: str | None) -> None:
    store = obj.open()
    changes: dict[str, Any] = given(name=name)
    if foreman is not None:
        changes["foreman_id"] = tech_id(store, foreman) if foreman.strip() else None
    t = store.people.edit_team(team_id(store, team_ref), **changes)
    done(_("saved team"), t.name)


@team.command("retire", help=_("Retire a team: no longer offered for technicians or filters."))
@click.argument("team_ref", metavar="TEAM")
@retire_options
@file_options
@click.pass_obj
def team_retire(obj: Ctx, team_ref: str, undo: bool) -> None:
    store = obj.open()
    t = store.people.retire_team(team_id(store, team_ref), retired=not undo)
    done(_("team"), t.name, _("back in service") if undo else _("retired"))
