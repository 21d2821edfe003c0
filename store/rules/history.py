"""The ticket history in words: audit events as a dispatcher reads them.

Events keep raw column names and values (``first_response_at``, ``fee_cents``,
``technician_id``): the audit stays exact, and this module turns them into
labels, local times, money and names for display. Pure functions, used by the
detail screen, ``dispatch ticket`` and the conflict message alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pendulum import DateTime

from ..i18n import _
from ..labels import category_label, channel_label, priority_label, wait_reason_label
from ..models import Event
from ..money import DEFAULT_CURRENCY, format_money
from ..text import BLOCK_LIMIT, LINE_LIMIT, clean
from ..timeutil import from_db
from .countdown import clock_title
from .escalation import share_label
from .lifecycle import status_label
from .sla import CLOCKS


def verb(action: str, new: Mapping[str, Any]) -> str:
    """What happened, as a word: ticket.assign -> "assigned"."""
    if action == "ticket.arrive" and new.get("arrival_mode") == "remote":
        return _("started remote work")
    return {
        "ticket.create": _("logged"),
        "ticket.assign": _("assigned"),
        "ticket.reassign": _("reassigned"),
        "ticket.respond": _("responded"),
        "ticket.arrive": _("arrived"),
        "ticket.pause": _("put on hold"),
        "ticket.resume": _("resumed"),
        "ticket.resolve": _("resolved"),
        "ticket.close": _("closed"),
        "ticket.cancel": _("cancelled"),
        "ticket.edit": _("edited"),
        "ticket.note": _("note"),
        "ticket.notified": _("technician notified"),
        "notify.queue": _("message queued"),
        "escalation.fire": _("escalated"),
        "escalation.ack": _("escalation acknowledged"),
        "ticket.invoice": _("invoice recorded"),
        "ticket.invoice_check": _("invoice checked"),
    }.get(action, action)


def field_label(key: str) -> str:
    return {
        "status": _("Status"), "priority": _("Priority"), "channel": _("Channel"),
        "reporter": _("Reporter"), "phone": _("Phone"), "site_id": _("Site"),
        "equipment_id": _("Equipment"), "category": _("Category"), "description": _("Description"),
        "reported_at": _("Reported"), "created_by": _("Logged by"), "repeat_of": _("Repeats"),
        "technician_id": _("Technician"), "assigned_at": _("Assigned"),
        "first_response_at": _("First response"), "arrived_at": _("Arrived"),
        "arrival_mode": _("Where"), "wait_reason": _("Hold reason"), "resolved_at": _("Resolved"),
        "symptom": _("Symptom"), "cause": _("Cause"), "action": _("Action"), "parts": _("Parts"),
        "closed_at": _("Closed"), "signoff": _("Signed off by"), "fee_cents": _("Fee"),
        "cancelled_at": _("Cancelled"), "cancel_reason": _("Reason"), "reason": _("Reason"),
        "note": _("Note"), "stated_at": _("Time stated"), "notified_at": _("Technician notified"),
        "merged": _("Merged with"),
        "fee_proposed_cents": _("Proposed fee"), "fee_reason": _("Why the fee differs"), "invoice_no": _("Invoice"),
    }.get(key, key)


def money(cents: int | Decimal, currency: str = DEFAULT_CURRENCY) -> str:
    """Whole cents as money, written as everywhere (store/money.py): 12050 -> ¥120.50."""
    return format_money(Decimal(cents) / 100, currency)


def short_time(at: DateTime, tz: str, ref: DateTime) -> str:
    """Local time, as short as stays unambiguous next to ``ref``: the clock
    alone on the same local day, month and day in the same year."""
    local, ref = at.in_timezone(tz), ref.in_timezone(tz)
    if local.date() == ref.date():
        return local.format("HH:mm")
    return local.format("MM-DD HH:mm" if local.year == ref.year else "YYYY-MM-DD HH:mm")


@dataclass(frozen=True)
class Names:
    """Id -> name lookups for the values an event holds as ids."""

    technicians: Mapping[int, str]
    sites: Mapping[int, str]
    equipment: Mapping[int, str]
    currency: str = DEFAULT_CURRENCY  # the setting, for a fee


def value_text(key: str, v: Any, names: Names, tz: str, at: DateTime, arrival: str | None = None) -> str:
    """One recorded value in words, one line, safe for a terminal; times relative to ``at``."""
    if v is None or v == "":
        return "—"
    if key == "status":
        return status_label(str(v), arrival)
    if key == "priority" and isinstance(v, int):
        return priority_label(v)
    if key == "category":
        return category_label(str(v))
    if key == "channel":
        return channel_label(str(v))
    if key == "wait_reason":
        return wait_reason_label(str(v))
    if key == "arrival_mode":
        return status_label("onsite", str(v))
    if key in ("fee_cents", "fee_proposed_cents") and isinstance(v, int | Decimal) and not isinstance(v, bool):
        return money(v, names.currency)
    if key == "repeat_of":
        return f"#{v}"
    lookup = {"technician_id": names.technicians, "site_id": names.sites,
              "equipment_id": names.equipment}.get(key)
    if lookup is not None and isinstance(v, int):
        return clean(lookup.get(v, f"#{v}"), single_line=True, limit=BLOCK_LIMIT)
    if key == "merged" and isinstance(v, dict):  # store/rules/merge.py Merged.record
        return merged_text(v)
    if key.endswith("_at") and isinstance(v, str):
        when = from_db(v)
        if when is not None:
            return short_time(when, tz, at)
    if isinstance(v, bool):
        return _("yes") if v else _("no")
    return clean(str(v), single_line=True, limit=BLOCK_LIMIT)



# Fields that repeat what another field of the same event already says:
# ``paused_from`` is the status a resume returns to (the status change shows
# it), and the arrival mode is in the status label ("remote"). ``row``: the
# columns an event records only for the audit check (store/rules/ledger.py).
# The fee's items are the detail's (a list, not a line), and an invoice's who
# and when are the entry's own actor and time.
HIDDEN = frozenset({"paused_from", "row", "fee_items", "invoice_at", "invoice_by", "invoice_checked_at",
                    "invoice_checked_by"})
# What a new ticket's first entry shows: the rest is in the fields above.
_CREATE_FIELDS = ("priority", "category", "channel", "repeat_of", "description")


@dataclass(frozen=True)
class Entry:
    at: DateTime
    actor: str
    verb: str
    changes: list[str]


def mode_before(events: list[Event], mode: str | None = None) -> str | None:
    """The arrival mode in force after ``events`` (cheap: no words built)."""
    for e in events:
        mode = e.new.get("arrival_mode", mode)
    return mode


def entries(events: list[Event], names: Names, tz: str, mode: str | None = None) -> list[Entry]:
    """The timeline in order. Walks the events so that a status is labelled
    with the arrival mode in force at that moment ("remote", not "on site");
    ``mode``: the one in force before the first (a later page of a long history)."""
    out: list[Entry] = []
    for e in events:
        new_mode = e.new.get("arrival_mode", mode)
        if e.action == "stock.use":  # parts used on the ticket (store/repo/parts.py): what, how many, what they cost
            out.append(Entry(e.at, clean(e.actor, single_line=True, limit=LINE_LIMIT), _("parts used"),
                             [_stock_use(e.new)]))
            continue

        special = _SPECIAL.get(e.action)
        if special is not None:  # escalations and messages: what they say, not their stored columns
            out.append(Entry(e.at, clean(e.actor, single_line=True, limit=LINE_LIMIT), verb(e.action, e.new),
                             special(e.new, names)))
            continue
        if e.action == "ticket.create":
            keys = [k for k in _CREATE_FIELDS if e.new.get(k) not in (None, "")]
        else:
            keys = [k for k in e.new if k not in HIDDEN]
            if "status" in keys and "arrival_mode" in keys:
                keys.remove("arrival_mode")
        changes = []
        for k in keys:
            v = e.new[k]
            if v in (None, "") and e.old.get(k) in (None, ""):
                continue  # nothing set, nothing cleared: an empty optional field
            label = field_label(k)
            if e.old.get(k) not in (None, ""):
                changes.append(f"{label}: {value_text(k, e.old[k], names, tz, e.at, mode)} → {value_text(k, v, names, tz, e.at, new_mode)}")
            else:
                changes.append(f"{label}: {value_text(k, v, names, tz, e.at, new_mode)}")
        out.append(Entry(e.at, clean(e.actor, single_line=True, limit=LINE_LIMIT), verb(e.action, e.new), changes))
        mode = new_mode
    return out


def _recipient(key: str, names: Names) -> str:
    """``user:LOGIN`` / ``technician:ID`` (an outbox row's recipient) as a name."""
    kind, _sep, who = key.partition(":")
    if kind == "technician" and who.isdigit():
        who = names.technicians.get(int(who), f"#{who}")
    return clean(who, single_line=True, limit=LINE_LIMIT)


def _queued(new: Mapping[str, Any], names: Names) -> list[str]:
    rows = new.get("outbox") or []
    to = ", ".join(_recipient(str(r.get("recipient", "")), names) for r in rows if isinstance(r, Mapping))
    return [_("to {who}").format(who=to)] if to else []


def _escalated(new: Mapping[str, Any], names: Names) -> list[str]:
    clock, at = str(new.get("clock", "")), new.get("at")
    head = f"↑{new.get('level', '?')} {clock_title(clock) if clock in CLOCKS else clock}"
    if isinstance(at, int | float) and not isinstance(at, bool):
        head += f": {share_label(float(at))}"
    who = new.get("recipients") or []
    if isinstance(who, str):  # recorded as the column holds it: a JSON list
        try:
            who = json.loads(who)
        except ValueError:
            who = [who]
    out = [clean(head, single_line=True, limit=LINE_LIMIT)]
    if isinstance(who, list) and who:
        out.append(_("to {who}").format(who=clean(", ".join(map(str, who)), single_line=True, limit=LINE_LIMIT)))
    return out


def _acknowledged(new: Mapping[str, Any], names: Names) -> list[str]:
    note = new.get("note")
    return [f"{field_label('note')}: {clean(str(note), single_line=True, limit=BLOCK_LIMIT)}"] if note else []


_SPECIAL = {"notify.queue": _queued, "escalation.fire": _escalated, "escalation.ack": _acknowledged}


def _stock_use(new: Mapping[str, Any]) -> str:
    m = new.get("move") or {}
    charge = _("under warranty") if m.get("charge") == "warranty" else _("charged")
    try:
        cost = format_money(Decimal(str(m.get("cost"))))
    except ArithmeticError:
        cost = "?"
    text = _("{code} × {n}, cost {cost}, {charge}").format(
        code=clean(str(new.get("part", "?")), single_line=True, limit=LINE_LIMIT), n=m.get("quantity", "?"),
        cost=cost, charge=charge)
    reason = m.get("reason")
    return f"{text} ({clean(str(reason), single_line=True, limit=LINE_LIMIT)})" if reason else text


def merged_text(record: Mapping[str, Any]) -> str:
    """A merge in words: "ann's change to Phone (from version 3)"."""
    by = ", ".join(clean(str(b), single_line=True, limit=LINE_LIMIT) for b in record.get("by") or [])
    fields = ", ".join(field_label(str(k)) for k in record.get("fields") or [])
    return clean(_("{by}'s change to {fields} (from version {version})").format(
        by=by, fields=fields or "—", version=record.get("version")), single_line=True, limit=BLOCK_LIMIT)


def change_text(key: str, old: Any, new: Any, names: Names, tz: str, at: DateTime, width: int = 40) -> str:
    """``Field: old → new`` (or ``Field: new``), each value cut to ``width`` characters."""
    if old in (None, ""):
        return f"{field_label(key)}: {value_text(key, new, names, tz, at)[:width]}"
    return f"{field_label(key)}: {value_text(key, old, names, tz, at)[:width]} → {value_text(key, new, names, tz, at)[:width]}"
