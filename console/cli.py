"""The ``dispatch`` command."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from store.errors import StoreError
from store.i18n import _
from store.store import Store
from store.text import clean
from store.timeutil import valid_timezone

DATA_HOME = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "dispatch-console"


def default_db() -> Path:
    return DATA_HOME / "dispatch.db"


def busy_timeout_ms() -> int:
    """How long a write waits for another dispatcher's transaction (DISPATCH_BUSY_TIMEOUT_MS)."""
    value = os.environ.get("DISPATCH_BUSY_TIMEOUT_MS", "5000")
    if not value.isdigit():
        fail(_("DISPATCH_BUSY_TIMEOUT_MS must be a whole number of milliseconds, not {v!r}").format(v=value))
    return int(value)


def make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(_("{path}: cannot create its folder ({e})").format(path=path, e=exc.strerror or exc))


def fail(message: str) -> None:
    click.echo(f"dispatch: error: {message}", err=True)
    sys.exit(2)


class Ctx:
    def __init__(self, db: Path | None, actor: str | None):
        self.db_given = db
        self.actor = actor

    @property
    def db(self) -> Path:
        return self.db_given or default_db()

    def open(self, **kwargs: Any) -> Store:
        return Store(self.db, actor=self.actor, busy_timeout_ms=busy_timeout_ms(), **kwargs)


def run_console(store: Store) -> None:
    from console.app import make_app
    from console.settings import ConsoleSettings

    try:
        settings = ConsoleSettings.from_env()
    except ValueError:
        fail(_("DISPATCH_POLL_SECONDS must be a number of seconds above 0"))
    make_app(store, settings=settings).run(mouse=settings.mouse)


class DispatchGroup(click.Group):
    """Turns every StoreError into one line and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            fail(str(exc))


@click.group(cls=DispatchGroup, invoke_without_command=True,
             help=_("Dispatch Console: a live repair-dispatch queue on one SQLite file. "
                    "Without a command, opens the console on --db."), context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(path_type=Path), envvar="DISPATCH_DB",
              help=_("The database file (env DISPATCH_DB; default ~/.local/share/dispatch-console/dispatch.db)."))
@click.option("--actor", envvar="DISPATCH_ACTOR", help=_("Name written to the audit log (default: your OS user)."))
@click.pass_context
def cli(ctx: click.Context, db: Path | None, actor: str | None) -> None:
    ctx.obj = Ctx(db, actor)
    if ctx.invoked_subcommand is None:
        run_console(ctx.obj.open())


@cli.command(help=_("Create a new, empty database (or upgrade an old one in place)."))
@click.option("--timezone", "tz", default=None, help=_("The site's time zone, e.g. Asia/Shanghai (default: this machine's)."))
@click.option("--center", default=None, help=_("Name of the repair center shown in the console."))
@click.pass_obj
def init(obj: Ctx, tz: str | None, center: str | None) -> None:
    path = obj.db
    make_parent(path)
    existed = path.exists() and path.stat().st_size > 0
    store = obj.open(create=True)
    if not existed:
        import pendulum

        tz = tz or pendulum.local_timezone().name
        if not valid_timezone(tz):
            fail(_("unknown time zone {tz}").format(tz=tz))
        store.set_setting("timezone", tz)
        if center:
            store.set_setting("center_name", center)
    click.echo(_("{path}: schema {v}, ready.").format(path=path, v=store.schema_version()))


@cli.command(help=_(
    "Create (or rebuild) a demo database and open the console on it. Its open tickets are placed relative to now,"
    " so it is rebuilt each time unless --keep. Without --db it lives at ~/.local/share/dispatch-console/demo.db."))
@click.option("--seed", default=7, show_default=True, help=_("Random seed (same seed, same data)."))
@click.option("--scale", type=int, default=None, help=_("Write N extra tickets fast (benchmarks), e.g. 1000000."))
@click.option("--keep", is_flag=True, help=_("Keep an existing demo database instead of rebuilding it."))
@click.option("--no-console", is_flag=True, help=_("Only build the file; do not open the console."))
@click.pass_obj
def demo(obj: Ctx, seed: int, scale: int | None, keep: bool, no_console: bool) -> None:
    from demo_data.generate import generate_demo, generate_scale

    path = obj.db_given or DATA_HOME / "demo.db"
    make_parent(path)
    if path.exists() and not keep:
        check = Store(path, actor=obj.actor, busy_timeout_ms=busy_timeout_ms())
        is_demo = check.setting("demo", False)
        check.close_db()
        if not is_demo:
            fail(_("{path} is not a demo database; refusing to overwrite it").format(path=path))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    store = Store(path, actor=obj.actor, create=True, busy_timeout_ms=busy_timeout_ms())
    if not store.setting("demo", False):
        counts = generate_demo(store, seed=seed)
        store.set_setting("demo", True)
        click.echo(_("{path}: demo built in {s:.1f} s ({n} tickets)").format(
            path=path, s=time.perf_counter() - started, n=counts.get("tickets", 0)))
    if scale:
        started = time.perf_counter()
        generate_scale(store, scale, seed=seed)
        size = path.stat().st_size / 1e6
        click.echo(_("{path}: {n} tickets added in {s:.1f} s, file {mb:.0f} MB").format(
            path=path, n=scale, s=time.perf_counter() - started, mb=size))
    if not no_console:
        run_console(store)


@cli.command(help=_("Check the file: integrity and schema version."))
@click.pass_obj
def check(obj: Ctx) -> None:
    store = obj.open()
    problems = store.check()
    if problems:
        fail(_("{path} failed the integrity check: {p}").format(path=obj.db, p="; ".join(problems[:3])))
    stats = store.stats()
    click.echo(_("{path}: ok, schema {v}, {t} tickets, {e} audit events").format(
        path=obj.db, v=store.schema_version(), t=stats["tickets"], e=stats["events"]))


@cli.command(help=_("Print the top of the live queue as plain text."))
@click.option("--limit", default=20, show_default=True, help=_("How many tickets to list."))
@click.pass_obj
def queue(obj: Ctx, limit: int) -> None:
    from console.format import fit, row_clock

    store = obj.open()
    now = store.now()
    c = store.counts(now)
    click.echo(_("open {o} · at risk {r} · breached {b} · unassigned {u}").format(
        o=c.open, r=c.at_risk, b=c.breached, u=c.unassigned))
    for row in store.queue(limit=limit):
        left, state = row_clock(row, now.timestamp())
        click.echo(
            f"#{row.id:<7} P{row.priority} {row.status:<9} {left:>8} {state or '':<9} "
            f"{fit(clean(row.site_name, single_line=True), 20)} {fit(clean(row.description, single_line=True), 40)}"
        )


@cli.command("set", help=_("Change a setting: timezone, center_name, repeat_window_days, calendar (JSON)."))
@click.argument("key")
@click.argument("value")
@click.pass_obj
def set_(obj: Ctx, key: str, value: str) -> None:
    import json

    try:
        parsed: Any = json.loads(value)
    except ValueError:
        parsed = value
    if key in ("timezone", "center_name"):
        parsed = value
    obj.open().set_setting(key, parsed)
    click.echo(_("{key} = {value}").format(key=key, value=value))


def main() -> None:
    try:
        cli(standalone_mode=True)
    except StoreError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
