"""The console driven as a user would: keys through the Pilot, a real SQLite file."""

from __future__ import annotations

from console_helpers import app_for, burst, line_text, make_ticket, queue, queue_ids, settle, until
from textual.widgets import Input, OptionList, Static, TextArea

from console.screens.assign import AssignScreen
from console.screens.detail import DetailScreen
from console.screens.form import ActionForm
from console.screens.help import HelpScreen
from console.screens.new_ticket import NewTicketScreen
from console.widgets.picker import Picker
from store import Store


async def test_queue_order_cursor_and_detail(store: Store) -> None:
    low = make_ticket(store, priority=4, description="low")
    high = make_ticket(store, priority=1, description="high")
    app = app_for(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert queue_ids(app) == [high.id, low.id]
        await pilot.press("j")
        assert queue(app).cursor == 1
        await pilot.press("k", "G")
        assert queue(app).cursor == 1
        await pilot.press("g", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.ticket is not None and app.screen.ticket.id == high.id
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DetailScreen)


async def test_whole_workflow_from_keyboard(store: Store) -> None:
    t = make_ticket(store, priority=1)
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # assign: the picker lists on-duty technicians, skill match first
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AssignScreen)
        first = app.screen.candidates[0]
        assert first[1] is True  # skill match on top
        await pilot.press("enter")
        await settle(pilot)
        assert store.tickets.ticket(t.id).technician_id == first[0].id
        await until(pilot, lambda: queue(app).current is not None and queue(app).current.status == "assigned")
        # first response, arrival, hold, resume
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ActionForm)
        await pilot.press(*"called back", "enter")
        await settle(pilot)
        assert store.tickets.ticket(t.id).first_response_at is not None
        await until(pilot, lambda: queue(app).current.next_clock == "onsite")
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert store.tickets.ticket(t.id).status == "onsite"
        await until(pilot, lambda: queue(app).current.status == "onsite")
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert store.tickets.ticket(t.id).status == "waiting"
        await until(pilot, lambda: queue(app).current.status == "waiting")
        await pilot.press("u")
        await settle(pilot)
        assert store.tickets.ticket(t.id).status == "onsite"
        await until(pilot, lambda: queue(app).current.status == "onsite")
        # resolve: the repair record
        await pilot.press("v")
        await pilot.pause()
        for text in ("Card reader jammed", "Worn roller"):
            await pilot.press(*text, "tab")
        await pilot.press(*"Replaced roller", "tab", *"roller x1", "ctrl+s")
        await settle(pilot)
        done = store.tickets.ticket(t.id)
        assert (done.status, done.cause, done.parts) == ("resolved", "Worn roller", "roller x1")
        await until(pilot, lambda: queue(app).current.status == "resolved")
        # close with sign-off and a fee
        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*"Manager Liu", "tab", *"85.50", "ctrl+s")
        await settle(pilot)
        closed = store.tickets.ticket(t.id)
        assert closed.status == "closed" and str(closed.fee) == "85.5"
        actions = [e.action for e in store.tickets.timeline(t.id)]
        assert actions == ["ticket.create", "ticket.assign", "ticket.respond", "ticket.arrive",
                           "ticket.pause", "ticket.resume", "ticket.resolve", "ticket.close"]
        await until(pilot, lambda: t.id not in queue_ids(app))


async def test_cancel_needs_reason_and_error_keeps_input(store: Store) -> None:
    t = make_ticket(store)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("v")  # resolve before arrival: refused before any typing
        await pilot.pause()
        assert not isinstance(app.screen, ActionForm)
        assert "arrival" in next(iter(app._notifications)).message
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "required" in str(app.screen.query_one("#e-reason", Static).render())
        await pilot.press(*"duplicate report", "enter")
        await settle(pilot)
        assert store.tickets.ticket(t.id).status == "cancelled"


async def test_resolve_validation_shows_errors_beside_fields(store: Store) -> None:
    t = make_ticket(store)
    store.tickets.assign(t.id, 1, technician_id=1)
    store.tickets.arrive(t.id, 2)
    app = app_for(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await pilot.pause()
        await pilot.press(*"no cash dispensed", "ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionForm)
        assert str(form.query_one("#e-symptom", Static).render()) == ""
        for name in ("cause", "action", "parts"):
            assert "required" in str(form.query_one(f"#e-{name}", Static).render())
        assert form.query_one("#f-symptom", TextArea).text == "no cash dispensed"
        assert store.tickets.ticket(t.id).status == "onsite"


async def test_new_ticket_with_pickers_and_repeat_flag(store: Store, clock) -> None:
    old = make_ticket(store, equipment_id=3, site_id=2)
    store.tickets.assign(old.id, 1, technician_id=3)
    store.tickets.arrive(old.id, 2)
    store.tickets.resolve(old.id, 3, symptom="s", cause="c", action="a", parts="none")
    clock.advance(days=3)
    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewTicketScreen)
        await pilot.press(*"张伟", "tab", *"138 1234 5678", "tab", *"North")
        await settle(pilot)
        await pilot.press("enter")  # picks the highlighted site
        await settle(pilot)
        assert app.screen.query_one("#f-site_id", Picker).value == 2
        await pilot.press(*"ATM")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#f-equipment_id", Picker).value == 3
        assert f"#{old.id}" in str(app.screen.query_one("#repeat", Static).render())
        app.screen.query_one("#f-description", TextArea).text = "吞卡 again"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, NewTicketScreen)
        created = store.tickets.ticket(store.admin.max_ticket_id())
        assert (created.reporter, created.site_id, created.repeat_of) == ("张伟", 2, old.id)
        await until(pilot, lambda: created.id in queue_ids(app))


