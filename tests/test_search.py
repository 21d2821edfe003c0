"""History search through the trigram index (migration 0005_search)."""

from __future__ import annotations

from console_helpers import make_ticket

from store import Store
from store.models import QueueFilter
from store.repo.search import text_condition


def ids(tickets) -> list[int]:
    return [t.id for t in tickets]


def test_cjk_substring_is_found(store: Store) -> None:
    a = make_ticket(store, description="营业厅自助取款机吞卡，客户很着急")
    make_ticket(store, description="打印机卡纸")
    assert ids(store.search.find("取款机吞")) == [a.id]
    assert ids(store.search.find("机吞卡")) == [a.id]


def test_phone_digits_with_any_spacing(store: Store) -> None:
    a = make_ticket(store, phone="138-1234 5678")
    make_ticket(store, phone="139 0000 0000")
    for q in ("13812345678", "138 1234 5678", "138-1234-5678", "(138) 12345678", "2345"):
        assert ids(store.search.find(q)) == [a.id], q


def test_asset_tag_site_and_reporter(store: Store) -> None:
    a = make_ticket(store, site_id=2, equipment_id=4, reporter="Zhou Xun", description="switch down")
    b = make_ticket(store, site_id=1, equipment_id=2, description="jam")
    assert ids(store.search.find("NB-NET")) == [a.id]
    assert ids(store.search.find("net-a")) == [a.id]  # case does not matter
    assert ids(store.search.find("North Bra")) == [a.id]
    assert ids(store.search.find("Zhou")) == [a.id]
    assert ids(store.search.find("Head Office")) == [b.id]


def test_hash_number_is_that_ticket_only(store: Store) -> None:
    first = make_ticket(store)
    for _ in range(11):
        make_ticket(store)
    twelfth = make_ticket(store, description="error code 12 on screen", phone="138 1212 1200")
    assert twelfth.id == 13
    assert ids(store.search.find("#1")) == [first.id]
    assert ids(store.search.find(f"#{twelfth.id}")) == [twelfth.id]
    assert ids(store.search.find("#12")) == [12]  # not the ticket whose text holds "12"
    # The queue's '/' too: '#12' is ticket 12, not every text with 12 in it.
    assert [r.id for r in store.queue.find(QueueFilter(text="#12"))] == [12]
    assert store.queue.queue_count(QueueFilter(text="#1")) == 1


def test_closed_and_cancelled_tickets_are_found(store: Store) -> None:
    t = make_ticket(store, description="cash dispenser shutter stuck")
    store.tickets.assign(t.id, 1, technician_id=1)
    store.tickets.arrive(t.id, 2)
    store.tickets.resolve(t.id, 3, symptom="s", cause="c", action="a", parts="none")
    store.tickets.close(t.id, 4, signoff="Wang")
    c = make_ticket(store, description="shutter noise")
    store.tickets.cancel(c.id, 1, reason="duplicate")
    assert ids(store.search.find("shutter")) == [c.id, t.id]  # newest first
    assert store.queue.queue_count(QueueFilter(text="shutter")) == 0  # the live queue: open ones only


def test_triggers_keep_the_index_in_step_with_edits(store: Store) -> None:
    t = make_ticket(store, description="UPS beeping", reporter="Old Name", phone="13700001111")
    t = store.tickets.edit_ticket(t.id, t.version, description="UPS battery swollen", reporter="New Name",
                          phone="136 5555 6666", site_id=2, equipment_id=3)
    assert store.search.find("beeping") == []
    assert store.search.find("Old Name") == []
    assert store.search.find("13700001111") == []
    assert store.search.find("HQ-ATM") == []
    assert ids(store.search.find("swollen")) == [t.id]
    assert ids(store.search.find("New Name")) == [t.id]
    assert ids(store.search.find("13655556666")) == [t.id]
    assert ids(store.search.find("NB-ATM")) == [t.id]
    assert ids(store.search.find("North")) == [t.id]
    # Lifecycle steps do not touch the text; the index follows open -> closed.
    store.tickets.cancel(t.id, t.version, reason="duplicate")
    assert ids(store.search.find("swollen")) == [t.id]
    assert store.queue.queue_count(QueueFilter(text="swollen")) == 0
    # The index agrees with the tickets row for row.
    rows = store.db.q("SELECT COUNT(*) FROM ticket_search")[0][0]
    assert rows == store.db.q("SELECT COUNT(*) FROM tickets")[0][0]


def test_short_text_falls_back_and_still_finds(store: Store) -> None:
    a = make_ticket(store, description="卡住了")
    make_ticket(store, description="no match here")
    assert ids(store.search.find("卡")) == [a.id]
    assert [r.id for r in store.queue.find(QueueFilter(text="卡"))] == [a.id]


def test_queue_search_uses_the_index_and_finds_technicians(store: Store) -> None:
    a = make_ticket(store, description="打印机卡纸了")
    b = make_ticket(store, description="network down")
    store.tickets.assign(b.id, 1, technician_id=2)
    assert [r.id for r in store.queue.find(QueueFilter(text="打印机"))] == [a.id]
    assert [r.id for r in store.queue.find(QueueFilter(text="Zhang Min"))] == [b.id]
    sql, params = text_condition("打印机")
    plan = " ".join(r[3] for r in store.db.q("EXPLAIN QUERY PLAN SELECT t.id FROM tickets t WHERE " + sql, params))
    assert "ticket_search VIRTUAL TABLE" in plan


