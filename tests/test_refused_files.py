"""A file we refuse is left exactly as it was, and a full disk is called that.

Foreign SQLite and newer-schema files were switched to WAL before being
refused (their header changed); now they are looked at through a read-only
connection first. A -shm that cannot be made on a full disk said "disk I/O
error"; now it says "disk full"."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from store import DatabaseFileError, Store
from store.db import explain
from tests.conftest import NOW
from tests.console_helpers import make_ticket


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def made(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.db"
    if kind == "empty":
        path.touch()
        return path
    if kind == "foreign":  # somebody else's SQLite file, in rollback-journal mode
        raw = sqlite3.connect(path)
        raw.execute("CREATE TABLE notes (x TEXT)")
        raw.execute("INSERT INTO notes VALUES ('mine')")
        raw.commit()
        raw.close()
        return path
    good = tmp_path / "good.db"
    s = Store(good, create=True, actor="ann")
    s.load("test.seed", {"sites": [{"id": 1, "code": "HQ", "name": "Head Office", "address": ""}]}, {})
    make_ticket(s, equipment_id=None)
    s.close_db()
    raw = sqlite3.connect(good)
    raw.execute("PRAGMA journal_mode = DELETE")  # so a switch back to WAL would show in the header
    if kind == "newer":
        raw.execute("PRAGMA user_version = 999")
    raw.close()
    data = bytearray(good.read_bytes())
    if kind == "corrupt":
        data[100:3000] = b"\xa5" * 2900
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("kind, words", [("foreign", "not a Dispatch Console database"), ("newer", "newer"),
                                         ("corrupt", ""), ("empty", "empty")])
def test_a_refused_file_is_left_untouched(tmp_path: Path, kind: str, words: str) -> None:
    path = made(tmp_path, kind)
    before = digest(path)
    for read_only in (False, True):
        with pytest.raises(DatabaseFileError) as info:
            Store(path, actor="ann", read_only=read_only)
        assert words in str(info.value) and "\n" not in str(info.value)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(kind)) == [path.name]  # no -wal, -shm


def test_full_disk_is_called_disk_full(tmp_path: Path) -> None:
    """SQLite's words for a -shm or -wal that cannot grow are "disk I/O error";
    its extended code (or the free space left) says what it is."""
    full = sqlite3.OperationalError("database or disk is full")
    assert "disk full" in str(explain(tmp_path / "x.db", full))
    shm = sqlite3.OperationalError("disk I/O error")
    shm.sqlite_errorcode = 4874  # type: ignore[attr-defined]  # SQLITE_IOERR_SHMSIZE
    assert "disk full" in str(explain(tmp_path / "x.db", shm))
    other = sqlite3.OperationalError("disk I/O error")
    assert "disk full" not in str(explain(tmp_path / "x.db", other))


def test_full_tmpfs_is_called_disk_full(tmp_path: Path) -> None:
    """The real thing where we may mount a small tmpfs (root): the file
    fits, its -shm (32 KiB) does not."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a tmpfs")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    src = made(tmp_path, "good")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={src.stat().st_size + 8192}", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        path = mnt / "d.db"
        shutil.copyfile(src, path)
        raw = sqlite3.connect(path)  # in WAL, as our files are: opening needs a new -shm
        raw.execute("PRAGMA journal_mode = WAL")
        raw.close()
        while True:  # fill what is left
            try:
                with (mnt / "filler").open("ab") as fh:
                    fh.write(b"\0" * 1024)
            except OSError:
                break
        opened: list[Store] = []
        with pytest.raises(DatabaseFileError) as info:
            opened.append(Store(path, actor="ann", clock=lambda: NOW))
            opened[0].set_setting("center_name", "X")
        for s in opened:
            s.close_db()
        assert "disk full" in str(info.value) and "I/O" in str(info.value), str(info.value)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)  # -l: never left mounted
