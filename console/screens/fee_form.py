"""Setup → Fees (issue 25): the fee schedule managers keep (setting
``fee_schedule``, store/rules/fees.py) and how many days an invoice may stay
unchecked (``invoice_check_days``), in one form. Saved by the same store calls
as ``dispatch fees set`` and ``dispatch set invoice_check_days``: checked
there (a refusal is one line under the form), audited as any setting."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from store.errors import RuleViolation, StoreError, ValidationFailed
from store.rules.fees import FeeSchedule, parse_schedule

from ..background import read
from ..i18n import _

AMOUNT_MAX = 16  # "1,000,000,000.00"


def schedule_value(values: dict[str, Any]) -> dict[str, Any]:
    """The setting as the form's fields give it (the store checks it)."""
    per = {str(p): values[f"p{p}"].strip() for p in range(1, 5) if (values.get(f"p{p}") or "").strip()}

    def whole(name: str) -> Any:
        text = (values.get(name) or "").strip()
        return int(text) if text.isdigit() else text or 0

    return {"labour": values.get("labour") or "priority", "per_priority": per,
            "hourly_rate": values.get("hourly_rate") or "0", "step_minutes": whole("step_minutes"),
            "minimum_minutes": whole("minimum_minutes"), "call_out": values.get("call_out") or "0",
            "parts_margin": (values.get("parts_margin") or "0").strip(), "rounding": values.get("rounding") or "0.01"}


def _amount(value: Decimal) -> str:
    return "" if not value else str(value)


async def open_fee_form(screen: Any) -> None:
    """Opened from ``screen`` (Setup), whose app's store it reads and writes."""
    from .form import ActionForm, Field

    store = screen.app.store
    try:
        current, days = await read(lambda: (store.settings.fee_schedule(), store.settings.invoice_check_days))
    except StoreError as exc:
        screen.notify(str(exc), severity="error", markup=False)
        return
    s: FeeSchedule = current or FeeSchedule()
    fields = [
        Field("labour", _("Labour"), "select", [(_("flat per ticket, by priority"), "priority"),
                                                 (_("per hour of working time"), "hourly")], value=s.labour),
        *[Field(f"p{p}", _("Labour P{p}").format(p=p), value=_amount(s.per_priority.get(p, Decimal(0))),
                placeholder="0", max_length=AMOUNT_MAX) for p in range(1, 5)],
        Field("hourly_rate", _("Rate per hour"), value=_amount(s.hourly_rate), placeholder="0", max_length=AMOUNT_MAX),
        Field("step_minutes", _("Billed per (minutes)"), value=str(s.step_minutes), max_length=4),
        Field("minimum_minutes", _("Minimum (minutes)"), value=str(s.minimum_minutes), max_length=5),
        Field("call_out", _("Call-out charge"), value=_amount(s.call_out), placeholder="0", max_length=AMOUNT_MAX),
        Field("parts_margin", _("Parts margin"), value=str(s.parts_margin), placeholder=_("0.15 is cost + 15 %"),
              max_length=8),
        Field("rounding", _("Round total to"), "select", [("0.01", "0.01"), ("0.1", "0.1"), ("1", "1")],
              value=s.rounding),
        Field("invoice_check_days", _("Check invoices (days)"), value=str(days), max_length=3),
    ]

    def save(values: dict[str, Any], _version: int) -> bool:
        text = (values.get("invoice_check_days") or "").strip()
        if not text.isdigit():
            raise ValidationFailed.one("invoice_check_days", _("a whole number of days from 1 to 365"))
        value = schedule_value(values)
        try:
            same = current is not None and parse_schedule(value) == current
        except RuleViolation:
            same = False  # the store's write says what is wrong, in one line
        if not same:
            store.fees.set_schedule(value)
        if int(text) != days:
            store.settings.set_setting("invoice_check_days", int(text))
        return True

    def done(saved: object) -> None:
        if saved:
            screen.notify(_("Fee schedule saved."), markup=False)

    screen.app.push_screen(ActionForm(
        _("Fees: the schedule closing proposes from"), fields, save, 0,
        hint=_("A ticket's fee is proposed at closing: labour, call-out, the parts used at cost plus the margin, "
               "and the rounding; a different fee needs a reason."),
        save_label=_("Save (ctrl+s)"), draft_key=("fees", 0)), done)
