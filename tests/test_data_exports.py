"""`dispatch export tickets|technicians|evaluations|items` on the hand-built
October of tests/report_data.py: the rows, each filter, inert CSV cells, the
JSON shape, times in the site's zone, the progress callback, and files that
are whole or not there at all."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from report_data import build_october

from console.cli import cli
from store import Store
from store.repo.export_rows import COLUMNS, ExportFilter
from store.transfer.data_exports import export_data
from store.transfer.workbooks import write_month

OCT = ["--from", "2026-10-01", "--to", "2026-10-31"]


@pytest.fixture
def october(store: Store) -> Store:
    build_october(store)
    raw = sqlite3.connect(store.path)
    with raw:
        # The foreman's self-evaluation of #1, and an item note a spreadsheet would run.
        raw.execute("INSERT INTO self_evaluations (ticket_id, foreman, technician_id, team_id, closed_at, closed_day,"
                    " record_complete, measures_right, efficiency, rating, score, comment, suggestion, at)"
                    " VALUES (1, 'ann', 1, 1, '2026-10-01T12:00:00Z', '2026-10-01', 1, 1, 0, 'satisfied', 10,"
                    " '+good', '@later', '2026-10-02T09:00:00Z')")
        raw.execute("UPDATE improvement_items SET weak_points = '-cmd|calc' WHERE ticket_id = 4")
    raw.close()
    return store


def _run(db: Path, *args: str) -> Any:
    got = CliRunner().invoke(cli, ["--db", str(db), "export", *args])
    return got


def _json(db: Path, *args: str) -> list[dict[str, Any]]:
    got = _run(db, *args, "--format", "json")
    assert got.exit_code == 0, got.output
    return json.loads(got.output)


def _csv(db: Path, *args: str) -> list[dict[str, str]]:
    got = _run(db, *args)
    assert got.exit_code == 0, got.output
    return list(csv.DictReader(io.StringIO(got.output)))


def test_ticket_filters(october: Store, db_path: Path) -> None:
    ids = lambda *a: [t["id"] for t in _json(db_path, "tickets", *OCT, *a)]  # noqa: E731
    assert ids() == [1, 2, 3, 4, 5, 6, 7, 8]
    assert ids("--team", "Alpha Team") == [1, 2, 4]  # Li Wei and Zhang Min
    assert ids("--team", "2") == [3, 7, 8]
    assert ids("--technician", "wang fang") == [3]
    assert ids("--site", "NB") == [2, 7, 8]  # by code
    assert ids("--site", "Head Office", "--equipment-type", "atm") == [1, 3, 4, 5, 6]
    assert ids("--equipment-type", "network") == [7, 8]
    assert _json(db_path, "tickets", "--from", "2026-09-01", "--to", "2026-09-30") == []


def test_technicians(october: Store, db_path: Path) -> None:
    rows = {r["name"]: r for r in _json(db_path, "technicians", *OCT)}
    assert list(rows) == ["Li Wei", "Zhang Min", "Wang Fang", "Chen Jie"]
    li = rows["Li Wei"]
    assert list(li) == list(COLUMNS["technicians"])
    # #1 and #4 reported and closed; #4 is the second repair of #1; callbacks 10 + 8, self-evaluation 10.
    assert (li["reported"], li["closed"], li["repeat_faults"]) == (2, 2, 1)
    assert (li["callbacks_done"], li["satisfied"], li["basic"], li["unsatisfied"]) == (2, 1, 1, 0)
    assert (li["callback_points"], li["callback_mean"], li["self_evaluations"], li["total_points"]) == (18, 9.0, 1, 28)
    assert li["team"] == "Alpha Team" and li["retired"] is False
    wang = rows["Wang Fang"]
    assert (wang["unreachable"], wang["callbacks_done"], wang["callback_mean"]) == (1, 0, None)
    chen = rows["Chen Jie"]  # #7 and #8 reported in October, #8 closed in November
    assert (chen["reported"], chen["closed"]) == (2, 0)
    assert [r["name"] for r in _json(db_path, "technicians", *OCT, "--team", "Bravo Team")] == ["Wang Fang", "Chen Jie"]
    by_site = {r["name"]: r["reported"] for r in _json(db_path, "technicians", *OCT, "--site", "NB")}
    assert by_site == {"Li Wei": 0, "Zhang Min": 1, "Wang Fang": 0, "Chen Jie": 2}
    csv_rows = _csv(db_path, "technicians", *OCT, "--technician", "Li Wei")
    assert len(csv_rows) == 1 and csv_rows[0]["retired"] == "false" and csv_rows[0]["callback_mean"] == "9.0"


def test_technicians_without_a_period_is_still_the_reference_table(october: Store, db_path: Path) -> None:
    got = _run(db_path, "technicians")
    assert got.exit_code == 0, got.output
    assert got.output.splitlines()[0] == "name,phone,team,skills,on_duty"


def test_evaluations(october: Store, db_path: Path) -> None:
    rows = _json(db_path, "evaluations", *OCT)
    assert [(r["ticket_id"], r["kind"], r["role"]) for r in rows] == [
        (1, "self", "foreman"), (1, "callback", "dispatcher"), (2, "callback", "dispatcher"),
        (3, "callback", "dispatcher"), (4, "callback", "dispatcher")]
    self_eval, unreachable = rows[0], rows[3]
    assert self_eval["record_complete"] is True and self_eval["efficiency"] is False and self_eval["score"] == 10
    assert self_eval["notes"] == "+good" and self_eval["suggestion"] == "@later"  # JSON: raw
    assert unreachable["status"] == "unreachable" and unreachable["rating"] is None and unreachable["score"] is None
    assert rows[2]["notes"] == '=HYPERLINK("x")' and rows[2]["evaluator_name"] == "Bob Ma"
    assert rows[1]["closed_at"] == "2026-10-01T12:00:00+00:00" and rows[1]["closed_day"] == "2026-10-01"
    cells = _csv(db_path, "evaluations", *OCT)
    assert cells[2]["notes"] == "'=HYPERLINK(\"x\")"  # inert in CSV
    assert cells[0]["notes"] == "'+good" and cells[0]["suggestion"] == "'@later"
    assert [r["ticket_id"] for r in _json(db_path, "evaluations", *OCT, "--technician", "Li Wei")] == [1, 1, 4]
    assert [r["ticket_id"] for r in _json(db_path, "evaluations", *OCT, "--team", "Bravo Team")] == [3]
    assert [r["ticket_id"] for r in _json(db_path, "evaluations", *OCT, "--equipment-type", "printer")] == [2]
    assert _json(db_path, "evaluations", "--from", "2026-10-02", "--to", "2026-10-09", "--site", "HQ") == [
        r for r in rows if r["ticket_id"] == 3]


def test_items(october: Store, db_path: Path) -> None:
    rows = _json(db_path, "items", *OCT)
    assert [(r["id"], r["ticket_id"], r["state"], r["overdue"]) for r in rows] == [
        (1, 2, "confirmed", False), (2, 3, "confirmed", False), (3, 4, "open", True)]  # due 10-10, now 11-25
    assert rows[2]["weak_points"] == "-cmd|calc" and rows[0]["opened_at"] == "2026-10-03T10:00:00+00:00"
    assert rows[0]["confirmed_at"] == "2026-10-09T10:00:00+00:00" and rows[0]["due_date"] == "2026-10-10"
    assert _csv(db_path, "items", *OCT)[2]["weak_points"] == "'-cmd|calc"
    assert [r["id"] for r in _json(db_path, "items", *OCT, "--technician", "Wang Fang")] == [2]
    assert _json(db_path, "items", *OCT, "--team", "Bravo Team") == []  # the items are Alpha Team's
    assert _json(db_path, "items", "--from", "2026-10-04", "--to", "2026-10-31") == []
    got = _run(db_path, "items", "--from", "2026-10-04", "--to", "2026-10-31")
    assert got.output.splitlines() == [",".join(COLUMNS["items"])]


def test_site_zone(october: Store, db_path: Path) -> None:
    october.settings.set_setting("timezone", "Asia/Shanghai")
    rows = _json(db_path, "tickets", *OCT)
    # Local days: #6 (20:00 UTC) and #7 (23:00 UTC) on 31 October are 1 November in Beijing.
    assert [t["id"] for t in rows] == [1, 2, 3, 4, 5, 8]
    assert rows[0]["reported_at"] == "2026-10-01T16:00:00+08:00" and rows[4]["first_response_at"] is None
    assert _json(db_path, "evaluations", *OCT)[1]["closed_at"] == "2026-10-01T20:00:00+08:00"


def test_files_and_refusals(october: Store, db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "ev.csv"
    got = _run(db_path, "evaluations", *OCT, "-o", str(out))
    assert got.exit_code == 0, got.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and len(data.decode("utf-8-sig").splitlines()) == 6
    got = _run(db_path, "items", *OCT, "--format", "json", "-o", str(tmp_path / "it.json"))
    assert len(json.loads((tmp_path / "it.json").read_text())) == 3
    for args, words in [(("--team", "Nobody"), "No team Nobody"), (("--technician", "9"), "No technician 9"),
                        (("--equipment-type", "toaster"), "No equipment type toaster"),
                        (("-o", str(tmp_path / "none" / "x.csv")), "no such folder")]:
        got = _run(db_path, "items", *OCT, *args)
        assert got.exit_code == 2 and words in got.output, got.output
    got = _run(db_path, "tickets", "--from", "2026-10-31", "--to", "2026-10-01")
    assert got.exit_code == 2 and "before it starts" in got.output
    got = _run(db_path, "evaluations", "--to", "2026-10-31")
    assert got.exit_code == 2 and "--from" in got.output
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("t.db")) == ["ev.csv", "it.json"]


def test_progress_and_nothing_left_when_stopped(october: Store, tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    buf = io.StringIO()
    n = export_data(october, "evaluations", ExportFilter(date(2026, 10, 1), date(2026, 11, 1)), "json", buf,
                    lambda *a: calls.append(a))
    assert n == 5 and calls[0] == ("evaluations", 0, 5) and calls[-1] == ("evaluations", 5, 5)

    class Stop(Exception):
        pass

    def stop(stage: str, done: int, total: int) -> None:
        if stage == "tickets":
            raise Stop

    out = tmp_path / "m.xlsx"
    out.write_bytes(b"the old workbook")
    with pytest.raises(Stop):
        write_month(october, "2026-10", out, stop)
    # The old file is whole and no half-written file is left beside it.
    assert out.read_bytes() == b"the old workbook"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("t.db")) == ["m.xlsx"]


def test_a_terminal_is_shown_the_data_a_pipe_gets_it_as_stored(october: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A customer's text with an OSC 52 clipboard write and a bidi override: written to a
    terminal it is shown, never obeyed; piped or to a file it is the original, untouched."""
    raw = sqlite3.connect(october.path)
    with raw:
        raw.execute("UPDATE tickets SET description = ? WHERE id = 1", ("\x1b]52;c;aGk=\x07 sn \u202e123",))
        raw.execute("UPDATE sites SET name = ? WHERE id = 1", ("Head \x1b[2JOffice",))
    raw.close()
    assert "\x1b]52;c;aGk=\x07 sn \u202e123" in _run(october.path, "tickets", *OCT).output
    assert "Head \x1b[2JOffice" in _run(october.path, "sites").output
    monkeypatch.setattr("console.cli.common.stdout_is_tty", lambda: True)
    for args, shown in (((*OCT, "--format", "csv"), "]52;c;aGk= sn 123"), ((*OCT, "--format", "json"), "sn 123"),
                        ((), "Head [2JOffice")):
        got = _run(october.path, "sites" if not args else "tickets", *args)
        assert got.exit_code == 0, got.output
        assert shown in got.output and not any(c in got.output for c in "\x1b\x07\u202e"), args
