from decimal import Decimal
from typing import Any

from django import template

from supervision import rules

register = template.Library()

CSS = {rules.ON_TRACK: "ok", rules.AT_RISK: "warning", rules.OVERDUE: "urgent", rules.DONE: "done"}


@register.filter
def status_css(status: str) -> str:
    return CSS.get(status, "")


@register.filter
def num(value: Any) -> str:
    """Decimal without trailing zeros, with thousands separators."""
    if value is None or value == "":
        return "—"
    return rules.fmt(Decimal(value))


@register.filter
def direction_symbol(direction: str) -> str:
    return rules.DIRECTIONS.get(direction, "")


@register.filter
def share(indicator: Any) -> str:
    if indicator.latest_value is None:
        return "—"
    value = rules.completion_share(indicator.latest_value, indicator.target, indicator.baseline)
    return rules.percent(value) if value is not None else "—"
