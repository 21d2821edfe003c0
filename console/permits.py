"""What the acting user may do, as the screens ask it: the store's answer
(store/repo/permits.py, the write path's own checks), kept until the file
changes or the language does, so moving through a list asks the file once
per ticket and action, not on every key.

The answers are read in a thread, never on the UI thread (a footer asks on
every cursor move). The actions the screens use are read together when the
console opens and after each ``forget``; one not known yet counts as allowed
until its answer is in (the footer then redraws), and the write itself
checks again whatever the footer said."""

from __future__ import annotations

import threading
from typing import Any

from store.rules.improve import COMPLAINT_STEPS, ITEM_MOVES

from .background import in_thread

Key = tuple[str, int | None, int | None]

# Asked when the console opens and after each forget: every action a key of
# the console may take without naming a ticket or a team.
TICKET_STEPS = ("create", "assign", "respond", "arrive", "hold", "resume", "resolve", "close", "cancel", "edit", "note")
REFERENCE = ("site", "equipment", "team", "technician")
ACTIONS = (
    "ticket.assign", "ticket.reassign", "ticket.create", "ticket.respond", "ticket.arrive", "ticket.pause",
    "ticket.resume", "ticket.resolve", "ticket.close", "ticket.cancel", "ticket.edit", "ticket.note",
    "technician.duty", "settings.set", "notify.retry", "callback.plan", "callback.carry", "callback.log", "complaint.add",
    "complaint.open_item", "self.language", "self.address", "user.address", "technician.address", "user.add",
    "user.role", "user.disable", "user.language", "user.unlock", "stock.receive", "stock.move", "stock.count", "stock.use",
    *(f"complaint.{step}" for step in COMPLAINT_STEPS), *(f"item.{move}" for move in ITEM_MOVES),
    *(f"{table}.{write}" for table in REFERENCE for write in ("add", "edit", "retire", "import")),
)


class Permits:
    def __init__(self, store: Any, app: Any = None) -> None:
        self.store = store
        self.app = app  # None: answers read where asked (no console: a test of this class)
        self._known: dict[Key, str | None] = {}
        self._asking: set[Key] = set()
        self._generation = 0  # an answer read before a forget is not kept after it
        self._lock = threading.Lock()

    def forget(self) -> None:
        """The file changed (a role, a ticket's team) or the words did: ask again."""
        with self._lock:
            self._known.clear()
            self._asking.clear()
            self._generation += 1
        self.warm()

    def warm(self) -> None:
        """Read the answers every screen needs, together, in a thread."""
        self._ask([(action, None, None) for action in ACTIONS])

    def known(self, action: str, ticket_id: int | None = None, team_id: int | None = None) -> bool:
        return (action, ticket_id, team_id) in self._known

    def refusal(self, action: str, ticket_id: int | None = None, team_id: int | None = None) -> str | None:
        """Why the acting user may not take ``action`` ("item.confirm", …), or
        None: allowed, or not known yet (then asked, and the screens redraw)."""
        key = (action, ticket_id, team_id)
        if key in self._known:
            return self._known[key]
        self._ask([key])
        return None

    def ticket(self, step: str, ticket_id: int | None, assigned: bool) -> str | None:
        """Why not a ticket step ("assign", "close", …, "create") on that
        ticket (``assigned``: it has a technician), or None. Asked first
        without the ticket: a ticket only ever narrows what a role may do
        (a foreman's own team), so allowed there is allowed on every ticket,
        and moving through the queue asks the file once per action."""
        action = self.store.permits.ticket_action(step, assigned)  # a name, not a read
        return self.refusal(action) and self.refusal(action, ticket_id)

    def read(self, keys: list[Key]) -> dict[Key, str | None]:
        """The store's answers (in the calling thread: a worker's)."""
        return {key: self.store.permits.refusal(key[0], ticket_id=key[1], team_id=key[2]) for key in keys}

    def _ask(self, keys: list[Key]) -> None:
        with self._lock:
            wanted = [k for k in keys if k not in self._known and k not in self._asking]
            self._asking.update(wanted)
            generation = self._generation
        if not wanted:
            return
        if self.app is None:
            self._learn(generation, self.read(wanted))
            return
        store = self.store
        in_thread(self.app, lambda: self.read(wanted) if store is self.store else {},
                  lambda answers: self._learn(generation, answers), lambda _exc: self._failed(wanted), group="permits")

    def _failed(self, keys: list[Key]) -> None:
        with self._lock:
            self._asking.difference_update(keys)  # asked again next time

    def _learn(self, generation: int, answers: dict[Key, str | None]) -> None:
        with self._lock:
            if generation != self._generation:
                return
            changed = any(self._known.get(k, None) != v for k, v in answers.items())
            self._known.update(answers)
            self._asking.difference_update(answers)
        if changed and self.app is not None:
            for screen in self.app.screen_stack:  # what they hide or show may differ now
                if not screen.is_mounted:
                    continue  # (pushed, not composed yet: it draws with these answers when it mounts)
                redraw = getattr(screen, "permits_known", None)
                if callable(redraw):
                    redraw()
                else:
                    screen.refresh_bindings()
