"""A ticket's plan played through the Store's public methods, as the
dispatcher who took each step, on a clock the build moves: the audit log is
the store's own."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pendulum
from pendulum import DateTime

from store import Store, Ticket

from .tables import CANCEL_REASONS, DAY, DISPATCHERS, FEES, HOUR, PAUSE_NOTES, REASSIGN_REASONS, RESPOND_NOTES, Plan

# One lifecycle step of one ticket, played through the Store's public methods:
# (at, plan index, rank, sequence, actor, method, arguments). Sorting by the
# first four plays the whole history in time order; at one instant the earlier
# ticket goes first (so a repair resolved at the very second a new fault on the
# same machine is reported counts for it), and within a ticket ``rank`` keeps
# the lifecycle order.
Step = tuple[int, int, int, int, str, str, Any]  # args: a dict for a ticket step, a call for "call"


RANK = {"create_ticket": 0, "assign": 1, "reassign": 2, "respond": 3, "arrive": 4, "hold": 5, "resume": 6,
        "resolve": 7, "close": 8, "cancel": 9, "record_invoice": 10, "check_invoice": 11}
# Customer service's invoice steps (issue 25): the store's fees repository, not its tickets.
INVOICE_STEPS = ("record_invoice", "check_invoice")


class _Clock:
    """The build's clock: the store reads it for every write, the build moves it
    to each step's instant, so events, ticket times and pauses are the store's own."""

    def __init__(self, at: int):
        self.at = pendulum.from_timestamp(at)

    def __call__(self) -> DateTime:
        return self.at

    def to(self, at: int) -> None:
        self.at = pendulum.from_timestamp(at)


def _steps(rng: random.Random, k: int, plan: Plan, info: dict[str, Any]) -> list[Step]:
    """The calls that take ticket ``k`` through ``plan``, each by a dispatcher."""
    out: list[Step] = []

    def add(at: int, method: str, args: dict[str, Any], rank: str | None = None) -> None:
        out.append((at, k, RANK[rank or method], len(out), rng.choice(DISPATCHERS), method, args))

    add(plan["rep"], "create_ticket", {
        key: info[key] for key in ("priority", "channel", "reporter", "phone", "site_id", "equipment_id",
                                   "category", "description")})
    tech = info.get("technician_id")
    if plan["assigned"] is not None and tech is not None:
        first = info.get("first_technician_id") or tech
        add(plan["assigned"], "assign", {"technician_id": first})
        if plan["reassign"] is not None and first != tech:
            add(plan["reassign"], "assign", {"technician_id": tech, "reason": rng.choice(REASSIGN_REASONS)},
                "reassign")
    if plan["fr"] is not None:
        add(plan["fr"], "respond", {"note": rng.choice(RESPOND_NOTES)})
    if plan["arrived"] is not None:
        add(plan["arrived"], "arrive", {"mode": plan["mode"]})
    for reason, _from, start, end in plan["pauses"]:
        note = rng.choice(PAUSE_NOTES[reason]).format(part=info["parts"])
        add(start, "hold", {"reason": reason, "note": note})
        if end is not None:
            add(end, "resume", {})
    if plan["resolved"] is not None:
        symptom, cause, action, parts = info["resolution"]
        add(plan["resolved"], "resolve", {"symptom": symptom, "cause": cause, "action": action, "parts": parts})
    if plan["closed"] is not None:
        fee = rng.choice(FEES) if rng.random() < 0.2 else None
        add(plan["closed"], "close", {"signoff": info["signoff"], "fee": None if fee is None else Decimal(fee) / 100})
    if plan["cancelled"] is not None:
        add(plan["cancelled"], "cancel", {"reason": rng.choice(CANCEL_REASONS)})
    return out


def invoice_steps(steps: list[Step], now_s: int) -> list[Step]:
    """The invoices of the tickets closed with a fee, without a draw (the
    demo's other choices stay as they were): of every four, one has no number
    yet, one a number not checked, two a number checked the day after. Only
    what falls before now, so the oldest unchecked are listed as overdue."""
    out: list[Step] = []
    closes = sorted((s for s in steps if s[5] == "close" and s[6].get("fee")), key=lambda s: s[:4])
    for n, (at, k, *_rest) in enumerate(closes):
        who = DISPATCHERS[n % len(DISPATCHERS)]
        recorded, checked = at + DAY, at + 2 * DAY
        if n % 4 == 0 or recorded > now_s - HOUR:
            continue
        number = f"INV-{pendulum.from_timestamp(at).year}-{n + 1:05d}"
        out.append((recorded, k, RANK["record_invoice"], 0, who, "record_invoice", {"number": number}))
        if n % 4 >= 2 and checked <= now_s - HOUR:
            out.append((checked, k, RANK["check_invoice"], 0, DISPATCHERS[(n + 1) % len(DISPATCHERS)],
                        "check_invoice", {}))
    return out


def _play(store: Store, clock: _Clock, steps: list[Step]) -> None:
    """Every step through the store, in time order, as the dispatcher who took it."""
    tickets: dict[int, Ticket] = {}
    for at, k, _rank, _seq, actor, method, args in sorted(steps, key=lambda s: s[:4]):
        clock.to(at)
        store.actor = actor
        if method == "call":  # a step that is not a ticket's (the parts store, demo_data/parts.py)
            args(store)
        elif method == "create_ticket":
            tickets[k] = store.tickets.create_ticket(args)
        else:
            t = tickets[k]
            repo: Any = store.fees if method in INVOICE_STEPS else store.tickets
            tickets[k] = getattr(repo, method)(t.id, t.version, **args)


def _load_reference(store: Store, ref: dict[str, list[dict[str, Any]]], note: dict[str, Any]) -> None:
    """Sites, teams, technicians and equipment in one bulk write (until the
    store has methods to add reference data one by one)."""
    store.admin.load("demo.reference", ref, note)
