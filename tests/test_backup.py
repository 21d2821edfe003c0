"""``dispatch backup`` copies a file others are writing to, consistently,
and checks the copy; ``dispatch restore`` checks a backup and renames it into
place, so open stores see a replaced file; a bad backup changes nothing."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from console.cli import cli
from store import Store
from store.backup import verify_file

WRITER = """
import sys, pendulum
from store import Store
from store.timeutil import fixed_clock
s = Store(sys.argv[1], actor="bob", clock=fixed_clock(pendulum.datetime(2026, 11, 25, 9, tz="UTC")))
print("ready", flush=True)
n = 0
while n < int(sys.argv[2]):
    t = s.tickets.create_ticket({"priority": 3, "channel": "phone", "reporter": f"R{n}", "phone": "555", "site_id": 1,
                         "category": "atm", "description": f"written during a backup {n}"})
    s.tickets.assign(t.id, t.version, technician_id=1)
    n += 1
print(n, flush=True)
"""


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dispatch(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def count(path: Path, table: str) -> int:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_backup_while_another_process_writes(store: Store, db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), "150"], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parent.parent)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        made = []
        deadline = time.monotonic() + 20
        while writer.poll() is None and time.monotonic() < deadline and len(made) < 5:
            code, out, err = dispatch("--db", str(db_path), "backup", str(folder / f"b{len(made)}.db"))
            assert code == 0, err
            assert "integrity ok, audit chain intact" in out
            made.append(folder / f"b{len(made)}.db")
        assert writer.wait(timeout=60) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
    assert made
    final = count(db_path, "tickets")
    for path in made:
        report = verify_file(path)  # each copy is a consistent snapshot: whole tickets, whole history
        assert report.ok, (path, report.problems)
        assert report.tickets <= final
        assert not Path(f"{path}-wal").exists()  # one self-contained file, ready to copy off the host
    assert not list(folder.glob(".*"))  # no half-written staging file left behind


def test_backup_into_a_folder_is_named_by_time(store: Store, db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "nightly"
    folder.mkdir()
    code, out, _err = dispatch("--db", str(db_path), "backup", str(folder))
    assert code == 0
    made, heads = sorted(folder.iterdir(), key=lambda p: p.suffix)  # the backup, and the heads log beside it
    assert re.fullmatch(r"t-\d{8}T\d{6}Z\.db", made.name), made.name
    assert heads.name == "t.heads" and made.name in heads.read_text()
    assert out.startswith(f"{made}: backup of")


def test_restore_puts_the_backup_in_place_and_open_stores_notice(store: Store, db_path: Path, tmp_path: Path, clock) -> None:
    backup = tmp_path / "before.db"
    assert dispatch("--db", str(db_path), "backup", str(backup))[0] == 0
    tickets_then = count(backup, "tickets")
    store.actor = "bob"
    store.tickets.create_ticket({"priority": 3, "channel": "phone", "reporter": "later", "phone": "555", "site_id": 1,
                         "category": "atm", "description": "after the backup"})
    assert store.db.file_state() is None
    code, out, err = dispatch("--db", str(db_path), "restore", str(backup))
    assert code == 0, err
    assert "restored from" in out and "audit chain intact" in out
    # The store opened before the restore holds the old file: it says so.
    assert store.db.file_state() == "replaced"
    # The old file's journal went with it: the new file opens clean.
    assert not Path(f"{db_path}-wal").exists() or Path(f"{db_path}-wal").stat().st_size == 0
    fresh = store.reopen()
    try:
        assert fresh.admin.max_ticket_id() == tickets_then
        assert fresh.audit.verify_audit().ok
    finally:
        fresh.close()


@pytest.mark.parametrize("damage", ["bytes", "event", "not sqlite"])
def test_a_bad_backup_leaves_the_target_untouched(store: Store, db_path: Path, tmp_path: Path, damage: str) -> None:
    backup = tmp_path / "bad.db"
    assert dispatch("--db", str(db_path), "backup", str(backup))[0] == 0
    if damage == "bytes":  # a disk error in the middle of the copy
        data = bytearray(backup.read_bytes())
        page = 4096
        data[3 * page + 100: 3 * page + 400] = os.urandom(300)
        data[5 * page: 5 * page + 200] = b"\xff" * 200
        backup.write_bytes(bytes(data))
    elif damage == "event":  # a backup someone edited to change the history
        conn = sqlite3.connect(backup, isolation_level=None)
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute("UPDATE events SET actor = 'mallory' WHERE id = 2")
        conn.close()
    else:
        backup.write_bytes(b"this is not a database\n" * 100)
    store.close()
    before = {p.name: sha(p) for p in tmp_path.iterdir() if p.name.startswith(db_path.name)}
    code, _out, err = dispatch("--db", str(db_path), "restore", str(backup), "--yes")
    assert code == 2
    assert "left as it was" in err
    assert {p.name: sha(p) for p in tmp_path.iterdir() if p.name.startswith(db_path.name)} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_backup_refuses_to_overwrite_the_file_itself(store: Store, db_path: Path) -> None:
    before = sha(db_path)
    code, _out, err = dispatch("--db", str(db_path), "backup", str(db_path))
    assert code == 2 and "the database itself" in err
    assert sha(db_path) == before


def test_a_hand_edit_does_not_stop_backups_and_restores_only_when_told(store: Store, db_path: Path,
                                                                        tmp_path: Path) -> None:
    """A row changed around the app is named by check; it must not stop every
    backup after it (the copy is faithful, warnings and exit 1 for cron), and
    such a backup is restored only with --despite-history."""
    store.close()
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE sites SET name = 'edited by hand' WHERE id = 1")
    conn.commit()
    conn.close()
    folder = tmp_path / "nightly"
    folder.mkdir()
    for _night in range(2):
        code, out, err = dispatch("--db", str(db_path), "backup", str(folder))
        assert code == 1, err
        assert "backup of" in out and "dispatch: warning:" in err and "sites row" in err, err
    made = sorted(folder.glob("*.db"))
    assert made
    before = sha(db_path)
    code, _out, err = dispatch("--db", str(db_path), "restore", str(made[-1]), "--yes")
    assert code == 2 and "--despite-history" in err and "sites row" in err, err
    assert sha(db_path) == before
    code, out, err = dispatch("--db", str(db_path), "restore", str(made[-1]), "--yes", "--despite-history")
    assert code == 0, err
    assert "restored from" in out
    code, _out, err = dispatch("--db", str(db_path), "check")
    assert code == 2 and "sites row" in err


def test_backup_into_a_new_folder_named_with_a_slash(store: Store, db_path: Path, tmp_path: Path) -> None:
    """'dispatch backup bk/' with no bk yet: a folder is made and the copy named
    inside it (the slash was lost on the way and a file named bk was written)."""
    folder = tmp_path / "bk"
    code, _out, err = dispatch("--db", str(db_path), "backup", f"{folder}/")
    assert code == 0, err
    assert folder.is_dir()
    assert [p.suffix for p in sorted(folder.iterdir(), key=lambda p: p.suffix)] == [".db", ".heads"]
