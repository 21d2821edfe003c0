"""What the acting user may do, as the screens ask it: the store's answer
(store/repo/permits.py, the write path's own checks), kept until the file
changes or the language does, so moving through a list asks the file once
per ticket and action, not on every key."""

from __future__ import annotations

from typing import Any


class Permits:
    def __init__(self, store: Any) -> None:
        self.store = store
        self._known: dict[tuple[str, int | None, int | None], str | None] = {}

    def forget(self) -> None:
        """The file changed (a role, a ticket's team) or the words did: ask again."""
        self._known.clear()

    def refusal(self, action: str, ticket_id: int | None = None, team_id: int | None = None) -> str | None:
        """Why the acting user may not take ``action`` ("item.confirm", …), or None."""
        key = (action, ticket_id, team_id)
        if key not in self._known:
            self._known[key] = self.store.permits.refusal(action, ticket_id=ticket_id, team_id=team_id)
        return self._known[key]

    def ticket(self, step: str, ticket_id: int | None, assigned: bool) -> str | None:
        """Why not a ticket step ("assign", "close", …, "create") on that
        ticket (``assigned``: it has a technician), or None. Asked first
        without the ticket: a ticket only ever narrows what a role may do
        (a foreman's own team), so allowed there is allowed on every ticket,
        and moving through the queue asks the file once per action."""
        action = self.store.permits.ticket_action(step, assigned)
        return self.refusal(action) and self.refusal(action, ticket_id)
