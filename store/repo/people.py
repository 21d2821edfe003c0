"""Teams and technicians, and the record-keeping shared by every reference
table: one audited insert/update (``_save``) and retiring (never deleting:
tickets keep pointing at what they named)."""

from __future__ import annotations

import json
from typing import Any

from ..base import StoreBase
from ..errors import NotFound, ValidationFailed
from ..i18n import _
from ..models import Team, TeamInput, Technician, TechnicianInput, validate
from ..rows import _technician

TECHNICIAN_SELECT = """
SELECT tech.*, teams.name AS team_name,
  COALESCE((SELECT l.open_load FROM technician_load l WHERE l.technician_id = tech.id), 0) AS open_load,
  COALESCE(
    (SELECT MIN(t.id) FROM tickets t WHERE t.is_open = 1 AND t.technician_id = tech.id
       AND t.status = 'onsite'),
    (SELECT MIN(t.id) FROM tickets t WHERE t.is_open = 1 AND t.technician_id = tech.id
       AND t.status IN ('assigned', 'waiting'))) AS current_ticket
FROM technicians tech
JOIN teams ON teams.id = tech.team_id
"""


class PeopleRepo(StoreBase):
    # ------------------------------------------------ shared record keeping
    def _save(self, entity: str, table: str, record_id: int | None, old: dict[str, Any] | None,
              values: dict[str, Any]) -> tuple[int, str]:
        """Insert (``old`` is None) or update the changed columns, with the
        audit event, inside the caller's write. Returns the id and what
        happened: "created", "updated" or "unchanged" (no event then)."""
        if old is None:
            cols = list(values)
            cur = self.conn.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [values[c] for c in cols])
            new_id = int(cur.lastrowid or 0)
            self._event(f"{entity}.add", entity, new_id, None, {}, values)
            return new_id, "created"
        assert record_id is not None
        changed = {k: v for k, v in values.items() if old.get(k) != v}
        if not changed:
            return record_id, "unchanged"
        self.conn.execute(f"UPDATE {table} SET {', '.join(f'{k} = ?' for k in changed)} WHERE id = ?",
                          [*changed.values(), record_id])
        self._event(f"{entity}.edit", entity, record_id, None, {k: old.get(k) for k in changed}, changed)
        return record_id, "updated"

    def _row(self, table: str, record_id: int, missing: str) -> dict[str, Any]:
        rows = self._q(f"SELECT * FROM {table} WHERE id = ?", (record_id,))
        if not rows:
            raise NotFound(missing.format(id=record_id))
        return dict(rows[0])

    def _retire(self, entity: str, table: str, record_id: int, retired: bool, missing: str) -> None:
        with self._write(f"{entity}.retire"):
            old = self._row(table, record_id, missing)
            if bool(old["retired"]) != retired:
                self.conn.execute(f"UPDATE {table} SET retired = ? WHERE id = ?", (int(retired), record_id))
                self._event(f"{entity}.retire", entity, record_id, None,
                            {"retired": bool(old["retired"])}, {"retired": retired})

    def _usable(self, table: str, record_id: int | None, keep: Any, field: str, missing: str) -> None:
        """A reference to another record: it must exist, and not be retired
        unless the record already pointed at it (an edit may keep it)."""
        if record_id is None:
            return
        rows = self._q(f"SELECT retired FROM {table} WHERE id = ?", (record_id,))
        if not rows:
            raise ValidationFailed.one(field, missing)
        if rows[0][0] and record_id != keep:
            raise ValidationFailed.one(field, _("retired: choose one in use"))

    # ---------------------------------------------------------------- teams
    def teams(self, include_retired: bool = False) -> list[Team]:
        where = "" if include_retired else " WHERE retired = 0"
        return [Team(**dict(r)) for r in self._q(f"SELECT * FROM teams{where} ORDER BY name")]

    def team(self, team_id: int) -> Team:
        return Team(**self._row("teams", team_id, _("No team {id}")))

    def _team_values(self, fields: dict[str, Any], team_id: int | None, old: dict[str, Any] | None) -> dict[str, Any]:
        data = validate(TeamInput, fields)
        if self._q("SELECT 1 FROM teams WHERE name = ? COLLATE NOCASE AND id IS NOT ?", (data.name, team_id)):
            raise ValidationFailed.one("name", _("another team has this name"))
        self._usable("technicians", data.foreman_id, (old or {}).get("foreman_id"), "foreman_id",
                     _("no such technician"))
        return data.model_dump()

    def add_team(self, name: str, foreman_id: int | None = None) -> Team:
        with self._write("team.add"):
            team_id, _how = self._save("team", "teams", None, None,
                                       self._team_values({"name": name, "foreman_id": foreman_id}, None, None))
        return self.team(team_id)

    def edit_team(self, team_id: int, **changes: Any) -> Team:
        with self._write("team.edit"):
            old = self._row("teams", team_id, _("No team {id}"))
            fields = {"name": old["name"], "foreman_id": old["foreman_id"], **changes}
            self._save("team", "teams", team_id, old, self._team_values(fields, team_id, old))
        return self.team(team_id)

    def retire_team(self, team_id: int, retired: bool = True) -> Team:
        self._retire("team", "teams", team_id, retired, _("No team {id}"))
        return self.team(team_id)

    # ---------------------------------------------------------- technicians
    def technicians(self, include_retired: bool = False) -> list[Technician]:
        # The load is kept by triggers (technician_load, migration held_totals); the
        # current ticket is a MIN through the (technician_id, status) index.
        where = "" if include_retired else " WHERE tech.retired = 0"
        return [_technician(r) for r in self._q(TECHNICIAN_SELECT + where + " ORDER BY teams.name, tech.name")]

    def technician(self, technician_id: int) -> Technician:
        rows = self._q(TECHNICIAN_SELECT + " WHERE tech.id = ?", (technician_id,))
        if not rows:
            raise NotFound(_("No technician {id}").format(id=technician_id))
        return _technician(rows[0])

    def _technician_values(self, fields: dict[str, Any], tech_id: int | None,
                           old: dict[str, Any] | None) -> dict[str, Any]:
        data = validate(TechnicianInput, fields)
        self._usable("teams", data.team_id, (old or {}).get("team_id"), "team_id", _("no such team"))
        if self._q("SELECT 1 FROM technicians WHERE name = ? COLLATE NOCASE AND team_id = ? AND id IS NOT ?",
                   (data.name, data.team_id, tech_id)):
            raise ValidationFailed.one("name", _("this team already has a technician of this name"))
        values = data.model_dump()
        values["skills"] = json.dumps(list(data.skills), ensure_ascii=False)
        values["on_duty"] = int(data.on_duty)
        return values

    @staticmethod
    def _technician_fields(old: dict[str, Any]) -> dict[str, Any]:
        return {"name": old["name"], "team_id": old["team_id"], "phone": old["phone"] or "",
                "skills": json.loads(old["skills"] or "[]"), "on_duty": bool(old["on_duty"])}

    def add_technician(self, name: str, team_id: int, phone: str = "", skills: tuple[str, ...] | list[str] = (),
                       on_duty: bool = True) -> Technician:
        fields = {"name": name, "team_id": team_id, "phone": phone, "skills": skills, "on_duty": on_duty}
        with self._write("technician.add"):
            tech_id, _how = self._save("technician", "technicians", None, None,
                                       self._technician_values(fields, None, None))
        return self.technician(tech_id)

    def edit_technician(self, technician_id: int, **changes: Any) -> Technician:
        with self._write("technician.edit"):
            old = self._row("technicians", technician_id, _("No technician {id}"))
            fields = {**self._technician_fields(old), **changes}
            self._save("technician", "technicians", technician_id, old,
                       self._technician_values(fields, technician_id, old))
        return self.technician(technician_id)

    def retire_technician(self, technician_id: int, retired: bool = True) -> Technician:
        self._retire("technician", "technicians", technician_id, retired, _("No technician {id}"))
        return self.technician(technician_id)

    def set_on_duty(self, technician_id: int, on_duty: bool) -> None:
        with self._write("technician.duty") as conn:
            rows = conn.execute("SELECT on_duty FROM technicians WHERE id = ?", (technician_id,)).fetchall()
            if not rows:
                raise NotFound(_("No technician {id}").format(id=technician_id))
            conn.execute("UPDATE technicians SET on_duty = ? WHERE id = ?", (int(on_duty), technician_id))
            self._event("technician.duty", "technician", technician_id, None,
                        {"on_duty": bool(rows[0][0])}, {"on_duty": on_duty})
