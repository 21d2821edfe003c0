"""The spare-parts store's records as the store hands them out
(store/repo/parts.py): a part of the catalogue, a location, what a stock
step did, a line of stock."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pendulum import DateTime

from ..i18n import _
from ..money import FEN
from ..rules import stock
from ..text import clean
from ..timeutil import from_db

STORE = "store"


def money_text(amount: Decimal) -> str:
    return str(amount.quantize(FEN))


@dataclass(frozen=True)
class Part:
    id: int
    code: str
    name: str
    category: str
    unit: str
    min_stock: int
    unit_cost: Decimal
    equipment_categories: tuple[str, ...]
    version: int
    on_hand: int = 0

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def low(self) -> bool:
        return self.min_stock > 0 and self.on_hand < self.min_stock

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "name": self.name, "category": self.category, "unit": self.unit,
                "min_stock": self.min_stock, "unit_cost": money_text(self.unit_cost),
                "equipment_categories": list(self.equipment_categories), "version": self.version,
                "on_hand": self.on_hand}


@dataclass(frozen=True)
class Location:
    id: int
    kind: str
    technician_id: int | None
    technician: str | None

    @property
    def name(self) -> str:
        if self.kind == STORE:
            return _("center store")
        return _("van of {name}").format(name=clean(self.technician or f"#{self.technician_id}", single_line=True))


@dataclass(frozen=True)
class Step:
    """What a stock step did: its movement row, and the rules' account of it."""

    id: int
    movement: stock.Movement
    part: Part
    location: Location
    to: Location | None = None
    charge: str | None = None

    @property
    def cost(self) -> Decimal:
        return self.movement.cost


@dataclass(frozen=True)
class StockLine:
    """What one location holds of one part, and what it cost."""

    location: Location
    part: Part
    on_hand: int
    value: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"location": self.location.name, "code": self.part.code, "name": self.part.name,
                "unit": self.part.unit, "on_hand": self.on_hand, "value": money_text(self.value)}


@dataclass(frozen=True)
class LotLine:
    """What is left of one lot at one location."""

    location: Location
    lot: int
    received_at: DateTime
    remaining: int
    unit_cost: Decimal


@dataclass(frozen=True)
class PartUse:
    """One catalogue part picked in the resolve form: its code, how many,
    warranty or charged (None: the equipment's warranty decides), the
    reason for going against that default, and where it is taken from
    (None: the ticket's technician's van, as ``use_parts``)."""

    code: str
    quantity: int
    charge: str | None = None
    reason: str = ""
    location: str | None = None


def part_of(r: sqlite3.Row | dict[str, Any], on_hand: int = 0) -> Part:
    return Part(r["id"], r["code"], r["name"], r["category"], r["unit"], r["min_stock"], Decimal(r["unit_cost"]),
                tuple(json.loads(r["equipment_categories"])), r["version"], on_hand)


def lot_of(r: sqlite3.Row) -> stock.Lot:
    at = from_db(r["received_at"])
    assert at is not None
    return stock.Lot(r["lot"], r["part_id"], r["location_id"], at, Decimal(r["unit_cost"]), r["remaining"])
