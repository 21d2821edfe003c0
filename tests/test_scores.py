"""Monthly and daily scores from the store's own evaluations (docs/rules.md §5):
which tickets count (complete evaluations, the closing month), the formula's
parts, the star and the winning team, ``dispatch scores`` and the scores
screen driven with Pilot."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pendulum
import pytest
from click.testing import CliRunner
from conftest import FOREMEN, add_people
from console_helpers import app_for, settle, until
from loop_helpers import SATISFIED, acting, close_ticket

from console.cli import cli
from store import Store
from store.errors import RuleViolation

FOREMAN = {1: "fay", 2: "fay", 3: "gus", 4: "gus"}


def evaluate(store: Store, clock, tech: int, closed: pendulum.DateTime, call: str | None,
             own: str | None = "satisfied") -> int:
    """A ticket closed at ``closed``; its day planned; the call answered ``call``
    ("unreachable": three tries; None: left open); the foreman's ``own`` answer."""
    tid = close_ticket(store, clock, tech, closed)
    with acting(store, "ann"):
        store.callbacks.plan_callbacks(closed.add(days=1).date())
    c = next(c for c in store.callbacks.find() if c.ticket_id == tid)
    with acting(store, c.evaluator):
        if call == "unreachable":
            for _ in range(3):
                store.callbacks.log_unreachable(c.id)
        elif call is not None:
            store.callbacks.log_callback(c.id, rating=call, answers=SATISFIED)
    if own is not None:
        with acting(store, FOREMAN[tech]):
            store.scores.self_evaluate(tid, record_complete=True, measures_right=True, efficiency=True, rating=own,
                                suggestion="fix it" if own == "unsatisfied" else "")
    return tid


@pytest.fixture
def month(store: Store, clock) -> Store:
    """November: Li Wei 3 × (10 + 10); Wang Fang 2 × (8 + 10); Zhang Min one
    unreachable (foreman 8 alone); Chen Jie one without the foreman's yet.
    October: one more ticket for Zhang Min, which November does not count."""
    add_people(store, *FOREMEN)
    nov = pendulum.datetime(2026, 11, 2, 10, tz="UTC")
    for d in range(3):
        evaluate(store, clock, 1, nov.add(days=d), "satisfied")
    for d in range(2):
        evaluate(store, clock, 3, nov.add(days=5 + d), "basic")
    evaluate(store, clock, 2, nov.add(days=8), "unreachable", own="basic")
    evaluate(store, clock, 4, nov.add(days=9), "satisfied", own=None)
    evaluate(store, clock, 2, pendulum.datetime(2026, 10, 20, 10, tz="UTC"), "satisfied")
    return store


def test_month_ranking_formula_star_and_winner(month: Store) -> None:
    s = month.scores.month_scores("2026-11")
    assert (s.evaluated, s.waiting) == (6, 1)  # Chen Jie's ticket waits for the foreman
    rows = {r.name: r for r in s.technicians}
    li, wang, zhang = rows["Li Wei"], rows["Wang Fang"], rows["Zhang Min"]
    assert (li.total, li.count, li.mean, li.bonus_count, li.score) == (60, 3, Decimal(20), Decimal("0.45"),
                                                                        Decimal("20.45"))
    assert (wang.total, wang.count, wang.score) == (36, 2, Decimal("18.30"))
    assert (zhang.total, zhang.count, zhang.score) == (8, 1, Decimal("8.15"))  # unreachable: the foreman's alone
    assert li.star and li.rank == 1 and li.bonus == Decimal("0.5") and not wang.star
    assert li.satisfied_share == 1.0 and wang.satisfied_share == 0.5 and zhang.satisfied_share == 0.0
    teams = {r.name: r for r in s.teams}
    assert teams["Alpha Team"].score == Decimal(68) / 4 + Decimal("0.60")  # 17.60
    assert teams["Bravo Team"].score == Decimal("18.30") and teams["Bravo Team"].winner
    assert s.winner is not None and s.winner.name == "Bravo Team"


