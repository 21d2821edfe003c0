"""Issue 24 end to end: an escalation fired by the sender reaches a real
SMTP server (aiosmtpd) and a local JSON webhook, once each, in each
recipient's language, with the outbox id; nothing is sent twice on the next pass."""

from __future__ import annotations

from pathlib import Path

from conftest import MutableClock
from test_delivery import Inbox, Receiver, receiver, smtp  # noqa: F401  (fixtures)
from ticket_helpers import make

from store import Store
from store.sender import one_pass


def test_escalation_arrives_once_in_each_recipients_language(people: Store, clock: MutableClock, db_path: Path,
                                                             receiver: Receiver, smtp: tuple[int, Inbox]) -> None:  # noqa: F811
    port, inbox = smtp
    people.users.set_user_language("fay", "zh_Hans")
    people.outbox.set_user_addresses("fay", [f"json://127.0.0.1:{receiver.port}/fay"])
    people.outbox.set_user_addresses("ann", [f"mailto://127.0.0.1:{port}?from=dispatch@center.cn&to=ann@center.cn&mode=insecure"])
    t = make(people, description="ATM [b]swallows[/b] cards\x1b[31m")
    people.tickets.assign(t.id, t.version, technician_id=1)  # Alpha Team: fay
    people.escalations.set_ladder({"default": [{"at": "breached", "to": ["foreman", "managers"]}]})
    clock.advance(hours=30)
    done = one_pass(people)
    assert (len(done.fired), done.sent, done.failed) == (3, 6, 0)  # three clocks, two people each
    assert len(receiver.posts) == 3 and len(inbox.messages) == 3
    ids = dict(people.db.q("SELECT id, recipient FROM outbox"))
    for path, post in receiver.posts:
        assert path == "/fay"
        assert post["title"].startswith(f"工单 #{t.id} 升级至第 1 级")
        ref = int(post["message"].rsplit(" ", 1)[1])
        assert ids[ref] == "user:fay"
    for msg in inbox.messages:
        assert msg["Subject"].startswith(f"#{t.id} escalated, level 1")
        assert "ann@center.cn" in msg["To"]
    assert one_pass(people).sent == 0 and len(receiver.posts) == 3 and len(inbox.messages) == 3
    assert people.audit.verify_audit().ok
