"""The head office's PostgreSQL schema (issue 26), created and migrated by named
steps like the center's (store/migrations), recorded in ``hq_migrations``.

Contract (the head-office reports, store/hq/ and `dispatch hq`, rely on it):
- The mirror tables have the SAME names and column names as the center's SQLite
  tables, with a leading ``center TEXT NOT NULL`` (the center's code, `dispatch
  set center_code`) and a primary key of (center, the SQLite key). So the SQL of
  store/repo/reports.py and scores.py runs here with ``t.center = %s`` added.
- Timestamps stay the ISO-8601 UTC TEXT the center stores ("2026-11-25T09:00:00Z"),
  so month bounds and comparisons behave exactly as in SQLite. SQLite's INTEGER is
  bigint (booleans stay 0/1), REAL is double precision, TEXT is text; JSON stays text.
- ``centers``: one row per center: code, last_event_id, last_hash (the chain's
  head the head office holds), last_event_at (the time of that event), last_shipped_at
  (the head office's clock, timestamptz), events (how many the head office has moved past), digests (jsonb:
  the reference tables as last sent, store/hq/ship.py), name, and what the
  last run saw at the center when it started: seen_event_id, seen_event_at (the
  file's newest event) at seen_at (the lag: seen_event_id - last_event_id).
- ``hq_undelivered``: each center's assignment messages not delivered yet (pending)
  or given up (failed), as of its last run: outbox id, ticket id and state only,
  replaced whole by each run (store/hq/ship.py); why a ticket was never told.
- Never here: users (password/PIN hashes, sign-in attempts), notification URLs
  (sites.notify_urls, technicians.notify_urls), the outbox's addresses and
  messages (recipients, text, errors) and its other messages, escalations, the
  search (FTS) tables, handover notes, the numbers imported tickets had in the helpdesk
  they came from (tickets.external_ref, `dispatch import tickets`). Events are all there (the chain), but the
  old/new JSON only of ticket events (see store/hq/ship.py EVENT_CONTENT).

A released step is frozen: a new column at the center needs a new step here
(tests/test_hq_ship.py checks every shipped SQLite column has its column).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# SQLite table -> its columns as here (name type, …): schema 0024 of the center.
# Written out (not read from a file) so a step never changes once released.
COLUMNS_0001: dict[str, str] = {
    "events": (
        "id bigint, at text, actor text, action text, entity text, entity_id bigint, ticket_id bigint, "
        "old text, new text, entered_by text, prev text, hash text"),
    "tickets": (
        "id bigint, version bigint, status text, priority bigint, channel text, reporter text, phone text, "
        "site_id bigint, equipment_id bigint, category text, description text, reported_at text, "
        "created_by text, technician_id bigint, first_response_at text, assigned_at text, arrived_at text, "
        "arrival_mode text, resolved_at text, closed_at text, cancelled_at text, wait_reason text, "
        "paused_from text, symptom text, cause text, action text, parts text, signoff text, fee_cents bigint, "
        "cancel_reason text, repeat_of bigint, is_open bigint, next_clock text, due_at text, risk_at text, "
        "frozen_left_s double precision, window_s bigint, queue_key text, updated_at text, updated_by text, "
        "f_response_s double precision, f_response_ok bigint, f_response_late text, "
        "f_onsite_s double precision, f_onsite_ok bigint, f_onsite_late text, f_resolve_s double precision, "
        "f_resolve_ok bigint, f_resolve_late text, esc_due text, notified_at text, fee_items text, "
        "fee_proposed_cents bigint, fee_reason text, invoice_no text, invoice_at text, invoice_by text, "
        "invoice_checked_at text, invoice_checked_by text"),
    "pauses": (
        "id bigint, ticket_id bigint, reason text, note text, started_at text, ended_at text"),
    "callbacks": (
        "id bigint, plan_id bigint, ticket_id bigint, role text, evaluator text, technician_id bigint, "
        "team_id bigint, closed_at text, closed_day text, due_day text, status text, attempts bigint, "
        "carry_reason text, rating text, score bigint, contacted_within_hour bigint, polite bigint, "
        "impolite_note text, working bigint, notes text, logged_by text, logged_at text, item_id bigint"),
    "complaints": (
        "id bigint, ticket_id bigint, received_at text, registered_by text, complainant text, matter text, "
        "state text, accepted_at text, investigated_at text, handled_at text, followed_up_at text, "
        "closed_at text, findings text, plan text, informed bigint, follow_up text, analysis text, "
        "item_id bigint, version bigint"),
    "improvement_items": (
        "id bigint, ticket_id bigint, team_id bigint, foreman text, source text, source_id bigint, "
        "opened_at text, due_date text, state text, weak_points text, measures text, sent_back_reason text, "
        "confirmed_by text, confirmed_at text, version bigint"),
    "self_evaluations": (
        "id bigint, ticket_id bigint, role text, foreman text, technician_id bigint, team_id bigint, "
        "closed_at text, closed_day text, record_complete bigint, measures_right bigint, efficiency bigint, "
        "rating text, score bigint, comment text, suggestion text, at text"),
    "stock_moves": (
        "id bigint, at text, kind text, part_id bigint, location_id bigint, to_location_id bigint, "
        "quantity bigint, cost text, takes text, lot_id bigint, ticket_id bigint, technician_id bigint, "
        "equipment_category text, charge text, expected bigint, counted bigint, reason text"),
    "sites": (
        "id bigint, code text, name text, address text, contact text, retired bigint, language text"),
    "technicians": (
        "id bigint, name text, team_id bigint, phone text, skills text, on_duty bigint, retired bigint"),
    "teams": (
        "id bigint, name text, foreman_id bigint, retired bigint"),
    "equipment": (
        "id bigint, site_id bigint, asset_tag text, category text, model text, installed text, "
        "warranty_until text, retired bigint"),
    "sla_policy": (
        "priority bigint, response_min bigint, onsite_min bigint, resolve_min bigint"),
    "settings": (
        "key text, value text"),
    "parts": (
        "id bigint, code text, name text, category text, unit text, min_stock bigint, unit_cost text, "
        "equipment_categories text, version bigint"),
    "callback_plans": (
        "id bigint, closed_day text, call_day text, planned_by text, planned_at text, tickets bigint, "
        "manager_share double precision"),
    "inspection_plans": (
        "id bigint, site_id bigint, equipment_id bigint, every text, days bigint, starts text, ends text, "
        "team_id bigint, notice_days bigint, checklists text, retired_at text, version bigint"),
    "inspection_visits": (
        "id bigint, plan_id bigint, due text, notify_on text, made_at text, equipment text, done_at text, "
        "done_by text"),
    "inspection_results": (
        "id bigint, visit_id bigint, equipment_id bigint, category text, results text, findings bigint, "
        "at text, by text"),
    "inspection_findings": (
        "id bigint, visit_id bigint, equipment_id bigint, item text, ticket_id bigint"),
    "stock_locations": (
        "id bigint, kind text, technician_id bigint"),
    "stock_lots": (
        "id bigint, lot bigint, part_id bigint, location_id bigint, received_at text, quantity bigint, "
        "remaining bigint, unit_cost text"),}

# The SQLite key of each table (the primary key here is center + these).
KEYS: dict[str, tuple[str, ...]] = {t: ("id",) for t in COLUMNS_0001}
KEYS["sla_policy"] = ("priority",)
KEYS["settings"] = ("key",)


def columns(sql: str) -> list[tuple[str, str]]:
    """(name, type) of a column list as written above."""
    out = []
    for part in sql.split(","):
        name, typ = part.strip().split(" ", 1)
        out.append((name, typ))
    return out


def _0001_mirror(cur: Any) -> None:
    cur.execute("""CREATE TABLE centers (
        code text PRIMARY KEY, name text, last_event_id bigint NOT NULL DEFAULT 0,
        last_hash text NOT NULL, last_event_at text, last_shipped_at timestamptz,
        events bigint NOT NULL DEFAULT 0, digests jsonb NOT NULL DEFAULT '{}'::jsonb,
        seen_event_id bigint, seen_event_at text, seen_at timestamptz)""")
    for table, cols in COLUMNS_0001.items():
        body = ", ".join(f'"{n}" {t}' for n, t in columns(cols))
        key = ", ".join(f'"{k}"' for k in ("center", *KEYS[table]))
        cur.execute(f'CREATE TABLE "{table}" (center text NOT NULL, {body}, PRIMARY KEY ({key}))')
    # The month figures: a center's tickets by the time of each event (reports.py's
    # _REPORTED, _RESOLVED, closed, cancelled), second repairs, and the children by ticket.
    for col in ("reported_at", "resolved_at", "closed_at", "cancelled_at"):
        cur.execute(f"CREATE INDEX tickets_{col} ON tickets (center, {col})")
    cur.execute("CREATE INDEX tickets_open ON tickets (center, reported_at) WHERE is_open = 1")
    cur.execute("CREATE INDEX tickets_repeat_of ON tickets (center, repeat_of) WHERE repeat_of IS NOT NULL")
    cur.execute("CREATE INDEX tickets_technician ON tickets (center, technician_id, reported_at)")
    cur.execute("CREATE INDEX tickets_site ON tickets (center, site_id, reported_at)")
    for table in ("pauses", "callbacks", "complaints", "improvement_items", "self_evaluations", "stock_moves"):
        cur.execute(f"CREATE INDEX {table}_ticket ON {table} (center, ticket_id)")
    cur.execute("CREATE INDEX callbacks_closed_day ON callbacks (center, closed_day)")
    cur.execute("CREATE INDEX callbacks_plan ON callbacks (center, plan_id)")
    cur.execute("CREATE INDEX complaints_received ON complaints (center, received_at)")
    cur.execute("CREATE INDEX items_due ON improvement_items (center, due_date)")
    cur.execute("CREATE INDEX self_evaluations_day ON self_evaluations (center, closed_day)")
    cur.execute("CREATE INDEX events_at ON events (center, at)")
    cur.execute("CREATE INDEX events_ticket ON events (center, ticket_id) WHERE ticket_id IS NOT NULL")


def _0002_month_summaries(cur: Any) -> None:
    """Each center's month figures kept ready (store/hq/summary.py), made here for the centers already shipped."""
    from . import summary

    cur.execute(summary.TABLE)
    cur.execute(summary.HEADS)
    # The faults after an inspection (figures.py _fill_inspections): the few inspected pieces' tickets,
    # read by this index instead of a pass over every ticket of the period.
    cur.execute("CREATE INDEX tickets_equipment ON tickets (center, equipment_id, reported_at)")
    summary.rebuild(cur, names=summary.COLUMNS_0002)


