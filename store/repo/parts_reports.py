"""What the parts store's figures read (issue 25 "Reports"): parts used per
month, per equipment category and per technician, warranty against
charged, the stock's value and the slow movers. Months and days are the
site's (its zone); money is summed exactly (Decimal, from the text stored).
A mixin of PartsRepo (store/repo/parts.py), which wires it as ``store.parts``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pendulum
from pendulum import DateTime

from ..errors import RuleViolation
from ..i18n import _
from ..rules.improve import month_bounds
from ..text import clean
from ..timeutil import to_db

if TYPE_CHECKING:
    from ..context import Context
    from ..database import Database
    from .parts_rows import Location, StockLine
    from .settings import SettingsRepo


@dataclass
class Tally:
    quantity: int = 0
    cost: Decimal = Decimal(0)

    def add(self, quantity: int, cost: Decimal) -> None:
        self.quantity += quantity
        self.cost += cost

    def to_json(self) -> dict[str, Any]:
        return {"quantity": self.quantity, "cost": str(self.cost.quantize(Decimal("0.01")))}


@dataclass
class Usage:
    """Parts used from ``first`` to ``last`` (months, inclusive), by each key."""

    first: str
    last: str
    total: Tally = field(default_factory=Tally)
    months: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    categories: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    technicians: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    charge: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    parts: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))

    def to_json(self) -> dict[str, Any]:
        return {"first": self.first, "last": self.last, "total": self.total.to_json(),
                **{k: {key: t.to_json() for key, t in sorted(getattr(self, k).items())}
                   for k in ("months", "categories", "technicians", "charge", "parts")}}


class PartsReports:
    db: Database
    ctx: Context
    settings: SettingsRepo

    def locations(self) -> list[Location]:
        raise NotImplementedError  # PartsRepo's

    def _bounds(self, first: str, last: str | None) -> tuple[str, str]:
        tz = self.settings.timezone
        start, _e = month_bounds(first)
        _s, end = month_bounds(last or first)
        out = []
        for day in (start, end):
            at = pendulum.parse(day, tz=tz)
            assert isinstance(at, DateTime)
            out.append(to_db(at))
        return out[0], out[1]

    def usage(self, first: str, last: str | None = None) -> Usage:
        """Parts used on tickets in the months ``first`` to ``last`` ('YYYY-MM'):
        one range of the uses by time (index stock_moves_use), summed in SQL
        per month, category, technician, charge and part. Costs are summed
        exactly, in whole fen (a stored cost always has two decimals)."""
        start, end = self._bounds(first, last)
        if end <= start:
            raise RuleViolation(_("The last month ({last}) is before the first ({first})").format(
                last=clean(str(last), single_line=True), first=clean(first, single_line=True)))
        tz = self.settings.timezone
        months: list[tuple[str, str]] = []  # (YYYY-MM, where it ends in UTC)
        at = pendulum.parse(start).in_timezone(tz)  # type: ignore[union-attr]
        while to_db(at) < end:
            nxt = at.add(months=1)
            months.append((at.format("YYYY-MM"), to_db(nxt)))
            at = nxt
        bucket = "CASE " + " ".join(f"WHEN at < '{edge}' THEN {i}" for i, (_m, edge) in enumerate(months)) + " END"
        names = {r[0]: r[1] for r in self.db.q("SELECT id, name FROM technicians")}
        codes = {r[0]: r[1] for r in self.db.q("SELECT id, code FROM parts")}
        nobody = _("(no technician)")
        out = Usage(first, last or first)
        for r in self.db.q(
                f"SELECT {bucket}, part_id, technician_id, equipment_category, charge, SUM(quantity),"
                " SUM(CAST(REPLACE(cost, '.', '') AS INTEGER)) FROM stock_moves"
                " WHERE kind = 'use' AND at >= ? AND at < ? GROUP BY 1, 2, 3, 4, 5", (start, end)):
            n, cost = int(r[5]), Decimal(int(r[6])).scaleb(-2)
            out.total.add(n, cost)
            out.months[months[r[0]][0]].add(n, cost)
            out.categories[r[3] or "other"].add(n, cost)
            out.technicians[names.get(r[2], nobody) if r[2] is not None else nobody].add(n, cost)
            out.charge[r[4]].add(n, cost)
            out.parts[codes[r[1]]].add(n, cost)
        return out

    def stock_value(self) -> dict[str, Any]:
        """What the stock cost, per location and in all: every unit at its lot's cost."""
        per: dict[int, Decimal] = defaultdict(Decimal)
        for location_id, remaining, cost in self.db.q(
                "SELECT location_id, remaining, unit_cost FROM stock_lots WHERE remaining > 0"):
            per[location_id] += int(remaining) * Decimal(cost)
        places = {x.id: x.name for x in self.locations()}
        return {"total": str(sum(per.values(), Decimal(0))),
                "locations": {places[k]: str(v) for k, v in sorted(per.items())}}

    def slow_movers(self, days: int = 90) -> list[dict[str, Any]]:
        """Parts in stock that nothing has taken out (used or moved) for
        ``days`` days or ever, the longest idle first."""
        since = to_db(self.ctx.now().subtract(days=days))
        rows = self.db.q(
            "SELECT p.id, p.code, p.name, s.n, (SELECT MAX(at) FROM stock_moves m WHERE m.part_id = p.id"
            " AND m.kind IN ('use', 'move')) AS last FROM parts p"
            " JOIN (SELECT part_id, SUM(remaining) AS n FROM stock_lots GROUP BY part_id) s ON s.part_id = p.id"
            " WHERE s.n > 0")
        out = [{"code": r["code"], "name": r["name"], "on_hand": int(r["n"]), "last_out": r["last"]}
               for r in rows if r["last"] is None or r["last"] < since]
        return sorted(out, key=lambda x: (x["last_out"] is not None, x["last_out"] or "", x["code"]))

    def report_rows(self, first: str, last: str | None = None, slow_days: int = 90) -> list[dict[str, Any]]:
        """The whole parts report as one table (``dispatch parts report --format
        csv`` and the month workbook's "Parts summary"): a row per figure,
        its ``section`` one of REPORT_SECTIONS, then ``key`` (a month, an
        equipment category, a technician, warranty/charged, a part's code, a
        location, a slow mover's code), ``name``, ``quantity``, ``cost`` (exact)
        and ``last_out`` (slow movers: the stored time, or None for never)."""
        usage = self.usage(first, last)
        names = {r[0]: r[1] for r in self.db.q("SELECT code, name FROM parts")}
        rows = [_row("total", f"{usage.first}..{usage.last}", "", usage.total)]
        for section, attr in (("month", "months"), ("category", "categories"), ("technician", "technicians"),
                              ("charge", "charge"), ("part", "parts")):
            for key, tally in sorted(getattr(usage, attr).items()):
                rows.append(_row(section, key, names.get(key, "") if section == "part" else "", tally))
        held: dict[str, Tally] = defaultdict(Tally)
        for line in self.stock():
            held[line.location.name].add(line.on_hand, line.value)
        for where, tally in held.items():
            rows.append(_row("stock_value", where, "", tally))
        rows.append(_row("stock_value", "total", "", Tally(sum(t.quantity for t in held.values()),
                                                           sum((t.cost for t in held.values()), Decimal(0)))))
        rows += [{"section": "slow_mover", "key": s["code"], "name": s["name"], "quantity": s["on_hand"], "cost": None,
                  "last_out": s["last_out"]} for s in self.slow_movers(slow_days)]
        return rows

    def stock(self, location_id: int | None = None) -> list[StockLine]:
        raise NotImplementedError  # PartsRepo's


REPORT_SECTIONS = ("total", "month", "category", "technician", "charge", "part", "stock_value", "slow_mover")
REPORT_FIELDS = ("section", "key", "name", "quantity", "cost", "last_out")


def _row(section: str, key: str, name: str, tally: Tally) -> dict[str, Any]:
    return {"section": section, "key": key, "name": name, "quantity": tally.quantity,
            "cost": tally.cost.quantize(Decimal("0.01")), "last_out": None}
