"""Opening the one SQLite file: pragmas, sanity checks, migrations (the
runner's steps are store/migrations/; what they leave to today's rules is
done by the ``finish`` the store passes in, store/upgrade.py).

Every failure a user can cause (missing, unreadable, read-only, locked,
corrupt, not SQLite, newer schema) becomes one DatabaseFileError line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .durable import WalSync
from .errors import DatabaseFileError
from .files import create_private
from .i18n import _
from .migrations import SCHEMA_VERSION, NewerFile, newer, unfinished
from .migrations import migrate as run_steps

if TYPE_CHECKING:
    import sqlite_utils

SQLITE_MAGIC = b"SQLite format 3\x00"


def explain(path: Path, exc: sqlite3.Error) -> DatabaseFileError:
    """Turn a sqlite3 error about the file into a one-line message."""
    text = str(exc).lower()
    if "disk is full" in text or "database or disk is full" in text or _no_room(path, exc):
        msg = _("{path}: disk full ({detail}); free some space on its disk and try again")
    elif "locked" in text or "busy" in text:
        msg = _("{path} is locked by another process; try again in a moment")
    elif "readonly" in text or "read-only" in text:
        msg = _("{path} is read-only; ask for write access or use a copy")
    elif "not a database" in text or "file is encrypted" in text:
        msg = _("{path} is not a Dispatch Console database (not SQLite)")
    elif "malformed" in text or "corrupt" in text:
        msg = _("{path} is corrupt ({detail}); restore it from a backup")
    elif "unable to open" in text:
        msg = _("{path} cannot be opened; check the folder exists and is writable")
    else:
        msg = _("{path}: database error: {detail}")
    return DatabaseFileError(msg.format(path=path, detail=str(exc)))


def _no_room(path: Path, exc: sqlite3.Error) -> bool:
    """A "disk I/O error" that is really a full disk: SQLite says I/O error
    when it cannot grow the -shm (SQLITE_IOERR_SHMSIZE) or write the -wal;
    the extended code, or failing that the free space left, tells."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code in (13, 4874):  # SQLITE_FULL, SQLITE_IOERR_SHMSIZE
        return True
    if "disk i/o error" not in str(exc).lower():
        return False
    try:
        return shutil.disk_usage(Path(path).absolute().parent).free < 64 * 1024
    except OSError:
        return False


def writable(path: Path) -> bool:
    """Whether we may write the file (and so open it for writing)."""
    # Even root can write a file marked read-only, but the owner meant it.
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _precheck(path: Path, create: bool) -> None:
    if path.is_dir():
        raise DatabaseFileError(_("{path} is a folder, not a database file").format(path=path))
    if not path.exists():
        if create:
            parent = path.parent if str(path.parent) else Path(".")
            if not parent.is_dir():
                raise DatabaseFileError(
                    _("{path}: folder {parent} does not exist").format(path=path, parent=parent)
                )
            return
        raise DatabaseFileError(
            _("{path} does not exist; create it with 'dispatch --db {path} init' or try 'dispatch demo'").format(path=path)
        )
    if not os.access(path, os.R_OK):
        raise DatabaseFileError(_("{path} cannot be read: permission denied").format(path=path))
    if create and not writable(path):
        raise DatabaseFileError(
            _("{path} is read-only; ask for write access or use a copy").format(path=path)
        )
    size = path.stat().st_size
    if size == 0:
        if create:
            return
        raise DatabaseFileError(
            _("{path} is empty; create a database with 'dispatch --db {path} init'").format(path=path)
        )
    with path.open("rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise DatabaseFileError(
                _("{path} is not a Dispatch Console database (not SQLite)").format(path=path)
            )


def _create_file(path: Path) -> None:
    """A new file is for its group (the center's staff) and no one else: mode
    660 whatever the umask (SQLite gives its -wal and -shm the same mode).
    README "People, roles and the file" says why."""
    try:
        create_private(path)
    except FileExistsError:  # another process was quicker: theirs stands
        return
    except OSError as exc:
        raise DatabaseFileError(_("{path} cannot be created ({e})").format(path=path, e=exc.strerror or exc)) from None


