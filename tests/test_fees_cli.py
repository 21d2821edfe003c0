"""``dispatch fees show|set|propose``, ``dispatch ticket close`` with a
schedule (the proposal item by item, an override with its reason) and
``dispatch invoices list|record|check`` (issue 25): one-line errors with
exit 2, and ``dispatch check`` green after each write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_clock import use_clock
from cli_helpers import invoke, ok, one_line_error
from conftest import MutableClock
from ticket_helpers import RECORD, make, to_onsite, to_resolved

from store import Store

SCHEDULE = '{"labour": "hourly", "hourly_rate": "120", "call_out": "50", "parts_margin": "0.15", "rounding": "1"}'


@pytest.fixture
def db(people: Store, db_path: Path, clock: MutableClock, monkeypatch: pytest.MonkeyPatch) -> str:
    use_clock(monkeypatch, clock)
    return str(db_path)


def test_the_schedule_set_shown_and_refused_in_one_line(db: str) -> None:
    assert "no fee schedule yet" in invoke(db, "fees", "show").stderr
    assert "fee schedule saved" in ok(db, "fees", "set", SCHEDULE)
    shown = json.loads(ok(db, "fees", "show"))
    assert (shown["labour"], shown["hourly_rate"], shown["rounding"]) == ("hourly", "120", "1")
    one_line_error(invoke(db, "fees", "set", '{"parts_margin": "15"}'), "fee_schedule parts_margin")
    one_line_error(invoke(db, "fees", "set", "not json"), "fee_schedule must be a JSON object")
    assert json.loads(ok(db, "fees", "show")) == shown


def test_close_proposes_item_by_item_and_an_override_needs_a_reason(db: str, people: Store, clock) -> None:
    ok(db, "fees", "set", SCHEDULE)
    people.parts.add_part(code="DB-40", name="drive belt")
    people.parts.receive_parts("DB-40", 3, "11.11")
    t = to_onsite(people, make(people))
    people.parts.use_parts(t.id, "DB-40", 3, location="store")
    clock.advance(minutes=61)
    t = people.tickets.resolve(t.id, t.version, **RECORD)
    proposed = ok(db, "fees", "propose", str(t.id)).splitlines()
    # 90 minutes at 120 = 180, call-out 50, 33.33 + 15 % = 38.33; 268.33 -> 268.
    assert [" ".join(line.split()) for line in proposed] == [
        "Labour billed 1h30m ¥180.00", "Call-out ¥50.00", "DB-40 drive belt 3 units ¥38.33", "Rounding -¥0.33",
        "Proposed fee: ¥268.00"], proposed
    one_line_error(invoke(db, "ticket", "close", str(t.id), "--signoff", "Mrs Zhao", "--fee", "250"),
                   "--reason: required: the fee differs from the proposed ¥268.00")
    out = ok(db, "ticket", "close", str(t.id), "--signoff", "Mrs Zhao", "--fee", "250", "--reason", "regular customer")
    assert out.splitlines()[0].startswith(f"Ticket #{t.id} closed.")
    assert "DB-40 drive belt" in out and "¥38.33" in out
    assert out.splitlines()[-1].strip() == "Proposed ¥268.00, charged ¥250.00 — regular customer"


def test_invoices_recorded_checked_and_listed(db: str, people: Store, clock) -> None:
    old = to_resolved(people, make(people))
    people.tickets.close(old.id, old.version, signoff="A", fee="120")
    clock.advance(days=8)
    new = to_resolved(people, make(people))
    people.tickets.close(new.id, new.version, signoff="B", fee="80")
    listed = json.loads(ok(db, "invoices", "list", "--unchecked", "--older", "7", "--format", "json"))
    assert [(r["ticket"], r["fee"], r["invoice_no"]) for r in listed] == [(old.id, "120.00", None)]
    one_line_error(invoke(db, "invoices", "check", str(old.id)), "no invoice number yet")
    one_line_error(invoke(db, "invoices", "record", str(old.id), " "), "INVOICE_NO: required")
    assert f"Invoice of ticket #{old.id} recorded." in ok(db, "invoices", "record", str(old.id), "INV-0042")
    assert f"Invoice of ticket #{old.id} checked." in ok(db, "invoices", "check", str(old.id))
    assert json.loads(ok(db, "invoices", "list", "--unchecked", "--older", "7", "--format", "json")) == []
    table = ok(db, "invoices", "list")
    assert "INV-0042" in table and "¥120.00" in table and "¥80.00" in table
    csv_out = ok(db, "invoices", "list", "--unchecked", "--format", "csv").splitlines()
    assert csv_out[0].startswith("ticket,site,closed_at,fee,invoice_no") and len(csv_out) == 2
    one_line_error(invoke(db, "invoices", "record", str(new.id), "X", "--version", "1"), "not 1")
