"""The local standards in force and their admin edits."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from assistance import rules
from assistance.rulekeys import MONITORING, PROCEDURE, STANDARDS
from portal.errors import RuleViolation
from portal.models import OrgUnit, RuleSet
from portal.rulesets import ruleset_create_version, ruleset_in_force


def standards_ruleset(on: date | None = None) -> RuleSet:
    return ruleset_in_force(STANDARDS, on=on)


def procedure_ruleset(on: date | None = None) -> RuleSet:
    return ruleset_in_force(PROCEDURE, on=on)


def monitoring_ruleset(on: date | None = None) -> RuleSet:
    return ruleset_in_force(MONITORING, on=on)


def resolve_county(value: Any) -> OrgUnit:
    """api.md: `county` is a unit id or the exact county name. Raises RuleViolation."""
    text = str(value).strip() if value is not None else ""
    if not text:
        raise RuleViolation(errors={"county": ["请填写县区（单位编号或准确名称）"]})
    qs = OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY)
    unit = qs.filter(pk=int(text)).first() if text.isdigit() else qs.filter(name=text).first()
    if unit is None:
        raise RuleViolation(errors={"county": [f"没有名为或编号为「{text}」的县区"]})
    return unit


def standards_for_unit(
    params: dict[str, Any], *, area: str, county: OrgUnit | None, dibao_override: Decimal | None = None
) -> rules.Standards:
    return rules.standards_for(
        params,
        area=area,
        county_code=county.code if county else None,
        county_name=county.name if county else "",
        dibao_override=dibao_override,
    )


def _money_param(value: Any, field: str, errors: dict[str, list[str]]) -> str | None:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append("请填写金额（元）")
        return None
    if amount <= 0 or amount > Decimal("1000000"):
        errors.setdefault(field, []).append("金额应大于 0 且不超过 1,000,000 元")
        return None
    return str(rules.money(amount))


@transaction.atomic
def standards_update(
    *,
    actor: Any,
    valid_from: date,
    reason: str,
    scope: str,
    urban_dibao: Any,
    urban_tekun: Any,
    rural_dibao: Any,
    rural_tekun: Any,
    near_dibao_multiplier: Any = None,
    monitoring_line: Any = None,
    rigid_expenditure_share: Any = None,
) -> RuleSet:
    """A new version of the standards: `scope` is "city" (the city-wide default) or a county
    code. The other counties and settings are copied from the version in force on `valid_from`.
    The re-screening of the affected households is requested by the caller (the view) so it can
    run after the commit."""
    errors: dict[str, list[str]] = {}
    current = standards_ruleset(valid_from)
    params = copy.deepcopy(current.params)
    entry = {
        "urban": {
            "dibao": _money_param(urban_dibao, "urban_dibao", errors),
            "tekun": _money_param(urban_tekun, "urban_tekun", errors),
        },
        "rural": {
            "dibao": _money_param(rural_dibao, "rural_dibao", errors),
            "tekun": _money_param(rural_tekun, "rural_tekun", errors),
        },
    }
    if scope == "city":
        target = "city_default"
    elif OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY, code=scope).exists():
        target = scope
    else:
        errors.setdefault("scope", []).append("请选择全市默认或一个县区")
        target = ""
    for name, value in (
        ("near_dibao_multiplier", near_dibao_multiplier),
        ("rigid_expenditure_share", rigid_expenditure_share),
    ):
        if value in (None, ""):
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            errors.setdefault(name, []).append("请填写数字")
            continue
        if number <= 0 or number > 10:
            errors.setdefault(name, []).append("应大于 0 且不超过 10")
            continue
        params[name] = str(number)
    if monitoring_line not in (None, ""):
        line = _money_param(monitoring_line, "monitoring_line", errors)
        if line:
            params["monitoring_line"] = line
    if valid_from < timezone.localdate() - timedelta(days=366):
        errors.setdefault("valid_from", []).append("生效日期不能早于一年前")
    if errors:
        raise RuleViolation(errors=errors)
    if target == "city_default":
        params["city_default"] = entry
    else:
        params.setdefault("counties", {})[target] = entry
    return ruleset_create_version(
        key=STANDARDS,
        params=params,
        valid_from=valid_from,
        reason=reason,
        actor=actor,
        source=current.source,
    )


def changed_counties(old: dict[str, Any], new: dict[str, Any]) -> list[str] | None:
    """County codes whose standards differ between two parameter sets; None = all (a
    city-wide setting or the default changed)."""
    for key in (
        "city_default",
        "near_dibao_multiplier",
        "monitoring_line",
        "rigid_expenditure_share",
        "readings",
    ):
        if old.get(key) != new.get(key):
            return None
    old_c, new_c = old.get("counties") or {}, new.get("counties") or {}
    return sorted(code for code in set(old_c) | set(new_c) if old_c.get(code) != new_c.get(code))
