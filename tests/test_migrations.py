"""Migrations are named steps, recorded in the file; an old file upgrades in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from store import Store
from store.migrations import NAMES, SCHEMA_VERSION
from store.repo.audit import WHOLE_SINCE
from tests.old_files import build


def test_new_file_records_every_step(tmp_path: Path) -> None:
    s = Store(tmp_path / "n.db", create=True, actor="ann")
    rows = s.db.q("SELECT name, applied_at FROM migrations ORDER BY name")
    assert [r[0] for r in rows] == list(NAMES)
    assert all(r[1] for r in rows)
    assert s.admin.schema_version() == SCHEMA_VERSION == len(NAMES)
    s.close()


def test_a_version_1_file_upgrades_and_logs_what_ran(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path, isolation_level=None)
    build(raw, 1)
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
    raw = sqlite3.connect(path, isolation_level=None)
    build(raw, 1)
    raw.execute("BEGIN")
    raw.execute("INSERT INTO sites (id, code, name, address) VALUES (1, 'HQ', 'Head Office', '')")
    # P1 reported 09:00 (response due 09:15), put on hold at 09:45: 30 min overdue.
    raw.execute(
        "INSERT INTO tickets (id, version, status, priority, channel, reporter, phone, site_id, category,"
        " description, reported_at, created_by, paused_from, wait_reason, is_open, next_clock, due_at, risk_at,"
        " window_s, queue_key, updated_at, updated_by) VALUES (1, 2, 'waiting', 1, 'phone', 'Wang', '138', 1,"
        " 'atm', 'x', '2026-11-25T09:00:00Z', 'ann', 'new', 'parts', 1, 'response', '2026-11-25T09:15:00Z',"
        " '2026-11-25T09:11:15Z', 900, '10x', '2026-11-25T09:45:00Z', 'ann')")
    raw.execute("INSERT INTO pauses (ticket_id, reason, started_at) VALUES (1, 'parts', '2026-11-25T09:45:00Z')")
    raw.execute("COMMIT")
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
    build(conn, version)
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
    # the position runner's log (version >= 2) kept, the steps after it added by name, nothing left to finish
    log = dict(s.db.q("SELECT name, applied_at FROM migrations"))
    assert list(log) == list(NAMES) and all(log[n] == "2026-01-01T00:00:00Z" for n in NAMES[1:version])
    assert s.db.q("SELECT COUNT(*) FROM migrations WHERE pending IS NOT NULL")[0][0] == 0
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


# ------------------------------------------------- frozen steps, work left to today's rules
def _old_with_tickets(path: Path, n: int) -> None:
    """A version-7 file (before the chain and the facts) with ``n`` tickets:
    the first held open, then closed and open ones, none with facts."""
    conn = _file_at(path, 7)
    for tid in range(2, n + 1):
        closed = tid % 2 == 0
        conn.execute(
            "INSERT INTO tickets (id, status, priority, channel, reporter, site_id, category, description, reported_at,"
            " first_response_at, arrived_at, resolved_at, closed_at, is_open, created_by, updated_at, updated_by)"
            " VALUES (?, ?, ?, 'phone', 'A', 1, 'atm', 'old', ?, ?, ?, ?, ?, ?, 'x', '2026-01-03T00:00:00Z', 'x')",
            (tid, "closed" if closed else "new", 1 + tid % 4, f"2026-01-01T0{tid % 10}:00:00Z",
             *(["2026-01-01T10:20:00Z", "2026-01-01T11:30:00Z", "2026-01-01T15:00:00Z", "2026-01-02T09:00:00Z"]
               if closed else [None] * 4), 0 if closed else 1))
    conn.close()


def _filled(path: Path) -> list[bool]:
    """Per ticket from #2, whether its report facts are there (a clock met has its
    time, one running its deadline; #1's is stopped by its hold: it has none)."""
    raw = sqlite3.connect(path)
    try:
        return [bool(r[0]) for r in raw.execute(
            "SELECT f_response_s IS NOT NULL OR f_response_late IS NOT NULL FROM tickets WHERE id > 1 ORDER BY id")]
    finally:
        raw.close()


