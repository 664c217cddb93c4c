"""Events: opening (by a county's initial report or by the city), affected counties, the
status transitions active → stable → verified → closed, the drought national-response switch,
county levels (5.8), and the county's initial-report deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from disaster.models import DisasterType, Event, EventCounty, Report
from disaster.rules import deadlines as due
from disaster.services.common import (
    EMERGENCY_BUREAU,
    K_CITY_DAILY,
    K_CONTINUING,
    K_DROUGHT_CONTINUING,
    K_DROUGHT_INITIAL,
    K_DROUGHT_VERIFIED,
    K_INITIAL,
    K_VERIFIED,
    KIND_LABELS,
    deadline_rules,
    is_office,
    notify_urgent,
    office_recipients,
    unit,
)
from portal.access import COUNTY_OFFICER, has_role
from portal.audit import audit_record, snapshot
from portal.deadlines import deadline_cancel, deadline_create, deadline_reschedule, open_deadlines
from portal.errors import InvalidTransition, RuleViolation
from portal.models import Deadline, OrgUnit
from portal.notifications import notify

S = Event.Status


@dataclass(frozen=True)
class CountyStart:
    county: OrgUnit
    occurred_at: datetime
    major: bool = False  # ≥10 dead (incl. missing) or trapped, as first known


def may_file_for(user: Any, county: OrgUnit) -> bool:
    """County offices file for their own area (superusers for support)."""
    return has_role(user, COUNTY_OFFICER, unit=county)


def _check_time(moment: datetime, field: str) -> None:
    if timezone.is_naive(moment):
        raise RuleViolation(errors={field: ["时间须带时区"]})
    if moment > timezone.now() + timedelta(minutes=5):
        raise RuleViolation(errors={field: ["时间不能晚于当前时间"]})


def _initial_deadline(ec: EventCounty) -> Deadline:
    event = ec.event
    rules = deadline_rules(ec.occurred_at)
    params = rules.params
    if event.is_drought:
        kind, at, basis = K_DROUGHT_INITIAL, due.drought_initial_due(ec.occurred_at, params), "4.2.4"
    else:
        kind = K_INITIAL
        at = due.initial_due(ec.occurred_at, major=ec.major, params=params)
        basis = "4.2.1"
    return deadline_create(
        subject=ec,
        kind=kind,
        title=f"{ec.county.name}：{event.title} {KIND_LABELS[kind]}",
        responsible_unit=ec.county,
        escalate_to=unit(EMERGENCY_BUREAU),
        starts_at=ec.occurred_at,
        due_at=at,
        rule_set=rules,
        basis=basis + ("（10人以上死亡失踪或被困：1小时）" if ec.major and not event.is_drought else ""),
        url=f"/disaster/events/{event.pk}/file/?county={ec.county_id}",
        urgent=ec.major,
    )


def _join(event: Event, start: CountyStart, actor: Any) -> EventCounty:
    if start.county.kind != OrgUnit.Kind.COUNTY:
        raise RuleViolation(errors={"counties": [f"{start.county.name}不是县级行政区域"]})
    _check_time(start.occurred_at, "occurred_at")
    if EventCounty.objects.filter(event=event, county=start.county).exists():
        raise InvalidTransition(f"{start.county.name}已在本次灾害过程的受灾县区中")
    ec = EventCounty.objects.create(
        event=event, county=start.county, occurred_at=start.occurred_at, major=start.major, joined_by=actor
    )
    ec.event = event
    _initial_deadline(ec)
    return ec


@transaction.atomic
def event_open(
    *,
    actor: Any,
    type: DisasterType,
    title: str,
    started_at: datetime,
    counties: list[CountyStart],
    description: str = "",
) -> Event:
    """Open a disaster process. A county office opens it for its own area (by starting its
    initial report); the city office for any counties. Each county gets its initial-report
    deadline (2 h; 1 h with ≥10 dead/missing/trapped; drought: 2 h from the declaration)."""
    if not title.strip():
        raise RuleViolation(errors={"title": ["请填写灾害过程名称"]})
    if not counties:
        raise RuleViolation(errors={"counties": ["请至少选择一个受灾县区"]})
    if not type.active:
        raise RuleViolation(errors={"type": ["该灾害种类已停用"]})
    _check_time(started_at, "started_at")
    office = is_office(actor)
    for start in counties:
        if not office and not may_file_for(actor, start.county):
            raise PermissionDenied("只能为本县区报告灾情")
    opened_by_unit = unit(EMERGENCY_BUREAU) if office or len(counties) != 1 else counties[0].county
    event = Event.objects.create(
        title=title.strip()[:120],
        type=type,
        started_at=started_at,
        description=description,
        opened_by=actor,
        opened_by_unit=opened_by_unit,
    )
    for start in counties:
        _join(event, start, actor)
    audit_record(
        actor=actor,
        action="disaster.event.open",
        obj=event,
        after={**snapshot(event), "counties": [c.county.pk for c in counties]},
    )
    names = "、".join(c.county.name for c in counties)
    title_text = f"新灾情：{event.title}（{names}）"
    if any(c.major for c in counties):
        notify_urgent(
            units=[unit(EMERGENCY_BUREAU)],
            title=title_text + "，10人以上死亡失踪或被困",
            url=event.get_absolute_url(),
            subject=event,
            dedupe_key=f"disaster:event:{event.pk}:opened",
        )
    else:
        notify(
            office_recipients(),
            title=title_text,
            url=event.get_absolute_url(),
            subject=event,
            level="warning",
            dedupe_key=f"disaster:event:{event.pk}:opened",
        )
    return event


@transaction.atomic
def event_add_county(*, event: Event, start: CountyStart, actor: Any) -> EventCounty:
    """The city office adds an affected county to an event that is still developing."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != S.ACTIVE:
        raise InvalidTransition("灾情已稳定，不能再增加受灾县区")
    ec = _join(event, start, actor)
    audit_record(
        actor=actor, action="disaster.event.add_county", obj=event, after={"county": start.county.pk}
    )
    notify_urgent(
        units=[start.county],
        title=f"请报送灾情初报：{event.title}",
        url=f"/disaster/events/{event.pk}/file/?county={start.county.pk}",
        subject=ec,
        dedupe_key=f"disaster:ec:{ec.pk}:joined",
    )
    return ec


