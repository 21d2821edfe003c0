"""What goes into the store: the validated input models (pydantic), for
tickets and their steps and for the reference data."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from pendulum import DateTime
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .i18n import _
from .labels import CATEGORIES, ArrivalMode, Category, Channel, HoldReason
from .money import parse_fee

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


class HoldInput(Input):
    reason: HoldReason
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
    reason: str = Field(default="", max_length=1000)  # why the fee differs from the schedule's proposal

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


class PartInput(Input):
    """A spare part in the catalogue (store/repo/parts.py)."""

    code: str = Field(max_length=32)
    name: str = Field(max_length=NAME_MAX)
    category: str = Field(default="", max_length=40)
    unit: str = Field(default="pcs", max_length=16)
    min_stock: int = Field(default=0, ge=0, le=1_000_000)
    unit_cost: Decimal = Decimal("0.00")
    equipment_categories: list[Category] = Field(default_factory=list)

    _required = field_validator("code", "name", "unit")(_nonblank)

    @field_validator("min_stock", mode="before")
    @classmethod
    def _min(cls, value: Any) -> Any:
        return 0 if isinstance(value, str) and not value.strip() else value

    @field_validator("unit_cost", mode="before")
    @classmethod
    def _cost(cls, value: Any) -> Any:
        cost = parse_fee(value)  # a ValueError here is the field's one-line message
        return Decimal("0.00") if cost is None else cost

    @field_validator("equipment_categories", mode="before")
    @classmethod
    def _categories(cls, value: Any) -> Any:
        if isinstance(value, str):  # "atm, printer" as typed or in a CSV cell
            return sorted({s.casefold() for s in split_skills(value)})
        return value
