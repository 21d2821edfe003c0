"""The one permission check: may this write be made, by whom and for whom.
``Database.authorize`` calls it inside the write transaction, so the roles
and the ticket it reads are the ones the write sees. The role table itself is
store/rules/auth.py; this module reads who is who from the file.

Two people can be involved: the *actor*, whom the write is for and whom the
audit log names, and the *typist* (``by``), the OS login entering it for them
(a manager using --actor or DISPATCH_ACTOR). Acting for someone lends nothing:
the typist must be an active manager, and the write must be one the actor's
own role (and, for a foreman, team) allows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .errors import PermissionDenied
from .i18n import _
from .rules import auth
from .text import clean

Query = Callable[[str, tuple[Any, ...]], list[Any]]


def _one(text: str) -> str:
    """A name for a one-line message: no control characters, no line breaks."""
    return clean(text, single_line=True)


def authorize(q: Query, actor: str, by: str | None, action: str,
              ticket_id: int | None = None, team_id: int | None = None) -> None:
    """Raise PermissionDenied, saying why and whom to ask, unless ``actor``
    (entered by ``by``, when someone else) may take ``action``. ``ticket_id``/
    ``team_id``: what a team-bound role (a foreman) must own. A file with no
    users yet is being set up: whoever opens it acts as its manager (README
    "People, roles and the file")."""
    if not actor.strip():
        raise PermissionDenied(_("No user name: set --actor or DISPATCH_ACTOR."))
    if action in auth.OPEN_TO_ANYONE:
        return
    users = {r["login"]: r for r in q(
        "SELECT u.login, u.name, u.role, u.team_id, u.disabled, teams.name AS team_name"
        " FROM users u LEFT JOIN teams ON teams.id = u.team_id", ())}
    if not users:
        return
    ask = _Managers(users.values())
    me = users.get(actor)
    if by is not None:
        typist = users.get(by)
        if typist is None or typist["disabled"] or typist["role"] != "manager":
            raise PermissionDenied(_(
                "Only a manager may act for someone else (--actor or DISPATCH_ACTOR={actor}), and {by} is not one:"
                " work as yourself, or ask a manager: {managers}").format(
                actor=_one(actor), by=_one(by), managers=ask))
        if me is None:
            raise PermissionDenied(_(
                "{login} is not a user of this file, so no one can act for them; add them first"
                " (dispatch user add {login})").format(login=_one(actor)))
        if me["disabled"]:
            raise PermissionDenied(_(
                "{login} is disabled in this file, so no one can act for them; enable them first"
                " (dispatch user disable {login} --enable)").format(login=_one(actor)))
        if not auth.allows(me["role"], action):
            raise PermissionDenied(_(
                "{login} is a {role} and may not {what}; acting for someone does not lend them your rights"
                " (that is for: {roles}). Do it as yourself, without --actor").format(
                login=_one(actor), role=auth.role_name(me["role"]), what=auth.action_words(action),
                roles=", ".join(auth.role_name(r) for r in auth.roles_for(action))))
    else:
        if me is None:
            raise PermissionDenied(_(
                "{login} is not a user of this file; ask a manager to add you (dispatch user add {login}): {managers}").format(
                login=_one(actor), managers=ask))
        if me["disabled"]:
            raise PermissionDenied(_("{login} is disabled in this file; ask a manager: {managers}").format(
                login=_one(actor), managers=ask))
        if not auth.allows(me["role"], action):
            raise PermissionDenied(_(
                "{login} is a {role} and may not {what} (that is for: {roles}); ask a manager: {managers}").format(
                login=_one(actor), role=auth.role_name(me["role"]), what=auth.action_words(action),
                roles=", ".join(auth.role_name(r) for r in auth.roles_for(action)), managers=ask))
    if me["role"] in auth.TEAM_SCOPED and not action.startswith("self."):  # one's own PIN, language, addresses: no team's
        _authorize_team(q, me, ticket_id, team_id, ask)


class _Managers:
    """The managers to ask, named only when a refusal is written: worked out
    for every write, inside its transaction, it was a tenth of the write lock's
    time on a file with forty managers (bench/README.md "Twenty writers, third round")."""

    def __init__(self, users: Iterable[Any]):
        self.users = users

    def __str__(self) -> str:
        return ask_managers(self.users)


def _authorize_team(q: Query, me: Any, ticket_id: int | None, team_id: int | None, ask: _Managers) -> None:
    own = _one(me["team_name"] or _("no team"))
    if ticket_id is None and team_id is None:
        raise PermissionDenied(_("A foreman works their own team's tickets; this is not one. Ask a manager: {managers}").format(
            managers=ask))
    if ticket_id is not None:
        rows = q(
            "SELECT tech.team_id, teams.name FROM tickets t LEFT JOIN technicians tech ON tech.id = t.technician_id"
            " LEFT JOIN teams ON teams.id = tech.team_id WHERE t.id = ?", (ticket_id,))
        if rows and rows[0][0] is None:
            raise PermissionDenied(_(
                "Ticket #{id} is not assigned yet, so it is the dispatch desk's; a foreman works their own team's"
                " tickets ({team}). Ask a dispatcher, or a manager: {managers}").format(id=ticket_id, team=own, managers=ask))
        if rows and rows[0][0] != me["team_id"]:
            raise PermissionDenied(_(
                "Ticket #{id} is {other}'s, not {team}'s; a foreman works their own team's tickets."
                " Ask a dispatcher, or a manager: {managers}").format(
                id=ticket_id, other=_one(rows[0][1] or "?"), team=own, managers=ask))
    if team_id is not None and team_id != me["team_id"]:
        raise PermissionDenied(_(
            "That is another team's, not {team}'s; moving work between teams is the dispatch desk's."
            " Ask a dispatcher, or a manager: {managers}").format(team=own, managers=ask))


def ask_managers(users: Iterable[Any]) -> str:
    """The active managers, by name and login, for "ask …" in a refusal."""
    names = [f"{_one(u['name'])} ({_one(u['login'])})" for u in users
             if u["role"] == "manager" and not u["disabled"]]
    return ", ".join(sorted(names)) or _("no manager is set up; ask whoever looks after this file")
