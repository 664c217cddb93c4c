from __future__ import annotations

from typing import Any

from django import template

from assistance import rules

register = template.Library()


@register.filter
def tier_label(value: Any) -> str:
    return rules.TIER_LABELS.get(value or "", "不属于低收入人口")


@register.filter
def tier_short(value: Any) -> str:
    return rules.TIER_SHORT.get(value or "", "—")


@register.filter
def masked_id(value: Any) -> str:
    return rules.mask_id(str(value or ""))


@register.filter
def masked_phone(value: Any) -> str:
    return rules.mask_phone(str(value or ""))
