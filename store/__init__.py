"""The SQLite layer of Dispatch Console: schema, queries, domain rules.

Never imports textual (a test proves it), so every rule runs without a terminal.

The names below are loaded when first used (PEP 562): ``import store.errors``
or ``store.i18n`` runs this file first, and ``dispatch --help`` needs those
two, not the Store with its 26 repositories, pydantic and pendulum (most of
a second of a loaded machine's start-up: tests/test_lazy_cli.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_WHERE = {
    **dict.fromkeys(("DatabaseFileError", "NotFound", "PermissionDenied", "RuleViolation", "StaleTicket",
                     "StoreError", "ValidationFailed"), "errors"),
    "_": "i18n",
    **dict.fromkeys(("QueueCounts", "QueueFilter", "QueueRow", "Technician", "Ticket"), "models"),
    "Store": "store",
}

__all__ = [
    "DatabaseFileError", "NotFound", "PermissionDenied", "QueueCounts", "QueueFilter",
    "QueueRow", "RuleViolation", "StaleTicket", "Store", "StoreError", "Technician",
    "Ticket", "ValidationFailed", "_",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'store' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # once: the next look-up is a plain attribute
    return value
