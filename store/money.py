"""Money as typed and shown: fees parsed strictly (no exponent, commas only
between thousands), one way of writing an amount everywhere (``format_money``:
the screens, the commands, the timeline), the currency symbol and the confirm
ceiling settings."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .i18n import _

FEE_MAX = Decimal(10**9)
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_EXPONENT = re.compile(r"[+-]?[\d.,]*\d[\d.,]*[eE][+-]?\d+")


def parse_fee(value: Any) -> Decimal | None:
    """A fee as typed: digits with an optional point, commas only between
    thousands ("1,200.50"); no exponent ("1e3"). Blank is no fee."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        fee = Decimal(value)  # from code, not typed: no text rules to apply
        if not fee.is_finite():
            raise ValueError(_("a number such as 120, 85.50 or 1,200.50"))
    elif isinstance(value, str | float) and not isinstance(value, bool):
        fee = _fee_text(str(value).strip())
    else:
        raise ValueError(_("a number such as 120, 85.50 or 1,200.50"))
    if fee < 0 or fee > FEE_MAX:
        raise ValueError(_("from 0 to {max}").format(max=f"{FEE_MAX:,}"))
    if fee != fee.quantize(Decimal("0.01")):
        raise ValueError(_("at most 2 decimals"))
    return fee


def _fee_text(text: str) -> Decimal:
    if _EXPONENT.fullmatch(text):
        raise ValueError(_("write the amount in full, without an exponent (1000, not 1e3)"))
    if "," in text and not _GROUPED.fullmatch(text):
        raise ValueError(_("commas only between thousands, a point for decimals: 1,200.50"))
    if not (_PLAIN.fullmatch(text) or _GROUPED.fullmatch(text)):
        raise ValueError(_("a number such as 120, 85.50 or 1,200.50"))
    return Decimal(text.replace(",", ""))


DEFAULT_CURRENCY = "¥"
DEFAULT_FEE_CONFIRM_ABOVE = 5000


def format_money(amount: Decimal | int, currency: str = DEFAULT_CURRENCY) -> str:
    """An amount as it is shown everywhere: the currency symbol, digits
    grouped, two decimals, rounded half up only here ("¥6,800.50")."""
    shown = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if shown < 0 else ""
    return f"{sign}{currency}{abs(shown):,.2f}"


def money_cell_format(currency: str) -> str:
    """The spreadsheet number format that shows an amount as ``format_money``
    does (the cell keeps the number)."""
    return '"' + currency.replace('"', "") + '"#,##0.00'


def check_currency(value: Any) -> str:
    """The ``currency`` setting: the symbol written before amounts ("¥", "$", "CHF ")."""
    if not isinstance(value, str) or not value.strip() or len(value) > 8 or not value.isprintable():
        raise ValueError(_("currency must be a symbol of 1 to 8 characters, e.g. ¥ or $"))
    return value


def check_fee_confirm_above(value: Any) -> Decimal:
    """The ``fee_confirm_above`` setting: fees above it ask for confirmation."""
    try:
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise ValueError
        amount = parse_fee(value)
    except ValueError:
        amount = None
    if amount is None:
        raise ValueError(_("fee_confirm_above must be an amount from 0 to {max}").format(max=f"{FEE_MAX:,}"))
    return amount


# Amounts are Decimal, never float (DOMAIN.md §11), and rounded half up only
# where they are shown or become a line of a fee: these two are the one way to
# do either.
FEN = Decimal("0.01")


def round_money(amount: Decimal, step: Decimal = FEN) -> Decimal:
    """``amount`` rounded half up to a multiple of ``step`` (0.01, 0.1, 1):
    2.675 -> 2.68, -2.675 -> -2.68 (half away from zero, as on a receipt)."""
    return (amount / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
