"""Issue 23: the environment is read by one pydantic model
(console/settings.py ``EnvSettings``): every variable of the README's table,
each bad value one line ``dispatch: error: NAME …`` and exit status 2, the
default folder from platformdirs (``$XDG_DATA_HOME`` or ``~/.local/share``).

Every test starts from an environment without any of these variables and
with its own HOME: the user's own settings never reach it."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from console.settings import REFUSALS, ConsoleSettings, EnvSettings, SettingsRefused, read_environment
from store import Store
from store.context import default_actor

ROOT = Path(__file__).resolve().parent.parent


def table_variables() -> list[str]:
    """The names in the README's environment table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("Environment:", 1)[1].split("\n\n", 2)[1]
    return [m.group(1) for m in re.finditer(r"^\| `([A-Z_]+)", table, re.M)]


VARIABLES = table_variables()


@pytest.fixture(autouse=True)
def own_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISPATCH_LANG", "en")  # as conftest: the suite speaks English
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "d.db"
    store = Store(path, create=True, actor=default_actor())
    store.users.add_user(default_actor(), "Me", "manager")
    store.close()
    return path


def invoke(*args: str) -> Result:
    from console.cli import cli

    return CliRunner().invoke(cli, list(args))


def one_line_error(result: Result, *words: str) -> str:
    assert result.exit_code == 2, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dispatch: error: "), result.stderr
    assert "Traceback" not in result.stderr and "pydantic" not in result.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def test_the_model_reads_every_variable_of_the_readme_table() -> None:
    assert len(VARIABLES) >= 8
    aliases = {f.validation_alias for f in EnvSettings.model_fields.values()}
    assert set(VARIABLES) == aliases
    assert set(VARIABLES) == set(REFUSALS)  # and each has its own one-line refusal


@pytest.mark.parametrize(("name", "value"), [
    ("DISPATCH_POLL_SECONDS", "soon"),
    ("DISPATCH_POLL_SECONDS", "0"),
    ("DISPATCH_POLL_SECONDS", "-1"),
    ("DISPATCH_POLL_SECONDS", "inf"),
    ("DISPATCH_POLL_SECONDS", "nan"),
    ("DISPATCH_BUSY_TIMEOUT_MS", "soon"),
    ("DISPATCH_BUSY_TIMEOUT_MS", "5.5"),
    ("DISPATCH_BUSY_TIMEOUT_MS", "-5"),
    ("DISPATCH_BUSY_TIMEOUT_MS", "99999999999"),
    ("DISPATCH_MOUSE", "2"),
    ("DISPATCH_MOUSE", "maybe"),
    ("DISPATCH_READ_ONLY", "2"),
    ("DISPATCH_READ_ONLY", "sure"),
    ("DISPATCH_LANG", "fr"),
    ("DISPATCH_LANG", "zh_TW"),
])
def test_a_bad_value_is_one_line_naming_the_variable(db: Path, name: str, value: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, value)
    line = one_line_error(invoke("--db", str(db), "queue"), name, repr(value))
    assert line == "dispatch: error: " + REFUSALS[name].format(v=value)
    # The console refuses it too, before it starts.
    one_line_error(invoke("--db", str(db)), name)


