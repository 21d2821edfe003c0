"""What every ``dispatch`` command shares: the group, where the file is, and
the one way an error leaves (one line on stderr, exit status 2).

Headless commands (everything but the console itself) never import textual:
``run_console`` imports it when the console is opened."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.cells import cell_len

from store.errors import StoreError
from store.i18n import _, ngettext
from store.store import Store, default_actor
from store.text import clean


def _click_gettext(message: str) -> str:
    return _(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return ngettext(singular, plural, n)


def route_click_words() -> None:
    """Click's own words ("Usage:", "Options", "Show this message and exit.",
    "Error: …", "No such option …") come from a module-level ``_`` (and
    ``ngettext``) in each click module, bound to the standard library's
    gettext with its "messages" domain, which has no catalogue for us. Point
    them at ours instead: functions, so the language is read at each call.
    Their msgids are listed for extraction in console/cli/click_words.py."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.shell_completion
    import click.termui
    import click.types
    import click.utils

    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser,
                   click.shell_completion, click.termui, click.types, click.utils):
        if hasattr(module, "_"):
            module._ = _click_gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext  # type: ignore[attr-defined]


def forget_help_options(command: click.Command) -> None:
    """Click (8.1.8+) builds each command's --help option once and keeps it,
    its help text in the language of that first call: forget them, so the
    next call builds them in the language in use then."""
    if getattr(command, "_help_option", None) is not None:
        command._help_option = None  # type: ignore[attr-defined]
    for sub in getattr(command, "commands", {}).values():
        forget_help_options(sub)


# Characters a terminal draws two cells wide, and where a line of them may break.
_WIDE_RUN = re.compile(r"([\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef])")


def wrap_in_cells() -> None:
    """Click wraps help text by counting characters, and breaks lines only at
    spaces: a Chinese sentence (no spaces, two cells a character) ran past the
    terminal's edge. Its wrapper measures through one function (``term_len``)
    and splits words in one method: measure in cells, and let a line break
    between any two wide characters. Click internals: if they move, help text
    is still right, only wrapped as before."""
    try:
        import click._textwrap as textwrap_mod
        import click.formatting
        from click._compat import _ansi_re
    except ImportError:
        return
    if not hasattr(textwrap_mod, "term_len") or not hasattr(click.formatting, "term_len"):
        return

    def cells(text: str) -> int:
        return cell_len(_ansi_re.sub("", text))

    split = textwrap_mod.TextWrapper._split

    def split_wide(self: Any, text: str) -> list[str]:
        return [piece for chunk in split(self, text) for piece in _WIDE_RUN.split(chunk) if piece]

    textwrap_mod.term_len = cells
    click.formatting.term_len = cells
    textwrap_mod.TextWrapper._split = split_wide  # type: ignore[method-assign]


route_click_words()
wrap_in_cells()

DATA_HOME = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "dispatch-console"

F = TypeVar("F", bound=Callable[..., Any])


def default_db() -> Path:
    return DATA_HOME / "dispatch.db"


def fail(message: str) -> NoReturn:
    # The message may carry a path or a name someone typed: one line, no escapes.
    click.echo(_("dispatch: error: {message}").format(message=clean(message, single_line=True)), err=True)
    sys.exit(2)


def busy_timeout_ms() -> int:
    """How long a write waits for another dispatcher's transaction (DISPATCH_BUSY_TIMEOUT_MS)."""
    value = os.environ.get("DISPATCH_BUSY_TIMEOUT_MS", "5000")
    if not value.isdigit():
        fail(_("DISPATCH_BUSY_TIMEOUT_MS must be a whole number of milliseconds, not {v!r}").format(v=value))
    return int(value)


def make_parent(path: Path) -> None:
    from store.files import FOLDER_MODE

    try:
        path.parent.mkdir(FOLDER_MODE, parents=True, exist_ok=True)  # not open to everyone, whatever the umask
    except OSError as exc:
        fail(_("{path}: cannot create its folder ({e})").format(path=path, e=exc.strerror or exc))


def stdout_is_tty() -> bool:
    """A terminal gets fitted columns and a progress bar; a pipe gets everything, plainly."""
    return sys.stdout.isatty()


def package_version() -> str:
    # importlib.metadata costs ~20 ms: imported only when the version is asked for.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dispatch-console")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: the installed version is read only when asked for."""
    if value and not ctx.resilient_parsing:
        click.echo(_("%(prog)s %(version)s") % {"prog": "dispatch", "version": package_version()})
        ctx.exit()


