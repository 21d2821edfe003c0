"""`dispatch ship` (issue 26): a center's history to the head office's PostgreSQL,
incremental, resumable and verified (store/hq/ship.py)."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke, ok, one_line_error
from hq_compare import differences

from store.hq import schema
from store.hq.ship import ship

pytestmark = pytest.mark.xdist_group("hq")


def test_first_ship_mirrors_every_row(demo_copy: Callable[[str], Path], hq_url: str, hq_conn: Any) -> None:
    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "BJ-01")
    result = invoke(str(db), "ship", "--hq", hq_url)
    assert result.exit_code == 0, (result.output, result.stderr)
    assert "center BJ-01:" in result.output and "events shipped" in result.output
    assert differences(db, hq_conn, "BJ-01") == {}
    events = sqlite3.connect(db).execute("SELECT max(id), count(*) FROM events").fetchone()
    held = hq_conn.execute("SELECT last_event_id, events FROM centers WHERE code = 'BJ-01'").fetchone()
    assert tuple(held) == events
    # Again: nothing new, nothing doubled.
    again = invoke(str(db), "ship", "--hq", hq_url)
    assert again.exit_code == 0 and "0 events shipped" in again.output, again.output
    assert differences(db, hq_conn, "BJ-01") == {}


def test_center_code_is_validated(demo_copy: Callable[[str], Path]) -> None:
    db = demo_copy("c1.db")
    one_line_error(invoke(str(db), "set", "center_code", "bj 01"), "center_code must be")
    one_line_error(invoke(str(db), "set", "center_code", "A" * 17), "center_code must be")


def test_schema_has_every_shipped_column(demo_copy: Callable[[str], Path]) -> None:
    """A new column at the center needs a head-office step (schema.py is frozen per step)."""
    from store.hq.ship import REFERENCE_TABLES, TICKET_TABLES

    db = demo_copy("c1.db")
    lite = sqlite3.connect(db)
    # Not shipped: the notification addresses (private), and the number an imported ticket had in the
    # helpdesk it came from (the center's own bookkeeping; no head-office figure reads it).
    private = {("sites", "notify_urls"), ("technicians", "notify_urls"), ("tickets", "external_ref")}
    for table in ("events", *TICKET_TABLES, *REFERENCE_TABLES):
        have = {n for n, _ in schema.columns(schema.COLUMNS_0001[table])}
        at_center = {r[1] for r in lite.execute(f"PRAGMA table_info({table})")} - {c for t, c in private if t == table}
        assert at_center == have, table


def test_ship_api_twice_in_batches(demo_copy: Callable[[str], Path], hq_conn: Any) -> None:
    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "SH")
    seen: list[tuple[int, int]] = []
    r = ship(db, hq_conn, batch=1000, progress=lambda d, t: seen.append((d, t)))
    assert r.batches >= 10 and r.events == seen[-1][0] == seen[-1][1]
    assert differences(db, hq_conn, "SH") == {}


def _held(conn: Any) -> tuple[Any, ...]:
    """What the head office holds of every center: a fingerprint to see nothing changed."""
    row = conn.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM tickets),"
                       " (SELECT string_agg(code || ':' || last_event_id || ':' || last_hash, ',') FROM centers)").fetchone()
    conn.rollback()
    return tuple(row)


def _shipped(db: Path, url: str) -> str:
    result = invoke(str(db), "ship", "--hq", url)
    assert result.exit_code == 0, (result.output, result.stderr)
    return result.output


def test_older_backup_is_refused(demo_copy: Callable[[str], Path], hq_url: str, hq_conn: Any, tmp_path: Path) -> None:
    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "GZ")
    _shipped(db, hq_url)
    backup = tmp_path / "backup.db"
    ok(str(db), "backup", str(backup))
    ok(str(db), "set", "center_name", "Guangzhou")
    ok(str(db), "set", "center_name", "Guangzhou 2")
    _shipped(db, hq_url)
    held = hq_conn.execute("SELECT last_event_id FROM centers").fetchone()[0]
    hq_conn.rollback()
    before = _held(hq_conn)
    # The older backup put back in place: it ends before what the head office holds.
    db.unlink()
    Path(f"{db}-wal").unlink(missing_ok=True)
    Path(f"{db}-shm").unlink(missing_ok=True)
    backup.rename(db)
    one_line_error(invoke(str(db), "ship", "--hq", hq_url), f"center GZ: the file ends at event {held - 2}")
    assert _held(hq_conn) == before
    # Work went on after the restore: as many events again, but another history.
    ok(str(db), "set", "center_name", "Canton")
    ok(str(db), "set", "center_name", "Canton 2")
    ok(str(db), "set", "center_name", "Canton 3")
    one_line_error(invoke(str(db), "ship", "--hq", hq_url), f"center GZ: event {held} is not the one the head office holds")
    assert _held(hq_conn) == before


def test_replaced_file_is_refused(demo_copy: Callable[[str], Path], hq_url: str, hq_conn: Any, tmp_path: Path) -> None:
    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "GZ")
    _shipped(db, hq_url)
    before = _held(hq_conn)
    other = demo_copy("c2.db")
    # Another file under the same code: a history that is not this center's.
    ok(str(other), "set", "center_name", "Not Guangzhou")
    ok(str(other), "set", "center_code", "GZ")
    result = invoke(str(other), "ship", "--hq", hq_url)
    one_line_error(result, "center GZ: event ")
    assert "is not the one the head office holds" in result.stderr
    assert _held(hq_conn) == before


def _rewrite(db: Path, event_id: int, rehash: bool) -> None:
    """Change one event's content, as someone with the file could; with ``rehash``
    every hash from there on is recomputed, so the center's own chain still holds."""
    from store.rules import audit

    lite = sqlite3.connect(db)
    triggers = lite.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                            " AND tbl_name IN ('events', 'audit_head')").fetchall()
    for name, _sql in triggers:
        lite.execute(f"DROP TRIGGER {name}")
    lite.execute("UPDATE events SET actor = 'mallory' WHERE id = ?", (event_id,))
    if rehash:
        prev = lite.execute("SELECT hash FROM events WHERE id < ? ORDER BY id DESC LIMIT 1", (event_id,)).fetchone()[0]
        cols = ("id", *audit.FIELDS)
        for row in lite.execute(f"SELECT {', '.join(cols)} FROM events WHERE id >= ? ORDER BY id", (event_id,)).fetchall():
            e = dict(zip(cols, row, strict=True))
            h = audit.link(prev, e)
            lite.execute("UPDATE events SET prev = ?, hash = ? WHERE id = ?", (prev, h, e["id"]))
            prev = h
        lite.execute("UPDATE audit_head SET hash = ?", (prev,))
    for _name, sql in triggers:  # put back: the file looks untouched
        lite.execute(sql)
    lite.commit()
    lite.close()


