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
from store.models import QueueFilter
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
    s.admin.load("test.seed", {"sites": [{"id": 1, "code": "HQ", "name": "Head Office", "address": ""}]}, {})
    make_ticket(s, equipment_id=None)
    s.close()
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
            opened[0].settings.set_setting("center_name", "X")
        for s in opened:
            s.close()
        assert "disk full" in str(info.value) and "I/O" in str(info.value), str(info.value)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)  # -l: never left mounted


# ------------------------------------------- nothing left beside a refused file
def _good(tmp_path: Path, wal: bool, damage: str | None = None) -> Path:
    """A real file of ours with some tickets, in WAL mode (as ours are) or not,
    closed cleanly (so nothing beside it), damaged afterwards as asked."""
    good = tmp_path / "src" / "good.db"
    if not good.exists():
        good.parent.mkdir(exist_ok=True)
        s = Store(good, create=True, actor="ann")
        s.admin.load("test.seed", {"sites": [{"id": 1, "code": "HQ", "name": "Head Office", "address": ""}]}, {})
        for _n in range(40):
            make_ticket(s, equipment_id=None)
        s.close()
    path = tmp_path / "x.db"
    shutil.copyfile(good, path)
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute(f"PRAGMA journal_mode = {'WAL' if wal else 'DELETE'}")
    if damage:
        raw.execute(damage)
    raw.close()
    return path


def leftover_case(tmp_path: Path, kind: str, wal: bool) -> Path:
    """A file of each kind we refuse, in WAL mode or not where that means anything."""
    mode = "WAL" if wal else "DELETE"
    if kind == "newer":
        return _good(tmp_path, wal, "PRAGMA user_version = 999")
    if kind == "foreign":
        path = tmp_path / "x.db"
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute(f"PRAGMA journal_mode = {mode}")
        raw.execute("CREATE TABLE notes (x TEXT)")
        raw.execute("INSERT INTO notes VALUES ('mine')")
        raw.close()
        return path
    if kind == "uninitialised":
        path = tmp_path / "x.db"
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute(f"PRAGMA journal_mode = {mode}")
        raw.execute("CREATE TABLE t (x)")
        raw.execute("DROP TABLE t")
        raw.close()
        return path
    if kind.startswith("truncated"):
        path = _good(tmp_path, wal)
        size = path.stat().st_size
        keep = {"truncated-1page": 4096 + 100, "truncated-half": size // 2, "truncated-last": size - 4096}[kind]
        os.truncate(path, keep)
        return path
    if kind == "corrupt":
        path = _good(tmp_path, wal)
        data = bytearray(path.read_bytes())
        data[100:3000] = b"\xa5" * 2900
        path.write_bytes(bytes(data))
        return path
    if kind == "damaged-setting":
        return _good(tmp_path, wal, "UPDATE settings SET value = 'not json' WHERE key = 'timezone'")
    if kind == "damaged-policy":
        return _good(tmp_path, wal, "UPDATE sla_policy SET resolve_min = 99999999999999 WHERE priority = 2")
    if kind == "not-sqlite":
        path = tmp_path / "x.db"
        path.write_bytes(b"ticket,site\n1,HQ\n" * 100)
        return path
    raise ValueError(kind)


def beside(path: Path) -> dict[str, str]:
    return {p.name: digest(p) for p in path.parent.iterdir() if p.is_file()}


@pytest.mark.parametrize("wal", [True, False], ids=["wal", "rollback"])
@pytest.mark.parametrize("kind", ["newer", "foreign", "uninitialised", "truncated-1page", "truncated-half",
                                  "truncated-last", "corrupt", "damaged-setting", "damaged-policy",
                                  "not-sqlite"])
def test_a_refused_file_leaves_nothing_beside_it(tmp_path: Path, kind: str, wal: bool) -> None:
    """No new file of any kind beside it (-wal, -shm, -journal), and the file
    byte for byte as it was, whether opened to write, to read, or checked."""
    from click.testing import CliRunner

    from console.cli import cli

    path = leftover_case(tmp_path, kind, wal)
    before = beside(path)
    assert list(before) == ["x.db"]
    for read_only in (False, True):
        with pytest.raises(DatabaseFileError) as info:
            s = Store(path, actor="ann", read_only=read_only)
            try:  # a truncated file may only show when its tables are read
                s.queue.find(QueueFilter(), 0, 50)
                s.admin.check()
            finally:
                s.close()
        assert "\n" not in str(info.value)
        assert beside(path) == before, (read_only, str(info.value))
    for args in (["check"], ["queue"]):
        got = CliRunner().invoke(cli, ["--db", str(path), *args])
        assert got.exit_code == 2 and got.output.startswith("dispatch: error: "), got.output
        assert beside(path) == before, (args, got.output)


@pytest.mark.parametrize("kind", ["good", "newer", "truncated-half"])
def test_restoring_from_a_file_leaves_nothing_beside_it(tmp_path: Path, kind: str) -> None:
    """`dispatch restore SRC` checks SRC and copies it through connections that
    leave nothing beside it, whether it is taken or refused."""
    from click.testing import CliRunner

    from console.cli import cli

    src = _good(tmp_path, wal=True) if kind == "good" else leftover_case(tmp_path, kind, wal=True)
    before = beside(src)
    target = tmp_path / "live" / "t.db"
    target.parent.mkdir()
    Store(target, create=True, actor="ann").close()
    got = CliRunner().invoke(cli, ["--db", str(target), "restore", str(src), "--yes"])
    assert got.exit_code == (0 if kind == "good" else 2), got.output
    assert beside(src) == before