def test_a_ticket_counts_in_the_month_it_closed(month: Store) -> None:
    october = month.scores.month_scores("2026-10")
    assert [(r.name, r.count) for r in october.technicians] == [("Zhang Min", 1)]
    assert month.scores.month_scores("2026-09").technicians == []
    with pytest.raises(RuleViolation, match="YYYY-MM"):
        month.scores.month_scores("November")


def test_daily_scores_per_technician(month: Store) -> None:
    days = month.scores.daily_scores("2026-11", technician_id=1)
    assert [(d.day.isoformat(), d.count, d.total) for d in days] == [
        ("2026-11-02", 1, 20), ("2026-11-03", 1, 20), ("2026-11-04", 1, 20)]
    assert {d.name for d in month.scores.daily_scores("2026-11")} == {"Li Wei", "Wang Fang", "Zhang Min"}


def test_points_are_the_settings_when_logged(store: Store, clock) -> None:
    add_people(store, *FOREMEN)
    store.settings.set_setting("score_basic", 7)
    evaluate(store, clock, 1, pendulum.datetime(2026, 11, 2, 10, tz="UTC"), "basic")
    store.settings.set_setting("score_basic", 8)  # later changes do not rewrite what was recorded
    assert month_total(store) == 17


def month_total(store: Store) -> int:
    return store.scores.month_scores("2026-11").technicians[0].total


def test_cli_scores_table_and_csv(month: Store, db_path) -> None:
    runner = CliRunner()
    table = runner.invoke(cli, ["--db", str(db_path), "scores", "--month", "2026-11"])
    assert table.exit_code == 0, table.output
    assert "20.45" in table.output and "*" in table.output and "6 tickets evaluated, 1 waiting" in table.output
    out = runner.invoke(cli, ["--db", str(db_path), "scores", "--month", "2026-11", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(out.output)))
    star = next(r for r in rows if r["kind"] == "technician" and r["mark"] == "*")
    assert (star["name"], star["sum"], star["count"], star["mean"], star["per_ticket"], star["score"]) == (
        "Li Wei", "60", "3", "20.00", "0.45", "20.45")
    assert next(r for r in rows if r["kind"] == "team" and r["mark"] == "*")["name"] == "Bravo Team"
    daily = runner.invoke(cli, ["--db", str(db_path), "scores", "--month", "2026-11", "--daily", "--format", "json"])
    assert '"points": 20' in daily.output


def test_bulk_load_for_benchmarks(store: Store, clock) -> None:
    close_ticket(store, clock, 1, pendulum.datetime(2026, 11, 3, 10, tz="UTC"))
    close_ticket(store, clock, 3, pendulum.datetime(2026, 11, 4, 10, tz="UTC"))
    assert store.scores.load_evaluations("2026-11") == 2
    assert store.scores.month_scores("2026-11").evaluated == 2
    assert store.scores.load_evaluations("2026-11") == 0  # already evaluated tickets are skipped


async def test_scores_screen_marks_star_and_winner_and_moves_months(month: Store) -> None:
    app = app_for(month)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("Y")
        await until(pilot, lambda: type(app.screen).__name__ == "ScoresScreen" and app.screen.scores is not None)
        screen = app.screen
        techs = screen.query_one("#techs")
        first = [str(c) for c in techs.get_row_at(0)]
        assert first[1].startswith("★ star") and first[2] == "Li Wei" and first[-1] == "20.45"
        teams = screen.query_one("#teams")
        assert str(teams.get_row_at(0)[1]).startswith("★ winner") and str(teams.get_row_at(0)[2]) == "Bravo Team"
        assert "Star technician: Li Wei" in screen.query_one("#sc-foot").render().plain
        await pilot.press("enter")  # Li Wei's days
        await until(pilot, lambda: type(app.screen).__name__ == "DailyScoresScreen")
        assert app.screen.query_one("#days").row_count == 3
        await pilot.press("escape", "left_square_bracket")
        await until(pilot, lambda: screen.month == "2026-10" and screen.scores.month == "2026-10")
        assert [r.name for r in screen.scores.technicians] == ["Zhang Min"]
