"""Setting up a center from the console: the records screens, CSV import,
the SLA policy, duty on the board; then a ticket through its life."""

from __future__ import annotations

from pathlib import Path

from console_helpers import app_for, burst, queue, queue_ids, settle, until
from textual.widgets import Input, OptionList, Static

from console.screens.csv_import import ImportScreen
from console.screens.duty import DutyScreen
from console.screens.new_ticket import NewTicketScreen
from console.screens.policy import PolicyScreen
from console.screens.record_form import RecordForm
from console.screens.records import RecordsScreen
from console.screens.setup import SetupScreen
from console.widgets.board import TechBoard
from console.widgets.picker import Picker
from store import Store
from store.models import QueueFilter


def text_of(widget: Static) -> str:
    return str(widget.render())


def board_text(app) -> str:  # type: ignore[no-untyped-def]
    return text_of(app.screen.query_one(TechBoard))


async def open_table(pilot, key: str) -> RecordsScreen:  # type: ignore[no-untyped-def]
    """From the main screen: S, then the table's letter; the list is read."""
    await burst(pilot, "S", key)
    screen = pilot.app.screen
    assert isinstance(screen, RecordsScreen)
    await until(pilot, lambda: screen._version != -1)
    return screen


async def back_to_main(pilot) -> None:  # type: ignore[no-untyped-def]
    while isinstance(pilot.app.screen, RecordsScreen | SetupScreen):
        await burst(pilot, "escape")


