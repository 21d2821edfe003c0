"""`dispatch hq report / scores / export month` (issue 26, "Head office"): the
figures computed in PostgreSQL from the shipped facts are each center's own,
key by key, and the company's are the same formulas over all the centers'
facts. Three centers from the demo with different seeds, shipped to a real
PostgreSQL (tests/hq_pg.py; without a server these tests skip and say why)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import invoke, one_line_error
from hq_centers import SEEDS

from store.rules import figures as fig

pytestmark = pytest.mark.xdist_group("hq")
MONTHS = ("2026-10", "2026-11")  # the demo's two months at NOW (2026-11-25): both past for the real clock


def _json(result: Any) -> Any:
    assert result.exit_code == 0, (result.output, result.stderr, result.exception)
    return json.loads(result.output)


def test_each_center_at_the_head_office_is_its_own_report(shipped: Callable[[], dict[str, Path]], hq_url: str) -> None:
    files = shipped()
    for month in MONTHS:
        for code, db in files.items():
            theirs = _json(invoke(str(db), "report", "--month", month, "--format", "json"))
            mine = _json(invoke(str(db), "hq", "report", "--hq", hq_url, "--month", month, "--center", code,
                                "--format", "json"))
            assert mine.keys() == theirs.keys()
            for key in theirs:
                if key != "figures":
                    assert mine[key] == theirs[key], (month, code, key)
            assert [f["key"] for f in mine["figures"]] == [f["key"] for f in theirs["figures"]]
            for a, b in zip(mine["figures"], theirs["figures"], strict=True):
                assert a == b, (month, code, a["key"])
    # Not an empty comparison: the month has tickets, clocks and callbacks in each center.
    november = _json(invoke(str(files["BJ"]), "report", "--month", "2026-11", "--format", "json"))
    opened = {f["key"]: f for f in november["figures"]}
    assert opened["opened"]["value"] > 100 and opened["sla_response"]["base"] > 100


def _reported_values(files: dict[str, Path], column: str, month: str) -> list[float]:
    """Every center's ``column`` of the tickets reported in ``month`` (site zone Asia/Shanghai, UTC+8)."""
    start, end = (f"{month}-01", "2026-12-01" if month == "2026-11" else "2026-11-01")
    values: list[float] = []
    for db in files.values():
        lite = sqlite3.connect(db)
        tz = json.loads(lite.execute("SELECT value FROM settings WHERE key = 'timezone'").fetchone()[0])
        assert tz == "Asia/Shanghai"
        lo, hi = _utc_day(start), _utc_day(end)
        values += [r[0] for r in lite.execute(
            f"SELECT {column} FROM tickets WHERE reported_at >= ? AND reported_at < ? AND {column} IS NOT NULL",
            (lo, hi))]
        lite.close()
    return values


def _utc_day(day: str) -> str:
    import pendulum

    return pendulum.parse(day, tz="Asia/Shanghai").in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss") + "Z"  # type: ignore[union-attr]


def test_company_figures_are_the_formulas_over_every_centers_facts(shipped: Callable[[], dict[str, Path]],
                                                                   hq_url: str) -> None:
    files = shipped()
    out = _json(invoke(str(next(iter(files.values()))), "hq", "report", "--hq", hq_url, "--month", "2026-11",
                       "--format", "json"))
    assert [c["code"] for c in out["centers"]] == sorted(SEEDS)
    by_key = {f["key"]: f for f in out["figures"]}
    # Counts add up.
    for key in ("opened", "closed", "cancelled", "backlog", "unsatisfied", "unreachable"):
        f = by_key[key]
        assert f["company"]["value"] == sum(f["centers"][c]["value"] for c in SEEDS), key
    # Shares are of the summed counts, not a mean of the centers' shares.
    sla = by_key["sla_response"]
    met = sum(round(sla["centers"][c]["value"] * sla["centers"][c]["base"]) for c in SEEDS)
    assert sla["company"]["base"] == sum(sla["centers"][c]["base"] for c in SEEDS)
    assert sla["company"]["value"] == pytest.approx(met / sla["company"]["base"], abs=1e-12)
    # Medians and 80th percentiles: nearest rank over all the centers' values together.
    values = _reported_values(files, "f_response_s", "2026-11")
    assert by_key["response_median"]["company"]["value"] == fig.percentile(values, 50)
    assert by_key["response_p80"]["company"]["value"] == fig.percentile(values, 80)
    assert by_key["response_mean"]["company"]["value"] == pytest.approx(sum(values) / len(values))
    medians = {by_key["response_median"]["centers"][c]["value"] for c in SEEDS}
    assert len(medians) > 1  # the seeds make the centers differ, so the check above is not one center's


def test_the_table_shows_the_centers_side_by_side(shipped: Callable[[], dict[str, Path]], hq_url: str) -> None:
    files = shipped()
    result = invoke(str(files["BJ"]), "hq", "report", "--hq", hq_url, "--month", "2026-11")
    assert result.exit_code == 0, result.output
    head = result.output.splitlines()[1].split()
    assert head[-5:] == ["BJ", "GZ", "SH", "company", "change"]
    assert any(line.startswith("Tickets opened") for line in result.output.splitlines())


