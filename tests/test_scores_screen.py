"""The scores screen (issue 22): every score whole at 80×24 in Chinese too
(widths in cells: only the names give way), and the screen says what the
points and the star's +0.5 are."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from console_helpers import app_for, burst, settle, until
from test_scores import month  # noqa: F401  (the fixture: a month of evaluations)
from textual.widgets import Static

from store import Store
from store.i18n import LOCALE_DIR, set_language


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DISPATCH_LANG", "zh_Hans")
    set_language("zh_Hans", localedir=LOCALE_DIR)
    yield
    set_language("en", localedir=LOCALE_DIR)


async def _scores(app: object, pilot: object) -> object:
    await settle(pilot)  # type: ignore[arg-type]
    await burst(pilot, "Y")  # type: ignore[arg-type]
    await until(pilot, lambda: type(app.screen).__name__ == "ScoresScreen" and app.screen.scores is not None)  # type: ignore[arg-type,attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    return app.screen  # type: ignore[attr-defined]


@pytest.mark.usefixtures("chinese")
@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_every_score_is_whole_in_chinese(month: Store, size: tuple[int, int]) -> None:  # noqa: F811
    month.people.edit_team(1, name="北区维修工班 North District")  # a long name: it gives way, the scores do not
    app = app_for(month)
    async with app.run_test(size=size) as pilot:
        screen = await _scores(app, pilot)
        for table_id, rows in (("#techs", month.scores.month_scores("2026-11").technicians),
                               ("#teams", month.scores.month_scores("2026-11").teams)):
            table = screen.query_one(table_id)
            for y, r in enumerate(rows, start=1):
                line = table.render_line(y).text
                assert f"{r.score.quantize(r.score.__class__('0.01'))}" in line, (table_id, line)
            assert table.virtual_size.width <= table.size.width  # nothing beyond the right edge


async def test_the_screen_says_what_points_and_bonus_are(month: Store) -> None:  # noqa: F811
    month.settings.set_setting("score_unsatisfied", 5)
    app = app_for(month)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _scores(app, pilot)
        why = " ".join(str(screen.query_one("#sc-why", Static).render()).split())
        assert "satisfied 10 · basically satisfied 8 · unsatisfied 5" in why
        assert "+0.5 is a bonus kept on record" in why and "not added to the score" in why
        assert "Score = Sum ÷ n + 0.15 × n" in why
