"""Editing a ticket's intake fields, merged with what others wrote meanwhile.

An edit names the version it was based on and the fields the person changed.
On that version it is written as is. On a later one (someone saved first) the
fields are merged (store/rules/merge.py): a field only this person changed is
written on top of the other changes, in one write whose audit event records
``merged`` (the version, the others' fields, who); a field both changed to
different values raises EditConflict and nothing is saved. The ticket must
still be editable in its state now (a cancelled ticket is not)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pendulum import DateTime

from ..database import Tx
from ..errors import EditConflict, RuleViolation, StaleTicket, ValidationFailed
from ..i18n import _, ngettext
from ..inputs import NewTicket
from ..models import Ticket, validate
from ..rules import lifecycle as rules
from ..rules import merge as merge_rules
from ..rules.history import field_label
from ..timeutil import from_db
from .ticket_steps import later_events

# What an edit may change (the rest is the lifecycle's, through its own actions).
EDITABLE = ("priority", "category", "description", "reporter", "phone", "site_id", "equipment_id")
EDIT_REASON_MAX = 1000  # a priority change's reason, as long as a cancel's


@dataclass(frozen=True)
class Edited:
    ticket: Ticket
    merged: merge_rules.Merged | None  # what others changed since the version seen, kept


class TicketEdit:
    """One edit's ``apply`` for TicketsRepo._change, and what it merged."""

    def __init__(self, ticket_id: int, version: int, changes: dict[str, Any], reason: str,
                 repeat_of: Callable[[int, DateTime], int | None],
                 stale: Callable[[Tx, dict[str, Any], int, DateTime], StaleTicket]):
        """``repeat_of``: the earlier repair a fault on that equipment repeats;
        ``stale``: the StaleTicket for a version the events do not lead from."""
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise ValidationFailed({k: _("cannot be edited") for k in sorted(unknown)})
        self.ticket_id, self.version, self.changes = ticket_id, version, changes
        self.repeat_of, self.stale = repeat_of, stale
        self.reason = reason.strip()
        self.note: dict[str, Any] = {"reason": self.reason}
        self.merged: merge_rules.Merged | None = None

    def apply(self, tx: Tx, row: dict[str, Any], now: DateTime) -> dict[str, Any]:
        rules.check_edit(row["status"])
        later = later_events(tx, self.ticket_id, row["version"] - self.version)
        if len(later) != row["version"] - self.version:  # writes with no event (a bulk load): not merged
            raise self.stale(tx, row, self.version, now)
        base = merge_rules.original(row, later)
        # What the person asked for, by the intake rules, on top of what they saw.
        seen: NewTicket = validate(NewTicket, {k: base[k] for k in ("channel", *EDITABLE)} | self.changes)
        yours = {k: getattr(seen, k) for k in self.changes}
        if not any(yours[k] != base[k] for k in yours):
            raise RuleViolation(_("Nothing to save: no field was changed."))
        outcome = merge_rules.merge(base, row, yours)
        if later:
            theirs = merge_rules.changed_fields(later, base, row)
            self.merged = merge_rules.Merged(self.version, theirs, merge_rules.actors(later, theirs))
            if outcome.conflicts:
                raise EditConflict(self.ticket_id, row["version"], merge_rules.actors(later, outcome.conflicts),
                                   outcome.conflicts, [field_label(k) for k in outcome.conflicts])
            self.note["merged"] = self.merged.record()
        out = outcome.write
        if not out:  # the others already made this very change
            return out
        inp: NewTicket = validate(NewTicket, {k: row[k] for k in ("channel", *EDITABLE)} | out)
        if "priority" in out and not self.reason:
            raise ValidationFailed.one("reason", _("a priority change needs a reason"))
        if len(self.reason) > EDIT_REASON_MAX:
            raise ValidationFailed.one("reason", ngettext(
                "at most {n} character", "at most {n} characters", EDIT_REASON_MAX).format(n=EDIT_REASON_MAX))
        if not ({"site_id", "equipment_id"} & set(out)):
            return out
        if tx.execute("SELECT 1 FROM sites WHERE id = ?", (inp.site_id,)).fetchone() is None:
            raise ValidationFailed.one("site_id", _("no such site"))
        if inp.equipment_id is not None:
            eq = tx.execute("SELECT site_id FROM equipment WHERE id = ?", (inp.equipment_id,)).fetchone()
            if eq is None:
                raise ValidationFailed.one("equipment_id", _("no such equipment"))
            if eq[0] != inp.site_id:
                raise ValidationFailed.one("equipment_id", _("this equipment is at another site"))
        if "equipment_id" in out:  # a second repair follows the equipment
            found = None if inp.equipment_id is None else self.repeat_of(
                inp.equipment_id, from_db(row["reported_at"]))
            out["repeat_of"] = None if found == self.ticket_id else found
        return out
