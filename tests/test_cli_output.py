"""Issue 23: one output module for the CLI (console/cli/output.py). Tables are
measured in terminal cells and fit a terminal, whole when piped; CSV makes
formula cells inert in every command; no command module prints its own
table, CSV or JSON; a run that prints no table never imports rich."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from console.cli.output import Column, table_lines
from store import Store
from store.context import default_actor

ROOT = Path(__file__).resolve().parent.parent
LONG = "总行营业部 Head office of the Jingcheng Bank, main hall, counters 1 to 12"


def invoke(*args: str) -> Any:
    from console.cli import cli

    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "o.db"
    store = Store(path, create=True, actor=default_actor())
    store.users.add_user(default_actor(), "Me", "manager")
    store.reference.add_site(code="HQ", name=LONG, address="北京市东城区东长安街 1 号")
    store.reference.add_site(code="=B2", name="=HYPERLINK(\"http://x\")", address="")
    store.close()
    return path


def starts(line: str, heads: list[str]) -> list[int]:
    """Where each heading starts, in cells."""
    return [cell_len(line[:line.index(h)]) for h in heads]


def test_cjk_columns_line_up_in_cells() -> None:
    rows = [["HQ", "总行营业部", "x"], ["B2", "Branch two", "y"], ["中", "a", "z"]]
    lines = table_lines(["Code", "Name", "End"], rows, width=None)
    # Every row's third cell starts in the same cell column as its heading.
    col = starts(lines[0], ["End"])[0]
    assert all(cell_len(line[:-1]) == col for line in lines[1:])
    assert lines[1] == "HQ    总行营业部  x" and lines[3] == "中    a           z"


def test_a_terminal_gets_fitted_columns_and_a_pipe_the_whole_text() -> None:
    rows = [["HQ", LONG, "北京市东城区东长安街 1 号"], ["B2", "Branch", ""]]
    whole = table_lines(["Code", "Name", "Address"], rows, width=None)
    assert LONG in whole[1] and whole[1].endswith("1 号")
    for width in (30, 50, 80):
        fitted = table_lines(["Code", "Name", "Address"], rows, width=width)
        assert all(cell_len(line) <= width for line in fitted), fitted
        assert "…" in fitted[1] and fitted[1].startswith("HQ  ")
    # A rest column gives way first; a column that may not shrink keeps its width.
    cols = [Column("Code", least=None), Column("Name", most=10), Column("Address", rest=True, least=5)]
    fitted = table_lines(cols, rows, width=24)
    assert fitted[1].startswith("HQ    总行营业…   北京")  # 9 cells of 10: a CJK character is 2
    assert all(cell_len(line) <= 24 for line in fitted)


def test_site_list_fits_a_terminal(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("console.cli.output.stdout_is_tty", lambda: True, raising=False)
    monkeypatch.setenv("COLUMNS", "60")
    result = invoke("--db", str(db), "site", "list")
    assert result.exit_code == 0, result.output
    assert all(cell_len(line) <= 60 for line in result.output.splitlines()), result.output
    assert LONG not in result.output and "总行营业部" in result.output


def test_csv_cells_are_inert_in_every_command(db: Path) -> None:
    sites = list(csv.DictReader(io.StringIO(invoke("--db", str(db), "site", "list", "--format", "csv").output)))
    assert {s["code"] for s in sites} == {"HQ", "'=B2"} and "'=HYPERLINK(\"http://x\")" in {s["name"] for s in sites}
    store = Store(db, actor=default_actor())
    site = next(s for s in store.reference.sites() if s.code == "=B2")
    store.tickets.create_ticket({"site_id": site.id, "reporter": "@someone", "phone": "13800138000", "channel": "phone",
                         "category": "atm", "priority": 2, "description": "=cmd|' /C calc'!A0"})
    store.close()
    rows = list(csv.DictReader(io.StringIO(invoke("--db", str(db), "queue", "--format", "csv").output)))
    assert rows[0]["description"] == "'=cmd|' /C calc'!A0" and rows[0]["site"] == "'=HYPERLINK(\"http://x\")"
    assert int(rows[0]["seconds_left"]) > 0  # numbers stay numbers


def test_no_command_module_prints_its_own_table_csv_or_json() -> None:
    for path in sorted((ROOT / "console" / "cli").glob("*.py")):
        if path.name in ("output.py", "help_format.py"):
            continue
        text = path.read_text(encoding="utf-8")
        for printer in ("csv.writer", "csv.DictWriter", "cell_len", "json.dumps(rows", "indent=2"):
            assert printer not in text, f"{path.name} uses {printer}: print through console/cli/output.py"


def loaded(*args: str) -> list[str]:
    code = ("import sys, json, atexit\n"
            "atexit.register(lambda: sys.__stderr__.write('\\nMODULES ' + json.dumps(sorted(sys.modules)) + '\\n'))\n"
            f"sys.argv = ['dispatch', *{list(args)!r}]\n"
            "from console.cli import main\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES "))
    return json.loads(line[len("MODULES "):])


def test_rich_is_imported_only_when_a_table_is_printed(db: Path) -> None:
    assert not [m for m in loaded("--db", str(db), "site", "list", "--format", "json") if m.startswith("rich")]
    assert not [m for m in loaded("--db", str(db), "site", "list", "--format", "csv") if m.startswith("rich")]
    table = loaded("--db", str(db), "site", "list")
    assert "rich.cells" in table and "rich.table" not in table and "rich.console" not in table
