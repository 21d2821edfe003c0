"""``backup`` and ``restore`` (README "Backups"), and the audit report that
``check`` shares with them."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pendulum

from store.anchors import heads_log
from store.backup import FileReport, restore, verify_file
from store.i18n import N_, _, ngettext
from store.repo.audit import AuditReport
from store.text import clean
from store.timeutil import to_db

from ..format import pad
from .common import Ctx, cli, file_options, make_parent, stdout_is_tty

MAX_LINES = 10
STAGES = {"chain": N_("checking the audit chain"), "tickets": N_("replaying the tickets")}


def progress_line() -> Callable[[str, int, int], None] | None:
    """One line redrawn in place on a terminal; nothing on a pipe (a cron job's mail stays short)."""
    if not stdout_is_tty():
        return None

    def show(stage: str, done: int, total: int) -> None:
        line = _("{what}: {done:,} of {total:,}").format(what=_(STAGES[stage]) if stage in STAGES else stage, done=done, total=total)
        click.echo("\r" + pad(line, 60), nl=False)  # cells, not characters: CJK is two wide
        if done >= total and stage == "tickets":
            click.echo("\r" + " " * 60 + "\r", nl=False)

    return show


def problems_and_exit(problems: list[str], header: str, code: int = 2, error: bool = True) -> None:
    """One line per problem on stderr, at most MAX_LINES of them, and exit
    ``code``. ``error``: said as an error (else as a warning: the work was done)."""
    head = clean(header, single_line=True)
    click.echo(_("dispatch: error: {message}").format(message=head) if error
               else _("dispatch: warning: {message}").format(message=head), err=True)
    for line in problems[:MAX_LINES]:
        click.echo("  " + clean(line, single_line=True), err=True)
    if len(problems) > MAX_LINES:
        click.echo("  " + _("… and {n} more").format(n=len(problems) - MAX_LINES), err=True)
    sys.exit(code)


def audit_ok_line(report: AuditReport, anchors: int = 0) -> str:
    line = _("ok, audit chain intact ({events}, {tickets}; head {head})").format(
        events=ngettext("{n:,} event", "{n:,} events", report.events).format(n=report.events),
        tickets=ngettext("{n:,} ticket", "{n:,} tickets", report.tickets).format(n=report.tickets), head=report.head[:16])
    if anchors:
        line += ngettext("; the {n} kept head is in it", "; all {n} kept heads are in it", anchors).format(n=anchors)
    return line


def report_audit(report: AuditReport, path: Path, anchors: int = 0, quiet: bool = False) -> None:
    """What ``check`` says about the history: ok in one line, or each problem."""
    if report.ok:
        if not quiet:
            click.echo(audit_ok_line(report, anchors))
        return
    problems_and_exit(report.problems, ngettext("{path}: the audit history does not hold ({n} problem):",
                  "{path}: the audit history does not hold ({n} problems):", len(report.problems)).format(
        path=path, n=len(report.problems)))


def _said(report: FileReport) -> str:
    events = report.audit.events if report.audit else 0
    chain = (_("audit chain intact, head {head}").format(head=report.audit.head[:16]) if report.audit
             else _("made before the audit chain: integrity only"))
    return _("{size:,} bytes, schema {v}, {tickets}, {events}, integrity ok, {chain}").format(
        size=report.size, v=report.schema, chain=chain,
        tickets=ngettext("{n:,} ticket", "{n:,} tickets", report.tickets).format(n=report.tickets),
        events=ngettext("{n:,} audit event", "{n:,} audit events", events).format(n=events))


@cli.command("backup", short_help=_("Copy the file safely while others work, and check the copy."), help=_(
    "Make a consistent copy of the database while others keep working (SQLite's online backup), check it"
    " (integrity and the audit chain) and only then put it at DEST. DEST may be a folder: the copy is then"
    " named after the file and the time (UTC), e.g. dispatch-20261125T090000Z.db. See README \"Backups\"."))
@click.argument("dest_text", metavar="DEST", type=click.Path())  # as typed: Path("bk/") drops the slash that says "a folder"
@file_options
@click.pass_obj
def backup_cmd(obj: Ctx, dest_text: str) -> None:
    dest = Path(dest_text)
    store = obj.open()
    try:
        if dest.is_dir() or dest_text.endswith(("/", os.sep)):
            stamp = store.now().format("YYYYMMDD[T]HHmmss[Z]")
            named = dest / f"{obj.db.stem}-{stamp}.db"
            n = 1
            while named.exists():  # two backups in one second: never replace the earlier one
                n += 1
                named = dest / f"{obj.db.stem}-{stamp}-{n}.db"
            dest = named
        make_parent(dest)
        if dest.resolve() == obj.db.resolve():
            problems_and_exit([], _("{dest} is the database itself; back up to another file").format(dest=dest))
        report = store.backup(dest, progress_line())
    finally:
        store.close()
    click.echo(_("{dest}: backup of {src}: {what}").format(dest=dest, src=obj.db, what=_said(report)))
    click.echo(_("head {head} recorded in {log}").format(
        head=f"{report.audit.head_id}:{report.audit.head[:16]}" if report.audit else "-", log=heads_log(dest.parent, obj.db)))
    if report.history:
        # Written all the same: the copy is faithful, and refusing would stop
        # every backup after one hand edit. Exit 1 so cron mails it.
        problems_and_exit(report.history, ngettext(
            "{path}: backed up, but its audit history does not hold ({n} problem; see dispatch check):",
            "{path}: backed up, but its audit history does not hold ({n} problems; see dispatch check):",
            len(report.history)).format(path=obj.db, n=len(report.history)), code=1, error=False)


@cli.command("restore", short_help=_("Put a checked backup in place of the file."), help=_(
    "Check the backup SRC (integrity and the audit chain) and put a copy of it in place of the database"
    " (--db) in one atomic rename. The current contents are replaced: back them up first if you may want"
    " them. Consoles that have the file open say it was replaced and offer to reopen it (ctrl+o)."))
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help=_("Do not ask before replacing the file (a terminal asks)."))
@click.option("--despite-history", is_flag=True, help=_(
    "Restore even though the backup's audit history does not hold (a change made around the app before it was"
    " taken); the file stays sound, and dispatch check keeps naming the problem."))
@file_options
@click.pass_obj
def restore_cmd(obj: Ctx, src: Path, yes: bool, despite_history: bool) -> None:
    target = obj.db
    if src.exists() and target.exists() and src.resolve() == target.resolve():
        problems_and_exit([], _("{src} is the database itself").format(src=src))
    first = verify_file(src, progress_line()) if src.is_file() else None
    if first is not None and not first.ok:
        problems_and_exit(first.problems, _("{src} failed its check; {target} left as it was:").format(
            src=src, target=target))
    if first is not None and first.history and not despite_history:
        problems_and_exit(first.history, _("{src}: its audit history does not hold; {target} left as it was"
                                           " (--despite-history restores it all the same):").format(
            src=src, target=target))
    if target.exists() and not yes and sys.stdin.isatty() and not click.confirm(
            _("Replace {target} with {src}? Its current contents are discarded.").format(target=target, src=src)):
        click.echo(_("nothing changed"))
        return
    make_parent(target)
    # A restore takes the history back: the heads log beside the backup says so,
    # or the next backup would find its newer heads gone (store/anchors.py).
    report = restore(src, target, progress_line(), heads_log(src.parent, target), to_db(pendulum.now("UTC")),
                     despite_history=despite_history)
    click.echo(_("{target}: restored from {src}: {what}").format(target=target, src=src, what=_said(report)))
