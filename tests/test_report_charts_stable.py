"""The report charts draw the same picture whatever PYTHONHASHSEED is: each
view is rendered to SVG in two processes with different seeds and compared.

plotext 5 drops repeated points with ``list(set(...))`` (plotext/_utility.py
``no_duplicates``, called by ``brush`` for every signal), so the order it puts
the points of overlapping series on the canvas, and which one shows where they
meet, followed the string hashes of the colours and markers. The chart module
keeps the first of each point in order instead (console/screens/reports.py).

Each seed is one process that renders every view at every size (a process
each for size and seed cost two more Python and Textual start-ups, the bulk
of the test's time). Run as a script (``python tests/test_report_charts_stable.py
DB W H [W H ...]``) it prints the SVG of each chart view of the hand-built
October in DB, for each size in turn."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The module's ``runs`` (two processes drawing every chart) made once, on one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("charts")

HERE = Path(__file__).resolve().parent
VIEWS = ["per_day", "sla", "ranking", "breaches"]


def build(path: Path) -> None:
    from conftest import NOW, MutableClock, seeded_file
    from report_data import build_october

    s = seeded_file(path, "ann", "bob", "alice", clock=MutableClock(NOW))
    build_october(s)
    s.close()


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
    store.close()
    return pictures


SPLIT = "\n<!-- next view -->\n"
SIZES = [(80, 24), (160, 50)]


def _start(db: Path, seed: str) -> subprocess.Popen[str]:
    """One process that renders every view at every size under ``seed``."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    sizes = [str(n) for size in SIZES for n in size]
    return subprocess.Popen([sys.executable, __file__, str(db), *sizes], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _svgs(process: subprocess.Popen[str]) -> dict[tuple[int, int], list[str]]:
    """The SVGs of every view at every size, as ``process`` printed them."""
    try:
        out, err = process.communicate(timeout=240)
    finally:
        process.kill()  # (a no-op once it has exited)
    assert process.returncode == 0, err
    pictures = out.split(SPLIT)
    assert len(pictures) == len(SIZES) * len(VIEWS), err
    return {size: pictures[i * len(VIEWS):(i + 1) * len(VIEWS)] for i, size in enumerate(SIZES)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[tuple[int, int], list[str]]]:
    """Every view at every size, once per hash seed (each seed its own process;
    both run at once: each is mostly a Python and Textual start and pauses
    waiting for the screen, and one after the other they were the longest
    test of the suite)."""
    tmp_path = tmp_path_factory.mktemp("charts")
    db = tmp_path / "october.db"
    build(db)
    processes = []
    for seed in ("1", "2"):  # (before the fix, any two seeds differed in the per-day chart's labels)
        copy = tmp_path / f"seed{seed}.db"  # a file each: opening may write (WAL)
        shutil.copy(db, copy)
        processes.append(_start(copy, seed))
    try:
        return [_svgs(process) for process in processes]
    finally:
        for process in processes:
            process.kill()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_charts_do_not_depend_on_the_hash_seed(runs: list[dict[tuple[int, int], list[str]]], size: tuple[int, int]) -> None:
    first_run, second_run = (run[size] for run in runs)
    assert len(first_run) == len(VIEWS) and all("<svg" in svg for svg in first_run)
    for view, first, second in zip(VIEWS, first_run, second_run, strict=True):
        assert first == second, f"{view} at {size} differs between hash seeds"


async def _render_all(db: Path, sizes: list[tuple[int, int]]) -> list[str]:
    pictures = []
    for w, h in sizes:  # one app run per size, each on its own copy (as before, when each had its process)
        copy = db.with_name(f"{db.stem}-{w}x{h}.db")
        shutil.copy(db, copy)
        pictures.extend(await render(copy, (w, h)))
    return pictures


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent))
    db_arg, *numbers = sys.argv[1:]
    wanted = [(int(w), int(h)) for w, h in zip(numbers[::2], numbers[1::2], strict=True)]
    sys.stdout.write(SPLIT.join(asyncio.run(_render_all(Path(db_arg), wanted))))
