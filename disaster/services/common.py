"""Helpers shared by the disaster services: deadline kinds, the offices, the on-duty roster and
urgent notifications."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from disaster.models import DutyShift
from disaster.rules import defaults
from portal.access import (
    CITY_STAFF,
    DR_OFFICE_DEPUTY,
    DR_OFFICE_DIRECTOR,
    is_superuser,
    user_grants,
)
from portal.models import Delegation, Membership, OrgUnit, RuleSet, User
from portal.notifications import notify, unit_recipients
from portal.rulesets import ruleset_in_force

# --- deadline kinds (spec §2) -------------------------------------------------------------
K_INITIAL = "disaster.initial_report"
K_CONTINUING = "disaster.continuing_report"
K_VERIFIED = "disaster.verified_report"
K_DROUGHT_INITIAL = "disaster.drought_initial"
K_DROUGHT_CONTINUING = "disaster.drought_continuing"
K_DROUGHT_VERIFIED = "disaster.drought_verified"
K_BACKFILL = "disaster.backfill"
K_VERIFY_PHONE = "disaster.verify_phone"
K_VERIFY_WRITTEN = "disaster.verify_written"
K_CITY_REVIEW = "disaster.city_review"
K_CITY_PROVINCE = "disaster.city_province"
K_CITY_DAILY = "disaster.city_daily"
K_MAJOR_CHANGE = "disaster.major_change"
K_CITY_AGGREGATE = "disaster.city_verified_aggregate"
K_SITUATION = "disaster.situation_report"

KIND_LABELS = {
    K_INITIAL: "灾情初报",
    K_CONTINUING: "灾情续报（24小时零报告）",
    K_VERIFIED: "灾情核报",
    K_DROUGHT_INITIAL: "旱情初报",
    K_DROUGHT_CONTINUING: "旱情续报",
    K_DROUGHT_VERIFIED: "旱情核报",
    K_BACKFILL: "电话/传真报告补录系统",
    K_VERIFY_PHONE: "核实指令电话反馈",
    K_VERIFY_WRITTEN: "核实指令书面反馈",
    K_CITY_REVIEW: "市级审核汇总初报并上报",
    K_CITY_PROVINCE: "重大灾情报告省应急管理厅",
    K_CITY_DAILY: "市级每日续报汇总上报",
    K_MAJOR_CHANGE: "灾情重大变化立即上报",
    K_CITY_AGGREGATE: "市级核报审核汇总上报",
    K_SITUATION: "每日灾情和救灾工作动态报告",
}
# The obligations of a county (its on-time rate counts these).
COUNTY_KINDS = (
    K_INITIAL,
    K_CONTINUING,
    K_VERIFIED,
    K_DROUGHT_INITIAL,
    K_DROUGHT_CONTINUING,
    K_DROUGHT_VERIFIED,
    K_BACKFILL,
    K_VERIFY_PHONE,
    K_VERIFY_WRITTEN,
)
CITY_KINDS = (K_CITY_REVIEW, K_CITY_PROVINCE, K_CITY_DAILY, K_MAJOR_CHANGE, K_CITY_AGGREGATE, K_SITUATION)
URGENT_KINDS = (K_CITY_PROVINCE, K_MAJOR_CHANGE, K_VERIFY_PHONE)
ALL_KINDS = COUNTY_KINDS + CITY_KINDS

EMERGENCY_BUREAU = "yjj"  # 市应急管理局 (the office of 市减灾委 sits in it)
OFFICE = "jzw-office"  # 市减灾委办公室
COMMITTEE = "jzw"


def unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def local_date(moment: datetime | None = None) -> date:
    return timezone.localdate(moment or timezone.now())


def deadline_rules(on: datetime | None = None) -> RuleSet:
    return ruleset_in_force(defaults.REPORT_DEADLINES_KEY, on=local_date(on))


def level_rules(on: date | None = None) -> RuleSet:
    return ruleset_in_force(defaults.RESPONSE_LEVELS_KEY, on=on or local_date())


def task_rules(on: date | None = None) -> RuleSet:
    return ruleset_in_force(defaults.RESPONSE_TASKS_KEY, on=on or local_date())


def office_unit_ids() -> set[int]:
    return set(OrgUnit.objects.filter(code__in=[EMERGENCY_BUREAU, OFFICE]).values_list("pk", flat=True))


def is_office(user: Any) -> bool:
    """市减灾委办公室 / 市应急管理局: city staff of the emergency bureau or of the office, and
    the office's deputy and director. They review, aggregate, report and propose."""
    if is_superuser(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_disaster_is_office", None)
    if cached is not None:
        return bool(cached)
    grants = user_grants(user)
    office_ids = office_unit_ids() if grants else set()
    result = any(
        (g.role == CITY_STAFF and g.unit_id in office_ids) or g.role in (DR_OFFICE_DEPUTY, DR_OFFICE_DIRECTOR)
        for g in grants
    )
    user._disaster_is_office = result
    return result


# --- on-duty roster and urgent notifications ----------------------------------------------


def on_duty(units: Iterable[OrgUnit | int], at: datetime | None = None) -> list[User]:
    """Users on duty now in these units (a shift's own phone number, if set, is used for SMS)."""
    moment = at or timezone.now()
    ids = [u if isinstance(u, int) else u.pk for u in units]
    shifts = (
        DutyShift.objects.filter(
            unit_id__in=ids, starts_at__lte=moment, ends_at__gt=moment, cancelled_at__isnull=True
        )
        .select_related("user")
        .order_by("pk")
    )
    users: dict[int, User] = {}
    for shift in shifts:
        user = shift.user
        if shift.phone:
            user.phone = shift.phone  # in memory only: the SMS goes to the duty phone
        users[user.pk] = user
    return list(users.values())


def role_holders(roles: Iterable[str], at: datetime | None = None) -> list[User]:
    """Users holding one of `roles` now, directly or as an acting deputy."""
    moment = at or timezone.now()
    roles = list(roles)
    ids = set(
        Membership.objects.active(moment)
        .filter(role_id__in=roles, user__is_active=True)
        .values_list("user_id", flat=True)
    )
    ids |= set(
        Delegation.objects.filter(
            role_id__in=roles, starts_at__lte=moment, ends_at__gt=moment, revoked_at__isnull=True
        ).values_list("deputy_id", flat=True)
    )
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def office_recipients(roles: Iterable[str] | None = (CITY_STAFF,)) -> list[User]:
    """The emergency bureau's staff (everyone with a membership on it, for roles=None)."""
    return unit_recipients(unit(EMERGENCY_BUREAU), roles)


def notify_urgent(
    *,
    units: Iterable[OrgUnit],
    also: Iterable[User] = (),
    title: str,
    body: str = "",
    url: str = "",
    subject: Any = None,
    dedupe_key: str,
) -> int:
    """An urgent message for these units: whoever is on duty there gets it by SMS and in-app;
    the units' members and `also` get it in-app (and by SMS when nobody is on duty, so an
    urgent message is never left with no phone to ring)."""
    units = list(units)
    duty = on_duty(units)
    sent = notify(
        duty,
        title=title,
        body=body,
        url=url,
        subject=subject,
        level="urgent",
        dedupe_key=dedupe_key,
        sms=True,
    )
    members: list[User] = []
    for u in units:
        members.extend(unit_recipients(u))
    duty_ids = {u.pk for u in duty}
    others = [u for u in [*members, *also] if u.pk not in duty_ids]
    sent += notify(
        others,
        title=title,
        body=body,
        url=url,
        subject=subject,
        level="urgent",
        dedupe_key=dedupe_key,
        sms=not duty,
    )
    return sent


def open_q() -> Q:
    return Q(status__in=["open", "overdue"], met_at__isnull=True)
