"""Running `dispatch` in-process against a test's file, the way the CLI tests
of parts, fees and inspections do: each command's result, a command that must
succeed and leave `dispatch check` green, and a one-line refusal."""

from __future__ import annotations

from click.testing import CliRunner, Result


def invoke(db: str, *args: str) -> Result:
    from console.cli import cli

    return CliRunner().invoke(cli, ["--db", db, *args])


def ok(db: str, *args: str) -> str:
    """The command's output; it succeeded and the file still passes `dispatch check`."""
    result = invoke(db, *args)
    assert result.exit_code == 0, (result.output, result.stderr, result.exception)
    check = invoke(db, "check")
    assert check.exit_code == 0, check.output
    return result.output


def one_line_error(result: Result, words: str) -> None:
    assert result.exit_code == 2, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dispatch: error: ") and words in lines[0], result.stderr
