"""A manager acting for someone (--actor, DISPATCH_ACTOR) sees on the top line
whom the writes are for (issue 22), at 80 columns too, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MutableClock
from console_helpers import app_for, settle, until

from console.widgets.status import StatusBar
from store import Store
from store.i18n import LOCALE_DIR, set_language


def top_line(app: object) -> str:
    bar = app.screen.query_one(StatusBar)  # type: ignore[attr-defined]
    counts, info, live = bar._shown or ("", "", "")
    return f"{counts} {info} {live}"


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_the_top_line_names_whom_the_writes_are_for(store: Store, db_path: Path, clock: MutableClock,
                                                          size: tuple[int, int]) -> None:
    acting = Store(db_path, actor="bob", by="ann", clock=clock)
    app = app_for(acting)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await until(pilot, lambda: "read" in top_line(app))
        assert "acting for bob" in top_line(app)
    acting.close()
    app = app_for(store)  # working as oneself: nothing said
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await until(pilot, lambda: "read" in top_line(app))
        assert "acting for" not in top_line(app)


async def test_in_chinese_too(store: Store, db_path: Path, clock: MutableClock,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCH_LANG", "zh_Hans")
    set_language("zh_Hans", localedir=LOCALE_DIR)
    try:
        acting = Store(db_path, actor="bob", by="ann", clock=clock)
        app = app_for(acting)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await until(pilot, lambda: "bob" in top_line(app))
            assert "acting for" not in top_line(app)  # translated
        acting.close()
    finally:
        set_language("en", localedir=LOCALE_DIR)


async def test_signing_in_at_a_shared_desk_ends_acting_for(store: Store, db_path: Path, clock: MutableClock) -> None:
    """A console opened acting for the front desk's account, then bob signs in
    with his PIN: his writes are his own, and the top line said "acting for
    frontdesk" still."""
    store.users.add_user("frontdesk", "Front desk", "dispatcher")
    store.users.set_pin("bob", "482100")
    store.settings.set_setting("sign_in", True)
    acting = Store(db_path, actor="frontdesk", by="ann", clock=clock)
    app = app_for(acting)
    async with app.run_test(size=(80, 24)) as pilot:
        from console.screens.sign_in import SignInScreen

        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.press("enter", *"482100", "enter")
        await until(pilot, lambda: not isinstance(app.screen, SignInScreen))
        assert acting.actor == "bob" and acting.by is None
        await until(pilot, lambda: any("Signed in" in str(n.message) for n in app._notifications))
        await settle(pilot)
        assert "acting for" not in top_line(app)
    acting.close()
