"""What every ``dispatch`` command shares: the group, where the file is, and
the one way an error leaves (one line on stderr, exit status 2).

Headless commands (everything but the console itself) never import textual:
``run_console`` imports it when the console is opened."""

from __future__ import annotations

import gc
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypedDict, TypeVar, cast

import click

from store.errors import StoreError
from store.i18n import _
from store.text import clean

from .help_format import forget_help_options, shape_click_help

if TYPE_CHECKING:
    from console.settings import EnvSettings
    from store.store import Store

shape_click_help()


F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> NoReturn:
    # The message may carry a path or a name someone typed: one line, no escapes.
    click.echo(_("dispatch: error: {message}").format(message=clean(message, single_line=True)), err=True)
    sys.exit(2)


def environment() -> EnvSettings:
    """The environment (console/settings.py); a bad variable is one line and
    exit status 2. Imported here, not at the top: ``dispatch --help`` never
    pays for pydantic."""
    from console.settings import SettingsRefused, read_environment

    try:
        return read_environment()
    except SettingsRefused as exc:
        fail(str(exc))


def data_home(env: EnvSettings | None = None) -> Path:
    """The folder of the default database and the demo (console/settings.py ``data_home``)."""
    from console.settings import SettingsRefused

    try:
        return (env or environment()).data_home()
    except SettingsRefused as exc:
        fail(str(exc))


def default_db() -> Path:
    return data_home() / "dispatch.db"


def make_parent(path: Path) -> None:
    from store.files import FOLDER_MODE

    try:
        path.parent.mkdir(FOLDER_MODE, parents=True, exist_ok=True)  # not open to everyone, whatever the umask
    except OSError as exc:
        fail(_("{path}: cannot create its folder ({e})").format(path=path, e=exc.strerror or exc))


def stdout_is_tty() -> bool:
    """A terminal gets fitted columns and a progress bar; a pipe gets everything, plainly."""
    return sys.stdout.isatty()



def default_actor() -> str:
    """The OS login (store/context.py), imported when a command first asks:
    `dispatch --help` loads no store code (pendulum and all)."""
    from store.context import default_actor as os_login

    return os_login()

class _Shown(io.TextIOBase):
    """stdout as a terminal shows data: control and bidi characters dropped
    (store/text.py ``clean``, character by character, so any chunking is safe)."""

    def __init__(self, out: TextIO):
        self.out = out

    def write(self, s: str) -> int:
        self.out.write(clean(s))
        return len(s)

    def flush(self) -> None:
        self.out.flush()


def data_stdout() -> TextIO:
    """Where a data export without -o writes: a pipe or a redirect gets the text untouched (the
    original, as stored); a terminal gets it shown safely — an ESC or an OSC in a customer's text
    would otherwise act on the dispatcher's terminal (a CSV cell is not escaped as JSON is)."""
    return cast(TextIO, _Shown(sys.stdout)) if stdout_is_tty() else sys.stdout


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


class Who(TypedDict):
    """Who a command's Store writes as (``Store(actor=…, by=…)``)."""

    actor: str
    by: str | None


class Ctx:
    def __init__(self, db: Path | None, actor: str | None):
        self.db_given = db
        self.actor = actor
        self._env: EnvSettings | None = None

    @property
    def env(self) -> EnvSettings:
        """The environment, read when a command first needs it (once per invocation)."""
        if self._env is None:
            self._env = environment()
        return self._env

    @property
    def db(self) -> Path:
        """--db (after the command, else before it), else DISPATCH_DB, else the default file."""
        return self.db_given or self.env.db or data_home(self.env) / "dispatch.db"

    def who(self) -> Who:
        """The writes are the OS login's; --actor/DISPATCH_ACTOR names someone
        else, which the store allows only a manager and records (entered_by)."""
        login = default_actor()
        given = self.actor if self.actor is not None else self.env.actor
        actor = given.strip() if given and given.strip() else login
        return {"actor": actor, "by": login if actor != login else None}

    def store(self, path: Path, **kwargs: Any) -> Store:
        """A Store on ``path`` as this command's user, with the environment's busy timeout."""
        from store.store import Store  # the store's repositories, pydantic, pendulum: not for --help

        return Store(path, **self.who(), busy_timeout_ms=self.env.busy_timeout_ms, **kwargs)

    def open(self, **kwargs: Any) -> Store:
        # DISPATCH_READ_ONLY=1: look, never write (what 'dispatch serve' gives a browser tab no one signed into).
        kwargs.setdefault("read_only", self.env.read_only)
        return self.store(self.db, **kwargs)


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


