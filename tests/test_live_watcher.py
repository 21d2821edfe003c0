"""One live watcher (console/live.py): every screen follows the file through
one data_version poller, however many screens are open. Another Store's
change shows on the queue, the ticket detail and the calendar without a key."""

from __future__ import annotations

import traceback
from typing import Any

import pytest
from console_helpers import app_for, burst, make_ticket, settle, until

from store import Store


async def test_one_poller_whatever_the_screens(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    ticket = make_ticket(store)
    callers: list[str] = []
    real = store.db.data_version

    def counted() -> int:
        frames = [f.filename for f in traceback.extract_stack()[:-1] if "/console/" in f.filename]
        callers.append(frames[-1].rsplit("/console/", 1)[1] if frames else "?")
        return real()

    monkeypatch.setattr(store.db, "data_version", counted)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.open_detail(ticket.id)  # type: ignore[attr-defined]
        await until(pilot, lambda: type(app.screen).__name__ == "DetailScreen" and app.screen.ticket is not None)
        callers.clear()
        await until(pilot, lambda: len(callers) >= 6)  # several polls with the detail open
        await burst(pilot, "escape", "h")
        await until(pilot, lambda: type(app.screen).__name__ == "CalendarScreen")
        seen = len(callers)
        await until(pilot, lambda: len(callers) >= seen + 6)
    assert set(callers) == {"live.py"}, callers


async def test_the_detail_follows_another_store(store: Store, db_path: Any, clock: Any) -> None:
    ticket = make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.open_detail(ticket.id)  # type: ignore[attr-defined]
        await until(pilot, lambda: type(app.screen).__name__ == "DetailScreen" and app.screen.ticket is not None)
        detail: Any = app.screen
        other = Store(db_path, actor="bob", clock=clock)  # another dispatcher's console
        try:
            other.tickets.assign(ticket.id, ticket.version, technician_id=2)
        finally:
            other.close()
        await until(pilot, lambda: detail.ticket.status == "assigned")
