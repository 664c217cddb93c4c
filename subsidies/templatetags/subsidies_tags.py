from __future__ import annotations

from decimal import InvalidOperation
from typing import Any

from django import template

from subsidies.rules import D, fmt_money

register = template.Library()

MODE_LABELS = {"formula": "按公式", "fixed": "定额", "case_by_case": "一事一议"}
PERIOD_LABELS = {"one_time": "一次性", "yearly": "按年", "per_event": "按次（年度/累计封顶）"}
SCOPE_LABELS = {
    "project": "单个项目",
    "enterprise": "单一企业（累计）",
    "enterprise_year": "每企业每年",
    "agency_year": "每组团社每年",
}


@register.filter
def yuan(value: Any) -> str:
    """Money with thousands separators and two decimals; "—" for none."""
    if value in (None, ""):
        return "—"
    try:
        return fmt_money(D(value))
    except (InvalidOperation, ValueError):
        return str(value)


@register.filter
def param_lines(params: dict[str, Any]) -> list[str]:
    """A clause's parameters as readable Chinese lines ("总投资不低于 50,000,000.00 元")."""
    from subsidies.rules.catalogue import PARAM_LABELS
    from subsidies.rules.money import fmt_rate

    lines = []
    for key, value in (params or {}).items():
        if key == "bonus_tiers":
            lines += [f"累计 {t['trains']} 趟另奖 {fmt_money(D(t['amount']))} 元" for t in value]
            continue
        label, kind = PARAM_LABELS.get(key, (key, ""))
        if kind == "money":
            lines.append(f"{label} {fmt_money(D(value))} 元")
        elif kind == "rate":
            lines.append(f"{label} {fmt_rate(D(value))}")
        elif kind == "permille":
            lines.append(f"{label} {fmt_rate(D(value), per_mille=True)}")
        else:
            lines.append(f"{label} {value}")
    return lines


@register.filter
def mode_label(value: str) -> str:
    return MODE_LABELS.get(value, value)


@register.filter
def period_label(value: str) -> str:
    return PERIOD_LABELS.get(value, value)


@register.filter
def scope_label(value: str | None) -> str:
    return SCOPE_LABELS.get(value or "", "")


@register.filter
def percent(value: Any) -> str:
    try:
        return f"{(D(value) * 100).normalize():f} %"
    except (InvalidOperation, ValueError):
        return str(value)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def status_tag(status: str) -> str:
    if status in ("rejected",):
        return "urgent"
    if status in ("returned", "proposed", "pushed"):
        return "warning"
    if status in ("approved", "confirmed", "paid", "audited", "archived"):
        return "ok"
    return ""
