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
from collections.abc import Callable
from decimal import Decimal
from functools import partial

import pendulum

from store.models import QueueFilter
from store.store import Store

from .history import Step
from .tables import DAY, HOUR, TEAMS
from .users import DISPATCHERS

# The technicians on duty today, by their id in the demo (numbered in the tables' order, demo_data/reference.py):
# during the history everyone is on duty, and the vans go to those still on duty at the end.
ON_DUTY = {n for n, member in enumerate((m for _team, members in TEAMS for m in members), start=1) if member[3]}

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


def parts_steps(now_s: int, rng: random.Random, keeper: str) -> list[Step]:
    """The parts store's steps, each at its own time before ``now_s``, to be
    played in time order with the tickets' (``_play``): the catalogue and a
    delivery a month back, a second a week back, vans stocked six days back,
    and the uses in the last hours, on tickets open then with a technician."""
    steps: list[Step] = []

    def at(when: int, who: str, call: Callable[[Store], object]) -> None:
        steps.append((when, -1, 0, len(steps), who, "call", call))

    for i, (code, name, category, unit, minimum, cost, used_for, _q) in enumerate(PARTS):
        fields = {"code": code, "name": name, "category": category, "unit": unit, "min_stock": minimum,
                  "unit_cost": cost, "equipment_categories": used_for}
        at(now_s - 35 * DAY + i, keeper, partial(_call, "add_part", (), fields))
    for back, which, rise in ((30 * DAY, 0, Decimal(1)), (7 * DAY, 1, Decimal("1.1"))):
        for i, (code, _n, _c, _u, _m, cost, _f, quantities) in enumerate(PARTS):
            price = str((Decimal(cost) * rise).quantize(Decimal("0.01")))
            at(now_s - back + 60 * i, keeper, partial(_call, "receive_parts", (code, quantities[which], price), {}))
    for i, (code, n) in enumerate(VAN_STOCK):
        at(now_s - 6 * DAY + 300 * i, DISPATCHERS[0][0], partial(_stock_van, code, n, i))
    draws = [rng.random() for _ in USES]
    against: list[int] = []  # the one use charged against the warranty, once made
    for k, (code, n) in enumerate(USES):
        at(now_s - 3 * HOUR + 600 * k, DISPATCHERS[1][0], partial(_use, code=code, n=n, k=k, draw=draws[k], now_s=now_s,
                                                                  against=against))
    return steps


def _call(method: str, args: tuple[object, ...], kwargs: dict[str, object], store: Store) -> None:
    getattr(store.parts, method)(*args, **kwargs)


def _stock_van(code: str, n: int, i: int, store: Store) -> None:
    """``n`` of ``code`` to the van of one of the first two technicians on duty."""
    techs = [t for t in store.people.technicians() if t.id in ON_DUTY]
    store.parts.move_parts(code, n, "store", f"van:{techs[i % 2].id}")


def _use(store: Store, code: str, n: int, k: int, draw: float, now_s: int, against: list[int]) -> None:
    """``n`` of ``code`` from the store on an open ticket with a technician whose category it is for;
    every other one's machine under warranty (free), one of those charged with a reason."""
    used_for = next(p[6] for p in PARTS if p[0] == code)
    rows = store.queue.find(QueueFilter(), 0, 1000)
    fits = [t for t in (store.tickets.ticket(r.id) for r in rows if r.technician_id is not None)
            if t.category in used_for and t.status != "resolved"]
    if not fits:
        return
    ticket = sorted(fits, key=lambda t: t.id)[int(draw * len(fits))]
    charge, reason = None, ""
    if k % 2 == 0 and ticket.equipment_id is not None:
        until = pendulum.from_timestamp(now_s + 200 * DAY).date().isoformat()
        store.reference.edit_equipment(ticket.equipment_id, warranty_until=until)
        if not against:  # under warranty, charged all the same: the customer broke it (a reason given)
            charge, reason = "charged", "damaged by the customer"
            against.append(k)
    store.parts.use_parts(ticket.id, code, n, location="store", charge=charge, reason=reason)