class Ctx:
    def __init__(self, db: Path | None, actor: str | None):
        self.db_given = db
        self.actor = actor

    @property
    def db(self) -> Path:
        return self.db_given or default_db()

    def who(self) -> dict[str, str | None]:
        """The writes are the OS login's; --actor/DISPATCH_ACTOR names someone
        else, which the store allows only a manager and records (entered_by)."""
        login = default_actor()
        actor = self.actor.strip() if self.actor and self.actor.strip() else login
        return {"actor": actor, "by": login if actor != login else None}

    def open(self, **kwargs: Any) -> Store:
        # DISPATCH_READ_ONLY=1: look, never write (what 'dispatch serve' gives a browser tab no one signed into).
        kwargs.setdefault("read_only", os.environ.get("DISPATCH_READ_ONLY") == "1")
        return Store(self.db, **self.who(), busy_timeout_ms=busy_timeout_ms(), **kwargs)


def _db_after(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.ensure_object(Ctx).db_given = value


def _actor_after(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(Ctx).actor = value


def file_options(f: F) -> F:
    """--db and --actor after the sub-command too (``dispatch queue --db x.db``);
    there they win over the ones given before it and over the environment."""
    f = click.option("--actor", expose_value=False, callback=_actor_after,
                     help=_("Act for another user (managers only; the audit log records both)."))(f)
    f = click.option("--db", type=click.Path(path_type=Path), expose_value=False, callback=_db_after,
                     help=_("The database file (as before the command)."))(f)
    return f


def run_console(store: Store) -> None:
    from console.app import make_app
    from console.settings import ConsoleSettings

    try:
        settings = ConsoleSettings.from_env()
    except ValueError:
        fail(_("DISPATCH_POLL_SECONDS must be a number of seconds above 0"))
    make_app(store, settings=settings).run(mouse=settings.mouse)


def command_modules() -> dict[str, tuple[str, str]]:
    """Each command -> (its module in console.cli, its line in ``dispatch --help``).

    Opening the console imports none of these modules (the command groups
    cost ~190 ms of start-up); a command's module is imported when it is run
    or its own help is asked for, and registers its commands on ``cli``.
    A function, so the help lines are translated in the language in force
    when the list is shown. tests/test_lazy_cli.py checks this against the
    modules' own commands."""
    return {
        "backup": ("backup", _("Copy the file safely while others work, and check the copy.")),
        "calendar": ("calendar", _("Show or change the business-hours calendar and holidays.")),
        "callbacks": ("loop", _("The daily callbacks: plan a day, list the calls.")),
        "check": ("admin", _("Check the file: integrity, schema version and the audit history.")),
        "complaints": ("items", _("Complaints against tickets: accept, investigate, handle, follow up, close.")),
        "demo": ("demo", _("Build (or rebuild) the demo database and open it.")),
        "equipment": ("reference", _("Equipment (assets by tag): add, list, edit, retire.")),
        "export": ("reports", _("Workbooks (.xlsx) and data exports (CSV, JSON).")),
        "import": ("reference", _("Import a CSV file into a table (sites, equipment, technicians, users).")),
        "init": ("admin", _("Create a database, or upgrade one and change its settings.")),
        "items": ("items", _("Improvement items from unsatisfied callbacks and complaints.")),
        "queue": ("queue", _("Print the live queue as a table, CSV or JSON.")),
        "recompute": ("recompute", _("Finish recomputing deadlines after a calendar or SLA change.")),
        "report": ("reports", _("The managers' figures for a month, a week, a day or a range.")),
        "restore": ("backup", _("Put a checked backup in place of the file.")),
        "scores": ("loop", _("A month's ranking of technicians and teams.")),
        "serve": ("serve", _("Serve the console to web browsers (one console per tab, on the same file).")),
        "set": ("admin", _("Change a setting (timezone, center_name, currency, repeat_window_days, calendar, …).")),
        "site": ("reference", _("Sites (branches): add, list, edit, retire.")),
        "sla": ("reference", _("The SLA policy: minutes to respond, be on site and resolve, per priority.")),
        "team": ("reference", _("Teams: add, list, edit, retire.")),
        "tech": ("reference", _("Technicians: add, list, edit, retire, and on/off duty.")),
        "ticket": ("queue", _("Print one ticket with its clocks and timeline.")),
        "user": ("users", _("People who may use the file, and their roles (managers only).")),
    }


class DispatchGroup(click.Group):
    """Every error is one line ``dispatch: error: …`` and exit status 2: a
    StoreError, a usage error from click, or a bug (DISPATCH_DEBUG=1 shows
    its traceback). Commands are loaded on first use (``command_modules``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(command_modules()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            where = command_modules().get(cmd_name)
            if where is not None:
                import importlib

                importlib.import_module(f"{__package__}.{where[0]}")  # registers its commands on cli
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the map, without importing every command module."""
        lines = command_modules()
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.commands.get(name)
            if cmd is not None and cmd.hidden:
                continue
            # A stand-in command cuts the line as click cuts a real one's.
            rows.append((name, cmd if cmd is not None and name not in lines
                         else click.Command(name, short_help=lines[name][1])))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _cmd in rows)
            with formatter.section(_("Commands")):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            fail(str(exc))

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        # Bytes that are not UTF-8 reach Python as lone surrogates, which no
        # file can store: refuse them here, not as an internal error later.
        for n, arg in enumerate(sys.argv[1:] if args is None else args, 1):
            if isinstance(arg, str) and not arg.isascii():
                try:
                    arg.encode("utf-8")
                except UnicodeEncodeError:
                    fail(_("argument {n} is not UTF-8 text (set a UTF-8 locale or fix its bytes)").format(n=n))
        forget_help_options(self)
        try:
            rv = super().main(args, prog_name or "dispatch", complete_var, standalone_mode=False, **extra)
            # What is still buffered goes now, where a full disk is caught below,
            # not at exit, where Python would print its own lines about it.
            sys.stdout.flush()
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "dispatch"
            fail(_("{message} (see '{command} --help')").format(message=exc.format_message(), command=where))
        except click.ClickException as exc:
            fail(exc.format_message())
        except (click.Abort, KeyboardInterrupt):
            click.echo("", err=True)
            sys.exit(130)
        except StoreError as exc:
            fail(str(exc))
        except OSError as exc:  # a full disk, say (click itself ends a broken pipe quietly, status 1)
            from store.files import cannot_write, no_room

            fail(str(cannot_write(exc.filename, exc)) if no_room(exc) else str(exc))
        except Exception as exc:
            if os.environ.get("DISPATCH_DEBUG"):
                raise
            fail(_("internal error ({kind}: {e}); DISPATCH_DEBUG=1 shows the details").format(
                kind=type(exc).__name__, e=exc))
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=DispatchGroup, invoke_without_command=True,
             help=_("Dispatch Console: a live repair-dispatch queue on one SQLite file. "
                    "Without a command, opens the console on --db."), context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(path_type=Path), envvar="DISPATCH_DB",
              help=_("The database file (env DISPATCH_DB; default ~/.local/share/dispatch-console/dispatch.db)."))
