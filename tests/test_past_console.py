"""Issue 27, the console side of the queue at a past moment: `T` opens the
past queue (PAST in the header, read-only), `[`/`]` step one event back/on,
`{`/`.` an hour back / a minute on, `t` the selected ticket's next event, a
write key is refused with a message and writes nothing, esc returns to the
live queue; what is shown at each place is the past queue the store gives
there. Keys sent as one burst, the real console on a real file. Snapshots of
the screen at 80×24 and 160×50 on the demo, English and Chinese.

Update the snapshots only after looking at them: pytest --snapshot-update."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import NOW
from console_helpers import app_for, burst, settle, until
from textual.pilot import Pilot
from ticket_helpers import make

from console.screens.main import MainScreen
from console.screens.past import PastScreen
from store import Store
from store.i18n import LOCALE_DIR, set_language
from store.repo.past import place_at
from store.timeutil import fixed_clock, to_db

# The keys as a terminal names them (burst sends a single character under its own name).
KEYS = {"[": "left_square_bracket", "]": "right_square_bracket", "{": "left_curly_bracket", "}": "right_curly_bracket"}


async def keys(pilot: Pilot, *typed: str) -> None:
    from textual import events

    driver = pilot.app._driver
    assert driver is not None
    for k in typed:
        driver.send_message(events.Key(KEYS.get(k, k), k if len(k) == 1 else None))
    await settle(pilot)


def _shown(screen: PastScreen) -> list[int]:
    return [r.id for r in screen.table.rows]


def _want(store: Store, screen: PastScreen) -> list[int]:
    return [r.id for r in store.past.open(screen.place).rows(0, 1000)]


async def _open(pilot: Pilot) -> PastScreen:
    await settle(pilot)
    await burst(pilot, "T")
    screen = pilot.app.screen
    assert isinstance(screen, PastScreen)
    await until(pilot, lambda: screen.queue is not None and not screen.busy)
    return screen


async def test_time_travel_steps_and_returns_to_live(people: Store, clock) -> None:
    people.actor = "bob"
    first = make(people, priority=2, description="printer jams")
    clock.advance(minutes=20)
    second = make(people, priority=1, description="ATM down")
    clock.advance(minutes=20)
    people.tickets.cancel(first.id, people.tickets.ticket(first.id).version, reason="duplicate")
    clock.advance(minutes=5)
    steps = "SELECT COUNT(*) FROM events WHERE action LIKE 'ticket.%'"  # (the live poll may fire escalations meanwhile)
    events = people.db.value(steps)
    app = app_for(people)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        assert "PAST" in str(screen.query_one("#past-head").render())
        assert _shown(screen) == [second.id]  # the cancelled one is gone now
        await keys(pilot, "[")  # back over the cancel
        await until(pilot, lambda: not screen.busy and screen.queue is not None and screen.place[0] < to_db(clock.now))
        assert _shown(screen) == _want(people, screen) == [second.id, first.id]
        await keys(pilot, "{")  # an hour back: before both
        await until(pilot, lambda: not screen.busy and not screen.table.rows)
        assert screen.place == place_at(to_db(clock.now.subtract(minutes=5 + 60)))
        await keys(pilot, "]", "]")  # the first ticket logged, then the second
        await until(pilot, lambda: not screen.busy and len(screen.table.rows) == 2)
        assert _shown(screen) == _want(people, screen) == [second.id, first.id]
        what = str(screen.query_one("#past-what").render())
        assert f"last event: logged #{second.id} by bob" in what and "ticket." not in what  # words, not the log's name
        await burst(pilot, "j", "t")  # the selected (the first) ticket's next event: its cancel
        await until(pilot, lambda: not screen.busy and len(screen.table.rows) == 1)
        assert _shown(screen) == [second.id]
        await burst(pilot, "a", "x", "n")  # write keys: refused, nothing written
        await settle(pilot)
        assert any("read-only" in n.message for n in app._notifications)
        assert people.db.value(steps) == events
        await burst(pilot, "escape")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))


@pytest.fixture(params=["en", "zh_Hans"])
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DISPATCH_LANG", request.param)
    set_language(request.param, localedir=LOCALE_DIR)
    yield request.param
    set_language("en", localedir=LOCALE_DIR)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_time_travel_on_the_demo(demo_copy, lang: str, size: tuple[int, int], snap_compare) -> None:  # type: ignore[no-untyped-def]
    store = Store(demo_copy(), clock=fixed_clock(NOW), actor="mei.lin")

    async def run(pilot: Pilot) -> None:
        screen = await _open(pilot)
        await keys(pilot, "{", "{", "[")
        await until(pilot, lambda: not screen.busy and not screen.waiting)
        await settle(pilot)

    assert snap_compare(app_for(store), run_before=run, terminal_size=size)


def test_the_last_event_in_words() -> None:
    from console.screens.past import _event_words

    assert _event_words({"action": "ticket.assign", "new": {}}) == "assigned"
    assert _event_words({"action": "ticket.arrive", "new": {"arrival_mode": "remote"}}) == "started remote work"
    assert _event_words({"action": "sla_policy.set", "new": {"priority": 1}}) == "SLA windows changed"
    assert _event_words({"action": "settings.set", "new": {"timezone": "Asia/Shanghai"}}) == "calendar or time zone changed"
