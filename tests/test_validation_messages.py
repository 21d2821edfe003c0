"""Validation messages are ours, translated and naming the limit; fees take
digit grouping but no exponent; currency and fee_confirm_above settings
(issue 10 items 15 and 16)."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

import store.i18n as i18n
from store import Store
from store.errors import DatabaseFileError, ValidationFailed
from store.inputs import (
    ArriveInput,
    AssignInput,
    CancelInput,
    CloseInput,
    HoldInput,
    NewTicket,
    ResolveInput,
    RespondInput,
)
from store.models import validate

PYDANTIC_PHRASES = ("String should", "Input should", "Field required", "Value error", "Extra inputs",
                    "valid integer", "pydantic")

VALID: dict[type[BaseModel], dict[str, Any]] = {
    NewTicket: {"channel": "phone", "reporter": "Wang", "phone": "138 0000 0000", "site_id": 1,
                "equipment_id": 1, "category": "atm", "priority": 2, "description": "ATM swallows cards",
                "reported_at": None},
    AssignInput: {"technician_id": 1, "reason": "closer"},
    RespondInput: {"note": "called back"},
    ArriveInput: {"mode": "onsite"},
    HoldInput: {"reason": "parts", "note": "ordered"},
    ResolveInput: {"symptom": "jam", "cause": "roller", "action": "replaced", "parts": "roller"},
    CloseInput: {"signoff": "Mrs Zhao", "fee": "85.50"},
    CancelInput: {"reason": "duplicate"},
}
BAD_VALUES: list[Any] = [None, "", "   ", "x" * 5000, 123, 2.5, "abc", [1], {"a": 1}, True, "1e3", -1, 0,
                         10**30, "nope", "2026-01-01T00:00:00"]


class Marked:
    """A catalogue that marks every message it translates."""

    def gettext(self, message: str) -> str:
        return f"«{message}»"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"«{singular if n == 1 else plural}»"


@pytest.fixture
def marked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "_translation", Marked())


def messages(model: type[BaseModel], data: dict[str, Any]) -> dict[str, str]:
    try:
        validate(model, data)
    except ValidationFailed as exc:
        return exc.errors
    return {}


@pytest.mark.parametrize("model", list(VALID), ids=lambda m: m.__name__)
def test_every_message_is_ours_and_translated(model: type[BaseModel], marked: None) -> None:
    assert messages(model, VALID[model]) == {}
    seen: dict[str, str] = {}
    cases = [{**VALID[model], field: bad} for field in model.model_fields for bad in BAD_VALUES]
    cases += [{k: v for k, v in VALID[model].items() if k != field} for field in model.model_fields]
    cases += [{**VALID[model], "colour": "red"}, {}]
    for data in cases:
        for field, msg in messages(model, data).items():
            seen[f"{field}={msg}"] = msg
            assert msg.strip("«»").strip(), (data, field)
            assert not any(p.lower() in msg.lower() for p in PYDANTIC_PHRASES), (data, field, msg)
            assert msg.startswith("«") and "»" in msg, (data, field, msg)  # went through _()
    assert seen, model


def test_messages_name_the_limit() -> None:
    assert messages(AssignInput, {"technician_id": 1, "reason": "x" * 1000}) == {
        "reason": "at most 500 characters"}
    assert messages(CancelInput, {"reason": "x" * 1001}) == {"reason": "at most 1000 characters"}
    errors = messages(NewTicket, {**VALID[NewTicket], "priority": 5, "channel": "fax", "site_id": "one",
                                  "reported_at": "yesterday", "colour": "red"})
    assert errors == {
        "priority": "a whole number from 1 to 4",
        "channel": "one of: phone, online, counter, email, other",
        "site_id": "a whole number, e.g. 3",
        "reported_at": "a date and time",
        "colour": "not a field of this form",
    }
    assert messages(NewTicket, {"priority": 0})["reporter"] == "required"
    assert messages(HoldInput, {})["reason"] == "required"
    assert messages(ArriveInput, {"mode": "teleport"}) == {"mode": "one of: onsite, remote"}


def test_nothing_chosen_or_typed_says_required() -> None:
    """A select left on "choose…" sends None and an empty number field "": both were "a whole
    number, e.g. 3" beside a team picker, as if a number had been typed wrong."""
    assert messages(AssignInput, {"technician_id": None}) == {"technician_id": "required"}
    assert messages(AssignInput, {"technician_id": ""}) == {"technician_id": "required"}
    assert messages(AssignInput, {"technician_id": "one"}) == {"technician_id": "a whole number, e.g. 3"}


