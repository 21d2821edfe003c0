"""``dispatch user …``: who may use the file, in which role (managers only;
the store refuses anyone else and says whom to ask)."""

from __future__ import annotations

import click

from store.i18n import _, language_name
from store.models import User
from store.rules.auth import ROLES, role_name
from store.store import Store
from store.text import clean

from .common import Ctx, cli, fail, file_options
from .output import FORMATS, write_csv, write_json, write_table

FIELDS = ["login", "name", "role", "team", "disabled", "pin", "locked"]


def _team_id(store: Store, team: str | None) -> int | None:
    """A team by id or by (part of) its name."""
    if team is None:
        return None
    teams = store.people.teams()
    if team.isdigit() and any(t.id == int(team) for t in teams):
        return int(team)
    found = [t for t in teams if team.casefold() in t.name.casefold()]
    if len(found) == 1:
        return found[0].id
    names = ", ".join(clean(t.name, single_line=True) for t in teams) or "—"
    fail((_("{q} matches several teams: {names}") if found else _("no team matches {q}; there are: {names}")).format(
        q=team, names=names))


def _ask_pin() -> str:
    return click.prompt(_("PIN"), hide_input=True, confirmation_prompt=_("PIN again"), err=True)


def _row(u: User) -> dict[str, object]:
    return {"login": u.login, "name": u.name, "role": u.role, "team": u.team_name or "",
            "disabled": u.disabled, "pin": u.has_pin, "locked": u.pin_locked}


@cli.group(help=_("People who may use the file, and their roles (managers only)."))
def user() -> None:
    pass


@user.command("add", help=_("Add a person: their OS login, name and role (dispatcher, foreman, manager, viewer)."))
@click.argument("login")
@click.option("--name", required=True, help=_("The name shown in the console."))
@click.option("--role", required=True, type=click.Choice(ROLES), help=_("What they may do."))
@click.option("--team", default=None, help=_("Their team (id or name); a foreman needs one."))
@click.option("--pin", "with_pin", is_flag=True, help=_("Ask for a PIN (for sign-in at a shared desk)."))
@file_options
@click.pass_obj
def add(obj: Ctx, login: str, name: str, role: str, team: str | None, with_pin: bool) -> None:
    store = obj.open()
    try:
        u = store.users.add_user(login, name, role, team_id=_team_id(store, team), pin=_ask_pin() if with_pin else None)
    finally:
        store.close()
    click.echo(_("added {login} ({name}), {role}").format(
        login=clean(u.login, single_line=True), name=clean(u.name, single_line=True), role=role_name(u.role)))


@user.command("list", help=_("List the people of this file."))
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True, help=_("Output format."))
@click.option("--all", "everyone", is_flag=True, help=_("Include disabled users."))
@file_options
@click.pass_obj
def list_(obj: Ctx, fmt: str, everyone: bool) -> None:
    store = obj.open()
    rows = [_row(u) for u in store.users.find(include_disabled=everyone)]
    store.close()
    if fmt.lower() == "json":  # no team: null
        write_json([r | {"team": r["team"] or None} for r in rows])
        return
    if fmt.lower() == "csv":
        write_csv(rows, FIELDS)
        return
    if not rows:
        click.echo(_("No users yet: whoever opens the file acts as its manager. Add one with 'dispatch user add'."))
        return
    table = [[str(r["login"]), str(r["name"]), role_name(str(r["role"])), str(r["team"]),
              _("disabled") if r["disabled"] else "",
              _("PIN locked") if r["locked"] else _("PIN") if r["pin"] else ""] for r in rows]
    write_table([_("login"), _("name"), _("role"), _("team"), "", ""], table)


@user.command("set-role", help=_("Change a person's role (and, with --team, their team)."))
@click.argument("login")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--team", default=None, help=_("Their team (id or name); a foreman needs one."))
@file_options
@click.pass_obj
def set_role(obj: Ctx, login: str, role: str, team: str | None) -> None:
    store = obj.open()
    try:
        u = store.users.set_role(login, role, team_id=_team_id(store, team))
    finally:
        store.close()
    click.echo(_("{login} is now a {role}").format(login=clean(u.login, single_line=True), role=role_name(u.role)))


@user.command("disable", help=_("Stop a person from using the file (their history stays)."))
@click.argument("login")
@click.option("--enable", is_flag=True, help=_("Let them use it again."))
@file_options
@click.pass_obj
def disable(obj: Ctx, login: str, enable: bool) -> None:
    store = obj.open()
    try:
        u = store.users.disable_user(login, not enable)
    finally:
        store.close()
    click.echo((_("{login} enabled") if enable else _("{login} disabled")).format(login=clean(u.login, single_line=True)))


@user.command("pin", help=_("Set a person's sign-in PIN (asked twice, never shown); --clear removes it."))
@click.argument("login")
@click.option("--clear", is_flag=True, help=_("Remove the PIN."))
@file_options
@click.pass_obj
def pin(obj: Ctx, login: str, clear: bool) -> None:
    store = obj.open()
    try:
        store.users.user(login)  # say "no such user" before asking for a PIN
        store.users.set_pin(login, None if clear else _ask_pin())
    finally:
        store.close()
    click.echo((_("PIN of {login} removed") if clear else _("PIN of {login} set")).format(login=clean(login, single_line=True)))


@user.command("unlock", help=_("Let a person sign in with their PIN again after too many wrong ones (managers only)."))
@click.argument("login")
@file_options
@click.pass_obj
def unlock(obj: Ctx, login: str) -> None:
    store = obj.open()
    try:
        was = store.users.user(login)
        store.pins.unlock_user(login)
    finally:
        store.close()
    name = clean(login, single_line=True)
    if was.pin_locked:
        click.echo(_("{login} unlocked: their PIN signs in again").format(login=name))
    elif was.pin_failures:
        click.echo(_("{login} was not locked; their count of wrong PINs starts again").format(login=name))
    else:
        click.echo(_("{login} was not locked; nothing to do").format(login=name))


@user.command("language", help=_("Set the language of a person's console: zh_Hans, en, or default "
                                 "(follow DISPATCH_LANG / LANG). Managers set anyone's; everyone their own."))
@click.argument("login")
@click.argument("language", type=click.Choice(["zh_Hans", "en", "default"]))
@file_options
@click.pass_obj
def language(obj: Ctx, login: str, language: str) -> None:
    store = obj.open()
    try:
        store.users.set_user_language(login, None if language == "default" else language)
    finally:
        store.close()
    click.echo((_("{login} follows the environment's language") if language == "default"
                else _("{login} sees the console in {language}")).format(
        login=clean(login, single_line=True), language=language_name(language)))


@user.command("address", help=_("Set a person's notification addresses (Apprise URLs, e.g. mailto://…, wecombot://…,"
                                " dingtalk://…); none clears them. Everyone may set their own."))
@click.argument("login")
@click.argument("urls", nargs=-1)
@file_options
@click.pass_obj
def address(obj: Ctx, login: str, urls: tuple[str, ...]) -> None:
    from store.delivery import address_label

    saved = obj.open().outbox.set_user_addresses(login, urls)
    name = clean(login, single_line=True)
    if not saved:
        click.echo(_("{login} has no notification address: nothing is sent to them").format(login=name))
    for n, url in enumerate(saved, 1):
        click.echo(f"{n}. {address_label(url)}")
