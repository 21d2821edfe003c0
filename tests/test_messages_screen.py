"""The managers' Messages screen (issue 24, 'M'): a message given up on is
visible on the main screen and in the list, with its recipient, what it is
about, the attempts and the error; 'r' queues it again through the store
(managers only, audited), and the sender sends it on its next pass."""

from __future__ import annotations

from conftest import MutableClock
from console_helpers import app_for, burst, settle, until
from ticket_helpers import make

from console.screens.messages import MessagesScreen
from console.widgets.status import StatusBar
from store import Store
from store.sender import one_pass

HOOK = "json://127.0.0.1:9/hook"  # port 9 (discard): refused at once, no network needed


def given_up(store: Store, clock: MutableClock) -> int:
    """Three escalations to ann, each message given up on after its one attempt; the ticket's id."""
    store.settings.set_setting("notify_retry", {"attempts": 1})
    store.outbox.set_user_addresses("ann", [HOOK])
    t = make(store, description="ATM [b]eats[/b] cards\x1b[2J")
    store.tickets.assign(t.id, t.version, technician_id=1)
    clock.advance(hours=30)
    done = one_pass(store)
    assert done.failed == 3
    return t.id


def bar_text(app) -> str:  # type: ignore[no-untyped-def]
    bar = app.screen.query_one(StatusBar)
    return "".join(str(p.text) for p in bar.query("Part")) + str(bar.query_one("#info").render())


async def test_a_failed_message_is_visible_and_queued_again(people: Store, clock: MutableClock) -> None:
    tid = given_up(people, clock)
    people.actor = "ann"
    app = app_for(people)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: "3 messages failed" in bar_text(app))
        await burst(pilot, "M")
        screen = app.screen
        assert isinstance(screen, MessagesScreen)
        await until(pilot, lambda: len(screen.shown) == 3)
        first = screen.shown[0]
        assert first.row.state == "failed" and first.to == "ann" and first.row.attempts == 1
        assert first.about.startswith(f"#{tid} escalated")
        assert "address 1 (JSON)" in first.error and "\n" not in first.error
        detail = str(screen.query_one("#message-detail").render())
        assert "Last error:" in detail and "given up" in detail
        await burst(pilot, "r")
        await until(pilot, lambda: people.outbox.message(first.row.id).state == "pending")
        row = people.outbox.message(first.row.id)
        assert row.attempts == 0 and row.next_at is not None
        events = people.db.q("SELECT actor, old, new FROM events WHERE action = 'notify.retry'")
        assert [e["actor"] for e in events] == ["ann"]
        await until(pilot, lambda: screen.shown and screen.shown[0].row.id != first.row.id
                    and any(m.row.id == first.row.id and m.row.state == "pending" for m in screen.shown))
        # 'r' again on a message that is not given up on says why and writes nothing.
        await burst(pilot, "escape")
        await until(pilot, lambda: "2 messages failed" in bar_text(app))
    # The sender tries it again on its next pass (and gives up again: the receiver is still down).
    again = one_pass(people)
    assert again.failed == 1


async def test_a_dispatcher_sees_no_mark_and_may_not_retry(people: Store, clock: MutableClock) -> None:
    given_up(people, clock)
    people.actor = "bob"
    app = app_for(people)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        assert "failed" not in bar_text(app)
        await burst(pilot, "M")
        screen = app.screen
        assert isinstance(screen, MessagesScreen)
        await until(pilot, lambda: len(screen.shown) == 3)
        await until(pilot, lambda: screen.refusal("retry") is not None)
        await burst(pilot, "r")
        assert people.db.value("SELECT COUNT(*) FROM outbox WHERE state = 'failed'") == 3
        assert people.db.value("SELECT COUNT(*) FROM events WHERE action = 'notify.retry'") == 0


def test_requeue_refuses_what_was_not_given_up(people: Store, clock: MutableClock) -> None:
    import pytest

    from store.errors import PermissionDenied, RuleViolation

    given_up(people, clock)
    failed = people.db.value("SELECT id FROM outbox WHERE state = 'failed' LIMIT 1")
    people.actor = "bob"
    with pytest.raises(PermissionDenied):
        people.outbox.requeue(failed)
    people.actor = "ann"
    people.outbox.requeue(failed)
    with pytest.raises(RuleViolation, match="not given up on"):
        people.outbox.requeue(failed)