@click.option("--actor", envvar="DISPATCH_ACTOR",
              help=_("Act for another user (env DISPATCH_ACTOR; managers only; the audit log records both)."))
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=show_version,
              help=_("Show the version and exit."))
@click.pass_context
def cli(ctx: click.Context, db: Path | None, actor: str | None) -> None:
    ctx.obj = Ctx(db, actor)
    if ctx.invoked_subcommand is None:
        run_console(ctx.obj.open())


def main() -> None:
    cli.main(prog_name="dispatch")


def emit_data(rows: list[dict[str, Any]], fields: list[str], fmt: str) -> bool:
    """Rows for scripts: JSON, or CSV with formula cells made inert (a cell
    starting = + - @ would run in a spreadsheet). False for 'table': the
    caller prints its own aligned table."""
    import csv
    import io
    import json

    from store.transfer.csv_io import inert

    fmt = fmt.lower()
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return True
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(fields)
        writer.writerows([inert("" if r.get(f) is None else r.get(f)) for f in fields] for r in rows)
        click.echo(buf.getvalue(), nl=False)
        return True
    return False


def echo_table(lines: list[list[str]]) -> None:
    """Rows of cells in columns sized in terminal cells (a Chinese name or a
    translated header takes two per character), the first row the header."""
    if not lines:
        return
    widths = [max(cell_len(c) for c in col) for col in zip(*lines, strict=True)]
    for line in lines:
        click.echo("  ".join(c + " " * (w - cell_len(c)) for c, w in zip(line, widths, strict=True)).rstrip())
