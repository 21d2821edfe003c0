"""The people of the file (managers only): list, add, change role, disable;
everyone may set their own language. What the user may not do is left out of
the footer and its key says why (the store's answer, console/permits.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from store.i18n import LANGUAGES, language_name
from store.limits import LOGIN_MAX, USER_NAME_MAX
from store.models import User
from store.rules.auth import ROLES, role_name
from store.text import clean

from ..background import in_thread, read, write_refusal
from ..i18n import N_, _, language_for
from ..widgets.footer import Footer
from ..widgets.lists import ListTable
from .form import ActionForm, Field
from .listing import BACK, ListScreen

# action → the write it makes (store/repo/users.py)
WRITES = {"add": "user.add", "role": "user.set_role", "disable": "user.disable", "unlock": "user.unlock"}


class UsersScreen(ListScreen):
    BINDINGS = [
        Binding("a", "add", N_("Add")),
        Binding("r", "role", N_("Change role")),
        Binding("d", "disable", N_("Disable/enable")),
        Binding("l", "language", N_("Language")),
        Binding("u", "unlock", N_("Unlock")),
        Binding("m", "addresses", N_("Addresses")),
        BACK,
    ]
    GUARDED = frozenset({"add", "role", "disable", "language", "unlock", "addresses"})

    def __init__(self) -> None:
        super().__init__()
        self.people: list[User] = []

    def compose(self) -> ComposeResult:
        yield Static(Content(_("People of this file")), classes="title")
        yield ListTable(id="users")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*self._headers())
        self.reload()

    def data_changed(self) -> None:
        self.reload()

    def refusal(self, action: str) -> str | None:
        user = self.selected()
        if action != "add" and user is None:
            return _("No user selected.")
        if action in ("language", "addresses"):
            # Everyone may set their own; another's is a manager's.
            mine = user is not None and user.login == self.store.actor
            write = {"language": "language", "addresses": "address"}[action]
            return self.permits.refusal(f"self.{write}" if mine else f"user.{write}")
        return self.permits.refusal(WRITES[action])

    @staticmethod
    def _headers() -> list[str]:
        return [_("Login"), _("Name"), _("Role"), _("Team"), _("State"), _("PIN"), _("Language")]

    def reload(self) -> None:
        """Read the users in a thread, then show them (the cursor stays on its row)."""
        store = self.store
        in_thread(self, lambda: store.users.find(include_disabled=True), self._show, group="users", exclusive=True)

    def _show(self, people: list[User]) -> None:
        table = self.query_one(DataTable)
        at = table.cursor_row
        table.clear()
        self.people = people
        for u in self.people:
            # Text, not str: a DataTable parses plain strings as markup.
            table.add_row(*(Text(clean(v, single_line=True)) for v in (
                u.login, u.name, role_name(u.role), u.team_name or "",
                _("disabled") if u.disabled else _("active"),
                _("locked") if u.pin_locked else _("set") if u.has_pin else "",
                language_name(u.language) if u.language else "")), key=u.login)
        if self.people:
            table.move_cursor(row=min(at, len(self.people) - 1))

    def selected(self) -> User | None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        return self.people[row] if self.people and 0 <= row < len(self.people) else None

    async def _with_teams(self, open_form: Callable[[list[tuple[str, Any]]], None]) -> None:
        """Read the teams in a thread (awaited: keys typed meanwhile land in the form), then open the form."""
        store = self.store
        open_form(await read(lambda: [(clean(t.name, single_line=True), t.id) for t in store.people.teams()]))

    def _done(self, result: Any) -> None:
        if result is not None:
            self.notify(_("Saved."), markup=False)
            self.reload()

    async def action_add(self) -> None:
        if not self.refusal("add"):
            await self._with_teams(self._add_form)

    def _add_form(self, teams: list[tuple[str, Any]]) -> None:
        fields = [
            Field("login", _("Login (OS user)"), max_length=LOGIN_MAX),
            Field("name", _("Name"), max_length=USER_NAME_MAX),
            Field("role", _("Role"), "select", [(role_name(r), r) for r in ROLES], "dispatcher"),
            Field("team_id", _("Team (foremen)"), "select", teams),
        ]

        def submit(values: dict[str, Any], version: int) -> User:
            return self.store.users.add_user(values["login"] or "", values["name"] or "", values["role"], values["team_id"])

        self.app.push_screen(ActionForm(_("Add a user"), fields, submit, 0,
                                        hint=_("Set a PIN for sign-in with 'dispatch user pin LOGIN'.")), self._done)

    async def action_role(self) -> None:
        user = self.selected()
        if user is not None and not self.refusal("role"):
            await self._with_teams(lambda teams: self._role_form(user, teams))

    def _role_form(self, user: User, teams: list[tuple[str, Any]]) -> None:
        fields = [
            Field("role", _("Role"), "select", [(role_name(r), r) for r in ROLES], user.role),
            Field("team_id", _("Team (foremen)"), "select", teams, user.team_id),
        ]

        def submit(values: dict[str, Any], version: int) -> User:
            return self.store.users.set_role(user.login, values["role"], team_id=values["team_id"])

        title = _("Role of {name}").format(name=clean(user.name, single_line=True))
        self.app.push_screen(ActionForm(title, fields, submit, 0), self._done)

    def action_disable(self) -> None:
        user = self.selected()
        if user is None or self.refusal("disable"):
            return
        store = self.store

        def done(_result: object) -> None:
            self.notify((_("{login} enabled") if user.disabled else _("{login} disabled")).format(login=user.login),
                        markup=False)
            self.reload()

        # A write: in a thread, so a file busy with another dispatcher's change does not hold the keys.
        in_thread(self, lambda: store.users.disable_user(user.login, not user.disabled), done,
                  lambda exc: self.notify(write_refusal(exc), severity="error", markup=False), group="disable")

    def action_unlock(self) -> None:
        """After too many wrong PINs: let the person sign in again (managers only)."""
        user = self.selected()
        if user is None:
            return
        if not user.pin_locked and not user.pin_failures:
            self.notify(_("{login} is not locked").format(login=clean(user.login, single_line=True)), markup=False)
            return
        self._unlock(user.login)

    @work(thread=True, exclusive=True, exit_on_error=False, group="users-unlock")
    def _unlock(self, login: str) -> None:
        """A write: off the UI thread (it may wait for another dispatcher's)."""
        from store.errors import StoreError

        try:
            self.store.pins.unlock_user(login)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self._unlocked, login)

    def _unlocked(self, login: str) -> None:
        self.notify(_("{login} unlocked: their PIN signs in again").format(login=clean(login, single_line=True)),
                    markup=False)
        self.reload()

    async def action_language(self) -> None:
        """Everyone may set their own language here; a manager anyone's."""
        user = self.selected()
        if user is None or self.refusal("language"):
            return
        store = self.store
        self._language_form(user, await read(store.users.me))

    def _language_form(self, user: User, me: User | None) -> None:
        choices = [(language_name(None), "default"), *((language_name(code), code) for code in LANGUAGES)]
        fields = [Field("language", _("Language"), "select", choices, user.language or "default")]

        def submit(values: dict[str, Any], version: int) -> User:
            chosen = values["language"]
            return self.store.users.set_user_language(user.login, None if chosen in (None, "default") else chosen)

        def saved(result: Any) -> None:
            if result is not None and me is not None and result.login == me.login:
                store = self.store
                in_thread(self, lambda: language_for(store), self.app.apply_language,
                          group="language")
            self._done(result)

        title = _("Language of {name}").format(name=clean(user.name, single_line=True))
        self.app.push_screen(ActionForm(title, fields, submit, 0), saved)

    async def action_addresses(self) -> None:
        """Notification addresses (Apprise URLs): everyone their own, a manager anyone's."""
        user = self.selected()
        if user is None or self.refusal("addresses"):
            return
        from .addresses import open_address_form

        store, login = self.store, user.login
        await open_address_form(self, clean(user.name or login, single_line=True),
                                lambda: store.outbox.user_addresses(login),
                                lambda urls: store.outbox.set_user_addresses(login, urls), self._done)

    def language_changed(self) -> None:
        """Another language: the column headers and the rows' words again."""
        self.query_one(".title", Static).update(Content(_("People of this file")))
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(*self._headers())
        self.reload()
