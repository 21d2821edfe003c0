"""Importing reference tables (the rows of a CSV file, already read): every
row validated like a form, all saved in one write transaction or none.

A record is matched by its key (a site's code, an asset tag, a technician's
name, a user's login): a match is updated with the columns given, never
duplicated; the columns a file leaves out keep their values."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..context import Context
from ..database import Database, Tx
from ..errors import RuleViolation, ValidationFailed
from ..i18n import _
from ..models import ImportReport, User
from . import records
from .parts import PartsRepo
from .people import PeopleRepo
from .reference import ReferenceRepo
from .users import UsersRepo

# Per table: its columns in file order, and the key column (always required).
COLUMNS: dict[str, tuple[str, ...]] = {
    "sites": ("code", "name", "address", "contact"),
    "equipment": ("asset_tag", "category", "model", "site_code", "installed", "warranty_until"),
    "technicians": ("name", "phone", "team", "skills", "on_duty"),
    "users": ("login", "name", "role", "team"),
    "parts": ("code", "name", "category", "unit", "min_stock", "unit_cost", "equipment_categories"),
}
KEYS = {"sites": "code", "equipment": "asset_tag", "technicians": "name", "users": "login", "parts": "code"}
ENTITY = {"sites": "site", "equipment": "equipment", "technicians": "technician", "users": "user", "parts": "part"}
# Store field -> the column a file names it by, so errors point at the file's column.
COLUMN_OF = {"site_id": "site_code", "team_id": "team"}
YES = {"1", "yes", "y", "true", "on", "是"}
NO = {"0", "no", "n", "false", "off", "否"}
Progress = Callable[[int, int], None]


class _Rejected(Exception):
    """Raised inside the import's transaction to roll every row back."""


def parse_yes_no(text: str) -> bool:
    value = text.strip().casefold()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValidationFailed.one("on_duty", _("yes or no"))


