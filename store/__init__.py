"""The SQLite layer of Dispatch Console: schema, queries, domain rules.

Never imports textual (a test proves it), so every rule runs without a terminal.
"""

from .errors import (
    DatabaseFileError,
    NotFound,
    PermissionDenied,
    RuleViolation,
    StaleTicket,
    StoreError,
    ValidationFailed,
)
from .i18n import _
from .models import QueueCounts, QueueFilter, QueueRow, Technician, Ticket
from .store import Store

__all__ = [
    "DatabaseFileError", "NotFound", "PermissionDenied", "QueueCounts", "QueueFilter",
    "QueueRow", "RuleViolation", "StaleTicket", "Store", "StoreError", "Technician",
    "Ticket", "ValidationFailed", "_",
]
