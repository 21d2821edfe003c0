"""Hostile text typed into every console form is stored exactly and shown
literally: no markup runs, no link is made, no escape, bidi control or
zero-width character reaches the terminal (tests/hostile.py)."""

from __future__ import annotations

import re

import pytest
from console_helpers import app_for, burst, make_ticket, settle, until
from hostile import HOSTILE, forbidden
from textual.widgets import Input, OptionList, TextArea

from console.screens.assign import AssignScreen
from console.screens.detail import DetailScreen
from console.screens.main import MainScreen
from store import Store

SGR_OR_MOVE = re.compile(r"\x1b\[[0-9;:]*m|\x1b\[\d+;\d+H")
# Groups of corpus entries, each short enough for the tightest field (80).
CHUNKS = [" ".join(v for v in HOSTILE.values() if len(v) < 80)[i:i + 78] for i in range(0, 400, 78)]
# Fields keep what is inside them; surrounding spaces are trimmed by design.
CHUNKS = [c.strip() for c in CHUNKS if c.strip()]


def screen_problems(app) -> list[str]:  # type: ignore[no-untyped-def]
    """What the screen would send to the terminal that it must not: forbidden
    characters in any cell, a hyperlink, a click action from the text, an
    escape sequence other than the colours and cursor moves Textual writes."""
    update = app.screen._compositor.render_update(full=True)
    segments = [seg for line in update.strips for strip in line for seg in strip]
    problems = forbidden("".join(seg.text for seg in segments))
    problems += [f"link/click on {seg.text!r}" for seg in segments
                 if seg.style is not None and (seg.style.link or "@click" in str(seg.style.meta or ""))]
    raw = SGR_OR_MOVE.sub("", update.render_segments(app.console))
    problems += [f"raw {m!r}" for m in re.findall("\x1b.{0,6}", raw)]
    return problems


def put(app, field: str, text: str) -> str:  # type: ignore[no-untyped-def]
    """Fill a field; returns what it holds (a TextArea splits lines at \r,
    \v and \f as str.splitlines does: its editing, before any saving)."""
    widget = app.screen.query_one(f"#f-{field}")
    if isinstance(widget, TextArea):
        widget.text = text
        return widget.text
    assert isinstance(widget, Input)
    widget.value = text
    return widget.value


async def save(pilot, done) -> None:  # type: ignore[no-untyped-def]
    await burst(pilot, "ctrl+s")
    await until(pilot, done)
    assert not screen_problems(pilot.app), screen_problems(pilot.app)


@pytest.mark.parametrize("hostile", CHUNKS, ids=[f"chunk{i}" for i in range(len(CHUNKS))])
async def test_every_ticket_form_stores_exactly_and_shows_literally(store: Store, hostile: str) -> None:
    t = make_ticket(store, reporter="Wang")
    store.tickets.assign(t.id, t.version, technician_id=1)
    other = make_ticket(store, reporter="Li", priority=1)
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        main = app.screen
        # New ticket: reporter and description.
        await burst(pilot, "n", *"Zhao", "tab", *"138 0000 1111", "tab", *"North")
        await burst(pilot, "enter")
        put(app, "reporter", hostile)
        described = put(app, "description", hostile + "\n" + hostile)
        await save(pilot, lambda: app.screen is main and store.admin.max_ticket_id() > other.id)
        new = store.tickets.ticket(store.admin.max_ticket_id())
        assert new.reporter == hostile and new.description == described
        # The rest on ticket t (cursor to it: the P1 first, then t).
        await until(pilot, lambda: main.query_one("QueueTable").rows != [])
        table = main.query_one("QueueTable")
        table.cursor = [r.id for r in table.rows].index(t.id)
        await settle(pilot)
        await burst(pilot, "a")  # a reassign (t is Li Wei's): the reason is asked
        await until(pilot, lambda: isinstance(app.screen, AssignScreen) and bool(app.screen.candidates))
        app.screen.query_one(OptionList).highlighted = [c.id for c, _s in app.screen.candidates].index(2)
        put(app, "reason", hostile)
        await save(pilot, lambda: store.tickets.ticket(t.id).technician_id == 2)
        await burst(pilot, "r")
        put(app, "note", hostile)
        await save(pilot, lambda: store.tickets.ticket(t.id).first_response_at is not None)
        await burst(pilot, "m")
        noted = put(app, "text", hostile)
        await save(pilot, lambda: any(noted in (e.new.get("note"), e.new.get("text"))
                                      for e in store.tickets.timeline(t.id) if e.action.endswith("note")))
        await burst(pilot, "o", "ctrl+s")
        await until(pilot, lambda: store.tickets.ticket(t.id).status == "onsite")
        await burst(pilot, "w")
        put(app, "note", hostile)
        await save(pilot, lambda: store.tickets.ticket(t.id).status == "waiting")
        await burst(pilot, "u", "ctrl+s")
        await until(pilot, lambda: store.tickets.ticket(t.id).status == "onsite")
        await burst(pilot, "v")
        held = [put(app, f, hostile) for f in ("symptom", "cause", "action", "parts")]
        await save(pilot, lambda: store.tickets.ticket(t.id).status == "resolved")
        await burst(pilot, "c")
        put(app, "signoff", hostile)
        await save(pilot, lambda: store.tickets.ticket(t.id).status == "closed")
        # Cancel the other with a hostile reason.
        table.cursor = [r.id for r in table.rows].index(other.id)
        await settle(pilot)
        await burst(pilot, "x")
        put(app, "reason", hostile)
        await save(pilot, lambda: store.tickets.ticket(other.id).status == "cancelled")
        done = store.tickets.ticket(t.id)
        assert [done.symptom, done.cause, done.action, done.parts] == held and done.signoff == hostile
        assert store.tickets.ticket(other.id).cancel_reason == hostile
        notes = [e.new for e in store.tickets.timeline(t.id)]
        assert sum(hostile in map(str, n.values()) for n in notes) >= 3  # reason, respond, hold (and the note)
        # Shown literally: the detail screens of both tickets.
        for tid in (t.id, new.id):
            await burst(pilot, ":", *str(tid), "enter")
            await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.ticket is not None)
            await settle(pilot)
            assert not screen_problems(app), screen_problems(app)
            await burst(pilot, "escape")
            await until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert app.is_running  # [@click=app.quit] did not run
