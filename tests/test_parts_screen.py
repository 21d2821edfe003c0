"""The console's spare parts (issue 25): the parts screen ('P'), sorted by
urgency, a part's stock per location and its lots; receive / move / count
from forms (a refusal said in the form, what was typed kept), keys by role;
the header's low-stock mark in words; the store keeper told through the
outbox once each time a part falls below its minimum."""

from __future__ import annotations

import json

from conftest import MutableClock
from console_helpers import app_for, burst, paste, settle, until
from ticket_helpers import make, to_onsite

from console.screens.form import ActionForm
from console.screens.parts import PartsScreen
from console.widgets.status import StatusBar
from store import Store
from store.rules.notices import from_json, render

HOOK = "json://127.0.0.1:9/hook"


def stocked(store: Store, clock: MutableClock) -> Store:
    """Three parts as ann: belts low (2 of 4, in a van), fuses at their
    minimum, rollers plenty (in the store, two lots)."""
    store.actor = "ann"
    store.parts.add_part(code="DB-40", name="drive belt", unit="pcs", min_stock=4, unit_cost="11")
    store.parts.add_part(code="FU-10", name="fuse 10A", unit="pcs", min_stock=5, unit_cost="0.8")
    store.parts.add_part(code="RL-7", name="pick roller", unit="pcs", min_stock=2, unit_cost="30")
    store.parts.receive_parts("DB-40", 2, "10.50")
    store.parts.move_parts("DB-40", 2, "store", "van:1")
    store.parts.receive_parts("FU-10", 5, "0.80")
    store.parts.receive_parts("RL-7", 3, "28")
    clock.advance(days=2)
    store.parts.receive_parts("RL-7", 4, "31.50")
    return store


def bar_text(app) -> str:  # type: ignore[no-untyped-def]
    bar = app.screen.query_one(StatusBar)
    return "".join(str(p.text) for p in bar.query("Part")) + str(bar.query_one("#info").render())


async def test_parts_screen_urgency_lots_and_receive(people: Store, clock: MutableClock) -> None:
    stocked(people, clock)
    app = app_for(people)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: "⚠ 1 part low" in bar_text(app) or "⚠ 1 low" in bar_text(app))
        await burst(pilot, "P")
        screen = app.screen
        assert isinstance(screen, PartsScreen)
        await until(pilot, lambda: len(screen.shown) == 3)
        assert [p.code for p in screen.shown] == ["DB-40", "FU-10", "RL-7"]  # the low one first
        detail = lambda: str(screen.query_one("#part-detail").render())  # noqa: E731
        await until(pilot, lambda: "van of" in detail())
        assert "2 pcs in stock, minimum 4" in detail()
        await burst(pilot, "G")
        await until(pilot, lambda: "center store: 7" in detail())
        assert detail().index("28.00") < detail().index("31.50")  # oldest first
        # Receive 5 belts: the form, a bad cost refused in the form, then saved.
        await burst(pilot, "g", "r")
        await until(pilot, lambda: isinstance(app.screen, ActionForm))
        form = app.screen
        await paste(pilot, "5")
        await burst(pilot, "tab", "end", "ctrl+u")
        await paste(pilot, "ten")
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: str(form.query_one("#e-unit_cost").render()).strip() != "")
        assert form.query_one("#f-quantity").value == "5"  # kept
        assert people.db.value("SELECT COUNT(*) FROM stock_moves WHERE part_id = 1 AND kind = 'receipt'") == 1
        await burst(pilot, "end", "ctrl+u")
        await paste(pilot, "12")
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: people.parts.part("DB-40").on_hand == 7)
        await until(pilot, lambda: [p.code for p in screen.shown][-1] == "DB-40" or not screen.shown[0].low)
        await pilot.press("escape")
        await until(pilot, lambda: "low" not in bar_text(app))


async def test_a_move_short_of_stock_is_refused_in_the_form(people: Store, clock: MutableClock) -> None:
    stocked(people, clock)
    people.actor = "bob"  # a dispatcher: moves, but may not receive or count
    app = app_for(people)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "P")
        screen = app.screen
        assert isinstance(screen, PartsScreen)
        await until(pilot, lambda: len(screen.shown) == 3)
        await until(pilot, lambda: app.permits.known("stock.receive"))
        await burst(pilot, "r")
        await until(pilot, lambda: any("receive spare parts" in n.message for n in app._notifications))
        assert app.screen is screen
        await burst(pilot, "m")  # belts: 0 in the store
        await until(pilot, lambda: isinstance(app.screen, ActionForm))
        form = app.screen
        await paste(pilot, "3")
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: "3 missing" in str(form.query_one("#e-quantity").render()))
        assert form.query_one("#f-quantity").value == "3"
        assert people.db.value("SELECT COUNT(*) FROM stock_moves WHERE kind = 'move'") == 1  # stocked()'s only


