"""Issue 24, the console side: the signed-in person's escalations, counted in
the header, listed on their own screen (E), opened (enter) and acknowledged
with a note (a); the queue marks an escalated ticket by its level; the ticket
detail lists its escalations. Fired through the store with the test clock,
then the real console driven on the same file."""

from __future__ import annotations

import pytest
from console_helpers import app_for, line_text, queue, settle, until
from textual.pilot import Pilot
from ticket_helpers import make

from console.screens.detail import DetailScreen
from console.screens.escalations import EscalationsScreen
from console.screens.main import MainScreen
from console.widgets.status import StatusBar
from store import Store


def _window_min(store: Store, priority: int = 2) -> float:
    return store.settings.policy()[priority].window_s("response") / 60


@pytest.fixture
def fired(people: Store, clock) -> Store:
    """Ticket 1 (Alpha Team: fay's) at risk then breached: ↑1 to fay, ↑2 to
    fay and the managers. Ticket 2 (Bravo Team: gus's) breached at once: ↑2
    to gus and the managers, not to fay. Ticket 3 not escalated."""
    from conftest import PEOPLE, add_people

    add_people(people, "gus")
    # Whoever runs the tests is a manager of the file too: not a recipient
    # here, so what is shown does not depend on the machine's login.
    for login in people.db.q("SELECT login FROM users WHERE role = 'manager'"):
        if login[0] not in PEOPLE:
            people.users.disable_user(login[0])
    people.actor = "bob"
    mine = make(people)
    people.tickets.assign(mine.id, mine.version, technician_id=1)
    other = make(people, description="Bravo's ATM")
    people.tickets.assign(other.id, other.version, technician_id=3)
    clock.advance(minutes=_window_min(people) * 0.75 + 1)
    make(people, priority=4, description="Not escalated yet")
    people.escalations.fire_due()  # ↑1 on tickets 1 and 2
    clock.advance(minutes=_window_min(people) * 0.25)
    people.escalations.fire_due()  # ↑2 on both
    assert people.escalations.waiting_for("fay") == 2
    people.actor = "fay"
    return people


def _bar(pilot: Pilot) -> StatusBar:
    main = next(s for s in pilot.app.screen_stack if isinstance(s, MainScreen))
    return main.query_one(StatusBar)


def _line(pilot: Pilot, ticket_id: int) -> str:
    table = queue(pilot.app)  # type: ignore[arg-type]
    index = next(i for i, r in enumerate(table.rows) if r.id == ticket_id)
    return line_text(table, index + 1)


async def test_header_count_screen_open_and_acknowledge(fired: Store) -> None:
    app = app_for(fired)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        bar = _bar(pilot)
        await until(pilot, lambda: bar.escalations == 2)
        assert "↑ 2 escalations (E)" in bar.layout_parts(100)[0].plain
        # The queue marks each escalated ticket by its highest level not acknowledged.
        assert "↑2" in _line(pilot, 1) and "↑2" in _line(pilot, 2) and "↑" not in _line(pilot, 3)

        await pilot.press("E")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EscalationsScreen)
        assert [(e.record.ticket_id, e.record.level) for e in screen.shown] == [(1, 2), (1, 1)]
        await pilot.press("t")  # everyone's
        await settle(pilot)
        assert sorted((e.record.ticket_id, e.record.level) for e in screen.shown) == [(1, 1), (1, 2), (2, 1), (2, 2)]
        await pilot.press("t")  # mine again
        await settle(pilot)
        assert len(screen.shown) == 2

        await pilot.press("enter")  # opens the ticket
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.ticket_id == 1
        text = app.screen.query_one("#escalations").render()
        assert "↑1" in str(text) and "↑2" in str(text) and "not acknowledged" in str(text)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen

        await pilot.press("a")
        await settle(pilot)
        await pilot.press("ctrl+s")  # no note: refused, the form stays
        await settle(pilot)
        assert app.screen is not screen, [n.message for n in app._notifications]
        assert fired.escalations.waiting_for("fay") == 2
        await pilot.press(*"on my way")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        (acked,) = [e for e in fired.escalations.escalations(ticket_id=1) if e.acknowledged_at]
        assert (acked.level, acked.acknowledged_by, acked.note) == (2, "fay", "on my way")
        await until(pilot, lambda: bar.escalations == 1)
        await until(pilot, lambda: [e.record.acknowledged_at is None for e in screen.shown] == [True, False])

        await pilot.press("escape")
        await settle(pilot)
        # ↑2 acknowledged: the queue shows the highest one still waiting.
        await until(pilot, lambda: "↑1" in _line(pilot, 1))
        assert "↑2" in _line(pilot, 2)


