"""The store's error types. Every message is one line a user can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .i18n import _
from .text import clean

if TYPE_CHECKING:
    from pendulum import DateTime


class StoreError(Exception):
    """Base of everything the store raises on purpose."""


class DatabaseFileError(StoreError):
    """The file cannot be used: missing, unreadable, read-only, locked, corrupt, newer."""


class FileReplaced(DatabaseFileError):
    """The path now names another file (or none): this connection holds the
    old one, which no one else sees any more, so writes to it are refused."""

    def __init__(self, path: object, deleted: bool):
        self.path = path
        self.deleted = deleted
        if deleted:
            msg = _("{path} was deleted or moved after it was opened; nothing was saved. Reopen the file to continue.")
        else:
            msg = _("{path} was replaced by another file after it was opened; nothing was saved. Reopen the file to continue.")
        super().__init__(msg.format(path=path))


class ValidationFailed(StoreError):
    """Bad input: one message per field, keyed by the field name."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))

    @classmethod
    def one(cls, field: str, message: str) -> ValidationFailed:
        return cls({field: message})


class RuleViolation(StoreError):
    """The lifecycle does not allow this action now (docs/rules.md §3)."""

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(message)


class NotFound(StoreError):
    pass


class StaleTicket(StoreError):
    """Optimistic concurrency: someone else changed the ticket first.

    ``changes`` are the other writes, already in words ("status: assigned →
    waiting"); ``at`` is shown in the site's time zone ``tz``."""

    def __init__(self, ticket_id: int, by: str, at: DateTime | None, version: int,
                 changes: list[str] | None = None, tz: str = "UTC"):
        self.ticket_id = ticket_id
        self.by = by
        self.at = at
        self.version = version
        self.changes = changes or []
        when = at.in_timezone(tz).format("YYYY-MM-DD HH:mm:ss") if at else "?"
        what = " (" + clean("; ".join(self.changes), single_line=True) + ")" if self.changes else ""
        super().__init__(
            _("Ticket #{id} was changed by {by} at {when}{what}; it has been reloaded, check and try again.").format(
                id=ticket_id, by=clean(by, single_line=True), when=when, what=what
            )
        )


class PermissionDenied(StoreError):
    pass


class EditConflict(StoreError):
    """A stale edit that changed a field someone else changed meanwhile to
    another value (store/rules/merge.py). Nothing was saved. ``conflicts``:
    per field (original, theirs, yours), the values as stored; ``version``:
    the version now, which a save of the chosen values is based on;
    ``merged``: the other fields they changed (kept either way)."""

    def __init__(self, ticket_id: int, version: int, by: tuple[str, ...],
                 conflicts: dict[str, tuple[object, object, object]], labels: list[str]):
        self.ticket_id = ticket_id
        self.version = version
        self.by = by
        self.conflicts = conflicts
        super().__init__(_("Ticket #{id}: {by} changed {fields} meanwhile to other values; nothing was saved,"
                           " choose the values to keep.").format(
            id=ticket_id, by=", ".join(clean(b, single_line=True) for b in by), fields=", ".join(labels)))


class MoveRefused(StaleTicket):
    """A step taken on a stale version that the transition table refuses in
    the ticket's state now (an assign on a ticket someone just cancelled):
    who moved it, when, and ``reason``, why the step is no longer allowed."""

    def __init__(self, ticket_id: int, by: str, at: DateTime | None, version: int, changes: list[str],
                 tz: str, reason: str):
        super().__init__(ticket_id, by, at, version, changes, tz)
        self.reason = reason
        Exception.__init__(self, str(self) + " " + _("Now: {why}").format(why=reason))
