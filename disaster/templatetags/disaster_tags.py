from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template

from disaster.rules.levels import level_zh as _level_zh

register = template.Library()

LEVEL_CLASS = {"IV": "lv4", "III": "lv3", "II": "lv2", "I": "lv1"}


@register.filter
def level_zh(level: str | None) -> str:
    return _level_zh(level)


@register.filter
def level_class(level: str | None) -> str:
    return LEVEL_CLASS.get(level or "", "lv0")


@register.filter
def pct(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@register.filter
def get(mapping: Any, key: Any) -> Any:
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def num(value: Any) -> str:
    """Thousands separators for counts, 2 decimals for money."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal) or (isinstance(value, str) and "." in value):
        d = Decimal(value)
        return f"{d:,.2f}"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)