def _0003_backlog_counts(cur: Any) -> None:
    """The month summaries' closed, cancelled and backlog counts (store/hq/summary.py ENDED), made again for
    the centers already shipped."""
    from . import summary

    cur.execute("ALTER TABLE hq_months " + ", ".join(f"ADD COLUMN {n} bigint NOT NULL DEFAULT 0" for n in summary.ENDED))
    cur.execute(summary.HEADS_0003)
    summary.rebuild(cur)


def _0004_undelivered(cur: Any) -> None:
    """Each center's undelivered assignment messages, ticket and state only (store/hq/ship.py
    ``UNDELIVERED``): why a ticket was never told, as the center says it (waiting, delivery failed).
    ``reported_at`` is the head office's own, the ticket's as it is when the set is written (in the batch's
    transaction, after its tickets): a month's few are read by it, not by a lookup of every ticket
    (store/hq/figures.py _UNTOLD). Empty until each center's next run sends its set (until then its tickets
    read "no address", as before). ``hq_undelivered_heads``: the event each center's set was sent with; a
    center whose head moved past it (a shipper of a dispatch from before this step) has its set left unread."""
    cur.execute("CREATE TABLE hq_undelivered_heads (center text PRIMARY KEY, last_event_id bigint NOT NULL)")
    cur.execute("CREATE TABLE hq_undelivered (center text NOT NULL, id bigint NOT NULL, ticket_id bigint NOT NULL,"
                " state text NOT NULL, reported_at text, PRIMARY KEY (center, id))")
    cur.execute("CREATE INDEX hq_undelivered_ticket ON hq_undelivered (center, ticket_id)")
    cur.execute("CREATE INDEX hq_undelivered_reported ON hq_undelivered (center, reported_at)")


