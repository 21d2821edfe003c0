"""Issue 24: an improvement item or a complaint step falling due tells its
owner, found by the sender's pass (``dispatch notify``) through an index
range, once per item or step and due time (a changed due time tells again),
the record, its audit event and the message in one write; the text short,
cleaned, in the owner's language."""

from __future__ import annotations

import pendulum
from conftest import NOW, MutableClock
from test_delivery import Receiver, receiver  # noqa: F401  (fixture)
from ticket_helpers import make

from store import Store
from store.sender import one_pass


def _check(store: Store) -> None:
    report = store.audit.verify_audit()
    assert report.ok, report.problems[:3]


def _complaint(store: Store, matter: str = "technician was rude") -> int:
    t = make(store)
    store.actor = "bob"  # the dispatcher who takes the call owns it
    try:
        return store.complaints.add_complaint(t.id, "Mr Zhao", matter).id
    finally:
        store.actor = "ann"


def test_a_complaint_step_falling_due_tells_its_owner_once_in_their_language(
        people: Store, clock: MutableClock, receiver: Receiver) -> None:  # noqa: F811
    people.users.set_user_language("bob", "zh_Hans")
    people.outbox.set_user_addresses("bob", [f"json://127.0.0.1:{receiver.port}/bob"])
    cid = _complaint(people, matter="rude \x1b]0;owned\x07[b]and[/b] late")
    clock.advance(hours=2, seconds=-1)
    assert one_pass(people).due == [] and receiver.posts == []  # not due yet (accept: 2 h)
    clock.advance(seconds=1)
    done = one_pass(people)
    assert len(done.due) == 1 and done.sent == 1
    ((path, post),) = receiver.posts
    assert path == "/bob" and post["title"].startswith(f"投诉 #{cid}：受理")
    assert "[b]and[/b] late" in post["message"] and not {"\x1b", "\x07"} & set(post["message"])
    assert len(post["title"]) + len(post["message"]) < 200
    assert one_pass(people).due == [] and len(receiver.posts) == 1  # once
    # The next step has its own due time: told again when it comes.
    c = people.complaints.find()[0]
    people.complaints.accept_complaint(cid, c.version)
    clock.advance(hours=22)
    assert one_pass(people).due != [] and len(receiver.posts) == 2
    _check(people)


def test_a_changed_due_time_tells_again_an_unchanged_one_never(people: Store, clock: MutableClock) -> None:
    people.outbox.set_user_addresses("bob", ["json://localhost:9/bob"])
    _complaint(people)
    clock.advance(hours=3)
    assert len(people.due_notices.fire_due()) == 1
    assert people.due_notices.fire_due() == []
    hours = {"accept": 1, "investigate": 24, "handle": 48, "follow_up": 72, "close": 168}
    people.settings.set_setting("complaint_step_hours", hours)  # accept due an hour earlier: a new due time
    assert len(people.due_notices.fire_due()) == 1
    assert people.db.value("SELECT COUNT(*) FROM due_notices") == 2
    _check(people)


def test_an_item_falling_due_tells_its_foreman_at_the_start_of_its_day(people: Store, clock: MutableClock) -> None:
    people.outbox.set_user_addresses("fay", ["json://localhost:9/fay"])
    t = make(people)
    t = people.tickets.assign(t.id, t.version, technician_id=1)  # Alpha Team: fay
    people.actor = "bob"
    c = people.complaints.add_complaint(t.id, "Mr Sun", "fault came back")
    c = people.complaints.open_item_from_complaint(c.id, c.version)
    people.actor = "ann"
    item = people.db.one("SELECT id, due_date, foreman FROM improvement_items")
    assert item["foreman"] == "fay"
    tz = people.settings.timezone
    day = pendulum.Date.fromisoformat(item["due_date"])
    start = pendulum.datetime(day.year, day.month, day.day, tz=tz)
    clock.set(start.subtract(seconds=1))
    assert [k for k in people.due_notices.pending() if k[0] == "item"] == []
    clock.set(start)
    assert ("item", item["id"], "", item["due_date"]) in people.due_notices.pending()
    people.due_notices.fire_due()
    (row,) = people.db.q("SELECT recipient, notice FROM outbox WHERE recipient = 'user:fay'")
    assert '"kind": "item_due"' in row["notice"]
    assert ("item", item["id"], "", item["due_date"]) not in people.due_notices.pending()
    _check(people)


def test_two_processes_tell_once(people: Store, clock: MutableClock, db_path) -> None:
    people.outbox.set_user_addresses("bob", ["json://localhost:9/bob"])
    _complaint(people)
    clock.advance(hours=3)
    other = Store(db_path, clock=clock, actor="ann")
    try:
        found = people.due_notices._complaints(clock())  # both saw it due before either wrote
        assert len(found) == 1
        assert len(other.due_notices.fire_due()) == 1
        with people.db.write("notify.due") as tx:
            assert people.due_notices._fire(tx, found[0], "2026-11-25T12:00:00Z") is None
    finally:
        other.close()
    assert people.db.value("SELECT COUNT(*) FROM outbox") == 1
    assert people.db.value("SELECT COUNT(*) FROM events WHERE action = 'notify.due'") == 1
    _check(people)


def test_the_scans_are_index_ranges(people: Store) -> None:
    plans = [" ".join(r[3] for r in people.db.q("EXPLAIN QUERY PLAN " + sql, args)) for sql, args in (
        ("SELECT id FROM complaints WHERE state = ? AND received_at <= ?", ("registered", "2026-11-25T00:00:00Z")),
        ("SELECT i.id FROM improvement_items i WHERE i.state IN (?, ?, ?) AND i.due_date <= ?",
         ("open", "followed_up", "proposed", "2026-11-25")),
    )]
    assert "INDEX complaints_state" in plans[0] and "SCAN" not in plans[0]
    assert "INDEX improvement_items_due" in plans[1] and "SCAN" not in plans[1]


def test_nobody_with_an_address_nothing_queued_still_recorded_once(people: Store, clock: MutableClock) -> None:
    _complaint(people)
    clock.advance(hours=3)
    assert len(people.due_notices.fire_due()) == 1 and people.db.value("SELECT COUNT(*) FROM outbox") == 0
    assert people.due_notices.fire_due() == []
    _check(people)
    assert NOW  # the clock starts at the suite's NOW


def test_dispatch_notify_says_how_many_fell_due(people: Store, clock: MutableClock, db_path,
                                                monkeypatch) -> None:
    from cli_clock import use_clock
    from click.testing import CliRunner

    from console.cli import cli

    use_clock(monkeypatch, clock)
    _complaint(people)
    _complaint(people)
    clock.advance(hours=3)
    result = CliRunner().invoke(cli, ["--db", str(db_path), "notify"])
    assert result.exit_code == 0, result.output
    assert "2 improvement items or complaint steps fallen due: their owners told" in result.output
    again = CliRunner().invoke(cli, ["--db", str(db_path), "notify"])
    assert "fallen due" not in again.output
