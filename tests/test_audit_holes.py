"""Issue 21, "The audit history": each hole ``dispatch check`` had, attacked
the way a clumsy admin or an attacker would (a hand edit with sqlite3 on the
file, then ``dispatch check`` through the real CLI), and closed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from console.cli import cli
from store import Store


def dispatch(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def ticket(store: Store) -> int:
    return store.create_ticket({"priority": 2, "channel": "phone", "reporter": "Wang", "phone": "555",
                                "site_id": 1, "equipment_id": 1, "category": "atm", "description": "card stuck"}).id


# ------------------------------------------------ a false alarm breaks backups

def test_a_time_phoned_in_late_keeps_check_and_backup_working(store: Store, clock, db_path: Path,
                                                              tmp_path: Path) -> None:
    """'r' or 'U' with a stated time made check fail ("stated_at is null, its
    events say …"), and every nightly backup refused from then on."""
    store.actor = "bob"
    t = store.ticket(ticket(store))
    t = store.assign(t.id, t.version, technician_id=1)
    clock.advance(minutes=30)
    t = store.respond(t.id, t.version, at="09:10")
    t = store.pause(t.id, t.version, at="09:20", reason="parts")
    t = store.resume(t.id, t.version, at="09:25")
    code, out, err = dispatch("--db", str(db_path), "check")
    assert code == 0, err
    assert "ok, audit chain intact" in out
    code, out, err = dispatch("--db", str(db_path), "backup", str(tmp_path / "nightly.db"))
    assert code == 0, err
