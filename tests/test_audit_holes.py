"""Issue 21, "The audit history": each hole ``dispatch check`` had, attacked
the way a clumsy admin or an attacker would (a hand edit with sqlite3 on the
file, then ``dispatch check`` through the real CLI), and closed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from console.cli import cli
from store import Store
from store.errors import DatabaseFileError

# The module's ``worked`` file (the audit tour) made once, on one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("audit_holes")


def dispatch(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def ticket(store: Store) -> int:
    return store.tickets.create_ticket({"priority": 2, "channel": "phone", "reporter": "Wang", "phone": "555",
                                "site_id": 1, "equipment_id": 1, "category": "atm", "description": "card stuck"}).id


# ------------------------------------------------ a false alarm breaks backups

def test_a_time_phoned_in_late_keeps_check_and_backup_working(store: Store, clock, db_path: Path,
                                                              tmp_path: Path) -> None:
    """'r' or 'U' with a stated time made check fail ("stated_at is null, its
    events say …"), and every nightly backup refused from then on."""
    store.actor = "bob"
    t = store.tickets.ticket(ticket(store))
    t = store.tickets.assign(t.id, t.version, technician_id=1)
    clock.advance(minutes=30)
    t = store.tickets.respond(t.id, t.version, at="09:10")
    t = store.tickets.hold(t.id, t.version, at="09:20", reason="parts")
    t = store.tickets.resume(t.id, t.version, at="09:25")
    code, out, err = dispatch("--db", str(db_path), "check")
    assert code == 0, err
    assert "ok, audit chain intact" in out
    code, out, err = dispatch("--db", str(db_path), "backup", str(tmp_path / "nightly.db"))
    assert code == 0, err


# ------------------------------------------------ INSERT OR REPLACE on events

def test_insert_or_replace_cannot_rewrite_an_event(store: Store, db_path: Path) -> None:
    """REPLACE deletes the old row without firing delete triggers: it rewrote an
    event with the append-only triggers in place."""
    store.actor = "bob"
    ticket(store)
    conn = raw(db_path)
    eid, hash_before = conn.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    cols = "id, at, actor, entered_by, action, entity, entity_id, ticket_id, old, new, prev, hash"
    for verb in ("INSERT OR REPLACE INTO", "REPLACE INTO"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(f"{verb} events ({cols}) SELECT id, at, 'mallory', entered_by, action, entity, entity_id,"
                         f" ticket_id, old, new, prev, hash FROM events WHERE id = ?", (eid,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(f"INSERT INTO events ({cols}) SELECT {cols} FROM events WHERE id = ? ON CONFLICT (id)"
                     " DO UPDATE SET actor = 'mallory'", (eid,))
    assert conn.execute("SELECT hash, actor FROM events WHERE id = ?", (eid,)).fetchone() == (hash_before, "bob")
    assert dispatch("--db", str(db_path), "check")[0] == 0
    # Dropping the guard shows, like the other triggers.
    conn.execute("DROP TRIGGER events_no_replace")
    code, _out, err = dispatch("--db", str(db_path), "check")
    assert code == 2 and "trigger events_no_replace is missing" in err


# ------------------------------------------------------ tail truncation

def _drop_guards(conn: sqlite3.Connection) -> None:
    for name in ("events_no_delete", "events_no_update"):
        conn.execute(f"DROP TRIGGER {name}")


def test_deleting_the_newest_notes_is_caught(store: Store, db_path: Path) -> None:
    store.actor = "bob"
    tid = ticket(store)
    for text in ("called the branch", "parts ordered", "said he would pay cash"):
        store.tickets.add_note(tid, text)
    conn = raw(db_path)
    _drop_guards(conn)  # a clumsy admin: the guards off, the embarrassing notes gone
    conn.execute("DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id DESC LIMIT 2)")
    code, _out, err = dispatch("--db", str(db_path), "check")
    assert code == 2
    assert "its head record says event" in err and "events were removed" in err, err
    # The ids of the events cut off are not given out again: the next write is refused, nothing saved.
    events = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    with pytest.raises(DatabaseFileError, match="its audit log was cut back or edited by hand"):
        store.tickets.add_note(tid, "a new note")
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == events


def test_deleting_the_newest_ticket_with_its_events_is_caught(store: Store, db_path: Path) -> None:
    store.actor = "bob"
    ticket(store)
    newest = ticket(store)
    conn = raw(db_path)
    _drop_guards(conn)
    conn.execute("DELETE FROM events WHERE ticket_id = ?", (newest,))
    conn.execute("DELETE FROM tickets WHERE id = ?", (newest,))
    code, _out, err = dispatch("--db", str(db_path), "check")
    assert code == 2 and "events were removed" in err, err
    # Putting the head record back by hand needs its guards off too; with them, the file refuses.
    with pytest.raises(sqlite3.IntegrityError, match="only moves forward"):
        conn.execute("UPDATE audit_head SET event_id = event_id - 1, events = events - 1")


def _rewind(conn: sqlite3.Connection, keep: int) -> None:
    """A careful attacker: cut every event after ``keep`` and set the head record back to it."""
    _drop_guards(conn)
    for name in ("audit_head_forward", "audit_head_keep"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DELETE FROM events WHERE id > ?", (keep,))
    conn.execute("UPDATE audit_head SET event_id = ?, hash = (SELECT hash FROM events WHERE id = ?),"
                 " events = (SELECT COUNT(*) FROM events)", (keep, keep))
    from store.migrations import load

    chain, whole = load("0008_audit_chain"), load("0015_audit_whole")
    for sql in (chain.EVENTS_NO_UPDATE, chain.EVENTS_NO_DELETE, whole.AUDIT_HEAD_FORWARD, whole.AUDIT_HEAD_KEEP):
        conn.execute(sql)


def test_a_careful_truncation_is_caught_by_the_backups_heads_log(store: Store, clock, db_path: Path,
                                                                  tmp_path: Path) -> None:
    """The file alone cannot stop someone who rewinds its head record too: the
    head each backup wrote to its folder's heads log can."""
    folder = tmp_path / "backups"
    folder.mkdir()
    store.actor = "bob"
    tid = ticket(store)
    store.tickets.add_note(tid, "first note")
    keep = raw(db_path).execute("SELECT MAX(id) FROM events").fetchone()[0]
    store.tickets.add_note(tid, "second note, in last night's backup")
    code, _out, err = dispatch("--db", str(db_path), "backup", str(folder))
    assert code == 0, err
    log = folder / "t.heads"
    assert log.stat().st_mode & 0o777 == 0o660
    recorded = log.read_text().splitlines()
    assert len(recorded) == 1 and recorded[0].split("\t")[1].startswith(f"{keep + 1}:")
    store.tickets.add_note(tid, "third note")
    _rewind(raw(db_path), keep)  # the second and third notes gone, the head record moved back
    assert dispatch("--db", str(db_path), "check")[0] == 0  # the file alone cannot tell (README says so)
    clock.advance(days=1)
    code, _out, err = dispatch("--db", str(db_path), "backup", str(folder))
    # Said loudly (a warning for each problem, exit 1 for cron), yet the copy is
    # made: a cut history must not stop every backup after it (the old ones stay).
    assert code == 1
    assert f"(event {keep + 1}," in err and "cut back" in err and "dispatch: warning:" in err, err
    assert len(list(folder.glob("t-*.db"))) == 2
    code, _out, err = dispatch("--db", str(db_path), "check", "--anchors", str(log))
    assert code == 2 and "cut back" in err


def test_check_head_is_a_line_to_keep_and_anchor_verifies_it(store: Store, db_path: Path, tmp_path: Path) -> None:
    store.actor = "bob"
    tid = ticket(store)
    store.tickets.add_note(tid, "the customer asked for a discount")
    code, out, err = dispatch("--db", str(db_path), "check", "--head")
    assert code == 0, err
    line = out.strip()
    assert "\n" not in line
    _at, head, what = line.split("\t")
    assert what == f"check of {db_path}"
    eid, digest = head.split(":")
    assert (int(eid), digest) == raw(db_path).execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    kept = tmp_path / "kept.txt"
    kept.write_text(out)
    store.tickets.add_note(tid, "later")
    code, out, err = dispatch("--db", str(db_path), "check", "--anchor", head, "--anchors", str(kept))
    assert code == 0, err
    assert "all 2 kept heads are in it" in out
    # Someone rewrites that note and recomputes every hash after it, head record and all.
    conn = raw(db_path)
    _drop_guards(conn)
    conn.execute("UPDATE events SET new = ? WHERE id = ?", ('{"note": "no discount was asked"}', int(eid)))
    _rechain(conn)
    assert dispatch("--db", str(db_path), "check")[0] == 0  # the chain alone cannot tell (README says so)
    code, _out, err = dispatch("--db", str(db_path), "check", "--anchor", head)
    assert code == 2 and "the history up to it was rewritten" in err, err


def _rechain(conn: sqlite3.Connection) -> None:
    from store.rules.audit import FIELDS, GENESIS, link

    prev = GENESIS
    for row in conn.execute(f"SELECT id, {', '.join(FIELDS)} FROM events ORDER BY id").fetchall():
        h = link(prev, tuple(row[1:]))
        conn.execute("UPDATE events SET prev = ?, hash = ? WHERE id = ?", (prev, h, row[0]))
        prev = h
    conn.execute("DROP TRIGGER audit_head_forward")
    conn.execute("UPDATE audit_head SET hash = ?", (prev,))
    from store.migrations import load

    chain, whole = load("0008_audit_chain"), load("0015_audit_whole")
    for sql in (chain.EVENTS_NO_UPDATE, chain.EVENTS_NO_DELETE, whole.AUDIT_HEAD_FORWARD):
        conn.execute(sql)


def test_a_mistyped_anchor_is_one_line(store: Store, db_path: Path, tmp_path: Path) -> None:
    code, _out, err = dispatch("--db", str(db_path), "check", "--anchor", "12:abc")
    assert code == 2 and err.count("\n") == 1 and "ID:HASH" in err
    empty = tmp_path / "none.txt"
    empty.write_text("nothing here\n")
    code, _out, err = dispatch("--db", str(db_path), "check", "--anchors", str(empty))
    assert code == 2 and "holds no head" in err
    code, _out, err = dispatch("--db", str(db_path), "check", "--anchors", str(tmp_path / "missing.txt"))
    assert code == 2 and "cannot be read" in err and "Traceback" not in err


def test_a_restore_is_recorded_so_the_next_backup_works(store: Store, clock, db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    store.actor = "bob"
    ticket(store)
    assert dispatch("--db", str(db_path), "backup", str(folder))[0] == 0
    first = next(folder.glob("t-*.db"))
    ticket(store)
    clock.advance(hours=1)
    assert dispatch("--db", str(db_path), "backup", str(folder))[0] == 0
    code, _out, err = dispatch("--db", str(db_path), "restore", "--yes", str(first))
    assert code == 0, err
    assert "restored from" in (folder / "t.heads").read_text().splitlines()[-1]
    clock.advance(hours=1)
    code, _out, err = dispatch("--db", str(db_path), "backup", str(folder))
    assert code == 0, err  # the history went back on purpose: the heads after the restored one no longer count


# ------------------------------------------- tables outside tickets

@pytest.fixture(scope="module")
def worked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file with every table in use, written through the store: the
    property test's tour (tests/audit_driver.py) on the seed."""
    from audit_driver import Driver
    from conftest import NOW, MutableClock, seeded_file

    path = tmp_path_factory.mktemp("worked") / "w.db"
    clock = MutableClock(NOW)
    s = seeded_file(path, "bob", "alice", "fay", "gus", clock=clock)
    s.users.set_pin("ann", "482193")
    driver = Driver(s, clock, 5)
    for _name in driver.tour():
        pass
    for table in ("callbacks", "improvement_items", "complaints", "self_evaluations", "pauses", "callback_plans",
                  "parts", "stock_locations", "stock_lots", "stock_moves"):
        assert s.db.q(f"SELECT COUNT(*) FROM {table}")[0][0], f"the tour left {table} empty"
    assert s.audit.verify_audit().ok
    s.close()
    return path


@pytest.fixture
def copy(worked: Path, tmp_path: Path) -> Path:
    out = tmp_path / "w.db"
    out.write_bytes(worked.read_bytes())
    return out


ATTACKS = {
    "users.role": ("UPDATE users SET role = 'manager' WHERE login = 'bob'",
                   "users row bob differs from its history: role is manager, its events say dispatcher"),
    "users.pin_hash": ("UPDATE users SET pin_hash = 'scrypt$16384$8$1$00$00' WHERE login = 'ann'",
                       "users row ann differs from its history: pin_hash is b32:"),
    "a callback's rating": ("UPDATE callbacks SET rating = 'unsatisfied', score = 6 WHERE id = (SELECT MIN(id) FROM callbacks"
                            " WHERE rating IN ('satisfied', 'basic'))", "callbacks row"),
    "a pause's times": ("UPDATE pauses SET started_at = '2026-11-25T08:00:00Z' WHERE id = (SELECT MIN(id) FROM pauses)",
                        "hold 1 differs from its history: started_at is 2026-11-25T08:00:00Z"),
    "sla_policy": ("UPDATE sla_policy SET resolve_min = 9999 WHERE priority = 4", "sla_policy row 4"),
    "a stored report fact": ("UPDATE tickets SET f_response_ok = 1 - f_response_ok WHERE id = (SELECT MIN(id) FROM tickets"
                             " WHERE f_response_ok IS NOT NULL)", "stored f_response_ok is"),
    "a queue key": ("UPDATE tickets SET queue_key = '0' || queue_key WHERE id = (SELECT MIN(id) FROM tickets"
                    " WHERE queue_key IS NOT NULL)", "stored queue_key is"),
    "the calendar's holidays": ("UPDATE settings SET value = '{\"kind\": \"24x7\", \"holidays\": [{\"date\": \"2026-11-25\"}]}'"
                                " WHERE key = 'calendar'", "settings row calendar"),
    "a setting": ("INSERT INTO settings (key, value) VALUES ('sign_in', 'true') ON CONFLICT (key) DO UPDATE SET value ="
                  " CASE WHEN value = 'true' THEN 'false' ELSE 'true' END", "settings row sign_in"),
    "a technician": ("UPDATE technicians SET team_id = 3 - team_id WHERE id = 2", "technicians row 2"),
    "a site": ("UPDATE sites SET name = 'Elsewhere' WHERE id = 1", "sites row 1"),
    "an asset": ("UPDATE equipment SET asset_tag = 'FORGED' WHERE id = 1", "equipment row 1"),
    "a team": ("UPDATE teams SET foreman_id = CASE WHEN foreman_id IS NULL THEN 1 ELSE NULL END WHERE id = 2",
               "teams row 2"),
    "a self-evaluation": ("UPDATE self_evaluations SET score = score + 1", "self_evaluations row"),
    "an improvement item": ("UPDATE improvement_items SET measures = 'forged measures'",
                            "improvement_items row"),
    "a complaint": ("UPDATE complaints SET matter = 'nothing happened'", "complaints row"),
    "a callback plan": ("UPDATE callback_plans SET planned_by = 'alice'", "callback_plans row"),
    "a complaint removed": ("DELETE FROM complaints WHERE id = 1",
                            "complaints row 1 has audit events but no row (deleted around the app)"),
    "a site slipped in": ("INSERT INTO sites (code, name, address) VALUES ('ZZ', 'Ghost', '')",
                          "has no history: it was added around the app"),
    "a loaded asset removed": ("DELETE FROM equipment WHERE id = (SELECT MIN(id) FROM equipment WHERE id <= 4 AND id NOT IN"
                               " (SELECT entity_id FROM events WHERE entity = 'equipment'))",
                               ", recorded by event 1 (test.seed), is gone (deleted around the app)"),
    "a hold removed": ("DELETE FROM pauses WHERE id = (SELECT MAX(p.id) FROM pauses p WHERE p.ticket_id IN"
                       " (SELECT e.ticket_id FROM events e WHERE e.action = 'ticket.pause'))", "holds, its events say"),
    "a part's cost": ("UPDATE parts SET unit_cost = '0.01'", "parts row"),
    "a lot's units": ("UPDATE stock_lots SET remaining = remaining + 5 WHERE id = (SELECT MIN(id) FROM stock_lots)",
                      "stock_lots row"),
    "a use's cost": ("UPDATE stock_moves SET cost = '0.00', charge = 'warranty' WHERE id = (SELECT MAX(id) FROM stock_moves)",
                     "stock_moves row"),
    "a van slipped in": ("INSERT INTO stock_locations (kind, technician_id) SELECT 'van', MAX(id) + 100 FROM technicians",
                         "stock_locations row"),
    "a movement removed": ("DELETE FROM stock_moves WHERE id = (SELECT MIN(id) FROM stock_moves)",
                           "has audit events but no row (deleted around the app)"),
    "the queue totals": ("UPDATE queue_totals SET unassigned = unassigned + 3",
                         "queue_totals differs from the tickets: unassigned is"),
    "a technician's load": ("INSERT INTO technician_load (technician_id, open_load) VALUES (4, 7) ON CONFLICT"
                            " (technician_id) DO UPDATE SET open_load = open_load + 7", "technician_load of technician 4 is"),
}


@pytest.mark.parametrize("what", sorted(ATTACKS))
def test_a_hand_edit_of_any_audited_table_is_named(copy: Path, what: str) -> None:
    sql, said = ATTACKS[what]
    conn = raw(copy)
    assert conn.execute(sql).rowcount != 0, "the attack changed nothing"
    conn.close()
    code, _out, err = dispatch("--db", str(copy), "check")
    assert code == 2, f"{what}: check said ok"
    assert said in err, err


def test_the_months_sla_figure_rests_on_facts_check_works_out_again(copy: Path) -> None:
    """Every first response made late on paper: the month's compliance drops
    to nothing in the report, and check names the tickets."""
    conn = raw(copy)
    n = conn.execute("UPDATE tickets SET f_response_ok = 0 WHERE f_response_ok = 1").rowcount
    conn.close()
    assert n > 0
    code, _out, err = dispatch("--db", str(copy), "check")
    assert code == 2 and f"({n} problem" in err and "stored f_response_ok is 0; worked out again from the ticket it is 1" in err
