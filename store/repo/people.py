"""Teams and technicians, and the record-keeping shared by every reference
table: one audited insert/update (``_save``) and retiring (never deleting:
tickets keep pointing at what they named)."""

from __future__ import annotations

import json
from typing import Any

from ..context import Context
from ..database import Database
from ..errors import NotFound, ValidationFailed
from ..i18n import _
from ..inputs import TeamInput, TechnicianInput
from ..models import Team, Technician, validate
from ..rows import _technician
from . import records

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


class PeopleRepo:
    """Teams and technicians."""

    def __init__(self, db: Database, ctx: Context):
        self.db, self.ctx = db, ctx

    # ---------------------------------------------------------------- teams
    def teams(self, include_retired: bool = False) -> list[Team]:
        where = "" if include_retired else " WHERE retired = 0"
        return [Team(**dict(r)) for r in self.db.q(f"SELECT * FROM teams{where} ORDER BY name")]

    def team(self, team_id: int) -> Team:
        return Team(**records.row(self.db, "teams", team_id, _("No team {id}")))

    def _team_values(self, fields: dict[str, Any], team_id: int | None, old: dict[str, Any] | None) -> dict[str, Any]:
        data = validate(TeamInput, fields)
        if self.db.q("SELECT 1 FROM teams WHERE name = ? COLLATE NOCASE AND id IS NOT ?", (data.name, team_id)):
            raise ValidationFailed.one("name", _("another team has this name"))
        records.usable(self.db, "technicians", data.foreman_id, (old or {}).get("foreman_id"), "foreman_id",
                     _("no such technician"))
        return data.model_dump()

    def add_team(self, name: str, foreman_id: int | None = None) -> Team:
        with self.db.write("team.add") as tx:
            team_id, _how = records.save(tx, "team", "teams", None, None,
                                       self._team_values({"name": name, "foreman_id": foreman_id}, None, None))
        return self.team(team_id)

    def edit_team(self, team_id: int, **changes: Any) -> Team:
        with self.db.write("team.edit") as tx:
            old = records.row(self.db, "teams", team_id, _("No team {id}"))
            fields = {"name": old["name"], "foreman_id": old["foreman_id"], **changes}
            records.save(tx, "team", "teams", team_id, old, self._team_values(fields, team_id, old))
        return self.team(team_id)

    def retire_team(self, team_id: int, retired: bool = True) -> Team:
        records.retire(self.db, "team", "teams", team_id, retired, _("No team {id}"))
        return self.team(team_id)

    # ---------------------------------------------------------- technicians
    def technicians(self, include_retired: bool = False) -> list[Technician]:
        # The load is kept by triggers (technician_load, migration held_totals); the
        # current ticket is a MIN through the (technician_id, status) index.
        where = "" if include_retired else " WHERE tech.retired = 0"
        return [_technician(r) for r in self.db.q(TECHNICIAN_SELECT + where + " ORDER BY teams.name, tech.name")]

    def technician(self, technician_id: int) -> Technician:
        rows = self.db.q(TECHNICIAN_SELECT + " WHERE tech.id = ?", (technician_id,))
        if not rows:
            raise NotFound(_("No technician {id}").format(id=technician_id))
        return _technician(rows[0])

    def technician_values(self, fields: dict[str, Any], tech_id: int | None,
                           old: dict[str, Any] | None) -> dict[str, Any]:
        data = validate(TechnicianInput, fields)
        records.usable(self.db, "teams", data.team_id, (old or {}).get("team_id"), "team_id", _("no such team"))
        if self.db.q("SELECT 1 FROM technicians WHERE name = ? COLLATE NOCASE AND team_id = ? AND id IS NOT ?",
                   (data.name, data.team_id, tech_id)):
            raise ValidationFailed.one("name", _("this team already has a technician of this name"))
        values = data.model_dump()
        values["skills"] = json.dumps(list(data.skills), ensure_ascii=False)
        values["on_duty"] = int(data.on_duty)
        return values

    @staticmethod
    def technician_fields(old: dict[str, Any]) -> dict[str, Any]:
        return {"name": old["name"], "team_id": old["team_id"], "phone": old["phone"] or "",
                "skills": json.loads(old["skills"] or "[]"), "on_duty": bool(old["on_duty"])}

    def add_technician(self, name: str, team_id: int, phone: str = "", skills: tuple[str, ...] | list[str] = (),
                       on_duty: bool = True) -> Technician:
        fields = {"name": name, "team_id": team_id, "phone": phone, "skills": skills, "on_duty": on_duty}
        with self.db.write("technician.add") as tx:
            tech_id, _how = records.save(tx, "technician", "technicians", None, None,
                                       self.technician_values(fields, None, None))
        return self.technician(tech_id)

    def edit_technician(self, technician_id: int, **changes: Any) -> Technician:
        with self.db.write("technician.edit") as tx:
            old = records.row(self.db, "technicians", technician_id, _("No technician {id}"))
            fields = {**self.technician_fields(old), **changes}
            records.save(tx, "technician", "technicians", technician_id, old,
                       self.technician_values(fields, technician_id, old))
        return self.technician(technician_id)

    def retire_technician(self, technician_id: int, retired: bool = True) -> Technician:
        records.retire(self.db, "technician", "technicians", technician_id, retired, _("No technician {id}"))
        return self.technician(technician_id)

    def set_on_duty(self, technician_id: int, on_duty: bool) -> None:
        with self.db.write("technician.duty") as tx:
            rows = tx.execute("SELECT on_duty FROM technicians WHERE id = ?", (technician_id,)).fetchall()
            if not rows:
                raise NotFound(_("No technician {id}").format(id=technician_id))
            tx.execute("UPDATE technicians SET on_duty = ? WHERE id = ?", (int(on_duty), technician_id))
            tx.event("technician.duty", "technician", technician_id, None,
                        {"on_duty": bool(rows[0][0])}, {"on_duty": on_duty})
