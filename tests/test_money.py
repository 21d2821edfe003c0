"""Money shown and rounded (store/money.py): half up, never Python's half to
even, one format everywhere (DOMAIN.md §11)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.money import format_money, round_money

D = Decimal


@pytest.mark.parametrize(("amount", "shown"), [
    ("2.675", "¥2.68"),  # f"{x:.2f}" gives 2.67 (half to even)
    ("0.125", "¥0.13"), ("-0.125", "-¥0.13"), ("1200.5", "¥1,200.50"), ("-0.004", "¥0.00"),
    ("1000000000", "¥1,000,000,000.00"), ("0", "¥0.00"),
])
def test_amounts_are_shown_with_two_decimals_rounded_half_up(amount: str, shown: str) -> None:
    assert format_money(D(amount)) == shown
    assert format_money(D(amount), "$") == shown.replace("¥", "$")


@pytest.mark.parametrize(("amount", "step", "rounded"), [
    ("12.345", "0.01", "12.35"), ("12.5", "1", "13"), ("3.45", "0.1", "3.5"), ("-3.45", "0.1", "-3.5"),
    ("3.44", "0.1", "3.4"), ("7", "0.01", "7.00"),
])
def test_round_money_is_half_up_to_the_step(amount: str, step: str, rounded: str) -> None:
    assert round_money(D(amount), D(step)) == D(rounded)


@given(st.integers(-10**12, 10**12), st.sampled_from(["0.01", "0.1", "1"]))
def test_rounding_is_to_the_nearest_step_and_halves_go_away_from_zero(thousandths: int, step: str) -> None:
    amount, s = D(thousandths).scaleb(-3), D(step)
    r = round_money(amount, s)
    assert r % s == 0
    assert abs(r - amount) <= s / 2
    if abs(r - amount) == s / 2:
        assert abs(r) > abs(amount)