def test_the_store_keeper_is_told_once_when_a_part_falls_below(people: Store, clock: MutableClock) -> None:
    people.outbox.set_user_addresses("ann", [HOOK])
    people.actor = "ann"
    people.parts.add_part(code="FU-10", name="fuse 10A", unit="pcs", min_stock=5, unit_cost="0.8")
    people.parts.receive_parts("FU-10", 7, "0.80")
    t = make(people)
    t = people.tickets.assign(t.id, t.version, technician_id=1)
    queued = people.db.value("SELECT COUNT(*) FROM outbox")
    people.parts.use_parts(t.id, "FU-10", 2, location="store")  # 5 left: at the minimum, not below
    assert people.db.value("SELECT COUNT(*) FROM outbox") == queued
    people.parts.use_parts(t.id, "FU-10", 1, location="store")  # 4: below
    rows = people.db.q("SELECT recipient, notice, ticket_id FROM outbox ORDER BY id")[queued:]
    assert [(r["recipient"], r["ticket_id"]) for r in rows] == [("user:ann", t.id)]
    msg = render(from_json(rows[0]["notice"]), 9, "en")
    assert msg.title == "Low stock: FU-10 4 of minimum 5"
    assert "fuse 10A" in msg.text and f"#{t.id}" in msg.text
    people.parts.use_parts(t.id, "FU-10", 1, location="store")  # still low: not again
    assert people.db.value("SELECT COUNT(*) FROM outbox") == queued + 1
    people.parts.receive_parts("FU-10", 10, "0.80")
    people.parts.count_parts("FU-10", "store", 3, reason="water damage")  # below again, by a count
    assert people.db.value("SELECT COUNT(*) FROM outbox") == queued + 2
    # A named store keeper alone, while an active manager; the message in Chinese for a Chinese user.
    people.users.add_user("mgr2", "Mei", "manager")
    people.outbox.set_user_addresses("mgr2", [HOOK])
    people.settings.set_setting("store_keeper", "mgr2")
    people.parts.receive_parts("FU-10", 10, "0.80")
    people.parts.use_parts(t.id, "FU-10", 9, location="store")
    last = people.db.q("SELECT recipient FROM outbox ORDER BY id DESC LIMIT 1")[0][0]
    assert last == "user:mgr2" and people.db.value("SELECT COUNT(*) FROM outbox") == queued + 3
    report = people.audit.verify_audit()
    assert report.ok, report.problems[:3]
    assert json.loads(people.db.q("SELECT new FROM events WHERE action = 'stock.use' ORDER BY id DESC")[0][0])["outbox"]


def _error(form, name: str) -> str:  # type: ignore[no-untyped-def]
    return str(form.query_one(f"#e-{name}").render())


