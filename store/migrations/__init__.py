"""The schema's steps, one file each (``NNNN_name.py``), and the runner.

Frozen. A released step is never edited: a change to the schema is a new file
with the next number. A step holds its SQL and the constants it needs, copied
as they were when it was written, and imports nothing else of ``store`` (a
test checks the whole package): a later change to a rule cannot change what
an old step does, and the package stands below everything else in store/.

Recorded by name, as sqlite-utils' ``Migrations`` does. The ``migrations``
table holds each step's name, when it ran (NULL: before the log existed) and
what it left to finish (``pending``). The steps a file lacks are the known
names its log does not hold, run in name order; a file from before the log
(schema 1) has no table, and ``PRAGMA user_version`` alone says which steps
it had. ``user_version`` is the number of steps applied: 0 is not ours, and an
older dispatch, which compares it with the steps it knows, refuses a newer
file. This one refuses a file whose version is above the steps it knows, or
whose log names a step it does not know (``NewerFile``).

Data only today's rules can give is not worked out here. A step that needs
values derived by the live rules (the open tickets' deadlines under a changed
rule, the report facts, the audit baseline's record of facts no rule gives)
returns that work by name, ``{"todo": ["report_facts"]}``, and does only what
is frozen itself: its SQL, the constants and small pure pieces it needs,
copied as they were (0008's hash and digest, 0012's at-risk share). The runner
keeps the work in ``pending``; the store finishes it right after the
migrations with today's rules (store/upgrade.py ``finish``, which store/db.py
runs on opening), in short batches with progress, as a recompute after a
calendar change is done, each batch saving its cursor (``"after"``) in the
same transaction. So ``dispatch check``, which works the facts out again with
today's rules, agrees by construction, and a change to ``derive()`` can never
change an old step. A step on a file with nothing to derive from leaves
nothing: a new file has nothing to finish. A file with unfinished work opens
only with write access (as one needing an upgrade).

The steps a file lacks run in one BEGIN IMMEDIATE transaction, so a file is
never half migrated; two processes opening an old file at once run each step
once (the second re-reads the log under the write lock and finds nothing left).
"""

from __future__ import annotations

import importlib
import json
import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any

# Every step this dispatch knows, in the order they run: the files here.
NAMES: tuple[str, ...] = tuple(sorted(p.stem for p in Path(__file__).parent.glob("[0-9][0-9][0-9][0-9]_*.py")))
SCHEMA_VERSION = len(NAMES)

_NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


class NewerFile(Exception):
    """A newer dispatch upgraded the file: its version is above the steps this
    one knows (``version``), or its log names steps this one does not know."""

    def __init__(self, version: int, unknown: list[str]):
        super().__init__(version, unknown)
        self.version, self.unknown = version, unknown


def load(name: str) -> ModuleType:
    """Step ``name``'s module (its ``apply(db)`` and the SQL it made)."""
    if name not in NAMES:
        raise KeyError(name)
    return importlib.import_module(f"{__name__}.{name}")


def _logged(conn: sqlite3.Connection) -> list[str] | None:
    """The names in the file's log; None for a file from before the log."""
    try:
        return [r[0] for r in conn.execute("SELECT name FROM migrations")]
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        return None


def applied(conn: sqlite3.Connection) -> list[str]:
    """The steps the file has had, by name."""
    names = _logged(conn)
    if names is None:
        return list(NAMES[:conn.execute("PRAGMA user_version").fetchone()[0]])
    return names


def newer(conn: sqlite3.Connection) -> NewerFile | None:
    """Why the file is newer than this dispatch, or None."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    unknown = sorted(set(_logged(conn) or ()) - set(NAMES))
    return NewerFile(version, unknown) if version > SCHEMA_VERSION or unknown else None


def missing(conn: sqlite3.Connection) -> list[str]:
    """The known steps the file lacks, in the order they run."""
    have = set(applied(conn))
    return [name for name in NAMES if name not in have]


def unfinished(conn: sqlite3.Connection) -> list[tuple[str, dict[str, Any]]]:
    """(step, the work it left) for each step whose work is not finished, in step order."""
    try:
        rows = conn.execute("SELECT name, pending FROM migrations WHERE pending IS NOT NULL ORDER BY name").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such" not in str(exc):  # no table (schema 1), no column (a log the position runner kept)
            raise
        return []
    return [(name, json.loads(pending)) for name, pending in rows]


def left_by(conn: sqlite3.Connection, name: str) -> dict[str, Any] | None:
    """The work step ``name`` left and that is not finished yet, or None."""
    return dict(unfinished(conn)).get(name)


def leave(conn: sqlite3.Connection, name: str, work: dict[str, Any] | None) -> None:
    """Record what is left of step ``name``'s work (None: finished). Inside the caller's write transaction."""
    conn.execute("UPDATE migrations SET pending = ? WHERE name = ?", (json.dumps(work) if work else None, name))


def _log_table(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT, pending TEXT)")
    if "pending" not in {r[1] for r in conn.execute("PRAGMA table_info(migrations)")}:
        conn.execute("ALTER TABLE migrations ADD COLUMN pending TEXT")  # a log the position runner kept


def migrate(conn: sqlite3.Connection) -> list[str]:
    """Run the steps the file lacks, in one BEGIN IMMEDIATE transaction, and
    log each with the work it leaves; returns their names. Raises NewerFile
    (nothing written) if a newer dispatch upgraded the file meanwhile."""
    import sqlite_utils  # only here: it loads its plugins on import, which opening a current file does not need

    db = sqlite_utils.Database(conn, execute_plugins=False)
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have migrated.
        problem = newer(conn)
        if problem is not None:
            raise problem
        before = applied(conn)
        _log_table(conn)
        # Steps that ran before the log existed are recorded without a time.
        conn.executemany("INSERT OR IGNORE INTO migrations (name, applied_at) VALUES (?, NULL)", [(n,) for n in before])
        ran = []
        for name in NAMES:
            if name in before:
                continue
            work = load(name).apply(db)
            conn.execute(f"INSERT INTO migrations (name, applied_at, pending) VALUES (?, {_NOW}, ?)",
                         (name, json.dumps(work) if work else None))
            ran.append(name)
        conn.execute(f"PRAGMA user_version = {len(set(before) | set(ran))}")
        conn.execute("COMMIT")
        return ran
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