async def test_an_acknowledgement_the_store_refuses_is_one_line(fired: Store) -> None:
    """fay may not acknowledge Bravo Team's escalation: the key says why,
    nothing is written."""
    app = app_for(fired)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("E", "t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EscalationsScreen)
        row = next(i for i, e in enumerate(screen.shown) if e.record.ticket_id == 2)
        screen.table.move_cursor(row=row)
        await settle(pilot)
        await until(pilot, lambda: screen.refusal("acknowledge") is not None)
        await pilot.press("a")
        await settle(pilot)
        assert app.screen is screen  # no form
        said = [n.message for n in app._notifications]
        assert said and "\n" not in said[-1]
        assert all(e.acknowledged_at is None for e in fired.escalations.escalations(ticket_id=2))


async def test_the_count_and_the_screen_follow_another_process(fired: Store, db_path, clock) -> None:
    """Another process acknowledging (a manager's console) or firing (the
    sender) moves the header and the open list at the next poll."""
    app = app_for(fired)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        bar = _bar(pilot)
        await until(pilot, lambda: bar.escalations == 2)
        await pilot.press("E")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EscalationsScreen)
        other = Store(db_path, actor="ann", clock=clock)
        try:
            first = other.escalations.escalations(ticket_id=1)[0]
            other.escalations.acknowledge(first.id, "handled by the manager")
            await until(pilot, lambda: bar.escalations == 1)
            await until(pilot, lambda: any(e.record.acknowledged_by == "ann" for e in screen.shown))
            await pilot.press("t")  # everyone's
            await until(pilot, lambda: len(screen.shown) == 4)
            clock.advance(minutes=_window_min(fired) * 0.5)  # breached by half the window again: ↑3
            other.escalations.fire_due()
        finally:
            other.close()
        await until(pilot, lambda: sum(e.record.level == 3 for e in screen.shown) == 2)
        assert bar.escalations == 1  # ↑3 goes to the managers, not to fay


def test_concerning_lists_what_was_sent_to_or_acknowledged_by_me(fired: Store) -> None:
    """Mine: sent to me or acknowledged by me, the waiting ones first; None: everyone's."""
    fired.actor = "ann"
    bravo = next(e for e in fired.escalations.escalations(ticket_id=2) if e.level == 1)  # gus's only
    fired.escalations.acknowledge(bravo.id, "called gus")
    mine = [(e.record.ticket_id, e.record.level, e.record.acknowledged_by) for e in fired.escalations.concerning("ann")]
    assert mine == [(2, 2, None), (1, 2, None), (2, 1, "ann")]
    assert [e.title for e in fired.escalations.concerning("ann")][:2] == ["Bravo's ATM", "ATM swallows cards"]
    assert len(fired.escalations.concerning(None)) == 4
    assert [(e.record.ticket_id, e.record.level) for e in fired.escalations.concerning("gus")] == [(2, 2), (2, 1)]


async def test_a_mark_changes_with_the_level_not_only_with_the_version(fired: Store) -> None:
    """The queue keeps each row's drawn cells until the ticket changes: an
    escalation fired or acknowledged does not change the ticket's version,
    and its mark must not stay as it was drawn (a row scrolled away and back)."""
    app = app_for(fired)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = queue(app)
        row = next(r for r in table.rows if r.id == 1)
        cols = table._layout(table.scrollable_content_region.width)
        width = table.scrollable_content_region.width
        assert "↑2" in table._tail(row, cols, width)
        assert "↑1" in table._tail(row.model_copy(update={"esc_level": 1}), cols, width)
        assert "↑" not in table._tail(row.model_copy(update={"esc_level": None}), cols, width)


def test_escalations_screen_80x24(fired: Store, snap_compare) -> None:
    async def open_screen(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)

    assert snap_compare(app_for(fired), terminal_size=(80, 24), run_before=open_screen)