def test_no_step_runs_todays_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock) -> None:
    """The steps are frozen: with every live rule they used to call broken, an
    old file with tickets still migrates; the deadlines, facts and baseline
    are left, by name, to the store, which does them with today's rules."""
    import store.rules.calendar
    import store.rules.derive
    from store import db, migrations

    path = tmp_path / "old.db"
    _old_with_tickets(path, 6)

    def broken(*_a: object, **_k: object) -> None:
        raise AssertionError("a migration step ran a live rule")

    with monkeypatch.context() as m:
        for module, name in ((store.rules.derive, "derive"), (store.rules.derive, "facts"), (store.rules.calendar, "calendar_from")):
            m.setattr(module, name, broken)
        conn = db.connect(path)
        db.migrate(conn, path)
        left = migrations.unfinished(conn)
        conn.close()
    assert left == [("0013_report_facts", {"todo": ["report_facts"]}),
                    ("0015_audit_whole", {"todo": ["open_deadlines", "audit_baseline"]})]
    assert not any(_filled(path))
    s = Store(path, actor="ann", clock=clock)  # the store finishes them
    assert s.db.q("SELECT COUNT(*) FROM migrations WHERE pending IS NOT NULL")[0][0] == 0
    assert all(_filled(path))
    report = s.audit.verify_audit()
    assert report.ok, report.problems
    s.close()


def test_the_work_left_is_done_in_batches_with_progress_and_resumes(tmp_path: Path, clock) -> None:
    """Each batch is its own write with its cursor; a process stopped halfway
    leaves the rest to the next opening, which does only the rest."""
    from store import db, migrations, upgrade

    path = tmp_path / "old.db"
    _old_with_tickets(path, 7)
    conn = db.connect(path)
    db.migrate(conn, path)
    seen: list[tuple[str, int, int]] = []

    def stop_after_two(work: str, done: int, total: int) -> None:
        seen.append((work, done, total))
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        upgrade.finish(conn, stop_after_two, batch=3)
    assert seen == [("report_facts", 3, 7), ("report_facts", 6, 7)]
    assert dict(migrations.unfinished(conn))["0013_report_facts"] == {"todo": ["report_facts"], "after": {"report_facts": 6}}
    assert _filled(path) == [True] * 5 + [False]
    seen.clear()
    upgrade.finish(conn, lambda *a: seen.append(a), batch=3)
    # the rest: ticket 7's facts, the 4 open tickets' deadlines, the baseline (one write, no batches)
    assert seen == [("report_facts", 1, 1), ("open_deadlines", 3, 4), ("open_deadlines", 4, 4)]
    assert migrations.unfinished(conn) == []
    conn.close()
    s = Store(path, actor="ann", clock=clock, read_only=True)
    assert s.audit.verify_audit().ok, s.audit.verify_audit().problems
    assert len(s.db.q("SELECT id FROM events WHERE action = 'audit.baseline'")) == 2  # 0008's and 0015's
    s.close()


def test_a_file_left_unfinished_that_we_may_not_write_is_refused_untouched(tmp_path: Path) -> None:
    from store import DatabaseFileError, db

    path = tmp_path / "old.db"
    _old_with_tickets(path, 3)
    conn = db.connect(path)
    db.migrate(conn, path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    path.chmod(0o444)
    before = path.read_bytes()
    with pytest.raises(DatabaseFileError, match="needs an upgrade"):
        Store(path, actor="ann")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]


def test_a_file_naming_a_step_we_do_not_know_is_refused_untouched(tmp_path: Path) -> None:
    """A newer dispatch's step in the log (even at our version number): refused, byte for byte as it was."""
    from store import DatabaseFileError
    from tests.test_refused_files import made

    path = tmp_path / "future.db"
    path.write_bytes(made(tmp_path, "good").read_bytes())
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("INSERT INTO migrations (name, applied_at) VALUES ('0016_from_a_newer_dispatch', '2027-01-01T00:00:00Z')")
    raw.close()
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(DatabaseFileError, match="newer than this dispatch knows") as info:
            Store(path, actor="ann", read_only=read_only)
        assert "0016_from_a_newer_dispatch" in str(info.value) and "\n" not in str(info.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("future")) == ["future.db"]


_OPEN = """
import sys, time
from pathlib import Path
from store import Store
ready, gate, path = map(Path, sys.argv[1:])
ready.touch()
while not gate.exists():
    time.sleep(0.005)
s = Store(path, actor="ann")
s.close()
"""


