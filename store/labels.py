"""Human words for ticket fields and their values, as audit events record them.

Used wherever a change is shown to a person (the conflict message, the
timeline, the command line): never a column name such as ``fee_cents``."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from .i18n import _
from .models import category_label, channel_label, priority_label, wait_reason_label
from .rules import status_label
from .text import clean
from .timeutil import from_db

# Bookkeeping columns a person does not need to see in a change.
INTERNAL_FIELDS = frozenset({"paused_from"})


def field_label(key: str) -> str:
    return {
        "status": _("status"), "priority": _("priority"), "technician_id": _("technician"),
        "first_response_at": _("first response"), "assigned_at": _("assigned"),
        "arrived_at": _("arrived"), "arrival_mode": _("work started"),
        "resolved_at": _("resolved"), "closed_at": _("closed"), "cancelled_at": _("cancelled"),
        "paused_from": _("paused from"), "wait_reason": _("waiting on"), "symptom": _("symptom"),
        "cause": _("cause"), "action": _("action taken"), "parts": _("parts"), "signoff": _("signed off by"),
        "fee_cents": _("fee"), "cancel_reason": _("cancel reason"), "reason": _("reason"), "note": _("note"),
        "reporter": _("reporter"), "phone": _("phone"), "site_id": _("site"), "equipment_id": _("equipment"),
        "category": _("category"), "description": _("fault"), "channel": _("channel"),
        "reported_at": _("reported"),
    }.get(key, key.replace("_", " "))


def value_text(key: str, value: object, tz: str, names: Mapping[int, str] | None = None) -> str:
    """One value, formatted for a person and safe for a terminal (one line)."""
    if value is None or value == "":
        return "—"
    if key == "technician_id" and isinstance(value, int):
        value = (names or {}).get(value, f"#{value}")
    elif key.endswith("_at") and isinstance(value, str):
        when = from_db(value)
        value = when.in_timezone(tz).format("MM-DD HH:mm") if when else value
    elif key in ("status", "paused_from"):
        value = status_label(str(value))
    elif key == "arrival_mode":
        value = {"onsite": _("on site"), "remote": _("remote")}.get(str(value), value)
    elif key == "wait_reason":
        value = wait_reason_label(str(value))
    elif key == "priority" and isinstance(value, int):
        value = priority_label(value)
    elif key == "category":
        value = category_label(str(value))
    elif key == "channel":
        value = channel_label(str(value))
    elif key == "fee_cents" and isinstance(value, int):
        value = f"{Decimal(value) / 100:,.2f}"
    return clean(str(value), single_line=True)


def change_text(key: str, old: object, new: object, tz: str, names: Mapping[int, str] | None = None,
                width: int = 40) -> str:
    """``field: old → new`` with each value cut to ``width`` characters."""
    return f"{field_label(key)}: {value_text(key, old, tz, names)[:width]} → {value_text(key, new, tz, names)[:width]}"
