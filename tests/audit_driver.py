"""A seeded random driver of every write the Store offers, with its optional
arguments, for tests/test_audit_property.py: after each step ``dispatch
check``'s audit (``verify_audit``) must pass. Each public write method has a
driver in OPS (tests/audit_steps.py); a step picks one at random, chooses a
target and arguments that may or may not be allowed, and calls it. A refusal
(a rule, a form, a role, a stale version) is a normal outcome; any other
error is not.

``write_methods`` finds the Store's write methods from their source (those
that open a write, directly or through another method), so a write method
added without a driver in OPS fails the coverage test."""

from __future__ import annotations

import inspect
import random
import re
from collections.abc import Iterator
from typing import Any

from audit_steps import OPS

from store import Store
from store.errors import EditConflict, NotFound, PermissionDenied, RuleViolation, StaleTicket, ValidationFailed
from store.rules.improve import StaleRecord

REFUSED = (EditConflict, NotFound, PermissionDenied, RuleViolation, StaleTicket, ValidationFailed, StaleRecord)
# The ticket's way to closed and the loop after it come up more often than setup,
# so that callbacks, items and complaints have something to work on.
WEIGHTS = {"create_ticket": 5, "assign": 5, "arrive": 5, "resolve": 5, "close": 5, "respond": 3, "hold": 2,
           "resume": 2, "plan_callbacks": 3, "log_callback": 4, "log_unreachable": 2, "carry_over": 2,
           "self_evaluate": 2, "item_follow_up": 3, "item_propose": 3, "item_submit": 3, "item_confirm": 2,
           "item_send_back": 2, "accept_complaint": 2, "investigate_complaint": 2, "handle_complaint": 2,
           "follow_up_complaint": 2, "close_complaint": 2}


def repos() -> list[type]:
    """The repository classes the Store is built from (store/store.py)."""
    from store.store import Store

    return Store.repository_classes()


def write_methods() -> set[str]:
    """The repositories' public methods that write: they open ``db.write``
    themselves (or through store/repo/records.py) or ask its refusals, or call a method (of any
    name, of their own repository or a collaborator) that does."""
    sources: dict[str, str] = {}
    for repo in repos():
        for name, member in inspect.getmembers(repo):
            func = getattr(member, "fget", member)
            if inspect.isfunction(func):
                try:
                    sources[name] = inspect.getsource(func)
                except (OSError, TypeError):
                    continue
    # (refuse_write: the write path's own refusals, asked by the console before a key; driven to show they never write)
    writes = {n for n, src in sources.items() if any(w in src for w in (".db.write(", "records.retire(", ".db.refuse_write("))}
    grew = True
    while grew:
        calls = {n for n, src in sources.items() if n not in writes
                 and any(re.search(rf"\bself\.(?:\w+\.)?{re.escape(w)}\(", src) for w in writes)}
        grew = bool(calls)
        writes |= calls
    return {n for n in writes if not n.startswith("_")}



