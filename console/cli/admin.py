"""Setting up a file: ``init``, ``set``, ``check``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from store.anchors import head_line, parse_anchor, read_anchors
from store.db import open_to_others
from store.errors import RuleViolation
from store.i18n import _, ngettext
from store.repo.settings import SettingsRepo
from store.store import Store
from store.text import clean
from store.timeutil import to_db

from .backup import problems_and_exit, progress_line, report_audit
from .common import Ctx, cli, fail, file_options, make_parent


def _local_timezone() -> str:
    """This machine's zone, or UTC when it has none that pendulum knows."""
    try:
        from pendulum.tz.local_timezone import get_local_timezone

        name = get_local_timezone().name
    except Exception:  # no /etc/localtime, an odd TZ value: a container, say
        return "UTC"
    try:
        SettingsRepo.check_setting("timezone", name)
    except RuleViolation:
        return "UTC"
    return name


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return clean(text, single_line=True, limit=200)  # a damaged old value may be any size


def _remove_new_file(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@cli.command(short_help=_("Create a database, or upgrade one and change its settings."), help=_(
    "Create a new database, or upgrade an existing one in place. On an existing file, --timezone and"
    " --center change its settings (and say what changed)."))
@click.option("--timezone", "tz", default=None, help=_("The site's time zone, e.g. Asia/Shanghai (default: this machine's)."))
@click.option("--center", default=None, help=_("Name of the repair center shown in the console."))
@file_options
@click.pass_obj
def init(obj: Ctx, tz: str | None, center: str | None) -> None:
    path = obj.db
    # Validate everything before a file exists: a bad option leaves nothing behind.
    wanted: dict[str, Any] = {}
    if tz is not None:
        wanted["timezone"] = SettingsRepo.check_setting("timezone", tz)
    if center is not None:
        wanted["center_name"] = SettingsRepo.check_setting("center_name", center)
    was_there = path.exists()
    if was_there and path.stat().st_size > 0:
        store = obj.open(create=True)  # opening upgrades an older schema in place
        changes = []
        for key, value in wanted.items():
            old = store.settings.setting(key)
            if old == value:
                changes.append(_("{key} unchanged ({value})").format(key=key, value=_shown(value)))
            else:
                store.settings.set_setting(key, value)
                changes.append(_("{key}: {old} → {new}").format(key=key, old=_shown(old), new=_shown(value)))
        _first_manager(obj, store, changes)
        click.echo(_("{path}: schema {v}, ready.").format(path=path, v=store.admin.schema_version()))
        for line in changes:
            click.echo("  " + line)
        store.close()
        return
    wanted.setdefault("timezone", _local_timezone())
    make_parent(path)
    try:
        store = obj.open(create=True)
        for key, value in wanted.items():
            store.settings.set_setting(key, value)
        manager = _first_manager(obj, store, [])
    except BaseException:
        if not was_there:
            _remove_new_file(path)
        raise
    click.echo(_("{path}: created, schema {v}, time zone {tz}{center}.").format(
        path=path, v=store.admin.schema_version(), tz=wanted["timezone"],
        center=(", " + _("center {name}").format(name=_shown(wanted["center_name"]))) if "center_name" in wanted else ""))
    for line in manager:
        click.echo("  " + line)
    store.close()


def _first_manager(obj: Ctx, store: Store, said: list[str]) -> list[str]:
    """The first user of a file is its manager: whoever runs init on a file
    without users (a new one, or one from before roles) becomes it."""
    if store.users.find(include_disabled=True):
        return said
    login = obj.who()["by"] or store.actor
    store.users.add_user(login, login, "manager")
    said.append(_("{login} is its manager (dispatch user add … for the others)").format(login=_shown(login)))
    return said


def _parse_value(key: str, text: str) -> Any:
    """The command-line text of a setting as the value the store checks."""
    if key in ("sign_in", "demo"):  # demo: only to clear a damaged marker (the store takes only false)
        word = text.strip().lower()
        if word in ("true", "on", "yes", "1"):
            return True
        if word in ("false", "off", "no", "0"):
            return False
        fail(_("{key} must be true or false, not {v}").format(key=key, v=text))
    # A number, a JSON object: the store checks them.
    if key in ("meeting_day", "complaint_step_hours", "report_targets", "notify_retry", "escalation"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    if key == "repeat_window_days":
        try:
            return int(text.strip())
        except ValueError:
            fail(_("repeat_window_days must be a whole number of days from 1 to 365, not {v}").format(v=text))
    if key == "calendar":
        if text.strip() in ("24x7", "business"):
            return {"kind": text.strip()}
        try:
            return json.loads(text)
        except ValueError:
            fail(_("calendar must be JSON, e.g. '{example}' or 24x7, not {v}").format(
                example='{"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1,2,3,4,5]}',
                v=text))
    return text


@cli.command("set", context_settings={"ignore_unknown_options": True},
             short_help=_("Change a setting (timezone, center_name, currency, repeat_window_days, calendar, …)."), help=_(
    "Change a setting: timezone (e.g. Asia/Shanghai), center_name, currency (the symbol before amounts, e.g. ¥),"
    " fee_confirm_above (fees above it ask to confirm, default 5000), repeat_window_days (1–365),"
    " sign_in (true: the console asks who is at the keyboard, for a shared desk PC), calendar"
    " (24x7, or JSON such as '{\"kind\": \"business\", \"opens\": \"08:30\", \"closes\": \"17:30\","
    " \"weekdays\": [1,2,3,4,5]}'; 'dispatch calendar' shows and changes it piece by piece).") + " " + _(
    # Every key the store accepts (its own list, so a new one is never missing here).
    "Every key: {keys}. center_code is this center's code at the head office ('dispatch ship'): 1 to 16 capital"
    " letters, digits or '-', e.g. BJ-01.").format(keys=", ".join(SettingsRepo.SETTABLE)))
@click.argument("key")
@click.argument("value")
@file_options
@click.pass_obj
def set_(obj: Ctx, key: str, value: str) -> None:
    # ignore_unknown_options: a negative number is a value ("set repeat_window_days -5"), not an option.
    parsed = SettingsRepo.check_setting(key, _parse_value(key, value))
    # Repair mode: the file may hold a damaged setting (this one, or another),
    # which would refuse every other open; the new value is checked above.
    store = obj.open(repair=True)
    old = store.settings.setting_as_stored(key)
    from .recompute import recompute_progress

    store.settings.set_setting(key, parsed, recompute_progress())
    new = store.settings.setting_as_stored(key)  # as stored: report_targets merges the keys given into the current ones
    store.close()
    click.echo(_("{key}: {old} → {new}").format(key=key, old=_shown(old), new=_shown(new)))


@cli.command(help=_("Check the file: integrity, schema version, and the audit history (triggers, hash chain and"
                    " head, every table equal to its events replayed, the tickets' stored facts worked out again)."
                    " See README \"A history nobody can quietly rewrite\"."))
@click.option("--head", "show_head", is_flag=True,
              help=_("Once the check passes, print only the head (the last event as ID:HASH, with the time) to keep"
                     " off this host; warnings go to stderr."))
@click.option("--anchor", "anchor_texts", multiple=True, metavar="ID:HASH",
              help=_("A head kept earlier: it must still be in the history (may be given more than once)."))
@click.option("--anchors", "anchor_files", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help=_("A file of kept heads: a backup folder's heads log, or lines saved from --head."))
@file_options
@click.pass_obj
def check(obj: Ctx, show_head: bool, anchor_texts: tuple[str, ...], anchor_files: tuple[Path, ...]) -> None:
    # Kept heads first: a mistyped one is said before any work.
    anchors = [parse_anchor(text, _("--anchor {head}").format(head=text.strip()[:20])) for text in anchor_texts]
    for path in anchor_files:
        kept = read_anchors(path)
        if not kept:
            fail(_("{path} holds no head (ID:HASH): nothing to check against").format(path=path))
        anchors += kept
    store = obj.open(read_only=True)  # works on a read-only file and during a long write
    problems = store.admin.check()
    if problems:
        fail(_("{path} failed the integrity check: {p}").format(path=obj.db, p="; ".join(problems[:3])))
    say = (lambda text: click.echo(text, err=True)) if show_head else click.echo
    pending = store.settings.recompute_pending()
    if pending:
        say(ngettext("warning: {path}: {n:,} open ticket waits for a new deadline (a change was interrupted);"
                     " run 'dispatch recompute'",
                     "warning: {path}: {n:,} open tickets wait for new deadlines (a change was interrupted);"
                     " run 'dispatch recompute'", pending).format(path=obj.db, n=pending))
    stats = store.admin.stats()
    if not show_head:
        click.echo(_("{path}: ok, schema {v}, {tickets}, {events}").format(
            path=obj.db, v=store.admin.schema_version(),
            tickets=ngettext("{n} ticket", "{n} tickets", stats["tickets"]).format(n=stats["tickets"]),
            events=ngettext("{n} audit event", "{n} audit events", stats["events"]).format(n=stats["events"])))
    # Tamper evidence: triggers, hash chain, every table equal to its history
    # (README "A history nobody can quietly rewrite").
    report = store.audit.verify_audit(None if show_head else progress_line(), anchors)
    report_audit(report, obj.db, len(anchors), quiet=show_head)
    # The queue's snapshots (dispatch snapshot) against the events replayed to each.
    wrong = store.snapshots.check()
    if wrong:
        problems_and_exit(wrong, ngettext("{path}: a queue snapshot is not what the events say ({n} problem):",
                                          "{path}: queue snapshots are not what the events say ({n} problems):",
                                          len(wrong)).format(path=obj.db, n=len(wrong)))
    if show_head:
        click.echo(head_line(to_db(store.now()), report.head_id, report.head, _("check of {path}").format(path=obj.db)),
                   nl=False)
    # Anyone who can write the file can bypass the app (README "People, roles and the file").
    exposed = open_to_others(obj.db)
    if exposed == "writable":
        say(_("warning: {path} is world-writable: anyone on this machine can change it;"
              " chmod 660 and chgrp it to your staff group").format(path=obj.db))
    elif exposed == "readable":
        say(_("warning: {path} is world-readable: anyone on this machine can read it;"
              " chmod 660 and chgrp it to your staff group").format(path=obj.db))