async def test_fresh_center_set_up_from_console_then_a_ticket(tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    # A fresh file, as `dispatch init --timezone Asia/Shanghai --center East` leaves it.
    store = Store(tmp_path / "center.db", create=True, clock=clock, actor="ann")
    store.settings.set_setting("timezone", "Asia/Shanghai")
    store.settings.set_setting("center_name", "East District")
    sites_csv = tmp_path / "sites.csv"
    sites_csv.write_text("code,name,address,contact\nSB01,South Branch,2 Hill Street,\n"
                         "WB01,West Branch,3 Lake Road,Ms Zhou\n", encoding="utf-8")
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # --- a site, typed
        sites = await open_table(pilot, "s")
        await burst(pilot, "n")
        assert isinstance(app.screen, RecordForm)
        await burst(pilot, *"NB01", "tab", *"North Branch", "tab", *"1 River Road", "tab", *"Mr Li", "enter")
        assert not isinstance(app.screen, RecordForm)
        assert [(s.code, s.name, s.contact) for s in store.reference.sites()] == [("NB01", "North Branch", "Mr Li")]
        await until(pilot, lambda: [r.code for r in sites.records] == ["NB01"])
        # --- two more from a CSV file, in a worker with a progress bar
        await burst(pilot, "i")
        assert isinstance(app.screen, ImportScreen)
        await burst(pilot, *str(sites_csv), "enter")
        await until(pilot, lambda: not app.screen.busy and "added" in text_of(app.screen.query_one("#report", Static)))
        assert sorted(s.code for s in store.reference.sites()) == ["NB01", "SB01", "WB01"]
        await burst(pilot, "escape")
        await until(pilot, lambda: len(sites.records) == 3)
        await burst(pilot, "escape")
        assert isinstance(app.screen, SetupScreen)
        # --- equipment at North Branch
        await burst(pilot, "escape")
        equipment = await open_table(pilot, "e")
        await burst(pilot, "n", *"NB01-ATM-1", "tab", *"North")
        await until(pilot, lambda: app.screen.query_one("#f-site_id", Picker).has_class("open"))
        await burst(pilot, "enter")  # picks North Branch; the category (ATM) is next
        await burst(pilot, "tab", *"Hyosung", "tab", *"2024-01-10", "ctrl+s")
        assert not isinstance(app.screen, RecordForm)
        [atm] = store.reference.equipment()
        assert (atm.asset_tag, atm.site_id, atm.category, atm.model, str(atm.installed)) == (
            "NB01-ATM-1", store.reference.sites("NB01")[0].id, "atm", "Hyosung", "2024-01-10")
        await until(pilot, lambda: len(equipment.records) == 1)
        await back_to_main(pilot)
        # --- a team and two technicians
        await open_table(pilot, "t")
        await burst(pilot, "n", *"North Team", "ctrl+s")
        [team] = store.people.teams()
        await back_to_main(pilot)
        techs = await open_table(pilot, "c")
        await burst(pilot, "n", *"Li Wei", "tab", "tab", *"138 0000 0001", "tab", *"atm, cash", "ctrl+s")
        await burst(pilot, "n", *"Zhang Min", "tab", "tab", *"138 0000 0002", "tab", *"printer", "ctrl+s")
        assert [(t.name, t.team_id, t.skills, t.on_duty) for t in store.people.technicians()] == [
            ("Li Wei", team.id, ("atm", "cash"), True), ("Zhang Min", team.id, ("printer",), True)]
        await until(pilot, lambda: len(techs.records) == 2)
        await back_to_main(pilot)
        await until(pilot, lambda: "Li Wei" in board_text(app) and "Zhang Min" in board_text(app))
        # --- Li Wei goes off duty from the board: the board shows it at once
        await burst(pilot, "d", "enter")  # a burst: the list is there at once
        assert isinstance(app.screen, DutyScreen)
        await until(pilot, lambda: not store.people.technicians()[0].on_duty)
        await burst(pilot, "escape")
        await until(pilot, lambda: "Li Wei" not in board_text(app) and "1 off duty" in board_text(app))
        # --- a dispatcher's ticket: create, assign, resolve
        await burst(pilot, "n")
        assert isinstance(app.screen, NewTicketScreen)
        await burst(pilot, *"Wang", "tab", *"138 1234 5678", "tab", *"North")
        await until(pilot, lambda: app.screen.query_one("#f-site_id", Picker).has_class("open"))
        await burst(pilot, "enter", *"ATM")
        await until(pilot, lambda: app.screen.query_one("#f-equipment_id", Picker).has_class("open"))
        await burst(pilot, "enter", "tab", "tab", *"Card stuck", "ctrl+s")
        assert not isinstance(app.screen, NewTicketScreen)
        ticket = store.tickets.ticket(store.admin.max_ticket_id())
        assert (ticket.site_id, ticket.equipment_id, ticket.category) == (atm.site_id, atm.id, "atm")
        await until(pilot, lambda: queue_ids(app) == [ticket.id])
        await burst(pilot, "a")
        await settle(pilot)
        await burst(pilot, "enter")  # the only one on duty: Zhang Min
        assert store.tickets.ticket(ticket.id).technician_name == "Zhang Min"
        await until(pilot, lambda: queue(app).current is not None and queue(app).current.status == "assigned")
        await burst(pilot, "o", "ctrl+s")
        await until(pilot, lambda: queue(app).current.status == "onsite")
        await burst(pilot, "v", *"Card stuck", "tab", *"Worn roller", "tab", *"Replaced roller", "tab",
                    *"roller x1", "ctrl+s")
        assert store.tickets.ticket(ticket.id).status == "resolved"
        # every change to the reference data is in the audit log
        actions = [r["action"] for r in store.db.q("SELECT action FROM events WHERE ticket_id IS NULL")]
        for action in ("site.add", "equipment.add", "team.add", "technician.add", "technician.duty"):
            assert action in actions
    store.close()


async def test_retired_records_leave_the_pickers_and_come_back(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sites = await open_table(pilot, "s")
        assert [r.code for r in sites.records] == ["HQ", "NB"]
        await burst(pilot, "d")  # the cursor is on HQ: the question names it
        assert "HQ Head Office" in text_of(app.screen.query_one(".title", Static))
        await burst(pilot, "y")
        assert store.reference.site(1).retired
        await until(pilot, lambda: [r.code for r in sites.records] == ["NB"])
        await back_to_main(pilot)
        await burst(pilot, "n", "tab", "tab", *"Head")
        picker = app.screen.query_one("#f-site_id", Picker)
        await until(pilot, lambda: picker.input.value == "Head")
        await settle(pilot)
        assert app.screen.query_one("#f-site_id OptionList", OptionList).option_count == 0
        await burst(pilot, "escape", "d")  # something was typed: asked first, then discarded
        # shown again with 't', restored with 'd'
        sites = await open_table(pilot, "s")
        await burst(pilot, "t")
        await until(pilot, lambda: [r.code for r in sites.records] == ["HQ", "NB"])
        await burst(pilot, "k", "d")  # the cursor stayed on NB: up to HQ
        assert "Restore site HQ" in text_of(app.screen.query_one(".title", Static))
        await burst(pilot, "y")
        assert not store.reference.site(1).retired
        assert [s.code for s in store.reference.sites()] == ["HQ", "NB"]


async def test_a_refused_record_keeps_what_was_typed(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        sites = await open_table(pilot, "s")
        await burst(pilot, "n", *"HQ", "tab", *"Second Office", "tab", *"[b]Elm[/b] Street", "ctrl+s")
        form = app.screen
        assert isinstance(form, RecordForm)
        assert "Head Office" in text_of(form.query_one("#e-code", Static))  # whose code it already is
        assert (form.query_one("#f-name", Input).value, form.query_one("#f-address", Input).value) == (
            "Second Office", "[b]Elm[/b] Street")
        await burst(pilot, "shift+tab", "shift+tab", "ctrl+u", *"HQ2", "ctrl+s")
        assert not isinstance(app.screen, RecordForm)
        await until(pilot, lambda: len(sites.records) == 3)
        # the address is shown as typed, not as markup
        row = sites.table.get_row_at(sites.table.cursor_row)
        assert str(row[2]) == "[b]Elm[/b] Street"
        # an edit sends only what changed
        await burst(pilot, "e", "tab", "ctrl+u", *"Second HQ", "enter")
        assert store.reference.sites("HQ2")[0].name == "Second HQ"


async def test_sla_policy_screen_checks_the_order_and_recomputes(store: Store) -> None:
    from console_helpers import make_ticket

    ticket = make_ticket(store, priority=1)
    before = store.queue.find(QueueFilter(), 0, 5)[0]
    assert (before.id, before.next_clock) == (ticket.id, "response")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", "p")
        screen = app.screen
        assert isinstance(screen, PolicyScreen)
        await until(pilot, lambda: bool(screen.current))
        old = store.settings.policy()[1]
        await burst(pilot, "ctrl+u", *str(old.onsite_min + 1), "ctrl+s")  # response after on site: refused
        assert "response ≤ on site" in text_of(screen.query_one("#e-p1", Static))
        assert store.settings.policy()[1] == old
        await burst(pilot, "ctrl+u", *str(old.response_min * 2), "ctrl+s")
        assert not isinstance(app.screen, PolicyScreen)
        assert store.settings.policy()[1].response_min == old.response_min * 2
        after = store.queue.find(QueueFilter(), 0, 5)[0]
        assert after.due_at == before.due_at.add(minutes=old.response_min)  # open tickets follow the new window


async def test_csv_import_with_a_bad_row_imports_nothing_and_export_writes_back(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "equipment.csv"
    bad.write_text("asset_tag,category,model,site_code\nNB-UPS-A,ups,APC,NB\nXX-1,atm,Hyosung,NOPE\n",
                   encoding="utf-8")
    out = tmp_path / "sites-out.csv"
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_table(pilot, "e")
        await burst(pilot, "i", *str(bad), "enter")
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        await until(pilot, lambda: not screen.busy and "Nothing imported" in text_of(screen.query_one("#report", Static)))
        report = text_of(screen.query_one("#report", Static))
        assert "line 3, site_code" in report and "NOPE" in report
        assert store.reference.equipment_by_tag("NB-UPS-A") is None  # the good row was not saved either
        await burst(pilot, "escape", "d")  # the path typed: asked first (a draft could keep it)
        await back_to_main(pilot)
        assert (await open_table(pilot, "s")).spec.table == "sites"
        await burst(pilot, "E", "ctrl+u", *str(out), "enter")
        await until(pilot, lambda: "2 rows written" in text_of(app.screen.query_one("#report", Static)))
    assert out.read_text(encoding="utf-8-sig").splitlines()[1:] == ["HQ,Head Office,Main Street,", "NB,North Branch,River Road,"]
