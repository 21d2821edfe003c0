"""``dispatch escalation show|set|list|ack``, ``dispatch user address``,
``dispatch tech address`` and ``dispatch notify [status]`` (issue 24)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_clock import use_clock
from click.testing import CliRunner, Result
from conftest import MutableClock
from ticket_helpers import make

from store import Store
from store.context import default_actor
from store.sender import sender_lock

HOOK = "json://127.0.0.1:9/hook"  # port 9 (discard): refused at once, no network needed


@pytest.fixture
def db(people: Store, db_path: Path, clock: MutableClock, monkeypatch: pytest.MonkeyPatch) -> str:
    use_clock(monkeypatch, clock)
    return str(db_path)


def invoke(db: str, *args: str) -> Result:
    from console.cli import cli

    return CliRunner().invoke(cli, ["--db", db, *args])


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.stderr, result.exception)
    return result.output


def one_line_error(result: Result, words: str) -> None:
    assert result.exit_code == 2, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dispatch: error: ") and words in lines[0], result.stderr


def test_show_and_set_the_ladder(db: str, people: Store) -> None:
    assert "at risk (25 % left) → the team's foreman" in ok(invoke(db, "escalation", "show"))
    one_line_error(invoke(db, "escalation", "set", '{"default": [{"at": "soon", "to": ["foreman"]}]}'), "at must be")
    one_line_error(invoke(db, "escalation", "set", "not json"), "must be JSON")
    ok(invoke(db, "escalation", "set", '{"default": [{"at": "breached", "to": ["managers"]}]}'))
    shown = json.loads(ok(invoke(db, "escalation", "show", "--format", "json")))
    assert shown == {"default": [{"at": "breached", "to": ["managers"]}]}
    assert people.escalations.ladder().default[0].to == ("managers",)


def test_addresses_set_shown_masked_and_cleared(db: str, people: Store) -> None:
    out = ok(invoke(db, "user", "address", "fay", HOOK, "mailto://u:secretpw@smtp.example.com?to=fay@example.com"))
    assert "secretpw" not in out and "1. JSON" in out and "2. E-Mail" in out
    assert people.outbox.user_addresses("fay")[0] == HOOK
    one_line_error(invoke(db, "user", "address", "fay", "bogus://x"), "notification address 1 (bogus://…)")
    assert len(people.outbox.user_addresses("fay")) == 2  # refused: nothing changed
    assert "nothing is sent" in ok(invoke(db, "user", "address", "fay"))
    assert people.outbox.user_addresses("fay") == []
    ok(invoke(db, "tech", "address", "Li Wei", HOOK))
    assert people.outbox.technician_addresses(1) == [HOOK]


def test_list_fired_and_acknowledge(db: str, people: Store, clock: MutableClock) -> None:
    t = make(people)
    people.tickets.assign(t.id, t.version, technician_id=1)
    clock.advance(hours=30)  # every clock breached by more than half its window again
    out = ok(invoke(db, "notify"))
    assert "fired 3, sent 0" in out  # one per clock; no address: nothing to send
    rows = json.loads(ok(invoke(db, "escalation", "list", "--format", "json")))
    assert sorted(r["clock"] for r in rows) == ["onsite", "resolve", "response"]
    row = rows[0]
    assert (row["ticket"], row["level"], row["recipients"]) == (t.id, 3, ["ann", default_actor()])
    one_line_error(invoke(db, "escalation", "ack", str(row["id"]), " "), "needs a note")
    ok(invoke(db, "escalation", "ack", str(row["id"]), "Li Wei is on his way"))
    left = json.loads(ok(invoke(db, "escalation", "list", "--open", "--format", "json")))
    assert len(left) == 2 and row["id"] not in [r["id"] for r in left]


def test_notify_fails_visibly_when_the_receiver_is_down(db: str, people: Store, clock: MutableClock) -> None:
    people.settings.set_setting("notify_retry", {"attempts": 1})
    ok(invoke(db, "user", "address", "ann", HOOK))
    t = make(people)
    clock.advance(hours=30)
    assert "fired 3, sent 0, to retry 0, given up 3" in ok(invoke(db, "notify"))
    status = json.loads(ok(invoke(db, "notify", "status", "--format", "json")))
    assert status["failed"] == 3 and "address 1 (JSON)" in status["given_up"][0]["last_error"]
    assert f"#{status['given_up'][0]['id']} to user:ann, 1 attempts" in ok(invoke(db, "notify", "status"))
    assert t.id


def test_a_second_sender_is_refused(db: str) -> None:
    with sender_lock(Path(db)):
        one_line_error(invoke(db, "notify"), "another sender is working on")


def test_the_ticket_printed_with_its_escalations(db: str, people: Store, clock: MutableClock) -> None:
    """`dispatch ticket N` says what the detail screen says: each escalation,
    to whom, and who acknowledged it with the note (cleaned); JSON the records."""
    t = make(people)
    people.tickets.assign(t.id, t.version, technician_id=1)  # Alpha Team: fay
    clock.advance(minutes=int(people.settings.policy()[2].window_s("response") // 60) + 1)
    (eid,) = people.escalations.fire_due()
    text = ok(invoke(db, "ticket", str(t.id)))
    section = text[text.index("\nEscalations\n"):text.index("\nTimeline\n")]
    assert "↑2 " in section and "breached" in section and "not acknowledged" in section, section
    people.escalations.acknowledge(eid, "on it \x1b[31m\u202e")
    text = ok(invoke(db, "ticket", str(t.id)))
    assert "acknowledged by ann" in text and "on it" in text and "\x1b" not in text and "\u202e" not in text
    (e,) = json.loads(ok(invoke(db, "ticket", str(t.id), "--format", "json")))["escalations"]
    # The JSON is cleaned as every output is (the record keeps the note as typed).
    assert (e["id"], e["level"], e["recipients"][:2], e["note"]) == (eid, 2, ["fay", "ann"], "on it [31m")
    assert people.escalations.escalations()[0].note == "on it \x1b[31m\u202e"
