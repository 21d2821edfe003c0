"""0006_callbacks: The satisfaction loop's tables: callback plans, callbacks, self-evaluations.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    """The satisfaction loop (docs/rules.md §5): the daily callback plans, the
    phone callbacks (one per closed ticket, a dispatcher's or a manager's) and
    the foremen's self-evaluations (one per closed ticket). The technician,
    team and closing day are copied in when planned or evaluated: a ticket
    counts for the team and month it was closed under, and the month's
    ranking reads these tables by day without scanning the tickets."""
    db.execute(
        "CREATE TABLE callback_plans ("
        " id INTEGER PRIMARY KEY,"
        " closed_day TEXT NOT NULL UNIQUE,"  # the day the tickets closed (site zone)
        " call_day TEXT NOT NULL,"
        " planned_by TEXT NOT NULL,"
        " planned_at TEXT NOT NULL,"
        " tickets INTEGER NOT NULL,"
        " manager_share REAL NOT NULL)"
    )
    db.execute(
        "CREATE TABLE callbacks ("
        " id INTEGER PRIMARY KEY,"
        " plan_id INTEGER NOT NULL REFERENCES callback_plans(id),"
        " ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
        " role TEXT NOT NULL CHECK (role IN ('dispatcher', 'manager')),"
        " evaluator TEXT NOT NULL,"
        " technician_id INTEGER NOT NULL,"
        " team_id INTEGER NOT NULL,"
        " closed_at TEXT NOT NULL,"
        " closed_day TEXT NOT NULL,"
        " due_day TEXT NOT NULL,"
        " status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'unreachable')),"
        " attempts INTEGER NOT NULL DEFAULT 0,"
        " carry_reason TEXT,"
        " rating TEXT CHECK (rating IN ('satisfied', 'basic', 'unsatisfied')),"
        " score INTEGER,"
        " contacted_within_hour INTEGER,"
        " polite INTEGER,"
        " impolite_note TEXT NOT NULL DEFAULT '',"
        " working INTEGER,"
        " notes TEXT NOT NULL DEFAULT '',"
        " logged_by TEXT,"
        " logged_at TEXT,"
        " item_id INTEGER,"
        " UNIQUE (ticket_id, role))"
    )
    # Exactly one phone callback per ticket, whichever role makes it.
    db.execute("CREATE UNIQUE INDEX callbacks_one_call ON callbacks(ticket_id)")
    db.execute("CREATE INDEX callbacks_mine ON callbacks(evaluator, status, due_day)")
    db.execute("CREATE INDEX callbacks_day ON callbacks(closed_day)")
    db.execute("CREATE INDEX callbacks_plan ON callbacks(plan_id)")
    db.execute(
        "CREATE TABLE self_evaluations ("
        " id INTEGER PRIMARY KEY,"
        " ticket_id INTEGER NOT NULL UNIQUE REFERENCES tickets(id),"
        " role TEXT NOT NULL DEFAULT 'foreman' CHECK (role = 'foreman'),"
        " foreman TEXT NOT NULL,"
        " technician_id INTEGER NOT NULL,"
        " team_id INTEGER NOT NULL,"
        " closed_at TEXT NOT NULL,"
        " closed_day TEXT NOT NULL,"
        " record_complete INTEGER NOT NULL,"
        " measures_right INTEGER NOT NULL,"
        " efficiency INTEGER NOT NULL,"
        " rating TEXT NOT NULL CHECK (rating IN ('satisfied', 'basic', 'unsatisfied')),"
        " score INTEGER NOT NULL,"
        " comment TEXT NOT NULL DEFAULT '',"
        " suggestion TEXT NOT NULL DEFAULT '',"
        " at TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX self_evaluations_day ON self_evaluations(closed_day)")
    # The day's closed tickets, for the plan (no scan of every ticket ever closed).
    db.execute("CREATE INDEX tickets_closed ON tickets(closed_at) WHERE closed_at IS NOT NULL")
