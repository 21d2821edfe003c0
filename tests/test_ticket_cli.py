"""Issue 24, "Tickets from other systems": ``dispatch ticket add`` (options, or
the JSON ``dispatch ticket N --format json`` prints, fed back on stdin) and
``dispatch ticket assign|respond|arrive|hold|resume|resolve|close|cancel N``
through the store calls the console's forms make: the same rules, roles,
audit and one-line errors; ``--version`` refuses a stale change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_clock import use_clock
from click.testing import CliRunner, Result
from conftest import MutableClock
from hostile import HOSTILE, forbidden
from ticket_helpers import event_count, make

import console.cli.common as common
from store import Store
from store.context import default_actor

INTAKE = ("channel", "reporter", "phone", "site_id", "equipment_id", "category", "priority", "description",
          "reported_at")
HOOK = "json://127.0.0.1:9/hook"  # never contacted: the tests look at the outbox, no sender runs


@pytest.fixture
def db(people: Store, db_path: Path, clock: MutableClock, monkeypatch: pytest.MonkeyPatch) -> str:
    use_clock(monkeypatch, clock)
    return str(db_path)


def invoke(db: str, *args: str, stdin: str | bytes | None = None) -> Result:
    from console.cli import cli

    return CliRunner().invoke(cli, ["--db", db, *args], input=stdin)


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.stderr, result.exception)
    return result.stdout


def one_line_error(result: Result, words: str) -> None:
    assert result.exit_code == 2, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dispatch: error: ") and words in lines[0], result.stderr
    assert result.stdout == ""


def counts(store: Store) -> tuple[int, int, int]:
    return store.admin.stats()["tickets"], event_count(store), store.outbox.status()["pending"]


ADD = ("ticket", "add", "--reporter", "Mrs Zhao", "--phone", "010 6666 8888", "--site", "HQ",
       "--equipment", "hq-atm-a", "--priority", "P2", "--description", "ATM swallows cards")


def test_add_from_options_prints_the_new_number(db: str, people: Store, clock: MutableClock) -> None:
    out = ok(invoke(db, *ADD))
    t = people.tickets.ticket(int(out))
    assert out == f"{t.id}\n"
    assert (t.reporter, t.phone, t.site_id, t.equipment_id, t.priority, t.description, t.status, t.channel) == (
        "Mrs Zhao", "010 6666 8888", 1, 1, 2, "ATM swallows cards", "new", "phone")
    assert t.category == "atm"  # the equipment's, as the console's form takes it
    assert t.reported_at == clock.now and t.created_by == default_actor()
    event = people.tickets.timeline(t.id)[0]
    assert (event.action, event.actor) == ("ticket.create", default_actor())
    # Stated when it was reported (site time, as the console's forms take a time); JSON out.
    clock.advance(hours=2)
    stated = (clock.now.subtract(minutes=90)).in_timezone(people.settings.timezone).format("HH:mm")
    printed = json.loads(ok(invoke(db, *ADD, "--channel", "email", "--at", stated, "--format", "json")))
    assert printed["channel"] == "email" and printed["status"] == "new" and printed["version"] == 1
    assert people.tickets.ticket(printed["id"]).reported_at == clock.now.subtract(minutes=90).replace(second=0)
    # Without --site, the equipment's own (North Branch's ATM), and its category.
    other = people.tickets.ticket(int(ok(invoke(db, "ticket", "add", "--reporter", "x", "--phone", "123",
                                                "--equipment", "NB-ATM-A", "--description", "d"))))
    assert (other.site_id, other.equipment_id, other.category, other.priority) == (2, 3, "atm", 3)


def test_a_printed_ticket_fed_back_makes_the_same_ticket(db: str, people: Store, clock: MutableClock) -> None:
    first = make(people, channel="online", priority=1, description="Printer\nline two", equipment_id=2,
                 category="printer")
    people.tickets.assign(first.id, first.version, technician_id=2)  # read-only keys with values
    clock.advance(minutes=10)
    printed = ok(invoke(db, "ticket", str(first.id), "--format", "json"))
    assert {"technician_id", "clocks", "timeline", "version", "status"} <= set(json.loads(printed))
    before = counts(people)
    number = int(ok(invoke(db, "ticket", "add", "--json", "-", stdin=printed)))
    copy, original = people.tickets.ticket(number), people.tickets.ticket(first.id)
    assert number != first.id
    assert {k: getattr(copy, k) for k in INTAKE} == {k: getattr(original, k) for k in INTAKE}
    assert (copy.status, copy.version, copy.technician_id) == ("new", 1, None)
    assert counts(people) == (before[0] + 1, before[1] + 1, before[2])  # one ticket, one event, no message


def test_options_win_over_the_json_and_a_time_as_printed_is_taken(db: str, people: Store, clock: MutableClock) -> None:
    tz = people.settings.timezone
    data = {"reporter": "Web form", "phone": "+86 10 1234", "site_id": 2, "priority": "P4", "category": "network",
            "description": "VPN down", "channel": "online",
            "reported_at": clock.now.subtract(hours=1).in_timezone(tz).isoformat()}
    number = int(ok(invoke(db, "ticket", "add", "--json", "-", "--priority", "1", stdin=json.dumps(data))))
    t = people.tickets.ticket(number)
    assert (t.priority, t.site_id, t.channel, t.reported_at) == (1, 2, "online", clock.now.subtract(hours=1))


@pytest.mark.parametrize(("stdin", "args", "words"), [
    ("not json", (), "--json: not valid JSON (line 1, column 1)"),
    ("[1, 2]", (), "--json: one JSON object expected"),
    ('{"reporter": "x", "secret_field": 1}', (), 'unknown key "secret_field"'),
    (b'{"reporter": "\xff"}', (), "--json: not UTF-8 text"),
    ('{"reporter": "x", "phone": "123", "site_id": 1, "description": "d", "priority": 9}', (),
     "priority: a whole number from 1 to 4"),
    ('{"phone": "123", "site_id": 1, "description": "d"}', (), "reporter: required"),
    ('{"reporter": "x", "phone": "call me", "site_id": 1, "description": "d"}', (), "phone: digits"),
    ('{"reporter": "x", "phone": "123", "site_id": 99, "description": "d"}', (), "site_id: no such site"),
    ('{"reporter": "x", "phone": "123", "site_id": 1, "description": "d", "reported_at": "2099-01-01T00:00:00Z"}',
     (), "reported_at: 01-01"),
    (None, ("--reporter", "x", "--phone", "123", "--site", "HQ", "--description", "d", "--at", "25:99"), "--at: a time like"),
    (None, ("--reporter", "x", "--phone", "123", "--site", "HQ", "--description", "d", "--priority", "P7"),
     "--priority: a whole number"),
    (None, ("--reporter", "x", "--phone", "123", "--site", "NOWHERE", "--description", "d"), "no site NOWHERE"),
    (None, ("--reporter", "x", "--phone", "123", "--site", "HQ", "--equipment", "NB-ATM-A", "--description", "d"),
     "no equipment NB-ATM-A"),  # another site's
    (None, ("--reporter", "x", "--phone", "123", "--site", "HQ"), "--description: required"),
])
def test_bad_json_or_values_are_one_line_and_nothing_is_written(
        db: str, people: Store, stdin: str | bytes | None, args: tuple[str, ...], words: str) -> None:
    before = counts(people)
    json_args = ("--json", "-") if stdin is not None else ()
    one_line_error(invoke(db, "ticket", "add", *json_args, *args, stdin=stdin), words)
    assert counts(people) == before


def test_each_step_from_the_shell(db: str, people: Store, clock: MutableClock) -> None:
    people.outbox.set_technician_addresses(1, [HOOK])
    t = make(people)
    before = counts(people)
    assert ok(invoke(db, "ticket", "assign", str(t.id), "--technician", "li wei")) == \
        f"Ticket #{t.id} assigned. Now at version 2.\n"
    # The technician's message queued in the assignment's write, as from the console.
    (message,) = people.outbox.due()
    assert message.recipient == "technician:1"
    assert counts(people) == (before[0], before[1] + 2, before[2] + 1)  # the assignment and notify.queue
    clock.advance(minutes=20)
    tz = people.settings.timezone
    at = clock.now.subtract(minutes=5).in_timezone(tz).format("HH:mm")
    ok(invoke(db, "ticket", "respond", str(t.id), "--note", "confirmed", "--at", at))
    assert people.tickets.ticket(t.id).first_response_at == clock.now.subtract(minutes=5).replace(second=0)
    ok(invoke(db, "ticket", "arrive", f"#{t.id}", "--mode", "remote"))
    ok(invoke(db, "ticket", "hold", str(t.id), "--reason", "parts", "--note", "roller on order"))
    assert people.tickets.ticket(t.id).status == "waiting"
    ok(invoke(db, "ticket", "resume", str(t.id)))
    ok(invoke(db, "ticket", "resolve", str(t.id), "--cause", "worn roller", "--action", "replaced", "--parts", "roller"))
    resolved = people.tickets.ticket(t.id)
    assert (resolved.status, resolved.symptom) == ("resolved", t.description)  # the symptom starts as the fault
    one_line_error(invoke(db, "ticket", "close", str(t.id), "--signoff", "Mrs Zhao", "--fee", "9000"), "add --yes")
    shown = json.loads(ok(invoke(db, "ticket", "close", str(t.id), "--signoff", "Mrs Zhao", "--fee", "9000", "--yes",
                                 "--format", "json")))
    assert (shown["status"], shown["fee"], shown["version"]) == ("closed", 9000.0, 8)
    actions = [e.action for e in people.tickets.timeline(t.id)]
    assert actions == ["ticket.create", "ticket.assign", "notify.queue", "ticket.respond", "ticket.arrive",
                       "ticket.pause", "ticket.resume", "ticket.resolve", "ticket.close"]
    assert {e.actor for e in people.tickets.timeline(t.id)} == {"ann", default_actor()}
    other = make(people)
    ok(invoke(db, "ticket", "cancel", str(other.id), "--reason", "reported twice"))
    assert people.tickets.ticket(other.id).cancel_reason == "reported twice"


def test_the_rules_and_their_messages_are_the_consoles(db: str, people: Store) -> None:
    t = make(people)
    before = counts(people)
    one_line_error(invoke(db, "ticket", "arrive", str(t.id)), "Assign a technician before logging the arrival")
    one_line_error(invoke(db, "ticket", "assign", str(t.id), "--technician", "Chen Jie"), "Chen Jie is off duty")
    one_line_error(invoke(db, "ticket", "assign", str(t.id), "--technician", "Nobody"), "no technician Nobody")
    one_line_error(invoke(db, "ticket", "hold", str(t.id), "--reason", "lunch"), "'lunch' is not one of")
    one_line_error(invoke(db, "ticket", "respond", str(t.id), "--at", "yesterday 09:00"), "--at: ")
    one_line_error(invoke(db, "ticket", "respond", "twelve"), "not a ticket number: twelve")
    one_line_error(invoke(db, "ticket", "respond", "999"), "No ticket #999")
    assert counts(people) == before
    ok(invoke(db, "ticket", "assign", str(t.id), "--technician", "Li Wei"))
    one_line_error(invoke(db, "ticket", "assign", str(t.id), "--technician", "Zhang Min"), "reason")


def test_a_stale_version_is_refused_naming_the_current_one(db: str, people: Store) -> None:
    t = make(people)
    people.tickets.assign(t.id, t.version, technician_id=1)  # someone else, meanwhile
    before = counts(people)
    one_line_error(invoke(db, "ticket", "respond", str(t.id), "--version", "1", "--note", "x"),
                   f"ticket #{t.id} is at version 2, not 1")
    assert counts(people) == before and people.tickets.ticket(t.id).first_response_at is None
    one_line_error(invoke(db, "ticket", "respond", str(t.id), "--version", "7"), f"ticket #{t.id} is at version 2, not 7;")
    assert counts(people) == before
    assert "Now at version 3." in ok(invoke(db, "ticket", "respond", str(t.id), "--version", "2"))


@pytest.mark.parametrize(("login", "words"), [("vic", "viewer"), ("liwei", "liwei")])
def test_a_viewer_or_a_technicians_login_is_refused(db: str, people: Store, monkeypatch: pytest.MonkeyPatch,
                                                   login: str, words: str) -> None:
    t = make(people)
    before = counts(people)
    monkeypatch.setattr(common, "default_actor", lambda: login)
    for args in (ADD, ("ticket", "assign", str(t.id), "--technician", "Li Wei"),
                 ("ticket", "cancel", str(t.id), "--reason", "x")):
        one_line_error(invoke(db, *args), words)
    assert counts(people) == before
    assert "ATM swallows cards" in ok(invoke(db, "ticket", str(t.id)))  # looking is allowed


def test_a_foreman_moves_their_teams_tickets_but_does_not_create(db: str, people: Store,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    t = make(people)
    people.tickets.assign(t.id, t.version, technician_id=1)
    monkeypatch.setattr(common, "default_actor", lambda: "fay")
    one_line_error(invoke(db, *ADD), "create tickets")
    ok(invoke(db, "ticket", "respond", str(t.id)))
    one_line_error(invoke(db, "ticket", "assign", str(t.id), "--technician", "Wang Fang", "--reason", "closer"),
                   "team")
    assert people.tickets.timeline(t.id)[-1].actor == "fay"


def test_hostile_text_is_stored_exactly_and_printed_cleaned(db: str, people: Store) -> None:
    description = " | ".join(HOSTILE.values())
    data: dict[str, Any] = {"reporter": HOSTILE["bidi"], "phone": "123", "site_id": 1, "description": description}
    number = int(ok(invoke(db, "ticket", "add", "--json", "-", stdin=json.dumps(data))))
    t = people.tickets.ticket(number)
    assert (t.reporter, t.description) == (HOSTILE["bidi"], description)
    ok(invoke(db, "ticket", "assign", str(number), "--technician", "Li Wei"))
    done = invoke(db, "ticket", "respond", str(number), "--note", HOSTILE["osc52"] + HOSTILE["markup"])
    assert not forbidden(ok(done))
    assert people.tickets.timeline(number)[-1].new["note"] == HOSTILE["osc52"] + HOSTILE["markup"]
    for fmt in ("text", "json"):
        shown = ok(invoke(db, "ticket", str(number), "--format", fmt))
        assert not forbidden(shown) and "[@click=app.quit]" in shown, fmt  # markup is text, shown as typed
    one_line_error(invoke(db, "ticket", "add", "--json", "-", stdin=json.dumps({"\x1b[2Jkey\u202e": 1})), "key")
    assert not forbidden(invoke(db, "ticket", "add", "--json", "-", stdin=json.dumps({"\x1b[2Jkey\u202e": 1})).stderr)


def test_dispatch_ticket_n_still_prints_the_ticket(db: str, people: Store) -> None:
    t = make(people)
    for args in ((str(t.id),), (f"#{t.id}",), ("show", str(t.id)), (str(t.id), "--format", "json"),
                 ("--format", "json", str(t.id)), ("--db", db, str(t.id))):
        assert "ATM swallows cards" in ok(invoke(db, "ticket", *args)), args
    one_line_error(invoke(db, "ticket", "12x"), "not a ticket number: 12x")
    one_line_error(invoke(db, "ticket"), "Missing argument 'N'")
    assert "add" in ok(invoke(db, "ticket", "--help"))


def test_a_real_pipe_from_a_new_file(tmp_path: Path) -> None:
    """As a gateway runs it: processes, stdin a pipe, the file from 'dispatch init'."""
    import os
    import shlex
    import subprocess
    import sys

    db = str(tmp_path / "new.db")
    dispatch = f"{shlex.quote(sys.executable)} -m console.cli --db {shlex.quote(db)}"
    env = {**os.environ, "DISPATCH_LANG": "en", "XDG_DATA_HOME": str(tmp_path / "data")}

    def sh(command: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=env, timeout=120,
                              cwd=Path(__file__).resolve().parent.parent)
        assert done.returncode == code, (command, done.stdout, done.stderr)
        return done

    sh(f"{dispatch} init --timezone Asia/Shanghai && {dispatch} site add HQ 'Head Office'")
    form = json.dumps({"reporter": "Web form", "phone": "010 1234", "site_id": 1, "description": "Door stuck",
                       "category": "access", "channel": "online", "priority": 2})
    first = sh(f"printf '%s' {shlex.quote(form)} | {dispatch} ticket add --json -").stdout.strip()
    copy = sh(f"{dispatch} ticket {first} --format json | {dispatch} ticket add --json - --format json").stdout
    original = json.loads(sh(f"{dispatch} ticket {first} --format json").stdout)
    assert {k: json.loads(copy)[k] for k in INTAKE} == {k: original[k] for k in INTAKE}
    refused = sh(f"echo '{{\"id\": 1, \"colour\": \"red\"}}' | {dispatch} ticket add --json -", code=2)
    assert refused.stderr == 'dispatch: error: --json: unknown key "colour"; the keys are those ' \
        "'dispatch ticket N --format json' prints\n"
    assert "2 tickets" in sh(f"{dispatch} check").stdout


def test_the_store_refuses_an_off_duty_technician(store: Store) -> None:
    """The console offers only technicians on duty; a script, a mail gateway
    or a picker opened before someone went off duty is refused by the store
    itself (before, only the console's picker and the CLI checked it)."""
    from store.errors import ValidationFailed

    t = make(store)
    tech = store.people.technicians()[0]
    store.people.set_on_duty(tech.id, False)
    with pytest.raises(ValidationFailed, match="off duty"):
        store.tickets.assign(t.id, t.version, technician_id=tech.id)
    assert store.tickets.ticket(t.id).technician_id is None
