"""Spare parts (issue 25, docs/rules.md "Spare parts"): the catalogue, and
the stock steps: receive, move, count, use on a ticket. First in, first out,
the shortage, the surplus cost and the warranty default are the pure rules'
(store/rules/stock.py): each step reads the lots it needs inside its own
short ``db.write`` (BEGIN IMMEDIATE, so no other process's step can come in
between), asks the rules what the step does, and writes what they return:
the lots touched, the movement row, a location made on demand, and one audit
event saying all of it (``stock.*``, entity ``stock_move``; store/rules/ledger.py
replays it). Two processes using the last unit: the second reads the lot
after the first committed, and is refused whole.

A catalogue edit is optimistic (the part's ``version``); the stock steps need
no version: they work on what the lots hold when their write begins.

Locations are named as typed: ``store`` (the center's store), or
``van:NAME`` / ``van:ID`` (that technician's van)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal
from typing import Any

from ..context import Context
from ..database import Database, Tx
from ..errors import NotFound, RuleViolation, ValidationFailed
from ..i18n import _
from ..inputs import PartInput
from ..models import Ticket
from ..rules import stock
from ..rules.improve import StaleRecord
from ..rules.notices import LowStock
from ..text import clean
from ..timeutil import from_db, to_db
from ..validation import validate
from .outbox import enqueue
from .parts_pick import PartsPicking
from .parts_reports import PartsReports
from .parts_rows import STORE, Location, LotLine, Part, PartUse, Step, StockLine, lot_of, money_text, part_of
from .settings import SettingsRepo
from .tickets import TicketsRepo


class PartsRepo(PartsReports, PartsPicking):
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo, tickets: TicketsRepo | None = None):
        self.db, self.ctx, self.settings = db, ctx, settings
        self.tickets = tickets  # the resolve that parts used on a ticket may be saved with (resolve_using)

    # ------------------------------------------------------------ catalogue
    def parts(self, query: str = "", low: bool = False) -> list[Part]:
        """The catalogue with each part's stock everywhere, by code; ``low``:
        only those below their minimum, the most urgent first (the smallest
        share of the minimum left, then the most missing)."""
        like = f"%{query.strip()}%"
        rows = self.db.q(
            "SELECT p.*, COALESCE((SELECT SUM(remaining) FROM stock_lots l WHERE l.part_id = p.id), 0) AS on_hand"
            " FROM parts p WHERE (p.code LIKE ? OR p.name LIKE ?)" + (" AND p.min_stock > 0" if low else "")
            + " ORDER BY p.code", (like, like))
        out = [part_of(r, r["on_hand"]) for r in rows]
        if low:
            out = sorted((p for p in out if p.low), key=lambda p: (p.on_hand / p.min_stock, p.on_hand - p.min_stock, p.code))
        return out

    def by_urgency(self) -> list[Part]:
        """Every part, those below their minimum first (most urgent first, as
        ``parts(low=True)``), then the rest by code: the console's parts list."""
        everything = self.parts()
        low = sorted((p for p in everything if p.low), key=lambda p: (p.on_hand / p.min_stock, p.on_hand - p.min_stock, p.code))
        return [*low, *(p for p in everything if not p.low)]

    def low_count(self) -> int:
        """How many parts are below their minimum (the console's header mark; one index range)."""
        return int(self.db.value(
            "SELECT COUNT(*) FROM parts p WHERE p.min_stock > 0 AND p.min_stock >"
            " (SELECT COALESCE(SUM(remaining), 0) FROM stock_lots l WHERE l.part_id = p.id)") or 0)

    def lots(self, part_id: int) -> list[LotLine]:
        """A part's lots with units left, by location, oldest first (the order a use takes them)."""
        places = {x.id: x for x in self.locations()}
        order = {x: i for i, x in enumerate(places)}
        rows = self.db.q("SELECT lot, location_id, received_at, remaining, unit_cost FROM stock_lots"
                         " WHERE part_id = ? AND remaining > 0 ORDER BY received_at, lot", (part_id,))
        out = [LotLine(places[r["location_id"]], r["lot"], from_db(r["received_at"]) or self.ctx.now(), int(r["remaining"]),
                       Decimal(r["unit_cost"])) for r in rows]
        return sorted(out, key=lambda x: order[x.location.id])  # stable: oldest first within a location

    def part(self, ref: int | str) -> Part:
        """A part by id or by code."""
        r = self.db.one("SELECT p.*, COALESCE((SELECT SUM(remaining) FROM stock_lots l WHERE l.part_id = p.id), 0)"
                        " AS on_hand FROM parts p WHERE p.id = ? OR p.code = ?",
                        (ref if isinstance(ref, int) else -1, str(ref).strip()))
        if r is None:
            raise NotFound(_("No part {ref}").format(ref=clean(str(ref), single_line=True)))
        return part_of(r, r["on_hand"])

    def part_values(self, fields: dict[str, Any], part_id: int | None) -> dict[str, Any]:
        """A part's columns from what was typed, checked as a form is."""
        data = validate(PartInput, fields)
        clash = self.db.q("SELECT name FROM parts WHERE code = ? AND id IS NOT ?", (data.code, part_id))
        if clash:
            raise ValidationFailed.one("code", _("already the code of {name}").format(name=clash[0][0]))
        values = data.model_dump()
        values["unit_cost"] = money_text(data.unit_cost)
        values["equipment_categories"] = json.dumps(sorted(set(data.equipment_categories)))
        return values

    def save_part(self, tx: Tx, fields: dict[str, Any], old: dict[str, Any] | None) -> tuple[int, str]:
        """Insert or update a part inside the caller's write, with its event
        (an edit moves the version). Returns the id and "created", "updated" or "unchanged"."""
        if old is None:
            values = self.part_values(fields, None)
            part_id = int(tx.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM parts").fetchone()[0])
            row = {"id": part_id, **values, "version": 1}
            tx.execute(f"INSERT INTO parts ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
            tx.event("part.add", "part", part_id, None, {}, row)
            return part_id, "created"
        base = {k: old[k] for k in PartInput.model_fields}
        base["equipment_categories"] = json.loads(old["equipment_categories"])
        values = self.part_values(base | fields, old["id"])
        changed = {k: v for k, v in values.items() if old[k] != v}
        if not changed:
            return old["id"], "unchanged"
        tx.execute(f"UPDATE parts SET {', '.join(f'{k} = ?' for k in changed)}, version = version + 1 WHERE id = ?",
                   [*changed.values(), old["id"]])
        tx.event("part.edit", "part", old["id"], None, {k: old[k] for k in changed}, changed)
        return old["id"], "updated"

    def add_part(self, **fields: Any) -> Part:
        """A new part in the catalogue (managers)."""
        with self.db.write("part.add") as tx:
            part_id, _how = self.save_part(tx, fields, None)
        return self.part(part_id)

    def edit_part(self, part_id: int, version: int, **changes: Any) -> Part:
        """Change a part (managers), refused if someone changed it since ``version``."""
        with self.db.write("part.edit") as tx:
            old = self.db.one("SELECT * FROM parts WHERE id = ?", (part_id,))
            if old is None:
                raise NotFound(_("No part {ref}").format(ref=part_id))
            if old["version"] != version:
                last = self.db.one("SELECT actor, at FROM events WHERE entity = 'part' AND entity_id = ?"
                                   " ORDER BY id DESC LIMIT 1", (part_id,))
                raise StaleRecord(_("Part"), part_id, last[0] if last else "?", from_db(last[1]) if last else None,
                                  old["version"], self.settings.timezone)
            self.save_part(tx, changes, dict(old))
        return self.part(part_id)

    # ------------------------------------------------------------ locations
    def locations(self) -> list[Location]:
        return [Location(r["id"], r["kind"], r["technician_id"], r["name"]) for r in self.db.q(
            "SELECT l.*, t.name FROM stock_locations l LEFT JOIN technicians t ON t.id = l.technician_id"
            " ORDER BY l.kind = 'van', t.name, l.id")]

    def _technician(self, ref: str) -> tuple[int, str]:
        text = ref.strip()
        rows = self.db.q("SELECT id, name FROM technicians WHERE id = ?", (int(text),)) if text.isdigit() else \
            self.db.q("SELECT id, name FROM technicians WHERE name = ? COLLATE NOCASE", (text,))
        if len(rows) != 1:
            raise ValidationFailed.one("location", _("no technician {ref} (give the name or the number)").format(
                ref=clean(text, single_line=True)) if not rows else _("several technicians are named {ref}: give the number").format(
                ref=clean(text, single_line=True)))
        return int(rows[0][0]), str(rows[0][1])

    def _location(self, tx: Tx, where: str, made: list[dict[str, Any]]) -> Location:
        """The location ``where`` names, made (and listed in ``made``) if it is not there yet."""
        text = where.strip()
        if text.casefold() == STORE:
            kind, tech, name = STORE, None, None
        elif text[:4].casefold() == "van:":
            kind = "van"
            tech, name = self._technician(text[4:])
        else:
            raise ValidationFailed.one("location", _("'store' or 'van:' and a technician's name or number"))
        r = tx.execute("SELECT id FROM stock_locations WHERE " + ("kind = 'store'" if tech is None else "technician_id = ?"),
                       () if tech is None else (tech,)).fetchone()
        if r is not None:
            return Location(int(r[0]), kind, tech, name)
        new_id = int(tx.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM stock_locations").fetchone()[0])
        row = {"id": new_id, "kind": kind, "technician_id": tech}
        tx.execute("INSERT INTO stock_locations (id, kind, technician_id) VALUES (?, ?, ?)", (new_id, kind, tech))
        made.append(row)
        return Location(new_id, kind, tech, name)

    def location_of(self, location_id: int) -> Location:
        r = self.db.one("SELECT l.*, t.name FROM stock_locations l LEFT JOIN technicians t ON t.id = l.technician_id"
                        " WHERE l.id = ?", (location_id,))
        if r is None:
            raise NotFound(_("No location {ref}").format(ref=location_id))
        return Location(r["id"], r["kind"], r["technician_id"], r["name"])

    # ------------------------------------------------------------ the steps
    def _lots(self, tx: Tx, sql: str, params: tuple[Any, ...]) -> dict[tuple[int, int], tuple[stock.Lot, sqlite3.Row]]:
        return {(r["lot"], r["location_id"]): (lot_of(r), r) for r in tx.execute("SELECT * FROM stock_lots WHERE " + sql, params)}

    def _record(self, tx: Tx, action: str, part: Part, m: stock.Movement, where: Location, to: Location | None,
                known: dict[tuple[int, int], tuple[stock.Lot, sqlite3.Row]], made: list[dict[str, Any]],
                extra: dict[str, Any] | None = None) -> int:
        """Write what the rules said the step did: the lots it touched, its
        movement row, and the one event saying all of it."""
        now = self.ctx.now()
        held = self._on_hand(tx, part.id)  # all locations: did this step take it below its minimum?
        lots_new, lots_old, lot_id = [], [], None
        next_id = int(tx.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM stock_lots").fetchone()[0])
        for lot in m.lots:
            old = known.get(lot.key)
            if old is not None:
                before = old[1]
                arrived = lot.quantity - old[0].quantity if lot.quantity > old[0].quantity else 0  # units moved in
                row = {**dict(before), "remaining": lot.quantity, "quantity": before["quantity"] + arrived}
                tx.execute("UPDATE stock_lots SET remaining = ?, quantity = ? WHERE id = ?",
                           (row["remaining"], row["quantity"], before["id"]))
                lots_old.append({"id": before["id"], "remaining": before["remaining"], "quantity": before["quantity"]})
            else:
                row = {"id": next_id, "lot": lot.lot, "part_id": part.id,
                       "location_id": lot.location, "received_at": to_db(lot.received_at), "quantity": lot.quantity,
                       "remaining": lot.quantity, "unit_cost": money_text(lot.unit_cost)}
                next_id = row["id"] + 1
                tx.execute(f"INSERT INTO stock_lots ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                           list(row.values()))
                if m.added is lot:
                    lot_id = row["id"]
            lots_new.append(row)
        move_id = int(tx.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM stock_moves").fetchone()[0])
        added = m.added
        cost = m.cost if added is None else added.quantity * added.unit_cost
        move = {"id": move_id, "at": to_db(now), "kind": m.kind, "part_id": part.id, "location_id": where.id,
                "to_location_id": to.id if to else None, "quantity": m.quantity, "cost": money_text(cost),
                "takes": json.dumps([[t.lot, t.quantity, money_text(t.unit_cost)] for t in m.takes]),
                "lot_id": lot_id, "ticket_id": None, "technician_id": None, "equipment_category": None,
                "charge": None, "expected": m.expected, "counted": m.counted, "reason": m.reason, **(extra or {})}
        tx.execute(f"INSERT INTO stock_moves ({', '.join(move)}) VALUES ({', '.join('?' * len(move))})",
                   list(move.values()))
        told = self._tell_low(tx, part, held, move["ticket_id"])
        tx.event(action, "stock_move", move_id, move["ticket_id"], {"lots": lots_old},
                 {"part": part.code, "move": move, "lots": lots_new, "locations": made,
                  **({"outbox": told} if told else {})})
        return move_id

    @staticmethod
    def _on_hand(tx: Tx, part_id: int) -> int:
        return int(tx.execute("SELECT COALESCE(SUM(remaining), 0) FROM stock_lots WHERE part_id = ?",
                              (part_id,)).fetchone()[0])

    def _tell_low(self, tx: Tx, part: Part, before: int, ticket_id: int | None) -> list[dict[str, Any]]:
        """The store keeper's message when this step took the part below its
        minimum (all locations together): once each time it falls below, not
        on every use while it stays low. The store keeper is the setting
        ``store_keeper`` while they are an active manager, else every manager.
        The outbox rows, for the step's event (store/rules/ledger.py replays them)."""
        after = self._on_hand(tx, part.id)
        if not (part.min_stock > 0 and before >= part.min_stock > after):
            return []
        managers = [r[0] for r in tx.execute("SELECT login FROM users WHERE role = 'manager' AND NOT disabled ORDER BY login")]
        keeper = tx.execute("SELECT value FROM settings WHERE key = 'store_keeper'").fetchone()
        named = json.loads(keeper[0]) if keeper else ""
        to = [m for m in managers if m == named] or managers
        notice = LowStock(code=part.code, name=part.name, on_hand=after, min_stock=part.min_stock, unit=part.unit,
                          ticket_id=ticket_id)
        return enqueue(tx, [f"user:{login}" for login in to], notice, to_db(self.ctx.now()))

    def _next_lot(self, tx: Tx) -> int:
        return int(tx.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM stock_lots").fetchone()[0])

    def _part_in(self, tx: Tx, ref: int | str) -> Part:
        r = tx.execute("SELECT * FROM parts WHERE id = ? OR code = ?",
                       (ref if isinstance(ref, int) else -1, str(ref).strip())).fetchone()
        if r is None:
            raise ValidationFailed.one("part", _("No part {ref}").format(ref=clean(str(ref), single_line=True)))
        return part_of(r)

    def receive_parts(self, part: int | str, quantity: Any, unit_cost: Any, location: str = STORE) -> Step:
        """A delivery: a new lot at ``location`` (the store unless said), received now."""
        with self.db.write("stock.receive") as tx:
            made: list[dict[str, Any]] = []
            p = self._part_in(tx, part)
            where = self._location(tx, location, made)
            m = stock.receive(self._next_lot(tx), p.id, where.id, self.ctx.now(), quantity, unit_cost)
            move_id = self._record(tx, "stock.receive", p, m, where, None, {}, made)
        return Step(move_id, m, p, where)

    def move_parts(self, part: int | str, quantity: Any, source: str, to: str) -> Step:
        """``quantity`` units from ``source`` to ``to``, oldest first, each keeping its lot."""
        with self.db.write("stock.move") as tx:
            made: list[dict[str, Any]] = []
            p = self._part_in(tx, part)
            src, dst = self._location(tx, source, made), self._location(tx, to, made)
            known = self._lots(tx, "part_id = ? AND ((location_id = ? AND remaining > 0) OR location_id = ?)",
                               (p.id, src.id, dst.id))
            m = stock.move([x for x, _r in known.values()], p.id, src.id, dst.id, quantity, (p.label, src.name))
            move_id = self._record(tx, "stock.move", p, m, src, dst, known, made)
        return Step(move_id, m, p, src, dst)

    def count_parts(self, part: int | str, location: str, counted: Any, reason: str = "") -> Step:
        """A stock-taking: the difference from what the lots say, with a reason (managers)."""
        with self.db.write("stock.count") as tx:
            made: list[dict[str, Any]] = []
            p = self._part_in(tx, part)
            where = self._location(tx, location, made)
            known = self._lots(tx, "part_id = ? AND location_id = ? AND remaining > 0", (p.id, where.id))
            # The part's latest receipt anywhere: a surplus is booked at its cost.
            latest = tx.execute("SELECT * FROM stock_lots WHERE part_id = ? ORDER BY received_at DESC, lot DESC LIMIT 1",
                                (p.id,)).fetchone()
            pool = [x for x, _r in known.values()]
            if latest is not None and (latest["lot"], latest["location_id"]) not in known:
                pool.append(lot_of(latest))  # elsewhere, or used up here: it only prices a surplus
            m = stock.count(pool, p.id, where.id, counted, self.ctx.now(), self._next_lot(tx), p.unit_cost, reason)
            move_id = self._record(tx, "stock.count", p, m, where, None, known, made)
        return Step(move_id, m, p, where)

    def use_parts(self, ticket_id: int, part: int | str, quantity: Any, location: str | None = None,
                  charge: str | None = None, reason: str = "") -> Step:
        """Parts used on a ticket, oldest lots first, from ``location`` (the
        ticket's technician's van unless said; the store when it has none).
        Under warranty or charged: the equipment's warranty decides unless
        ``charge`` says otherwise, which then needs a reason."""
        with self.db.write("stock.use", ticket_id=ticket_id) as tx:
            return self._use(tx, ticket_id, part, quantity, location, charge, reason)

    def resolve_using(self, ticket_id: int, version: int, uses: list[PartUse],
                      at: Any = None, **record: Any) -> tuple[Ticket, list[Step]]:
        """Resolve a ticket and record the catalogue parts it used, in one
        write: a refused use (a shortage, a missing reason) refuses the
        resolve too, and nothing is saved. The resolve's event, then one
        event per use, as ``use_parts`` writes them."""
        done: list[Step] = []

        def used(tx: Tx, _row: dict[str, Any], _now: Any) -> None:
            for n, use in enumerate(uses):
                tx.authorize("stock.use", ticket_id)
                try:
                    done.append(self._use(tx, ticket_id, use.code, use.quantity, use.location, use.charge, use.reason))
                except (ValidationFailed, RuleViolation) as exc:
                    # Said beside the picked parts, naming the line: the form keeps what was typed.
                    raise ValidationFailed.one("used", _("line {n}: {error}").format(
                        n=n + 1, error=" ".join(exc.errors.values()) if isinstance(exc, ValidationFailed) else str(exc))) from None

        if self.tickets is None:
            raise RuntimeError("PartsRepo made without its tickets: resolve_using needs them")
        ticket = self.tickets.resolve(ticket_id, version, at, after=used if uses else None, **record)
        return ticket, done

    def _use(self, tx: Tx, ticket_id: int, part: int | str, quantity: Any, location: str | None,
             charge: str | None, reason: str) -> Step:
        t = tx.execute("SELECT t.status, t.technician_id, t.category, e.category AS eq_category, e.warranty_until"
                       " FROM tickets t LEFT JOIN equipment e ON e.id = t.equipment_id WHERE t.id = ?",
                       (ticket_id,)).fetchone()
        if t is None:
            raise NotFound(_("No ticket #{id}").format(id=ticket_id))
        if t["status"] in ("closed", "cancelled"):
            raise RuleViolation(_("Ticket #{id} is closed or cancelled: parts are recorded on open tickets").format(
                id=ticket_id))
        made: list[dict[str, Any]] = []
        p = self._part_in(tx, part)
        if location is None:
            location = f"van:{t['technician_id']}" if t["technician_id"] is not None else STORE
        where = self._location(tx, location, made)
        now = self.ctx.now()
        until = t["warranty_until"]
        default = stock.warranty_default(_date(until), now, self.settings.timezone)
        chosen = default if charge in (None, "") else charge
        if chosen not in ("warranty", "charged"):
            raise ValidationFailed.one("charge", _("warranty or charged"))
        why = " ".join(reason.split()) if isinstance(reason, str) else ""
        if chosen != default and not why:
            raise ValidationFailed.one("reason", _("required: say why it is not the default ({default})").format(
                default=_("warranty") if default == "warranty" else _("charged")))
        if len(why) > stock.REASON_MAX:
            why = stock.check_reason(why)  # its one-line message
        known = self._lots(tx, "part_id = ? AND location_id = ? AND remaining > 0", (p.id, where.id))
        m = stock.use([x for x, _r in known.values()], p.id, where.id, quantity, (p.label, where.name))
        move_id = self._record(tx, "stock.use", p, m, where, None, known, made, {
            "ticket_id": ticket_id, "technician_id": t["technician_id"],
            "equipment_category": t["eq_category"] or t["category"], "charge": chosen, "reason": why})
        return Step(move_id, m, p, where, charge=chosen)

    # ------------------------------------------------------------ reading stock
    def stock(self, location_id: int | None = None) -> list[StockLine]:
        """What each location holds of each part, and what it cost (by location, then code)."""
        rows = self.db.q(
            "SELECT l.location_id, l.part_id, SUM(l.remaining) AS n, GROUP_CONCAT(l.remaining || ':' || l.unit_cost)"
            " AS lots FROM stock_lots l WHERE l.remaining > 0" + (" AND l.location_id = ?" if location_id else "")
            + " GROUP BY l.location_id, l.part_id", (location_id,) if location_id else ())
        parts = {p.id: p for p in self.parts()}
        places = {x.id: x for x in self.locations()}
        out = []
        for r in rows:
            value = sum((int(n) * Decimal(c) for n, c in (x.split(":") for x in r["lots"].split(","))), Decimal(0))
            out.append(StockLine(places[r["location_id"]], parts[r["part_id"]], int(r["n"]), value))
        order = {x.id: i for i, x in enumerate(places.values())}
        return sorted(out, key=lambda x: (order[x.location.id], x.part.code))

    def location_named(self, where: str) -> Location | None:
        """The location ``where`` names, if it exists (None: it holds nothing yet)."""
        text = where.strip()
        if text.casefold() == STORE:
            r = self.db.one("SELECT id FROM stock_locations WHERE kind = 'store'")
        elif text[:4].casefold() == "van:":
            tech, _name = self._technician(text[4:])
            r = self.db.one("SELECT id FROM stock_locations WHERE technician_id = ?", (tech,))
        else:
            raise ValidationFailed.one("location", _("'store' or 'van:' and a technician's name or number"))
        return None if r is None else self.location_of(int(r[0]))

    def ticket_parts(self, ticket_id: int) -> list[dict[str, Any]]:
        """The parts used on a ticket: code, name, quantity, cost, warranty or charged."""
        return [dict(r) for r in self.db.q(
            "SELECT m.id, p.code, p.name, m.quantity, m.cost, m.charge, m.reason, m.at FROM stock_moves m"
            " JOIN parts p ON p.id = m.part_id WHERE m.ticket_id = ? ORDER BY m.id", (ticket_id,))]


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
