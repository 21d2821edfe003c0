"""Display formatting for terminals: cell widths and local times. The
countdown rules live in store/rules/countdown.py (re-exported here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pendulum import DateTime
from rich.cells import cell_len

from console.cells import cells_prefix as cells_prefix
from console.cells import fit as fit
from console.cells import fit_window as fit_window
from console.cells import pad as pad
from store.i18n import _, ngettext
from store.money import format_money
from store.rules.countdown import (  # noqa: F401  (re-exported for the screens)
    COUNTDOWN_WIDTH,
    STATE_SYMBOL,
    clock_label,
    clock_title,
    duration,
    overdue,
    row_clock,
    state_label,
)
from store.text import LINE_LIMIT, clean
from store.timeutil import from_db

if TYPE_CHECKING:
    from store.repo.escalations import EscalationRecord
    from store.rules.notified import TicketNotified


def notified_text(n: TicketNotified, tz: str) -> str:
    """When the ticket's technician was first told, and how long after the
    report against the 15 minutes (✓/✗: shapes, not colour); or why not."""
    from store.rules.notified import reason_label  # a ticket's detail: not the queue's first frame

    if n.notified_at is None or n.delay_s is None:
        return _("not notified: {why}").format(why=reason_label(n.reason or "no_address"))
    text = (_("{at}, {delay} after the report ✓ within 15 min") if n.within
            else _("{at}, {delay} after the report ✗ over 15 min"))
    from store.rules.figures import fmt_seconds  # the report figures' module: not needed by the first screen

    return text.format(at=local_time(from_db(n.notified_at), tz), delay=fmt_seconds(n.delay_s))


def local_time(dt: DateTime | None, tz: str, fmt: str = "YYYY-MM-DD HH:mm") -> str:
    if dt is None:
        return "—"
    return dt.in_timezone(tz).format(fmt)


# A terminal cell holds at most one character of cleaned text plus its
# combining marks: this many characters always cover ``width`` cells, so a
# name of a million characters is measured only as far as what can show.
def escalation_text(escalations: list[EscalationRecord], tz: str) -> list[tuple[str, bool]]:
    """One entry per escalation of a ticket, oldest first: (its two lines,
    whether it waits for an acknowledgement): level and clock, when it fell
    due, to whom; then who acknowledged it, when, and the note. The detail
    screen and ``dispatch ticket N`` show the same words."""
    from store.rules.escalation import share_label  # the escalation rules: not for the queue's start-up

    out = []
    for e in sorted(escalations, key=lambda x: (x.due_at, x.id)):
        who = clean(", ".join(e.recipients), single_line=True, limit=LINE_LIMIT) or "—"
        head = f"↑{e.level} {clock_title(e.clock)}: {share_label(e.at)}  " + _("due {when} → {who}").format(
            when=local_time(from_db(e.due_at), tz, "MM-DD HH:mm"), who=who)
        if e.acknowledged_at is None:
            out.append((f"{head}\n    " + _("not acknowledged"), True))
            continue
        ack = _("acknowledged by {who} at {when}").format(
            who=clean(e.acknowledged_by or "?", single_line=True, limit=LINE_LIMIT),
            when=local_time(from_db(e.acknowledged_at), tz, "MM-DD HH:mm"))
        note = clean(e.note or "", single_line=True, limit=LINE_LIMIT)
        out.append((f"{head}\n    {ack}" + (f": {note}" if note else ""), False))
    return out


def fee_item_rows(items: Sequence[Mapping[str, Any]], currency: str) -> list[tuple[str, str, str]]:
    """A fee's items as (what, detail, amount) for the close form, the detail
    and the command line: labour, call-out, each part (its code and name,
    stored as the catalogue had it: cleaned), the rounding line."""
    names = {"labour": _("Labour"), "call_out": _("Call-out"), "rounding": _("Rounding")}
    out = []
    for item in items:
        kind, quantity = str(item.get("kind")), int(item.get("quantity") or 1)
        what = names.get(kind) or clean(str(item.get("label", "")), single_line=True, limit=40)
        if kind == "part":
            units = ngettext("{n} unit", "{n} units", quantity).format(n=quantity)
            detail = _("{units}, under warranty").format(units=units) if item.get("warranty") else units
        elif kind == "labour" and quantity > 1:  # hourly: the billed minutes
            detail = _("billed {time}").format(time=f"{quantity // 60}h{quantity % 60:02d}m")
        else:
            detail = ""
        out.append((what, detail, format_money(Decimal(str(item.get("amount", "0"))), currency)))
    return out


def fee_item_lines(items: Sequence[Mapping[str, Any]], currency: str, width: int = 60) -> list[str]:
    """The items as aligned lines, the amounts on the right of ``width`` cells."""
    lines = []
    for what, detail, amount in fee_item_rows(items, currency):
        left = f"{what}  {detail}" if detail else what
        gap = max(2, width - cell_len(left) - cell_len(amount))
        lines.append(left + " " * gap + amount)
    return lines


def invoice_text(t: Any, tz: str) -> str:
    """Where a closed ticket's invoice stands: its number, who recorded it and
    who checked it, when (site time); or that none is recorded yet."""
    if not t.invoice_no:
        return _("not recorded yet")
    text = _("{number}, recorded by {who} at {when}").format(
        number=clean(t.invoice_no, single_line=True), who=t.invoice_by, when=local_time(t.invoice_at, tz))
    if t.invoice_checked_at is None:
        return text + "; " + _("not checked")
    return text + "; " + _("checked by {who} at {when}").format(
        who=t.invoice_checked_by, when=local_time(t.invoice_checked_at, tz))
