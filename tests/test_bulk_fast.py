"""The big build's shortcuts (bench/README.md "Building a big file, third
round") leave what the long way leaves: the load's digest written by SQLite
equals the one Python writes (which ``dispatch check`` recomputes), the
search rows and counts (the open tickets' gathered once, the full-text batch
raised and put back) equal those of the same chunks loaded one by one,
whatever order the chunks come in, and a file built unjournaled ends in WAL
with its writes and savepoints as journaled ones."""

from __future__ import annotations

import contextlib
import multiprocessing
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from demo_data.scale import generate_scale
from store import Store
from store.errors import RuleViolation
from store.repo.audit import digest_columns, loaded_note
from store.repo.search import PAIRS, pairs_match
from store.rules import audit
from tests.conftest import NOW
from tests.test_bulk_load import check_ok

ODD = [  # (column, value): values SQLite's json_array may write otherwise than Python does
    ("description", 'a "quoted" \\ back\\slash'),
    ("description", "line\nbreak\ttab\x01\x1f"),
    ("description", "😀 吞卡 \u2028 \x7f"),
    ("frozen_left_s", 0.1 + 0.2),
    ("frozen_left_s", 1e15),
    ("frozen_left_s", 1e16),
    ("frozen_left_s", -0.0),
    ("frozen_left_s", 0.0),
    ("frozen_left_s", 3.0),
    ("frozen_left_s", -7.0),
    ("fee_cents", 1.5),
    ("f_response_s", 1 / 3),
    ("window_s", 2**62),
]


def python_digest(conn: sqlite3.Connection, ids: list[int]) -> str:
    columns = digest_columns(conn)
    d = audit.RowDigest(columns)
    for tid in ids:
        d.add_values(tuple(conn.execute(f"SELECT {', '.join(columns)} FROM tickets WHERE id = ?", (tid,)).fetchone()))
    return d.hexdigest()


