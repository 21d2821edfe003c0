"""Pydantic models: what goes into the store (validated input) and what comes out."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pendulum import DateTime
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .i18n import _

# Re-exported (``X as X``): callers import them from here.
from .rules.money import DEFAULT_CURRENCY as DEFAULT_CURRENCY
from .rules.money import DEFAULT_FEE_CONFIRM_ABOVE as DEFAULT_FEE_CONFIRM_ABOVE
from .rules.money import FEE_MAX as FEE_MAX
from .rules.money import check_currency as check_currency
from .rules.money import check_fee_confirm_above as check_fee_confirm_above
from .rules.money import parse_fee as parse_fee
from .validation import validate as validate

Channel = Literal["phone", "online", "counter", "email", "other"]
CHANNELS: tuple[str, ...] = ("phone", "online", "counter", "email", "other")
Category = Literal[
    "atm", "printer", "cash", "network", "ups", "access", "pc", "other"
]
CATEGORIES: tuple[str, ...] = ("atm", "printer", "cash", "network", "ups", "access", "pc", "other")
PRIORITIES: tuple[int, ...] = (1, 2, 3, 4)
PauseReason = Literal["customer", "parts"]
ArrivalMode = Literal["onsite", "remote"]


def channel_label(channel: str) -> str:
    return {
        "phone": _("phone hotline"), "online": _("online"), "counter": _("branch counter"),
        "email": _("email"), "other": _("other"),
    }.get(channel, channel)


def category_label(category: str) -> str:
    return {
        "atm": _("ATM"), "printer": _("teller printer"), "cash": _("cash counter"),
        "network": _("network"), "ups": _("UPS / power"), "access": _("access control"),
        "pc": _("PC / terminal"), "other": _("other"),
    }.get(category, category)


def wait_reason_label(reason: str) -> str:
    return {"customer": _("customer"), "parts": _("parts")}.get(reason, reason)


def priority_label(priority: int) -> str:
    return {1: _("P1 critical"), 2: _("P2 high"), 3: _("P3 medium"), 4: _("P4 low")}.get(
        priority, f"P{priority}"
    )


# ---------------------------------------------------------------- input models

class Input(BaseModel):
    # Schemas are built on first use: the console opens without building the
    # forms' validators (~15 ms of start-up for models a first screen never uses).
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", defer_build=True)


def _nonblank(value: str) -> str:
    if not value:
        raise ValueError(_("required"))
    return value


class NewTicket(Input):
    channel: Channel = "phone"
    reporter: str = Field(max_length=80)
    phone: str = Field(max_length=24)
    site_id: int
    equipment_id: int | None = None
    category: Category = "other"
    priority: int = Field(ge=1, le=4)
    description: str = Field(max_length=4000)
    reported_at: DateTime | None = None

    model_config = ConfigDict(
        str_strip_whitespace=True, extra="forbid", arbitrary_types_allowed=True
    )

    _reporter = field_validator("reporter", "description")(_nonblank)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not value:
            raise ValueError(_("required"))
        if not re.fullmatch(r"\+?[0-9][0-9 ()-]{2,22}", value):
            raise ValueError(_("digits, spaces, + - ( ) only; at least 3 digits"))
        return value


class AssignInput(Input):
    technician_id: int
    reason: str = Field(default="", max_length=500)


class RespondInput(Input):
    note: str = Field(default="", max_length=1000)


class ArriveInput(Input):
    mode: ArrivalMode = "onsite"


class PauseInput(Input):
    reason: PauseReason
    note: str = Field(default="", max_length=1000)


class ResolveInput(Input):
    symptom: str = Field(max_length=2000)
    cause: str = Field(max_length=2000)
    action: str = Field(max_length=2000)
    parts: str = Field(max_length=1000)

    _required = field_validator("symptom", "cause", "action", "parts")(_nonblank)


class CloseInput(Input):
    signoff: str = Field(max_length=80)
    fee: Decimal | None = None

    _required = field_validator("signoff")(_nonblank)

    @field_validator("fee", mode="before")
    @classmethod
    def _fee(cls, value: Any) -> Any:
        return parse_fee(value)


class CancelInput(Input):
    reason: str = Field(max_length=1000)

    _required = field_validator("reason")(_nonblank)


# ------------------------------------------------------------ reference data

CODE_MAX, NAME_MAX, ADDRESS_MAX, CONTACT_MAX = 16, 120, 200, 120
ASSET_TAG_MAX, MODEL_MAX, PERSON_MAX, PHONE_MAX = 40, 80, 80, 24


def _blank_none(value: Any) -> Any:
    """A blank cell or field is "no date", not a bad one."""
    return None if isinstance(value, str) and not value.strip() else value


class SiteInput(Input):
    code: str = Field(max_length=CODE_MAX)
    name: str = Field(max_length=NAME_MAX)
    address: str = Field(default="", max_length=ADDRESS_MAX)
    contact: str = Field(default="", max_length=CONTACT_MAX)

    _required = field_validator("code", "name")(_nonblank)


class EquipmentInput(Input):
    asset_tag: str = Field(max_length=ASSET_TAG_MAX)
    category: Category = "other"
    model: str = Field(default="", max_length=MODEL_MAX)
    site_id: int
    installed: date | None = None
    warranty_until: date | None = None

    _required = field_validator("asset_tag")(_nonblank)
    _dates = field_validator("installed", "warranty_until", mode="before")(_blank_none)

    @field_validator("warranty_until")
    @classmethod
    def _after_install(cls, value: date | None, info: Any) -> date | None:
        installed = info.data.get("installed")
        if value is not None and installed is not None and value < installed:
            raise ValueError(_("not before the installation date ({d})").format(d=installed.isoformat()))
        return value


class TeamInput(Input):
    name: str = Field(max_length=PERSON_MAX)
    foreman_id: int | None = None

    _required = field_validator("name")(_nonblank)


# Skills are written with commas ("atm, cash") wherever they are shown; typed,
# imported or given on the command line, any of these separate them too.
SKILL_SEPARATORS = re.compile(r"[,;|，；、]")
SKILLS_SEPARATOR = ", "


def split_skills(text: str) -> list[str]:
    """The skills in a text as typed: "atm, cash", "atm;cash", "atm、cash"."""
    return [s.strip() for s in SKILL_SEPARATORS.split(text) if s.strip()]


class TechnicianInput(Input):
    name: str = Field(max_length=PERSON_MAX)
    team_id: int
    phone: str = Field(default="", max_length=PHONE_MAX)
    skills: tuple[str, ...] = ()
    on_duty: bool = True

    _required = field_validator("name")(_nonblank)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not re.fullmatch(r"\+?[0-9][0-9 ()-]{2,22}", value):
            raise ValueError(_("digits, spaces, + - ( ) only; at least 3 digits"))
        return value

    @field_validator("skills", mode="before")
    @classmethod
    def _skills(cls, value: Any) -> Any:
        if isinstance(value, str):  # "atm, cash" or "atm;cash", as typed or in a CSV cell
            value = split_skills(value)
        if not isinstance(value, list | tuple):
            return value
        skills = [str(s).strip().lower() for s in value if str(s).strip()]
        bad = [s for s in skills if s not in CATEGORIES]
        if bad:
            raise ValueError(_("unknown skill {s}; one of: {choices}").format(
                s=bad[0], choices=", ".join(CATEGORIES)))
        return tuple(dict.fromkeys(skills))


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
    cancel_reason: str | None
    repeat_of: int | None
    updated_at: DateTime
    updated_by: str


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
