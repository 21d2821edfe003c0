"""Notification addresses from the console (issue 24): 'm' on the Users
screen and on the technicians in Setup, through the same store calls and
checks as ``dispatch user address`` / ``dispatch tech address``; addresses
shown masked, a refusal keeps what was typed, an empty field clears (asked)."""

from __future__ import annotations

from console_helpers import app_for, burst, settle, until
from textual.widgets import DataTable, Static, TextArea

from console.screens.form import ActionForm
from console.screens.records import RecordsScreen
from console.screens.users import UsersScreen
from console.widgets.confirm import ConfirmScreen
from store import Store

HOOK = "json://127.0.0.1:9/hook"
MAIL = "mailto://u:secretpw@smtp.example.com?to=fay@example.com,boss@example.com"


async def open_form(pilot, key: str = "m") -> ActionForm:  # type: ignore[no-untyped-def]
    await burst(pilot, key)
    await until(pilot, lambda: isinstance(pilot.app.screen, ActionForm))
    await settle(pilot)
    return pilot.app.screen


def hint(form: ActionForm) -> str:
    return str(form.query_one(".hint", Static).render())


async def type_text(pilot, form: ActionForm, text: str) -> None:  # type: ignore[no-untyped-def]
    box = form.query_one("#f-addresses", TextArea)
    box.focus()
    box.text = text
    await settle(pilot)


async def save(pilot) -> None:  # type: ignore[no-untyped-def]
    await burst(pilot, "ctrl+s")
    await settle(pilot)


async def refused(store: Store, table_key: str) -> None:
    """Setup's table (its key) opened by the store's actor: `m` says why and opens no form."""
    app = app_for(store)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", table_key)
        screen = app.screen
        assert isinstance(screen, RecordsScreen)
        await until(pilot, lambda: screen._version != -1)
        await until(pilot, lambda: screen.refusal("addresses") is not None)
        await burst(pilot, "m")
        assert not isinstance(app.screen, ActionForm)


async def test_a_user_s_addresses_set_kept_masked_refused_and_cleared(people: Store) -> None:
    people.actor = "ann"
    app = app_for(people)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", "u")
        screen = app.screen
        assert isinstance(screen, UsersScreen)
        await until(pilot, lambda: any(u.login == "fay" for u in screen.people))
        screen.query_one(DataTable).move_cursor(row=[u.login for u in screen.people].index("fay"))
        await settle(pilot)
        form = await open_form(pilot)
        assert "none: nothing is sent" in hint(form)
        # Two, separated by a comma: the mail address's own comma stays inside it.
        await type_text(pilot, form, f"{HOOK}, {MAIL}")
        await save(pilot)
        await until(pilot, lambda: not isinstance(app.screen, ActionForm))
        assert people.outbox.user_addresses("fay") == [HOOK, MAIL]
        # Again: masked as the CLI masks them; #1 and #2 stand for them.
        form = await open_form(pilot)
        assert form.query_one("#f-addresses", TextArea).text == "#1\n#2"
        assert "secretpw" not in hint(form) and "#2  E-Mail" in hint(form) and "#1  JSON" in hint(form)
        # A bad address is refused: the form stays with what was typed, the file unchanged.
        await type_text(pilot, form, "#2\nbogus://x")
        await save(pilot)
        assert app.screen is form
        assert form.query_one("#f-addresses", TextArea).text == "#2\nbogus://x"
        assert "notification address 2 (bogus://…)" in str(form.query_one("#e-addresses", Static).render())
        assert people.outbox.user_addresses("fay") == [HOOK, MAIL]
        await type_text(pilot, form, "#3")
        await save(pilot)
        assert "#3 is not one of the addresses" in str(form.query_one("#e-addresses", Static).render())
        # Keep the second only.
        await type_text(pilot, form, "#2")
        await save(pilot)
        await until(pilot, lambda: not isinstance(app.screen, ActionForm))
        assert people.outbox.user_addresses("fay") == [MAIL]
        # Empty clears, asked first.
        form = await open_form(pilot)
        await type_text(pilot, form, "  ")
        await save(pilot)
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await burst(pilot, "y")
        await until(pilot, lambda: people.outbox.user_addresses("fay") == [])
    actions = [r[0] for r in people.db.q("SELECT action FROM events WHERE action LIKE '%.address' ORDER BY id")]
    assert actions == ["user.address"] * 3


async def test_a_technician_s_addresses_from_setup_managers_only(people: Store) -> None:
    people.actor = "ann"
    app = app_for(people)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", "c")
        screen = app.screen
        assert isinstance(screen, RecordsScreen)
        await until(pilot, lambda: screen._version != -1)
        first = screen.current()
        form = await open_form(pilot)
        await type_text(pilot, form, HOOK)
        await save(pilot)
        await until(pilot, lambda: not isinstance(app.screen, ActionForm))
        assert people.outbox.technician_addresses(first.id) == [HOOK]
    people.actor = "bob"  # a dispatcher: the key says why, no form
    await refused(people, "c")
    assert people.outbox.technician_addresses(first.id) == [HOOK]


async def test_a_site_s_notice_addresses_from_setup_keep_its_language(people: Store) -> None:
    """Where an inspection's notice goes (`dispatch site contact`), from the Sites
    screen's `m`: the addresses change, the contact's language stays; managers only."""
    people.actor = "ann"
    site = people.reference.sites("", limit=1)[0]
    people.inspections.set_site_contact(site.id, [MAIL], "en")
    app = app_for(people)
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", "s")
        screen = app.screen
        assert isinstance(screen, RecordsScreen)
        await until(pilot, lambda: screen._version != -1)
        assert screen.current().id == site.id
        form = await open_form(pilot)
        assert "secretpw" not in hint(form) and "#1" in hint(form)  # listed masked
        await type_text(pilot, form, f"#1\n{HOOK}")
        await save(pilot)
        await until(pilot, lambda: not isinstance(app.screen, ActionForm))
    assert people.inspections.site_addresses(site.id) == [MAIL, HOOK]
    assert people.db.value("SELECT language FROM sites WHERE id = ?", (site.id,)) == "en"
    people.actor = "bob"  # a dispatcher: the key says why, no form
    await refused(people, "s")
    assert people.inspections.site_addresses(site.id) == [MAIL, HOOK]