def test_rewritten_history_is_refused(demo_copy: Callable[[str], Path], hq_url: str, hq_conn: Any) -> None:
    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "GZ")
    _shipped(db, hq_url)
    held = hq_conn.execute("SELECT last_event_id FROM centers").fetchone()[0]
    hq_conn.rollback()
    before = _held(hq_conn)
    # An event the head office holds, changed and the chain recomputed after it.
    _rewrite(db, 100, rehash=True)
    ok(str(db), "set", "center_name", "later")
    one_line_error(invoke(str(db), "ship", "--hq", hq_url), f"center GZ: event {held} is not the one the head office holds")
    assert _held(hq_conn) == before


def test_broken_chain_in_new_events_is_refused(demo_copy: Callable[[str], Path], hq_url: str, hq_conn: Any) -> None:
    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "GZ")
    _shipped(db, hq_url)
    before = _held(hq_conn)
    for n in range(3):
        ok(str(db), "set", "center_name", f"name {n}")
    newest = sqlite3.connect(db).execute("SELECT max(id) FROM events").fetchone()[0]
    _rewrite(db, newest - 1, rehash=False)  # not yet shipped, not rehashed: the chain breaks there
    one_line_error(invoke(str(db), "ship", "--hq", hq_url, "--batch", "1"),
                   f"center GZ: event {newest - 1} does not continue the audit chain")
    assert _held(hq_conn) == before  # not even the event before it: the whole run is checked first


