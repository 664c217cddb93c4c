"""Money and ratio helpers: Decimal only, half-up to the fen, Chinese-readable formatting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def D(value: Any) -> Decimal:
    """A Decimal from a str/int/Decimal (floats through their shortest repr, never binary)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise InvalidOperation("bool is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return Decimal(value.strip().replace(",", ""))
    raise InvalidOperation(f"not a number: {value!r}")


def money(value: Decimal) -> Decimal:
    """Round to the fen, half up (0.005 → 0.01)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def fmt_money(value: Decimal) -> str:
    """1500000 → "1,500,000.00"."""
    return f"{money(value):,.2f}"


def fmt_number(value: Decimal) -> str:
    """A plain number without trailing zeros: 5.00 → "5", 0.50 → "0.5"."""
    text = format(value.normalize(), "f")
    return text


def fmt_rate(rate: Decimal, *, per_mille: bool = False) -> str:
    """0.05 → "5 %", 0.005 → "0.5 %", 0.001 with per_mille → "1 ‰"."""
    if per_mille:
        return f"{fmt_number(rate * 1000)} ‰"
    return f"{fmt_number(rate * 100)} %"


def fmt_int(value: int | Decimal) -> str:
    return f"{int(value):,}"