def test_earlier_tickets_of_a_caller_and_an_asset(store: Store) -> None:
    a = make_ticket(store, phone="138 0000 1234", equipment_id=1)
    b = make_ticket(store, phone="13900005555", equipment_id=2)
    c = make_ticket(store, phone="+138-0000-1234", equipment_id=2)
    make_ticket(store, phone="13800001234 9", equipment_id=3, site_id=2)  # another number containing it
    assert ids(store.search.earlier_tickets(phone="13800001234")) == [c.id, a.id]
    assert ids(store.search.earlier_tickets(equipment_id=2)) == [c.id, b.id]
    assert ids(store.search.earlier_tickets(phone="138 0000 1234", equipment_id=2)) == [c.id, b.id, a.id]
    assert store.search.earlier_tickets() == []


def test_migration_back_fills_existing_tickets(tmp_path, clock, monkeypatch) -> None:
    """A file made before 0005 gets every ticket indexed when it is opened."""
    import sqlite3

    from conftest import SEED

    import store.db as dbmod

    # Imported before the patches below, as in a whole run: audit loads later
    # steps' SQL (NAMES is cut below), upgrade binds derive's facts (stubbed below).
    import store.repo.admin
    import store.rules.derive as derive_mod
    import store.upgrade  # noqa: F401
    from store import migrations

    path = tmp_path / "old.db"
    cut = migrations.NAMES.index("0005_search")
    with monkeypatch.context() as m:  # a dispatch that knew the steps before 0005
        m.setattr(derive_mod, "facts", lambda *_a: {})  # (the report facts' columns come with 0013, after this old file)
        m.setattr(migrations, "NAMES", migrations.NAMES[:cut])
        m.setattr(migrations, "SCHEMA_VERSION", cut)
        m.setattr(dbmod, "SCHEMA_VERSION", cut)
        s = Store(path, create=True, clock=clock, actor="ann")
        s.admin.load("seed", SEED, {})
        make_ticket(s, description="old ticket 旧的描述")
        s.close()
    assert "ticket_search" not in {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    s = Store(path, clock=clock, actor="ann")
    assert ids(s.search.find("旧的描")) == [1]
    assert s.db.q("SELECT name FROM migrations WHERE name = '0005_search'")
    s.close()


# ------------------------------------------------------------------ console
async def test_search_screen_finds_closed_tickets_as_you_type_and_opens_one(store: Store) -> None:
    from console_helpers import app_for, burst, settle, until
    from textual.widgets import OptionList

    from console.screens.detail import DetailScreen
    from console.screens.search import SearchScreen

    t = make_ticket(store, description="自助取款机吞卡")
    store.tickets.cancel(t.id, t.version, reason="duplicate")
    make_ticket(store, description="printer jam")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "ctrl+f")
        assert isinstance(app.screen, SearchScreen)
        await burst(pilot, *"取款机")
        results = app.screen.query_one("#results", OptionList)
        await until(pilot, lambda: results.option_count == 1)
        assert results.get_option_at_index(0).id == str(t.id)
        await burst(pilot, "enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert app.screen.ticket_id == t.id


async def test_enter_typed_with_the_words_opens_the_ticket(store: Store) -> None:
    """'ctrl+f 取款机 Enter' as one burst: Enter came before the typing pause
    that runs the search, and opened nothing."""
    from console_helpers import app_for, burst, settle, until

    from console.screens.detail import DetailScreen

    t = make_ticket(store, description="自助取款机吞卡")
    make_ticket(store, description="printer jam")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "ctrl+f", *"取款机", "enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert app.screen.ticket_id == t.id


async def test_earlier_tickets_from_the_detail_and_the_new_ticket_form(store: Store) -> None:
    from console_helpers import app_for, burst, settle, until
    from textual.widgets import Input, OptionList

    from console.screens.detail import DetailScreen
    from console.screens.new_ticket import NewTicketScreen
    from console.screens.search import EarlierScreen

    old = make_ticket(store, phone="138 0011 2233", equipment_id=2, description="old printer fault")
    store.tickets.cancel(old.id, old.version, reason="fixed by phone")
    other = make_ticket(store, phone="13900000000", equipment_id=1, description="other")
    now = make_ticket(store, phone="13800112233", equipment_id=1, description="new fault")
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.open_detail(now.id)
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.ticket is not None)
        await burst(pilot, "ctrl+e")
        await until(pilot, lambda: isinstance(app.screen, EarlierScreen))
        listing = app.screen.query_one(OptionList)
        await until(pilot, lambda: listing.option_count == 2)
        assert [listing.get_option_at_index(i).id for i in range(2)] == [str(other.id), str(old.id)]
        await burst(pilot, "escape", "escape")
        await burst(pilot, "n")
        assert isinstance(app.screen, NewTicketScreen)
        await burst(pilot, "tab", *"138-0011-2233")
        assert app.screen.query_one("#f-phone", Input).value == "138-0011-2233"
        await burst(pilot, "ctrl+e")
        await until(pilot, lambda: isinstance(app.screen, EarlierScreen))
        listing = app.screen.query_one(OptionList)
        await until(pilot, lambda: listing.option_count == 2)
        assert [listing.get_option_at_index(i).id for i in range(2)] == [str(now.id), str(old.id)]
