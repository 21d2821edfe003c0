"""Reference data: sites and equipment here, teams and technicians in
people.py. Nothing a ticket refers to is deleted: it is retired, hidden from
pickers and the assign list, and tickets keep showing its name."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..context import Context
from ..database import Database
from ..errors import ValidationFailed
from ..i18n import _
from ..inputs import EquipmentInput, SiteInput
from ..models import Equipment, Site, Technician, validate
from ..rows import _escape_like
from ..rules import lifecycle as rules
from . import records
from .people import PeopleRepo
from .tickets import TicketsRepo


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


class ReferenceRepo:
    """Sites and equipment; technicians to assign come from people."""

    def __init__(self, db: Database, ctx: Context, people: PeopleRepo, tickets: TicketsRepo):
        self.db, self.ctx, self.people, self.tickets = db, ctx, people, tickets

    # ---------------------------------------------------------------- sites
    def sites(self, query: str = "", limit: int = 50, include_retired: bool = False) -> list[Site]:
        like = f"%{_escape_like(query)}%"
        rows = self.db.q(
            "SELECT * FROM sites WHERE (name LIKE ? ESCAPE '\\' OR code LIKE ? ESCAPE '\\' "
            "OR address LIKE ? ESCAPE '\\')" + ("" if include_retired else " AND retired = 0")
            + " ORDER BY code LIMIT ?",
            (like, like, like, limit),
        )
        return [Site(**dict(r)) for r in rows]

    def site(self, site_id: int) -> Site:
        return Site(**records.row(self.db, "sites", site_id, _("No site {id}")))

    def site_by_code(self, code: str) -> Site | None:
        rows = self.db.q("SELECT * FROM sites WHERE code = ?", (code.strip(),))
        return Site(**dict(rows[0])) if rows else None

    def site_values(self, fields: dict[str, Any], site_id: int | None) -> dict[str, Any]:
        data = validate(SiteInput, fields)
        clash = self.db.q("SELECT name FROM sites WHERE code = ? AND id IS NOT ?", (data.code, site_id))
        if clash:
            raise ValidationFailed.one("code", _("already the code of {name}").format(name=clash[0][0]))
        return data.model_dump()

    def add_site(self, **fields: Any) -> Site:
        with self.db.write("site.add") as tx:
            site_id, _how = records.save(tx, "site", "sites", None, None, self.site_values(fields, None))
        return self.site(site_id)

    def edit_site(self, site_id: int, **changes: Any) -> Site:
        with self.db.write("site.edit") as tx:
            old = records.row(self.db, "sites", site_id, _("No site {id}"))
            fields = {k: old[k] if old[k] is not None else "" for k in SiteInput.model_fields} | changes
            records.save(tx, "site", "sites", site_id, old, self.site_values(fields, site_id))
        return self.site(site_id)

    def retire_site(self, site_id: int, retired: bool = True) -> Site:
        records.retire(self.db, "site", "sites", site_id, retired, _("No site {id}"))
        return self.site(site_id)

    # ------------------------------------------------------------ equipment
    def equipment(self, site_id: int | None = None, query: str = "", limit: int = 50,
                  include_retired: bool = False) -> list[Equipment]:
        like = f"%{_escape_like(query)}%"
        sql = ("SELECT * FROM equipment WHERE (asset_tag LIKE ? ESCAPE '\\' OR model LIKE ? ESCAPE '\\' "
               "OR category LIKE ? ESCAPE '\\')")
        params: list[Any] = [like, like, like]
        if site_id is not None:
            sql += " AND site_id = ?"
            params.append(site_id)
        if not include_retired:
            sql += " AND retired = 0"
        rows = self.db.q(sql + " ORDER BY asset_tag LIMIT ?", [*params, limit])
        return [Equipment(**dict(r)) for r in rows]

    def equipment_item(self, equipment_id: int) -> Equipment:
        return Equipment(**records.row(self.db, "equipment", equipment_id, _("No equipment {id}")))

    def equipment_by_tag(self, asset_tag: str) -> Equipment | None:
        rows = self.db.q("SELECT * FROM equipment WHERE asset_tag = ?", (asset_tag.strip(),))
        return Equipment(**dict(rows[0])) if rows else None

    def equipment_values(self, fields: dict[str, Any], equipment_id: int | None,
                          old: dict[str, Any] | None) -> dict[str, Any]:
        data = validate(EquipmentInput, fields)
        clash = self.db.q("SELECT 1 FROM equipment WHERE asset_tag = ? AND id IS NOT ?", (data.asset_tag, equipment_id))
        if clash:
            raise ValidationFailed.one("asset_tag", _("another asset has this tag"))
        records.usable(self.db, "sites", data.site_id, (old or {}).get("site_id"), "site_id", _("no such site"))
        values = data.model_dump()
        values.update(installed=_iso(data.installed), warranty_until=_iso(data.warranty_until))
        return values

    def add_equipment(self, **fields: Any) -> Equipment:
        with self.db.write("equipment.add") as tx:
            new_id, _how = records.save(tx, "equipment", "equipment", None, None,
                                      self.equipment_values(fields, None, None))
        return self.equipment_item(new_id)

    def edit_equipment(self, equipment_id: int, **changes: Any) -> Equipment:
        with self.db.write("equipment.edit") as tx:
            old = records.row(self.db, "equipment", equipment_id, _("No equipment {id}"))
            fields = {k: old[k] for k in EquipmentInput.model_fields} | changes
            records.save(tx, "equipment", "equipment", equipment_id, old,
                       self.equipment_values(fields, equipment_id, old))
        return self.equipment_item(equipment_id)

    def retire_equipment(self, equipment_id: int, retired: bool = True) -> Equipment:
        records.retire(self.db, "equipment", "equipment", equipment_id, retired, _("No equipment {id}"))
        return self.equipment_item(equipment_id)

    # ------------------------------------------------------------ assigning
    def candidates(self, ticket_id: int) -> list[tuple[Technician, bool]]:
        """On-duty technicians in service, best first: skill match, then fewest open tickets."""
        ticket = self.tickets.ticket(ticket_id)
        return rules.rank_technicians(self.people.technicians(), ticket.category)
