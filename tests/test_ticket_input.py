"""What a new ticket and a closing take as input: field errors by name, and
fees as money (no NaN, no exponent, two decimals at most)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from ticket_helpers import data, make, to_resolved

from store import Store, ValidationFailed


def test_create_ticket_validation(store: Store) -> None:
    with pytest.raises(ValidationFailed) as info:
        store.tickets.create_ticket(data(reporter="  ", phone="call me", priority=5, description=""))
    errors = info.value.errors
    assert set(errors) == {"reporter", "phone", "priority", "description"}
    assert errors["reporter"] == "required"
    assert "digits" in errors["phone"]
    with pytest.raises(ValidationFailed) as info:
        store.tickets.create_ticket(data(site_id=9))
    assert info.value.errors == {"site_id": "no such site"}
    with pytest.raises(ValidationFailed) as info:
        store.tickets.create_ticket(data(site_id=2, equipment_id=1))
    assert info.value.errors == {"equipment_id": "this equipment is at another site"}
    with pytest.raises(ValidationFailed) as info:
        store.tickets.create_ticket(data(colour="red"))
    assert "colour" in info.value.errors
    assert store.admin.stats()["tickets"] == 0

@pytest.mark.parametrize("fee", ["abc", "-1", "1.234", "12,50", -0.01])
def test_bad_fee_is_refused(store: Store, fee: Any) -> None:
    t = to_resolved(store, make(store))
    with pytest.raises(ValidationFailed) as info:
        store.tickets.close(t.id, t.version, signoff="Mrs Zhao", fee=fee)
    assert set(info.value.errors) == {"fee"}
    assert store.tickets.ticket(t.id).status == "resolved"

@pytest.mark.parametrize(
    ("fee", "stored"),
    [(None, None), ("", None), ("  ", None), (120, Decimal(120)), ("85.5", Decimal("85.50")), ("0", Decimal(0)),
     (" 19.99 ", Decimal("19.99"))],
)
def test_good_fee_is_stored(store: Store, fee: Any, stored: Decimal | None) -> None:
    t = to_resolved(store, make(store))
    t = store.tickets.close(t.id, t.version, signoff="Mrs Zhao", fee=fee)
    assert t.fee == stored

@pytest.mark.parametrize("fee", ["nan", "Infinity", "-1", "1e30", "100000000000000000000", "1.234"])
def test_bad_fees_are_field_errors(store, fee) -> None:
    t = store.tickets.create_ticket({"reporter": "R", "phone": "123", "site_id": 1, "priority": 3, "description": "d"})
    store.tickets.assign(t.id, 1, technician_id=1)
    store.tickets.arrive(t.id, 2)
    store.tickets.resolve(t.id, 3, symptom="s", cause="c", action="a", parts="none")
    with pytest.raises(ValidationFailed) as info:
        store.tickets.close(t.id, 4, signoff="Li", fee=fee)
    assert set(info.value.errors) == {"fee"}