def open_to_others(path: Path) -> str | None:
    """"readable" or "writable" when anyone on the machine may read or write the file, else None."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if mode & stat.S_IWOTH:
        return "writable"
    if mode & stat.S_IROTH:
        return "readable"
    return None


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of what the path names now, None if nothing: a file
    replaced by os.replace, rebuilt, moved or deleted has another (or none)
    while an open connection keeps the old one."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def connect(path: Path, busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves (sqlite-utils
    # nests savepoints inside it); check_same_thread=False: the store guards
    # the connection with a lock so console workers can share it.
    conn = sqlite3.connect(
        str(path), timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0].lower()
    if mode != "wal":
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower()
    # In WAL mode NORMAL, and the write path fsyncs the WAL after COMMIT, once
    # the lock is free, before a write is reported done (store/durable.py):
    # durable as FULL, without every writer waiting on everyone's fsync.
    # Where WAL cannot be had, FULL: SQLite's own fsync at each commit.
    conn.execute(f"PRAGMA synchronous = {'NORMAL' if mode == 'wal' else 'FULL'}")
    return conn


def _ro_uri(path: Path) -> str:
    return Path(path).resolve().as_uri() + "?mode=ro"


def connect_readonly(path: Path, busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    """A connection that cannot write the file at all (SQLite's mode=ro): for a
    read-only file or a viewer, and to look at a file before trusting it."""
    conn = sqlite3.connect(_ro_uri(path), uri=True, timeout=busy_timeout_ms / 1000, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA query_only = 1")
    return conn


def connect_reader(path: Path, busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    """A read connection: the file is already open (and in WAL) through the
    write connection, so no pragmas that write; query_only guards against a
    stray write going around the one write path."""
    conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA query_only = 1")
    return conn


def wrap(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """sqlite-utils on our connection, imported only when needed: it loads its
    plugin entry points on import, a tenth of a second the console's start-up
    does not need on an up-to-date file."""
    import sqlite_utils

    return sqlite_utils.Database(conn, execute_plugins=False)


JOURNALS = ("-wal", "-shm", "-journal")


def journals(path: Path) -> set[str]:
    """Which of the file's -wal, -shm and -journal are there now."""
    return {sfx for sfx in JOURNALS if os.path.lexists(f"{path}{sfx}")}


def _in_wal_mode(path: Path) -> bool:
    """The header says WAL (read and write versions 2, bytes 18 and 19)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(20)
    except OSError:
        return False
    return len(head) == 20 and head[18:20] == b"\x02\x02"


def connect_look(path: Path, busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    """A connection to look at a file before trusting it, that leaves nothing
    beside it. SQLite opens even a read-only connection to a WAL file by
    making its -wal and -shm, and a read-only connection cannot remove them
    again: refusing a newer or damaged file left them behind. A WAL file with
    neither is in use by no one (every connection keeps both open), so it is
    read as it is on disk (immutable: no locks, no journal files). Otherwise
    SQLite's read-only mode, with the locks that let others keep working."""
    if _in_wal_mode(path) and not journals(path) & {"-wal", "-shm"}:
        conn = sqlite3.connect(_ro_uri(path).replace("?mode=ro", "?immutable=1"), uri=True, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA query_only = 1")
        return conn
    return connect_readonly(path, busy_timeout_ms)


@dataclass
class _Seen:
    version: int = 0
    tables: set[str] = field(default_factory=set)
    newer: NewerFile | None = None  # a newer dispatch upgraded it
    unfinished: bool = False  # the migrations left work for today's rules (store/upgrade.py)


def _look(path: Path, busy_timeout_ms: int) -> _Seen:
    """user_version, tables and the migrations log, read without changing a
    byte or leaving a file beside it: a file we go on to refuse (foreign,
    newer, corrupt) is left exactly as it was."""
    if not path.exists() or path.stat().st_size == 0:
        return _Seen()
    conn = connect_look(path, busy_timeout_ms)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if version == 0:
            return _Seen(version, tables)
        return _Seen(version, tables, newer(conn), bool(unfinished(conn)))
    finally:
        conn.close()


def _newer_error(path: Path, problem: NewerFile) -> DatabaseFileError:
    found = f"{problem.version} ({', '.join(problem.unknown)})" if problem.unknown else problem.version
    return DatabaseFileError(
        _("{path} has schema version {found}, newer than this dispatch knows ({known}); upgrade dispatch").format(
            path=path, found=found, known=SCHEMA_VERSION
        )
    )


def open_database(path: Path, *, create: bool = False, busy_timeout_ms: int = 5000,
                  read_only: bool = False, vet: Callable[[sqlite3.Connection], None] | None = None,
                  finish: Callable[[sqlite3.Connection], None] | None = None) -> sqlite3.Connection:
    """Open (and with ``create``, initialise) the database, upgrading old
    schemas. Never takes the write lock unless it migrates, so opening works
    during another process's long write; ``read_only`` (or a file we may not
    write) opens it so that nothing can be written. ``vet`` looks at a file of
    the current schema through the look connection, before anything that may
    write is opened (a write connection turns a file into WAL mode), and may
    raise DatabaseFileError to refuse it. ``finish`` does, on the write
    connection, the work the migrations left to today's rules (store/upgrade.py):
    after they run, and on a file an earlier opening left it unfinished in."""
    path = Path(path)
    _precheck(path, create)
    if create and not path.exists():
        _create_file(path)
    may_write = not path.exists() or writable(path)
    read_only = read_only or not may_write
    conn: sqlite3.Connection | None = None
    try:
        seen = _look(path, busy_timeout_ms)
        version, tables = seen.version, seen.tables
        if seen.newer is not None:
            raise _newer_error(path, seen.newer)
        if version == 0 and tables:
            raise DatabaseFileError(
                _("{path} is an SQLite file but not a Dispatch Console database").format(path=path)
            )
        if version == 0 and not create:
            raise DatabaseFileError(
                _("{path} is not initialised; run 'dispatch --db {path} init'").format(path=path)
            )
        if version == SCHEMA_VERSION and vet is not None:
            look = connect_look(path, busy_timeout_ms)
            try:
                vet(look)
            finally:
                look.close()
        if version < SCHEMA_VERSION or (seen.unfinished and finish is not None):
            if not may_write:
                raise DatabaseFileError(_(
                    "{path} needs an upgrade to schema {known}, which needs write access; open it once with write access"
                ).format(path=path, known=SCHEMA_VERSION))
            conn = connect(path, busy_timeout_ms)
            migrate(conn, path)  # the one time opening takes the write lock
            if finish is not None:
                try:
                    finish(conn)
                except ValueError:
                    # A damaged calendar or policy: no rule can be applied. The
                    # store names the setting next (it checks an upgraded file's
                    # settings); the work waits, recorded, until it is mended.
                    pass
            if not read_only:
                return conn
            conn.close()
        conn = connect_readonly(path, busy_timeout_ms) if read_only else connect(path, busy_timeout_ms)
        return conn
    except DatabaseFileError:
        if conn is not None:
            conn.close()
        raise
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise explain(path, exc) from None


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Run the steps the file lacks (store/migrations/), then put the upgrade on disk as any write."""
    try:
        run_steps(conn)
    except NewerFile as problem:  # a newer dispatch upgraded it since we looked
        raise _newer_error(path, problem) from None
    try:  # the upgrade on disk, as any write (store/durable.py)
        WalSync(path)()
    except OSError as exc:
        raise DatabaseFileError(_("{path} cannot be created ({e})").format(path=path, e=exc.strerror or exc)) from None


def quick_check(conn: sqlite3.Connection) -> list[str]:
    rows = [r[0] for r in conn.execute("PRAGMA quick_check")]
    return [] if rows == ["ok"] else rows
