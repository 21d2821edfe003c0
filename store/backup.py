"""Backups and restores of the one file (README "Backups").

A backup is SQLite's online backup from a read connection: one read
transaction, so it is a consistent snapshot while others keep writing (in WAL
mode a reader never blocks a writer). It is written beside its destination,
checked (integrity, schema, audit chain) and only then renamed into place, so
a destination never holds half a backup.

A restore copies the source beside the target, checks the copy, and renames
it over the target (os.replace: atomic). Consoles that have the old file open
see a replaced file and offer to reopen it (the replaced-file detection in
store/database.py)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .anchors import RESTORED, Anchor, append_head, head_line, read_anchors
from .db import SQLITE_MAGIC, connect_look, explain
from .errors import DatabaseFileError
from .files import FILE_MODE, cannot_write, create_private
from .i18n import _
from .migrations import NAMES, SCHEMA_VERSION
from .repo.audit import AuditReport, Progress, verify_connection

# The schema step from which events carry hashes: older files are checked for integrity only.
CHAIN_SINCE = NAMES.index("0008_audit_chain") + 1


@dataclass
class FileReport:
    path: Path
    size: int = 0
    schema: int = 0
    tickets: int = 0
    problems: list[str] = field(default_factory=list)  # not a sound copy of a Dispatch Console file
    audit: AuditReport | None = None
    # What ``dispatch check`` finds in the history (a row edited around the
    # app, events cut): a faithful copy carries them as the file does. They
    # never stop a backup (a hand edit would stop every backup after it),
    # and a restore takes such a file only when told to.
    history: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _staging(target: Path, what: str) -> Path:
    """A file beside ``target`` (same folder, so same file system: os.replace is atomic)."""
    return target.parent / f".{target.name}.{what}-{os.getpid()}"


def _remove_staging(staging: Path) -> None:
    """The staging copy and any journal SQLite left beside it (a copy that
    failed half-way, a full disk): nothing of a failed run stays behind."""
    for sfx in ("", "-journal", "-wal", "-shm"):
        Path(f"{staging}{sfx}").unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    """The rename itself survives a power cut only once its folder is synced."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _copy(source: sqlite3.Connection, dest: Path, like: Path | None = None) -> None:
    """Online backup into a new single file (rollback journal, not WAL: a
    backup is one file that can be copied off the host as is). The file is
    made mode 660 before SQLite opens it (store/files.py), so it and the
    -journal SQLite makes beside it are never readable by anyone else; with
    ``like``, it takes that file's group, and its mode if stricter, before a
    byte is written."""
    dest.unlink(missing_ok=True)
    create_private(dest)
    if like is not None and like.exists():
        with contextlib.suppress(OSError):  # keep the file's group and mode (README "People, roles and the file")
            st = like.stat()
            os.chown(dest, -1, st.st_gid)
            os.chmod(dest, st.st_mode & FILE_MODE)
    out = sqlite3.connect(str(dest), isolation_level=None)
    try:
        source.backup(out)
        out.execute("PRAGMA journal_mode = DELETE")
    finally:
        out.close()
    with open(dest, "rb+") as fh:
        os.fsync(fh.fileno())


def verify_file(path: Path, progress: Progress | None = None, anchors: Sequence[Anchor] = ()) -> FileReport:
    """Integrity, schema and the audit chain of a file nobody writes to (a
    backup, a copy about to be restored). Opened read-only: nothing changes.
    ``anchors``: heads kept elsewhere that must still be in its history."""
    report = FileReport(path)
    try:
        report.size = path.stat().st_size
        with open(path, "rb") as fh:
            if fh.read(16) != SQLITE_MAGIC:
                report.problems.append(_("{path} is not an SQLite file").format(path=path))
                return report
    except OSError as exc:
        report.problems.append(_("{path} cannot be read ({e})").format(path=path, e=exc.strerror or exc))
        return report
    try:
        conn = connect_look(path)  # nothing written, nothing left beside it
    except sqlite3.Error as exc:
        report.problems.append(str(explain(path, exc)))
        return report
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            report.problems.append(_("{path} failed the integrity check: {p}").format(path=path, p="; ".join(rows[:3])))
            return report
        report.schema = conn.execute("PRAGMA user_version").fetchone()[0]
        if report.schema == 0 or report.schema > SCHEMA_VERSION:
            report.problems.append(_("{path} is not a Dispatch Console database of schema {known} or older (it says {found})")
                                   .format(path=path, known=SCHEMA_VERSION, found=report.schema))
            return report
        report.tickets = conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        if report.schema >= CHAIN_SINCE:
            report.audit = verify_connection(conn, progress, anchors)
            report.history = list(report.audit.problems)
    except sqlite3.DatabaseError as exc:
        report.problems.append(str(explain(path, exc)))
    finally:
        conn.close()
    return report


