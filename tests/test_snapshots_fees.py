"""Snapshots of fees and invoices (issue 25) at 80×24, in English and
Chinese: the close form with the schedule's proposal item by item, and the
invoices unchecked after N days.

Update only after looking at the report: pytest --snapshot-update."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from console_helpers import app_for, burst, queue, settle, until
from textual.pilot import Pilot
from ticket_helpers import RECORD, make, to_onsite, to_resolved

from console.screens.form import ActionForm
from console.screens.invoices import InvoicesScreen
from store import Store
from store.i18n import LOCALE_DIR, set_language

SIZE = (80, 24)


@pytest.fixture(params=["en", "zh_Hans"])
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DISPATCH_LANG", request.param)
    set_language(request.param, localedir=LOCALE_DIR)
    yield request.param
    set_language("en", localedir=LOCALE_DIR)


def test_close_form_with_its_items(store: Store, clock, lang: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    store.fees.set_schedule({"labour": "hourly", "hourly_rate": "120", "call_out": "50", "parts_margin": "0.15",
                             "rounding": "1"})
    store.parts.add_part(code="DB-40", name="drive belt 皮带")
    store.parts.receive_parts("DB-40", 3, "11.11")
    t = to_onsite(store, make(store))
    store.parts.use_parts(t.id, "DB-40", 3, location="store")
    clock.advance(minutes=61)
    t = store.tickets.resolve(t.id, t.version, **RECORD)

    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await until(pilot, lambda: queue(pilot.app).current is not None)
        await burst(pilot, "c")
        await until(pilot, lambda: isinstance(pilot.app.screen, ActionForm))
        await settle(pilot)

    assert snap_compare(app_for(store), terminal_size=SIZE, run_before=run)


def test_invoices_to_check(store: Store, clock, lang: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    for fee, number in (("120", "INV-0042"), ("1,280.50", None), ("80", None)):
        t = to_resolved(store, make(store))
        t = store.tickets.close(t.id, t.version, signoff="A", fee=fee)
        if number:
            store.fees.record_invoice(t.id, t.version, number)
        clock.advance(days=4)

    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        await burst(pilot, "F")
        screen = pilot.app.screen
        assert isinstance(screen, InvoicesScreen)
        await until(pilot, lambda: len(screen.shown) == 2)
        await settle(pilot)

    assert snap_compare(app_for(store), terminal_size=SIZE, run_before=run)
