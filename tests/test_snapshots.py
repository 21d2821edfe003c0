"""Snapshots of the main screens at 80×24 and 160×50 with a fixed clock.

Update only after looking at the report: pytest --snapshot-update."""

from __future__ import annotations

import pytest
from console_helpers import app_for, make_ticket, settle
from textual.pilot import Pilot

from store import Store

SIZES = [(80, 24), (160, 50)]


@pytest.fixture
def scene(store: Store, clock, now) -> Store:
    """Tickets in every SLA state, a waiting one, a resolved one, hostile text."""
    clock.set(now.subtract(hours=3))
    breached = make_ticket(store, priority=1, description="ATM 吞卡，屏幕显示故障代码 E-204")
    clock.set(now.subtract(minutes=100))
    waiting = make_ticket(store, priority=2, site_id=2, equipment_id=4, category="network",
                          description="Branch network down [@click=app.quit]")
    store.tickets.assign(waiting.id, 1, technician_id=3)
    store.tickets.arrive(waiting.id, 2)
    store.tickets.hold(waiting.id, 3, reason="parts")
    clock.set(now.subtract(minutes=25))
    at_risk = make_ticket(store, priority=2, equipment_id=2, category="printer",
                          description="Passbook printer jams [b]every[/b] time")
    store.tickets.assign(at_risk.id, 1, technician_id=2)
    clock.set(now.subtract(minutes=10))
    ok = make_ticket(store, priority=3, description="Cash counter miscounts", reporter="王丽")
    done = make_ticket(store, priority=4, site_id=2, equipment_id=3, description="Receipt paper low")
    store.tickets.assign(done.id, 1, technician_id=1)
    store.tickets.arrive(done.id, 2, mode="remote")
    store.tickets.resolve(done.id, 3, symptom="low paper", cause="use", action="refilled", parts="none")
    clock.set(now)
    # What a console or the sender has recorded by now (the first poll would
    # record it otherwise, and the picture would depend on which poll it shows).
    store.escalations.fire_due()
    assert breached and ok
    return store


async def _loaded(pilot: Pilot) -> None:
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_queue(scene: Store, snap_compare, size) -> None:
    assert snap_compare(app_for(scene), terminal_size=size, run_before=_loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detail(scene: Store, snap_compare, size) -> None:
    async def open_detail(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("j", "j", "enter")  # the waiting ticket (P2, clock stopped)
        await settle(pilot)

    assert snap_compare(app_for(scene), terminal_size=size, run_before=open_detail)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_assign_picker(scene: Store, snap_compare, size) -> None:
    async def open_picker(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(app_for(scene), terminal_size=size, run_before=open_picker)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_new_ticket_with_error(scene: Store, snap_compare, size) -> None:
    async def bad_form(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Wang", "tab", *"call me maybe", "ctrl+s")
        await settle(pilot)

    assert snap_compare(app_for(scene), terminal_size=size, run_before=bad_form)