async def test_resolve_with_picked_parts_is_one_write(people: Store, clock: MutableClock) -> None:
    """The resolve form's picked parts, by keys sent as bursts at 80×24: a
    part found by typing in 'Add a part', its quantity typed in the list; a
    shortage refuses the resolve too, said under the list naming the van
    (the ticket stays as it was, the form keeps what was typed); a charge
    against the warranty needs its reason; once all fits the resolve and
    both uses are saved in one write."""
    stocked(people, clock)  # van of technician 1: 2 drive belts; the store: 5 fuses
    t = to_onsite(people, make(people))
    app = app_for(people)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "v")
        await until(pilot, lambda: isinstance(app.screen, ActionForm))
        form = app.screen
        await until(pilot, lambda: bool(form.query("#f-used")))
        await burst(pilot, "tab")
        await paste(pilot, "worn belt")
        await burst(pilot, "tab")
        await paste(pilot, "replaced it")
        await burst(pilot, "tab", "n", "o", "n", "e")
        # Tab into the picker, type, enter: in one burst. The belt is taken from the van.
        # In the list the last part added is highlighted: up to the belts, 3 of them.
        await burst(pilot, "tab", "b", "e", "l", "t", "enter", "f", "u", "s", "e", "enter", "tab", "up", "3", "ctrl+s")
        await until(pilot, lambda: "1 missing" in _error(form, "used"))
        assert "van of Li Wei" in _error(form, "used") and "line 1" in _error(form, "used")
        lines = form.query_one("#f-used").lines
        assert [(x.code, x.quantity, x.location, x.charge) for x in lines] == [
            ("DB-40", 3, "van:1", "charged"), ("FU-10", 1, "store", "charged")]
        assert form.query_one("#f-cause").text == "worn belt" and form.query_one("#f-parts").value == "none"
        assert people.tickets.ticket(t.id).status == "onsite"
        assert people.parts.ticket_parts(t.id) == []
        # Two belts, under warranty though the equipment has none: refused until a reason is given.
        await burst(pilot, "minus", "w", "ctrl+s")
        await until(pilot, lambda: "say why" in _error(form, "used"))
        assert people.tickets.ticket(t.id).status == "onsite"
        await burst(pilot, "tab")
        await paste(pilot, "goodwill")
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: people.tickets.ticket(t.id).status == "resolved")
        await until(pilot, lambda: app.screen is not form)
    used = people.parts.ticket_parts(t.id)
    assert [(u["code"], u["quantity"], u["charge"], u["reason"]) for u in used] == [
        ("DB-40", 2, "warranty", "goodwill"), ("FU-10", 1, "charged", "")]
    actions = [r[0] for r in people.db.q("SELECT action FROM events WHERE ticket_id = ? ORDER BY id DESC LIMIT 3",
                                         (t.id,))]
    assert actions == ["stock.use", "stock.use", "ticket.resolve"]
    assert people.parts.part("FU-10").on_hand == 4  # from the store
    report = people.audit.verify_audit()
    assert report.ok, report.problems[:3]


def test_the_picker_lists_parts_in_stock_first(people: Store, clock: MutableClock) -> None:
    """What the picker shows: parts matching the code or the name, those in
    stock at the technician's van or the store first, their stock beside;
    the warranty decides the default charge."""
    stocked(people, clock)
    people.parts.add_part(code="AA-1", name="belt clip", unit="pcs", min_stock=0, unit_cost="1")
    t = to_onsite(people, make(people))
    context = people.parts.pick_context(t.id)
    assert (context.van, context.charge) == ("van:1", "charged")
    found = people.parts.pick_options("belt", 1)
    assert [(o.code, o.at_van, o.at_store) for o in found] == [("DB-40", 2, 0), ("AA-1", 0, 0)]
    assert found[0].label(True) == "DB-40 drive belt · van 2 · store 0"
    # No technician: the belts in the van are not where the ticket's parts come from.
    assert [o.code for o in people.parts.pick_options("", None)] == ["FU-10", "RL-7", "AA-1", "DB-40"]
    assert found[0].source("van:1") == "van:1" and people.parts.pick_options("fuse", 1)[0].source("van:1") == "store"
    people.reference.edit_equipment(people.tickets.ticket(t.id).equipment_id, warranty_until="2099-12-31")
    assert people.parts.pick_context(t.id).charge == "warranty"


async def test_picked_parts_come_back_with_the_draft(people: Store, clock: MutableClock) -> None:
    """Closing the resolve form with "keep draft" keeps the picked lines
    too (quantity, charge, place), and they come back when it opens again."""
    stocked(people, clock)
    to_onsite(people, make(people))
    app = app_for(people)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "v")
        await until(pilot, lambda: bool(app.screen.query("#f-used")))
        await burst(pilot, "tab", "tab", "tab", "tab", "r", "o", "l", "l", "enter", "tab", "4", "w", "l")
        form = app.screen
        await until(pilot, lambda: [(x.code, x.quantity, x.charge, x.location) for x in form.query_one("#f-used").lines]
                    == [("RL-7", 4, "warranty", "van:1")])
        await burst(pilot, "escape", "k")
        await until(pilot, lambda: app.screen is not form and not isinstance(app.screen, ActionForm))
        await burst(pilot, "v")
        await until(pilot, lambda: isinstance(app.screen, ActionForm) and app.screen is not form)
        again = app.screen
        await until(pilot, lambda: [(x.code, x.quantity, x.charge, x.location) for x in again.query_one("#f-used").lines]
                    == [("RL-7", 4, "warranty", "van:1")])
