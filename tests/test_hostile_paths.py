"""Hostile text on the other paths: CLI arguments and output, CSV import,
the formatting of very long names (bounded work), damaged settings."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from console_helpers import make_ticket
from hostile import HOSTILE, LONG_1M, LONG_20K, forbidden
from rich.cells import cell_len

import console.format as fmt
from console.cli import cli
from console.widgets import queue_columns
from store import DatabaseFileError, Store
from store.text import clean, indented

ALL = " ".join(HOSTILE.values())


def run(path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(path), *args])
    return result.exit_code, result.output


# ---------------------------------------------------------------- cleaning
def test_clean_drops_bidi_and_zero_width_and_shows_nul() -> None:
    assert clean(HOSTILE["bidi"]) == "abcdcba iso rf LR"
    assert clean(HOSTILE["zero_width"]) == "zwsjbw"
    assert clean(HOSTILE["zwj_emoji"]) == "👩👩👧 family ❤"
    assert clean(HOSTILE["nul"]) == "before␀after"  # what follows a NUL is not hidden
    assert clean(HOSTILE["combining"]) == HOSTILE["combining"]  # accents stay on their letters
    assert not forbidden(clean(ALL))
    # Each emoji of a former ZWJ sequence is counted as it is drawn: 2 cells each.
    assert cell_len(clean("👩\u200d👩\u200d👧")) == 6


def test_clean_limit_looks_at_a_bounded_prefix() -> None:
    assert clean(LONG_1M, single_line=True, limit=50).endswith("…")
    assert len(clean(LONG_1M, single_line=True, limit=50)) <= 51
    assert clean("short", limit=50) == "short"


def test_multi_line_values_are_indented() -> None:
    assert indented("a\nTechnician  X", 4) == "a\n    Technician  X"


# -------------------------------------------------------- linear formatting
class Counted:
    """cell_len that adds up how many characters it was asked to measure."""

    def __init__(self) -> None:
        self.chars = 0

    def __call__(self, text: str, *args: object) -> int:
        self.chars += len(text)
        return cell_len(text)


@pytest.mark.parametrize("name", [LONG_20K, LONG_1M, "中" * 1_000_000, "e\u0301" * 500_000])
@pytest.mark.parametrize("width", [1, 10, 40])
def test_fit_measures_only_about_width_characters(monkeypatch: pytest.MonkeyPatch, name: str, width: int) -> None:
    counted = Counted()
    monkeypatch.setattr(fmt, "cell_len", counted)
    out = fmt.fit(name, width)
    assert cell_len(out) == width and "…" in out
    # A bisection over a window of 4·width+16 characters: O(width · log width), whatever the name's length.
    window = 4 * width + 16
    assert counted.chars <= window * (window.bit_length() + 3)


def test_cut_left_measures_only_about_width_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    counted = Counted()
    monkeypatch.setattr(queue_columns, "cell_len", counted)
    monkeypatch.setattr(fmt, "cell_len", counted)
    out = queue_columns.SiteNames().fit(LONG_1M, 20)
    assert cell_len(out) == 20
    assert counted.chars < 200_000  # was ~10^12 (one character off per measure of the whole name)


def test_screens_format_a_million_character_name_in_bounded_work(store: Store) -> None:
    """The queue row, board, timeline, status bar and detail fields look at a
    bounded part of each value (store.text LINE_LIMIT / BLOCK_LIMIT)."""
    from console.widgets.status import StatusBar  # noqa: F401  (the status bar cleans with a limit)
    from store.rules.history import Names, entries
    from store.text import BLOCK_LIMIT, LINE_LIMIT

    calls: list[int] = []
    real = cell_len

    def counted(text: str, *args: object) -> int:
        calls.append(len(text))
        return real(text)

    t = make_ticket(store)
    store.tickets.assign(t.id, t.version, technician_id=1)
    with sqlite3.connect(store.path) as raw:  # names written by another tool, not through the store
        raw.execute("UPDATE technicians SET name = ?", (LONG_1M,))
        raw.execute("UPDATE sites SET name = ?", (LONG_1M,))
    events = store.tickets.timeline(t.id)
    shown = entries(events, Names({1: LONG_1M}, {1: LONG_1M}, {}), "UTC")
    assert all(len(c) < BLOCK_LIMIT + 100 for e in shown for c in e.changes)
    row = store.queue.find()[0]
    fmt.cell_len = counted  # type: ignore[assignment]
    try:
        cell = fmt.fit(clean(row.technician_name, single_line=True, limit=LINE_LIMIT), 12)
        site = queue_columns.SiteNames.learn([clean(row.site_name, single_line=True, limit=LINE_LIMIT)]).fit(
            clean(row.site_name, single_line=True, limit=LINE_LIMIT), 20)
    finally:
        fmt.cell_len = real  # type: ignore[assignment]
    assert cell_len(cell) == 12 and cell_len(site) == 20
    assert sum(calls) < 10_000


# ----------------------------------------------------------------- the CLI
def test_set_center_name_echo_is_clean(store: Store) -> None:
    code, out = run(store.path, "set", "center_name", HOSTILE["osc0"] + HOSTILE["c1"] + HOSTILE["bidi"])
    assert code == 0, out
    assert not forbidden(out), forbidden(out)
    assert store.settings.setting("center_name") == (HOSTILE["osc0"] + HOSTILE["c1"] + HOSTILE["bidi"]).strip()


def test_cli_ticket_shows_hostile_fields_literally_and_indented(store: Store) -> None:
    description = HOSTILE["multiline"] + " " + HOSTILE["csi"] + HOSTILE["bidi"] + HOSTILE["nul"]
    t = make_ticket(store, reporter=HOSTILE["osc52"][:80], description=description)
    code, out = run(store.path, "ticket", str(t.id))
    assert code == 0, out
    assert not forbidden(out), forbidden(out)
    lines = out.splitlines()
    # The description's later lines start under its value, not at a label's column.
    start = next(i for i, line in enumerate(lines) if line.startswith("Description"))
    assert lines[start + 1].startswith(" " * 16 + "Technician      Mallory")
    assert "before␀after" in out
    code, out = run(store.path, "ticket", str(t.id), "--format", "json")
    assert code == 0 and not forbidden(out)
    assert json.loads(out)["reporter"] == clean(HOSTILE["osc52"][:80])


def test_cli_queue_and_site_add_are_clean(store: Store) -> None:
    code, out = run(store.path, "site", "add", "HX", HOSTILE["zwj_emoji"] + HOSTILE["osc0"])
    assert code == 0 and not forbidden(out), out
    assert any(s.name == HOSTILE["zwj_emoji"] + HOSTILE["osc0"] for s in store.reference.sites())
    make_ticket(store, description=ALL[:3000])
    code, out = run(store.path, "queue")
    assert code == 0 and not forbidden(out), forbidden(out)


def test_non_utf8_argument_is_one_line() -> None:
    import os
    import subprocess
    import sys

    arg = os.fsdecode(b"\x9b2J")  # a lone C1 byte: not UTF-8
    proc = subprocess.run([sys.executable, "-m", "console.cli", "--db", "/nonexistent/x.db", "set", "center_name", arg],
                          capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8"})
    assert proc.returncode == 2
    assert proc.stderr.decode().count("\n") == 1 and b"not UTF-8" in proc.stderr


def test_csv_import_stores_hostile_text_exactly(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    names = {f"H{i}": v.replace("\x00", "") for i, v in enumerate(HOSTILE.values())}  # csv cannot carry NUL
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "address", "contact"])
        for code, name in names.items():
            w.writerow([code, name.strip(), "x", ""])
    code, out = run(store.path, "import", "sites", str(path))
    assert code == 0, out
    assert not forbidden(out)
    stored = {s.code: s.name for s in store.reference.sites()}
    for code_, name in names.items():
        assert stored[code_] == name.strip()


# ------------------------------------------------------- damaged settings
DAMAGE = [
    ("center_name", "{not json"), ("center_name", json.dumps(12)), ("center_name", json.dumps("x" * 5000)),
    ("demo", json.dumps("maybe")), ("demo", "{"), ("calendar", json.dumps({"kind": "weird"})),
    ("calendar", json.dumps([1, 2])), ("repeat_window_days", json.dumps(10**9)),
    ("repeat_window_days", json.dumps("ten")), ("currency", "{bad"), ("sign_in", json.dumps("yes")),
    ("timezone", json.dumps("Mars/Base")), ("fee_confirm_above", json.dumps("-5")),
]
REPAIR = {"center_name": "Main", "demo": "false", "calendar": "24x7", "repeat_window_days": "30", "currency": "¥",
          "sign_in": "false", "timezone": "UTC", "fee_confirm_above": "5000"}


@pytest.mark.parametrize(("key", "raw"), DAMAGE, ids=[f"{k}-{i}" for i, (k, _r) in enumerate(DAMAGE)])
def test_damaged_setting_is_one_line_naming_the_fix_and_set_repairs_it(tmp_path: Path, key: str, raw: str) -> None:
    path = tmp_path / "d.db"
    code, out = run(path, "init", "--timezone", "UTC")
    assert code == 0, out
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 (key, raw))
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseFileError, match=f"damaged setting {key}"):
        Store(path)
    result = CliRunner().invoke(cli, ["--db", str(path), "check"])
    assert result.exit_code == 2
    message = result.output.strip()
    assert "\n" not in message and len(message) < 400, message
    assert f"dispatch set {key}" in message
    code, out = run(path, "set", key, REPAIR[key])
    assert code == 0, out
    assert not forbidden(out) and len(out) < 600
    code, out = run(path, "queue")  # the file works again
    assert code == 0, out
    # The hand edit itself stays in the record: check names it (README "A
    # history nobody can quietly rewrite"), and backups go on (tests/test_backup.py).
    code, out = run(path, "check")
    assert code == 2 and f"settings row {key}" in out, out


def test_set_demo_true_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    run(path, "init", "--timezone", "UTC")
    code, out = run(path, "set", "demo", "true")
    assert code == 2 and "dispatch demo" in out
