"""``dispatch sla show|set``: the SLA policy, minutes per priority."""

from __future__ import annotations

import re

import click

from store.i18n import _
from store.labels import priority_label

from .common import Ctx, cli, fail, file_options
from .output import FORMATS
from .records import show_records


@cli.group(help=_("The SLA policy: minutes to respond, be on site and resolve, per priority."))
def sla() -> None:
    pass


@sla.command("show", help=_("Show the SLA policy."))
@click.option("--format", "fmt", type=FORMATS, default="table")
@file_options
@click.pass_obj
def sla_show(obj: Ctx, fmt: str) -> None:
    policy = obj.open().settings.policy()
    rows = [{"priority": p, "label": priority_label(p), "response_min": pol.response_min,
             "onsite_min": pol.onsite_min, "resolve_min": pol.resolve_min} for p, pol in sorted(policy.items())]
    show_records(rows, ["priority", "label", "response_min", "onsite_min", "resolve_min"], fmt)


@sla.command("set", context_settings={"ignore_unknown_options": True},
             help=_("Set a priority's windows in minutes: respond, on site, resolved."))
@click.argument("priority", type=click.IntRange(1, 4))
@click.argument("response_min")
@click.argument("onsite_min")
@click.argument("resolve_min")
@file_options
@click.pass_obj
def sla_set(obj: Ctx, priority: int, response_min: str, onsite_min: str, resolve_min: str) -> None:
    # Whole numbers, read here so that a wrong one ("-5", "1.5", "2e9") gets
    # the store's message about windows, as in the console's policy screen.
    windows = [int(v) if re.fullmatch(r"[+-]?[0-9]+", v.strip()) else v for v in (response_min, onsite_min, resolve_min)]
    # Repair mode: this is how damaged stored windows are mended (the new ones
    # are checked by set_policy); any other damage is named, with its own fix.
    store = obj.open(repair=True)
    try:
        other = store.settings.settings_problem(windows=False)
        if other is not None:
            fail(other)
        # A window that is not a whole number goes as typed: set_policy's own check words the refusal.
        store.settings.set_policy(priority, *windows)  # type: ignore[arg-type]
    finally:
        store.close()
    click.echo(_("{p}: respond {r} min, on site {o} min, resolved {x} min").format(
        p=priority_label(priority), r=windows[0], o=windows[1], x=windows[2]))