def backup(source: sqlite3.Connection, dest: Path, progress: Progress | None = None, heads: Path | None = None,
           at: str = "") -> FileReport:
    """Copy the database ``source`` is connected to into ``dest`` and check
    the copy; ``dest`` is only written when the copy is good. Raises
    DatabaseFileError (the copy removed) when it is not. ``heads``: the
    heads log beside the backups (store/anchors.py): every head recorded there
    must still be in the copy's history, and the copy's head is added to it."""
    anchors = read_anchors(heads) if heads is not None and heads.exists() else []
    staging = _staging(dest, "partial")
    try:
        _copy(source, staging)
        report = verify_file(staging, progress, anchors)
        if not report.ok:
            raise DatabaseFileError(_("the backup failed its check, nothing written to {dest}: {p}").format(
                dest=dest, p=report.problems[0]))
        os.replace(staging, dest)
        _fsync_dir(dest.parent)
    except sqlite3.Error as exc:
        raise explain(dest, exc) from None
    except OSError as exc:  # the staging file could not be made or renamed
        raise cannot_write(dest, exc) from None
    finally:
        _remove_staging(staging)
    report.path = dest
    if heads is not None and report.audit is not None:
        append_head(heads, head_line(at, report.audit.head_id, report.audit.head, dest.name))
    return report


def restore(src: Path, target: Path, progress: Progress | None = None, heads: Path | None = None,
            at: str = "", despite_history: bool = False) -> FileReport:
    """Put the backup ``src`` in place of ``target``, checked first: a bad
    backup leaves ``target`` exactly as it was. ``heads``: a heads log that
    records the restore (the heads after it are void: the history goes back)."""
    if not src.is_file():
        raise DatabaseFileError(_("{path} does not exist or is not a file").format(path=src))
    staging = _staging(target, "restore")
    try:
        try:
            conn = connect_look(src)
            try:
                _copy(conn, staging, like=target)
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise DatabaseFileError(_("{path} cannot be restored: {e}").format(path=src, e=explain(src, exc))) from None
        report = verify_file(staging, progress)
        if not report.ok or (report.history and not despite_history):
            raise DatabaseFileError(_("{src} failed its check, {target} left as it was: {p}").format(
                src=src, target=target, p=(report.problems or report.history)[0]))
        if target.exists():
            _replace_in_use(staging, target)
        else:
            os.replace(staging, target)
        _fsync_dir(target.parent)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    finally:
        _remove_staging(staging)
    report.path = target
    if heads is not None and heads.exists() and report.audit is not None:
        append_head(heads, head_line(at, report.audit.head_id, report.audit.head, f"{RESTORED} {src.name}"))
    return report


def _replace_in_use(staging: Path, target: Path) -> None:
    """Rename ``staging`` over a file consoles may have open. Its -wal and
    -shm belong to the old file, and SQLite would read the old file's pages
    from them into the new one: they go too, but only while this holds the old
    file's write lock, so no one appends to them in between (a writer already
    waiting finds the file replaced at its commit and rolls back, store/database.py).
    Connections still open keep their own handles; the old file's commits are
    what the restore discards anyway. SQLite deletes nothing by path when a
    connection to a moved file closes (SQLITE_FCNTL_HAS_MOVED)."""
    lock: sqlite3.Connection | None = None
    try:
        lock = sqlite3.connect(str(target), timeout=30, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        if lock is not None:
            lock.close()
            lock = None
        text = str(exc).lower()
        if "locked" in text or "busy" in text:
            raise DatabaseFileError(_("{path} cannot be replaced now: {e}").format(path=target, e=explain(target, exc))) from None
        # Not a database, or a damaged one (what a restore is for): no one can be writing to it.
    try:
        os.replace(staging, target)
        for sfx in ("-wal", "-shm"):
            Path(f"{target}{sfx}").unlink(missing_ok=True)
    finally:
        if lock is not None:
            with contextlib.suppress(sqlite3.Error):
                lock.execute("ROLLBACK")
            lock.close()
