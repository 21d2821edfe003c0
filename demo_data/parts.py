"""The demo's spare parts (issue 25): a small catalogue, two deliveries of
each part to the center's store a month and a week before now (two lots at
two costs), vans stocked from the store, some parts left below their
minimum, and parts used on open tickets that have a technician: under
warranty where the machine's warranty runs, charged where it does not, one
charged against the default with its reason. Every step goes through the
store (one write and one audit event each) on the build's clock; the choices
are fixed or drawn from the build's own generator, so a seed and an instant
give the same rows."""

from __future__ import annotations

import random
from decimal import Decimal

import pendulum

from store.models import QueueFilter
from store.store import Store

from .history import _Clock
from .tables import DAY, HOUR

# code, name, category, unit, minimum, unit cost, equipment categories,
# (first delivery, second delivery): the quantities, at cost and cost + 10 %.
PARTS = [
    ("ATM-BELT", "ATM drive belt", "wear", "pcs", 6, "48.00", ["atm"], (6, 4)),
    ("ATM-PICK", "ATM pick roller", "wear", "pcs", 4, "126.50", ["atm"], (3, 2)),
    ("PRN-FUSE", "Printer fuser unit", "spare", "pcs", 2, "380.00", ["printer"], (2, 1)),
    ("PRN-ROLL", "Printer feed roller", "wear", "pcs", 5, "22.00", ["printer"], (8, 6)),
    ("UPS-BATT", "UPS battery 12V 9Ah", "spare", "pcs", 8, "155.00", ["ups"], (6, 2)),
    ("NET-SFP", "SFP module 1G", "spare", "pcs", 2, "210.00", ["network"], (2, 2)),
    ("CASH-SEN", "Cash counter sensor", "spare", "pcs", 3, "64.00", ["cash"], (4, 2)),
    ("CBL-UTP", "UTP cable", "consumable", "m", 50, "2.40", ["network", "pc"], (100, 50)),
]
# (code, quantity) moved from the store to the first vans.
VAN_STOCK = [("ATM-BELT", 3), ("PRN-ROLL", 4), ("UPS-BATT", 2), ("CBL-UTP", 30)]
# Parts used, most at the store: enough that some fall below their minimum.
USES = [("ATM-BELT", 5), ("ATM-PICK", 3), ("PRN-FUSE", 2), ("PRN-ROLL", 3), ("UPS-BATT", 4), ("CASH-SEN", 1),
        ("CBL-UTP", 12), ("NET-SFP", 1)]


def add_demo_parts(store: Store, clock: _Clock, now_s: int, rng: random.Random) -> None:
    """The catalogue, deliveries, vans and uses, each as of its own time before ``now_s``."""
    parts = store.parts
    clock.to(now_s - 35 * DAY)
    for code, name, category, unit, minimum, cost, used_for, _q in PARTS:
        parts.add_part(code=code, name=name, category=category, unit=unit, min_stock=minimum, unit_cost=cost,
                       equipment_categories=used_for)
    for back, which, rise in ((30 * DAY, 0, Decimal(1)), (7 * DAY, 1, Decimal("1.1"))):
        clock.to(now_s - back)
        for code, _n, _c, _u, _m, cost, _f, quantities in PARTS:
            parts.receive_parts(code, quantities[which], str((Decimal(cost) * rise).quantize(Decimal("0.01"))))
            clock.to(clock().int_timestamp + 60)
    techs = [t for t in store.people.technicians() if t.on_duty]
    clock.to(now_s - 6 * DAY)
    for i, (code, n) in enumerate(VAN_STOCK):
        parts.move_parts(code, n, "store", f"van:{techs[i % 2].id}")
        clock.to(clock().int_timestamp + 300)
    # Open tickets with a technician whose category a part is for, oldest first.
    rows = store.queue.find(QueueFilter(), 0, 1000)
    tickets = sorted((store.tickets.ticket(r.id) for r in rows if r.technician_id is not None and r.status != "resolved"),
                     key=lambda t: t.id)
    by_code = {p[0]: p for p in PARTS}
    start = max(now_s - 4 * HOUR, clock().int_timestamp)
    clock.to(start)
    charged_against = False
    for k, (code, n) in enumerate(USES):
        fits = [t for t in tickets if t.category in by_code[code][6]]
        if not fits:
            continue
        ticket = rng.choice(fits)
        if k % 2 == 0 and ticket.equipment_id is not None:
            # Every other machine still under its warranty (a year from its last service): free by default.
            until = pendulum.from_timestamp(now_s + 200 * DAY).date().isoformat()
            store.reference.edit_equipment(ticket.equipment_id, warranty_until=until)
        charge, reason = None, ""
        if not charged_against and k % 2 == 0 and ticket.equipment_id is not None:
            # One use charged although under warranty: the customer broke it (a reason given).
            charge, reason, charged_against = "charged", "damaged by the customer", True
        parts.use_parts(ticket.id, code, n, location="store", charge=charge, reason=reason)
        clock.to(clock().int_timestamp + 600)
