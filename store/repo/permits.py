"""Asking before writing: why the acting user may not take an action, in the
words the write itself would use, without writing anything.

The answer comes from the write path's own checks (``Database.write`` and
``Database.authorize``, roles from store/rules/auth.py), so the console can hide a key or
refuse it at once and never disagrees with the save. Nothing here decides a
rule of its own."""

from __future__ import annotations

from ..context import Context
from ..database import Database
from ..errors import DatabaseFileError, PermissionDenied

# A ticket step, by the names of the rules' transition table (store/rules/lifecycle.py),
# and the action its write authorises (store/repo/tickets.py). Assigning is
# "ticket.reassign" once a technician has it: a foreman may move their own
# team's ticket, never take one from the desk.
# The hold's action keeps its stored name "ticket.pause" (store/repo/tickets.py says why).
TICKET_WRITES = {
    "respond": "ticket.respond", "arrive": "ticket.arrive", "hold": "ticket.pause", "resume": "ticket.resume",
    "resolve": "ticket.resolve", "close": "ticket.close", "cancel": "ticket.cancel", "edit": "ticket.edit",
    "note": "ticket.note", "create": "ticket.create",
}


class PermitsRepo:
    def __init__(self, db: Database, ctx: Context):
        self.db, self.ctx = db, ctx

    def refusal(self, action: str, *, ticket_id: int | None = None, team_id: int | None = None) -> str | None:
        """Why the acting user may not take ``action`` (a write's action name,
        "ticket.close", "item.confirm", …) on ``ticket_id`` / for ``team_id``
        now, or None. Reads only: a few rows of users and the ticket."""
        if self.db.file_read_only or not self.ctx.actor.strip():
            # The write path refuses these first, before it takes a lock or
            # opens a transaction: its own words, and nothing is begun.
            try:
                self.db.refuse_write()
            except (PermissionDenied, DatabaseFileError) as exc:
                return str(exc)
        try:
            self.db.authorize(action, ticket_id, team_id)
        except PermissionDenied as exc:
            return str(exc)
        return None

    @staticmethod
    def ticket_action(step: str, assigned: bool) -> str:
        """The write a ticket ``step`` ("assign", "close", … as in
        store/rules/lifecycle.py; "create" for a new ticket) authorises; ``assigned``:
        the ticket has a technician (assigning it again is a reassignment)."""
        if step == "assign":
            return "ticket.reassign" if assigned else "ticket.assign"
        return TICKET_WRITES[step]

    def ticket_refusal(self, step: str, ticket_id: int | None) -> str | None:
        """Why the acting user may not take a ticket ``step`` on that ticket now, or None."""
        rows = self.db.q("SELECT technician_id FROM tickets WHERE id = ?", (ticket_id,)) if ticket_id else []
        assigned = bool(rows) and rows[0][0] is not None
        return self.refusal(self.ticket_action(step, assigned), ticket_id=ticket_id)