def test_the_loads_digest_by_sqlite_is_the_one_python_writes(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db", create=True, actor="ann", clock=lambda: NOW)
    generate_scale(store, 60, chunk=30)
    store.close()
    conn = sqlite3.connect(tmp_path / "t.db")
    for i, (column, value) in enumerate(ODD, start=2):
        conn.execute(f"UPDATE tickets SET {column} = ? WHERE id = ?", (value, i))
    ids = [r[0] for r in conn.execute("SELECT id FROM tickets ORDER BY id")]
    for chosen in (ids, ids[1::3], ids[:1]):
        note = loaded_note(conn, chosen)
        assert note is not None and note["count"] == len(chosen)
        assert note["sha256"] == python_digest(conn, chosen)
    # A BLOB (json_array refuses one): those rows by Python.
    conn.execute("UPDATE tickets SET fee_items = x'00ff' WHERE id = 30")
    note = loaded_note(conn, ids)
    assert note is not None and note["sha256"] == python_digest(conn, ids)
    conn.close()


def ticket_rows(path: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    rows = [{k: r[k] for k in r.keys() if not k.startswith("f_")} for r in conn.execute("SELECT * FROM tickets WHERE id > 40 ORDER BY id")]
    conn.close()
    return rows


@pytest.mark.parametrize("order", ["up", "down"])
def test_chunks_loaded_in_bulk_in_any_order_leave_what_loading_them_one_by_one_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, order: str
) -> None:
    """An import need not come in id order: "down" loads each chunk below the last."""
    source = Store(tmp_path / "source.db", create=True, actor="ann", clock=lambda: NOW)
    generate_scale(source, 80, chunk=40, open_share=0.3)
    source.close()
    rows = ticket_rows(tmp_path / "source.db")
    chunks = [[{**r, "id": r["id"] + 1000 + k * 100} for r in rows[k * 10 : (k + 1) * 10]] for k in range(4)]
    if order == "down":
        chunks.reverse()
    got = []
    for name, in_bulk in (("bulk.db", True), ("rows.db", False)):
        store = Store(tmp_path / name, create=True, actor="ann", clock=lambda: NOW)
        generate_scale(store, 40, chunk=40)  # the reference rows, and tickets 1..40
        if not in_bulk:
            monkeypatch.setattr(store.admin, "bulk", lambda action, building=None: contextlib.nullcontext())
        with store.admin.bulk("tests.load"):
            for chunk in chunks:
                store.admin.load("tests.load", {"tickets": chunk}, {"test": True})
        store.close()
        if in_bulk:
            check_ok(tmp_path / name)
        conn = sqlite3.connect(tmp_path / name)
        got.append(
            [
                conn.execute(sql).fetchall()
                for sql in (
                    "SELECT rowid, * FROM ticket_search ORDER BY rowid",
                    "SELECT * FROM queue_totals",
                    "SELECT * FROM tickets ORDER BY id",
                    "SELECT * FROM ticket_search_config ORDER BY k",
                    "SELECT count(*) FROM ticket_search WHERE ticket_search MATCH 'ATM'",
                )
            ]
            # The pairs index holds no text to compare: what it finds, term by term.
            + [conn.execute(PAIRS + " ORDER BY rowid", (pairs_match([term], open_only=True),)).fetchall()
               for term in ("at", "tm", "卡", "出钞", "13")]
        )
        conn.close()
    assert got[0] == got[1]
    assert len(got[0][0]) == 80 and got[0][4][0][0] > 0 and got[0][5]


def test_a_file_built_unjournaled_is_in_wal_after_with_every_write(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = Store(path, create=True, actor="ann", clock=lambda: NOW)
    store.db.q("SELECT 1")  # a reader open, as the build has
    writer = store.db._writer
    had = [writer.execute(f"PRAGMA {p}").fetchone()[0] for p in ("secure_delete", "threads", "cache_size")]
    with store.db.unjournaled():
        assert store.db.value("PRAGMA journal_mode") != "wal"  # (a reader's view: the writer's journal is in memory)
        assert writer.execute("PRAGMA secure_delete").fetchone()[0] == 0  # freed pages not zeroed while built
        generate_scale(store, 200, chunk=100)
        # The load's index sorts on worker threads and its cache, each put back after.
        assert [writer.execute(f"PRAGMA {p}").fetchone()[0] for p in ("threads", "cache_size")] == had[1:]
        with store.db.batch():
            store.settings.set_setting("center_name", "One")
            with pytest.raises(RuleViolation):
                store.settings.set_setting("duty_manager", "nobody")  # its savepoint rolled back alone
        assert not Path(f"{path}-wal").exists() and not Path(f"{path}-journal").exists()
    assert store.db.value("PRAGMA journal_mode") == "wal"
    assert writer.execute("PRAGMA secure_delete").fetchone()[0] == had[0]  # as this SQLite was built (on here)
    store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == 200
    conn.close()
    store = Store(path, actor="ann")
    assert store.settings.setting("center_name") == "One" and store.settings.setting("duty_manager") is None
    store.close()
    check_ok(path)


def test_a_full_text_batch_set_by_hand_is_kept_through_a_bulk_load(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = Store(path, create=True, actor="ann", clock=lambda: NOW)
    generate_scale(store, 20, chunk=20)
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO ticket_search (ticket_search, rank) VALUES ('hashsize', 2097152)")
    conn.commit()
    conn.close()
    store = Store(path, actor="ann", clock=lambda: NOW)
    generate_scale(store, 50, chunk=25)
    store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT k, v FROM ticket_search_config WHERE k = 'hashsize'").fetchall() == [("hashsize", 2097152)]
    assert conn.execute("SELECT count(*) FROM ticket_pairs_config WHERE k = 'hashsize'").fetchone()[0] == 0
    conn.close()


def test_rows_drawn_in_a_second_process_are_the_rows_drawn_here(tmp_path: Path) -> None:
    """A big build draws and derives its rows in a forked child (demo_data/scale.py
    ``_made_ahead``): the same tickets, holds, search rows, counts and load
    events as drawn in this process, and the file passes the check."""
    got = []
    for name, ahead in (("ahead.db", True), ("here.db", False)):
        store = Store(tmp_path / name, create=True, actor="ann", clock=lambda: NOW)
        counts = generate_scale(store, 900, chunk=200, open_share=0.3, ahead=ahead)
        store.close()
        conn = sqlite3.connect(tmp_path / name)
        got.append([counts] + [
            conn.execute(sql).fetchall()
            for sql in (
                "SELECT * FROM tickets ORDER BY id",
                "SELECT * FROM pauses ORDER BY id",
                "SELECT rowid, * FROM ticket_search ORDER BY rowid",
                "SELECT * FROM queue_totals",
                "SELECT * FROM deadline_minutes ORDER BY minute",
                "SELECT action, new FROM events ORDER BY id",
            )
        ])
        conn.close()
    assert got[0] == got[1]
    assert got[0][0]["tickets"] == 900 and [a for a, _ in got[0][6]].count("demo.scale") == 5  # five chunks loaded
    check_ok(tmp_path / "ahead.db")


def test_a_failure_in_the_drawing_process_fails_the_build_and_leaves_no_child(tmp_path: Path) -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("no rows today")

    import demo_data.scale as scale

    seen = []
    with pytest.raises(RuntimeError, match="ValueError: no rows today"):
        for item in scale._made_ahead(broken):
            seen.append(item)
    assert seen == [1]
    assert not [p for p in multiprocessing.active_children() if p.name == "dispatch-scale-rows"]
