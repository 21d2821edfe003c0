"""``dispatch`` in Chinese: its help (click's own words included) is Chinese,
and long Chinese help lines wrap inside the terminal (two cells a character)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from console.cli import cli
from store.i18n import LOCALE_DIR, set_language


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DISPATCH_LANG", "zh_Hans")
    set_language("zh_Hans", localedir=LOCALE_DIR)
    yield
    set_language("en", localedir=LOCALE_DIR)


@pytest.mark.parametrize("args", [["--help"], ["export", "month", "--help"], ["report", "--help"],
                                  ["user", "language", "--help"]])
def test_help_is_chinese_and_fits_80_cells(chinese: None, args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, terminal_width=80)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("用法:")
    assert "显示此帮助并退出。" in result.output
    too_wide = [line for line in lines if cell_len(line) > 80]
    assert not too_wide


def test_click_errors_are_chinese(chinese: None) -> None:
    result = CliRunner().invoke(cli, ["export", "month", "--nope"], terminal_width=80)
    assert result.exit_code == 2
    assert "没有选项 '--nope'" in result.output
