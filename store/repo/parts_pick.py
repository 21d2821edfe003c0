"""What the resolve form's parts picker reads (issue 25 "Using parts on a
ticket"): where the ticket's parts come from and whether they are free by
default, and the catalogue filtered by what was typed with the stock at the
technician's van and at the center's store beside each part. A mixin of
PartsRepo (store/repo/parts.py), which wires it as ``store.parts``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..errors import NotFound
from ..i18n import _
from ..rules import stock
from ..text import clean
from .parts_rows import STORE

if TYPE_CHECKING:
    from ..context import Context
    from ..database import Database
    from .settings import SettingsRepo

PICK_LIMIT = 12  # matches shown under the picker: enough to choose from, few enough to read


@dataclass(frozen=True)
class PickContext:
    """The ticket a form picks parts for: its technician's van (None: no
    technician yet, the parts come from the store) and the charge the
    equipment's warranty gives by default today."""

    ticket_id: int
    van: str | None  # "van:ID", as the stock steps name it
    van_name: str
    charge: stock.Charge


@dataclass(frozen=True)
class PickOption:
    """One part of the catalogue as the picker shows it, with its stock at the van and at the store."""

    id: int
    code: str
    name: str
    unit: str
    at_van: int
    at_store: int

    def label(self, van: bool) -> str:
        """One line: code, name, and the stock where a use can take it from
        (``van``: the ticket has a technician, whose van counts)."""
        code, name = clean(self.code, single_line=True), clean(self.name, single_line=True)
        if not van:
            return _("{code} {name} · store {store}").format(code=code, name=name, store=self.at_store)
        return _("{code} {name} · van {van} · store {store}").format(
            code=code, name=name, van=self.at_van, store=self.at_store)

    def source(self, van: str | None) -> str:
        """Where a use of it is taken from: the van while it holds some (or
        when the store has none either: the refusal then names the van), else the store."""
        if van is None or (self.at_van == 0 and self.at_store > 0):
            return STORE
        return van


class PartsPicking:
    db: Database
    ctx: Context
    settings: SettingsRepo

    def pick_context(self, ticket_id: int) -> PickContext:
        """Where the ticket's parts come from and their default charge (free
        while the equipment's warranty runs to today or later, the site's day)."""
        r = self.db.one("SELECT t.technician_id, e.warranty_until, tech.name FROM tickets t"
                        " LEFT JOIN equipment e ON e.id = t.equipment_id"
                        " LEFT JOIN technicians tech ON tech.id = t.technician_id WHERE t.id = ?", (ticket_id,))
        if r is None:
            raise NotFound(_("No ticket #{id}").format(id=ticket_id))
        until = date.fromisoformat(r["warranty_until"]) if r["warranty_until"] else None
        charge = stock.warranty_default(until, self.ctx.now(), self.settings.timezone)
        tech = r["technician_id"]
        if tech is None:
            return PickContext(ticket_id, None, _("center store"), charge)
        name = _("van of {name}").format(name=clean(r["name"] or f"#{tech}", single_line=True))
        return PickContext(ticket_id, f"van:{tech}", name, charge)

    def pick_options(self, query: str, technician_id: int | None, limit: int = PICK_LIMIT) -> list[PickOption]:
        """Parts whose code or name holds ``query``, those in stock at the
        technician's van or at the store first, then by code."""
        like = f"%{query.strip()}%"
        rows = self.db.q(
            "SELECT p.id, p.code, p.name, p.unit,"
            " COALESCE((SELECT SUM(l.remaining) FROM stock_lots l JOIN stock_locations s ON s.id = l.location_id"
            "  WHERE l.part_id = p.id AND s.technician_id = ?), 0) AS at_van,"
            " COALESCE((SELECT SUM(l.remaining) FROM stock_lots l JOIN stock_locations s ON s.id = l.location_id"
            "  WHERE l.part_id = p.id AND s.kind = 'store'), 0) AS at_store"
            " FROM parts p WHERE p.code LIKE ? OR p.name LIKE ?"
            " ORDER BY (at_van + at_store) = 0, p.code LIMIT ?",
            (technician_id if technician_id is not None else -1, like, like, limit))
        return [PickOption(r["id"], r["code"], r["name"], r["unit"], int(r["at_van"]), int(r["at_store"])) for r in rows]
