"""Snapshot of the spare parts screen ('P', issue 25) at 80×24 with a fixed
clock: the low part first in words, the selected part's stock per location
and its lots, and the header's low-stock mark on the screen underneath.

Update only after looking at the report: pytest --snapshot-update."""

from __future__ import annotations

from console_helpers import app_for, burst, settle, until
from textual.pilot import Pilot

from store import Store


def test_parts_screen(store: Store, clock, now, snap_compare) -> None:
    clock.set(now.subtract(days=9))
    store.parts.add_part(code="DB-40", name="drive belt", unit="pcs", min_stock=6, unit_cost="11")
    store.parts.add_part(code="FU-10", name="fuse 10A", unit="pcs", min_stock=5, unit_cost="0.8")
    store.parts.add_part(code="RL-7", name="pick roller [b]x[/b]", unit="pcs", min_stock=2, unit_cost="30")
    store.parts.receive_parts("DB-40", 3, "10.50")
    store.parts.receive_parts("FU-10", 5, "0.80")
    store.parts.receive_parts("RL-7", 3, "28")
    clock.set(now.subtract(days=2))
    store.parts.receive_parts("DB-40", 1, "12.00")
    store.parts.move_parts("DB-40", 2, "store", "van:1")
    clock.set(now)

    async def open_parts(pilot: Pilot) -> None:
        await settle(pilot)
        await burst(pilot, "P")
        screen = pilot.app.screen
        await until(pilot, lambda: len(getattr(screen, "shown", [])) == 3)
        await until(pilot, lambda: "van of" in str(screen.query_one("#part-detail").render()))
        await settle(pilot)

    assert snap_compare(app_for(store), terminal_size=(80, 24), run_before=open_parts)


def test_resolve_form_with_two_picked_parts(store: Store, clock, now, snap_compare) -> None:
    """The resolve form at 80×24, scrolled to its picked parts: a belt from
    the technician's van and a fuse from the store (the van has none), the
    belt turned to warranty against the equipment's (marked *)."""
    from ticket_helpers import make, to_onsite

    clock.set(now.subtract(days=3))
    store.parts.add_part(code="DB-40", name="drive belt 皮带", unit="pcs", min_stock=2, unit_cost="11")
    store.parts.add_part(code="FU-10", name="fuse 10A", unit="pcs", min_stock=5, unit_cost="0.8")
    store.parts.receive_parts("DB-40", 3, "10.50")
    store.parts.move_parts("DB-40", 3, "store", "van:1")
    store.parts.receive_parts("FU-10", 5, "0.80")
    to_onsite(store, make(store))
    clock.set(now)

    async def pick_two(pilot: Pilot) -> None:
        await settle(pilot)
        await burst(pilot, "v")
        await until(pilot, lambda: bool(pilot.app.screen.query("#f-used")))
        await burst(pilot, "tab", "tab", "tab", "tab", "b", "e", "l", "t", "enter", "f", "u", "enter", "tab",
                    "up", "2", "w")
        await until(pilot, lambda: len(pilot.app.screen.query_one("#f-used").lines) == 2)
        await settle(pilot)
        # The form scrolls to the focused list with an animation (Textual's scroll_to_center, time-based):
        # on a loaded machine the picture was taken before it had moved.
        # The list may also have grown after the focus came (a pick arriving after the tab):
        # it scrolls again then. Taken once it shows whole and no scroll is still moving.
        form = pilot.app.screen.query_one(".form")
        await pilot.wait_for_scheduled_animations()
        await until(pilot, lambda: pilot.app.screen.focused is not None
                    and pilot.app.screen.can_view_entire(pilot.app.screen.focused)
                    and not pilot.app.animator.is_being_animated(form, "scroll_y"))
        await pilot.wait_for_scheduled_animations()
        await settle(pilot)

    assert snap_compare(app_for(store), terminal_size=(80, 24), run_before=pick_two)
