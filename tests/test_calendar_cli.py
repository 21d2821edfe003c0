"""``dispatch calendar show/set/holiday`` (issue 11 §5): the calendar from a
shell, written through Store.set_setting (audited, deadlines recomputed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pendulum
import pytest
from cli_clock import use_clock
from click.testing import CliRunner, Result
from conftest import MutableClock

from store import Store

REPORT = {"channel": "phone", "reporter": "Zhao Lei", "phone": "13900000000", "site_id": 1, "category": "atm",
          "priority": 3, "description": "Teller PC will not boot"}


@pytest.fixture
def db(store: Store, db_path: Path, clock: MutableClock, monkeypatch: pytest.MonkeyPatch) -> str:
    use_clock(monkeypatch, clock)
    store.settings.set_setting("timezone", "Europe/Berlin")
    return str(db_path)


def invoke(db: str, *args: str, stdin: str | None = None) -> Result:
    from console.cli import cli

    return CliRunner().invoke(cli, ["--db", db, "calendar", *args], input=stdin)


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.stderr, result.exception)
    return result.output


def one_line_error(result: Result, words: str) -> None:
    assert result.exit_code == 2, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dispatch: error: ") and words in lines[0], result.stderr


def test_show_the_default_calendar(db: str) -> None:
    text = ok(invoke(db, "show"))
    assert "24x7" in text and "Europe/Berlin" in text and "Holidays: none" in text
    assert json.loads(ok(invoke(db, "show", "--format", "json"))) == {"kind": "24x7"}


def test_set_hours_per_weekday_and_the_deadlines_follow(db: str, store: Store, clock: MutableClock) -> None:
    clock.set(pendulum.datetime(2026, 11, 25, 11, 30, tz="Europe/Berlin"))  # Wednesday, half an hour before lunch
    t = store.tickets.create_ticket(REPORT)  # P3: first response within 1 working hour
    assert store.tickets.clocks(t.id)[0].due == pendulum.datetime(2026, 11, 25, 12, 30, tz="Europe/Berlin")
    text = ok(invoke(db, "set", "--hours", "mon-fri=08:30-12:00,13:00-17:30", "--hours", "sat=18:30-07:30",
                     "--hours", "sun=00:00-24:00"))
    assert "Mon        08:30-12:00, 13:00-17:30" in text
    assert "18:30-07:30 (to the next day)" in text and "24 hours" in text
    assert store.settings.setting("calendar") == {"kind": "business", "hours": {
        **{d: ["08:30-12:00", "13:00-17:30"] for d in ("mon", "tue", "wed", "thu", "fri")},
        "sat": ["18:30-07:30"], "sun": ["00:00-24:00"]}}
    # Recomputed at once: half an hour before lunch, half an hour after it.
    assert store.tickets.clocks(t.id)[0].due == pendulum.datetime(2026, 11, 25, 13, 30, tz="Europe/Berlin")
    assert "Now: open until 12:00" in ok(invoke(db, "show"))
    # Back to round the clock; the change is in the audit log.
    ok(invoke(db, "set", "--24x7"))
    assert store.settings.setting("calendar") == {"kind": "24x7"}


def test_holidays_add_rename_remove(db: str, store: Store) -> None:
    ok(invoke(db, "set", "--hours", "mon-fri=08:30-17:30"))
    assert "Holiday added: 2026-12-24..2026-12-26" in ok(invoke(db, "holiday", "add", "2026-12-24..2026-12-26"))
    ok(invoke(db, "holiday", "add", "10-01..10-07", "--yearly", "--name", "Golden  Week"))
    ok(invoke(db, "holiday", "add", "2027-05-01", "--yearly", "--name", "Labour Day"))  # the year is dropped
    ok(invoke(db, "holiday", "add", "2026-12-24..2026-12-26", "--name", "Christmas"))  # the same dates: renamed
    assert store.settings.setting("calendar")["holidays"] == [
        {"date": "--05-01", "name": "Labour Day"},
        {"date": "--10-01", "until": "--10-07", "name": "Golden Week"},
        {"date": "2026-12-24", "until": "2026-12-26", "name": "Christmas"},
    ]
    text = ok(invoke(db, "show"))
    assert "every year 10-01..10-07 Golden Week" in text and "2026-12-24..2026-12-26 Christmas" in text
    # Weekly hours set again: the holidays stay.
    ok(invoke(db, "set", "--hours", "daily=00:00-24:00"))
    assert len(store.settings.setting("calendar")["holidays"]) == 3
    assert "Holiday removed" in ok(invoke(db, "holiday", "remove", "10-01..10-07", "--yearly"))
    one_line_error(invoke(db, "holiday", "remove", "10-01..10-07", "--yearly"), "no holiday --10-01..--10-07")
    one_line_error(invoke(db, "holiday", "remove", "2026-12-24"), "no holiday 2026-12-24")


BAD = [
    (("holiday", "add", "12-25"), "with --yearly: 12-25"),
    (("holiday", "add", "2026-02-30"), "not a date"),
    (("holiday", "add", "2026-12-26..2026-12-24"), "ends before it starts"),
    (("holiday", "add", "2026-12-25", "--name", "x" * 81), "80 characters"),
    (("set",), "one of --hours, --24x7 or --file"),
    (("set", "--24x7", "--hours", "mon=08:00-09:00"), "one of"),
    (("set", "--hours", "mon"), "DAYS=PERIODS"),
    (("set", "--hours", "xyz=08:00-09:00"), "xyz is not a weekday"),
    (("set", "--hours", "mon=08:00-09:00,08:30-10:00"), "overlap"),
    (("set", "--hours", "mon-fri=08:00-09:00", "--hours", "fri=10:00-11:00"), "names Fri twice"),
    (("set", "--hours", "mon=closed"), "at least one weekday"),
    (("set", "--hours", "mon=25:00-26:00"), "not a period like 08:30-17:30"),
]


@pytest.mark.parametrize(("args", "words"), BAD)
def test_mistakes_are_one_line_and_change_nothing(db: str, store: Store, args: tuple[str, ...], words: str) -> None:
    before = store.settings.setting("calendar")
    one_line_error(invoke(db, *args), words)
    assert store.settings.setting("calendar") == before


def test_set_from_a_json_file_or_stdin(db: str, store: Store, tmp_path: Path) -> None:
    value: dict[str, Any] = {"kind": "business", "hours": {"sat": ["18:30-07:30"]}, "holidays": ["--10-01"]}
    ok(invoke(db, "set", "--file", "-", stdin=json.dumps(value)))
    assert store.settings.setting("calendar") == {"kind": "business", "hours": {"sat": ["18:30-07:30"]},
                                         "holidays": [{"date": "--10-01"}]}
    # What show prints as JSON, set reads back.
    path = tmp_path / "cal.json"
    path.write_text(ok(invoke(db, "show", "--format", "json")), encoding="utf-8")
    ok(invoke(db, "set", "--24x7"))
    ok(invoke(db, "set", "--file", str(path)))
    assert store.settings.setting("calendar")["hours"] == {"sat": ["18:30-07:30"]}
    one_line_error(invoke(db, "set", "--file", "-", stdin="nope"), "is not JSON")
    one_line_error(invoke(db, "set", "--file", "-", stdin='{"kind": "business", "hours": {"mon": ["9-5"]}}'),
                   "9-5 is not a period")


def test_untrusted_holiday_names_are_shown_plainly(db: str) -> None:
    ok(invoke(db, "holiday", "add", "2026-12-25", "--name", "Xmas \x1b]0;pwned\x07 [bold]x"))
    text = ok(invoke(db, "show"))
    assert "\x1b" not in text and "[bold]x" in text


def test_the_calendar_commands_do_not_import_textual() -> None:
    code = ("import sys; import console.cli.calendar; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
