"""Fields have a maximum length (issue 22): the forms stop taking text where
the store would refuse it, say so, and a long paste or burst is handled in
time linear in its length (a 5,000-character burst took minutes; see
bench/paste_bench.py for the figures)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from console_helpers import app_for, burst, make_ticket, paste, settle, until
from textual.widgets import Input, Static, TextArea

from console.screens.new_ticket import NewTicketScreen
from store import Store
from store.errors import RuleViolation, ValidationFailed
from store.inputs import (
    AssignInput,
    CancelInput,
    CloseInput,
    HoldInput,
    NewTicket,
    ResolveInput,
    RespondInput,
    SiteInput,
    TechnicianInput,
)
from store.limits import (
    COMPLAINANT_MAX,
    EDIT_REASON_MAX,
    HOLIDAY_NAME_MAX,
    ITEM_TEXT_MAX,
    LOGIN_MAX,
    NOTE_MAX,
    USER_NAME_MAX,
    max_length,
)
from store.rules.calendar import holiday_name


def _ticket(store: Store, **kw: Any):  # type: ignore[no-untyped-def]
    return make_ticket(store, **kw)


def _onsite(store: Store):  # type: ignore[no-untyped-def]
    t = make_ticket(store)
    store.tickets.assign(t.id, t.version, technician_id=1)
    return store.tickets.arrive(t.id, t.version + 1)


# What each limit guards: a store call that takes a text of that many characters.
CASES: list[tuple[str, int, Callable[[Store, str], Any]]] = [
    ("reporter", max_length(NewTicket, "reporter"), lambda s, x: _ticket(s, reporter=x)),
    ("phone", max_length(NewTicket, "phone"), lambda s, x: _ticket(s, phone="+" + "1" * (len(x) - 1))),
    ("description", max_length(NewTicket, "description"), lambda s, x: _ticket(s, description=x)),
    ("cancel reason", max_length(CancelInput, "reason"), lambda s, x: s.tickets.cancel((t := _ticket(s)).id, t.version, reason=x)),
    ("first response note", max_length(RespondInput, "note"),
     lambda s, x: s.tickets.respond((t := _ticket(s)).id, t.version, note=x)),
    ("hold note", max_length(HoldInput, "note"),
     lambda s, x: s.tickets.hold((t := _ticket(s)).id, t.version, reason="parts", note=x)),
    ("parts", max_length(ResolveInput, "parts"),
     lambda s, x: s.tickets.resolve((t := _onsite(s)).id, t.version, symptom="s", cause="c", action="a", parts=x)),
    ("sign-off", max_length(CloseInput, "signoff"), lambda s, x: s.tickets.close(
        (t := s.tickets.resolve((o := _onsite(s)).id, o.version, symptom="s", cause="c", action="a", parts="none")).id,
        t.version, signoff=x)),
    ("reassign reason", max_length(AssignInput, "reason"),
     lambda s, x: s.tickets.assign((t := _ticket(s)).id, t.version, technician_id=1, reason=x)),
    ("priority reason", EDIT_REASON_MAX,
     lambda s, x: s.tickets.edit_ticket((t := _ticket(s, priority=2)).id, t.version, reason=x, priority=1)),
    ("work note", NOTE_MAX, lambda s, x: s.tickets.add_note(_ticket(s).id, x)),
    ("site name", max_length(SiteInput, "name"), lambda s, x: s.reference.add_site(code=f"C{len(x)}", name=x)),
    ("technician phone", max_length(TechnicianInput, "phone"),
     lambda s, x: s.people.add_technician("Sun Li", 1, phone="+" + "1" * (len(x) - 1))),
    ("login", LOGIN_MAX, lambda s, x: s.users.add_user(x, "Sun Li", "viewer")),
    ("user name", USER_NAME_MAX, lambda s, x: s.users.add_user(f"u{len(x)}", x, "viewer")),
    ("complainant", COMPLAINANT_MAX, lambda s, x: s.complaints.add_complaint(_ticket(s).id, x, "rude")),
    ("complaint matter", ITEM_TEXT_MAX, lambda s, x: s.complaints.add_complaint(_ticket(s).id, "Mr Zhou", x)),
    ("holiday name", HOLIDAY_NAME_MAX, lambda s, x: holiday_name(x)),
]


@pytest.mark.parametrize(("what", "limit", "call"), CASES, ids=[c[0] for c in CASES])
def test_each_form_limit_is_what_the_store_takes(store: Store, what: str, limit: int,
                                                 call: Callable[[Store, str], Any]) -> None:
    assert limit > 0
    call(store, "x" * limit)
    with pytest.raises((ValidationFailed, RuleViolation)):
        call(store, "y" * (limit + 1))


def error_line(app, name: str) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(f"#e-{name}", Static).render())


async def test_a_long_paste_stops_at_the_limit_and_says_so(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n")
        await paste(pilot, "Zhang Wei " * 500)
        reporter = app.screen.query_one("#f-reporter", Input)
        assert reporter.value == ("Zhang Wei " * 8)  # the first 80 characters, the rest not taken
        assert "at most 80 characters" in error_line(app, "reporter")
        await burst(pilot, *"more")  # full: nothing more goes in, and no bell
        assert len(reporter.value) == 80
        await burst(pilot, "backspace")  # an edit: the note goes, the field takes text again
        assert error_line(app, "reporter") == "" and len(reporter.value) == 79
        await burst(pilot, *"XY")
        assert reporter.value.endswith("X") and "at most 80" in error_line(app, "reporter")
        # A text box the same way: the description takes 4,000.
        app.screen.query_one("#f-description", TextArea).focus()
        await paste(pilot, "cash jam. " * 500)
        assert len(app.screen.query_one("#f-description", TextArea).text) == 4000
        assert "at most 4000 characters" in error_line(app, "description")


async def test_a_burst_of_5000_keys_is_taken_in_a_few_steps_and_the_next_key_lands(store: Store) -> None:
    """Linear, not deaf: the keys typed into one field are handed on as one
    run, so the console settles a handful of times, not once per key (each
    settle let the form lay itself out and repaint: minutes for 5,000)."""
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n")
        assert isinstance(app.screen, NewTicketScreen)
        settles = 0
        real = app._settle

        async def counted() -> None:
            nonlocal settles
            settles += 1
            await real()

        app._settle = counted  # type: ignore[method-assign]
        text = ("Zhang Wei " * 500)[:5000]
        await burst(pilot, *text, "tab", *"13800001111", "tab")
        assert settles <= 6, settles
        assert app.screen.query_one("#f-reporter", Input).value == text[:80]
        assert app.screen.query_one("#f-phone", Input).value == "13800001111"
        # A text box takes a run as one insertion: the same text, in order.
        app.screen.query_one("#f-description", TextArea).focus()
        await burst(pilot, *text)
        assert app.screen.query_one("#f-description", TextArea).text == text[:4000]


async def test_a_field_with_a_rule_per_character_still_takes_each_key(store: Store) -> None:
    """Digits only (the SLA policy): a run is still taken key by key, so the
    letters in it are dropped and the digits kept, as when typed slowly."""
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", "p")
        cell = app.screen.query_one("#f-p1_response", Input)
        await until(pilot, lambda: cell.value != "")
        await burst(pilot, "ctrl+u", *"1a2b3456789")
        assert cell.value == "123456"  # digits only, and at most 6 (a year of minutes)


async def test_a_run_into_a_field_stops_where_the_focus_moves(store: Store) -> None:
    """Enter and tab end a run: what follows goes where the focus is then."""
    t = make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, ":", *str(t.id), "enter", "escape", "x", *"dup", "tab", *"ab")
        assert app.screen.query_one("#f-reason", Input).value == "dup"
