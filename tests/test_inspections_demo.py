"""The demo's inspections (issue 25): plans with done, due and overdue
visits, one visit done late, and one finding that opened its repair ticket;
the same for the same instant, and ``dispatch check`` green."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import NOW

from demo_data.inspections import add_demo_inspections
from store import Store
from store.rules.inspections import on_time


def _build(path: Path) -> tuple[Store, dict[str, int]]:
    store = Store(path, actor="demo", clock=lambda: NOW)
    return store, add_demo_inspections(store, NOW)


def test_the_demo_has_done_due_and_overdue_visits_and_one_repair(demo_copy: Callable[[str], Path]) -> None:
    store, counts = _build(demo_copy("a.db"))
    try:
        assert counts["plans"] == 3 and counts["repairs"] == 1
        visits = store.inspections.visits(open_only=False)
        states = {v.state for v in visits}
        assert states == {"done", "overdue", "open"}
        due = store.inspections.due_now()
        assert any(v.state == "open" and v.due == store.inspections.today() for v in due)  # due today, this week
        assert any(v.state == "overdue" for v in due)
        tz = store.settings.timezone
        done = [v for v in visits if v.done_at is not None]
        assert sum(not on_time(v.due, v.done_at, tz) for v in done if v.done_at) == 1  # one done two days late
        repair = store.db.q("SELECT visit_id, ticket_id FROM inspection_findings")
        assert len(repair) == 1
        ticket = store.tickets.ticket(repair[0][1])
        # Dispatched at once and fixed the next morning (left new, it sat breached at the top of P3).
        assert ticket.status == "resolved" and ": failed; 需要更换 needs replacing" in ticket.description
        assert store.audit.verify_audit().ok
    finally:
        store.close()
    again, counts_again = _build(demo_copy("b.db"))
    try:
        assert counts_again == counts
        assert [(v.key, v.state, v.done_at) for v in again.inspections.visits(open_only=False)] == \
            [(v.key, v.state, v.done_at) for v in visits]
    finally:
        again.close()