def test_new_events_ship_incrementally(demo_copy: Callable[[str], Path], hq_url: str, hq_conn: Any) -> None:
    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "GZ")
    _shipped(db, hq_url)
    number = ok(str(db), "ticket", "add", "--site", "BR001", "--description", "新的故障", "--priority", "2",
                "--reporter", "王伟", "--phone", "13800000000").strip()
    out = _shipped(db, hq_url)
    assert "center GZ: 1 event shipped" in out, out
    got = hq_conn.execute("SELECT description FROM tickets WHERE center = 'GZ' AND id = %s", (int(number.lstrip("#")),)).fetchone()
    hq_conn.rollback()
    assert got == ("新的故障",)
    assert differences(db, hq_conn, "GZ") == {}


def _wait(cond: Callable[[], bool], proc: subprocess.Popen[bytes] | None = None, what: str = "") -> None:
    """Wait on a condition (never on a time): fails only if it cannot come any more."""
    while not cond():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the shipper ended before {what}: {proc.returncode}")
        time.sleep(0.01)


def _open_batch(url: str) -> Callable[[], bool]:
    """The shipper is inside a batch: its transaction has written (holds an xid)."""
    import psycopg

    watcher = psycopg.connect(url, autocommit=True)

    def inside() -> bool:
        return bool(watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'dispatch ship'"
                                    " AND backend_xid IS NOT NULL").fetchone()[0])
    return inside


def test_killed_at_several_points_loses_and_doubles_nothing(demo_copy: Callable[[str], Path], hq_url: str,
                                                            hq_conn: Any) -> None:
    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "KILL")
    total = sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0]
    inside = _open_batch(hq_url)

    def held() -> int:
        if hq_conn.execute("SELECT to_regclass('centers')").fetchone()[0] is None:
            hq_conn.rollback()
            return 0
        row = hq_conn.execute("SELECT last_event_id FROM centers WHERE code = 'KILL'").fetchone()
        hq_conn.rollback()
        return row[0] if row else 0

    kills = 0
    for share in (0.0, 0.2, 0.5, 0.8):  # points along the history: mid-batch each time
        cmd = [sys.executable, "-m", "console.cli", "--db", str(db), "ship", "--hq", hq_url, "--batch", "300"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _wait(lambda share=share: held() >= share * total and inside(), proc, "the point to kill it")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        # What is held is whole batches: the events up to the head, nothing after it.
        n = (0, 0)  # killed inside the schema's creation: nothing of it is there
        if hq_conn.execute("SELECT to_regclass('events')").fetchone()[0] is not None:
            n = hq_conn.execute("SELECT count(*), COALESCE(max(id), 0) FROM events WHERE center = 'KILL'").fetchone()
        hq_conn.rollback()
        want = sqlite3.connect(db).execute("SELECT count(*), COALESCE(max(id), 0) FROM events WHERE id <= ?"
                                           " AND entity != 'user'", (held(),)).fetchone()
        assert tuple(n) == want
    assert kills == 4
    # The lock died with the killed session: the next run goes through and catches up.
    _shipped(db, hq_url)
    assert held() == total
    assert differences(db, hq_conn, "KILL") == {}


def test_second_shipper_says_already_shipping(demo_copy: Callable[[str], Path], hq_url: str, hq_conn: Any) -> None:
    import psycopg

    from store.hq.ship import _lock_key

    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "LK")
    with psycopg.connect(hq_url, autocommit=True) as other:  # a run in progress elsewhere holds the lock
        other.execute("SELECT pg_advisory_lock(%s)", (_lock_key("LK"),))
        result = invoke(str(db), "ship", "--hq", hq_url)
        assert result.exit_code == 0, result.output
        assert "center LK: already shipping" in result.stderr
        assert _held(hq_conn)[2] is None  # nothing shipped
    _shipped(db, hq_url)
    assert differences(db, hq_conn, "LK") == {}