@transaction.atomic
def event_declare_stable(*, event: Event, actor: Any, at: datetime | None = None) -> Event:
    """Declare the event stable (for a drought: relieved). The daily continuing reports stop;
    each affected county owes its verified report (7 days)."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != S.ACTIVE:
        raise InvalidTransition(f"当前状态为“{event.get_status_display()}”，不能宣布灾情稳定")
    moment = at or timezone.now()
    _check_time(moment, "at")
    if moment < event.started_at:
        raise RuleViolation(errors={"at": ["稳定时间不能早于灾害发生时间"]})
    before = snapshot(event, ["status", "stable_at"])
    event.status, event.stable_at, event.stable_by = S.STABLE, moment, actor
    event.save(update_fields=["status", "stable_at", "stable_by"])
    rules = deadline_rules(moment)
    kind = K_DROUGHT_VERIFIED if event.is_drought else K_VERIFIED
    for ec in event.counties.select_related("county").order_by("pk"):
        deadline_cancel(
            subject=ec,
            kind=K_DROUGHT_CONTINUING if event.is_drought else K_CONTINUING,
            reason="灾情已稳定" if not event.is_drought else "旱情已解除",
            actor=actor,
        )
        deadline_create(
            subject=ec,
            kind=kind,
            title=f"{ec.county.name}：{event.title} {KIND_LABELS[kind]}",
            responsible_unit=ec.county,
            escalate_to=unit(EMERGENCY_BUREAU),
            starts_at=moment,
            due_at=due.verified_due(moment, rules.params, drought=event.is_drought),
            rule_set=rules,
            basis="4.2.4" if event.is_drought else "4.2.3",
            url=f"/disaster/events/{event.pk}/file/?county={ec.county_id}",
        )
        notify(
            [*_county_officers(ec.county)],
            title=f"灾情已稳定，请于 7 日内报送核报：{event.title}",
            url=f"/disaster/events/{event.pk}/file/?county={ec.county_id}",
            subject=ec,
            level="warning",
            dedupe_key=f"disaster:ec:{ec.pk}:stable",
        )
    deadline_cancel(subject=event, kind=K_CITY_DAILY, reason="灾情已稳定", actor=actor)
    audit_record(
        actor=actor,
        action="disaster.event.stable",
        obj=event,
        before=before,
        after={"status": event.status, "stable_at": moment},
    )
    return event


def _county_officers(county: OrgUnit) -> list[Any]:
    from portal.notifications import unit_recipients

    return unit_recipients(county, [COUNTY_OFFICER])


@transaction.atomic
def event_close(*, event: Event, actor: Any, reason: str = "") -> Event:
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != S.VERIFIED:
        raise InvalidTransition("市级核报汇总上报后才能结束灾害过程")
    if event.current_level:
        raise InvalidTransition("应急响应尚未终止，不能结束灾害过程")
    event.status, event.closed_at, event.closed_by = S.CLOSED, timezone.now(), actor
    event.save(update_fields=["status", "closed_at", "closed_by"])
    audit_record(
        actor=actor,
        action="disaster.event.close",
        obj=event,
        after={"status": event.status, "reason": reason},
    )
    return event


def last_drought_report_at(ec: EventCounty) -> datetime | None:
    return Report.objects.filter(
        event_id=ec.event_id,
        county_id=ec.county_id,
        kind__in=[Report.Kind.INITIAL, Report.Kind.CONTINUING],
        superseded_by__isnull=True,
    ).aggregate(m=Max("reported_at"))["m"]


@transaction.atomic
def event_set_national_response(*, event: Event, active: bool, actor: Any) -> Event:
    """A national natural-disaster relief response for a drought: continuing drought reports at
    least every 5 days instead of 10 while it lasts (4.2.4)."""
    event = Event.objects.select_for_update().select_related("type").get(pk=event.pk)
    if not event.is_drought:
        raise InvalidTransition("只有干旱灾害按旱情报告周期续报")
    if event.status != S.ACTIVE:
        raise InvalidTransition("旱情已解除，不再续报")
    if event.national_response == active:
        return event
    event.national_response = active
    event.save(update_fields=["national_response"])
    now = timezone.now()
    rules = deadline_rules(now)
    for ec in event.counties.order_by("pk"):
        current = (
            open_deadlines(ec, K_DROUGHT_CONTINUING)
            .filter(status=Deadline.Status.OPEN)
            .order_by("due_at")
            .first()
        )
        if current is None:
            continue
        last = last_drought_report_at(ec) or ec.occurred_at
        new_due = due.drought_switch_due(
            current_due=current.due_at,
            last_report_at=last,
            switched_at=now,
            params=rules.params,
            national=active,
        )
        if new_due != current.due_at:
            deadline_reschedule(
                deadline=current,
                due_at=new_due,
                reason="启动国家自然灾害救助应急响应，每5日续报"
                if active
                else "国家响应结束，恢复每10日续报",
                actor=actor,
            )
    audit_record(
        actor=actor, action="disaster.event.national_response", obj=event, after={"national_response": active}
    )
    return event


@transaction.atomic
def county_level_set(*, ec: EventCounty, level: str | None, reason: str, actor: Any) -> EventCounty:
    """Record the county's own response level (county plan), shown beside the city level (5.8)."""
    if level not in (None, "", "IV", "III", "II", "I"):
        raise RuleViolation(errors={"level": ["响应等级无效"]})
    if not reason.strip():
        raise RuleViolation(errors={"reason": ["请说明县级响应启动、调整或终止的依据"]})
    ec = EventCounty.objects.select_for_update().get(pk=ec.pk)
    before = snapshot(ec, ["county_level", "county_level_reason"])
    ec.county_level = level or None
    ec.county_level_reason = reason.strip()[:200]
    ec.county_level_at, ec.county_level_by = timezone.now(), actor
    ec.save(update_fields=["county_level", "county_level_reason", "county_level_at", "county_level_by"])
    audit_record(
        actor=actor,
        action="disaster.county_level.set",
        obj=ec,
        before=before,
        after=snapshot(ec, ["county_level", "county_level_reason"]),
    )
    return ec
