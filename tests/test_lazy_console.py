"""Issue 16: opening the console imports what its first screen needs and
nothing more (start-up time): the form screens and their widgets, the other
screens and the command modules are imported when first used. Checked in a fresh interpreter through the real
entry point, with App.run replaced by a headless run of the first screen."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from console.cli import cli, main

ROOT = Path(__file__).resolve().parent.parent

OPEN_CONSOLE = (
    "import asyncio, gc, json, sys\n"
    "import textual.app\n"
    "def run(self, *a, **k):\n"
    "    async def go():\n"
    "        async with self.run_test(size=(160, 50)) as pilot:\n"
    "            await pilot.pause(0.5)\n"
    "            print(json.dumps({'rows': self.screen.query_one('QueueTable').total,\n"
    "                              'screen': type(self.screen).__name__, 'collector': gc.isenabled()}))\n"
    "    asyncio.run(go())\n"
    "textual.app.App.run = run\n"
    "sys.argv = ['dispatch', '--db', sys.argv[1]]\n"
    "from console.cli import main\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(json.dumps(sorted(sys.modules)))\n"
)


def open_console(db: Path) -> tuple[dict[str, object], set[str]]:
    done = subprocess.run([sys.executable, "-c", OPEN_CONSOLE, str(db)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-2]), set(json.loads(lines[-1]))


def test_opening_the_console_imports_only_what_the_first_screen_needs(demo_cli_copy: Callable[[str], Path]) -> None:
    db = demo_cli_copy("c.db")  # what 'dispatch demo --no-console' builds (conftest)
    shown, loaded = open_console(db)
    assert shown["screen"] == "MainScreen" and shown["rows"], shown  # the console did open, with its queue
    # Off while it started (console/cli/common.py main), on once its first screen is up.
    assert shown["collector"] is True
    screens = {p.stem for p in (ROOT / "console" / "screens").glob("*.py")} - {"__init__"}
    # The main screen and the mixins it is built from.
    first_screen = {"main", "actions", "links", "reopen", "queue_poll", "crossings", "search_bar", "behind"}
    assert {f"console.screens.{s}" for s in screens - first_screen}.isdisjoint(loaded), sorted(
        m for m in loaded if m.startswith("console.screens."))
    assert {"console.widgets.form", "console.widgets.picker", "textual.widgets._text_area"}.isdisjoint(loaded)
    assert "sqlite_utils" not in loaded  # migrations need it, opening a current file does not



# Issue 28: what the first frame (the first render of a queue row) has
# imported, through the real entry point, in a fresh interpreter.
FIRST_FRAME = (
    "import json, sys\n"
    "from console.widgets.queue import QueueTable\n"
    "seen = {}\n"
    "render_line = QueueTable.render_line\n"
    "def spy(self, y):\n"
    "    if self.total and 'modules' not in seen:\n"
    "        seen['modules'] = sorted(sys.modules)\n"
    "    return render_line(self, y)\n"
    "QueueTable.render_line = spy\n"
    "import atexit\n"
    "atexit.register(lambda: print(json.dumps(seen.get('modules'))))\n"
) + OPEN_CONSOLE

# Deferred for the first paint: the forms' field limits (store/limits.py loads the tickets repository and its
# imports); the upgrade code (only when migrations left work); the report
# figures; and what the first poll reads (counts, board, the status bar's
# callbacks, escalations, messages, parts), which starts after the first frame.
# Fourth round: importlib.metadata (pydantic's plugin loader, stood in for by
# console/cli/common.py) and the escalation rules (the settings check imports
# the rules of the settings the file stores: the demo file has no ladder).
# Session 36: the callbacks' rules with their models (the settings check reads
# store/rules/evaluation_settings.py).
# Session 40: the handover note's repository, the notices' rules and the sender's
# (annotations, a ticket's detail, a setting the file does not hold).
NOT_BEFORE_FIRST_FRAME = {
    "store.limits", "store.upgrade", "store.repo.audit_facts", "store.rules.figures",
    "store.repo.tickets", "store.repo.outbox", "store.repo.parts", "store.repo.scores", "store.repo.callbacks",
    "store.repo.escalations", "importlib.metadata", "store.rules.escalation", "store.rules.evaluations",
    "store.repo.handover", "store.rules.notified", "store.delivery",
}


def test_the_first_frame_waits_for_none_of_the_deferred_modules(demo_cli_copy: Callable[[str], Path]) -> None:
    db = demo_cli_copy("c.db")
    done = subprocess.run([sys.executable, "-c", FIRST_FRAME, str(db)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    shown, at_exit, first_frame = json.loads(lines[-3]), set(json.loads(lines[-2])), json.loads(lines[-1])
    assert shown["screen"] == "MainScreen" and shown["rows"], shown
    assert first_frame is not None, "no queue row was rendered"
    assert NOT_BEFORE_FIRST_FRAME.isdisjoint(first_frame), sorted(NOT_BEFORE_FIRST_FRAME & set(first_frame))
    # The first poll did run afterwards (the test would pass vacuously otherwise).
    assert "store.repo.scores" in at_exit


STAND_IN = (
    "import json, os, sys\n"
    "os.environ['PYDANTIC_DISABLE_PLUGINS'] = '__all__'\n"
    "from console.cli.common import no_pydantic_plugin_loader\n"
    "no_pydantic_plugin_loader()\n"
    "from store.rules.escalation import check_escalation\n"
    "ladder = check_escalation({'default': [{'at': 'breached', 'to': ['foreman']}]})\n"
    "before = 'importlib.metadata' in sys.modules\n"
    "from pydantic.plugin._loader import _plugins\n"  # a name only the real loader has
    "print(json.dumps([ladder, before, 'importlib.metadata' in sys.modules, _plugins]))\n"
)


def test_the_plugin_loader_stand_in_validates_and_gives_way_to_the_real_one() -> None:
    """With plugins disabled, models build and validate without importlib.metadata;
    a name the stand-in lacks loads pydantic's own loader (a pydantic that changed it)."""
    done = subprocess.run([sys.executable, "-c", STAND_IN], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    ladder, before, after, plugins = json.loads(done.stdout.strip().splitlines()[-1])
    assert ladder and not before and after and plugins is None


def test_a_command_runs_with_the_collector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """main() turns the cyclic collector off for the console's start; every
    command turns it back on as it starts (a long import or `notify --watch`
    must not run without it)."""
    seen: list[bool] = []

    @click.command("collector-probe")
    def probe() -> None:
        seen.append(gc.isenabled())

    cli.add_command(probe)
    monkeypatch.setattr(sys, "argv", ["dispatch", "--db", str(tmp_path / "x.db"), "collector-probe"])
    try:
        with pytest.raises(SystemExit) as done:
            main()
    finally:
        cli.commands.pop("collector-probe")
        gc.enable()
    assert done.value.code == 0 and seen == [True]
