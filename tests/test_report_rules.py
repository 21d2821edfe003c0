"""Rule gaps of the reports found in review (docs/rules.md "Reports: the
managers' figures"), each worked out by hand on tests/report_data.py's
October and a few November items, with the injected clock (2026-11-25 09:00
UTC, a UTC site)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner
from console_helpers import app_for, burst, settle
from report_data import build_october
from rich.cells import cell_len
from textual.widgets import DataTable

from console.cli import cli
from console.screens.reports import ReportsScreen
from store import Store
from store.errors import RuleViolation
from store.rules.periods import Period
from store.transfer.callback_form import write_callback_form

OCT = Period.parse_month("2026-10")
NOV = Period.parse_month("2026-11")


@pytest.fixture
def october(store: Store) -> Store:
    build_october(store)
    return store


# ------------------------------------------------ a. items done on time
# November items (due_date, state, confirmed_at), on the October tickets #1..#6.
NOVEMBER_ITEMS = [
    (1, "2026-11-10", "confirmed", "2026-11-09T10:00:00Z"),  # on time
    (2, "2026-11-10", "confirmed", "2026-11-12T10:00:00Z"),  # late
    (3, "2026-11-10", "submitted", None),  # due day over, not confirmed: not on time
    (4, "2026-11-25", "submitted", None),  # due today: can still be confirmed today, not counted yet
    (5, "2026-11-28", "open", None),  # due later this month: not counted yet
    (6, "2026-11-28", "confirmed", "2026-11-20T10:00:00Z"),  # done before its day: on time
]


def _add_items(store: Store) -> None:
    raw = sqlite3.connect(store.path)
    with raw:
        for i, (tid, due, state, confirmed) in enumerate(NOVEMBER_ITEMS, start=100):
            raw.execute("INSERT INTO improvement_items (ticket_id, team_id, source, source_id, opened_at, due_date,"
                        " state, confirmed_at) VALUES (?, 1, 'callback', ?, '2026-10-20T10:00:00Z', ?, ?, ?)",
                        (tid, i, due, state, confirmed))
    raw.close()


def test_items_due_later_in_the_current_period_are_not_late_yet(october: Store, clock) -> None:
    _add_items(october)
    # Now 25 November: counted #1 #2 #3 #6 (confirmed, or due day over); on time #1 #6 → 2 / 4.
    items = october.reports.report(NOV).figure("items_on_time")
    assert (items.value, items.base) == (pytest.approx(2 / 4), 4)
    assert [r.id for r in october.reports.report_tickets(NOV, None, "items")[1]] == [1, 2, 3, 6]
    # 26 November: #4's day (the 25th) is over, still not confirmed → 2 / 5.
    clock.set(pendulum.datetime(2026, 11, 26, 0, 0, 1, tz="UTC"))
    assert october.reports.report(NOV).figure("items_on_time").base == 5
    # A past month counts every item due in it: October 1 / 3 (on the 9th; the 12th late; one open).
    october_items = october.reports.report(OCT).figure("items_on_time")
    assert (october_items.value, october_items.base) == (pytest.approx(1 / 3), 3)
    # After the month: every November item is decided, #5 too → 2 / 6.
    clock.set(pendulum.datetime(2026, 12, 2, 9, 0, tz="UTC"))
    assert october.reports.report(NOV).figure("items_on_time").value == pytest.approx(2 / 6)


# ----------------------------------------- b. report_targets merge the keys given
def test_report_targets_change_only_the_keys_given(october: Store) -> None:
    october.settings.set_setting("report_targets", {"completion": 0.7})
    october.settings.set_setting("report_targets", {"mttr_mean": 86400})
    r = october.reports.report(OCT)
    assert r.figure("completion").target == 0.7  # kept: not named the second time
    assert r.figure("mttr_mean").target == 86400
    assert october.settings.setting("report_targets") == {"completion": 0.7, "mttr_mean": 86400.0}
    october.settings.set_setting("report_targets", {"completion": None})  # null: back to the default
    assert october.reports.report(OCT).figure("completion").target == 0.98
    assert october.settings.setting("report_targets") == {"mttr_mean": 86400.0}


def test_a_share_target_is_from_0_to_1(october: Store) -> None:
    with pytest.raises(RuleViolation, match="completion is a share from 0 to 1"):
        october.settings.set_setting("report_targets", {"completion": 95})
    october.settings.set_setting("report_targets", {"sla_response": 1})  # 100 %: allowed
    october.settings.set_setting("report_targets", {"mttr_mean": 100000})  # a time, not a share
    assert october.reports.report(OCT).figure("sla_response").target == 1.0


def test_cli_set_report_targets_merges(october: Store, db_path: Path) -> None:
    run = CliRunner()
    got = run.invoke(cli, ["--db", str(db_path), "set", "report_targets", '{"completion": 0.9}'])
    assert got.exit_code == 0, got.output
    got = run.invoke(cli, ["--db", str(db_path), "set", "report_targets", '{"within_4h": 0.5}'])
    assert got.exit_code == 0, got.output
    assert json.loads(got.output.split("→", 1)[1]) == {"completion": 0.9, "within_4h": 0.5}
    got = run.invoke(cli, ["--db", str(db_path), "set", "report_targets", '{"within_4h": 80}'])
    assert got.exit_code != 0 and "within_4h is a share from 0 to 1" in got.output
    assert len(got.output.strip().splitlines()) == 1


# --------------------------------------------- c. satisfaction 8.2–8.7 read as ≥ 8.2
def test_satisfaction_target_is_met_at_8_2_or_more(october: Store) -> None:
    # October's mean callback score is (10 + 6 + 8) / 3 = 8.00: below 8.2, missed.
    score = october.reports.report(OCT).figure("score_mean")
    assert (score.value, score.target, score.on_target) == (pytest.approx(8.0), 8.2, False)
    # One more satisfied answer: (10 + 6 + 8 + 10) / 4 = 8.50, met; above the trade's 8.7 it is met too.
    raw = sqlite3.connect(october.path)
    with raw:
        raw.execute("UPDATE callbacks SET status = 'done', rating = 'satisfied', score = 10 WHERE ticket_id = 3")
    raw.close()
    assert october.reports.report(OCT).figure("score_mean").on_target is True
    october.settings.set_setting("report_targets", {"score_mean": 8.6})
    assert october.reports.report(OCT).figure("score_mean").on_target is False


# ------------------------------------ d. the form only after an unsatisfied answer
def test_form_refused_without_an_unsatisfied_answer(october: Store, db_path: Path, tmp_path: Path) -> None:
    run = CliRunner()  # several invocations in one process: the export group stays the export group
    for tid in (1, 3, 6):  # satisfied, unreachable, never called
        out = tmp_path / f"f{tid}.xlsx"
        got = run.invoke(cli, ["--db", str(db_path), "export", "form", "--ticket", str(tid), "-o", str(out)])
        assert got.exit_code != 0, got.output
        assert f"Ticket #{tid} has no unsatisfied callback answer" in got.output
        assert len(got.output.strip().splitlines()) == 1
        assert not out.exists() and not [p for p in tmp_path.iterdir() if ".xlsx" in p.name]
    with pytest.raises(RuleViolation):
        write_callback_form(october, 4, tmp_path / "f4.xlsx")  # "basically satisfied"
    assert not [p for p in tmp_path.iterdir() if ".xlsx" in p.name]
    got = run.invoke(cli, ["--db", str(db_path), "export", "form", "--ticket", "2", "-o", str(tmp_path / "f2.xlsx")])
    assert got.exit_code == 0 and (tmp_path / "f2.xlsx").exists()


# ----------------------------------- e. a burst of `v` and the legend's header
def _cells(table: DataTable) -> list[list[str]]:
    head = [c.label.plain for c in table.ordered_columns]
    rows = [[str(getattr(v, "plain", v)) for v in table.get_row_at(i)] for i in range(table.row_count)]
    return [head, *rows]


async def test_a_burst_of_v_leaves_the_legend_of_the_shown_chart(october: Store) -> None:
    app = app_for(october)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        await pilot.press("left_square_bracket")  # October
        await settle(pilot)
        await burst(pilot, "v", "v", "v", "v")  # figures → per day → SLA → ranking → breaches, as one burst
        assert screen.view == "breaches"
        legend = screen.query_one("#legend", DataTable)
        rows = _cells(legend)
        assert rows[0] == ["#", "Site", "Missed"]
        assert [r[1] for r in rows[1:3]] == ["North Branch", "Head Office"]
        # Each column as wide as its widest cell (1 cell of padding each side), header and rows alike.
        widths = [max(cell_len(r[i]) for r in rows) for i in range(3)]
        assert [c.get_render_width(legend) for c in legend.ordered_columns] == [w + 2 for w in widths]
        header = "".join(seg.text for seg in legend.render_line(0))
        expected = "".join(f" {label}{' ' * (w - cell_len(label))} " for label, w in zip(rows[0], widths, strict=True))
        assert header.rstrip() == expected.rstrip()