def test_writer_is_not_blocked_while_a_batch_is_read(demo_copy: Callable[[str], Path], hq_conn: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from store import Store
    from store.hq import ship as ship_mod

    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "WR")
    done: list[str] = []
    real = ship_mod._reference

    def write_meanwhile(lite: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
        if not done:  # inside the batch's read transaction: a dispatcher saves something
            assert lite.in_transaction
            s = Store(db, actor="demo", busy_timeout_ms=200)
            s.settings.set_setting("center_name", "written during the ship")
            s.close()
            done.append("written")
        return real(lite, table)

    monkeypatch.setattr(ship_mod, "_reference", write_meanwhile)
    ship(db, hq_conn)
    assert done == ["written"]
    monkeypatch.setattr(ship_mod, "_reference", real)
    ship(db, hq_conn)  # the write comes in the next run
    assert differences(db, hq_conn, "WR") == {}


def test_ships_from_a_read_only_replica(demo_copy: Callable[[str], Path], hq_url: str, hq_conn: Any,
                                        tmp_path: Path) -> None:
    """A Litestream restore is a plain file in a folder the shipper may not write."""
    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "RO")
    folder = tmp_path / "replica"
    folder.mkdir()
    replica = folder / "replica.db"
    ok(str(db), "backup", str(replica))
    before, listing = replica.read_bytes(), sorted(p.name for p in folder.iterdir())
    replica.chmod(0o444)
    folder.chmod(0o555)
    try:
        _shipped(replica, hq_url)
    finally:
        folder.chmod(0o755)
    assert sorted(p.name for p in folder.iterdir()) == listing and replica.read_bytes() == before
    assert differences(replica, hq_conn, "RO") == {}


def test_status_table_and_json(demo_copy: Callable[[str], Path], hq_url: str) -> None:
    db = demo_copy("c1.db")
    empty = invoke(str(db), "ship", "--hq", hq_url, "--status")
    assert empty.exit_code == 0 and "No center has shipped" in empty.output
    ok(str(db), "set", "center_code", "ST")
    _shipped(db, hq_url)
    ok(str(db), "set", "center_name", "after the ship")
    table = invoke(str(db), "ship", "--hq", hq_url, "--status")
    assert table.exit_code == 0 and table.output.splitlines()[0].split()[:2] == ["Center", "Name"], table.output
    assert "ST" in table.output
    data = json.loads(invoke(str(db), "ship", "--hq", hq_url, "--status", "--format", "json").output)
    events = sqlite3.connect(db).execute("SELECT max(id) FROM events").fetchone()[0]
    assert [d["center"] for d in data] == ["ST"] and data[0]["last_event_id"] == events - 1
    assert data[0]["lag_events"] == 0  # as of the last run's start


def test_unreachable_head_office_is_one_line_without_the_password(demo_copy: Callable[[str], Path], hq_url: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "PW")
    wrong = hq_url.replace(":hq-test-s3cret@", ":Secr3t-pw@")
    result = invoke(str(db), "ship", "--hq", wrong)
    one_line_error(result, "cannot reach the head office at 127.0.0.1:")
    assert "Secr3t-pw" not in result.stderr and "the user name or password was refused" in result.stderr
    monkeypatch.setenv("DISPATCH_HQ_URL", wrong)
    result = invoke(str(db), "ship")
    one_line_error(result, "cannot reach the head office")
    assert "Secr3t-pw" not in result.stderr
    monkeypatch.delenv("DISPATCH_HQ_URL")
    one_line_error(invoke(str(db), "ship"), "no head office given: set DISPATCH_HQ_URL")


def test_no_center_code_is_one_line(demo_copy: Callable[[str], Path], hq_url: str, hq_conn: Any) -> None:
    db = demo_copy("c1.db")
    one_line_error(invoke(str(db), "ship", "--hq", hq_url), "has no center code: dispatch set center_code CODE")


