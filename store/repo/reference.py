"""Reference data: sites, equipment, teams, technicians."""

from __future__ import annotations

from typing import Any

from .. import rules
from ..base import StoreBase
from ..errors import NotFound
from ..i18n import _
from ..models import (
    Equipment,
    Site,
    Team,
    Technician,
)
from ..rows import (
    _escape_like,
    _technician,
)


class ReferenceRepo(StoreBase):
    # ------------------------------------------------------ reference data
    def sites(self, query: str = "", limit: int = 50) -> list[Site]:
        like = f"%{_escape_like(query)}%"
        rows = self._q(
            "SELECT * FROM sites WHERE name LIKE ? ESCAPE '\\' OR code LIKE ? ESCAPE '\\' "
            "OR address LIKE ? ESCAPE '\\' ORDER BY code LIMIT ?",
            (like, like, like, limit),
        )
        return [Site(**dict(r)) for r in rows]

    def site(self, site_id: int) -> Site:
        rows = self._q("SELECT * FROM sites WHERE id = ?", (site_id,))
        if not rows:
            raise NotFound(_("No site {id}").format(id=site_id))
        return Site(**dict(rows[0]))

    def equipment(self, site_id: int | None = None, query: str = "", limit: int = 50) -> list[Equipment]:
        like = f"%{_escape_like(query)}%"
        sql = "SELECT * FROM equipment WHERE (asset_tag LIKE ? ESCAPE '\\' OR model LIKE ? ESCAPE '\\' OR category LIKE ? ESCAPE '\\')"
        params: list[Any] = [like, like, like]
        if site_id is not None:
            sql += " AND site_id = ?"
            params.append(site_id)
        rows = self._q(sql + " ORDER BY asset_tag LIMIT ?", [*params, limit])
        return [Equipment(**dict(r)) for r in rows]

    def teams(self) -> list[Team]:
        return [Team(**dict(r)) for r in self._q("SELECT * FROM teams ORDER BY name")]

    def technicians(self) -> list[Technician]:
        # Correlated counts use the (technician_id, status) index: no scan of open tickets.
        rows = self._q(
            """
            SELECT tech.*, teams.name AS team_name,
              (SELECT COUNT(*) FROM tickets t WHERE t.is_open = 1 AND t.technician_id = tech.id
                 AND t.status IN ('assigned', 'onsite', 'waiting')) AS open_load,
              COALESCE(
                (SELECT MIN(t.id) FROM tickets t WHERE t.is_open = 1 AND t.technician_id = tech.id
                   AND t.status = 'onsite'),
                (SELECT MIN(t.id) FROM tickets t WHERE t.is_open = 1 AND t.technician_id = tech.id
                   AND t.status IN ('assigned', 'waiting'))) AS current_ticket
            FROM technicians tech
            JOIN teams ON teams.id = tech.team_id
            ORDER BY teams.name, tech.name
            """
        )
        return [_technician(r) for r in rows]

    def candidates(self, ticket_id: int) -> list[tuple[Technician, bool]]:
        """On-duty technicians, best first: skill match, then fewest open tickets."""
        ticket = self.ticket(ticket_id)
        return rules.rank_technicians(self.technicians(), ticket.category)

    def set_on_duty(self, technician_id: int, on_duty: bool) -> None:
        with self._write("technician.duty") as conn:
            rows = conn.execute("SELECT on_duty FROM technicians WHERE id = ?", (technician_id,)).fetchall()
            if not rows:
                raise NotFound(_("No technician {id}").format(id=technician_id))
            conn.execute("UPDATE technicians SET on_duty = ? WHERE id = ?", (int(on_duty), technician_id))
            self._event("technician.duty", "technician", technician_id, None,
                        {"on_duty": bool(rows[0][0])}, {"on_duty": on_duty})