def test_two_processes_opening_an_old_file_at_once_run_each_step_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "old.db"
    _old_with_tickets(path, 9)
    gate = tmp_path / "gate"
    procs = [subprocess.Popen([sys.executable, "-c", _OPEN, str(tmp_path / f"ready{i}"), str(gate), str(path)],
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    try:
        while not all((tmp_path / f"ready{i}").exists() for i in range(2)):
            assert all(p.poll() is None for p in procs), [p.communicate()[1] for p in procs]
        gate.touch()
        for p in procs:
            assert p.wait(timeout=120) == 0, p.communicate()[1]
    finally:
        for p in procs:
            p.kill()
    s = Store(path, actor="ann")
    assert [r[0] for r in s.db.q("SELECT name FROM migrations ORDER BY name")] == list(NAMES)
    assert len(s.db.q("SELECT id FROM events WHERE action = 'audit.baseline'")) == 2  # 0008's and 0015's, once each
    report = s.audit.verify_audit()
    assert report.ok, report.problems
    s.close()




@pytest.mark.parametrize("changed", [False, True])
def test_a_recompute_pending_is_done_with_unless_the_rules_changed_meanwhile(tmp_path: Path, changed: bool) -> None:
    """The upgrade moves every open ticket to the rules in force, so a recompute
    that was pending is done with (as migration 0015 did), unless someone
    changed the calendar while the work went on: their recompute is theirs."""
    from store import db, upgrade
    from store.database import append_events

    path = tmp_path / "old.db"
    _old_with_tickets(path, 9)
    conn = db.connect(path)
    conn.execute("INSERT INTO settings (key, value) VALUES ('recompute_pending', '{\"after_id\": 0}')")
    db.migrate(conn, path)

    def meanwhile(work: str, done: int, total: int) -> None:
        if changed and work == "open_deadlines" and done == 2:  # another dispatcher, between two batches
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE settings SET value = '\"Asia/Tokyo\"' WHERE key = 'timezone'")
            conn.execute("UPDATE settings SET value = '{\"after_id\": 0}' WHERE key = 'recompute_pending'")
            append_events(conn, [{"at": "2026-01-05T00:00:00Z", "actor": "ann", "action": "settings.set",
                                  "entity": "setting", "old": "{}", "new": "{}"}])
            conn.execute("COMMIT")

    upgrade.finish(conn, meanwhile, batch=2)
    mark = conn.execute("SELECT value FROM settings WHERE key = 'recompute_pending'").fetchone()
    conn.close()
    assert (mark is not None) == changed



def test_an_old_file_with_a_damaged_calendar_names_it_and_keeps_the_work(tmp_path: Path, clock) -> None:
    """No rule can be applied under a damaged calendar: opening names the
    setting in one line (not a traceback), the work stays recorded, and the
    first opening after it is mended does it."""
    from store import DatabaseFileError

    path = tmp_path / "old.db"
    _old_with_tickets(path, 4)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("UPDATE settings SET value = '{\"kind\": \"hours\"}' WHERE key = 'calendar'")
    raw.close()
    with pytest.raises(DatabaseFileError, match="damaged setting calendar"):
        Store(path, actor="ann", clock=clock)
    raw = sqlite3.connect(path, isolation_level=None)
    assert raw.execute("SELECT COUNT(*) FROM migrations WHERE pending IS NOT NULL").fetchone()[0] == 2
    raw.execute("UPDATE settings SET value = '{\"kind\": \"24x7\"}' WHERE key = 'calendar'")
    raw.close()
    s = Store(path, actor="ann", clock=clock)
    assert s.db.q("SELECT COUNT(*) FROM migrations WHERE pending IS NOT NULL")[0][0] == 0
    report = s.audit.verify_audit()
    assert report.ok, report.problems
    s.close()


# The released steps, frozen byte for byte: a change to the schema is a new step, never an edit of one of these.
RELEASED = {
    "0001_initial": "d52d690a69b7c5f1",
    "0002_hold_freezes_overdue": "fa29dbdecd260aed",
    "0003_reference": "1accef852be94d2f",
    "0004_users": "d147d3cd794685c4",
    "0005_search": "f418ada9167254cd",
    "0006_callbacks": "a87cb0eaae9ec5eb",
    "0007_items": "02b27c09eede9bba",
    "0008_audit_chain": "c5ac173d9202e19d",
    "0009_report_indexes": "555aa380d476b1d2",
    "0010_filter_indexes": "91f71593d435b2b2",
    "0011_user_language": "9299c4a1f9073e4c",
    "0012_held_totals": "4fdb21e3fe0a6fb7",
    "0013_report_facts": "1ecfec283d9fcd06",
    "0014_sign_in_attempts": "ac4b9ac0e91ac124",
    "0015_audit_whole": "0bdfd371bfd717ba",
}


def test_released_steps_are_not_edited() -> None:
    import hashlib

    from store import migrations

    folder = Path(migrations.__file__).parent
    now = {name: hashlib.sha256((folder / f"{name}.py").read_bytes()).hexdigest()[:16] for name in RELEASED}
    assert now == RELEASED, "a released migration step was edited: put the change in a new step instead"
    assert list(RELEASED) == list(NAMES[:len(RELEASED)])
