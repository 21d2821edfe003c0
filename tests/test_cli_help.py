"""Issue 22, "Finding your way": every ``dispatch`` help page, in English and
in Chinese. ``export --help`` lists every table it names; the Chinese pages
translate click's usage words, never start a line with closing punctuation
and fit 80 cells."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from rich.cells import cell_len

from console.cli import cli

ROOT = Path(__file__).resolve().parent.parent

# In a fresh process, so every command module is imported (and its help text
# translated) in the language asked for, whatever this worker imported before.
ALL_HELP = """
import json, sys
import click
from click.testing import CliRunner
from console.cli import cli

pages = {}

def walk(cmd, path, ctx):
    pages[" ".join(path)] = CliRunner().invoke(cli, [*path, "--help"], prog_name="dispatch", terminal_width=80).output
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                walk(sub, [*path, name], click.Context(sub, parent=ctx, info_name=name))

walk(cli, [], click.Context(cli, info_name="dispatch"))
print(json.dumps(pages, ensure_ascii=False))
"""


def all_help(lang: str) -> dict[str, str]:
    env = {**os.environ, "DISPATCH_LANG": lang, "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-c", ALL_HELP], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def commands_listed(output: str, heading: str = "Commands:") -> list[str]:
    listed = output.split(heading, 1)[1]
    return [m.group(1) for m in re.finditer(r"^  (\S+)", listed, re.M)]


def test_export_lists_every_table_its_help_names() -> None:
    got = CliRunner().invoke(cli, ["export", "--help"], prog_name="dispatch", terminal_width=100)
    assert got.exit_code == 0, got.output
    listed = commands_listed(got.output)
    assert {"sites", "equipment", "technicians", "users", "tickets", "evaluations", "items", "daily", "month",
            "form"} <= set(listed)
    # Every table the description names ('export a|b|c', or in a list) is a command of the list.
    described = got.output.split("Options:", 1)[0]
    for name in re.findall(r"\b(sites|equipment|technicians|users|tickets|evaluations|items)\b", described):
        assert name in listed, name


def test_each_export_table_has_its_own_page() -> None:
    for table in ("sites", "equipment", "technicians", "users"):
        got = CliRunner().invoke(cli, ["export", table, "--help"], prog_name="dispatch", terminal_width=100)
        assert got.exit_code == 0, got.output
        assert got.output.startswith(f"Usage: dispatch export {table} [OPTIONS]"), got.output
    technicians = CliRunner().invoke(cli, ["export", "technicians", "--help"], prog_name="dispatch",
                                  terminal_width=100).output
    # Both of its forms: the reference table (what import reads) and, with a period, the figures.
    assert "--from" in technicians and "import" in technicians.split("Options:")[0]


def test_chinese_help_pages_are_chinese_whole_and_fit_80_cells() -> None:
    pages = all_help("zh_Hans")
    assert len(pages) > 60  # every command and group, nested ones included
    closing = "。，、）：；！？」』》】"
    for path, page in pages.items():
        where = f"dispatch {path} --help"
        lines = page.splitlines()
        assert lines and lines[0].startswith("用法: dispatch"), where
        usage = page.split("\n\n", 1)[0]
        for word in ("OPTIONS", "COMMAND", "ARGS"):
            assert word not in usage, f"{where}: {word} in {usage!r}"
        starts = [line for line in lines if line.strip() and line.strip()[0] in closing]
        assert not starts, f"{where}: a line starts with closing punctuation: {starts}"
        wide = [line for line in lines if cell_len(line) > 80]
        assert not wide, f"{where}: wider than 80 cells: {wide}"
        if "命令:" in page:  # a group: each command's summary says something ("--from 至 --to..." did not)
            for name, summary in re.findall(r"^  (\S+) +(.+)$", page.split("命令:", 1)[1], re.M):
                assert len(re.findall(r"[\u4e00-\u9fff]", summary)) >= 4, f"{where}: {name}: {summary}"


def test_english_help_pages_fit_80_columns() -> None:
    for path, page in all_help("en").items():
        assert page.startswith("Usage: dispatch"), path
        assert "[OPTIONS]" in page.split("\n", 1)[0], path
        assert not [line for line in page.splitlines() if cell_len(line) > 80], path


def test_the_technicians_figures_without_a_period_say_what_is_missing(store: object, db_path: Path) -> None:
    got = CliRunner().invoke(cli, ["--db", str(db_path), "export", "technicians", "--team", "Alpha Team"])
    assert got.exit_code == 2
    assert "need --from and --to" in got.output
    table = CliRunner().invoke(cli, ["--db", str(db_path), "export", "Technicians"])
    assert table.exit_code == 0 and table.output.splitlines()[0] == "name,phone,team,skills,on_duty"


def test_a_group_alone_prints_its_help_not_an_error() -> None:
    """`dispatch site` alone asks what the group does: before, its help came
    folded into one 'dispatch: error:' line with status 2."""
    import click

    ctx = click.Context(cli, info_name="dispatch")
    # Not `ticket` (alone it wants a number) nor `notify` (alone it sends): groups that run without a command.
    groups = [n for n in cli.list_commands(ctx) if isinstance(g := cli.get_command(ctx, n), click.Group)
              and not g.invoke_without_command and n != "ticket"]
    assert {"site", "escalation", "user"} <= set(groups)
    for name in groups:
        alone = CliRunner().invoke(cli, [name], prog_name="dispatch", terminal_width=80)
        helped = CliRunner().invoke(cli, [name, "--help"], prog_name="dispatch", terminal_width=80)
        assert alone.exit_code == 0, (name, alone.output)
        assert alone.output == helped.output and "error" not in alone.output, name


def test_set_help_lists_every_key_the_store_accepts() -> None:
    """Issue 26: center_code (what `dispatch ship` needs first) is named in `dispatch set --help` with the others."""
    from store.repo.settings import SettingsRepo

    out = " ".join(CliRunner().invoke(cli, ["set", "--help"]).output.split())
    assert "center_code is this center's code at the head office" in out
    for key in SettingsRepo.SETTABLE:
        assert key in out, key
