"""Three centers for the head-office report tests: the demo as 'dispatch demo'
builds it, at the tests' NOW, with three seeds (so the centers differ), each
built once per test process and shipped to a fresh head office per test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from store import Store

SEEDS = {"BJ": 7, "SH": 11, "GZ": 23}


def build_center(path: Path, seed: int, now: Any) -> Path:
    """What 'dispatch demo --seed N' builds, at ``now`` (console/cli/demo.py's steps)."""
    from demo_data.callbacks import add_demo_evaluations
    from demo_data.demo import generate_demo
    from demo_data.inspections import add_demo_inspections
    from demo_data.items import add_demo_items
    from demo_data.users import add_demo_users
    from store.context import default_actor
    from store.timeutil import fixed_clock

    s = Store(path, create=True, clock=fixed_clock(now), actor=default_actor())
    with s.db.batch():
        generate_demo(s, seed=seed, now=now)
        add_demo_users(s, s.actor)
        add_demo_evaluations(s, now)
        add_demo_items(s, now)
        add_demo_inspections(s, now)
        s.settings.mark_demo(seed)
    s.close()
    from conftest import checkpointed

    return checkpointed(path)


@pytest.fixture(scope="session")
def center_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from conftest import NOW

    folder = tmp_path_factory.mktemp("hq-centers")
    return {code: build_center(folder / f"{code}.db", seed, NOW) for code, seed in SEEDS.items()}


@pytest.fixture
def shipped(center_builds: dict[str, Path], tmp_path: Path, hq_url: str) -> Callable[[], dict[str, Path]]:
    """Copies of the three centers, shipped to this test's head office: {code: file}."""

    def ship_all() -> dict[str, Path]:
        from store.hq.connect import connect
        from store.hq.ship import ship

        out = {}
        conn = connect(hq_url)
        try:
            for code, path in center_builds.items():
                dest = tmp_path / path.name
                shutil.copy(path, dest)
                ship(dest, conn, code)
                out[code] = dest
        finally:
            conn.close()
        return out

    return ship_all
