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


def dispatch(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def ticket(store: Store) -> int:
    return store.create_ticket({"priority": 2, "channel": "phone", "reporter": "Wang", "phone": "555",
                                "site_id": 1, "equipment_id": 1, "category": "atm", "description": "card stuck"}).id


# ------------------------------------------------ a false alarm breaks backups

def test_a_time_phoned_in_late_keeps_check_and_backup_working(store: Store, clock, db_path: Path,
                                                              tmp_path: Path) -> None:
    """'r' or 'U' with a stated time made check fail ("stated_at is null, its
    events say …"), and every nightly backup refused from then on."""
    store.actor = "bob"
    t = store.ticket(ticket(store))
    t = store.assign(t.id, t.version, technician_id=1)
    clock.advance(minutes=30)
    t = store.respond(t.id, t.version, at="09:10")
    t = store.pause(t.id, t.version, at="09:20", reason="parts")
    t = store.resume(t.id, t.version, at="09:25")
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
        store.add_note(tid, text)
    conn = raw(db_path)
    _drop_guards(conn)  # a clumsy admin: the guards off, the embarrassing notes gone
    conn.execute("DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id DESC LIMIT 2)")
    code, _out, err = dispatch("--db", str(db_path), "check")
    assert code == 2
    assert "its head record says event" in err and "events were removed" in err, err


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
    from store.schema_audit import AUDIT_HEAD_FORWARD, AUDIT_HEAD_KEEP
    from store.schema_later import EVENTS_NO_DELETE, EVENTS_NO_UPDATE

    for sql in (EVENTS_NO_UPDATE, EVENTS_NO_DELETE, AUDIT_HEAD_FORWARD, AUDIT_HEAD_KEEP):
        conn.execute(sql)


def test_a_careful_truncation_is_caught_by_the_backups_heads_log(store: Store, clock, db_path: Path,
                                                                  tmp_path: Path) -> None:
    """The file alone cannot stop someone who rewinds its head record too: the
    head each backup wrote to its folder's heads log can."""
    folder = tmp_path / "backups"
    folder.mkdir()
    store.actor = "bob"
    tid = ticket(store)
    store.add_note(tid, "first note")
    keep = raw(db_path).execute("SELECT MAX(id) FROM events").fetchone()[0]
    store.add_note(tid, "second note, in last night's backup")
    code, _out, err = dispatch("--db", str(db_path), "backup", str(folder))
    assert code == 0, err
    log = folder / "t.heads"
    assert log.stat().st_mode & 0o777 == 0o660
    recorded = log.read_text().splitlines()
    assert len(recorded) == 1 and recorded[0].split("\t")[1].startswith(f"{keep + 1}:")
    store.add_note(tid, "third note")
    _rewind(raw(db_path), keep)  # the second and third notes gone, the head record moved back
    assert dispatch("--db", str(db_path), "check")[0] == 0  # the file alone cannot tell (README says so)
    clock.advance(days=1)
    code, _out, err = dispatch("--db", str(db_path), "backup", str(folder))
    assert code == 2
    assert f"(event {keep + 1}," in err and "cut back" in err and "nothing written" in err, err
    assert len(list(folder.glob("t-*.db"))) == 1  # no new backup
    code, _out, err = dispatch("--db", str(db_path), "check", "--anchors", str(log))
    assert code == 2 and "cut back" in err


def test_check_head_is_a_line_to_keep_and_anchor_verifies_it(store: Store, db_path: Path, tmp_path: Path) -> None:
    store.actor = "bob"
    tid = ticket(store)
    store.add_note(tid, "the customer asked for a discount")
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
    store.add_note(tid, "later")
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
    from store.audit import FIELDS, GENESIS, link

    prev = GENESIS
    for row in conn.execute(f"SELECT id, {', '.join(FIELDS)} FROM events ORDER BY id").fetchall():
        h = link(prev, tuple(row[1:]))
        conn.execute("UPDATE events SET prev = ?, hash = ? WHERE id = ?", (prev, h, row[0]))
        prev = h
    conn.execute("DROP TRIGGER audit_head_forward")
    conn.execute("UPDATE audit_head SET hash = ?", (prev,))
    from store.schema_audit import AUDIT_HEAD_FORWARD
    from store.schema_later import EVENTS_NO_DELETE, EVENTS_NO_UPDATE

    for sql in (EVENTS_NO_UPDATE, EVENTS_NO_DELETE, AUDIT_HEAD_FORWARD):
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
