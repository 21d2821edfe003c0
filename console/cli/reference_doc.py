"""The README's command reference, written from the ``dispatch`` command itself.

    python -m console.cli.reference_doc           # rewrite README.md's generated blocks
    python -m console.cli.reference_doc --check   # exit 1 (with a diff) if they differ

README.md holds blocks between a begin marker and ``<!-- end of generated text -->``:

- ``<!-- dispatch reference — … -->``: every command and group, its usage
  (arguments, then options) and its whole ``--help`` text;
- ``<!-- dispatch synopsis report export — … -->``: the usage lines of the
  commands named (and their sub-commands) only.

Written in English whatever the language in force (the help texts are
translated when their modules are imported, so another language starts the
module again with DISPATCH_LANG=en). A developer tool: ``dispatch`` never
imports it. tests/test_readme_reference.py fails when README.md and the
command differ."""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from store.i18n import current_language

from .common import cli

README = Path(__file__).resolve().parents[2] / "README.md"
WIDTH = 100  # the README's code blocks
HELP_INDENT = 4
MARKER = re.compile(r"^<!-- dispatch (reference|synopsis)((?: [\w-]+)*) — written by "
                    r"`python -m console\.cli\.reference_doc`, do not edit -->$", re.M)
END = "<!-- end of generated text -->"
# On every command (console/cli/common.py file_options): said once, beside the reference.
FILE_OPTIONS = {"db", "actor", "help"}


def walk(cmd: click.Command, path: list[str], ctx: click.Context) -> Iterator[tuple[list[str], click.Command,
                                                                                 click.Context]]:
    """Every command and group below ``cmd`` (itself first), hidden ones left out, by name."""
    yield path, cmd, ctx
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, [*path, name], click.Context(sub, parent=ctx, info_name=name))


def _metavar(param: click.Parameter, ctx: click.Context) -> str:
    try:
        return param.make_metavar(ctx)
    except TypeError:  # click < 8.2
        return param.make_metavar()  # type: ignore[call-arg]


def option_piece(opt: click.Option, ctx: click.Context) -> str:
    """``[--format table|csv|json]``, ``--site SITE`` (required), ``[--keep]``."""
    name = opt.opts[0]
    if opt.is_flag or opt.count:
        text = f"{name}|{opt.secondary_opts[0]}" if opt.secondary_opts else name
    else:
        if opt.metavar:
            value = opt.metavar
        elif isinstance(opt.type, click.Choice):
            value = "|".join(str(c) for c in opt.type.choices)
        elif isinstance(opt.type, click.types.StringParamType | click.types.IntParamType | click.types.FloatParamType):
            # TEXT or INTEGER says less than the option's own name (--day DAY, --seed SEED).
            value = max(opt.opts, key=len).lstrip("-").upper()
        else:
            value = _metavar(opt, ctx)  # PATH, FILE, FILENAME
        text = f"{name} {value}" + (" ..." if opt.multiple else "")
    return text if opt.required else f"[{text}]"


def usage_pieces(cmd: click.Command, ctx: click.Context, root: bool) -> list[str]:
    args = [_metavar(p, ctx) for p in cmd.params if isinstance(p, click.Argument)]
    opts = [option_piece(p, ctx) for p in cmd.params
            if isinstance(p, click.Option) and (root or p.name not in FILE_OPTIONS) and p.name != "help"]
    return args + opts


def usage_lines(path: list[str], pieces: list[str]) -> list[str]:
    """The usage on as many lines as it needs, continued under the first argument."""
    head = " ".join(["dispatch", *path])
    indent = " " * min(len(head) + 1, 24)
    lines = [head]
    for piece in pieces:
        if len(lines[-1]) + 1 + len(piece) > WIDTH and lines[-1].strip():
            lines.append(indent + piece)
        else:
            lines[-1] += " " + piece
    return lines


def help_lines(cmd: click.Command) -> list[str]:
    """The command's --help text as click lays it out (paragraphs, ``\\b`` blocks kept)."""
    if not cmd.help:
        return []
    formatter = click.HelpFormatter(indent_increment=HELP_INDENT, width=WIDTH, max_width=WIDTH)
    with formatter.indentation():
        formatter.write_text(cmd.help)
    return [line.rstrip() for line in formatter.getvalue().rstrip("\n").splitlines()]


def render(kind: str, only: list[str]) -> str:
    """The text of one generated block (between its markers)."""
    root = click.Context(cli, info_name="dispatch")
    starts: list[tuple[click.Command, list[str], click.Context]] = [(cli, [], root)]
    if only:  # in the order named
        starts = []
        for name in only:
            cmd = cli.get_command(root, name)
            if cmd is None:
                raise SystemExit(f"README.md names a command dispatch does not have: {name}")
            starts.append((cmd, [name], click.Context(cmd, parent=root, info_name=name)))
    out: list[str] = []
    for path, cmd, ctx in (entry for start in starts for entry in walk(*start)):
        if kind == "synopsis" and isinstance(cmd, click.Group):
            continue
        if out and kind == "reference" and len(path) == 1:
            out.append("")  # a blank line before each top-level command
        out += usage_lines(path, usage_pieces(cmd, ctx, root=not path))
        if kind == "reference":
            out += help_lines(cmd)
    return "```\n" + "\n".join(out) + "\n```"


def rewrite(readme: str) -> str:
    """README text with every generated block written afresh."""
    parts, at = [], 0
    for m in MARKER.finditer(readme):
        end = readme.find(END, m.end())
        if end < 0:
            raise SystemExit(f"README.md: {m.group(0)!r} has no {END!r} after it")
        parts += [readme[at:m.end()], "\n", render(m.group(1), m.group(2).split()), "\n"]
        at = end
    return "".join(parts) + readme[at:]


def main(argv: list[str]) -> int:
    if current_language() != "en":
        # The help texts were translated as their modules were imported: start again in English.
        os.execve(sys.executable, [sys.executable, "-m", "console.cli.reference_doc", *argv],
                  {**os.environ, "DISPATCH_LANG": "en"})
    check = argv == ["--check"]
    if argv and not check:
        print("usage: python -m console.cli.reference_doc [--check]", file=sys.stderr)
        return 2
    old = README.read_text(encoding="utf-8")
    if not MARKER.search(old):
        print("README.md has no generated block (no begin marker)", file=sys.stderr)
        return 2
    new = rewrite(old)
    if check:
        if new == old:
            return 0
        diff = difflib.unified_diff(old.splitlines(), new.splitlines(), "README.md", "from the CLI", lineterm="", n=1)
        print("README.md's command reference differs from what the `dispatch` command says;"
              " run: .venv/bin/python -m console.cli.reference_doc", *list(diff)[:60], sep="\n")
        return 1
    if new != old:
        README.write_text(new, encoding="utf-8")
        print("README.md: command reference rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