def test_text_that_is_not_utf8_is_refused(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCH_ACTOR", "ann\udcff")  # a byte that is not UTF-8, as Python hands it on
    one_line_error(invoke("--db", str(db), "queue"), "DISPATCH_ACTOR", "UTF-8")
    monkeypatch.delenv("DISPATCH_ACTOR")
    monkeypatch.setenv("DISPATCH_DB", f"{db}\udcff")
    one_line_error(invoke("queue"), "DISPATCH_DB", "UTF-8")


@pytest.mark.parametrize("value", ["1", "true", "yes", "on", "TRUE"])
def test_read_only_in_any_spelling_of_yes_never_writes(db: Path, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCH_READ_ONLY", value)
    result = invoke("--db", str(db), "site", "add", "HQ", "Head office")
    assert result.exit_code == 2 and "read-only" in result.stderr, result.output
    store = Store(db, actor="t")
    assert store.reference.sites() == []
    store.close()


@pytest.mark.parametrize("value", ["0", "false", "no", ""])
def test_read_only_off_writes(db: Path, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCH_READ_ONLY", value)
    result = invoke("--db", str(db), "site", "add", "HQ", "Head office")
    assert result.exit_code == 0, result.output


def test_the_console_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ConsoleSettings.from_env(read_environment()) == ConsoleSettings()
    monkeypatch.setenv("DISPATCH_MOUSE", "0")
    monkeypatch.setenv("DISPATCH_POLL_SECONDS", "2.5")
    settings = ConsoleSettings.from_env(read_environment())
    assert settings.mouse is False and settings.poll_seconds == 2.5
    monkeypatch.setenv("DISPATCH_MOUSE", "off")
    assert read_environment().mouse is False
    monkeypatch.setenv("DISPATCH_MOUSE", "")  # empty: not set
    assert read_environment().mouse is True
    monkeypatch.setenv("DISPATCH_POLL_SECONDS", "x")
    with pytest.raises(SettingsRefused, match="DISPATCH_POLL_SECONDS must be a number of seconds above 0, not 'x'"):
        read_environment()


def test_busy_timeout_and_language_values_that_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCH_BUSY_TIMEOUT_MS", "200")
    monkeypatch.setenv("DISPATCH_LANG", "zh-Hans")
    env = read_environment()
    assert env.busy_timeout_ms == 200 and env.lang == "zh-Hans"
    for tag in ("zh_CN.UTF-8", "en_GB", "zh", "en", " "):
        monkeypatch.setenv("DISPATCH_LANG", tag)
        read_environment()


def test_db_and_actor_from_the_environment_and_the_options_win(db: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCH_DB", str(db))
    assert invoke("site", "add", "HQ", "Head office").exit_code == 0
    other = tmp_path / "other.db"
    assert invoke("--db", str(other), "init", "--timezone", "UTC").exit_code == 0  # --db wins over DISPATCH_DB
    assert invoke("site", "list", "--db", str(other)).output.strip() == "Code  Name  Address  Contact"
    assert "HQ" in invoke("site", "list").output
    # DISPATCH_ACTOR: a manager entering a change for someone (who may make it
    # themselves: two more managers); --actor wins over it.
    people = Store(db, actor=default_actor())
    people.users.add_user("mei.lin", "Mei Lin", "manager")
    people.users.add_user("li.wei", "Li Wei", "manager")
    people.close()
    monkeypatch.setenv("DISPATCH_ACTOR", "mei.lin")
    assert invoke("site", "add", "B2", "Branch").exit_code == 0
    assert invoke("--actor", "li.wei", "site", "add", "B3", "Branch").exit_code == 0
    assert invoke("--actor", " ", "site", "add", "B4", "Branch").exit_code == 0  # blank: oneself
    raw = sqlite3.connect(db)
    rows = raw.execute("SELECT actor, entered_by FROM events WHERE action = 'site.add' ORDER BY id").fetchall()
    raw.close()
    me = default_actor()
    assert rows == [(me, None), ("mei.lin", me), ("li.wei", me), (me, None)]


# ------------------------------------------------------------ the data folder

def test_default_folder_is_under_local_share(own_environment: Path) -> None:
    result = invoke("init", "--timezone", "UTC")
    assert result.exit_code == 0, result.output
    assert (own_environment / ".local" / "share" / "dispatch-console" / "dispatch.db").is_file()


def test_xdg_data_home_moves_the_default_folder(tmp_path: Path, own_environment: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    xdg = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg))
    result = invoke("init", "--timezone", "UTC")
    assert result.exit_code == 0, result.output
    assert (xdg / "dispatch-console" / "dispatch.db").is_file()
    assert not (own_environment / ".local").exists()
    one_line_error(invoke("queue", "--db", str(tmp_path / "none.db")), "none.db", "does not exist")
    monkeypatch.setenv("XDG_DATA_HOME", "")  # empty: not set
    assert read_environment().data_home() == own_environment / ".local" / "share" / "dispatch-console"


def test_a_relative_xdg_data_home_is_refused_only_where_it_is_used(db: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", "data")
    one_line_error(invoke("init", "--timezone", "UTC"), "XDG_DATA_HOME must be an absolute path", "'data'")
    one_line_error(invoke("demo", "--no-console"), "XDG_DATA_HOME")
    assert not (tmp_path / "data").exists()
    assert invoke("--db", str(db), "queue").exit_code == 0  # --db given: the folder is not needed
