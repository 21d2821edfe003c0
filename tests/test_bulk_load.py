"""A big build: many writes as one transaction, the tickets' indexes built
and their insert triggers' work done set-wise once at its end (store/repo/bulk.py).

A build killed midway leaves the file as it was; what a bulk load leaves
(search rows, totals, indexes, triggers, the audit) is what the same rows
loaded one by one through the triggers leave; a write that fails inside a
batch is undone alone."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from console.cli import cli
from demo_data.scale import generate_scale
from store import Store
from store.errors import RuleViolation
from store.migrations import load
from store.repo.bulk import SETWISE, fingerprint, pairs_document
from tests.conftest import NOW, MutableClock, seeded_file

ROOT = Path(__file__).resolve().parent.parent
_PAIRS = load("0021_search_pairs")


def digest(path: Path) -> str:
    """What the file holds, read through SQLite (the -wal included)."""
    conn = sqlite3.connect(path)
    h = hashlib.sha256()
    # A contentless FTS5 table (ticket_pairs) cannot be read row by row: its shadow tables are.
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'ticket_search%'"
                                 " AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'"
                                 " ORDER BY name").fetchall():
        for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
            h.update(repr(row).encode())
    h.update(repr(conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()).encode())
    h.update(repr(conn.execute("SELECT rowid, * FROM ticket_search ORDER BY rowid").fetchall()).encode())
    conn.close()
    return h.hexdigest()


def check_ok(path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(path), "check"])
    assert result.exit_code == 0 and "audit chain intact" in result.output, result.output


def test_a_scale_load_killed_midway_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "big.db"
    store = Store(db, create=True, actor="ann", clock=lambda: NOW)
    generate_scale(store, 1_000, chunk=500)
    before = digest(db)
    chunks: list[int] = []

    def killed_on_the_third(n: int) -> None:
        chunks.append(n)
        if len(chunks) == 3:
            raise KeyboardInterrupt  # Ctrl-C (or a kill) after two chunks were written

    with pytest.raises(KeyboardInterrupt):
        generate_scale(store, 2_000, chunk=500, progress=killed_on_the_third, seed=8)
    store.close()
    assert digest(db) == before  # nothing of it: no tickets, indexes and search trigger as they were
    check_ok(db)


def test_dispatch_demo_keep_scale_killed_leaves_the_demo(demo_copy: Any, tmp_path: Path) -> None:
    """A real process killed (SIGKILL, no cleanup of its own) while it adds tickets to a kept demo."""
    path = demo_copy()
    store = Store(path, actor="ann")
    store.settings.mark_demo(7)
    store.close()
    before = digest(path)
    proc = subprocess.Popen([sys.executable, "-m", "console.cli", "--db", str(path), "demo", "--keep", "--scale",
                             "200000", "--no-console"], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "DISPATCH_ACTOR": "ann", "XDG_DATA_HOME": str(tmp_path)})
    assert proc.stdout is not None
    for line in proc.stdout:  # wait until some chunks are written (inside the one transaction)
        if "adding tickets" in line and "of 200,000" in line and not line.startswith("adding tickets: 0 "):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert digest(path) == before
    check_ok(path)


def test_a_bulk_load_leaves_what_loading_row_by_row_leaves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = []
    for name, bulk in (("bulk.db", True), ("rows.db", False)):
        store = Store(tmp_path / name, create=True, actor="ann", clock=lambda: NOW)
        if not bulk:
            # As loads ran before: each its own transaction, the triggers and indexes on.
            monkeypatch.setattr(store.admin, "bulk", lambda action, building=None: contextlib.nullcontext())
        generate_scale(store, 3_000, chunk=1_000, open_share=0.3)
        store.close()
        files.append(tmp_path / name)
        check_ok(tmp_path / name)
    conns = [sqlite3.connect(f) for f in files]
    for c in conns:  # the pairs index is contentless: read which tickets each token names
        c.execute("CREATE VIRTUAL TABLE temp.pairs_vocab USING fts5vocab(main, ticket_pairs, instance)")

    def read(sql: str) -> list[list[Any]]:
        return [c.execute(sql).fetchall() for c in conns]

    for sql in ("SELECT rowid, * FROM ticket_search ORDER BY rowid", "SELECT * FROM queue_totals",
                "SELECT * FROM technician_load ORDER BY technician_id", "SELECT * FROM tickets ORDER BY id",
                "SELECT * FROM pauses ORDER BY id", "SELECT * FROM deadline_minutes ORDER BY minute",
                "SELECT term, doc FROM pairs_vocab ORDER BY term, doc",
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name",
                "SELECT action, entity, new FROM events WHERE action LIKE 'demo.scale%' ORDER BY id"):
        bulk, rows = read(sql)
        assert bulk == rows, sql
    # The search finds them through the index built at the end.
    bulk, rows = read("SELECT count(*) FROM ticket_search WHERE ticket_search MATCH 'ATM'")
    assert bulk == rows and bulk[0][0] > 0
    bulk, rows = read("SELECT count(*) FROM deadline_minutes")
    assert bulk == rows and bulk[0][0] > 0
    bulk, rows = read("SELECT count(*) FROM pairs_vocab")
    assert bulk == rows and bulk[0][0] > 0


def test_every_insert_trigger_on_tickets_is_done_set_wise_in_a_bulk_load(tmp_path: Path) -> None:
    """A trigger added or changed by a later migration runs row by row in a
    bulk load (correct, only slow) until store/repo/bulk.py learns its work."""
    store = Store(tmp_path / "t.db", create=True, actor="ann", clock=lambda: NOW)
    triggers = store.db.q("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets'"
                          " AND sql LIKE '%AFTER INSERT ON tickets%' ORDER BY name")
    store.close()
    assert {name: fingerprint(sql) for name, sql in triggers} == {n: f for n, (f, _) in SETWISE.items()}


def test_a_batch_is_one_transaction_and_a_failed_write_in_it_is_undone_alone(tmp_path: Path) -> None:
    clock = MutableClock(NOW)
    store = seeded_file(tmp_path / "t.db", "ann", clock=clock)
    other = sqlite3.connect(tmp_path / "t.db")
    events = other.execute("SELECT count(*) FROM events").fetchone()[0]
    with store.db.batch():
        store.settings.set_setting("center_name", "One")
        with pytest.raises(RuleViolation):
            store.settings.set_setting("duty_manager", "nobody")  # refused inside its write
        store.settings.set_setting("center_name", "Two")
        # Nothing is seen by another connection until the batch commits.
        assert other.execute("SELECT count(*) FROM events").fetchone()[0] == events
    assert other.execute("SELECT count(*) FROM events").fetchone()[0] == events + 2
    assert store.settings.setting("center_name") == "Two" and store.settings.setting("duty_manager") is None
    with pytest.raises(KeyboardInterrupt), store.db.batch():
        store.settings.set_setting("center_name", "Three")
        raise KeyboardInterrupt
    assert store.settings.setting("center_name") == "Two"
    assert other.execute("SELECT count(*) FROM events").fetchone()[0] == events + 2
    other.close()
    store.close()
    check_ok(tmp_path / "t.db")


@pytest.mark.parametrize("text", [
    None, "", "a", "ATM 吞卡", "王磊", "Éé ÀÇ ß İ", "😀x🎉", "A\tB/C-D (E)+F.G", "x" * 5000, "吞" * 4097,
    "MiXeD 123 ZQ zq", "ǅ Ω ﬁ",
])
def test_the_pairs_document_of_a_bulk_load_is_the_triggers_own(text: str | None) -> None:
    """``pairs_document`` (Python, for the bulk load) and 0021's SQL give the same tokens."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE search_positions (n INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO search_positions (n) VALUES (?)", [(n,) for n in range(1, _PAIRS.POSITIONS + 1)])
    values = (text, "Ann Lee", text, "", "138 0000-" + (text or "")[:3], "open")
    sql = conn.execute(f"SELECT {_PAIRS.document('?1', '?2', '?3', '?4', '?5', '?6')}", values).fetchone()[0]
    assert pairs_document(*values) == sql
    closed = (*values[:5], "")
    assert pairs_document(*closed) == conn.execute(f"SELECT {_PAIRS.document('?1', '?2', '?3', '?4', '?5', '?6')}",
                                                   closed).fetchone()[0]