def test_scores_rank_the_centers_technicians_together(shipped: Callable[[], dict[str, Path]], hq_url: str) -> None:
    files = shipped()
    everyone = _json(invoke(str(files["BJ"]), "hq", "scores", "--hq", hq_url, "--month", "2026-11", "--format", "json"))
    for code, db in files.items():
        theirs = _json(invoke(str(db), "scores", "--month", "2026-11", "--format", "json"))
        mine = _json(invoke(str(db), "hq", "scores", "--hq", hq_url, "--month", "2026-11", "--center", code,
                            "--format", "json"))
        assert [(r["kind"], r["rank"], r["name"], r["count"], r["sum"], r["score"], r["star"], r["winner"])
                for r in mine] == [
            (r["kind"], r["rank"], r["name"], r["count"], r["sum"], r["score"], r["star"], r["winner"]) for r in theirs]
        # Each center's technicians are in the company's ranking, in the same order among themselves.
        ours = [r["name"] for r in everyone if r["kind"] == "technician" and r["center"] == code]
        assert ours == [r["name"] for r in theirs if r["kind"] == "technician"]
    techs = [r for r in everyone if r["kind"] == "technician"]
    assert [r["rank"] for r in techs] == list(range(1, len(techs) + 1))
    assert techs[0]["star"] and not any(r["star"] for r in techs[1:])
    assert [r["score"] for r in techs] == sorted((r["score"] for r in techs), reverse=True)
    # The demo's technicians have the same names in every center: the center tells them apart.
    assert len({r["name"] for r in techs}) < len(techs)
    table = invoke(str(files["BJ"]), "hq", "scores", "--hq", hq_url, "--month", "2026-11")
    star = techs[0]
    assert f"Star technician: {star['name']} ({star['center']})." in table.output


def test_export_month_has_a_sheet_per_group_and_a_column_per_center(shipped: Callable[[], dict[str, Path]],
                                                                     hq_url: str, tmp_path: Path) -> None:
    import openpyxl

    from store.transfer.hq_workbook import GROUPS

    files = shipped()
    out = tmp_path / "company.xlsx"
    result = invoke(str(files["BJ"]), "hq", "export", "month", "--hq", hq_url, "--month", "2026-11", "-o", str(out))
    assert result.exit_code == 0, (result.output, result.stderr)
    report = _json(invoke(str(files["BJ"]), "hq", "report", "--hq", hq_url, "--month", "2026-11", "--format", "json"))
    by_key = {f["key"]: f for f in report["figures"]}
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:len(GROUPS)] == [title for title, _keys in GROUPS]
    seen = 0
    for title, keys in GROUPS:
        rows = list(book[title].iter_rows(values_only=True))
        assert rows[0] == ("Figure", "Unit", "BJ", "GZ", "SH", "Company")
        for key, row in zip(keys, rows[1:], strict=True):
            f = by_key[key]
            assert row[0] == f["label"]
            want = [f["centers"][c]["value"] for c in ("BJ", "GZ", "SH")] + [f["company"]["value"]]
            assert list(row[2:]) == pytest.approx(want, rel=1e-14)  # a cell keeps 15 significant digits
            seen += 1
    assert seen == len(by_key)  # every figure is on a sheet
    star = [r for r in book["Technicians"].iter_rows(values_only=True)][1]
    assert star[0] == 1 and star[-1] == "star"


def test_a_head_office_that_cannot_be_reached_is_one_line_without_the_password(tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    url = "postgresql://analyst:pa55-w0rd@127.0.0.1:1/hq"
    for args in (("hq", "report", "--month", "2026-11"), ("hq", "scores"), ("hq",),
                 ("hq", "export", "month", "-o", str(tmp_path / "c.xlsx"))):
        result = invoke(db, *args, "--hq", url) if args != ("hq",) else invoke(db, "hq", "--hq", url)
        one_line_error(result, "cannot reach the head office at 127.0.0.1:1/hq")
        assert "pa55-w0rd" not in result.stderr + result.output
    assert not (tmp_path / "c.xlsx").exists()


def test_an_empty_head_office_says_to_ship_first(hq_url: str, tmp_path: Path) -> None:
    one_line_error(invoke(str(tmp_path / "x.db"), "hq", "report", "--hq", hq_url), "run 'dispatch ship'")


def test_the_head_office_is_only_read(shipped: Callable[[], dict[str, Path]], hq_url: str) -> None:
    """The reads run READ ONLY: a write through the same connection is refused by PostgreSQL."""
    import psycopg

    from store.hq.reading import reading

    shipped()
    with reading(hq_url) as conn, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        conn.execute("DELETE FROM tickets")


def test_hq_report_starts_without_the_models_or_the_console(shipped: Callable[[], dict[str, Path]], hq_url: str,
                                                            tmp_path: Path) -> None:
    """`dispatch hq report` end to end is mostly start-up (bench/hq_report.py): it loads the head office's
    driver and the figures, not pydantic and the models, the center's store, the console or the workbooks."""
    from test_lazy_cli import heavy, loaded_by

    shipped()
    out, loaded = loaded_by("hq", "report", "--hq", hq_url, "--month", "2026-11",
                            env={"XDG_DATA_HOME": str(tmp_path), "DISPATCH_LANG": "en"})
    assert "company" in out and "psycopg" in loaded
    unused = ("pydantic", "pydantic_settings", "store.models", "store.inputs", "store.store", "sqlite_utils",
              "textual", "xlsxwriter", "console.format", "store.rules.scoring", "console.cli.reports")
    assert not heavy(loaded, unused), sorted(heavy(loaded, unused))
