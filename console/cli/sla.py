"""``dispatch sla show|set``: the SLA policy, minutes per priority."""

from __future__ import annotations

import click

from store.i18n import _
from store.models import priority_label

from .common import Ctx, cli, file_options
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
    policy = obj.open().policy()
    rows = [{"priority": p, "label": priority_label(p), "response_min": pol.response_min,
             "onsite_min": pol.onsite_min, "resolve_min": pol.resolve_min} for p, pol in sorted(policy.items())]
    show_records(rows, ["priority", "label", "response_min", "onsite_min", "resolve_min"], fmt)


@sla.command("set", help=_("Set a priority's windows in minutes: respond, on site, resolved."))
@click.argument("priority", type=click.IntRange(1, 4))
@click.argument("response_min", type=click.IntRange(1))
@click.argument("onsite_min", type=click.IntRange(1))
@click.argument("resolve_min", type=click.IntRange(1))
@file_options
@click.pass_obj
def sla_set(obj: Ctx, priority: int, response_min: int, onsite_min: int, resolve_min: int) -> None:
    obj.open().set_policy(priority, response_min, onsite_min, resolve_min)
    click.echo(_("{p}: respond {r} min, on site {o} min, resolved {x} min").format(
        p=priority_label(priority), r=response_min, o=onsite_min, x=resolve_min))
