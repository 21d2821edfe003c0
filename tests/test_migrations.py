"""Migrations are named steps, recorded in the file; an old file upgrades in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from store import Store
from store.repo.audit import WHOLE_SINCE
from store.schema import MIGRATIONS, SCHEMA_VERSION, m0001_initial


def test_new_file_records_every_step(tmp_path: Path) -> None:
    s = Store(tmp_path / "n.db", create=True, actor="ann")
    rows = s.db.q("SELECT name, applied_at FROM migrations ORDER BY name")
    assert [r[0] for r in rows] == [name for name, _step in MIGRATIONS]
    assert all(r[1] for r in rows)
    assert s.admin.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    s.close()


def test_a_version_1_file_upgrades_and_logs_what_ran(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    m0001_initial(sqlite_utils.Database(raw))
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    s = Store(path, actor="ann")
    log = dict(s.db.q("SELECT name, applied_at FROM migrations"))
    assert log["0001_initial"] is None  # ran before the log existed
    assert log["0002_hold_freezes_overdue"]  # ran now, with its time
    assert s.admin.schema_version() == SCHEMA_VERSION
    s.close()


def test_upgrade_freezes_a_ticket_held_past_its_deadline(tmp_path: Path, clock) -> None:
    """A version-1 file written under the old rule (a hold past the deadline
    did not stop the clock) gets the frozen overdue time when it is upgraded."""
    path = tmp_path / "held.db"
    raw = sqlite3.connect(path)
    m0001_initial(sqlite_utils.Database(raw))
    raw.execute("INSERT INTO sites (id, code, name, address) VALUES (1, 'HQ', 'Head Office', '')")
    # P1 reported 09:00 (response due 09:15), put on hold at 09:45: 30 min overdue.
    raw.execute(
        "INSERT INTO tickets (id, version, status, priority, channel, reporter, phone, site_id, category,"
        " description, reported_at, created_by, paused_from, wait_reason, is_open, next_clock, due_at, risk_at,"
        " window_s, queue_key, updated_at, updated_by) VALUES (1, 2, 'waiting', 1, 'phone', 'Wang', '138', 1,"
        " 'atm', 'x', '2026-11-25T09:00:00Z', 'ann', 'new', 'parts', 1, 'response', '2026-11-25T09:15:00Z',"
        " '2026-11-25T09:11:15Z', 900, '10x', '2026-11-25T09:45:00Z', 'ann')")
    raw.execute("INSERT INTO pauses (ticket_id, reason, started_at) VALUES (1, 'parts', '2026-11-25T09:45:00Z')")
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    clock.advance(hours=2)
    s = Store(path, clock=clock, actor="ann")
    row = s.queue.find()[0]
    assert row.due_at is None and row.frozen_left_s == -30 * 60
    s.close()


def _file_at(path: Path, version: int) -> sqlite3.Connection:
    """A file as the steps up to ``version`` made it, with rows in every table
    it has, written around today's store (as an older release wrote them)."""
    from store.database import append_events

    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    conn.execute("BEGIN")
    for _name, step in MIGRATIONS[:version]:
        step(db)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("COMMIT")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.execute("INSERT INTO sites (id, code, name, address) VALUES (1, 'HQ', 'Head Office', '')")
    conn.execute("INSERT INTO teams (id, name) VALUES (1, 'Alpha')")
    conn.execute("INSERT INTO technicians (id, name, team_id, phone) VALUES (1, 'Li Wei', 1, '138')")
    conn.execute("INSERT INTO equipment (id, site_id, asset_tag, category) VALUES (1, 1, 'HQ-ATM', 'atm')")
    conn.execute("UPDATE settings SET value = '\"Asia/Shanghai\"' WHERE key = 'timezone'")
    conn.execute("UPDATE sla_policy SET resolve_min = 300 WHERE priority = 1")
    if "users" in tables:
        conn.execute("INSERT INTO users (login, name, role, created_at) VALUES ('ann', 'Ann', 'manager', '2026-01-01T00:00:00Z')")
    if version < 8:  # before the chain: its upgrade records history-less tickets as its baseline
        conn.execute("INSERT INTO tickets (id, status, priority, channel, reporter, site_id, category, description,"
                     " reported_at, created_by, updated_at, updated_by, wait_reason, paused_from) VALUES (1, 'waiting', 1,"
                     " 'phone', 'A', 1, 'atm', 'old', '2026-01-01T00:00:00Z', 'x', '2026-01-01T00:00:00Z', 'x', 'parts', 'new')")
        conn.execute("INSERT INTO pauses (ticket_id, reason, note, started_at) VALUES (1, 'parts', '', '2026-01-01T00:10:00Z')")
    if "complaints" in tables and version < 8:
        conn.execute("INSERT INTO complaints (ticket_id, received_at, registered_by, complainant, matter)"
                     " VALUES (1, '2026-01-02T00:00:00Z', 'ann', 'Zhao', 'late')")
    event = {"at": "2026-01-01T00:00:00Z", "actor": "ann", "action": "settings.set", "entity": "setting",
             "old": '{"timezone": "UTC"}', "new": '{"timezone": "Asia/Shanghai"}'}
    if version < 8:  # no chain yet: its upgrade back-fills it
        conn.execute(f"INSERT INTO events ({', '.join(event)}) VALUES ({', '.join('?' * len(event))})", list(event.values()))
    else:
        conn.execute("BEGIN")
        append_events(conn, [{**event, "entered_by": None, "entity_id": None, "ticket_id": None}])
        conn.execute("COMMIT")
    return conn


@pytest.mark.parametrize("version", range(1, WHOLE_SINCE))
def test_a_file_of_every_earlier_version_upgrades_unchanged_and_checks(tmp_path: Path, version: int, clock) -> None:
    """Upgraded, the whole file passes the audit check; what it held then is
    recorded (migration 0015), so a hand edit afterwards is named."""
    path = tmp_path / f"v{version}.db"
    conn = _file_at(path, version)
    before = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("sites", "technicians", "settings")}
    conn.close()
    s = Store(path, actor="ann", clock=clock)
    assert s.admin.schema_version() == SCHEMA_VERSION
    report = s.audit.verify_audit()
    assert report.ok, report.problems
    # (later steps add columns at the end: the ones there before hold what they held)
    after = {t: [tuple(r)[:len(before[t][0])] for r in s.db.q(f"SELECT * FROM {t} ORDER BY 1")] for t in before}
    assert after == before
    s.people.edit_technician(1, phone="139")  # the store's writes replay from the upgrade on
    assert s.audit.verify_audit().ok, s.audit.verify_audit().problems
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("UPDATE technicians SET name = 'Someone' WHERE id = 1")
    raw.execute("UPDATE sla_policy SET onsite_min = 1 WHERE priority = 2")
    raw.close()
    problems = s.audit.verify_audit().problems
    assert any(p.startswith("technicians row 1 is not as event") and "(audit.baseline) recorded it: name is Someone,"
               " it recorded Li Wei" in p for p in problems), problems
    assert any(p.startswith("sla_policy row 2 is not as event") for p in problems), problems
    s.close()
