"""``dispatch recompute``: finish moving open tickets' deadlines to the
current calendar and SLA policy (after an interrupted change), with a
progress line; ``recompute_progress`` is the line ``dispatch set`` shows too."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import click

from store.i18n import _, ngettext

from .common import Ctx, cli, file_options, stdout_is_tty


def recompute_progress() -> Callable[[int, int], None]:
    """progress(done, total): one line rewritten on a terminal; on a pipe a
    line every tenth of the way, flushed (a long recompute is never silent)."""
    started, shown = time.perf_counter(), [-1]
    tty = stdout_is_tty()

    def progress(done: int, total: int) -> None:
        tenth = 10 * done // max(1, total)
        if not tty and tenth == shown[0] and done < total:
            return
        shown[0] = tenth
        line = _("recomputing deadlines: {done:,} of {total:,} open tickets ({pct:.0f} %), {s:.1f} s").format(
            done=done, total=total, pct=100 * done / max(1, total), s=time.perf_counter() - started)
        click.echo(f"\r{line}" if tty else line, nl=not tty or done >= total)
        sys.stdout.flush()

    return progress


@cli.command(short_help=_("Finish recomputing deadlines after a calendar or SLA change."), help=_(
    "Recompute the open tickets' deadlines under the current calendar, time zone and SLA policy, in short"
    " batches so others keep working. A change of those starts this itself; run it to finish one that was"
    " interrupted ('dispatch check' says when one is pending)."))
@file_options
@click.pass_obj
def recompute(obj: Ctx) -> None:
    store = obj.open()
    if not store.settings.recompute_pending():
        click.echo(_("{path}: no recompute pending").format(path=obj.db))
        store.close()
        return
    done = store.settings.recompute(recompute_progress())
    store.close()
    click.echo(ngettext("{path}: {n:,} open ticket recomputed", "{path}: {n:,} open tickets recomputed", done).format(path=obj.db, n=done))
