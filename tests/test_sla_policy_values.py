"""SLA windows are whole minutes from 1 to a year, response ≤ on site ≤
resolved, wherever they are set (`dispatch sla set`, the policy screen, the
store), and a stored policy that is not (written by hand with sqlite3) is one
line from `check` and from opening the file, naming the command that mends it;
once mended the file works again and `check` goes on naming the hand edit.

Before: `sla set 1 10 50 99999999999999` was taken and every later write
said "internal error (OverflowError)"; negative minutes passed `check`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from console_helpers import app_for, burst, make_ticket, settle, until
from textual.widgets import Input, Static

from console.cli import cli
from console.screens.policy import PolicyScreen
from store import DatabaseFileError, Store
from store.errors import RuleViolation
from store.models import QueueFilter
from store.rules.sla import DEFAULT_POLICY, MAX_WINDOW_MIN


def sla_set(db: Path, *args: str) -> tuple[int, str]:
    got = CliRunner().invoke(cli, ["--db", str(db), "sla", "set", *args])
    return got.exit_code, got.output


@pytest.mark.parametrize("windows, words", [
    (("10", "50", "99999999999999"), "at most 525600 minutes"),
    (("10", "50", "99999999999999999999999"), "at most 525600 minutes"),
    (("-5", "50", "100"), "more than 0"),
    (("0", "50", "100"), "more than 0"),
    (("60", "50", "100"), "response ≤ on site ≤ resolved"),
    (("1.5", "50", "100"), "whole numbers"),
    (("10", "50", "1e9"), "whole numbers"),
])
def test_sla_set_refuses_windows_out_of_bounds(store: Store, db_path: Path, windows: tuple[str, ...],
                                               words: str) -> None:
    make_ticket(store, priority=1)
    code, out = sla_set(db_path, "1", *windows)
    assert code == 2 and out.startswith("dispatch: error: ") and words in out and len(out.splitlines()) == 1, out
    assert "internal error" not in out
    assert store.settings.policy()[1] == DEFAULT_POLICY[1]
    make_ticket(store, priority=1)  # the file still takes writes


def test_a_year_is_the_longest_window(store: Store, db_path: Path) -> None:
    make_ticket(store, priority=4)
    code, out = sla_set(db_path, "4", "60", "480", str(MAX_WINDOW_MIN))
    assert code == 0, out
    assert store.settings.policy()[4].resolve_min == MAX_WINDOW_MIN
    with pytest.raises(RuleViolation, match="at most"):
        store.settings.set_policy(4, 60, 480, MAX_WINDOW_MIN + 1)
    with pytest.raises(RuleViolation, match="whole numbers"):
        store.settings.set_policy(4, True, 480, 600)  # type: ignore[arg-type]


async def test_policy_screen_says_the_same(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", "p")
        screen = app.screen
        assert isinstance(screen, PolicyScreen)
        await until(pilot, lambda: bool(screen.current))
        screen.query_one("#f-p1_resolve", Input).value = str(MAX_WINDOW_MIN + 1)
        await burst(pilot, "ctrl+s")
        assert "at most 525600 minutes" in str(screen.query_one("#e-p1", Static).render())
        assert app.screen is screen and store.settings.policy()[1] == DEFAULT_POLICY[1]


DAMAGE = {
    "negative": "UPDATE sla_policy SET response_min = -5 WHERE priority = 2",
    "zero": "UPDATE sla_policy SET onsite_min = 0 WHERE priority = 2",
    "huge": "UPDATE sla_policy SET resolve_min = 99999999999999 WHERE priority = 2",
    "text": "UPDATE sla_policy SET response_min = 'abc' WHERE priority = 2",
    "real": "UPDATE sla_policy SET response_min = 1.5 WHERE priority = 2",
    "null": "UPDATE sla_policy SET resolve_min = NULL WHERE priority = 2",
    "order": "UPDATE sla_policy SET response_min = 600 WHERE priority = 2",
}


def damage(db: Path, *sql: str) -> None:
    raw = sqlite3.connect(db)
    for s in sql:
        raw.execute(s)
    raw.commit()
    raw.close()


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_damaged_stored_policy_is_one_line_and_mended_with_sla_set(store: Store, db_path: Path, kind: str) -> None:
    for p in (1, 2, 3):
        make_ticket(store, priority=p)
    store.close()
    damage(db_path, DAMAGE[kind])
    for args in (["check"], ["queue"], ["sla", "show"]):
        got = CliRunner().invoke(cli, ["--db", str(db_path), *args])
        assert got.exit_code == 2 and len(got.output.splitlines()) == 1, (args, got.output)
        assert "damaged setting sla_policy" in got.output and "P2" in got.output, got.output
        assert "dispatch sla set 2" in got.output and "internal error" not in got.output
    for read_only in (False, True):
        with pytest.raises(DatabaseFileError, match="sla_policy"):
            Store(db_path, actor="ann", read_only=read_only)
    code, out = sla_set(db_path, "2", "30", "120", "480")
    assert code == 0, out
    for args in (["queue"], ["sla", "show"]):  # the file works again
        got = CliRunner().invoke(cli, ["--db", str(db_path), *args])
        assert got.exit_code == 0, (args, got.output)
    s = Store(db_path, actor="ann")
    assert s.settings.policy()[2] == DEFAULT_POLICY[2]
    make_ticket(s, priority=2)  # and takes writes
    s.close()
    # The hand edit itself stays in the record: check names it (README "A
    # history nobody can quietly rewrite"), no longer as a damaged setting.
    got = CliRunner().invoke(cli, ["--db", str(db_path), "check"])
    assert got.exit_code == 2 and "sla_policy row 2 is not as a new file starts" in got.output, got.output
    assert "damaged setting" not in got.output and "internal error" not in got.output, got.output


def test_two_damaged_priorities_are_mended_one_after_the_other(store: Store, db_path: Path) -> None:
    """Mending one recomputes nothing while the other is still damaged (no
    deadline can be placed with it); mending the last recomputes every open
    ticket, with the first mend's windows."""
    tickets = {p: make_ticket(store, priority=p).id for p in (1, 2, 3)}
    store.close()
    damage(db_path, DAMAGE["huge"], "UPDATE sla_policy SET response_min = -1 WHERE priority = 3")
    code, out = sla_set(db_path, "2", "45", "120", "480")
    assert code == 0, out
    got = CliRunner().invoke(cli, ["--db", str(db_path), "check"])
    assert got.exit_code == 2 and "P3" in got.output and "dispatch sla set 3" in got.output, got.output
    code, out = sla_set(db_path, "3", "90", "240", "1440")
    assert code == 0, out
    # Both mended: check names the two hand edits (the record keeps them), nothing
    # damaged any more and no recompute left pending.
    got = CliRunner().invoke(cli, ["--db", str(db_path), "check"])
    assert got.exit_code == 2 and "recompute" not in got.output and "damaged setting" not in got.output, got.output
    assert "sla_policy row 2 is not" in got.output and "sla_policy row 3 is not" in got.output, got.output
    s = Store(db_path, actor="ann")
    rows = {r.id: r for r in s.queue.find(QueueFilter(), 0, 10)}
    for p, minutes in ((2, 45), (3, 90)):
        t = rows[tickets[p]]
        assert t.next_clock == "response" and t.due_at == s.tickets.ticket(t.id).reported_at.add(minutes=minutes)
    s.close()
