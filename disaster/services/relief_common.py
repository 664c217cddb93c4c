"""Helpers shared by the relief services: who acts for the city and the counties, the relief
deadline kinds, rule-set lookups and input parsing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from disaster.rules import relief as rr
from disaster.rules import relief_defaults as rd
from disaster.services.common import EMERGENCY_BUREAU, is_office, unit
from portal.access import CITY_STAFF, COUNTY_OFFICER, has_role, is_superuser, user_grants
from portal.errors import RuleViolation
from portal.models import OrgUnit, RuleSet
from portal.rulesets import ruleset_in_force

FINANCE_BUREAU = "czj"  # 市财政局: reviews allocations and disburses (5.2.3(4) 市财政局审核后及时下达资金)
CITY = "zmd"

# --- deadline kinds ---------------------------------------------------------------------------
K_SUPPLY_RECEIPT = "disaster.supply_receipt"
K_REPLENISH = "disaster.supply_replenish"
K_WS_SURVEY = "disaster.ws_survey"
K_WS_NEEDS = "disaster.ws_needs"
RELIEF_KIND_LABELS = {
    K_SUPPLY_RECEIPT: "确认接收调拨的救灾物资",
    K_REPLENISH: "补充被调用的下级储备物资或给予资金补偿（7.2.5）",
    K_WS_SURVEY: "冬春救助：开始调查需救助人员（6.3.1）",
    K_WS_NEEDS: "冬春救助：上报需救助情况（6.3.2）",
}
RELIEF_COUNTY_KINDS = (K_SUPPLY_RECEIPT, K_WS_SURVEY, K_WS_NEEDS)
RELIEF_CITY_KINDS = (K_REPLENISH,)


def is_finance(user: Any) -> bool:
    """City staff of 市财政局 (superusers too, for support)."""
    if is_superuser(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    grants = user_grants(user)
    if not grants:
        return False
    finance = OrgUnit.objects.filter(code=FINANCE_BUREAU).values_list("pk", flat=True).first()
    return any(g.role == CITY_STAFF and g.unit_id == finance for g in grants)


def is_county_officer(user: Any, county: OrgUnit) -> bool:
    """A county office acting for its own area (superusers for support)."""
    return has_role(user, COUNTY_OFFICER, unit=county)


def may_act_locally(user: Any, county: OrgUnit) -> bool:
    """The county itself or the city emergency bureau (the office)."""
    return is_county_officer(user, county) or is_office(user)


def city_unit() -> OrgUnit:
    return unit(CITY)


def office_unit() -> OrgUnit:
    return unit(EMERGENCY_BUREAU)


LEVEL_RANK = {"city": 3, "department": 3, "committee": 3, "working_group": 3, "county": 2, "township": 1}


def level_rank(u: OrgUnit) -> int:
    """City-level units (the city, its departments) rank above counties, counties above townships."""
    return LEVEL_RANK.get(str(u.kind), 0)


def supplies_rules(on: date | None = None) -> RuleSet:
    return ruleset_in_force(rd.RELIEF_SUPPLIES_KEY, on=on or timezone.localdate())


def winter_rules(on: date | None = None) -> RuleSet:
    return ruleset_in_force(rd.WINTER_SPRING_KEY, on=on or timezone.localdate())


def aid_rules(on: date | None = None) -> RuleSet:
    return ruleset_in_force(rd.RELIEF_AID_KEY, on=on or timezone.localdate())


def amount(raw: Any, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    try:
        return rr.parse_amount(raw, allow_zero=allow_zero)
    except rr.MoneyError as exc:
        raise RuleViolation(errors={field: [str(exc)]}) from None


def optional_amount(raw: Any, field: str) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return amount(raw, field)


def text(raw: Any, field: str, label: str, *, max_length: int = 200, required: bool = True) -> str:
    value = str(raw if raw is not None else "").strip()
    if required and not value:
        raise RuleViolation(errors={field: [f"请填写{label}"]})
    if len(value) > max_length:
        raise RuleViolation(errors={field: [f"{label}不能超过 {max_length} 字"]})
    return value


def positive_int(raw: Any, field: str, label: str, *, minimum: int = 1, maximum: int = 10_000_000) -> int:
    if isinstance(raw, bool):
        raise RuleViolation(errors={field: [f"{label}须为整数"]})
    try:
        value = int(str(raw).strip()) if not isinstance(raw, int) else raw
    except (TypeError, ValueError):
        raise RuleViolation(errors={field: [f"{label}须为整数"]}) from None
    if not minimum <= value <= maximum:
        raise RuleViolation(errors={field: [f"{label}须为 {minimum}–{maximum} 的整数"]})
    return value


def require_county(county: Any, field: str = "county") -> OrgUnit:
    if not isinstance(county, OrgUnit) or county.kind != OrgUnit.Kind.COUNTY:
        raise RuleViolation(errors={field: ["请选择县级行政区域"]})
    return county
