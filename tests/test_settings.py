"""Settings and the SLA policy through the store: a change recomputes the open
tickets' deadlines; bad values and unknown names are refused."""

from __future__ import annotations

import pendulum
import pytest
from conftest import MutableClock
from pendulum import DateTime
from ticket_helpers import make, row

from store import RuleViolation, Store


def test_set_policy_recomputes_open_tickets(store: Store, now: DateTime) -> None:
    open_ = make(store, priority=3)
    other = make(store, priority=2)
    assert row(store, open_.id).due_at == now.add(hours=1)
    store.settings.set_policy(3, 10, 20, 30)
    assert store.settings.policy()[3].response_min == 10
    r = row(store, open_.id)
    assert (r.due_at, r.window_s, r.risk_at) == (now.add(minutes=10), 600, now.add(minutes=7, seconds=30))
    assert row(store, other.id).due_at == now.add(minutes=30)  # other priorities untouched
    assert store.tickets.clocks(open_.id)[2].due == now.add(minutes=30)
    for bad in [(0, 10, 20), (30, 20, 40), (10, 20, 15)]:
        with pytest.raises(RuleViolation, match="SLA windows"):
            store.settings.set_policy(3, *bad)

def test_business_calendar_setting_recomputes(store: Store, clock: MutableClock) -> None:
    clock.set(pendulum.datetime(2026, 11, 27, 17, 0))  # Friday 17:00 UTC
    t = make(store, priority=3)  # 60 minutes
    assert row(store, t.id).due_at == pendulum.datetime(2026, 11, 27, 18, 0)
    store.settings.set_setting("calendar", {"kind": "business", "opens": "08:30", "closes": "17:30"})
    assert row(store, t.id).due_at == pendulum.datetime(2026, 11, 30, 9, 0)  # Monday
    store.settings.set_setting("timezone", "Asia/Shanghai")  # Monday 08:30 in Shanghai is 00:30 UTC
    assert row(store, t.id).due_at == pendulum.datetime(2026, 11, 30, 1, 30)
    with pytest.raises(RuleViolation, match="time zone"):
        store.settings.set_setting("timezone", "Mars/Olympus")
    with pytest.raises(RuleViolation, match="Unknown setting"):
        store.settings.set_setting("colour", "red")