# Named steps, applied in this order; a released step is never edited.
STEPS: list[tuple[str, Callable[[Any], None]]] = [
    ("0001_mirror", _0001_mirror),
    ("0002_month_summaries", _0002_month_summaries),
    ("0003_backlog_counts", _0003_backlog_counts),
    ("0004_undelivered", _0004_undelivered),
]

# A fixed key for the advisory lock that lets one migrator at a time through.
_MIGRATE_LOCK = 0x64697370_00000001


def migrate(conn: Any) -> list[str]:
    """Bring the head office's schema up to date: the steps not yet recorded in
    ``hq_migrations``, in one transaction with their records. Two
    shippers starting at once: an advisory lock lets one through, the other
    then finds the steps done. Returns the names of the steps applied."""
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS hq_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        done = {r[0] for r in conn.execute("SELECT name FROM hq_migrations")}
        for name, step in STEPS:
            if name in done:
                continue
            with conn.cursor() as cur:
                step(cur)
            conn.execute("INSERT INTO hq_migrations (name) VALUES (%s)", (name,))
            applied.append(name)
    return applied


def is_current(conn: Any) -> bool:
    """Every step is applied (read-only: for `dispatch ship --status` and the reports)."""
    if conn.execute("SELECT to_regclass('hq_migrations')").fetchone()[0] is None:
        return False
    done = {r[0] for r in conn.execute("SELECT name FROM hq_migrations")}
    return all(name in done for name, _ in STEPS)
