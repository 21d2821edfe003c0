"""Snapshots of the managers' escalation screens (issue 24) at 80×24, in
English and Chinese: the Messages screen (given up, waiting, sent), the
escalation ladder in Setup, a person's notification addresses.

Update only after looking at the report: pytest --snapshot-update."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from console_helpers import app_for, burst, settle, until
from textual.pilot import Pilot
from textual.widgets import DataTable
from ticket_helpers import make

from console.screens.form import ActionForm
from console.screens.messages import MessagesScreen
from store import Store
from store.delivery import Delivery, Outcome
from store.i18n import LOCALE_DIR, set_language

SIZE = (80, 24)
HOOK = "json://127.0.0.1:9/hook"


@pytest.fixture(params=["en", "zh_Hans"])
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DISPATCH_LANG", request.param)
    set_language(request.param, localedir=LOCALE_DIR)
    yield request.param
    set_language("en", localedir=LOCALE_DIR)


@pytest.fixture
def outbox(people: Store, clock) -> Store:  # type: ignore[no-untyped-def]
    """An assignment sent, an escalation given up on, one waiting for its next try, one not tried yet."""
    people.actor = "ann"
    people.settings.set_setting("notify_retry", {"attempts": 2})
    people.outbox.set_user_addresses("ann", [HOOK])
    people.outbox.set_technician_addresses(1, [HOOK])
    t = make(people, description="ATM 吞卡 [b]again[/b]")
    people.tickets.assign(t.id, t.version, technician_id=1)
    clock.advance(hours=30)
    people.escalations.fire_due()
    ids = [r[0] for r in people.db.q("SELECT id FROM outbox ORDER BY id")]
    ok = Delivery((Outcome(1, "JSON", True),), 0.1)
    refused = Delivery((Outcome(1, "JSON", False, "connection refused\x1b[2J\nby the host"),), 0.1)
    people.outbox.record_attempt(ids[0], ok, [1])
    people.outbox.record_attempt(ids[1], refused, [1])
    people.outbox.record_attempt(ids[1], refused, [1])
    people.outbox.record_attempt(ids[2], refused, [1])
    return people


def test_messages(outbox: Store, lang: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await burst(pilot, "M")
        screen = pilot.app.screen
        assert isinstance(screen, MessagesScreen)
        await until(pilot, lambda: len(screen.shown) == 4)
        await settle(pilot)

    assert snap_compare(app_for(outbox), terminal_size=SIZE, run_before=run)


def test_escalation_ladder(people: Store, lang: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    people.actor = "ann"
    people.escalations.set_ladder({"priorities": {"1": {"response": [
        {"at": 0.5, "to": ["foreman"]}, {"at": "breached", "to": ["foreman", "duty_manager", "managers"]}]}}})

    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await burst(pilot, "S", "a")
        await until(pilot, lambda: getattr(pilot.app.screen, "setting", None) is not None)
        await burst(pilot, "p", "down", "enter")
        await settle(pilot)

    assert snap_compare(app_for(people), terminal_size=SIZE, run_before=run)


def test_address_form(people: Store, lang: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    people.actor = "ann"
    people.outbox.set_user_addresses("ann", [HOOK, "mailto://u:secretpw@smtp.example.com?to=ann@example.com"])

    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await burst(pilot, "S", "u")
        screen = pilot.app.screen
        await until(pilot, lambda: bool(getattr(screen, "people", None)))
        screen.query_one(DataTable).move_cursor(row=[u.login for u in screen.people].index("ann"))  # type: ignore[attr-defined]
        await burst(pilot, "m")
        await until(pilot, lambda: isinstance(pilot.app.screen, ActionForm))
        await settle(pilot)

    assert snap_compare(app_for(people), terminal_size=SIZE, run_before=run)
