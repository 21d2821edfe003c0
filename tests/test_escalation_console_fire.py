"""Issue 24: an open console records the escalations that fall due, so a
center without `dispatch notify` in cron still escalates; a console whose
person may not record them (a foreman) leaves them to the others."""

from __future__ import annotations

from console_helpers import app_for, settle, until
from ticket_helpers import make

from store import Store


def _window_min(store: Store, priority: int = 2) -> int:
    return int(store.settings.policy()[priority].window_s("response") // 60)


async def test_a_dispatchers_console_records_a_level_that_fell_due(people: Store, clock) -> None:
    t = make(people)
    people.tickets.assign(t.id, t.version, technician_id=1)  # Alpha Team: fay is its foreman
    app = app_for(people)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert people.escalations.escalations() == []
        clock.advance(minutes=_window_min(people) * 0.75 + 1)
        await until(pilot, lambda: len(people.escalations.escalations()) == 1)
        (e,) = people.escalations.escalations()
        assert (e.ticket_id, e.level, e.recipients) == (t.id, 1, ("fay",))
        # Noticed again each minute: never a second record for the same level.
        clock.advance(minutes=2)
        app.screen.request_refresh()
        await settle(pilot)
        assert len(people.escalations.escalations()) == 1
    assert people.audit.verify_audit().ok


async def test_a_foremans_console_leaves_it_to_the_others(people: Store, clock) -> None:
    t = make(people)
    people.tickets.assign(t.id, t.version, technician_id=1)
    people.actor = "fay"
    app = app_for(people)
    async with app.run_test() as pilot:
        await settle(pilot)
        clock.advance(minutes=_window_min(people) * 0.75 + 1)
        app.screen.request_refresh()
        await settle(pilot)
        await settle(pilot)
        assert people.escalations.escalations() == []
        assert "STALE" not in str(app.screen.query_one("StatusBar").render())