class Driver:
    """Random steps on one store; ``ran`` counts each method's successes."""

    def __init__(self, store: Store, clock: Any, seed: int):
        self.s, self.clock, self.r = store, clock, random.Random(seed)
        store.settings.RECOMPUTE_PAUSE_S = 0  # type: ignore[misc]  # (the pause is for other writers; there are none)
        self.ran: dict[str, int] = {}
        self.log: list[str] = []
        self.n = 0

    # ------------------------------------------------------------ plumbing
    def tour(self) -> Iterator[str]:
        """Every kind of write in a working order (each tried until it goes
        through, a few times at most), before the random steps."""
        for name in TOUR:
            for _attempt in range(6):
                before = self.ran.get(name, 0)
                yield self.step(name)
                if self.ran.get(name, 0) > before:
                    break

    def step(self, name: str | None = None) -> str:
        names = sorted(OPS)
        name = name or self.r.choices(names, weights=[WEIGHTS.get(n, 1) for n in names])[0]
        self.clock.advance(minutes=self.r.choice([1, 3, 17, 45, 130]))
        self._as(self.r.choice(["ann", "bob", "alice"]))
        self.n += 1
        try:
            done = OPS[name](self)
        except REFUSED as exc:
            self.log.append(f"{self.n} {name}: refused ({type(exc).__name__}: {exc})")
            return name
        if done is not False:
            self.ran[name] = self.ran.get(name, 0) + 1
        self.log.append(f"{self.n} {name}: {'ok' if done is not False else 'nothing to do'}")
        return name

    def _as(self, login: str, by: str | None = None) -> None:
        self.s.actor, self.s.by = login, by

    def pick(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        rows = self.s.db.q(sql, params)
        return self.r.choice(rows) if rows else None

    def ticket(self, where: str) -> Any:
        row = self.pick(f"SELECT id, version FROM tickets WHERE {where}")
        return row

    def stated(self) -> Any:
        """None (now), or a time phoned in late: a few minutes back, as a
        time or as the words a dispatcher types (site time)."""
        if self.r.random() < 0.5:
            return None
        back = self.clock.now.subtract(minutes=self.r.choice([0, 1, 2]))
        return self.r.choice([back, back.in_timezone(self.s.settings.timezone).format("MM-DD HH:mm")])

    def text(self, prefix: str) -> str:
        """Words, sometimes with markup and Chinese, now and then none (a refusal)."""
        return self.r.choice([f"{prefix} {self.n}", f"{prefix} [b]{self.n}[/b] 维修", f"{prefix}", f"{prefix} x", ""])

    def target(self, table: str, column: str, ready: tuple[str, ...], cols: str = "id, version") -> Any:
        """A row in a state that allows the step (now and then any row: a refusal)."""
        marks = ", ".join("?" * len(ready))
        if self.r.random() < 0.85:
            row = self.pick(f"SELECT {cols} FROM {table} WHERE {column} IN ({marks})", ready)
            if row is not None:
                return row
        return self.pick(f"SELECT {cols} FROM {table}")


TICKET = ["create_ticket", "assign", "respond", "arrive", "resolve", "close"]
TOUR = [*TICKET, "create_ticket", "assign", "arrive", "hold", "resume", "resolve", "close", *TICKET, "add_note",
        "create_ticket", "edit_ticket", "cancel", "set_setting", "set_policy", "recompute", "mark_demo",
        "add_site", "edit_site", "retire_site", "add_equipment", "edit_equipment", "retire_equipment", "add_team",
        "edit_team", "retire_team", "add_technician", "edit_technician", "retire_technician", "set_on_duty",
        "add_user", "edit_user", "set_role", "disable_user", "set_pin", "try_pin", "check_pin", "sign_in", "unlock_user",
        "refusal", "ticket_refusal",
        "set_user_language",
        "load", "import_records",
        "self_evaluate", "plan_callbacks", "log_unreachable", "carry_over", "log_callback", "log_callback",
        "add_complaint", "accept_complaint", "investigate_complaint", "handle_complaint", "follow_up_complaint",
        "close_complaint", "open_item_from_complaint", "open_seeded", "item_follow_up", "item_propose", "item_submit",
        "item_send_back", "item_submit", "item_confirm", "load_evaluations",
        "set_user_addresses", "set_user_addresses", "set_technician_addresses", "set_ladder", "create_ticket", "assign",
        "fire_due", "fire_some", "acknowledge", "record_attempt", "requeue",
        "add_part", "edit_part", "receive_parts", "receive_parts", "move_parts", "create_ticket", "assign", "use_parts",
        "count_parts", "import_records",
        "add_plan", "add_plan", "edit_plan", "set_site_contact", "run_inspections", "record_checklist", "record_checklist", "open_repair",
        "add_plan", "retire_plan",
        "set_schedule", "create_ticket", "assign", "arrive", "resolve", "close", "record_invoice", "check_invoice",
        "receive_parts", "move_parts",
        "create_ticket", "assign", "arrive", "resolve_using",
        "leave_note", "mark_seen", "leave_note", "mark_seen", "mark_seen",
        "keep",  # the queue's snapshots (dispatch snapshot)
        # Each driver draws at random (a place, a quantity, who acts): a few more tries of the
        # stock steps, so each goes through at least once whatever the merged order above drew.
        "receive_parts", "move_parts", "receive_parts", "move_parts", "move_parts", "bulk",
        "edit_ticket", "edit"]
