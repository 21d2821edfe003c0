"""0018_parts: the spare-parts store (issue 25, docs/rules.md "Spare parts").

- ``parts``: the catalogue. ``code`` is unique; ``unit_cost`` is money as
  text ("12.50": exact, never a float); ``equipment_categories`` the
  equipment categories that use the part, a JSON list; ``min_stock`` the
  level below which the part is short (0: never); ``version`` counts edits.
- ``stock_locations``: where parts are kept: the center's store (one) and
  one van per technician, each made by the first write that needs it.
- ``stock_lots``: what is left of one receipt at one location. ``lot`` is
  the receipt's row (its own id for a delivery or a count's surplus; for
  units moved to another location, the row they came from first), so a lot
  keeps its receipt time and unit cost wherever its units go; one row per
  (lot, location). ``quantity`` the units that came in here, ``remaining``
  what is left (never below 0). An empty lot stays: it is the delivery's record.
- ``stock_moves``: the stock movement ledger, one row per step: a receipt, a
  use on a ticket (its technician, the equipment's category, warranty or
  charged with the reason when it is not the default), a move (``to``), a
  count (``expected`` and ``counted``, a reason when they differ). ``cost``
  the value of the units taken (a receipt: of the units received), ``takes``
  the lots they came from (JSON [[lot, quantity, unit cost], …]).

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    for sql in (
        "CREATE TABLE parts ("
        " id INTEGER PRIMARY KEY,"
        " code TEXT NOT NULL UNIQUE,"
        " name TEXT NOT NULL,"
        " category TEXT NOT NULL DEFAULT '',"
        " unit TEXT NOT NULL DEFAULT 'pcs',"
        " min_stock INTEGER NOT NULL DEFAULT 0 CHECK (min_stock >= 0),"
        " unit_cost TEXT NOT NULL DEFAULT '0.00',"
        " equipment_categories TEXT NOT NULL DEFAULT '[]',"
        " version INTEGER NOT NULL DEFAULT 1)",
        # The low-stock list looks only at parts with a minimum.
        "CREATE INDEX parts_min_stock ON parts (min_stock) WHERE min_stock > 0",
        "CREATE TABLE stock_locations ("
        " id INTEGER PRIMARY KEY,"
        " kind TEXT NOT NULL CHECK (kind IN ('store', 'van')),"
        " technician_id INTEGER UNIQUE REFERENCES technicians(id),"
        " CHECK ((kind = 'store') = (technician_id IS NULL)))",
        "CREATE UNIQUE INDEX stock_locations_one_store ON stock_locations (kind) WHERE kind = 'store'",
        "CREATE TABLE stock_lots ("
        " id INTEGER PRIMARY KEY,"
        " lot INTEGER NOT NULL,"
        " part_id INTEGER NOT NULL REFERENCES parts(id),"
        " location_id INTEGER NOT NULL REFERENCES stock_locations(id),"
        " received_at TEXT NOT NULL,"
        " quantity INTEGER NOT NULL CHECK (quantity >= 0),"
        " remaining INTEGER NOT NULL CHECK (remaining >= 0),"
        " unit_cost TEXT NOT NULL,"
        " UNIQUE (lot, location_id))",
        # First in, first out at one location: the lots holding something, oldest first.
        "CREATE INDEX stock_lots_fifo ON stock_lots (part_id, location_id, received_at, lot) WHERE remaining > 0",
        # Stock per location (and its value), and a part's stock everywhere (low stock).
        "CREATE INDEX stock_lots_location ON stock_lots (location_id, part_id, remaining)",
        "CREATE INDEX stock_lots_part ON stock_lots (part_id, remaining)",
        "CREATE TABLE stock_moves ("
        " id INTEGER PRIMARY KEY,"
        " at TEXT NOT NULL,"
        " kind TEXT NOT NULL CHECK (kind IN ('receipt', 'use', 'move', 'count')),"
        " part_id INTEGER NOT NULL REFERENCES parts(id),"
        " location_id INTEGER NOT NULL REFERENCES stock_locations(id),"
        " to_location_id INTEGER REFERENCES stock_locations(id),"
        " quantity INTEGER NOT NULL,"
        " cost TEXT NOT NULL,"
        " takes TEXT NOT NULL DEFAULT '[]',"
        " lot_id INTEGER REFERENCES stock_lots(id),"
        " ticket_id INTEGER REFERENCES tickets(id),"
        " technician_id INTEGER REFERENCES technicians(id),"
        " equipment_category TEXT,"
        " charge TEXT CHECK (charge IN ('warranty', 'charged')),"
        " expected INTEGER,"
        " counted INTEGER,"
        " reason TEXT NOT NULL DEFAULT '')",
        # Parts used per month (and per category, per technician): one range of uses by time.
        "CREATE INDEX stock_moves_use ON stock_moves (kind, at)",
        "CREATE INDEX stock_moves_ticket ON stock_moves (ticket_id) WHERE ticket_id IS NOT NULL",
        # A part's last movement (slow movers).
        "CREATE INDEX stock_moves_part ON stock_moves (part_id, at)",
    ):
        db.execute(sql)