class ImportsRepo:
    """Reference tables and users from the rows of a file."""

    def __init__(self, db: Database, ctx: Context, people: PeopleRepo, reference: ReferenceRepo, users: UsersRepo,
                 parts: PartsRepo):
        self.db, self.ctx, self.people, self.reference, self.users = db, ctx, people, reference, users
        self.parts = parts

    def import_records(self, table: str, rows: Sequence[Mapping[str, Any]],
                       progress: Progress | None = None) -> ImportReport:
        """Save ``rows`` (dicts keyed by COLUMNS[table]; an optional "_line" is
        the row's line in the file, for the report) all together, or none:
        the report lists every bad field as (line, column, reason)."""
        if table not in COLUMNS:
            raise RuleViolation(_("Unknown table {t}; one of: {known}").format(t=table, known=", ".join(COLUMNS)))
        if table == "users":
            return self._import_users(rows, progress)
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        errors: list[tuple[int, str, str]] = []
        seen: dict[str, int] = {}
        save = {"sites": self._import_site, "equipment": self._import_equipment,
                "technicians": self._import_technician, "parts": self._import_part}[table]
        try:
            with self.db.write(f"{ENTITY[table]}.import") as tx:
                for n, row in enumerate(rows, start=1):
                    line = int(row.get("_line", n + 1))
                    fields = {k: ("" if v is None else v) for k, v in row.items() if k != "_line"}
                    key = str(fields.get(KEYS[table], "")).strip().casefold()
                    if key and key in seen:
                        errors.append((line, KEYS[table], _("also on line {n}").format(n=seen[key])))
                    else:
                        seen[key] = line
                        try:
                            counts[save(tx, fields)] += 1
                        except ValidationFailed as exc:
                            errors.extend((line, COLUMN_OF.get(f, f), msg) for f, msg in exc.errors.items())
                    if progress is not None and (n % 100 == 0 or n == len(rows)):
                        progress(n, len(rows))
                if errors:
                    raise _Rejected
        except _Rejected:
            return ImportReport(table=table, errors=tuple(errors))
        return ImportReport(table=table, created=counts["created"], updated=counts["updated"],
                            unchanged=counts["unchanged"])

    def _import_site(self, tx: Tx, fields: dict[str, Any]) -> str:
        rows = self.db.q("SELECT * FROM sites WHERE code = ?", (str(fields.get("code", "")).strip(),))
        old = dict(rows[0]) if rows else None
        base = {k: old[k] if old[k] is not None else "" for k in COLUMNS["sites"]} if old else {}
        site_id = old["id"] if old else None
        return records.save(tx, "site", "sites", site_id, old, self.reference.site_values(base | fields, site_id))[1]

    def _import_equipment(self, tx: Tx, fields: dict[str, Any]) -> str:
        rows = self.db.q("SELECT * FROM equipment WHERE asset_tag = ?", (str(fields.get("asset_tag", "")).strip(),))
        old = dict(rows[0]) if rows else None
        data = {k: old[k] for k in ("asset_tag", "category", "model", "site_id", "installed", "warranty_until")} \
            if old else {}
        if "site_code" in fields:
            code = str(fields.pop("site_code")).strip()
            if not code:
                raise ValidationFailed.one("site_code", _("required"))
            site = self.db.q("SELECT id FROM sites WHERE code = ?", (code,))
            if not site:
                raise ValidationFailed.one("site_code", _("no site with the code {code}").format(code=code))
            fields["site_id"] = site[0][0]
        elif old is None:
            raise ValidationFailed.one("site_code", _("required"))
        if str(fields.get("category", "x")).strip() == "" and old is None:
            fields.pop("category")  # blank: the default, "other"
        equipment_id = old["id"] if old else None
        values = self.reference.equipment_values(data | fields, equipment_id, old)
        return records.save(tx, "equipment", "equipment", equipment_id, old, values)[1]

    def _import_part(self, tx: Tx, fields: dict[str, Any]) -> str:
        """A part by its code (the catalogue, store/repo/parts.py): an edit moves its version."""
        old = self.db.one("SELECT * FROM parts WHERE code = ?", (str(fields.get("code", "")).strip(),))
        if old is not None:
            fields = {k: v for k, v in fields.items() if str(v).strip() or k == "code"}  # blank: unchanged
        return self.parts.save_part(tx, fields, dict(old) if old is not None else None)[1]

    def _team_id(self, name: str) -> int:
        rows = self.db.q("SELECT id FROM teams WHERE name = ? COLLATE NOCASE", (name.strip(),))
        if not rows:
            raise ValidationFailed.one("team", _("no team named {name}").format(name=name.strip()))
        return int(rows[0][0])

    def _import_technician(self, tx: Tx, fields: dict[str, Any]) -> str:
        name = str(fields.get("name", "")).strip()
        team_id = self._team_id(str(fields.pop("team"))) if str(fields.get("team", "")).strip() else None
        fields.pop("team", None)
        same = [dict(r) for r in self.db.q("SELECT * FROM technicians WHERE name = ? COLLATE NOCASE", (name,))]
        in_team = [r for r in same if r["team_id"] == team_id]
        if in_team or len(same) == 1:
            old: dict[str, Any] | None = (in_team or same)[0]
        elif same:
            raise ValidationFailed.one("name", _("several technicians have this name: give the team"))
        else:
            old = None
        if team_id is not None:
            fields["team_id"] = team_id
        elif old is None:
            raise ValidationFailed.one("team", _("required"))
        if "on_duty" in fields:
            if str(fields["on_duty"]).strip():
                fields["on_duty"] = parse_yes_no(str(fields["on_duty"]))
            else:
                fields.pop("on_duty")  # blank: on duty when new, unchanged otherwise
        base = self.people.technician_fields(old) if old else {}
        tech_id = old["id"] if old else None
        values = self.people.technician_values(base | fields, tech_id, old)
        return records.save(tx, "technician", "technicians", tech_id, old, values)[1]

    def _import_users(self, rows: Sequence[Mapping[str, Any]], progress: Progress | None) -> ImportReport:
        """Users belong to the roles feature (``add_user``/``edit_user``, each
        its own audited write). Every row is checked first and nothing is
        saved unless all pass; the writes then go one by one."""
        known = {u.login: u for u in self.users.find()}
        errors: list[tuple[int, str, str]] = []
        todo: list[tuple[User | None, dict[str, Any]]] = []
        for n, row in enumerate(rows, start=1):
            line = int(row.get("_line", n + 1))
            fields = {k: str(v or "").strip() for k, v in row.items() if k != "_line"}
            bad = {} if fields.get("login") else {"login": _("required")}
            if fields.get("login") not in known:
                bad |= {f: _("required") for f in ("name", "role") if not fields.get(f)}
            team_id = None
            if fields.get("team"):
                try:
                    team_id = self._team_id(fields["team"])
                except ValidationFailed as exc:
                    bad |= exc.errors
            errors.extend((line, f, msg) for f, msg in bad.items())
            todo.append((known.get(fields.get("login", "")), {**fields, "team_id": team_id}))
        if errors:
            return ImportReport(table="users", errors=tuple(errors))
        counts = {"created": 0, "updated": 0}
        for n, (user, f) in enumerate(todo, start=1):
            changes = {k: f[k] for k in ("name", "role", "team_id") if k in f and (k == "team_id" or f[k])}
            if user is None:
                self.users.add_user(f["login"], f["name"], f["role"], team_id=f["team_id"])
                counts["created"] += 1
            else:
                self.users.edit_user(user.login, **changes)
                counts["updated"] += 1
            if progress is not None:
                progress(n, len(todo))
        return ImportReport(table="users", created=counts["created"], updated=counts["updated"])
