"""0020_inspections: preventive inspections (issue 25, docs/rules.md "Inspections").

- ``inspection_plans``: one plan, for one site or one piece of equipment
  (exactly one of ``site_id``/``equipment_id``), every month, quarter or
  ``days``; ``starts``/``ends`` are the site's days (YYYY-MM-DD);
  ``checklists`` a JSON object {equipment category: [item, …]};
  ``retired_at`` set when the plan stops making visits; ``version`` counts edits.
- ``inspection_visits``: one visit a scheduler run made. UNIQUE (plan_id,
  due): two runs at once, or one run twice, make each visit once (the second
  INSERT OR IGNORE is a no-op). ``equipment`` the pieces it covers (a JSON
  list of ids, fixed when the visit is made), ``done_at`` once every one of
  them has its checklist recorded. Its own due date: no fault clocks.
- ``inspection_results``: one piece of equipment's checklist on one visit
  (``results`` JSON [{key, outcome, value, note}], ``findings`` the failed items).
- ``inspection_findings``: a failed item that opened a repair ticket; one
  repair per failed item, and a ticket is the repair of at most one finding.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    for sql in (
        "CREATE TABLE inspection_plans ("
        " id INTEGER PRIMARY KEY,"
        " site_id INTEGER REFERENCES sites(id),"
        " equipment_id INTEGER REFERENCES equipment(id),"
        " every TEXT NOT NULL CHECK (every IN ('month', 'quarter', 'days')),"
        " days INTEGER,"
        " starts TEXT NOT NULL,"
        " ends TEXT,"
        " team_id INTEGER NOT NULL REFERENCES teams(id),"
        " notice_days INTEGER NOT NULL DEFAULT 3,"
        " checklists TEXT NOT NULL DEFAULT '{}',"
        " retired_at TEXT,"
        " version INTEGER NOT NULL DEFAULT 1,"
        " CHECK ((site_id IS NULL) <> (equipment_id IS NULL)))",
        "CREATE TABLE inspection_visits ("
        " id INTEGER PRIMARY KEY,"
        " plan_id INTEGER NOT NULL REFERENCES inspection_plans(id),"
        " due TEXT NOT NULL,"
        " notify_on TEXT NOT NULL,"
        " made_at TEXT NOT NULL,"
        " equipment TEXT NOT NULL DEFAULT '[]',"
        " done_at TEXT,"
        " done_by TEXT,"
        " UNIQUE (plan_id, due))",
        # The due screen: the visits not done yet, by due date.
        "CREATE INDEX inspection_visits_open ON inspection_visits (due) WHERE done_at IS NULL",
        # The figures: visits due in a period.
        "CREATE INDEX inspection_visits_due ON inspection_visits (due, done_at)",
        "CREATE TABLE inspection_results ("
        " id INTEGER PRIMARY KEY,"
        " visit_id INTEGER NOT NULL REFERENCES inspection_visits(id),"
        " equipment_id INTEGER NOT NULL REFERENCES equipment(id),"
        " category TEXT NOT NULL,"
        " results TEXT NOT NULL DEFAULT '[]',"
        " findings INTEGER NOT NULL DEFAULT 0,"
        " at TEXT NOT NULL,"
        " by TEXT NOT NULL,"
        " UNIQUE (visit_id, equipment_id))",
        "CREATE TABLE inspection_findings ("
        " id INTEGER PRIMARY KEY,"
        " visit_id INTEGER NOT NULL REFERENCES inspection_visits(id),"
        " equipment_id INTEGER NOT NULL REFERENCES equipment(id),"
        " item TEXT NOT NULL,"
        " ticket_id INTEGER NOT NULL UNIQUE REFERENCES tickets(id),"
        " UNIQUE (visit_id, equipment_id, item))",
    ):
        db.execute(sql)
