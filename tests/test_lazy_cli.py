"""Issue 16: the ``dispatch`` group loads its command modules on first use, so
opening the console imports none of them (they cost ~190 ms of start-up),
while ``dispatch --help`` still lists every command with its line."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
COMMAND_MODULES = sorted(
    m.name for m in pkgutil.iter_modules([str(ROOT / "console" / "cli")])
    if m.name not in {"common", "help_format", "__main__"}  # the group and how its help reads: always loaded
)


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_map_names_every_command_of_every_module() -> None:
    from console.cli.common import cli, command_modules

    for name in COMMAND_MODULES:
        importlib.import_module(f"console.cli.{name}")
    registered = {name: cmd.callback.__module__.rsplit(".", 1)[-1] for name, cmd in cli.commands.items()}
    assert registered == {name: module for name, (module, _line) in command_modules().items()}
    assert all(line.strip() for _module, line in command_modules().values())


def test_help_lists_every_command_without_importing_their_modules() -> None:
    out = run_python(
        "import json, sys\n"
        "from click.testing import CliRunner\n"
        "from console.cli import cli\n"
        "r = CliRunner().invoke(cli, ['--help'], terminal_width=200)\n"
        "assert r.exit_code == 0, r.output\n"
        "print(json.dumps({'help': r.output,"
        " 'loaded': sorted(m for m in sys.modules if m.startswith('console.cli.'))}))\n"
    )
    got = json.loads(out)
    from console.cli.common import command_modules

    listed = got["help"].split("Commands:", 1)[1]
    for name, (_module, line) in command_modules().items():
        assert f"  {name} " in listed and line in listed, name
    assert got["loaded"] == ["console.cli.common", "console.cli.help_format"]


def test_a_command_is_loaded_when_used(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from console.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "init", "--timezone", "UTC"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["site", "--help"])
    assert result.exit_code == 0 and "add" in result.output
    assert isinstance(cli.get_command(click.Context(cli), "report"), click.Command)
    assert cli.get_command(click.Context(cli), "no-such-command") is None


def test_opening_the_console_imports_no_command_module(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    from click.testing import CliRunner

    from console.cli import cli

    assert CliRunner().invoke(cli, ["--db", str(db), "init", "--timezone", "UTC"]).exit_code == 0
    # The real entry point, with App.run replaced by a headless run that
    # mounts the first screen and lets its first poll finish.
    out = run_python(
        "import asyncio, json, sys\n"
        "import textual.app\n"
        "def run(self, *a, **k):\n"
        "    async def go():\n"
        "        async with self.run_test(size=(160, 50)) as pilot:\n"
        "            await pilot.pause(0.5)\n"
        "    asyncio.run(go())\n"
        "textual.app.App.run = run\n"
        f"sys.argv = ['dispatch', '--db', {str(db)!r}]\n"
        "from console.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = set(json.loads(out.strip().splitlines()[-1]))
    assert "console.screens.main" in loaded  # the console did open
    assert not {f"console.cli.{m}" for m in COMMAND_MODULES} & loaded
    assert not {"xlsxwriter", "store.transfer.workbooks", "store.transfer.xlsx", "store.transfer.callback_form"} & loaded


# What a command that only prints must not load (issue 28 "Start and tick"):
# the console, the workbook writer, the notifiers, a server database driver,
# and for --help the store itself (its repositories, pydantic, pendulum).
NOT_FOR_PRINTING = ("textual", "xlsxwriter", "apprise", "psycopg", "psycopg2", "babel")
NOT_FOR_HELP = (*NOT_FOR_PRINTING, "pydantic", "pendulum", "sqlite_utils", "store.store",
                "store.models", "store.database")


def loaded_by(*args: str, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """The real entry point in a fresh interpreter: its output and every module it had loaded at exit."""
    import os

    code = ("import json, sys\n"
            f"sys.argv = ['dispatch', *{list(args)!r}]\n"
            "from console.cli import main\n"
            "try:\n"
            "    main()\n"
            "except SystemExit as exc:\n"
            "    assert not exc.code, exc.code\n"
            "print('\\nMODULES ' + json.dumps(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr
    out, _sep, modules = done.stdout.rpartition("\nMODULES ")
    return out, set(json.loads(modules))


def heavy(loaded: set[str], names: tuple[str, ...]) -> set[str]:
    """The modules of ``names`` loaded. A submodule whose package is not loaded is
    no import but a stand-in placed in sys.modules (pydantic's plugin loader,
    console/cli/common.py): not counted."""
    return {m for m in loaded if (m in names or m.split(".")[0] in names) and m.split(".")[0] in loaded}


def test_help_loads_neither_the_store_nor_any_heavy_library(tmp_path: Path) -> None:
    out, loaded = loaded_by("--help", env={"XDG_DATA_HOME": str(tmp_path)})
    assert "Commands:" in out and "queue" in out
    assert not heavy(loaded, NOT_FOR_HELP), sorted(heavy(loaded, NOT_FOR_HELP))


def test_queue_prints_without_the_console_or_the_workbooks(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from console.cli import cli

    db = tmp_path / "q.db"
    assert CliRunner().invoke(cli, ["--db", str(db), "init", "--timezone", "UTC"]).exit_code == 0
    out, loaded = loaded_by("--db", str(db), "queue", env={"XDG_DATA_HOME": str(tmp_path), "DISPATCH_LANG": "en"})
    assert "open 0" in out
    assert not heavy(loaded, NOT_FOR_PRINTING), sorted(heavy(loaded, NOT_FOR_PRINTING))
    # nor the repositories and rules it does not ask (they were a third of its start-up)
    unused = {"store.repo.parts", "store.repo.imports", "store.repo.inspections", "store.repo.audit", "store.backup",
              "store.transfer.csv_io", "store.rules.history", "store.rules.explain_text"}
    assert not unused & loaded, sorted(unused & loaded)


def test_every_command_still_shows_its_help() -> None:
    """Each command's module loads on use and its help works (what a lazy import broke would show)."""
    from click.testing import CliRunner

    from console.cli.common import cli, command_modules

    for name in command_modules():
        result = CliRunner().invoke(cli, [name, "--help"], terminal_width=200)
        assert result.exit_code == 0, (name, result.output, result.exception)
        assert "Usage:" in result.output, name
