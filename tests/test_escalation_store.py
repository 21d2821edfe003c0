"""Issue 24, the store side: escalations fired once and recorded, with their
messages in the outbox in the same write; acknowledged with a note; people's
addresses; the sender's attempts, with backoff and giving up; ``dispatch
check`` covering it all."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
from conftest import NOW
from ticket_helpers import make

from store import Store
from store.delivery import Delivery, Outcome, Retry
from store.errors import PermissionDenied, RuleViolation
from store.sender import SenderBusy, one_pass, sender_lock
from store.timeutil import to_db

HOOK = "json://localhost:9/hook"


def _window_min(store: Store, priority: int, clock: str = "response") -> int:
    return int(store.settings.policy()[priority].window_s(clock) // 60)  # type: ignore[arg-type]


def _check(store: Store) -> None:
    report = store.audit.verify_audit()
    assert report.ok, report.problems[:3]


def test_nothing_fires_before_the_first_level(people: Store, clock) -> None:
    make(people)
    clock.advance(minutes=_window_min(people, 2) * 0.75 - 1)
    assert people.escalations.fire_due() == []
    assert people.escalations.escalations() == []


def test_at_risk_fires_once_to_the_teams_foreman_with_a_message(people: Store, clock) -> None:
    t = make(people)
    people.tickets.assign(t.id, t.version, technician_id=1)  # Alpha Team: fay is its foreman
    people.outbox.set_user_addresses("fay", [HOOK])
    clock.advance(minutes=_window_min(people, 2) * 0.75 + 1)
    fired = people.escalations.fire_due()
    assert len(fired) == 1
    assert people.escalations.fire_due() == []  # noticed again: nothing twice
    (e,) = people.escalations.escalations()
    assert (e.ticket_id, e.clock, e.level, e.roles, e.recipients) == (t.id, "response", 1, ("foreman",), ("fay",))
    assert people.escalations.waiting_for("fay") == 1
    (msg,) = people.outbox.due()
    assert msg.recipient == "user:fay" and json.loads(msg.notice)["kind"] == "escalation"
    _check(people)


def test_only_the_highest_level_passed_fires(people: Store, clock) -> None:
    make(people)
    clock.advance(minutes=_window_min(people, 2) * 2)  # past 0.75, 1.0 and 1.5 at once
    people.escalations.fire_due()
    (e,) = people.escalations.escalations()
    assert (e.level, e.at, e.roles) == (3, 1.5, ("managers",))
    assert "ann" in e.recipients
    _check(people)


def test_a_held_ticket_does_not_escalate(people: Store, clock) -> None:
    t = make(people)
    t = people.tickets.assign(t.id, t.version, technician_id=1)
    people.tickets.hold(t.id, t.version, reason="customer", note="closed today")
    clock.advance(minutes=_window_min(people, 2) * 3)
    assert people.escalations.fire_due() == []


def test_acknowledged_with_a_note_by_the_foreman_of_the_team(people: Store, clock) -> None:
    t = make(people)
    people.tickets.assign(t.id, t.version, technician_id=3)  # Bravo Team: not fay's
    clock.advance(minutes=_window_min(people, 2) + 1)
    (eid,) = people.escalations.fire_due()
    people.actor = "fay"
    with pytest.raises(PermissionDenied):
        people.escalations.acknowledge(eid, "on it")
    people.actor = "bob"
    with pytest.raises(RuleViolation):
        people.escalations.acknowledge(eid, "  ")
    assert people.escalations.waiting_for("ann") == 1
    e = people.escalations.acknowledge(eid, "called Wang Fang, on his way")
    assert people.escalations.waiting_for("ann") == 0
    assert (e.acknowledged_by, e.note) == ("bob", "called Wang Fang, on his way")
    with pytest.raises(RuleViolation):
        people.escalations.acknowledge(eid, "again")
    _check(people)


def test_a_foreman_cannot_fire_nor_set_others_addresses(people: Store) -> None:
    people.actor = "fay"
    with pytest.raises(PermissionDenied):
        people.outbox.set_user_addresses("bob", [HOOK])
    assert people.outbox.set_user_addresses("fay", [HOOK]) == [HOOK]  # her own
    assert people.outbox.set_user_addresses("fay", []) == []
    with pytest.raises(PermissionDenied):
        people.outbox.set_technician_addresses(1, [HOOK])
    people.actor = "ann"
    assert people.outbox.set_technician_addresses(1, [HOOK]) == [HOOK]
    with pytest.raises(RuleViolation):
        people.outbox.set_technician_addresses(1, ["nonsense://x y"])
    assert people.outbox.technician_addresses(1) == [HOOK]
    _check(people)


def test_no_address_nothing_queued(people: Store, clock) -> None:
    t = make(people)
    people.tickets.assign(t.id, t.version, technician_id=1)
    clock.advance(minutes=_window_min(people, 2) * 0.75 + 1)
    assert len(people.escalations.fire_due()) == 1
    assert people.outbox.due() == []


class FakeSend:
    def __init__(self, ok: bool):
        self.ok, self.calls = ok, []  # type: list[tuple[list[str], str, str]]

    def __call__(self, urls: Sequence[str], title: str, body: str) -> Delivery:
        self.calls.append((list(urls), title, body))
        return Delivery(tuple(Outcome(i, "JSON", self.ok, None if self.ok else "connection refused")
                              for i in range(1, len(urls) + 1)), 0.0)


def test_the_sender_delivers_once_with_the_outbox_id(people: Store, clock) -> None:
    t = make(people)
    people.tickets.assign(t.id, t.version, technician_id=1)
    people.outbox.set_user_addresses("fay", [HOOK])
    clock.advance(minutes=_window_min(people, 2) * 0.75 + 1)
    send = FakeSend(ok=True)
    done = one_pass(people, send)
    assert (len(done.fired), done.sent) == (1, 1)
    ((urls, title, body),) = send.calls
    assert urls == [HOOK] and f"#{t.id} escalated" in title
    msg_id = people.db.value("SELECT id FROM outbox")
    assert f"ref {msg_id}" in body
    assert one_pass(people, send).sent == 0 and len(send.calls) == 1  # nothing twice
    assert people.outbox.status()["sent"] == 1
    _check(people)


def test_the_sender_retries_with_backoff_then_gives_up(people: Store, clock) -> None:
    people.settings.set_setting("notify_retry", {"attempts": 3, "first_s": 60, "max_s": 600})
    t = make(people)
    people.tickets.assign(t.id, t.version, technician_id=1)
    people.outbox.set_user_addresses("fay", [HOOK])
    clock.advance(minutes=_window_min(people, 2) * 0.75 + 1)
    send = FakeSend(ok=False)
    assert one_pass(people, send).retrying == 1
    assert one_pass(people, send).retrying == 0 and len(send.calls) == 1  # not due for 60 s
    clock.advance(seconds=60)
    assert one_pass(people, send).retrying == 1
    clock.advance(seconds=119)
    assert one_pass(people, send).retrying == 0  # the second wait is 120 s
    clock.advance(seconds=1)
    assert one_pass(people, send).failed == 1
    status = people.outbox.status()
    assert status["failed"] == 1 and status["given_up"][0]["last_error"] == "address 1 (JSON): connection refused"
    assert Retry(attempts=3).gives_up(3)
    _check(people)


def test_one_sender_per_file(db_path, store: Store) -> None:
    with sender_lock(db_path):
        with pytest.raises(SenderBusy):
            with sender_lock(db_path):
                pass
    with sender_lock(db_path):  # released
        pass


def test_the_technician_is_told_on_assignment_and_reassignment(people: Store, clock) -> None:
    people.outbox.set_technician_addresses(1, [HOOK])
    t = make(people, description="ATM [b]swallows[/b] cards\x1b[31m")
    t = people.tickets.assign(t.id, t.version, technician_id=2)  # no address: nothing queued
    assert people.outbox.due() == []
    people.tickets.assign(t.id, t.version, technician_id=1, reason="Zhang Min is off sick")
    send = FakeSend(ok=True)
    assert one_pass(people, send).sent == 1
    ((urls, title, body),) = send.calls
    assert urls == [HOOK] and title.startswith(f"#{t.id} P2") and "reassigned to you" in title
    assert "Site: Head Office" in body and "ATM [b]swallows[/b] cards" in body and "\x1b" not in body
    assert "Respond by 2026-11-25" in body
    _check(people)


def test_the_scan_looks_only_at_tickets_whose_time_has_come(people: Store, clock) -> None:
    t = make(people)
    assert [r["id"] for r, _runs, _f in people.escalations._candidates()] == [t.id]  # not known yet
    people.escalations.fire_due()
    due = people.db.value("SELECT esc_due FROM tickets WHERE id = ?", (t.id,))
    window = _window_min(people, 2)
    assert due == to_db(NOW.add(seconds=int(window * 60 * 0.75)))  # at risk: the first level
    clock.advance(minutes=window * 0.75 - 1)
    assert people.escalations._candidates() == []  # nothing to look at before then
    t = people.tickets.assign(t.id, t.version, technician_id=1)  # a change: looked at again
    assert people.db.value("SELECT esc_due FROM tickets WHERE id = ?", (t.id,)) == ""
    people.escalations.fire_due()
    people.escalations.set_ladder({"default": [{"at": 0.5, "to": ["managers"]}]})  # new rules: looked at again
    assert people.db.value("SELECT esc_due FROM tickets WHERE id = ?", (t.id,)) == ""
    assert len(people.escalations.fire_due()) == 1  # 0.5 passed already
    plan = " ".join(r[3] for r in people.db.q(
        "EXPLAIN QUERY PLAN SELECT id FROM tickets WHERE is_open = 1 AND esc_due <= ?", ("x",)))
    assert "SEARCH tickets USING INDEX tickets_esc_due (esc_due<?)" in plan


def test_the_check_finds_a_waiting_count_changed_around_the_app(people: Store, clock) -> None:
    make(people)
    clock.advance(minutes=_window_min(people, 2) * 2)
    (eid,) = people.escalations.fire_due()
    _check(people)
    with people.db.write("demo.load") as tx:  # around the repositories: as a hand edit would
        tx.execute("DELETE FROM escalation_waiting WHERE login = 'ann'")
    report = people.audit.verify_audit()
    assert not report.ok and f"escalation {eid} is missing from ann's waiting count" in report.problems[0]


def test_a_priority_change_moves_the_points_and_fires_no_level_twice(people: Store, clock) -> None:
    t = make(people, priority=3)
    clock.advance(minutes=_window_min(people, 3) * 0.8)  # P3: at risk
    people.escalations.fire_due()
    assert [(e.clock, e.at) for e in people.escalations.escalations()] == [("response", 0.75)]
    t = people.tickets.edit_ticket(t.id, t.version, priority=1, reason="the branch cannot open")
    people.escalations.fire_due()  # P1's window is shorter: far past breached, only the highest passed fires
    assert sorted((e.clock, e.at) for e in people.escalations.escalations() if e.clock == "response") == [
        ("response", 0.75), ("response", 1.5)]
    people.tickets.edit_ticket(t.id, t.version, priority=3, reason="a mistake")
    clock.advance(minutes=_window_min(people, 3))  # back on P3's points, past breached
    people.escalations.fire_due()
    assert sorted(e.at for e in people.escalations.escalations() if e.clock == "response") == [0.75, 1.5]  # nothing again
    _check(people)


def test_a_pile_of_due_levels_fires_a_batch_at_a_time_earliest_first(people: Store, clock) -> None:
    """A file nobody opened for weeks has thousands due at once: the consoles
    take a batch a poll (console/escalate.py PER_POLL), so the queue shows
    meanwhile; batch after batch ends where one pass over all of them ends."""
    made = [make(people) for _ in range(5)]
    clock.advance(minutes=_window_min(people, 2) * 0.75 + 1)
    first, more = people.escalations.fire_some(2)
    assert (len(first), more) == (2, True)
    # The earliest due first: the tickets made first (they share a window).
    assert {e.ticket_id for e in people.escalations.escalations()} == {made[0].id, made[1].id}
    second, more = people.escalations.fire_some(2)
    third, more_after = people.escalations.fire_some(2)
    assert (len(second), more, len(third), more_after) == (2, True, 1, False)
    assert people.escalations.fire_some(2) == ([], False)
    assert {e.ticket_id for e in people.escalations.escalations()} == {t.id for t in made}
    _check(people)


def test_the_console_comes_back_at_the_next_poll_while_more_are_due(people: Store, clock, monkeypatch) -> None:
    from console import escalate

    monkeypatch.setattr(escalate, "PER_POLL", 2)
    for _ in range(3):
        make(people)
    clock.advance(minutes=_window_min(people, 2) * 0.75 + 1)
    watch = escalate.EscalationWatch()
    now = people.ctx.now()
    assert len(watch.tick(people, now)) == 2
    assert len(watch.tick(people, now)) == 1  # not a minute later: at once
    assert watch.tick(people, now) == []  # all done: the next look is in a minute
    clock.advance(minutes=_window_min(people, 2) * 0.25 + 1)  # past 1.0: each ticket's next level
    assert watch.tick(people, now) == []
