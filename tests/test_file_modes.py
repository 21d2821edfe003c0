"""Every file the project writes is mode 660 (or stricter) from its first
moment, whatever the umask: exports (CSV, JSON, workbooks, the callback form),
backups and their staging copy with its journal, restore's staging copy, the
demo's building file, a new database.

Exports were 0644 (0666 under umask 000), and a backup's staging copy with
its -wal/-shm/-journal 0644 until its check passed. Each case runs under
umask 000 and 022, and a watcher lists the folder all along, so a file that
was wider for a moment is caught where the moment is long enough to see (the
backup's check is); where a hook exists the mode is read at that point too."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from report_data import build_october

from console.cli import cli
from store import Store
from store.backup import restore
from store.files import create_private

WIDER = ~0o660 & 0o777  # any bit a 660 file does not have


@pytest.fixture(params=[0o000, 0o022], ids=["umask000", "umask022"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class Watcher:
    """Lists a folder (and the folders in it) over and over, keeping the
    widest mode each name had, until stopped."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.seen: dict[str, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _look(self) -> None:
        for root, _dirs, files in os.walk(self.folder):
            for name in files:
                p = Path(root) / name
                try:
                    m = stat.S_IMODE(p.lstat().st_mode)
                except FileNotFoundError:
                    continue
                key = str(p.relative_to(self.folder))
                self.seen[key] = self.seen.get(key, 0) | m

    def _run(self) -> None:
        while not self.stop.wait(0.0005):
            self._look()

    def wider(self) -> dict[str, str]:
        return {name: oct(m) for name, m in self.seen.items() if m & WIDER}


@contextmanager
def watching(folder: Path) -> Iterator[Watcher]:
    w = Watcher(folder)
    w.thread.start()
    try:
        yield w
    finally:
        w.stop.set()
        w.thread.join()
    w._look()


def test_sqlite_journals_take_the_mode_of_a_file_made_private(tmp_path: Path, umask: int) -> None:
    """What the backup and the database rely on: SQLite gives a -journal (and
    a -wal and -shm) the mode of its database file, not its own 0644."""
    path = tmp_path / "x.db"
    create_private(path)
    assert mode(path) == 0o660
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("CREATE TABLE t (x)")
    assert mode(Path(f"{path}-journal")) == 0o660
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("INSERT INTO t VALUES (1)")
    assert mode(Path(f"{path}-wal")) == 0o660 and mode(Path(f"{path}-shm")) == 0o660
    conn.close()


def test_exports_are_660(store: Store, db_path: Path, tmp_path: Path, umask: int) -> None:
    build_october(store)
    out = tmp_path / "out"
    out.mkdir()
    run = CliRunner()
    base = ["--db", str(db_path), "export"]
    commands = {
        "daily.xlsx": ["daily", "--day", "2026-10-02"],
        "month.xlsx": ["month", "--month", "2026-10"],
        "form.xlsx": ["form", "--ticket", "2"],
        "tickets.csv": ["tickets", "--from", "2026-10-01", "--to", "2026-10-31"],
        "items.json": ["items", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json"],
        "sites.csv": ["sites"],
    }
    with watching(out) as w:
        for name, args in commands.items():
            got = run.invoke(cli, [*base, *args, "-o", str(out / name)])
            assert got.exit_code == 0, (name, got.output)
    assert {p.name: oct(mode(p)) for p in out.iterdir()} == {name: oct(0o660) for name in commands}
    assert not w.wider(), w.wider()


def test_an_export_replacing_a_file_is_never_wider(store: Store, db_path: Path, tmp_path: Path, umask: int) -> None:
    build_october(store)
    shared, private = tmp_path / "shared.csv", tmp_path / "private.csv"
    shared.write_text("old")
    os.chmod(shared, 0o666)
    private.write_text("old")
    os.chmod(private, 0o600)
    for path in (shared, private):
        got = CliRunner().invoke(cli, ["--db", str(db_path), "export", "tickets", "--from", "2026-10-01",
                                       "--to", "2026-10-31", "-o", str(path)])
        assert got.exit_code == 0, got.output
    assert mode(shared) == 0o660 and mode(private) == 0o600


def test_backup_staging_and_journal_are_660_from_the_start(store: Store, tmp_path: Path, umask: int) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    dest = folder / "b.db"
    during: dict[str, int] = {}

    def progress(*_args: object) -> None:  # called while the staging copy is being checked
        for p in folder.iterdir():
            during[p.name] = mode(p)

    with watching(folder) as w:
        store.backup(dest, progress)
    assert during and all(m == 0o660 for m in during.values()), {k: oct(v) for k, v in during.items()}
    # The backup and the heads log it appends its head to (store/anchors.py), both 660.
    assert {p.name: oct(mode(p)) for p in folder.iterdir()} == {"b.db": oct(0o660), "t.heads": oct(0o660)}
    assert not w.wider(), w.wider()


def test_restore_staging_is_660_from_the_start(store: Store, db_path: Path, tmp_path: Path, umask: int) -> None:
    backup = tmp_path / "b.db"
    store.backup(backup)
    store.close()
    target = tmp_path / "live" / "t.db"
    target.parent.mkdir()
    during: dict[str, int] = {}

    def progress(*_args: object) -> None:
        for p in target.parent.iterdir():
            during[p.name] = mode(p)

    with watching(target.parent) as w:
        restore(backup, target, progress)
    assert during and all(m == 0o660 for m in during.values()), {k: oct(v) for k, v in during.items()}
    assert mode(target) == 0o660
    assert not w.wider(), w.wider()


class Seen(Exception):
    pass


def test_demo_build_and_new_database_are_660(tmp_path: Path, umask: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's building file (and anything beside it) as the build starts
    writing into it; the build is stopped there (a whole build takes seconds
    a test need not spend), and what it leaves is cleared as for any failed build."""
    import demo_data.demo

    folder = tmp_path / "demo"
    folder.mkdir()
    during: dict[str, int] = {}

    def generate_demo(store: Store, **_kwargs: object) -> None:
        store.settings.set_setting("center_name", "Demo")  # a write (journaled in memory: no -wal while it builds)
        for p in folder.iterdir():
            during[p.name] = mode(p)
        raise Seen

    monkeypatch.setattr(demo_data.demo, "generate_demo", generate_demo)
    got = CliRunner().invoke(cli, ["--db", str(folder / "demo.db"), "demo", "--no-console"])
    assert got.exit_code == 2, got.output
    assert any(n.endswith(".building-" + n.rsplit("-", 1)[-1]) and n.rsplit("-", 1)[-1].isdigit() for n in during), sorted(during)
    assert all(m == 0o660 for m in during.values()), {k: oct(v) for k, v in during.items()}
    assert list(folder.iterdir()) == []
    got = CliRunner().invoke(cli, ["--db", str(folder / "new.db"), "init"])
    assert got.exit_code == 0, got.output
    # init writes its settings: the writers' queue file is there too (store/turns.py), 660 as well
    assert {p.name: oct(mode(p)) for p in folder.iterdir()} == {"new.db": oct(0o660), "new.db-queue": oct(0o660)}


def test_a_folder_made_for_the_database_is_not_open_to_everyone(tmp_path: Path, umask: int) -> None:
    """`--db` in a folder that does not exist yet: made for the owner and the
    group (who make the -wal/-shm in it), never for everyone, whatever the umask."""
    db = tmp_path / "new" / "x.db"
    got = CliRunner().invoke(cli, ["--db", str(db), "init"])
    assert got.exit_code == 0, got.output
    assert mode(db.parent) & 0o007 == 0, oct(mode(db.parent))
