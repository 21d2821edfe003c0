"""Two reads a ticket step makes inside its own write transaction: the time
the step happened (now, or a time phoned in late, checked against the steps
before it), and, when the ticket changed under the user, those changes in
words for the StaleTicket message."""

from __future__ import annotations

import json
from typing import Any

from pendulum import DateTime

from ..database import Tx
from ..i18n import _
from ..rules.stated import check_stated, parse_stated
from ..timeutil import from_db, to_db
from .settings import SettingsRepo


def changes_since(tx: Tx, ticket_id: int, count: int, settings: SettingsRepo, now: DateTime) -> list[str]:
    """The last ``count`` changes of a ticket in words (each write bumps the version once)."""
    from ..rules.history import HIDDEN, Names, change_text

    rows = tx.execute(
        "SELECT old, new FROM events WHERE ticket_id = ? AND entity = 'ticket' AND action != 'ticket.create'"
        " ORDER BY id DESC LIMIT ?", (ticket_id, max(1, min(count, 5)))).fetchall()
    names = Names(dict(tx.execute("SELECT id, name FROM technicians").fetchall()), {}, {},
                  settings.currency)
    out: list[str] = []
    for r in reversed(rows):
        old, new = json.loads(r[0] or "{}"), json.loads(r[1] or "{}")
        out += [change_text(k, old.get(k), v, names, settings.timezone, now, 24) for k, v in new.items() if k not in HIDDEN]
    return out


def stated_time(tx: Tx, row: dict[str, Any], at: str | DateTime | None, now: DateTime, step: str,
                note: dict[str, Any], tz: str) -> DateTime:
    """The time a step happened: now, or the stated time once checked
    against the steps before it. The audit event keeps its own time (when
    it was entered) and gets ``stated_at``."""
    when = parse_stated(at, tz, now)
    if when is None:
        return now
    ended, started = tx.execute(
        "SELECT MAX(ended_at), MAX(CASE WHEN ended_at IS NULL THEN started_at END) FROM pauses WHERE ticket_id = ?",
        (row["id"],)).fetchone()
    def t(key: str) -> DateTime | None:
        stored: str | None = row[key]
        return from_db(stored)

    after = [(_("the report"), t("reported_at"))]
    if step in ("arrive", "hold", "resolve"):
        after += [(_("the assignment"), t("assigned_at")), (_("the end of the hold"), from_db(ended))]
    if step in ("hold", "resolve"):
        after.append((_("the arrival"), t("arrived_at")))
    if step == "resume":
        after.append((_("the start of the hold"), from_db(started)))
    check_stated(when, now, after, tz)
    note["stated_at"] = to_db(when)
    return when


def later_events(tx: Tx, ticket_id: int, count: int) -> list[dict[str, Any]]:
    """The last ``count`` writes to a ticket, oldest first, ``old``/``new`` parsed:
    the changes since the version a stale write was based on."""
    if count <= 0:
        return []
    rows = tx.execute(
        "SELECT actor, at, action, old, new FROM events WHERE ticket_id = ? AND entity = 'ticket'"
        " AND action != 'ticket.create' ORDER BY id DESC LIMIT ?", (ticket_id, count)).fetchall()
    return [{"actor": r[0], "at": r[1], "action": r[2], "old": json.loads(r[3] or "{}"),
             "new": json.loads(r[4] or "{}")} for r in reversed(rows)]
