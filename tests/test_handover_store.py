"""Issue 27, the shift handed over, in the store (store/repo/handover.py,
store/rules/handover.py): each group from a shift played through the store,
the groups against a brute-force reference over the whole demo, the note
(one audited write, roles) and who has seen it, all replayed by ``dispatch check``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pendulum
import pytest
from conftest import NOW, add_people
from ticket_helpers import make, to_onsite, to_resolved

from store import Store
from store.errors import PermissionDenied, ValidationFailed
from store.rules import handover as rules
from store.timeutil import fixed_clock, to_db


def _check(store: Store) -> None:
    report = store.audit.verify_audit()
    assert report.ok, report.problems[:3]


def _ids(store: Store, since: pendulum.DateTime | None = None) -> dict[str, list[int]]:
    return {g.key: [x.ticket for x in g.lines] for g in store.handover.report(since).groups}


def test_a_shift_played_through_the_store_lands_in_its_groups(people: Store, clock) -> None:
    s = people
    s.actor = "bob"
    start = clock.now
    opened = make(s, description="ATM swallows cards")
    waiting = to_onsite(s, make(s))
    waiting = s.tickets.hold(waiting.id, waiting.version, reason="parts", note="roller on order")
    closed = to_resolved(s, make(s))
    closed = s.tickets.close(closed.id, closed.version, signoff="Mrs Zhao")
    s.tickets.add_note(opened.id, "customer calls back at 15:00")
    off = s.tickets.assign(make(s).id, 1, technician_id=2)
    s.actor = "ann"
    s.people.set_on_duty(2, False)
    late = make(s, priority=1)
    clock.advance(hours=2)  # P1 response is 15 minutes: breached now
    s.actor = "bob"
    got = _ids(s, start)
    assert late.id in got["breached"] and waiting.id not in got["breached"]
    assert got["waiting"] == [waiting.id]
    assert got["closed"] == [closed.id]
    assert got["notes"] == [opened.id]
    assert got["off_duty"] == [off.id]
    assert set(got["opened"]) == {opened.id, waiting.id, closed.id, off.id, late.id}
    h = s.handover.report(start)
    (wait_line,) = h.groups[[k for k, _t in rules.GROUPS].index("waiting")].lines
    assert "roller on order" in wait_line.text and "2h" in wait_line.text
    assert [g.key for g in h.groups] == [k for k, _t in rules.GROUPS]
    assert h.items == sum(g.total for g in h.groups if g.key in rules.ACTION)
    # A shift that starts later sees none of it happen, only what is open now.
    later = _ids(s, clock.now.subtract(minutes=1))
    assert later["opened"] == later["closed"] == later["notes"] == later["off_duty"] == []
    assert later["waiting"] == [waiting.id]


def test_the_shift_starts_at_the_first_event_of_the_last_12_hours_else_8_hours_ago(people: Store, clock) -> None:
    people.actor = "alice"
    assert people.handover.shift_start() == clock.now.subtract(hours=8)
    make(people)
    first = clock.now
    clock.advance(hours=5)
    make(people)
    assert people.handover.shift_start() == first
    clock.advance(hours=8)  # the first event is 13 hours old: not this shift
    assert people.handover.shift_start() == first.add(hours=5)
    assert rules.shift_start(NOW, NOW.add(minutes=1)) == NOW.subtract(hours=8)  # a future event is no start
    clock.advance(hours=20)
    people.tickets.assign(make(people).id, 1, technician_id=1)
    clock.advance(hours=13)
    people.escalations.fire_due()  # fired by alice's console at its poll: not her at work
    assert people.db.value("SELECT count(*) FROM events WHERE action = 'escalation.fire' AND actor = 'alice'") > 0
    assert people.handover.shift_start() == clock.now.subtract(hours=8)


def test_the_note_is_one_audited_write_and_the_next_person_sees_it_until_opened(people: Store, clock) -> None:
    people.actor = "bob"
    late = make(people, priority=1)
    clock.advance(hours=1)
    note = people.handover.leave_note("  ATM at HQ: engineer back at 9, customer told  ")
    assert note.body == "ATM at HQ: engineer back at 9, customer told" and note.by == "bob"
    assert note.items >= 1 and late.id in _ids(people)["breached"]
    ev = people.db.one("SELECT actor, action, entity, new FROM events WHERE action = 'self.handover_note'")
    assert ev is not None and (ev["actor"], ev["entity"]) == ("bob", "handover_note")
    assert json.loads(ev["new"])["body"] == note.body
    assert people.handover.waiting_note() is None  # one's own note is not news
    people.actor = "alice"
    clock.advance(minutes=30)
    waiting = people.handover.waiting_note()
    assert waiting is not None and waiting.id == note.id
    assert people.handover.report(clock.now.subtract(hours=3)).note == note
    assert people.handover.mark_seen(note.id) is True
    assert people.handover.mark_seen(note.id) is False  # once
    assert people.handover.waiting_note() is None
    people.actor = "fay"  # a foreman leaves one too, and sees bob's
    assert people.handover.waiting_note() is not None
    people.handover.leave_note("Alpha team: van 2 at the garage")
    _check(people)
    clock.advance(hours=25)
    people.actor = "alice"
    assert people.handover.waiting_note() is None  # a day old: not shown at sign-in


def test_the_note_is_refused_blank_too_long_or_from_a_viewer_and_nothing_is_written(people: Store) -> None:
    before = people.db.value("SELECT count(*) FROM events")
    people.actor = "bob"
    with pytest.raises(ValidationFailed):
        people.handover.leave_note("   ")
    with pytest.raises(ValidationFailed):
        people.handover.leave_note("x" * 4001)
    people.actor = "vic"
    with pytest.raises(PermissionDenied):
        people.handover.leave_note("hello")
    assert people.db.value("SELECT count(*) FROM events") == before
    assert people.db.value("SELECT count(*) FROM handover_notes") == 0


def test_a_note_edited_behind_the_store_is_found_by_the_check(people: Store, db_path: Path) -> None:
    people.actor = "bob"
    people.handover.leave_note("all quiet")
    _check(people)
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE handover_notes SET body = 'nothing happened'")
    raw.commit()
    raw.close()
    report = people.audit.verify_audit()
    assert not report.ok and any("handover_notes" in p or "nothing happened" in p for p in report.problems)


def _reference(path: Path, since: str, now: str, today: str) -> dict[str, set[int]]:
    """The groups worked out the long way: every row of every table looked at in Python."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    tickets = [dict(r) for r in conn.execute("SELECT * FROM tickets")]
    events = [dict(r) for r in conn.execute("SELECT * FROM events")]
    calls = [dict(r) for r in conn.execute("SELECT * FROM callbacks")]
    escalations = [dict(r) for r in conn.execute("SELECT * FROM escalations")]
    techs = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM technicians")}
    conn.close()
    open_ = {t["id"] for t in tickets if t["is_open"]}
    status = {t["id"]: t["status"] for t in tickets}
    went_off = {e["entity_id"] for e in events if e["action"] == "technician.duty" and e["at"] >= since
                and json.loads(e["new"])["on_duty"] in (False, 0)}
    return {
        "breached": {t["id"] for t in tickets if t["is_open"] and t["status"] != "waiting" and t["due_at"]
                     and t["due_at"] <= now},
        "escalated": {e["ticket_id"] for e in escalations if e["acknowledged_at"] is None and e["ticket_id"] in open_},
        "off_duty": {t["id"] for t in tickets if t["is_open"] and t["technician_id"] in went_off
                     and not techs[t["technician_id"]]["on_duty"]},
        "unreached": {c["ticket_id"] for c in calls if (c["status"] == "unreachable" and (c["logged_at"] or "") >= since)
                      or (c["status"] == "open" and c["attempts"] > 0)},
        "promised": {c["ticket_id"] for c in calls if c["status"] == "open" and c["attempts"] == 0
                     and (c["carry_reason"] is not None or c["due_day"] < today)},
        "waiting": {t["id"] for t in tickets if t["is_open"] and t["status"] == "waiting"},
        "notes": {e["ticket_id"] for e in events if e["action"] == "ticket.note" and since <= e["at"] <= now},
        "acknowledged": {e["ticket_id"] for e in escalations if since <= (e["acknowledged_at"] or "") <= now},
        "opened": {t["id"] for t in tickets if since <= t["reported_at"] <= now},
        "closed": {e["ticket_id"] for e in events if e["action"] == "ticket.close" and since <= e["at"] <= now
                   and status[e["ticket_id"]] == "closed"},
    }


