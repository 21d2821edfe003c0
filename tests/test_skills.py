"""Skills (issue 22): one separator shown (commas: the CLI help, the form,
lists and CSV), any of , ; | ， ； 、 accepted everywhere (form, CLI, CSV)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from console_helpers import app_for, burst, settle, until
from textual.widgets import Input, Static

from console.cli import cli
from store import Store
from store.transfer.csv_io import export_csv, import_rows, read_csv


@pytest.mark.parametrize("typed", ["atm,cash", "atm, cash", "atm;cash", "atm|cash", "atm，cash", "atm；cash",
                                   "atm、cash", " atm ;; cash "])
def test_every_separator_is_taken_by_the_store(store: Store, typed: str) -> None:
    assert store.people.add_technician("Sun Li", 1, skills=typed).skills == ("atm", "cash")


def run(db: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def test_cli_says_commas_and_takes_any(store: Store, db_path: Path) -> None:
    for command in (["tech", "add", "--help"], ["tech", "edit", "--help"]):
        shown = " ".join(run(db_path, *command).output.split())
        assert "Categories separated by commas, e.g. atm,cash" in shown and "atm;cash" not in shown
    assert run(db_path, "tech", "add", "Gao Yan", "--team", "Alpha Team", "--skills", "atm、pc").exit_code == 0
    assert run(db_path, "tech", "edit", "Gao Yan", "--skills", "ups;pc").exit_code == 0
    listed = run(db_path, "tech", "list", "--format", "csv").output
    assert '"ups, pc"' in listed


def test_csv_writes_commas_and_reads_any(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("name,phone,team,skills,on_duty\nGao Yan,,Alpha Team,atm；ups,yes\n", encoding="utf-8")
    report = import_rows(store, "technicians", read_csv(path, "technicians"))
    assert report.errors == ()
    out = tmp_path / "out.csv"
    export_csv(store, "technicians", out)
    assert "Gao Yan,,Alpha Team,\"atm, ups\",yes" in out.read_text(encoding="utf-8-sig")
    # and it reads back the same
    assert import_rows(store, "technicians", read_csv(out, "technicians")).updated == 0


async def test_form_shows_the_list_once_and_takes_any_separator(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", "c")
        await settle(pilot)
        await burst(pilot, "n")
        form = app.screen
        texts = [str(w.render()) for w in form.query(Static)] + [form.query_one("#f-skills", Input).placeholder]
        assert sum("printer" in t for t in texts) == 1, texts  # the categories are listed once, in the hint
        form.query_one("#f-team_id").value = 1  # two teams: no default
        await burst(pilot, *"Sun Li", "tab", "tab", "tab", *"ATM；cash counter", "ctrl+s")
        await until(pilot, lambda: any(t.name == "Sun Li" for t in store.people.technicians()))
    assert next(t for t in store.people.technicians() if t.name == "Sun Li").skills == ("atm", "cash")
