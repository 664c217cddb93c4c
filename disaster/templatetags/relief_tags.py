"""Template filters of the relief pages: money, rates and status tags (display only)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    """1500000 → "1,500,000.00" (money is shown with 2 decimals and thousands separators)."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return str(value)
    return f"{amount:,.2f}"


@register.filter
def pct(value: Any) -> str:
    """0.2500 → "25.0%"."""
    if value is None or value == "":
        return "—"
    return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


ALLOC_TAGS = {
    "proposed": "warning",
    "approved": "warning",
    "rejected": "urgent",
    "withdrawn": "",
    "disbursed": "ok",
}


@register.filter
def alloc_tag(status: str) -> str:
    return ALLOC_TAGS.get(status, "")


DEADLINE_TAGS = {"open": "warning", "overdue": "urgent", "met": "ok", "cancelled": ""}


@register.filter
def deadline_tag(deadline: Any) -> str:
    if deadline is None:
        return ""
    if deadline.status == "met" and deadline.was_late:
        return "warning"
    return DEADLINE_TAGS.get(deadline.status, "")


@register.filter
def deadline_text(deadline: Any) -> str:
    if deadline is None:
        return "—"
    if deadline.status == "met":
        return "逾期后完成" if deadline.was_late else "按时完成"
    return {"open": "未到期", "overdue": "已逾期", "cancelled": "已取消"}.get(
        deadline.status, deadline.status
    )


@register.filter
def q_value(post: Any, pk: Any) -> str:
    """What the user typed in the quantity input `q-<pk>` (re-shown after an error)."""
    return post.get(f"q-{pk}", "") if hasattr(post, "get") else ""


@register.filter
def r_value(post: Any, pk: Any) -> str:
    """What the user typed in the received-quantity input `r-<pk>`."""
    return post.get(f"r-{pk}", "") if hasattr(post, "get") else ""
