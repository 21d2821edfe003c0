"""``dispatch demo``: build (or rebuild) the demo database, with progress."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from types import TracebackType

import click
from pendulum import DateTime

from store.i18n import _
from store.store import Store

from .common import Ctx, cli, data_home, fail, file_options, make_parent, run_console, stdout_is_tty


class Progress:
    """A bar on a terminal; on a pipe, one plain line per step, flushed, so a
    long build is never silent (a piped click.echo sits in the buffer until
    the end, which is how a 76 s build once looked like 0.4 s)."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.done = total, label, 0
        self.started = time.perf_counter()
        self.bar = click.progressbar(length=total, label=label, show_pos=True, show_eta=True) if stdout_is_tty() else None

    def __enter__(self) -> Progress:
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.bar is not None:
            bar, self.bar = self.bar, None  # ended once (``end`` may have ended it)
            bar.__exit__(kind, exc, tb)

    def end(self) -> None:
        """The bar ends here, before what comes after the counted steps."""
        self.__exit__(None, None, None)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            return
        click.echo(_("{label}: {done:,} of {total:,} ({pct:.0f} %), {s:.1f} s").format(
            label=self.label, done=self.done, total=self.total, pct=100 * self.done / max(1, self.total),
            s=time.perf_counter() - self.started))
        sys.stdout.flush()


def _say(text: str) -> None:
    click.echo(text)
    sys.stdout.flush()


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-queue"):  # -queue: the writers' turns (store/turns.py)
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _remove_journal(path: Path) -> None:
    """Right after the rename: a -wal/-shm at the path is the replaced file's
    (the new one was closed cleanly and has none), and SQLite would read the
    old pages from it into the new file. Consoles still on the old file keep
    theirs open; they notice the replacement and reopen."""
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _clear_dead_builds(path: Path) -> None:
    """Temp files of builds whose process is gone (killed, disk full)."""
    for temp in path.parent.glob(f".{path.name}.building-*"):
        pid = temp.name.rsplit("-", 1)[-1]
        if not pid.isdigit():
            continue  # its -wal/-shm/-queue: removed with it
        try:
            os.kill(int(pid), 0)
            continue  # still building
        except ProcessLookupError:
            _remove(temp)
        except PermissionError:
            continue


def _scale(store: Store, scale: int, seed: int, now: DateTime) -> None:
    from demo_data.scale import generate_scale

    with Progress(scale, _("adding tickets")) as progress:
        # Smaller chunks for a big build: the bar moves every 2–3 % (same rows either way).
        chunk = max(5_000, min(50_000, scale // 40))
        started = time.perf_counter()

        def building() -> None:
            progress.end()
            _say(_("building the indexes and the search over {n:,} tickets…").format(n=scale))
            phase[:] = [time.perf_counter()]

        phase = [started]
        generate_scale(store, scale, seed=seed, now=now, chunk=chunk, progress=progress.update, building=building)
    _say(_("indexes and search built in {s:.1f} s").format(s=time.perf_counter() - phase[0]))


@cli.command(short_help=_("Build (or rebuild) the demo database and open it."), help=_(
    "Create (or rebuild) a demo database and open the console on it. Its open tickets are placed relative to now,"
    " so it is rebuilt each time unless --keep. Without --db it lives at ~/.local/share/dispatch-console/demo.db."
    " It never overwrites a file that is not a demo database."))
@click.option("--seed", default=7, show_default=True, metavar="N", help=_("Random seed (same seed, same data)."))
@click.option("--scale", type=click.IntRange(min=1), default=None, metavar="N",
              help=_("Also write N extra tickets fast (benchmarks), e.g. 1000000."))
@click.option("--keep", is_flag=True, help=_("Keep an existing demo database instead of rebuilding it."))
@click.option("--no-console", is_flag=True, help=_("Only build the file; do not open the console."))
@file_options
@click.pass_obj
def demo(obj: Ctx, seed: int, scale: int | None, keep: bool, no_console: bool) -> None:
    from demo_data.callbacks import add_demo_evaluations
    from demo_data.demo import generate_demo
    from demo_data.inspections import add_demo_inspections
    from demo_data.items import add_demo_items
    from demo_data.users import add_demo_users

    path = obj.db_given or data_home(obj.env) / "demo.db"
    make_parent(path)
    exists = path.exists() and path.stat().st_size > 0
    if exists:
        # Checked with --keep too: --keep --scale must not add a million tickets to a live file.
        check = obj.store(path, read_only=True)
        is_demo = check.settings.setting("demo", False)
        check.close()
        if not is_demo:
            fail(_("{path} is not a demo database; refusing to overwrite it").format(path=path))
    started = time.perf_counter()
    built = not (exists and keep)
    if built:
        # Built beside it and renamed into place: consoles on the old file see
        # a replaced file and reopen; a build that dies leaves only its own
        # temp file, which the next 'dispatch demo' clears.
        _clear_dead_builds(path)
        temp = path.with_name(f".{path.name}.building-{os.getpid()}")
        store = obj.store(temp, create=True)
        now = store.now()
        try:
            _say(_("{path}: building the demo (seed {seed})…").format(path=path, seed=seed))
            # The demo's history, thousands of writes, as one transaction: no
            # one else sees this file yet, so none waits for it, and it is
            # flushed to disk once instead of once a write.
            # And journaled in memory, flushed to disk once at the end: no one
            # else has this file open, and a build that fails is thrown away.
            with store.db.unjournaled():
                with store.db.batch():
                    generate_demo(store, seed=seed, now=now)
                    add_demo_users(store, obj.who()["by"] or store.actor)
                    add_demo_evaluations(store, now)
                    add_demo_items(store, now)
                    add_demo_inspections(store, now)
                    store.settings.mark_demo(seed)
                if scale:
                    _scale(store, scale, seed, now)
            store.close()
            os.replace(temp, path)
            _remove_journal(path)
            Path(f"{temp}-queue").unlink(missing_ok=True)  # the build's own turns: no one else wrote to it
        except BaseException:
            store.close()
            _remove(temp)
            raise
        store = obj.store(path)
    else:
        store = obj.store(path)
        # One reading of the clock for the whole build: the demo and the --scale
        # tickets share one instant, and nothing else in the build reads the time.
        now = store.now()
        if scale:
            _scale(store, scale, seed, now)
    stats, counts = store.admin.stats(), store.queue.counts(now)
    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists()) / 1e6
    _say((_("{path}: ready in {s:.1f} s: {n:,} tickets, {o:,} open, file {mb:.1f} MB") if built or scale else
          _("{path}: kept the demo: {n:,} tickets, {o:,} open, file {mb:.1f} MB")).format(
        path=path, s=time.perf_counter() - started, n=stats["tickets"], o=counts.open, mb=size))
    if not no_console:
        run_console(store, obj.env)
