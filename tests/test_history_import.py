"""``dispatch import tickets``: another helpdesk's history checked whole,
then loaded through the bulk path. The sample file round trip (queue, search,
report, ticket detail, callbacks, check green), each refusal one line naming
the row and column with nothing written, the same file twice refused, managers
only, and a process killed midway leaving the file as it was."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke, ok, one_line_error
from conftest import ROOT

from store import Store
from store.errors import PermissionDenied
from store.rules.imported import COLUMNS, ImportRowError, parse_when
from store.transfer.history_csv import parse_history, read_history

SAMPLE = ROOT / "demo_data" / "history_sample.csv"
GOOD = {
    "old_number": "GLPI-1",
    "opened_at": "2025-06-02 09:00",
    "site": "HQ",
    "equipment": "HQ-ATM-A",
    "priority": "2",
    "description": "ATM吞卡",
    "reporter": "张女士",
    "phone": "010 6532 1188",
    "technician": "Li Wei",
    "responded_at": "2025-06-02 09:10",
    "arrived_at": "2025-06-02 09:50",
    "resolved_at": "2025-06-02 11:00",
    "closed_at": "2025-06-02 15:00",
    "callback_at": "2025-06-03",
    "satisfaction": "满意",
}


def file_digest(path: Path) -> str:
    """What the file holds, read through SQLite (the -wal included)."""
    conn = sqlite3.connect(path)
    h = hashlib.sha256()
    for table in ("tickets", "events", "callbacks", "callback_plans", "ticket_search"):
        h.update(repr(conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()).encode())
    conn.close()
    return h.hexdigest()


def history(tmp_path: Path, *rows: dict[str, str], name: str = "old.csv", encoding: str = "utf-8-sig") -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in COLUMNS})
    path = tmp_path / name
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def test_the_sample_history_round_trip(demo_copy: Callable[[], Path]) -> None:
    db = str(demo_copy())
    before = Store(db, actor="demo").admin.max_ticket_id()
    assert "36 tickets checked, all good; nothing written" in ok(db, "import", "tickets", str(SAMPLE), "--dry-run")
    assert Store(db, actor="demo").admin.max_ticket_id() == before
    done = json.loads(ok(db, "import", "tickets", str(SAMPLE), "--format", "json"))
    assert (done["tickets"], done["first"], done["last"], done["callbacks"]) == (36, before + 1, before + 36, 25)
    assert done["sha256"] == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    store = Store(db, actor="demo")
    # numbered in the order opened; the old number kept and shown
    first = store.tickets.ticket(before + 1)
    assert (first.external_ref, first.status, first.site_name) == ("OT-2025-1000", "closed", "建设银行 亚运村支行")
    assert first.reported_at.isoformat() == "2025-05-01T00:00:00+00:00"  # 08:00 in Asia/Shanghai
    shown = ok(db, "ticket", str(before + 1))
    assert "Imported as" in shown and "OT-2025-1000" in shown and "Notified" not in shown
    # the second repair of ATM-0002 is linked to the first, as a new ticket would be
    assert any(t.repeat_of == before + 1 for t in store.tickets.linked(before + 1))
    # in the search, and the one still resolved in the live queue
    assert before + 1 in [t.id for t in store.search.find("张女士 吞卡", limit=5000)]
    queue = json.loads(ok(db, "queue", "--format", "json", "--status", "resolved", "--limit", "200"))
    assert before + 36 in [t["id"] for t in queue["tickets"]]
    # the months it covers are in the managers' report, its callbacks in the satisfaction figures
    report = json.loads(ok(db, "report", "--month", "2025-05", "--format", "json"))
    figures = {f["key"]: f["value"] for f in report["figures"]}
    assert (figures["opened"], figures["closed"], figures["cancelled"]) == (14, 13, 1)
    assert figures["sla_resolve"] == 1.0 and figures["score_mean"] is not None
    # the import's own event: who, which file, how many, its digest
    event = store.db.q("SELECT actor, new FROM events WHERE action = 'history.import' ORDER BY id DESC LIMIT 1")[0]
    note = json.loads(event["new"])
    assert (note["file"], note["rows"], note["sha256"], note["callbacks"]) == ("history_sample.csv", 36, done["sha256"], 25)
    store.close()
    # an imported open ticket goes on as any other, and the file still checks
    ok(db, "ticket", "close", str(before + 36), "--signoff", "王经理")


def test_the_same_file_twice_is_refused_naming_the_first_number(store: Store, tmp_path: Path) -> None:
    path = history(tmp_path, GOOD, {**GOOD, "old_number": "GLPI-2"})
    db = str(store.path)
    ok(db, "import", "tickets", str(path))
    before = file_digest(store.path)
    one_line_error(invoke(db, "import", "tickets", str(path)), "row 2, column old_number: GLPI-1 was imported already")
    assert file_digest(store.path) == before


BAD = [
    ({"site": "ZZ"}, "column site: no site with the code ZZ"),
    ({"technician": "Nobody Here"}, "column technician: no technician named Nobody Here"),
    ({"equipment": "NO-SUCH"}, "column equipment: no equipment with the asset tag NO-SUCH"),
    ({"equipment": "NB-ATM-A"}, "column equipment: NB-ATM-A is not at site HQ"),
    ({"opened_at": "02/06/2025 9am"}, "column opened_at: a date and time like"),
    ({"opened_at": "2025-02-30 09:00"}, "column opened_at: 2025-02-30 09:00 is not a real date"),
    ({"closed_at": "2027-01-01 09:00"}, "column closed_at: closed_at is in the future"),
    ({"priority": "urgent"}, "column priority: 1 to 4"),
    ({"phone": "call me"}, "column phone: digits"),
    ({"reporter": ""}, "column reporter: required"),
    ({"arrived_at": ""}, "column resolved_at: Log the arrival"),
    ({"resolved_at": "2025-06-02 09:30"}, "column resolved_at: Log the arrival"),
    ({"arrived_at": "2025-06-02 08:00"}, "column arrived_at: arrived_at is before opened_at"),
    ({"status": "cancelled"}, "column status: cancelled, but its times make it closed"),
    ({"status": "on hold"}, "column status: on hold is not imported"),
    ({"status": "done-ish"}, "column status: new, assigned, onsite, resolved, closed or cancelled"),
    ({"closed_at": "", "status": "resolved"}, "column satisfaction: only a closed ticket has a callback"),
    ({"satisfaction": "meh"}, "column satisfaction: 满意, 基本满意 or 不满意"),
    ({"satisfaction": ""}, "column satisfaction: required with callback_at"),
    ({"cancel_reason": "duplicate"}, "column cancelled_at: required with cancel_reason"),
    (
        {"cancelled_at": "2025-06-02 16:00", "cancel_reason": "duplicate", "satisfaction": "", "callback_at": ""},
        "column cancelled_at: A closed ticket cannot be cancelled",
    ),
]


@pytest.mark.parametrize(("change", "words"), BAD, ids=[w.split(":")[0] + str(i) for i, (_c, w) in enumerate(BAD)])
def test_a_bad_row_is_one_line_naming_row_and_column_and_nothing_is_written(
    store: Store, tmp_path: Path, change: dict[str, str], words: str
) -> None:
    path = history(tmp_path, {**GOOD, "old_number": "A-1"}, {**GOOD, "old_number": "A-2"}, {**GOOD, **change, "old_number": "A-3"})
    before = file_digest(store.path)
    one_line_error(invoke(str(store.path), "import", "tickets", str(path)), f"row 4, {words}")
    assert file_digest(store.path) == before


def test_file_level_refusals(store: Store, tmp_path: Path) -> None:
    db = str(store.path)
    twice = history(tmp_path, GOOD, {**GOOD, "description": "the same number again"}, name="twice.csv")
    one_line_error(invoke(db, "import", "tickets", str(twice)), "row 3, column old_number: GLPI-1 is also on row 2")
    missing = tmp_path / "missing.csv"
    missing.write_text("old_number,opened_at,site,priority,description,reporter\n", encoding="utf-8")
    one_line_error(invoke(db, "import", "tickets", str(missing)), "row 1: the column phone is required")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("old_number,opened,site\n", encoding="utf-8")
    one_line_error(invoke(db, "import", "tickets", str(unknown)), "row 1: unknown column opened")
    one_line_error(invoke(db, "import", "sites", str(unknown), "--dry-run"), "--dry-run and --format are for")


def test_only_a_manager_imports_and_a_dry_run_writes_nothing(people: Store, tmp_path: Path) -> None:
    path = history(tmp_path, GOOD)
    read = read_history(path)
    people.actor = "bob"  # a dispatcher
    with pytest.raises(PermissionDenied, match="bob is a dispatcher and may not import a ticket history"):
        people.history.check(read.rows)
    people.actor = "ann"
    before = file_digest(people.path)
    plan = people.history.check(read.rows)
    assert file_digest(people.path) == before  # checking writes nothing
    people.actor = "bob"
    with pytest.raises(PermissionDenied):
        people.history.load(plan, read.name, read.sha256, len(read.rows))
    assert file_digest(people.path) == before
    people.actor = "ann"
    report = people.history.load(plan, read.name, read.sha256, len(read.rows))
    call = people.db.q("SELECT rating, technician_id, team_id, status FROM callbacks WHERE ticket_id = ?", (report.first,))
    assert tuple(call[0]) == ("satisfied", 1, 1, "done")


def test_times_in_the_site_zone_unless_they_carry_an_offset() -> None:
    assert parse_when("2025-03-04 09:15", "Asia/Shanghai").isoformat() == "2025-03-04T01:15:00+00:00"
    assert parse_when("2025/03/04 09:15:30", "Asia/Shanghai").isoformat() == "2025-03-04T01:15:30+00:00"
    assert parse_when("2025-03-04T09:15+02:00", "Asia/Shanghai").isoformat() == "2025-03-04T07:15:00+00:00"
    assert parse_when("2025-03-04T09:15Z", "Asia/Shanghai").isoformat() == "2025-03-04T09:15:00+00:00"
    assert parse_when("2025-03-04", "UTC", date_only=True).isoformat() == "2025-03-04T12:00:00+00:00"
    with pytest.raises(ValueError):
        parse_when("2025-03-04", "UTC")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_the_file_may_be_utf8_with_or_without_bom_or_gb18030(tmp_path: Path, encoding: str) -> None:
    rows = read_history(history(tmp_path, GOOD, encoding=encoding)).rows
    assert rows[0]["reporter"] == "张女士" and rows[0]["_line"] == 2
    assert parse_history("OLD_NUMBER, opened_at ,site,priority,description,reporter,phone\n\n") == []


def test_the_row_error_names_row_and_column() -> None:
    assert str(ImportRowError(7, "site", "why")) == "row 7, column site: why"


def _big(tmp_path: Path, n: int) -> Path:
    rows = []
    for i in range(n):
        day = 1 + i % 28
        rows.append(
            {
                **GOOD,
                "old_number": f"K-{i}",
                "opened_at": f"2025-06-{day:02d} 09:00",
                "responded_at": f"2025-06-{day:02d} 09:10",
                "arrived_at": f"2025-06-{day:02d} 09:50",
                "resolved_at": f"2025-06-{day:02d} 11:00",
                "closed_at": f"2025-06-{day:02d} 15:00",
                "callback_at": "",
                "satisfaction": "",
                "equipment": "",
            }
        )
    return history(tmp_path, *rows, name="big.csv")


def test_an_import_killed_midway_leaves_the_file_as_it_was(store: Store, tmp_path: Path) -> None:
    """A real process killed (SIGKILL, no cleanup of its own) after its first chunk went in."""
    path = _big(tmp_path, 15_000)
    db = store.path
    store.close()
    before = file_digest(db)
    env: dict[str, Any] = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "console.cli", "--db", str(db), "import", "tickets", str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # the first chunk written (inside the one transaction)
        if line.startswith("importing tickets: 10,000 of 15,000"):
            break
    else:
        raise AssertionError(proc.stderr.read() if proc.stderr else "no progress")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert file_digest(db) == before
    ok(str(db), "check")
