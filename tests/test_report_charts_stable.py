"""The report charts draw the same picture whatever PYTHONHASHSEED is: each
view is rendered to SVG in two processes with different seeds and compared.

plotext 5 drops repeated points with ``list(set(...))`` (plotext/_utility.py
``no_duplicates``, called by ``brush`` for every signal), so the order it puts
the points of overlapping series on the canvas, and which one shows where they
meet, followed the string hashes of the colours and markers. The chart module
keeps the first of each point in order instead (console/screens/reports.py).

Run as a script (``python tests/test_report_charts_stable.py DB W H``) it
prints the SVG of each chart view of the hand-built October in DB."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
VIEWS = ["per_day", "sla", "ranking", "breaches"]


def build(path: Path) -> None:
    from conftest import NOW, SEED, TEST_USERS, MutableClock
    from report_data import build_october

    from store import Store

    s = Store(path, create=True, clock=MutableClock(NOW), actor="ann")
    s.load("test.seed", SEED, {"seed": "tests"})
    for login, name, role in TEST_USERS:
        s.add_user(login, name, role)
    build_october(s)
    s.close_db()


async def render(path: Path, size: tuple[int, int]) -> list[str]:
    """The SVG of each chart view, in VIEWS order."""
    from conftest import NOW, MutableClock
    from console_helpers import app_for, settle

    from store import Store

    store = Store(path, clock=MutableClock(NOW), actor="ann")
    app = app_for(store)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("left_square_bracket")  # November → October
        await settle(pilot)
        screen = app.screen
        pictures = []
        for view in VIEWS:
            await pilot.press("v")
            for _ in range(5):  # the chart lays itself out once the legend beside it has its width
                await pilot.pause()
                await settle(pilot)
            assert screen.view == view  # type: ignore[attr-defined]
            pictures.append(app.export_screenshot())
    store.close_db()
    return pictures


SPLIT = "\n<!-- next view -->\n"


def _svgs(db: Path, size: tuple[int, int], seed: str) -> list[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, __file__, str(db), str(size[0]), str(size[1])], env=env,
                          capture_output=True, text=True, timeout=180, check=True)
    return done.stdout.split(SPLIT)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_charts_do_not_depend_on_the_hash_seed(tmp_path: Path, size: tuple[int, int]) -> None:
    db = tmp_path / "october.db"
    build(db)
    runs = []
    for seed in ("1", "2"):  # (before the fix, any two seeds differed in the per-day chart's labels)
        copy = tmp_path / f"seed{seed}.db"  # a file each: opening may write (WAL)
        shutil.copy(db, copy)
        runs.append(_svgs(copy, size, seed))
    assert len(runs[0]) == len(VIEWS) and all("<svg" in svg for svg in runs[0])
    for view, first, second in zip(VIEWS, *runs, strict=True):
        assert first == second, f"{view} at {size} differs between hash seeds"


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent))
    db_arg, w, h = sys.argv[1:4]
    sys.stdout.write(SPLIT.join(asyncio.run(render(Path(db_arg), (int(w), int(h))))))
