"""Every file a user can point the console at: each bad case is one
DatabaseFileError line that names the file."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from store import DatabaseFileError, Store
from store.db import SQLITE_MAGIC
from store.migrations import SCHEMA_VERSION


def refused(path: Path, *, create: bool = False, busy_timeout_ms: int = 5000) -> str:
    with pytest.raises(DatabaseFileError) as info:
        Store(path, actor="ann", create=create, busy_timeout_ms=busy_timeout_ms)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    return message


def make_db(path: Path, tickets: int = 0) -> None:
    s = Store(path, create=True, actor="ann")
    if tickets:
        s.admin.load("test.seed", {"sites": [{"id": 1, "code": "HQ", "name": "Head Office", "address": ""}]}, {})
        for n in range(tickets):
            s.tickets.create_ticket({"reporter": "R", "phone": "123", "site_id": 1, "priority": 3,
                             "description": f"fault number {n} " + "x" * 400})
    s.close()


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.db"
    assert "does not exist" in refused(path)
    assert not path.exists()  # nothing created behind the user's back


def test_missing_folder_with_create(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "dir" / "x.db"
    assert "does not exist" in refused(path, create=True)


def test_directory(tmp_path: Path) -> None:
    assert "folder" in refused(tmp_path)
    assert "folder" in refused(tmp_path, create=True)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    assert "empty" in refused(path)
    # With create, an empty file becomes a database.
    s = Store(path, create=True, actor="ann")
    assert s.admin.schema_version() == SCHEMA_VERSION
    s.close()


@pytest.mark.parametrize(
    "content",
    [os.urandom(4096), b"ticket,site\n1,HQ\n" * 100, b"SQLite format 2\x00" + b"\x00" * 1000, b"x"],
    ids=["random", "csv", "almost-sqlite", "one-byte"],
)
def test_not_sqlite(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    assert "not SQLite" in refused(path)
    assert "not SQLite" in refused(path, create=True)
    assert path.read_bytes() == content  # left untouched


def test_corrupt_first_page(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    make_db(path)
    raw = bytearray(path.read_bytes())
    assert raw[:16] == SQLITE_MAGIC
    raw[100:1100] = b"\xa5" * 1000  # the schema page, after the 100-byte header
    path.write_bytes(bytes(raw))
    message = refused(path)
    assert "corrupt" in message or "not SQLite" in message


def page_size(raw: bytes) -> int:
    return int.from_bytes(raw[16:18], "big")


def test_corrupt_middle_pages(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    make_db(path, tickets=200)
    raw = bytearray(path.read_bytes())
    page = page_size(raw)
    pages = len(raw) // page
    assert pages > 6
    for n in range(1, pages - 1):  # the start of every page but the first and the last
        raw[n * page:n * page + 64] = b"\xff" * 64
    path.write_bytes(bytes(raw))
    assert "corrupt" in refused(path)


def test_corrupt_table_found_when_read(tmp_path: Path) -> None:
    """The file opens (its schema page is sound); the first read or write of
    the damaged table says so in one line."""
    path = tmp_path / "corrupt.db"
    make_db(path, tickets=200)
    raw_db = sqlite3.connect(path)
    (root,) = raw_db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'tickets'").fetchone()
    raw_db.close()
    raw = bytearray(path.read_bytes())
    page = page_size(raw)
    raw[(root - 1) * page:root * page] = b"\xff" * page
    path.write_bytes(bytes(raw))
    s = Store(path, actor="ann")
    try:
        new = {"reporter": "R", "phone": "123", "site_id": 1, "priority": 3, "description": "d"}
        for use in (s.queue.find, lambda: s.tickets.ticket(1), lambda: s.tickets.create_ticket(new)):
            with pytest.raises(DatabaseFileError) as info:
                use()
            message = str(info.value)
            assert "corrupt" in message and str(path) in message and "\n" not in message
    finally:
        s.close()


def test_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    make_db(path)
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    message = refused(path)
    assert "99" in message and "newer" in message and str(SCHEMA_VERSION) in message
    assert "newer" in refused(path, create=True)


def test_foreign_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    raw.commit()
    raw.close()
    assert "not a Dispatch Console database" in refused(path)
    assert "not a Dispatch Console database" in refused(path, create=True)  # never migrated over


def test_uninitialised_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.db"
    path.write_bytes(_empty_sqlite(tmp_path))
    assert "not initialised" in refused(path)


def _empty_sqlite(tmp_path: Path) -> bytes:
    """A real SQLite file (header, one page) with no tables and user_version 0."""
    scratch = tmp_path / "scratch.db"
    raw = sqlite3.connect(scratch)
    raw.execute("CREATE TABLE t (x)")
    raw.execute("DROP TABLE t")
    raw.execute("VACUUM")
    raw.close()
    return scratch.read_bytes()


def test_old_schema_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    path.write_bytes(_empty_sqlite(tmp_path))
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 0
    assert raw.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    raw.close()
    s = Store(path, create=True, actor="ann")
    try:
        assert s.admin.schema_version() == SCHEMA_VERSION
        assert s.db._writer.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.db._writer.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert s.settings.setting("repeat_window_days") == 30
        assert sorted(s.settings.policy()) == [1, 2, 3, 4]
    finally:
        s.close()
    # Reopening finds it current, without create.
    again = Store(path, actor="ann")
    assert again.admin.schema_version() == SCHEMA_VERSION
    again.close()


def test_read_only_file(tmp_path: Path) -> None:
    """A file we may not write opens read-only; a write says so in one line."""
    path = tmp_path / "ro.db"
    make_db(path)
    path.chmod(0o444)
    try:
        s = Store(path, actor="ann")
        assert s.read_only and s.settings.setting("timezone") is not None
        with pytest.raises(DatabaseFileError) as info:
            s.settings.set_setting("center_name", "X")
        assert "read-only" in str(info.value) and str(path) in str(info.value)
        s.close()
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize("begin", ["BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"])
def test_locked_file(tmp_path: Path, begin: str) -> None:
    """Opening never waits for another process's write (WAL readers don't); the write itself does."""
    path = tmp_path / "busy.db"
    make_db(path)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        assert holder.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        holder.execute(begin)
        holder.execute("INSERT INTO settings VALUES ('held', '1')")
        s = Store(path, actor="ann", busy_timeout_ms=100)
        with pytest.raises(DatabaseFileError) as info:
            s.settings.set_setting("center_name", "X")
        assert "is locked by another process" in str(info.value)
        s.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    Store(path, actor="ann", busy_timeout_ms=100).close()  # free again


def test_lock_taken_after_opening(tmp_path: Path) -> None:
    """A write that meets another process's lock is one line too, and nothing is half-written."""
    path = tmp_path / "busy.db"
    make_db(path, tickets=1)
    s = Store(path, actor="ann", busy_timeout_ms=100)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(DatabaseFileError) as info:
            s.settings.set_setting("center_name", "X")
        assert "is locked by another process" in str(info.value) and str(path) in str(info.value)
        assert s.queue.find()  # reads still work in WAL mode
        holder.execute("ROLLBACK")
        s.settings.set_setting("center_name", "X")
        assert s.settings.setting("center_name") == "X"
    finally:
        holder.close()
        s.close()


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("UPDATE settings SET value = 'not json' WHERE key = 'timezone'", "damaged setting"),
        ("UPDATE settings SET value = '\"Mars/Base\"' WHERE key = 'timezone'", "Mars/Base"),
        ("DELETE FROM sla_policy WHERE priority = 2", "priority"),
        ("UPDATE settings SET value = '{\"kind\": \"business\", \"opens\": \"25:99\"}' WHERE key = 'calendar'",
         "damaged setting"),
    ],
    ids=["not-json", "bad-zone", "no-policy", "bad-calendar"],
)
def test_damaged_settings_are_one_line(tmp_path: Path, sql: str, words: str) -> None:
    path = tmp_path / "bad.db"
    make_db(path)
    raw = sqlite3.connect(path)
    raw.execute(sql)
    raw.commit()
    raw.close()
    assert words in refused(path)
