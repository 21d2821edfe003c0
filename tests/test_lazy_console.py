"""Issue 16: opening the console imports what its first screen needs and
nothing more (start-up time): the form screens and their widgets, the other
screens and the command modules are imported when first used. Checked in a fresh interpreter through the real
entry point, with App.run replaced by a headless run of the first screen."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

OPEN_CONSOLE = (
    "import asyncio, json, sys\n"
    "import textual.app\n"
    "def run(self, *a, **k):\n"
    "    async def go():\n"
    "        async with self.run_test(size=(160, 50)) as pilot:\n"
    "            await pilot.pause(0.5)\n"
    "            print(json.dumps({'rows': self.screen.query_one('QueueTable').total,\n"
    "                              'screen': type(self.screen).__name__}))\n"
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
    screens = {p.stem for p in (ROOT / "console" / "screens").glob("*.py")} - {"__init__"}
    # The main screen and the mixins it is built from.
    first_screen = {"main", "actions", "links", "reopen", "queue_poll", "crossings", "search_bar"}
    assert {f"console.screens.{s}" for s in screens - first_screen}.isdisjoint(loaded), sorted(
        m for m in loaded if m.startswith("console.screens."))
    assert {"console.widgets.form", "console.widgets.picker", "textual.widgets._text_area"}.isdisjoint(loaded)
    assert "sqlite_utils" not in loaded  # migrations need it, opening a current file does not