def test_empty_phone_says_required(store: Store) -> None:
    assert messages(NewTicket, {**VALID[NewTicket], "phone": ""}) == {"phone": "required"}
    assert messages(NewTicket, {**VALID[NewTicket], "phone": "   "}) == {"phone": "required"}
    assert "digits" in messages(NewTicket, {**VALID[NewTicket], "phone": "call me"})["phone"]
    with pytest.raises(ValidationFailed) as info:
        store.tickets.create_ticket({**VALID[NewTicket], "phone": ""})
    assert info.value.errors == {"phone": "required"}


@pytest.mark.parametrize(("typed", "fee"), [
    ("1,200.50", Decimal("1200.50")), ("1,000,000", Decimal(1000000)), ("999", Decimal(999)),
    (" 85.5 ", Decimal("85.5")), ("0.50", Decimal("0.5")), (".5", Decimal("0.5")),
])
def test_fee_accepts_digit_grouping(store: Store, typed: str, fee: Decimal) -> None:
    assert store.settings.parse_fee(typed) == fee
    assert validate(CloseInput, {"signoff": "Li", "fee": typed}).fee == fee


@pytest.mark.parametrize(("typed", "says"), [
    ("1e3", "exponent"), ("1E3", "exponent"), ("2.5e-1", "exponent"), ("1,2000", "thousands"),
    ("12,50", "thousands"), (",100", "thousands"), ("1 200", "a number such as"), ("¥12", "a number such as"),
    ("nan", "a number such as"), ("-5", "from 0 to 1,000,000,000"), ("1,000,000,001", "from 0"),
    ("1.234", "at most 2 decimals"),
])
def test_fee_refusals_say_why(store: Store, typed: str, says: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        store.settings.parse_fee(typed)
    assert set(info.value.errors) == {"fee"}
    assert says in info.value.errors["fee"]
    assert says in messages(CloseInput, {"signoff": "Li", "fee": typed})["fee"]


def put_setting(store: Store, key: str, value: Any) -> None:
    # set_setting belongs to the CLI work; write the row as a file would hold it.
    with sqlite3.connect(store.path) as raw:
        raw.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value)))


def test_money_format_and_currency_setting(store: Store) -> None:
    assert store.settings.currency == "¥"
    assert store.settings.format_money(Decimal("1200.5")) == "¥1,200.50"
    assert store.settings.format_money(Decimal(0)) == "¥0.00"
    assert store.settings.format_money(Decimal("1234567.891")) == "¥1,234,567.89"
    put_setting(store, "currency", "$")
    assert store.settings.format_money(Decimal("85.5")) == "$85.50"


def test_fee_confirm_threshold(store: Store) -> None:
    assert store.settings.fee_confirm_above == Decimal(5000)
    assert not store.settings.fee_needs_confirm("5,000.00")
    assert store.settings.fee_needs_confirm("5,000.01")
    assert store.settings.fee_needs_confirm(Decimal(9000))
    assert not any(store.settings.fee_needs_confirm(v) for v in (None, "", "x"))
    put_setting(store, "fee_confirm_above", 100)
    assert store.settings.fee_needs_confirm("100.01") and not store.settings.fee_needs_confirm("100")


@pytest.mark.parametrize(("key", "value"), [("currency", ""), ("currency", 5), ("currency", "dollars!!"),
                                            ("fee_confirm_above", "lots"), ("fee_confirm_above", -1),
                                            ("fee_confirm_above", True)])
def test_damaged_money_setting_is_a_file_error(store: Store, key: str, value: Any) -> None:
    put_setting(store, key, value)
    with pytest.raises(DatabaseFileError, match=f"damaged setting.*{key}"):
        Store(store.path)
