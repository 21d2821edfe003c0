"""The longest text each kind of field takes, as the store validates it.

The forms stop taking text at these lengths while it is typed (and say so),
so a long paste is cut where the store would refuse it anyway. Most limits
are read from the input models' own ``max_length``; the others are checked
by hand in the store and named here with where they are checked.
``tests/test_field_lengths.py`` proves the store accepts each limit and
refuses one character more."""

from __future__ import annotations

from annotated_types import MaxLen
from pydantic import BaseModel

from .repo.items import TEXT_MAX as ITEM_TEXT_MAX  # improvement items and complaints (repo/items.py _text)
from .repo.ticket_edit import EDIT_REASON_MAX  # the reason of a priority change (repo/ticket_edit.py)
from .repo.tickets import NOTE_MAX  # a work note (repo/tickets.py add_note)

LOGIN_MAX = 64  # repo/users.py _LOGIN
USER_NAME_MAX = 120  # repo/users.py _check_name
COMPLAINANT_MAX = 120  # repo/complaints.py add_complaint
HOLIDAY_NAME_MAX = 80  # calendar.py holiday_name
# A stated time ("11-25 14:05", "yesterday 21:00"), a fee, a ticket number, a
# path: not limited by the store, but nothing longer is ever meant.
STATED_TIME_MAX = 40
FEE_MAX_CHARS = 20
NUMBER_MAX = 12
PATH_MAX = 4096
SEARCH_MAX = 120  # what a pick list searches for: the longest name it can find
CALENDAR_LINE_MAX = 400  # a day's periods (at most 12) or a holiday's dates and name

__all__ = ["COMPLAINANT_MAX", "EDIT_REASON_MAX", "HOLIDAY_NAME_MAX", "ITEM_TEXT_MAX", "LOGIN_MAX", "NOTE_MAX",
           "USER_NAME_MAX", "max_length"]


def max_length(model: type[BaseModel], field: str) -> int:
    """The ``max_length`` the input model gives ``field`` (0 if it has none)."""
    info = model.model_fields[field]
    return next((m.max_length for m in info.metadata if isinstance(m, MaxLen)), 0)
