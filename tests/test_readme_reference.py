"""Issue 22, "Finding your way": the README's command reference is what the
``dispatch`` command says (written by ``python -m console.cli.reference_doc``),
and its console key table names every key of the main screen."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

# Every command path, in a fresh English process (help texts are translated as
# their modules are imported, and a Chinese test may have imported one here).
COMMAND_PATHS = """
import click
from console.cli import cli

def walk(cmd, path, ctx):
    print(" ".join(["dispatch", *path]))
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if not sub.hidden:
                walk(sub, [*path, name], click.Context(sub, parent=ctx, info_name=name))

walk(cli, [], click.Context(cli, info_name="dispatch"))
"""


def run_python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env={**os.environ, "DISPATCH_LANG": "en"},
                          capture_output=True, text=True, timeout=300)


def section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def test_the_reference_names_every_command() -> None:
    done = run_python("-c", COMMAND_PATHS)
    assert done.returncode == 0, done.stderr
    paths = done.stdout.splitlines()
    assert {"dispatch site add", "dispatch user language", "dispatch calendar holiday add", "dispatch import",
            "dispatch export sites", "dispatch scores", "dispatch complaints list"} <= set(paths)
    reference = section("Command reference")
    # Each at the start of a line, followed by its arguments or nothing (so 'dispatch user' is not
    # found inside 'dispatch user add').
    missing = [p for p in paths if not re.search(rf"^{re.escape(p)}( |$)", reference, re.M)]
    assert not missing, f"README.md's command reference lacks {missing}: run .venv/bin/python -m console.cli.reference_doc"


def test_the_readme_is_what_the_cli_says() -> None:
    done = run_python("-m", "console.cli.reference_doc", "--check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_stale_block_is_found_and_rewritten() -> None:
    code = (
        "from console.cli.reference_doc import MARKER, END, rewrite\n"
        "from console.cli.reference_doc import README\n"
        "text = README.read_text(encoding='utf-8')\n"
        "stale = text.replace('dispatch user language LOGIN {', 'dispatch user lingo LOGIN {')\n"
        "assert stale != text and rewrite(stale) == text and rewrite(text) == text\n"
        "assert len(MARKER.findall(text)) == text.count(END) == 2\n"
    )
    done = run_python("-c", code)
    assert done.returncode == 0, done.stderr


# How the README writes a key Textual names otherwise.
KEY_WORDS = {"down": "↓", "up": "↑", "pagedown": "PgDn", "pageup": "PgUp", "home": "Home", "end": "End",
             "escape": "esc", "slash": "/", "colon": ":", "question_mark": "?"}


def test_the_key_table_has_every_key_of_the_main_screen() -> None:
    from console.app import DispatchApp
    from console.screens.main import MainScreen
    from console.widgets.queue import QueueTable

    table = [line for line in section("The console").splitlines() if line.startswith("| ")][1:]
    written: set[str] = set()
    for line in table:
        keys = line.split("|")[1]
        written |= set(re.findall(r"`([^`]+)`", keys))
        written |= {w for w in re.split(r"[\s,/`]+", re.sub(r"`[^`]+`", " ", keys)) if w}
        written |= set(re.findall(r"`(ctrl\+\w)` anywhere", line))
    bindings = [*MainScreen.BINDINGS, *QueueTable.BINDINGS, *DispatchApp.BINDINGS]
    keys = {key.strip() for b in bindings for key in b.key.split(",")}  # type: ignore[union-attr]
    missing = sorted(key for key in keys if KEY_WORDS.get(key, key) not in written)
    assert not missing, f"README.md's key table (section 'The console') lacks {missing}"
