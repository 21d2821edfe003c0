"""Explain clocks in the console (`y` in the ticket detail): the same words as
`dispatch ticket N --explain`, read in a thread, typed text shown as it was
typed (never markup), scrollable, at 80×24; and its snapshot."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from console_helpers import app_for, make_ticket, settle, until
from textual.pilot import Pilot
from textual.widgets import Static

from console.screens.detail import DetailScreen
from console.screens.explain import ExplainScreen
from store import Store
from store.i18n import LOCALE_DIR, set_language
from store.rules.explain_text import ticket_lines

SIZE = (80, 24)


@pytest.fixture
def held(store: Store, clock) -> Store:  # type: ignore[no-untyped-def]
    """One P2 ticket held for parts with a hostile note, resumed at a stated
    time, then made P1 with a reason that looks like markup."""
    t = make_ticket(store, priority=2)
    t = store.tickets.assign(t.id, t.version, technician_id=1)
    clock.advance(minutes=10)
    t = store.tickets.respond(t.id, t.version)
    clock.advance(minutes=20)
    t = store.tickets.hold(t.id, t.version, reason="parts", note="pump [b]on order[/b] [@click=app.quit]")
    clock.advance(minutes=75)
    t = store.tickets.resume(t.id, t.version, at="10:30")
    store.tickets.edit_ticket(t.id, t.version, reason="bank [red]escalated[/red]", priority=1)
    return store


async def open_explain(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, DetailScreen) and pilot.app.screen.ticket is not None)
    await pilot.press("y")
    await until(pilot, lambda: isinstance(pilot.app.screen, ExplainScreen)
                and len(pilot.app.screen.query("#explain-body Static")) > 1)
    await settle(pilot)


async def test_y_shows_the_explanation_as_typed_and_scrolls(held: Store) -> None:
    app = app_for(held)
    async with app.run_test(size=SIZE) as pilot:
        await open_explain(pilot)
        screen = app.screen
        assert isinstance(screen, ExplainScreen)
        shown = [str(s.render()) for s in screen.query("#explain-body Static").results(Static)]
        expected = [line.strip() for line in ticket_lines(held.explain.ticket(screen.ticket_id))]
        assert shown == expected
        assert any("pump [b]on order[/b] [@click=app.quit]" in line for line in shown)
        assert any("bank [red]escalated[/red]" in line for line in shown)
        view = screen.query_one("#explain")
        assert view.max_scroll_y > 0  # more than a 24-line terminal holds
        await pilot.press("G")
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("g")
        assert view.scroll_y == 0
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert app.is_running  # the note's [@click=app.quit] did nothing


@pytest.fixture(params=["en", "zh_Hans"])
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DISPATCH_LANG", request.param)
    set_language(request.param, localedir=LOCALE_DIR)
    yield request.param
    set_language("en", localedir=LOCALE_DIR)


def test_explain_snapshot(held: Store, lang: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app_for(held), terminal_size=SIZE, run_before=open_explain)