@pytest.mark.xdist_group("demo")  # with the other tests of the session demo (conftest)
def test_the_demo_history_in_one_transaction_is_the_one_write_at_a_time_history(
        demo_build: Any, tmp_path: Path) -> None:
    """``dispatch demo`` writes the demo's thousands of steps in one batch
    (savepoints of one transaction); the session's demo (conftest) took them
    one transaction each. Same events, one by one (hash chain included), and
    the same rows in every table, derived ones and the search indexes too."""
    from demo_data.demo import generate_demo
    from store.timeutil import fixed_clock

    path = tmp_path / "batched.db"
    store = Store(path, create=True, clock=fixed_clock(NOW), actor="demo")
    with store.db.batch():
        generate_demo(store, seed=7)
    store.close()
    conns = [sqlite3.connect(p) for p in (path, demo_build.path)]
    for c in conns:
        c.execute("CREATE VIRTUAL TABLE temp.pairs_vocab USING fts5vocab(main, ticket_pairs, instance)")
    tables = [t for (t,) in conns[1].execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE 'ticket_search_%' AND name NOT LIKE 'ticket_pairs_%' AND sql NOT LIKE 'CREATE VIRTUAL%'"
        " AND name != 'migrations' ORDER BY name")]  # (the migrations' log: when each step ran, on the real clock)
    assert "events" in tables and "deadline_minutes" in tables
    for sql in [f'SELECT * FROM "{t}" ORDER BY 1' for t in tables] + [
            "SELECT rowid, * FROM ticket_search ORDER BY rowid", "SELECT term, doc FROM pairs_vocab ORDER BY term, doc",
            "SELECT type, name, sql FROM sqlite_master ORDER BY name", "SELECT name, pending FROM migrations"]:
        batched, one_by_one = (c.execute(sql).fetchall() for c in conns)
        if sql.endswith("events\" ORDER BY 1"):
            assert len(batched) == len(one_by_one) > 5_000
            for a, b in zip(batched, one_by_one, strict=True):
                assert a == b
        assert batched == one_by_one, sql
    for c in conns:
        c.close()
    check_ok(path)
