"""Users: who may use the file, in which role and team, and their PINs
(store/rules/auth.py says what each role may do). Managers change these; every
change is audited like any other write."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from ..context import Context
from ..database import Database, Tx
from ..errors import NotFound, RuleViolation, ValidationFailed
from ..i18n import LANGUAGES, _
from ..models import User
from ..rules import auth
from ..rules.ledger import pin_mark
from ..timeutil import to_db
from .settings import SettingsRepo

# An OS login: what `id -un` prints. No spaces or control characters, so it
# reads the same in the audit log, a message and a shell command.
_LOGIN = re.compile(r"^[^\s\x00-\x1f\x7f-\x9f]{1,64}$")
_USER_SELECT = (
    "SELECT u.*, teams.name AS team_name FROM users u LEFT JOIN teams ON teams.id = u.team_id"
)


def _user(r: sqlite3.Row) -> User:
    d = dict(r)
    return User(login=d["login"], name=d["name"], role=d["role"], team_id=d["team_id"],
                team_name=d["team_name"], disabled=bool(d["disabled"]), has_pin=bool(d["pin_hash"]),
                language=d.get("language"), pin_failures=d.get("pin_failures") or 0, pin_locked=bool(d.get("pin_locked")))


class UsersRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo):
        self.db, self.ctx, self.settings = db, ctx, settings

    # ---------------------------------------------------------------- reads
    def find(self, include_disabled: bool = False) -> list[User]:
        where = "" if include_disabled else " WHERE u.disabled = 0"
        return [_user(r) for r in self.db.q(_USER_SELECT + where + " ORDER BY u.name, u.login")]

    def user(self, login: str) -> User:
        rows = self.db.q(_USER_SELECT + " WHERE u.login = ?", (login,))
        if not rows:
            raise NotFound(_("No user {login}").format(login=login))
        return _user(rows[0])

    def managers(self) -> list[User]:
        return [u for u in self.find() if u.role == "manager"]

    def me(self) -> User | None:
        """The user the writes are for, or None (not in the table, or none set up yet)."""
        try:
            return self.user(self.ctx.actor)
        except NotFound:
            return None

    def sign_in_required(self) -> bool:
        """Whether the console asks who is at the keyboard (setting ``sign_in``)."""
        return bool(self.settings.setting("sign_in", False))

    # -------------------------------------------------------------- checks
    def _check_user(self, tx: Tx, role: str, team_id: int | None) -> None:
        if role not in auth.ROLES:
            raise ValidationFailed.one("role", _("role must be one of {roles}, not {role}").format(
                roles=", ".join(auth.ROLES), role=role))
        if team_id is not None and tx.execute("SELECT 1 FROM teams WHERE id = ?", (team_id,)).fetchone() is None:
            raise ValidationFailed.one("team_id", _("no such team"))
        if role == "foreman" and team_id is None:
            raise ValidationFailed.one("team_id", _("a foreman needs a team"))

    @staticmethod
    def _check_name(name: str) -> str:
        name = name.strip() if isinstance(name, str) else ""
        if not name or len(name) > 120:
            raise ValidationFailed.one("name", _("a name is 1 to 120 characters"))
        return name

    def _keep_a_manager(self, tx: Tx, login: str) -> None:
        """Refuse to leave the file without an active manager: no one could fix it then."""
        others = tx.execute(
            "SELECT COUNT(*) FROM users WHERE role = 'manager' AND disabled = 0 AND login != ?", (login,)).fetchone()[0]
        if not others:
            raise RuleViolation(_("{login} is the last manager; make someone else a manager first").format(login=login))

    def _user_row(self, tx: Tx, login: str) -> dict[str, Any]:
        row = tx.execute("SELECT * FROM users WHERE login = ?", (login,)).fetchone()
        if row is None:
            raise NotFound(_("No user {login}").format(login=login))
        return dict(row)

    # --------------------------------------------------------------- writes
    def add_user(self, login: str, name: str, role: str, team_id: int | None = None, pin: str | None = None) -> User:
        """Add a person. The first user of a file is its manager: if whoever adds
        the first user is someone else, they are added as manager first."""
        login = login.strip() if isinstance(login, str) else ""
        if not _LOGIN.match(login):
            raise ValidationFailed.one("login", _("a login is the OS user name: 1 to 64 characters, no spaces"))
        name = self._check_name(name)
        if pin is not None and (why := auth.check_pin_text(pin)):
            raise ValidationFailed.one("pin", why)
        with self.db.write("user.add") as tx:
            self._check_user(tx, role, team_id)
            if tx.execute("SELECT 1 FROM users WHERE login = ?", (login,)).fetchone() is not None:
                raise ValidationFailed.one("login", _("{login} is already a user").format(login=login))
            at = self.ctx.now()  # created_at is the event's own time (the audit check replays it)
            now = to_db(at)
            if tx.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0:
                if login == self.ctx.actor and role != "manager":
                    raise RuleViolation(_("The first user of a file is its manager: add yourself as manager"))
                if login != self.ctx.actor and _LOGIN.match(self.ctx.actor):
                    tx.execute("INSERT INTO users (login, name, role, created_at) VALUES (?, ?, 'manager', ?)",
                                 (self.ctx.actor, self.ctx.actor, now))
                    tx.event("user.add", "user", None, None, {},
                                {"login": self.ctx.actor, "name": self.ctx.actor, "role": "manager", "first": True}, at=at)
                elif login != self.ctx.actor:
                    raise RuleViolation(_("The first user of a file is its manager: add a manager first"))
            pin_hash = auth.hash_pin(pin) if pin else None
            tx.execute(
                "INSERT INTO users (login, name, role, team_id, pin_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (login, name, role, team_id, pin_hash, now))
            tx.event("user.add", "user", None, None, {},
                        {"login": login, "name": name, "role": role, "team_id": team_id, "pin": bool(pin),
                         "row": {"pin_hash": pin_mark(pin_hash)}}, at=at)
        return self.user(login)

    def edit_user(self, login: str, **changes: Any) -> User:
        """Change name, role, team_id or disabled (``set_role``/``disable_user`` are shorthands)."""
        unknown = set(changes) - {"name", "role", "team_id", "disabled"}
        if unknown:
            raise ValidationFailed.one(sorted(unknown)[0], _("not a user field"))
        if "name" in changes:
            changes["name"] = self._check_name(changes["name"])
        if "disabled" in changes:
            changes["disabled"] = int(bool(changes["disabled"]))
        action = ("user.set_role" if set(changes) <= {"role", "team_id"} and "role" in changes
                  else "user.disable" if set(changes) == {"disabled"} else "user.edit")
        with self.db.write(action) as tx:
            row = self._user_row(tx, login)
            merged = {**row, **changes}
            self._check_user(tx, merged["role"], merged["team_id"])
            if row["role"] == "manager" and not row["disabled"] and (merged["role"] != "manager" or merged["disabled"]):
                self._keep_a_manager(tx, login)
            old = {k: row[k] for k in changes if row[k] != changes[k]}
            if old:
                tx.execute("UPDATE users SET " + ", ".join(f"{k} = ?" for k in old) + " WHERE login = ?",
                             [*(changes[k] for k in old), login])
                tx.event(action, "user", None, None, {"login": login, **old},
                            {"login": login, **{k: changes[k] for k in old}})
        return self.user(login)

    def set_role(self, login: str, role: str, team_id: int | None = None) -> User:
        changes: dict[str, Any] = {"role": role}
        if team_id is not None:
            changes["team_id"] = team_id
        return self.edit_user(login, **changes)

    def disable_user(self, login: str, disabled: bool = True) -> User:
        return self.edit_user(login, disabled=disabled)

    def set_pin(self, login: str, pin: str | None) -> User:
        """Set (or with None, clear) a PIN. Managers set anyone's; everyone their own."""
        if pin is not None and (why := auth.check_pin_text(pin)):
            raise ValidationFailed.one("pin", why)
        action = "self.pin" if login == self.ctx.actor else "user.pin"
        with self.db.write(action) as tx:
            before = self._user_row(tx, login)["pin_hash"]
            pin_hash = auth.hash_pin(pin) if pin else None
            tx.execute("UPDATE users SET pin_hash = ? WHERE login = ?", (pin_hash, login))
            # Never the hash itself: the audit log is readable by more people than the
            # PINs. Its digest (store/rules/ledger.py pin_mark) lets check see a hash swapped in.
            tx.event(action, "user", None, None, {"login": login, "row": {"pin_hash": pin_mark(before)}},
                        {"login": login, "pin": "set" if pin else "cleared", "row": {"pin_hash": pin_mark(pin_hash)}})
        return self.user(login)

    def set_user_language(self, login: str, language: str | None) -> User:
        """Set (or with None, clear: follow the environment) a person's console
        language. Managers set anyone's; everyone their own."""
        if language is not None and language not in LANGUAGES:
            raise ValidationFailed.one("language", _("language must be one of {langs}, or default; not {lang}").format(
                langs=", ".join(LANGUAGES), lang=language))
        action = "self.language" if login == self.ctx.actor else "user.language"
        with self.db.write(action) as tx:
            row = self._user_row(tx, login)
            if row.get("language") != language:
                tx.execute("UPDATE users SET language = ? WHERE login = ?", (language, login))
                tx.event(action, "user", None, None, {"login": login, "language": row.get("language")},
                            {"login": login, "language": language})
        return self.user(login)
