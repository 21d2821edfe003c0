"""A ticket's clocks explained (docs/rules.md "Explaining a clock"): the
inputs the SLA clocks take (the ticket, its holds, the policy and calendar
in force), with what the audit log adds (who put each hold and why, stated
times, priority changes, settings changed after the report), handed to the
pure store/rules/explain.py. Reads only."""

from __future__ import annotations

import json
from typing import Any

from pendulum import DateTime

from ..context import Context
from ..database import Database
from ..errors import NotFound
from ..i18n import _
from ..rules.derive import FACTS
from ..rules.explain import Hold, PriorityChange, SettingChange, Step, TicketExplanation, explain_clock
from ..rules.sla import CLOCKS
from ..timeutil import from_db, to_db
from .settings import SettingsRepo

_MET_AT = {"response": "first_response_at", "onsite": "arrived_at", "resolve": "resolved_at"}
_STEPS = ("ticket.create", "ticket.assign", "ticket.reassign", "ticket.respond", "ticket.arrive", "ticket.pause",
          "ticket.resume", "ticket.resolve", "ticket.edit", "ticket.close", "ticket.cancel")


class ExplainRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo):
        self.db, self.ctx, self.settings = db, ctx, settings

    def ticket(self, ticket_id: int, at: DateTime | None = None) -> TicketExplanation:
        """``at``: the instant the verdicts are given at (default now; a
        report's: the end of its period, or now for the current one)."""
        rows = self.db.q("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        if not rows:
            raise NotFound(_("No ticket #{id}").format(id=ticket_id))
        row = dict(rows[0])
        events = [dict(r) for r in self.db.q(
            "SELECT id, at, actor, action, old, new FROM events WHERE ticket_id = ? ORDER BY id", (ticket_id,))]
        for e in events:
            e["old"], e["new"] = json.loads(e["old"] or "{}"), json.loads(e["new"] or "{}")
        reported = from_db(row["reported_at"])
        assert reported is not None
        tz = self.settings.timezone
        now = at or self.ctx.now()
        holds = self._holds(ticket_id, events)
        steps = _steps(events, reported)
        changes = [PriorityChange(from_db(e["at"]), int(e["old"]["priority"]), int(e["new"]["priority"]),
                                  str(e["new"].get("reason") or ""), e["actor"])
                   for e in events if e["action"] == "ticket.edit" and "priority" in e["new"] and "priority" in e["old"]]
        policy = self.settings.policy()[row["priority"]]
        calendar = self.settings.calendar()
        clocks = [explain_clock(c, row["priority"], policy.window_s(c), reported, from_db(row[_MET_AT[c]]), holds,
                                calendar, tz, now, steps, changes) for c in CLOCKS]
        return TicketExplanation(
            ticket_id=ticket_id, priority=row["priority"], status=row["status"], is_open=bool(row["is_open"]),
            timezone=tz, now=now, clocks=clocks, changes=self._setting_changes(reported),
            facts={k: row.get(k) for k in FACTS}, last_write=from_db(row["updated_at"]),
            reported_entered=next((from_db(e["at"]) for e in events if e["action"] == "ticket.create"
                                   and from_db(e["at"]) != reported), None))

    def _holds(self, ticket_id: int, events: list[dict[str, Any]]) -> list[Hold]:
        """The stored holds, each with the hold event that put it (the n-th
        hold row is the n-th ``ticket.pause`` event: one write made both) and
        the resume that ended it, for who and the stated times."""
        put = [e for e in events if e["action"] == "ticket.pause"]
        ended = [e for e in events if e["action"] in ("ticket.resume", "ticket.cancel")]
        out = []
        for i, r in enumerate(self.db.q(
                "SELECT reason, note, started_at, ended_at FROM pauses WHERE ticket_id = ? ORDER BY id", (ticket_id,))):
            start, end = from_db(r[2]), from_db(r[3])
            assert start is not None
            e = put[i] if i < len(put) else None
            # The event that ended it: the first resume or cancel after it was put.
            after = next((x for x in ended if e is not None and x["id"] > e["id"]), None) if end is not None else None
            out.append(Hold(start, end, r[0] or "", r[1] or "", e["actor"] if e else "",
                            _entered(e), _entered(after)))
        return out

    def _setting_changes(self, since: DateTime) -> list[SettingChange]:
        out = []
        for r in self.db.q("SELECT at, actor, action, new FROM events WHERE action IN ('settings.set', 'sla_policy.set')"
                           " AND at > ? ORDER BY id", (to_db(since),)):
            new = json.loads(r[3] or "{}")
            what = "sla" if r[2] == "sla_policy.set" else next((k for k in ("calendar", "timezone") if k in new), None)
            if what is not None:
                at = from_db(r[0])
                assert at is not None
                out.append(SettingChange(at, r[1], what))
        return out


def _entered(e: dict[str, Any] | None) -> DateTime | None:
    """When a stated time was typed in: the event's own time, if it states one."""
    if e is None or not e["new"].get("stated_at"):
        return None
    return from_db(str(e["at"]))


def _steps(events: list[dict[str, Any]], reported: DateTime) -> list[Step]:
    out = []
    for e in events:
        if e["action"] not in _STEPS:
            continue
        stated = from_db(e["new"].get("stated_at")) if e["new"].get("stated_at") else None
        at = reported if e["action"] == "ticket.create" else (stated or from_db(e["at"]))
        assert at is not None
        out.append(Step(at, e["action"], e["actor"], from_db(e["at"]) if stated else None))
    return out