@pytest.mark.parametrize("hours", [1, 8, 30, 24 * 20])
def test_the_groups_match_a_brute_force_reference_over_the_demo(demo_copy, hours: int) -> None:
    path = demo_copy()
    s = Store(path, clock=fixed_clock(NOW), actor="mei.lin")
    since = NOW.subtract(hours=hours)
    h = s.handover.report(since)
    today = NOW.in_timezone(s.settings.timezone).date().isoformat()
    want = _reference(path, to_db(since), to_db(NOW), today)
    for g in h.groups:
        assert g.total == len(want[g.key]), g.key
        assert {x.ticket for x in g.lines} == want[g.key] if g.total <= rules.LIMIT else len(g.lines) == rules.LIMIT
        times = [x.at for x in g.lines if x.at is not None]
        assert times == sorted(times, reverse=g.key in ("notes", "acknowledged", "opened", "closed")), g.key
    assert any(g.total for g in h.groups)
    s.close()


def test_everyone_but_viewers_may_mark_seen_and_a_foreman_leaves_a_note_for_their_team(people: Store) -> None:
    add_people(people, "gus")
    people.actor = "gus"
    n = people.handover.leave_note("Bravo: ladder lent to Alpha")
    people.actor = "vic"
    with pytest.raises(PermissionDenied):
        people.handover.mark_seen(n.id)
    people.actor = "fay"
    assert people.handover.mark_seen(n.id) is True
    _check(people)