def run_console(store: Store, env: EnvSettings) -> None:
    from console.app import make_app
    from console.settings import ConsoleSettings

    settings = ConsoleSettings.from_env(env)
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
        "escalation": ("notify", _("The escalation ladder, and the escalations fired.")),
        "equipment": ("equipment", _("Equipment (assets by tag): add, list, edit, retire.")),
        "export": ("reports", _("Workbooks (.xlsx) and data exports (CSV, JSON).")),
        "fees": ("fees", _("The fee schedule (managers) and the fee it proposes for a ticket.")),
        "handover": ("handover", _("What changed during the shift and what the next dispatcher must know.")),
        "hq": ("hq", _("The head office: every center's figures and the company's, from PostgreSQL.")),
        "import": ("imports", _("Import a CSV file into a table (sites, equipment, technicians, users, parts) or a ticket history.")),
        "inspections": ("inspections", _("Preventive inspections: plans, the visits they make, checklists and their findings.")),
        "init": ("admin", _("Create a database, or upgrade one and change its settings.")),
        "invoices": ("fees", _("Invoices of closed tickets: customer service records the number and checks it.")),
        "items": ("items", _("Improvement items from unsatisfied callbacks and complaints.")),
        "notify": ("notify", _("Send the notifications that are due (one pass; --watch keeps running), or show their status.")),
        "parts": ("parts", _("Spare parts: the catalogue, receipts, moves to vans, stock-taking and parts used on tickets.")),
        "queue": ("queue", _("Print the live queue as a table, CSV or JSON.")),
        "snapshot": ("past", _("Keep the snapshots of the queue for 'dispatch queue --at' (run from cron).")),
        "recompute": ("recompute", _("Finish recomputing deadlines after a calendar or SLA change.")),
        "report": ("reports", _("The managers' figures for a month, a week, a day or a range.")),
        "restore": ("backup", _("Put a checked backup in place of the file.")),
        "scores": ("loop", _("A month's ranking of technicians and teams.")),
        "serve": ("serve", _("Serve the console to web browsers (one console per tab, on the same file).")),
        "set": ("admin", _("Change a setting (timezone, center_name, currency, repeat_window_days, calendar, …).")),
        "ship": ("ship", _("Send this center's new history to the head office (PostgreSQL), or show each center's lag.")),
        "site": ("site", _("Sites (branches): add, list, edit, retire.")),
        "sla": ("sla", _("The SLA policy: minutes to respond, be on site and resolve, per priority.")),
        "stock": ("parts", _("What each location holds of each part, and what it cost.")),
        "team": ("team", _("Teams: add, list, edit, retire.")),
        "tech": ("tech", _("Technicians: add, list, edit, retire, and on/off duty.")),
        "ticket": ("tickets", _("One ticket: print it, add one, or take it through its steps.")),
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
        except click.exceptions.NoArgsIsHelpError as exc:
            # `dispatch site` alone asks what the group does: its help, as --help shows it, not folded into one error line.
            if exc.ctx is not None:
                click.echo(exc.ctx.get_help())
            sys.exit(0)
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
@click.option("--db", type=click.Path(path_type=Path),
              help=_("The database file (env DISPATCH_DB; default ~/.local/share/dispatch-console/dispatch.db)."))
@click.option("--actor",
              help=_("Act for another user (env DISPATCH_ACTOR; managers only; the audit log records both)."))
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=show_version,
              help=_("Show the version and exit."))
@click.pass_context
def cli(ctx: click.Context, db: Path | None, actor: str | None) -> None:
    no_pydantic_plugin_loader()  # before any model builds its validator (not for --help: click has exited)
    if ctx.invoked_subcommand is not None:
        gc.enable()  # off since main(): a command runs with the collector, as any program
    ctx.obj = Ctx(db, actor)
    if ctx.invoked_subcommand is None:
        run_console(ctx.obj.open(), ctx.obj.env)


def main() -> None:
    # Starting the console makes ~50,000 objects that live as long as it does
    # (Textual's, the store's, the modules'): the cyclic collector walked them
    # ~120 times before the first frame, ~30 ms of CPU of a 0.3 s start. Off
    # until the first screen is up (console/memory.py freeze_start_up, which
    # also freezes them so no later collection walks them); a command turns
    # it back on as it starts (cli above).
    gc.disable()
    # The console uses no pydantic plugins; without this, building the first
    # validator makes pydantic read every installed distribution's entry
    # points (~16 ms of every start, the console's first paint included).
    # setdefault: a value someone sets on purpose stands.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    cli.main(prog_name="dispatch")


PLUGIN_LOADER = "pydantic.plugin._loader"


def no_pydantic_plugin_loader() -> None:
    """With every plugin disabled, pydantic's loader still imports
    importlib.metadata (and email, zipfile, csv: 25-30 ms of CPU before the
    first paint) at the first validator, only to answer "no plugins". Stand
    in for it with that answer; any other name pydantic asks of its loader
    loads the real one, so a pydantic that changes it still works."""
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") != "__all__" or PLUGIN_LOADER in sys.modules:
        return
    import types

    stand_in = types.ModuleType(PLUGIN_LOADER, "No pydantic plugins (console/cli/common.py).")

    def get_plugins() -> tuple[()]:
        return ()

    def real(name: str) -> Any:
        if name.startswith("__"):  # the import system's questions (__path__: not a package)
            raise AttributeError(name)
        import importlib

        del sys.modules[PLUGIN_LOADER]
        return getattr(importlib.import_module(PLUGIN_LOADER), name)

    stand_in.__dict__.update(get_plugins=get_plugins, __getattr__=real)
    sys.modules[PLUGIN_LOADER] = stand_in
