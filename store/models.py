"""Pydantic models: what comes out of the store (input models: store/inputs.py;
the vocabulary and its labels: store/labels.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pendulum import DateTime
from pydantic import BaseModel, ConfigDict

# Re-exported (``X as X``): callers import them from here.
from .validation import validate as validate

# --------------------------------------------------------------- output models

class Out(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True, defer_build=True)


class Site(Out):
    id: int
    code: str
    name: str
    address: str
    contact: str = ""
    retired: bool = False


class Equipment(Out):
    id: int
    site_id: int
    asset_tag: str
    category: str
    model: str
    installed: date | None = None
    warranty_until: date | None = None
    retired: bool = False


class Team(Out):
    id: int
    name: str
    foreman_id: int | None
    retired: bool = False


class Technician(Out):
    id: int
    name: str
    team_id: int
    team_name: str
    phone: str
    skills: tuple[str, ...]
    on_duty: bool
    open_load: int = 0
    current_ticket: int | None = None
    retired: bool = False


class ImportReport(Out):
    """What an import did: all rows saved (created + updated), or none and
    the reasons, one per bad field: (line in the file, column, reason)."""

    table: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: tuple[tuple[int, str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


class Ticket(Out):
    id: int
    version: int
    status: str
    priority: int
    channel: str
    reporter: str
    phone: str
    site_id: int
    site_name: str
    equipment_id: int | None
    equipment_tag: str | None
    category: str
    description: str
    reported_at: DateTime
    created_by: str
    technician_id: int | None
    technician_name: str | None
    first_response_at: DateTime | None
    assigned_at: DateTime | None
    arrived_at: DateTime | None
    arrival_mode: str | None
    resolved_at: DateTime | None
    closed_at: DateTime | None
    cancelled_at: DateTime | None
    wait_reason: str | None
    symptom: str | None
    cause: str | None
    action: str | None
    parts: str | None
    signoff: str | None
    fee: Decimal | None
    # The fee as the schedule proposed it at closing (None: no schedule then),
    # item by item, and why the fee charged differs (store/rules/fees.py).
    fee_proposed: Decimal | None = None
    fee_items: tuple[dict[str, Any], ...] = ()
    fee_reason: str | None = None
    # The invoice customer service recorded on the closed ticket, and its check.
    invoice_no: str | None = None
    invoice_at: DateTime | None = None
    invoice_by: str | None = None
    invoice_checked_at: DateTime | None = None
    invoice_checked_by: str | None = None
    cancel_reason: str | None
    repeat_of: int | None
    updated_at: DateTime
    updated_by: str
    # Its number in the helpdesk it was imported from (dispatch import tickets); None: made here.
    external_ref: str | None = None


class QueueRow(Out):
    """One row of the live queue; SLA state is derived at render time from
    the absolute deadlines, so the tick needs no query."""

    id: int
    version: int
    priority: int
    status: str
    arrival_mode: str | None
    site_name: str
    equipment_tag: str | None
    description: str
    technician_name: str | None
    repeat_of: int | None
    next_clock: str | None
    due_at: DateTime | None
    risk_at: DateTime | None
    frozen_left_s: float | None
    window_s: int | None
    technician_id: int | None = None
    responded: bool = False  # first response logged: what the allowed actions depend on
    reporter: str = ""
    due_ts: float | None = None  # the deadlines as epoch seconds, for the tick
    risk_ts: float | None = None
    # The highest escalation level not acknowledged yet (issue 24), None when none waits.
    esc_level: int | None = None


class QueueCounts(Out):
    open: int
    at_risk: int
    breached: int
    unassigned: int

    def after(self, crossings: list[Crossing]) -> QueueCounts:
        """The counts once these crossings happened, without a query: what
        changes with time alone moves only by crossing a threshold."""
        at_risk, breached = self.at_risk, self.breached
        for c in crossings:
            if c.state == "breached":
                breached += 1
                at_risk -= c.was_at_risk
            else:
                at_risk += 1
        return self.model_copy(update={"at_risk": at_risk, "breached": breached})


class QueueFilter(Out):
    statuses: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()
    team_id: int | None = None
    unassigned: bool = False
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.statuses or self.priorities or self.team_id or self.unassigned or self.text)


class Event(Out):
    id: int
    at: DateTime
    actor: str
    action: str
    ticket_id: int | None
    old: dict[str, Any]
    new: dict[str, Any]
    # The OS login that typed it when a manager acted for ``actor``; else None.
    entered_by: str | None = None


class Crossing(Out):
    """A ticket whose clock crossed into at risk or breached."""

    ticket_id: int
    clock: str
    state: str
    site_name: str
    was_at_risk: bool = False  # for a breach: whether it had been counted at risk


class User(Out):
    """A person who may use the file: an OS login with a role (store/rules/auth.py)."""

    login: str
    name: str
    role: str
    team_id: int | None = None
    team_name: str | None = None
    disabled: bool = False
    has_pin: bool = False
    language: str | None = None  # "en", "zh_Hans"; None follows the environment
    pin_failures: int = 0  # wrong PINs in a row (store/rules/auth.py FREE_TRIES, LOCK_AFTER)
    pin_locked: bool = False  # PIN sign-in refused until a manager unlocks


class PinOutcome(Out):
    """What one PIN try came to (store/repo/pins.py). ``checked`` False: the
    PIN was not looked at (the person is locked, must wait, or cannot sign in)."""

    ok: bool = False
    checked: bool = True
    failures: int = 0  # wrong PINs in a row, this try included
    wait_s: int = 0  # seconds until the next try will be looked at
    locked: bool = False
