"""The main screens in Chinese (zh_Hans) at 80×24 and 160×50, with the real
catalogue: the queue, the detail screen, a form with an error, the scores.
CJK text is two cells wide, so these show whether columns still line up.

Update only after looking at the report: pytest --snapshot-update."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from console_helpers import app_for, settle, until
from test_scores import month  # noqa: F401  (the fixture: a month of evaluations)
from test_snapshots import SIZES, scene  # noqa: F401  (the fixture: every SLA state)
from textual.pilot import Pilot

from store import Store
from store.i18n import LOCALE_DIR, set_language


@pytest.fixture(autouse=True)
def chinese(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DISPATCH_LANG", "zh_Hans")
    set_language("zh_Hans", localedir=LOCALE_DIR)
    yield
    set_language("en", localedir=LOCALE_DIR)


def size_id(s: tuple[int, int]) -> str:
    return f"{s[0]}x{s[1]}"


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_queue_zh(scene: Store, snap_compare, size) -> None:  # noqa: F811
    assert snap_compare(app_for(scene), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_detail_zh(scene: Store, snap_compare, size) -> None:  # noqa: F811
    async def open_detail(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("j", "j", "enter")  # the waiting ticket (P2, clock stopped)
        await settle(pilot)

    assert snap_compare(app_for(scene), terminal_size=size, run_before=open_detail)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_new_ticket_with_error_zh(scene: Store, snap_compare, size) -> None:  # noqa: F811
    async def bad_form(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Wang", "tab", *"call me maybe", "ctrl+s")
        await settle(pilot)

    assert snap_compare(app_for(scene), terminal_size=size, run_before=bad_form)


@pytest.mark.parametrize("size", SIZES, ids=size_id)
def test_scores_zh(month: Store, snap_compare, size) -> None:  # noqa: F811
    async def open_scores(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("Y")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "ScoresScreen"
                    and pilot.app.screen.scores is not None)  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(app_for(month), terminal_size=size, run_before=open_scores)
