"""The escalation ladder from Setup (issue 24, 'S' then 'a'): managers edit,
add and remove levels and reset a ladder, through the same store call as
``dispatch escalation set``, and ``dispatch escalation show`` agrees; a
refused level keeps what was typed; a dispatcher sees the ladder read-only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_clock import use_clock
from click.testing import CliRunner
from console_helpers import app_for, burst, settle, until
from textual.widgets import Input, Select, Static

from console.screens.escalation import EscalationScreen
from console.screens.form import ActionForm
from console.widgets.confirm import ConfirmScreen
from store import Store


def shown_by_cli(db_path: Path) -> dict:  # type: ignore[type-arg]
    from console.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(db_path), "escalation", "show", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


async def open_ladder(pilot) -> EscalationScreen:  # type: ignore[no-untyped-def]
    await burst(pilot, "S", "a")
    screen = pilot.app.screen
    assert isinstance(screen, EscalationScreen)
    await until(pilot, lambda: screen.setting is not None)
    return screen


async def retype(pilot, form: ActionForm, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    field = form.query_one(f"#f-{name}", Input)
    field.focus()
    await burst(pilot, "end", *["backspace"] * len(field.value), *text)


async def test_a_manager_edits_adds_removes_and_resets(people: Store, db_path: Path, clock,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    use_clock(monkeypatch, clock)
    people.actor = "ann"
    app = app_for(people)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        screen = await open_ladder(pilot)
        assert screen.table.row_count == 3
        # Saved as it was: nothing written (no audit event for a change that is none).
        await burst(pilot, "e", "ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        # P1's first response: follows the default until changed.
        await burst(pilot, "p", "down", "enter")
        assert screen.key == "1:response"
        assert "Follows the default" in str(screen.query_one("#ladder-note", Static).render())
        await burst(pilot, "j", "e")
        form = app.screen
        assert isinstance(form, ActionForm)
        assert form.query_one("#f-at", Input).value == "100"
        # Level 2 at 150 %, where level 3 is: refused, the form keeps what was typed.
        await retype(pilot, form, "at", "150")
        await burst(pilot, "ctrl+s")
        assert app.screen is form
        assert "must come later" in str(form.query_one("#e-general", Static).render())
        assert form.query_one("#f-at", Input).value == "150"
        await retype(pilot, form, "at", "abc")
        await burst(pilot, "ctrl+s")
        assert "a percent of the window used" in str(form.query_one("#e-at", Static).render())
        await retype(pilot, form, "at", "120")
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, ActionForm))
        assert shown_by_cli(db_path) == {
            "default": [{"at": "at_risk", "to": ["foreman"]}, {"at": "breached", "to": ["foreman", "duty_manager"]},
                        {"at": 1.5, "to": ["managers"]}],
            "priorities": {"1": {"response": [{"at": "at_risk", "to": ["foreman"]},
                                              {"at": 1.2, "to": ["foreman", "duty_manager"]},
                                              {"at": 1.5, "to": ["managers"]}]}}}
        await until(pilot, lambda: "Its own ladder" in str(screen.query_one("#ladder-note", Static).render()))
        # A level added (in its place by share), one removed.
        await burst(pilot, "n")
        form = app.screen
        assert isinstance(form, ActionForm)
        await burst(pilot, *"50")
        form.query_one("#f-to", Select).value = ("managers",)
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, ActionForm))
        got = shown_by_cli(db_path)["priorities"]["1"]["response"]
        assert got[0] == {"at": 0.5, "to": ["managers"]} and len(got) == 4
        await until(pilot, lambda: screen.table.row_count == 4)
        await burst(pilot, "g", "d")
        assert isinstance(app.screen, ConfirmScreen)
        await burst(pilot, "y")
        await until(pilot, lambda: len(people.escalations.ladder().ladder(1, "response")) == 3)
        assert people.escalations.ladder().ladder(1, "response")[0].at == 0.75
        # Reset: P1's first response follows the default again.
        await burst(pilot, "r")
        assert isinstance(app.screen, ConfirmScreen)
        await burst(pilot, "y")
        await until(pilot, lambda: "priorities" not in shown_by_cli(db_path))
    events = people.db.q("SELECT actor FROM events WHERE action = 'settings.set' AND new LIKE '%escalation%'")
    assert [e["actor"] for e in events] == ["ann"] * 4


async def test_a_dispatcher_sees_the_ladder_read_only(people: Store) -> None:
    people.actor = "bob"
    app = app_for(people)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        screen = await open_ladder(pilot)
        await until(pilot, lambda: screen.refusal("edit") is not None)
        await until(pilot, lambda: "Read-only" in str(screen.query_one("#ladder-note", Static).render()))
        await burst(pilot, "e", "n", "d", "r")
        assert app.screen is screen
    assert people.settings.setting("escalation") is None