def test_cli_never_imports_psycopg_for_other_commands(tmp_path: Path) -> None:
    code = ("import sys; from click.testing import CliRunner; from console.cli import cli;"
            f" CliRunner().invoke(cli, ['--db', {str(tmp_path / 'x.db')!r}, 'init']);"
            f" CliRunner().invoke(cli, ['--db', {str(tmp_path / 'x.db')!r}, 'queue']);"
            " CliRunner().invoke(cli, ['--help']); print('psycopg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_a_recompute_under_way_is_waited_for(demo_copy: Callable[[str], Path], hq_url: str, hq_conn: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A calendar change rewrites the open tickets' deadlines in batches with no
    event each: the shipper stops before it until they are all written."""
    from store import Store
    from store.repo.settings import SettingsRepo

    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "RC")
    _shipped(db, hq_url)
    ok(str(db), "set", "center_name", "before the change")
    monkeypatch.setattr(SettingsRepo, "recompute", lambda self, progress=None, batch=None: 0)  # interrupted at once
    s = Store(db, actor="demo")
    s.settings.set_setting("calendar", {"kind": "business", "opens": "09:00", "closes": "17:00", "weekdays": [1, 2, 3, 4, 5]})
    assert s.settings.recompute_pending() > 0
    s.close()
    monkeypatch.undo()
    result = invoke(str(db), "ship", "--hq", hq_url)
    assert result.exit_code == 0 and "center RC: 1 event shipped" in result.output, result.output
    assert "waits for new deadlines" in result.stderr
    ok(str(db), "recompute")
    _shipped(db, hq_url)
    assert differences(db, hq_conn, "RC") == {}


def test_three_centers_side_by_side(demo_copy: Callable[[str], Path], hq_url: str, hq_conn: Any) -> None:
    """Each center's rows stay its own: the same ids under three codes, and one
    center's later work reaches only its rows."""
    dbs = {code: demo_copy(f"{code}.db") for code in ("BJ", "SH", "GZ")}
    for code, db in dbs.items():
        ok(str(db), "set", "center_code", code)
        ok(str(db), "set", "center_name", f"{code} center")
    for db in dbs.values():
        _shipped(db, hq_url)
    ok(str(dbs["SH"]), "ticket", "add", "--site", "BR001", "--description", "只在上海", "--reporter", "李娜",
       "--phone", "13900000000")
    _shipped(dbs["SH"], hq_url)
    for code, db in dbs.items():
        assert differences(db, hq_conn, code) == {}, code
    data = json.loads(invoke(str(dbs["BJ"]), "ship", "--hq", hq_url, "--status", "--format", "json").output)
    assert [(d["center"], d["name"]) for d in data] == [("BJ", "BJ center"), ("GZ", "GZ center"), ("SH", "SH center")]


def test_psycopg_is_imported_only_in_store_hq() -> None:
    root = Path(__file__).resolve().parent.parent
    found = [str(p.relative_to(root)) for folder in ("store", "console", "demo_data") for p in (root / folder).rglob("*.py")
             if re.search(r"^\s*(import psycopg|from psycopg)", p.read_text(encoding="utf-8"), re.M)
             and "hq" not in p.relative_to(root).parts[:2]]
    assert found == []


def test_connection_lost_mid_run_is_one_line_and_the_next_run_finishes(demo_copy: Callable[[str], Path], hq_url: str,
                                                                       hq_conn: Any) -> None:
    import psycopg

    from store.hq.connect import HqError, connect, failures

    db = demo_copy("c1.db")
    ok(str(db), "set", "center_code", "LOST")
    conn = connect(hq_url)
    pid = conn.info.backend_pid

    def cut(done: int, total: int) -> None:  # after the first batch: the server drops the shipper
        with psycopg.connect(hq_url, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))

    with pytest.raises(HqError) as caught, failures(conn):
        ship(db, conn, batch=2000, progress=cut)
    message = str(caught.value)
    assert message.startswith("the head office at 127.0.0.1:") and "\n" not in message and "hq-test-s3cret" not in message
    conn.close()
    _shipped(db, hq_url)
    assert differences(db, hq_conn, "LOST") == {}