async def test_new_ticket_validation_keeps_what_was_typed(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Wang", "tab", *"not a phone!", "ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, NewTicketScreen)
        assert "digits" in str(screen.query_one("#e-phone", Static).render())
        assert "site" in str(screen.query_one("#e-site_id", Static).render())
        assert "required" in str(screen.query_one("#e-description", Static).render())
        assert screen.query_one("#f-reporter", Input).value == "Wang"
        assert screen.query_one("#f-phone", Input).value == "not a phone!"
        assert store.admin.max_ticket_id() == 0


async def test_change_in_another_process_appears_without_user_action(store: Store, db_path, clock) -> None:
    app = app_for(store)
    other = Store(db_path, actor="bob", clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert queue_ids(app) == []
        t = make_ticket(other, description="from bob's console")
        await until(pilot, lambda: queue_ids(app) == [t.id])
        other.tickets.assign(t.id, 1, technician_id=2)
        await until(pilot, lambda: queue(app).current.technician_name == "Zhang Min")
    other.close()


async def test_two_consoles_on_one_file(store: Store, db_path, clock) -> None:
    other_store = Store(db_path, actor="bob", clock=clock)
    first, second = app_for(store), app_for(other_store)
    t = make_ticket(store)
    async with first.run_test(size=(100, 30)) as p1, second.run_test(size=(100, 30)) as p2:
        await settle(p1)
        await settle(p2)
        await p2.press("a")
        await settle(p2)
        await p2.press("enter")
        await settle(p2)
        assert other_store.tickets.ticket(t.id).technician_id is not None
        await until(p1, lambda: queue(first).current is not None and queue(first).current.status == "assigned")
    other_store.close()


async def test_conflict_is_reported_and_nothing_is_lost(store: Store, db_path, clock) -> None:
    t = make_ticket(store)
    store.tickets.assign(t.id, 1, technician_id=1)
    app = app_for(store)
    other = Store(db_path, actor="bob", clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press(*"customer withdrew")
        other.tickets.respond(t.id, 2, note="bob called")  # bob gets there first
        await pilot.press("ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActionForm)
        message = str(form.query_one("#e-general", Static).render())
        assert "bob" in message and "changed" in message
        assert form.query_one("#f-reason", Input).value == "customer withdrew"
        assert store.tickets.ticket(t.id).status == "assigned"
        await pilot.press("ctrl+s")  # the form now holds bob's version: saving again works
        await settle(pilot)
        final = store.tickets.ticket(t.id)
        assert final.status == "cancelled" and final.first_response_at is not None
    other.close()


HOSTILE = "[@click=app.quit] [b]bold[/b] [link=http://x]x[/link] \x1b[2J\x1b]52;c;aGk=\x07 \x9b bell\x07 ["


async def test_hostile_text_is_shown_literally(store: Store) -> None:
    t = make_ticket(store, description=HOSTILE, reporter="[red]Eve[/red]")
    app = app_for(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        line = line_text(queue(app), 1)
        assert "[@click=app.quit]" in line and "\x1b" not in line and "\x9b" not in line
        await pilot.press("enter")
        await settle(pilot)
        fields = app.screen.query_one("#fields", Static).render()
        text = str(fields)
        assert "[@click=app.quit] [b]bold[/b] [link=http://x]x[/link]" in text
        assert "[red]Eve[/red]" in text
        assert "\x1b" not in text and "\x07" not in text
        svg = app.export_screenshot()
        assert "\x1b" not in svg
        # clicking the rendered text runs nothing: the app is still up
        await pilot.click("#fields")
        await pilot.pause()
        assert app.is_running
    assert store.tickets.ticket(t.id).description == HOSTILE  # stored untouched


async def test_search_filter_and_escape(store: Store) -> None:
    a = make_ticket(store, description="printer jam", equipment_id=2, category="printer")
    b = make_ticket(store, description="ATM offline")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert sorted(queue_ids(app)) == sorted([a.id, b.id])
        await pilot.press("slash", *"jam")
        await until(pilot, lambda: queue_ids(app) == [a.id])
        await pilot.press("enter", "escape")
        await until(pilot, lambda: sorted(queue_ids(app)) == sorted([a.id, b.id]))


async def test_cursor_stays_on_ticket_across_resort(store: Store, db_path, clock) -> None:
    t1 = make_ticket(store, priority=3)
    t2 = make_ticket(store, priority=3)
    app = app_for(store)
    other = Store(db_path, actor="bob", clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        assert queue(app).current.id == t2.id
        make_ticket(other, priority=1)  # sorts above both
        await until(pilot, lambda: len(queue_ids(app)) == 3)
        assert queue(app).current.id == t2.id and queue(app).cursor == 2
    other.close()
    assert t1


async def test_crossing_into_at_risk_notifies_once(store: Store, clock) -> None:
    t = make_ticket(store, priority=1)  # response window 15 min, at risk after 11m15s
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert not app._notifications
        clock.advance(minutes=12)
        await until(pilot, lambda: len(app._notifications) == 1)
        note = next(iter(app._notifications))
        assert f"#{t.id}" in note.message and "at risk" in note.message
        for _ in range(5):
            await pilot.pause()
        assert len(app._notifications) == 1
        assert line_text(queue(app), 1)[8] == "!"
        clock.advance(minutes=4)
        await until(pilot, lambda: len(app._notifications) == 2)
        assert line_text(queue(app), 1)[8] == "✗"


async def test_help_and_palette_list_actions(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Assign", "Resolve", "New", "Search", "Hold"):
            assert title in titles
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one(Static).render())
        assert "Assign" in text and "Go to ticket" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_assign_picker_ranks_skill_then_load(store: Store) -> None:
    busy = make_ticket(store, category="atm")
    store.tickets.assign(busy.id, 1, technician_id=1)  # Li Wei (atm) now has 1 open
    t = make_ticket(store, category="atm")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        while queue(app).current.id != t.id:
            await pilot.press("j")
        await pilot.press("a")
        await settle(pilot)
        names = [tech.name for tech, _skill in app.screen.candidates]
        assert names[:2] == ["Wang Fang", "Li Wei"]  # both atm; fewer open first
        assert "Chen Jie" not in names  # off duty
        assert app.screen.query_one(OptionList).option_count == len(names)


async def test_filter_screen_by_priority_and_unassigned(store: Store) -> None:
    p1 = make_ticket(store, priority=1)
    p3 = make_ticket(store, priority=3)
    taken = make_ticket(store, priority=1)
    store.tickets.assign(taken.id, 1, technician_id=1)
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("tab", "space")  # Priority list: tick P1
        await pilot.press("tab", "tab", "space")  # Unassigned only
        await pilot.press("ctrl+s")
        await until(pilot, lambda: queue_ids(app) == [p1.id])
        line = str(app.screen.query_one("#filterline", Static).render())
        assert "P1" in line and "unassigned" in line
        await pilot.press("escape")
        await until(pilot, lambda: sorted(queue_ids(app)) == sorted([p1.id, p3.id, taken.id]))


async def test_too_small_terminal_says_so(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        assert "need 80×24" in str(app.screen.query_one("#too-small", Static).render())
        assert app.screen.query_one("#too-small").display


async def test_detail_screen_is_live_and_ticks(store: Store, db_path, clock) -> None:
    t = make_ticket(store, priority=1)
    app = app_for(store)
    other = Store(db_path, actor="bob", clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        clocks = app.screen.query_one("#clocks", Static)
        assert "15m00s left" in str(clocks.render())
        clock.advance(seconds=30)
        await until(pilot, lambda: "14m30s left" in str(clocks.render()))
        other.tickets.assign(t.id, 1, technician_id=3)
        await until(pilot, lambda: "Wang Fang" in str(app.screen.query_one("#fields", Static).render()))
        assert "bob" in " ".join(str(s.render()) for s in app.screen.query("#timeline Static"))
    other.close()


async def test_new_urgent_ticket_shows_at_the_top(store: Store, db_path, clock) -> None:
    first = make_ticket(store, priority=3)
    app = app_for(store)
    other = Store(db_path, actor="bob", clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        urgent = make_ticket(other, priority=1)
        await until(pilot, lambda: queue_ids(app)[:1] == [urgent.id])
        assert queue(app).scroll_offset.y == 0
        assert queue(app).current.id == first.id  # the cursor stays on its ticket
        assert f"#{urgent.id}" in line_text(queue(app), 1)
    other.close()


async def test_help_lists_question_mark_once(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "question_mark")
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        text = str(app.screen.query_one(Static).render())
        assert sum(1 for line in text.splitlines() if line.startswith("? ")) == 1
