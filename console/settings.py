"""Settings: what the environment says, and what the console runs with.

``EnvSettings`` is the one reading of the environment: every variable of the
README's environment table, a docstring per field, checked by pydantic (the
``dispatch`` command turns a refusal into one line, ``dispatch: error: …``,
exit 2). ``ConsoleSettings`` is what the console runs with; the CLI builds it
from the environment, tests build their own.

The environment is read by hand into a plain pydantic model (``read_environment``),
not through pydantic-settings (no longer a dependency): for these scalar fields
its environment source did no more than pick the variables by name and drop
the empty ones, and importing it cost 20–35 ms of every start (issue 28).
The ``dispatch`` command imports this module only when a command reads the
environment, never for ``--help`` or ``--version``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from store.i18n import N_, _, normalize

if TYPE_CHECKING:
    from textual.dom import DOMNode

APP_NAME = "dispatch-console"  # the folder of the default files, under the user's data folder
BUSY_TIMEOUT_MAX = 2**31 - 1  # SQLite's busy timeout is a C int

# Each variable's one-line refusal ({v!r}: the value as given).
REFUSALS = {
    "DISPATCH_POLL_SECONDS": N_("DISPATCH_POLL_SECONDS must be a number of seconds above 0, not {v!r}"),
    "DISPATCH_BUSY_TIMEOUT_MS": N_("DISPATCH_BUSY_TIMEOUT_MS must be a whole number of milliseconds, not {v!r}"),
    "DISPATCH_MOUSE": N_("DISPATCH_MOUSE must be 1 (mouse on) or 0 (off), not {v!r}"),
    "DISPATCH_READ_ONLY": N_("DISPATCH_READ_ONLY must be 1 (never write) or 0, not {v!r}"),
    "DISPATCH_LANG": N_("DISPATCH_LANG must be zh_Hans or en, not {v!r}"),
    "DISPATCH_DB": N_("DISPATCH_DB is not UTF-8 text (set a UTF-8 locale or fix its bytes)"),
    "DISPATCH_ACTOR": N_("DISPATCH_ACTOR is not UTF-8 text (set a UTF-8 locale or fix its bytes)"),
    "XDG_DATA_HOME": N_("XDG_DATA_HOME must be an absolute path, not {v!r} (or leave it unset)"),
}


class SettingsRefused(ValueError):
    """A variable of the environment that cannot be used; ``str()`` is the one line to show."""


class EnvSettings(BaseModel):
    """The environment, as the README's table documents it. Names are exact
    (``DISPATCH_DB``, not ``dispatch_db``); an empty variable counts as unset
    (``read_environment``). Tests set their own variables (monkeypatch) and
    never see the user's."""

    model_config = ConfigDict(extra="ignore", validate_by_name=True, frozen=True)

    db: Path | None = Field(None, validation_alias="DISPATCH_DB")
    """The database file when ``--db`` is not given."""

    actor: str | None = Field(None, validation_alias="DISPATCH_ACTOR")
    """Act for another user (same as ``--actor``; a manager's only, checked by the store)."""

    mouse: bool = Field(True, validation_alias="DISPATCH_MOUSE")
    """Mouse tracking; 0 saves the upstream bytes of mouse moves over slow SSH."""

    poll_seconds: float = Field(1.0, gt=0, allow_inf_nan=False, validation_alias="DISPATCH_POLL_SECONDS")
    """How often the console asks the file whether another dispatcher changed it."""

    busy_timeout_ms: int = Field(5000, ge=0, le=BUSY_TIMEOUT_MAX, validation_alias="DISPATCH_BUSY_TIMEOUT_MS")
    """How long a write waits for another dispatcher's transaction."""

    lang: str | None = Field(None, validation_alias="DISPATCH_LANG")
    """The interface language: zh_Hans, en, or a tag meaning one of them (zh_CN, zh-Hans, en_GB…).
    store/i18n.py picks the language from it when it is imported; this refuses a value it cannot use."""

    read_only: bool = Field(False, validation_alias="DISPATCH_READ_ONLY")
    """Look, never write (what ``dispatch serve`` gives a browser tab started without ``--as``)."""

    xdg_data_home: str | None = Field(None, validation_alias="XDG_DATA_HOME")
    """Where the default database folder lives (see ``data_home``)."""

    @field_validator("db", "actor", mode="before")
    @classmethod
    def _utf8(cls, value: Any) -> Any:
        # Bytes that are not UTF-8 reach Python as lone surrogates, which no file or name can hold.
        if isinstance(value, str):
            value.encode("utf-8")  # UnicodeEncodeError is a ValueError: pydantic reports it
        return value

    @field_validator("lang")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is not None and value.strip() and normalize(value) is None:
            raise ValueError("unknown language")
        return value

    @field_validator("busy_timeout_ms", mode="before")
    @classmethod
    def _digits(cls, value: Any) -> Any:
        # "5000.0", "+5000" or "5e3" is not what anyone means by a number of milliseconds.
        if isinstance(value, str) and not value.strip().isdigit():
            raise ValueError("not digits")
        return value

    def data_home(self) -> Path:
        """The folder of the default database and the demo: the user's data folder
        (``$XDG_DATA_HOME``, else ``~/.local/share``, on Linux; the platform's own
        elsewhere) with ``dispatch-console`` in it. Checked here, where it is needed,
        so a stray value does not stop ``--db`` users: a relative XDG_DATA_HOME,
        which platformdirs would quietly pass over, is refused."""
        from platformdirs import user_data_path

        xdg = (self.xdg_data_home or "").strip()
        if xdg and not Path(xdg).is_absolute():
            raise SettingsRefused(_(REFUSALS["XDG_DATA_HOME"]).format(v=self.xdg_data_home))
        return user_data_path(APP_NAME, appauthor=False)


def read_environment() -> EnvSettings:
    """The environment as an ``EnvSettings``, or ``SettingsRefused`` with the
    first bad variable's one line."""
    # Only the variables the model names, by their exact names (an environment
    # variable called "db" or "lang" is not DISPATCH_DB), the empty ones left out.
    names = [str(f.validation_alias) for f in EnvSettings.model_fields.values()]
    given = {name: value for name in names if (value := os.environ.get(name))}
    try:
        return EnvSettings.model_validate(given)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "?"
        refusal = REFUSALS.get(name, N_("{name} has a value that cannot be used"))
        raise SettingsRefused(_(refusal).format(v=first.get("input"), name=name)) from None


class ConsoleSettings(BaseModel):
    poll_seconds: float = Field(default=1.0, gt=0)
    """How often to ask the file whether another dispatcher changed it (PRAGMA data_version)."""

    cursor_blink: bool = True
    """Blink the text cursor in inputs (off in tests and snapshots)."""

    mouse: bool = True
    """Mouse support; off saves the upstream bytes of mouse tracking over slow SSH (DISPATCH_MOUSE=0)."""

    @classmethod
    def from_env(cls, env: EnvSettings) -> ConsoleSettings:
        """From an ``EnvSettings`` (``read_environment``)."""
        return cls(poll_seconds=env.poll_seconds, mouse=env.mouse)


def apply_blink(node: DOMNode) -> None:
    """Inputs and text areas under ``node`` follow the cursor_blink setting."""
    settings: ConsoleSettings = node.app.settings  # type: ignore[attr-defined]
    if not settings.cursor_blink:
        for widget in node.query("Input, TextArea"):
            widget.cursor_blink = False  # type: ignore[attr-defined]
