"""Money shown and rounded (store/money.py): half up, never Python's half to
even, one format everywhere (DOMAIN.md §11): the CLI's ticket and the ticket
screen show the fee as money."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from console_helpers import app_for, make_ticket, settle, until
from hypothesis import given
from hypothesis import strategies as st
from textual.widgets import Static

from console.cli import cli
from store import Store
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


# --------------------------------------------- one format everywhere (issue 22)

def test_format_money_is_the_one_way() -> None:
    from decimal import Decimal

    assert format_money(Decimal("6800.5")) == "¥6,800.50"
    assert format_money(Decimal("0.005")) == "¥0.01"  # half up, only when shown
    assert format_money(Decimal("-12"), "$") == "-$12.00"


def _closed_with_fee(store: Store) -> int:
    t = make_ticket(store)
    t = store.tickets.assign(t.id, t.version, technician_id=1)
    t = store.tickets.arrive(t.id, t.version)
    t = store.tickets.resolve(t.id, t.version, symptom="s", cause="c", action="a", parts="none")
    return store.tickets.close(t.id, t.version, signoff="Ms Wang", fee="6800.5").id


def test_the_cli_shows_the_fee_as_money(store: Store, db_path: Path) -> None:
    tid = _closed_with_fee(store)
    out = CliRunner().invoke(cli, ["--db", str(db_path), "ticket", str(tid)])
    assert out.exit_code == 0, out.output
    assert "¥6,800.50" in out.output and "6800.5\n" not in out.output
    assert "Fee: — → ¥6,800.50" in out.output or "Fee: ¥6,800.50" in out.output  # the timeline, too


async def test_the_ticket_screen_shows_the_fee_as_money(store: Store) -> None:
    from console.screens.detail import DetailScreen

    tid = _closed_with_fee(store)
    store.settings.set_setting("currency", "$")
    app = app_for(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.open_detail(tid)
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.ticket is not None)
        fields = str(app.screen.query_one("#fields", Static).render())
        assert "$6,800.50" in fields
        await until(pilot, lambda: "$6,800.50" in " ".join(
            str(s.render()) for s in app.screen.query("#timeline Static")))
