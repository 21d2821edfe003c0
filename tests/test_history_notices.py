"""Issue 24: the ticket's history says what an escalation and a queued
message were, in words: before, the timeline printed their stored columns
("roles: [...]; recipients: [...]; outbox: [{...}]") and the raw action names."""

from __future__ import annotations

from ticket_helpers import make

from store import Store
from store.rules.history import Names, entries

HOOK = "json://127.0.0.1:9/hook"


def test_escalations_and_messages_read_as_words(people: Store, clock) -> None:
    people.outbox.set_technician_addresses(1, [HOOK])
    t = make(people)
    people.tickets.assign(t.id, t.version, technician_id=1)  # Alpha Team: fay; its message to the technician
    clock.advance(minutes=int(people.settings.policy()[2].window_s("response") // 60) + 1)
    (eid,) = people.escalations.fire_due()
    people.escalations.acknowledge(eid, "called the engineer")
    names = Names({tech.id: tech.name for tech in people.people.technicians()}, {}, {})
    lines = [(e.verb, e.changes) for e in entries(people.tickets.timeline(t.id), names, "UTC")]
    verbs = [v for v, _c in lines]
    assert verbs[-3:] == ["message queued", "escalated", "escalation acknowledged"], verbs
    queued, escalated, acked = (c for _v, c in lines[-3:])
    tech = people.people.technicians()[0].name
    assert queued == [f"to {tech}"]
    assert escalated[0].startswith("↑2 ") and "breached" in escalated[0] and escalated[1].startswith("to fay")
    assert acked == ["Note: called the engineer"]
    text = repr(lines)
    assert "outbox" not in text and "roles" not in text and "escalation." not in text
