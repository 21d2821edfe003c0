"""The history is tamper-evident: whoever writes the file around the app
(drops a trigger, edits or removes an event, changes a ticket without an
event) is named by ``dispatch check``, which exits 2; a clean file says ok."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from console.cli import cli
from store import Store
from store.migrations import NAMES
from store.rules.audit import GENESIS, link
from store.timeutil import to_db
from tests.old_files import build


def _work(store: Store, clock) -> None:
    """A few tickets through a few steps, by the dispatchers of the fixture."""
    store.actor = "bob"
    for i in range(3):
        t = store.tickets.create_ticket({"priority": 2, "channel": "phone", "reporter": f"Reporter {i}", "phone": "555",
                                 "site_id": 1, "equipment_id": 1, "category": "atm", "description": f"fault {i}"})
        clock.advance(minutes=3)
        t = store.tickets.assign(t.id, t.version, technician_id=1)
        clock.advance(minutes=2)
        store.tickets.respond(t.id, t.version)


def check(path: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", str(path), "check"])
    return result.exit_code, result.stdout, result.stderr


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_a_clean_file_says_ok(store: Store, clock, db_path: Path) -> None:
    _work(store, clock)
    report = store.audit.verify_audit()
    assert report.ok, report.problems
    assert report.events == store.admin.stats()["events"] and report.tickets == 3
    code, out, err = check(db_path)
    assert code == 0, err
    assert f"ok, audit chain intact ({report.events:,} events" in out


def test_every_event_is_chained_to_the_one_before(store: Store, clock, db_path: Path) -> None:
    _work(store, clock)
    rows = raw(db_path).execute(
        "SELECT at, actor, entered_by, action, entity, entity_id, ticket_id, old, new, prev, hash FROM events ORDER BY id"
    ).fetchall()
    prev = GENESIS
    for r in rows:
        assert r[9] == prev and r[10] == link(prev, r[:9])
        prev = r[10]


def test_a_dropped_trigger_is_named(store: Store, clock, db_path: Path) -> None:
    _work(store, clock)
    raw(db_path).execute("DROP TRIGGER events_no_delete")
    code, _out, err = check(db_path)
    assert code == 2
    assert "trigger events_no_delete is missing" in err
    # A trigger of the same name that no longer refuses is no better.
    raw(db_path).execute("CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT 1; END")
    assert "trigger events_no_delete was changed" in check(db_path)[2]


def test_an_edited_event_is_the_first_broken_link(store: Store, clock, db_path: Path) -> None:
    _work(store, clock)
    conn = raw(db_path)
    target = conn.execute("SELECT id FROM events WHERE action = 'ticket.assign' ORDER BY id LIMIT 1").fetchone()[0]
    # A careful forger: triggers off, one actor changed, triggers back exactly as they were.
    triggers = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'"
                            " AND name IN ('events_no_update', 'events_no_delete')").fetchall()
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("UPDATE events SET actor = 'mallory' WHERE id = ?", (target,))
    for (sql,) in triggers:
        conn.execute(sql)
    code, _out, err = check(db_path)
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[1].strip().startswith(f"event {target} (ticket.assign,"), err
    assert "was changed after it was written" in lines[1]
    assert len(lines) == 2  # the chain after it still holds: only the forged one is named


def test_a_removed_event_breaks_the_link_after_it(store: Store, clock, db_path: Path) -> None:
    _work(store, clock)
    conn = raw(db_path)
    conn.execute("DROP TRIGGER events_no_delete")
    gone = conn.execute("SELECT id FROM events WHERE action = 'ticket.respond' ORDER BY id LIMIT 1").fetchone()[0]
    conn.execute("DELETE FROM events WHERE id = ?", (gone,))
    report = store.audit.verify_audit()
    assert "trigger events_no_delete is missing" in report.problems[0]
    after = conn.execute("SELECT MIN(id) FROM events WHERE id > ?", (gone,)).fetchone()[0]
    assert report.problems[1].startswith(f"event {after} (") and "does not follow the event before it" in report.problems[1]
    # And the ticket it belonged to is no longer its history.
    assert any("differs from its history" in p for p in report.problems)


def test_a_ticket_changed_without_an_event_is_named_with_the_field(store: Store, clock, db_path: Path) -> None:
    _work(store, clock)
    tid = store.admin.max_ticket_id()
    raw(db_path).execute("UPDATE tickets SET priority = 1 WHERE id = ?", (tid,))
    code, _out, err = check(db_path)
    assert code == 2
    assert f"ticket #{tid} differs from its history: priority is 1, its events say 2" in err


def test_a_ticket_added_around_the_app_is_named(store: Store, clock, db_path: Path) -> None:
    _work(store, clock)
    conn = raw(db_path)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(tickets)") if r[1] != "id"]
    conn.execute(f"INSERT INTO tickets ({', '.join(cols)}) SELECT {', '.join(cols)} FROM tickets WHERE id = 1")
    new_id = conn.execute("SELECT MAX(id) FROM tickets").fetchone()[0]
    assert f"ticket #{new_id} has no history" in check(db_path)[2]


def test_many_problems_are_capped_at_ten_lines(store: Store, clock, db_path: Path) -> None:
    for _ in range(4):
        _work(store, clock)
    raw(db_path).execute("UPDATE tickets SET reporter = 'someone else'")
    code, _out, err = check(db_path)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 12
    assert lines[-1].strip() == "… and 2 more"


def test_bulk_loaded_tickets_are_checked_against_their_load(store: Store, clock, db_path: Path) -> None:
    """The --scale path loads tickets without per-ticket events: the load's
    event records a digest of them, and later changes are undone to compare."""
    at = to_db(clock())
    rows = [{"id": 100 + i, "status": "new", "priority": 3, "channel": "phone", "reporter": f"R{i}", "phone": "",
             "site_id": 1, "equipment_id": None, "category": "atm", "description": "loaded", "reported_at": at,
             "created_by": "bob", "version": 1, "updated_at": at, "updated_by": "bob", "is_open": 1}
            for i in range(5)]
    store.admin.load("test.bulk", {"tickets": rows}, {"bulk": True})
    t = store.tickets.ticket(102)
    store.actor = "bob"
    store.tickets.assign(t.id, t.version, technician_id=1)
    assert store.audit.verify_audit().ok, store.audit.verify_audit().problems
    raw(db_path).execute("UPDATE tickets SET description = 'rewritten' WHERE id = 104")
    problems = store.audit.verify_audit().problems
    assert len(problems) == 1 and "loaded in bulk by event" in problems[0] and "#100–#104" in problems[0]


def test_an_older_file_gets_its_chain_on_upgrade(tmp_path: Path) -> None:
    """The migration back-fills the chain in id order, and records tickets that
    had no history of their own (an old bulk load) as its baseline."""
    path = tmp_path / "old.db"
    conn = raw(path)
    build(conn, NAMES.index("0008_audit_chain"))
    conn.execute("INSERT INTO sites (id, code, name, address) VALUES (1, 'HQ', 'Head Office', '')")
    conn.execute("INSERT INTO tickets (id, status, priority, channel, reporter, site_id, category, description,"
                 " reported_at, created_by, updated_at, updated_by) VALUES"
                 " (1, 'new', 3, 'phone', 'A', 1, 'atm', 'old', '2026-01-01T00:00:00Z', 'x', '2026-01-01T00:00:00Z', 'x')")
    for i in range(3):
        conn.execute("INSERT INTO events (at, actor, action, entity, old, new) VALUES (?, 'x', 'settings.set', 'setting', '{}', ?)",
                     (f"2026-01-0{i + 1}T00:00:00Z", json.dumps({"n": i})))
    conn.close()
    s = Store(path, actor="ann")
    report = s.audit.verify_audit()
    assert report.ok, report.problems
    assert report.events == 5  # three old ones, the chain's baseline and the whole file's (migration 0015)
    assert s.tickets.events(1)[0].action == "audit.baseline"
    raw(path).execute("UPDATE tickets SET reporter = 'B' WHERE id = 1")
    assert "loaded in bulk by event 4 (audit.baseline)" in s.audit.verify_audit().problems[0]
    s.close()
