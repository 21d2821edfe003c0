"""Migration steps from 0006 on: the satisfaction loop's tables, the audit
chain, and the indexes reports and filters read (the list is in schema.py).

Never edit a released step: a later feature adds a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def m0006_callbacks(db: sqlite_utils.Database) -> None:
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


def m0007_items(db: sqlite_utils.Database) -> None:
    """Improvement items (docs/rules.md §6) and complaints (§7). An item comes from
    an unsatisfied callback or a complaint, at most one per source; states and
    steps are the words in store/improve.py. ``due_date`` is the site's local
    date of the fault-analysis meeting (setting meeting_day)."""
    db.execute(
        "CREATE TABLE improvement_items ("
        " id INTEGER PRIMARY KEY,"
        " ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
        " team_id INTEGER NOT NULL REFERENCES teams(id),"
        " foreman TEXT,"
        " source TEXT NOT NULL CHECK (source IN ('callback', 'complaint')),"
        " source_id INTEGER NOT NULL,"
        " opened_at TEXT NOT NULL,"
        " due_date TEXT NOT NULL,"
        " state TEXT NOT NULL DEFAULT 'open'"
        "  CHECK (state IN ('open', 'followed_up', 'proposed', 'submitted', 'confirmed')),"
        " weak_points TEXT,"
        " measures TEXT,"
        " sent_back_reason TEXT,"
        " confirmed_by TEXT,"
        " confirmed_at TEXT,"
        " version INTEGER NOT NULL DEFAULT 1,"
        " UNIQUE (source, source_id))"
    )
    db.execute("CREATE INDEX improvement_items_team ON improvement_items (team_id, state)")
    db.execute("CREATE INDEX improvement_items_due ON improvement_items (state, due_date)")
    db.execute(
        "CREATE TABLE complaints ("
        " id INTEGER PRIMARY KEY,"
        " ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
        " received_at TEXT NOT NULL,"
        " registered_by TEXT NOT NULL,"
        " complainant TEXT NOT NULL,"
        " matter TEXT NOT NULL,"
        " state TEXT NOT NULL DEFAULT 'registered'"
        "  CHECK (state IN ('registered', 'accepted', 'investigated', 'handled', 'followed_up', 'closed')),"
        " accepted_at TEXT, investigated_at TEXT, handled_at TEXT, followed_up_at TEXT, closed_at TEXT,"
        " findings TEXT,"
        " plan TEXT,"
        " informed INTEGER NOT NULL DEFAULT 0,"
        " follow_up TEXT,"
        " analysis TEXT,"
        " item_id INTEGER REFERENCES improvement_items(id),"
        " version INTEGER NOT NULL DEFAULT 1)"
    )
    db.execute("CREATE INDEX complaints_state ON complaints (state, received_at)")
    db.execute("CREATE INDEX complaints_ticket ON complaints (ticket_id)")


EVENTS_NO_UPDATE = ("CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
                    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
EVENTS_NO_DELETE = ("CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
                    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
AUDIT_BACKFILL_BATCH = 5000


def m0008_audit_chain(db: sqlite_utils.Database) -> None:
    """Tamper-evident history (store/audit.py): every event gets ``prev`` (the
    hash of the event before it) and ``hash`` (over ``prev`` and its content),
    chained in id order from the first event. The append-only triggers come
    off only for the back-fill, inside this migration's transaction, and go
    back exactly as they were. Tickets already there with no history of their
    own (bulk loads before this step) are recorded as one baseline event, so
    the check can tell them from tickets slipped in later."""
    from .audit import FIELDS, GENESIS, link

    conn = db.conn
    conn.execute("ALTER TABLE events ADD COLUMN prev TEXT")
    conn.execute("ALTER TABLE events ADD COLUMN hash TEXT")
    conn.execute("DROP TRIGGER IF EXISTS events_no_update")
    conn.execute("DROP TRIGGER IF EXISTS events_no_delete")
    prev, last_id = GENESIS, 0
    cols = ", ".join(FIELDS)
    while True:
        rows = conn.execute(f"SELECT id, {cols} FROM events WHERE id > ? ORDER BY id LIMIT ?",
                            (last_id, AUDIT_BACKFILL_BATCH)).fetchall()
        if not rows:
            break
        updates = []
        for r in rows:
            h = link(prev, tuple(r[1:]))
            updates.append((prev, h, r[0]))
            prev = h
        conn.executemany("UPDATE events SET prev = ?, hash = ? WHERE id = ?", updates)
        last_id = rows[-1][0]
    conn.execute(EVENTS_NO_UPDATE)
    conn.execute(EVENTS_NO_DELETE)
    from .repo.audit import baseline_event

    baseline_event(conn)


def m0009_report_indexes(db: sqlite_utils.Database) -> None:
    """The managers' figures read a period's tickets by when they were
    reported, resolved and cancelled, and the backlog at a period's end by the
    open tickets' report time (store/repo/reports.py): index ranges, not a scan
    of every ticket ever reported."""
    db.execute("CREATE INDEX IF NOT EXISTS tickets_reported ON tickets(reported_at)")
    db.execute("CREATE INDEX IF NOT EXISTS tickets_resolved ON tickets(resolved_at) WHERE resolved_at IS NOT NULL")
    db.execute("CREATE INDEX IF NOT EXISTS tickets_cancelled ON tickets(cancelled_at) WHERE cancelled_at IS NOT NULL")
    db.execute("CREATE INDEX IF NOT EXISTS tickets_open_reported ON tickets(reported_at) WHERE is_open = 1")
    db.execute("CREATE INDEX IF NOT EXISTS complaints_received ON complaints(received_at)")
    db.execute("CREATE INDEX IF NOT EXISTS improvement_items_due_date ON improvement_items(due_date)")


def m0010_filter_indexes(db: sqlite_utils.Database) -> None:
    """Filters and header counts that stay cheap at 100,000 open tickets.

    tickets_tech_queue: the unassigned, technician and team filters read
    their matches in queue order straight from the index (no sort of every
    match), and count them from it. tickets_status_queue: a status filter's
    count and the cursor's position in it, from the index alone. (Priority filters need no index: the
    queue key starts with the priority, so they are a range of tickets_queue.)

    queue_totals: the open and unassigned counts, kept by triggers in the
    writing transaction, so a poll reads one row instead of counting 100,000
    index entries (5 ms a poll, every poll in a busy center)."""
    conn = db.conn
    conn.execute("CREATE INDEX tickets_tech_queue ON tickets(technician_id, queue_key) WHERE is_open = 1")
    conn.execute("CREATE INDEX tickets_status_queue ON tickets(status, queue_key) WHERE is_open = 1")
    # The held clocks' counts read the index alone (SQLite reads the row for a
    # partial index's WHERE columns unless the index holds them): 7 ms -> 2.5 ms.
    conn.execute("DROP INDEX tickets_held")
    conn.execute(
        "CREATE INDEX tickets_held ON tickets(frozen_left_s, window_s, is_open, due_at, next_clock)"
        " WHERE is_open = 1 AND due_at IS NULL AND next_clock IS NOT NULL"
    )
    conn.execute(
        "CREATE TABLE queue_totals (id INTEGER PRIMARY KEY CHECK (id = 1), open INTEGER NOT NULL,"
        " unassigned INTEGER NOT NULL)"
    )
    # 0/1, never NULL: what one ticket adds to each count.
    is_open = "({t}.is_open IS 1)"
    unassigned = "({t}.is_open IS 1 AND {t}.technician_id IS NULL AND {t}.status IS NOT 'resolved')"

    def delta(sign: str, t: str) -> str:
        return (f"open = open {sign} {is_open.format(t=t)},"
                f" unassigned = unassigned {sign} {unassigned.format(t=t)}")

    conn.execute(
        "CREATE TRIGGER tickets_totals_insert AFTER INSERT ON tickets BEGIN "
        f"UPDATE queue_totals SET {delta('+', 'new')}; END"
    )
    conn.execute(
        "CREATE TRIGGER tickets_totals_update AFTER UPDATE OF is_open, technician_id, status ON tickets"
        f" WHEN {is_open.format(t='old')} IS NOT {is_open.format(t='new')}"
        f" OR {unassigned.format(t='old')} IS NOT {unassigned.format(t='new')}"
        f" BEGIN UPDATE queue_totals SET {delta('-', 'old')}; UPDATE queue_totals SET {delta('+', 'new')}; END"
    )
    conn.execute(
        "CREATE TRIGGER tickets_totals_delete AFTER DELETE ON tickets BEGIN "
        f"UPDATE queue_totals SET {delta('-', 'old')}; END"
    )
    conn.execute(
        "INSERT INTO queue_totals (id, open, unassigned) SELECT 1,"
        f" COALESCE(SUM({is_open.format(t='t')}), 0), COALESCE(SUM({unassigned.format(t='t')}), 0) FROM tickets t"
    )


def m0011_user_language(db: sqlite_utils.Database) -> None:
    """Each person's console language (issue 15): NULL follows the
    environment (DISPATCH_LANG, then LC_ALL/LC_MESSAGES/LANG); a value wins
    over it, so a shared desk PC shows each dispatcher their own."""
    db.execute("ALTER TABLE users ADD COLUMN language TEXT CHECK (language IN ('en', 'zh_Hans'))")


def m0012_held_totals(db: sqlite_utils.Database) -> None:
    """The rest of a poll's counts, kept by triggers in the writing transaction
    (issue 16: one poll that read a change, ≤ 10 ms at 100,000 open).

    queue_totals.held_breached / held_at_risk: clocks stopped while waiting
    keep the time they had left (frozen_left_s), so whether one counts as
    breached or at risk does not change with the time of day: a trigger can
    keep the two counts (2.5 ms a poll to count 20,000 held tickets).
    The at-risk share is the one of store/sla.py (0.25); a new share needs a
    new step that recounts.

    technician_load: each technician's open assigned/on-site/waiting tickets
    (the board's load), one row per technician instead of counting their
    tickets on every poll (3 ms for 12 technicians with 6,000 tickets each)."""
    from .sla import AT_RISK_SHARE

    conn = db.conn
    conn.execute("ALTER TABLE queue_totals ADD COLUMN held_breached INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE queue_totals ADD COLUMN held_at_risk INTEGER NOT NULL DEFAULT 0")
    # 0/1, never NULL: what one ticket adds to each count.
    held = "{t}.is_open IS 1 AND {t}.due_at IS NULL AND {t}.next_clock IS NOT NULL"
    breached = f"(({held} AND {{t}}.frozen_left_s <= 0) IS 1)"
    at_risk = (f"(({held} AND {{t}}.frozen_left_s > 0"
               f" AND {{t}}.frozen_left_s <= {{t}}.window_s * {AT_RISK_SHARE}) IS 1)")

    def delta(sign: str, t: str) -> str:
        return (f"held_breached = held_breached {sign} {breached.format(t=t)},"
                f" held_at_risk = held_at_risk {sign} {at_risk.format(t=t)}")

    changed = " OR ".join(f"{e.format(t='old')} IS NOT {e.format(t='new')}" for e in (breached, at_risk))
    conn.execute(
        "CREATE TRIGGER tickets_held_insert AFTER INSERT ON tickets"
        f" WHEN {breached.format(t='new')} OR {at_risk.format(t='new')}"
        f" BEGIN UPDATE queue_totals SET {delta('+', 'new')}; END"
    )
    conn.execute(
        "CREATE TRIGGER tickets_held_update AFTER UPDATE OF is_open, due_at, next_clock, frozen_left_s, window_s"
        f" ON tickets WHEN {changed}"
        f" BEGIN UPDATE queue_totals SET {delta('-', 'old')}; UPDATE queue_totals SET {delta('+', 'new')}; END"
    )
    conn.execute(
        "CREATE TRIGGER tickets_held_delete AFTER DELETE ON tickets"
        f" WHEN {breached.format(t='old')} OR {at_risk.format(t='old')}"
        f" BEGIN UPDATE queue_totals SET {delta('-', 'old')}; END"
    )
    # Nothing reads it now (it was for counting the held clocks on each poll).
    conn.execute("DROP INDEX IF EXISTS tickets_held")
    conn.execute(
        f"UPDATE queue_totals SET held_breached = (SELECT COALESCE(SUM({breached.format(t='t')}), 0) FROM tickets t),"
        f" held_at_risk = (SELECT COALESCE(SUM({at_risk.format(t='t')}), 0) FROM tickets t)"
    )

    # What one ticket adds to its technician's load (0/1, never NULL).
    load = "(({t}.is_open IS 1 AND {t}.technician_id IS NOT NULL AND {t}.status IN ('assigned', 'onsite', 'waiting')) IS 1)"
    conn.execute("CREATE TABLE technician_load (technician_id INTEGER PRIMARY KEY, open_load INTEGER NOT NULL)")
    add = ("INSERT INTO technician_load (technician_id, open_load) SELECT new.technician_id, 1"
           f" WHERE {load.format(t='new')} ON CONFLICT (technician_id) DO UPDATE SET open_load = open_load + 1;")
    remove = (f"UPDATE technician_load SET open_load = open_load - 1"
              f" WHERE technician_id = old.technician_id AND {load.format(t='old')};")
    conn.execute(f"CREATE TRIGGER tickets_load_insert AFTER INSERT ON tickets WHEN {load.format(t='new')}"
                 f" BEGIN {add} END")
    conn.execute(
        "CREATE TRIGGER tickets_load_update AFTER UPDATE OF is_open, technician_id, status ON tickets"
        f" WHEN {load.format(t='old')} IS NOT {load.format(t='new')} OR old.technician_id IS NOT new.technician_id"
        f" BEGIN {remove} {add} END"
    )
    conn.execute(f"CREATE TRIGGER tickets_load_delete AFTER DELETE ON tickets WHEN {load.format(t='old')}"
                 f" BEGIN {remove} END")
    conn.execute(
        "INSERT INTO technician_load (technician_id, open_load) SELECT technician_id, COUNT(*) FROM tickets"
        " WHERE is_open = 1 AND technician_id IS NOT NULL AND status IN ('assigned', 'onsite', 'waiting')"
        " GROUP BY technician_id"
    )


def m0014_sign_in_attempts(db: sqlite_utils.Database) -> None:
    """PIN sign-in has a limit (issue 21, store/auth.py): wrong PINs in a row,
    the moment the next try may be looked at (UTC, NULL: now), and whether the
    person is locked until a manager unlocks them. An upgraded file starts
    everyone at no failures, unlocked."""
    for sql in (
        "ALTER TABLE users ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0 CHECK (pin_failures >= 0)",
        "ALTER TABLE users ADD COLUMN pin_retry_at TEXT",
        "ALTER TABLE users ADD COLUMN pin_locked INTEGER NOT NULL DEFAULT 0 CHECK (pin_locked IN (0, 1))",
    ):
        db.execute(sql)
