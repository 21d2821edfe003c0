"""Shared fixtures: a fixed instant, a clock tests move by hand, a seeded store.

No test reads the real time: the store gets ``clock``, which only moves when a
test calls ``clock.advance(...)``.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pendulum
import pytest
from pendulum import DateTime

ROOT = Path(__file__).resolve().parent.parent


def _memory_temp_root() -> None:
    """Test files in memory (/dev/shm) where there is room, unless a temp root
    or --basetemp was chosen. Every write transaction here ends with an fsync
    (synchronous = FULL), and on a disk those waits were a large share of the
    suite's time (a demo build: 13 s on /tmp, 7 s in memory). No test checks
    what survives a power cut, only what survives a killed process, which the
    page cache keeps either way. Small /dev/shm (Docker's 64 MB) is left alone.
    pytest reads PYTEST_DEBUG_TEMPROOT when it first makes a tmp_path; the
    usual pytest-of-<user>/pytest-N folders are made there and pruned as ever."""
    shm = Path("/dev/shm")
    if os.environ.get("PYTEST_DEBUG_TEMPROOT") or not shm.is_dir() or not os.access(shm, os.W_OK):
        return
    if shutil.disk_usage(shm).free >= 4 * 1024**3:
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(shm)


_memory_temp_root()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto`` (pyproject addopts): two workers for each core. A worker
    spends a large share of its time waiting, not computing: Textual's pilot
    pauses (each at least 20 ms of sleep until the app is idle), ``dispatch
    serve`` and chromium starting, the CLI in subprocesses. With one worker per
    core, about 1.2 of CI's 2 cores were busy; a second worker per core runs
    while the first waits. At most 8 more than the cores on a big machine (each
    worker collects the whole suite, about 14 s of CPU, and holds ~350 MB).
    PYTEST_XDIST_AUTO_NUM_WORKERS still decides when set."""
    chosen = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if chosen:
        return int(chosen)
    cores = len(os.sched_getaffinity(0))
    return min(2 * cores, cores + 8)


def _compile_catalogues() -> None:
    """The .mo files from the .po ones, once per run, into a temporary folder
    that store/i18n.py reads through DISPATCH_LOCALE_DIR: an edited catalogue
    is what the tests read without reinstalling, and the source tree is never
    written (its own .mo files are the install's, setup.py). Set before the
    store is imported; xdist's workers and the tests' subprocesses inherit the
    variable, so they read this compile instead of making their own."""
    if os.environ.get("DISPATCH_LOCALE_DIR"):
        return
    folder = Path(tempfile.mkdtemp(prefix="dispatch-locale-"))
    atexit.register(shutil.rmtree, folder, True)  # the controller exits after its workers
    spec = importlib.util.spec_from_file_location("dispatch_setup", ROOT / "setup.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.compile_catalogues(folder)
    os.environ["DISPATCH_LOCALE_DIR"] = str(folder)


_compile_catalogues()

# A real PostgreSQL for the head-office tests (skips where none is installed).
from hq_centers import center_builds, shipped  # noqa: E402, F401  (three centers shipped: tests/test_hq_*.py)
from hq_pg import hq_conn, hq_server, hq_url  # noqa: E402, F401

# The store reads DISPATCH_LOCALE_DIR when it is imported: only now.
from store import Store  # noqa: E402
from store.context import default_actor  # noqa: E402
from store.i18n import LOCALE_DIR, set_language  # noqa: E402

# The suite speaks English whatever the machine's locale (LANG=zh_CN.UTF-8 would
# otherwise pick Chinese), subprocesses included; Chinese tests ask for it themselves.
os.environ["DISPATCH_LANG"] = "en"
set_language("en")

NOW = pendulum.datetime(2026, 11, 25, 9, 0, tz="UTC")

# Names, sites and asset tags hold no digits, so a '#<id>' search only matches ids.
SEED: dict[str, list[dict[str, Any]]] = {
    "sites": [
        {"id": 1, "code": "HQ", "name": "Head Office", "address": "Main Street"},
        {"id": 2, "code": "NB", "name": "North Branch", "address": "River Road"},
    ],
    "teams": [
        {"id": 1, "name": "Alpha Team", "foreman_id": 1},
        {"id": 2, "name": "Bravo Team", "foreman_id": 3},
    ],
    "technicians": [
        {"id": 1, "name": "Li Wei", "team_id": 1, "phone": "13800000001",
         "skills": json.dumps(["atm", "cash"]), "on_duty": 1},
        {"id": 2, "name": "Zhang Min", "team_id": 1, "phone": "13800000002",
         "skills": json.dumps(["printer", "pc"]), "on_duty": 1},
        {"id": 3, "name": "Wang Fang", "team_id": 2, "phone": "13800000003",
         "skills": json.dumps(["atm", "network"]), "on_duty": 1},
        {"id": 4, "name": "Chen Jie", "team_id": 2, "phone": "13800000004",
         "skills": json.dumps(["ups", "atm"]), "on_duty": 0},
    ],
    "equipment": [
        {"id": 1, "site_id": 1, "asset_tag": "HQ-ATM-A", "category": "atm", "model": "Hyosung"},
        {"id": 2, "site_id": 1, "asset_tag": "HQ-PRN-A", "category": "printer", "model": "Olivetti"},
        {"id": 3, "site_id": 2, "asset_tag": "NB-ATM-A", "category": "atm", "model": "Diebold"},
        {"id": 4, "site_id": 2, "asset_tag": "NB-NET-A", "category": "network", "model": "Cisco"},
    ],
}


# Everyone the tests act as, set up in one place. The ``store`` fixture's file
# has TEST_USERS: ann runs it (manager), bob and alice dispatch. ``people``
# adds fay, foreman of Alpha Team (technicians 1 and 2), and vic, a viewer;
# gus is Bravo Team's foreman (technicians 3 and 4), for the tests of both teams.
PEOPLE: dict[str, tuple[str, str, int | None]] = {  # login: (name, role, team)
    "ann": ("Ann Lee", "manager", None),
    "bob": ("Bob Ma", "dispatcher", None),
    "alice": ("Alice Wu", "dispatcher", None),
    "fay": ("Fay Zhou", "foreman", 1),
    "gus": ("Gus Liu", "foreman", 2),
    "vic": ("Vic Viewer", "viewer", None),
}
TEST_USERS = [(login, *PEOPLE[login][:2]) for login in ("ann", "bob", "alice")]
FOREMEN = ("fay", "gus")


def add_people(store: Store, *logins: str) -> None:
    """Add these people (PEOPLE) to the file, as ann, whoever the store acts for."""
    before = store.actor
    store.actor = "ann"
    try:
        for login in logins:
            name, role, team = PEOPLE[login]
            store.users.add_user(login, name, role, team_id=team)
    finally:
        store.actor = before


def seeded_file(path: Path, *logins: str, clock: Callable[[], DateTime] | None = None, source: str = "tests") -> Store:
    """A new file at ``path`` with the SEED loaded (``source``: its load's label)
    and these people added: the ``store`` fixture's start, for tests that make
    their own files. Open as ann; without "ann" first in ``logins``, ann is
    made the file's manager by the first add (her name then her login)."""
    s = Store(path, create=True, clock=clock, actor="ann")
    s.admin.load("test.seed", SEED, {"seed": source})
    add_people(s, *logins)
    return s


class MutableClock:
    """A clock for tests: returns ``now`` until a test moves it."""

    def __init__(self, now: DateTime):
        self.now = now.in_timezone("UTC")

    def __call__(self) -> DateTime:
        return self.now

    def advance(self, **kw: Any) -> DateTime:
        """Move forward by pendulum units, e.g. ``advance(minutes=5)``."""
        self.now = self.now.add(**kw)
        return self.now

    def set(self, at: DateTime) -> DateTime:
        self.now = at.in_timezone("UTC")
        return self.now


@pytest.fixture
def now() -> DateTime:
    return NOW


@pytest.fixture
def clock(now: DateTime) -> MutableClock:
    return MutableClock(now)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "t.db"


def _store_file(path: Path, clock: Callable[[], DateTime]) -> Store:
    """The ``store`` fixture's file, made the long way (migrations, seed, users)."""
    # Roles are enforced from here on: ann runs the file, the others tests
    # write as are dispatchers (``people`` adds a foreman and a viewer).
    s = seeded_file(path, *(login for login, _name, _role in TEST_USERS), clock=clock)
    # Whoever runs the tests is a manager too, as 'dispatch init' would make
    # them: the CLI tests run commands on this file as the OS login.
    if default_actor() not in {u[0] for u in TEST_USERS}:
        s.users.add_user(default_actor(), "Test runner", "manager")
    return s


def checkpointed(path: Path) -> Path:
    """``path`` with everything in the one file (no -wal left to copy), so a
    plain file copy of it is the whole database."""
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    return path


# The ``store`` fixture's file made once per run for each start instant
# and OS login (what the file records), then copied: the migrations and the
# seed were a large share of a short test's time, made alike hundreds of times.
_STORE_TEMPLATES: dict[tuple[str, str], Path] = {}


@pytest.fixture
def store(db_path: Path, clock: MutableClock, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    if type(clock) is not MutableClock:  # a clock that moves by itself: the file at its own instants
        s = _store_file(db_path, clock)
    else:
        key = (clock().isoformat(), default_actor())
        template = _STORE_TEMPLATES.get(key)
        if template is None:
            start = MutableClock(clock())
            name = "store-" + hashlib.sha256("|".join(key).encode()).hexdigest()[:12]  # one per run (shared_file)
            template, _ = shared_file(tmp_path_factory, name, lambda path: _store_file(path, start).close())
            _STORE_TEMPLATES[key] = template
        shutil.copy(template, db_path)
        s = Store(db_path, clock=clock, actor="ann")
    yield s
    s.close()



@pytest.fixture
def people(store: Store) -> Store:
    """The ``store`` file with fay, foreman of Alpha Team, and vic, a viewer:
    each role of the center on one file."""
    add_people(store, "fay", "vic")
    return store


class DemoBuild(NamedTuple):
    path: Path  # the closed, checkpointed file: copy it, never open it
    counts: dict[str, int]  # what generate_demo returned


def shared_file(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], Any]) -> tuple[Path, Any]:
    """A file ``make(path)`` builds, built once per run and shared by every
    xdist worker (each used to build its own, and the tests of a build were
    kept on one worker to build it once, which made them one long queue).
    The first worker to ask builds it under a lock while the others wait; it is
    closed and checkpointed (copy it, never open it). ``make`` returns what the
    build reports (JSON-able), handed back with the path."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # workers' folders are popen-gwN in the run's own folder
        root = root.parent
    folder = root / f"shared-{name}"
    folder.mkdir(exist_ok=True)
    path, report = folder / f"{name}.db", folder / "report.json"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not report.exists():
            work = folder / "building.db"  # a build that failed half-way is never the shared file
            for stale in folder.glob("building.db*"):
                stale.unlink()
            made = make(work)
            checkpointed(work).rename(path)
            report.write_text(json.dumps(made))
        return path, json.loads(report.read_text())


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> DemoBuild:
    """The demo of seed 7 built at NOW, once per run (``shared_file``): a build
    is seconds of real writes (every ticket through the Store's methods), and
    several test files read the same one. Tests get their own copy (``demo_copy``)."""

    def make(path: Path) -> dict[str, int]:
        from demo_data.demo import generate_demo
        from store.timeutil import fixed_clock

        s = Store(path, create=True, clock=fixed_clock(NOW), actor="demo")
        counts = generate_demo(s, seed=7)
        s.close()
        return counts

    path, counts = shared_file(tmp_path_factory, "demo", make)
    return DemoBuild(path, counts)


@pytest.fixture
def demo_copy(demo_build: DemoBuild, tmp_path: Path) -> Callable[[str], Path]:
    """A fresh copy of the session's demo file in this test's tmp dir, per call."""

    def copy(name: str = "demo.db") -> Path:
        dest = tmp_path / name
        shutil.copy(demo_build.path, dest)
        return dest

    return copy


@pytest.fixture(scope="session")
def demo_cli_build(demo_build: DemoBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What 'dispatch demo' (seed 7) builds at NOW, made from the session's demo
    with the same steps as console/cli/demo.py after ``generate_demo``: its
    users (the OS login their manager), callbacks, items, inspections and the
    demo mark. For tests that need a demo file and test something else than
    its build (the CLI's builds are tested in test_cli*.py, test_demo_rebuild.py).
    Once per run, as ``demo_build``."""

    def make(path: Path) -> None:
        from demo_data.callbacks import add_demo_evaluations
        from demo_data.inspections import add_demo_inspections
        from demo_data.items import add_demo_items
        from demo_data.users import add_demo_users
        from store.timeutil import fixed_clock

        shutil.copy(demo_build.path, path)
        s = Store(path, clock=fixed_clock(NOW), actor=default_actor())
        with s.db.batch():
            add_demo_users(s, s.actor)
            add_demo_evaluations(s, NOW)
            add_demo_items(s, NOW)
            add_demo_inspections(s, NOW)
            s.settings.mark_demo(7)
        s.close()

    return shared_file(tmp_path_factory, "demo-cli", make)[0]


@pytest.fixture
def demo_cli_copy(demo_cli_build: Path, tmp_path: Path) -> Callable[[str], Path]:
    """A fresh copy of ``demo_cli_build`` in this test's tmp dir, per call."""

    def copy(name: str = "demo.db") -> Path:
        dest = tmp_path / name
        shutil.copy(demo_cli_build, dest)
        return dest

    return copy


@pytest.fixture
def chinese() -> Iterator[None]:
    """The catalogue switched to Simplified Chinese for one test, English after."""
    set_language("zh_Hans", localedir=LOCALE_DIR)
    yield
    set_language("en", localedir=LOCALE_DIR)
