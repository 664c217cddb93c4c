"""Emergency shelters (7.4.2–7.4.3): register, open for an event, count occupants over time,
close. The shelter row carries the current figures for the city occupancy view; the counts are
insert-only history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from disaster.models import Event, EventCounty, Shelter, ShelterCount, ShelterPeriod
from disaster.services.common import is_office
from disaster.services.relief_common import (
    city_unit,
    may_act_locally,
    positive_int,
    require_county,
    text,
)
from portal.audit import audit_record, snapshot
from portal.errors import InvalidTransition, RuleViolation
from portal.models import OrgUnit


def may_manage_shelter(user: Any, shelter: Shelter) -> bool:
    return may_act_locally(user, shelter.county)


def _check_time(moment: Any, field: str, not_before: datetime | None = None) -> datetime:
    if not isinstance(moment, datetime) or timezone.is_naive(moment):
        raise RuleViolation(errors={field: ["请填写时间（带时区）"]})
    if moment > timezone.now() + timedelta(minutes=5):
        raise RuleViolation(errors={field: ["时间不能晚于当前时间"]})
    if not_before is not None and moment < not_before:
        raise RuleViolation(errors={field: [f"时间不能早于 {timezone.localtime(not_before):%Y-%m-%d %H:%M}"]})
    return moment


@transaction.atomic
def shelter_create(
    *,
    name: str,
    kind: str,
    county: OrgUnit,
    capacity: Any,
    actor: Any,
    township: OrgUnit | None = None,
    address: str = "",
    city_managed: bool = False,
) -> Shelter:
    require_county(county)
    if not may_act_locally(actor, county):
        raise PermissionDenied("只能登记本县区的避难场所")
    if city_managed and not is_office(actor):
        raise PermissionDenied("市级管理的避难场所由市应急管理局登记")
    errors: dict[str, list[str]] = {}
    if kind not in Shelter.Kind.values:
        errors["kind"] = ["请选择场所类型"]
    if township is not None and township.parent_id != county.pk:
        errors["township"] = [f"请选择{county.name}的乡镇（街道）"]
    if errors:
        raise RuleViolation(errors=errors)
    shelter = Shelter.objects.create(
        name=text(name, "name", "名称", max_length=80),
        kind=kind,
        county=county,
        township=township,
        managed_by=city_unit() if city_managed else county,
        address=(address or "").strip()[:200],
        capacity=positive_int(capacity, "capacity", "容纳人数", maximum=1_000_000),
        created_by=actor,
    )
    audit_record(actor=actor, action="disaster.relief.shelter.create", obj=shelter, after=snapshot(shelter))
    return shelter


def _lock(shelter: Shelter) -> Shelter:
    return Shelter.objects.select_for_update().get(pk=shelter.pk)


def _open_period(shelter: Shelter) -> ShelterPeriod:
    period = ShelterPeriod.objects.filter(shelter=shelter, closed_at__isnull=True).first()
    if period is None:
        raise InvalidTransition("该避难场所未启用")
    return period


@transaction.atomic
def shelter_open(*, shelter: Shelter, event: Event, actor: Any, at: datetime | None = None) -> ShelterPeriod:
    """Open the shelter for an event (7.4.3 灾情发生后…及时启用)."""
    if not may_manage_shelter(actor, shelter):
        raise PermissionDenied("只能启用本县区的避难场所")
    moment = _check_time(at or timezone.now(), "at")
    locked = _lock(shelter)
    if not locked.active:
        raise InvalidTransition("该避难场所已停用")
    if locked.is_open:
        raise InvalidTransition("该避难场所已在启用中")
    if event.status == Event.Status.CLOSED:
        raise InvalidTransition("该灾害过程已结束")
    if not EventCounty.objects.filter(event=event, county_id=locked.county_id).exists():
        raise RuleViolation(errors={"event": [f"{locked.county}不在该灾害过程的受灾县区中"]})
    period = ShelterPeriod.objects.create(shelter=locked, event=event, opened_at=moment, opened_by=actor)
    locked.is_open, locked.current_event = True, event
    locked.current_occupants, locked.occupants_at = 0, moment
    locked.save(update_fields=["is_open", "current_event", "current_occupants", "occupants_at"])
    audit_record(
        actor=actor,
        action="disaster.relief.shelter.open",
        obj=locked,
        after={"event": event.pk, "opened_at": moment, "period": period.pk},
    )
    return period


@transaction.atomic
def shelter_count(
    *, shelter: Shelter, occupants: Any, actor: Any, at: datetime | None = None, note: str = ""
) -> ShelterCount:
    """Record how many people are housed at a moment. A count above capacity is recorded (it
    is what is there) and flagged on the occupancy view; a late count does not replace a newer one."""
    if not may_manage_shelter(actor, shelter):
        raise PermissionDenied("只能填报本县区避难场所的安置人数")
    locked = _lock(shelter)
    period = _open_period(locked)
    moment = _check_time(at or timezone.now(), "at", not_before=period.opened_at)
    people = positive_int(occupants, "occupants", "安置人数", minimum=0, maximum=10_000_000)
    count = ShelterCount.objects.create(
        period=period,
        shelter=locked,
        at=moment,
        occupants=people,
        note=(note or "").strip()[:200],
        recorded_by=actor,
    )
    if locked.occupants_at is None or moment >= locked.occupants_at:
        locked.current_occupants, locked.occupants_at = people, moment
        locked.save(update_fields=["current_occupants", "occupants_at"])
    if people > period.peak_occupants:
        period.peak_occupants = people
        period.save(update_fields=["peak_occupants"])
    audit_record(
        actor=actor,
        action="disaster.relief.shelter.count",
        obj=locked,
        after={"occupants": people, "at": moment, "over_capacity": people > locked.capacity},
    )
    return count


@transaction.atomic
def shelter_close(
    *, shelter: Shelter, actor: Any, note: str = "", at: datetime | None = None
) -> ShelterPeriod:
    """Close the shelter: everyone has left (a final count of 0 is recorded)."""
    if not may_manage_shelter(actor, shelter):
        raise PermissionDenied("只能关闭本县区的避难场所")
    locked = _lock(shelter)
    period = _open_period(locked)
    moment = _check_time(at or timezone.now(), "at", not_before=period.opened_at)
    ShelterCount.objects.create(
        period=period, shelter=locked, at=moment, occupants=0, note="关闭", recorded_by=actor
    )
    period.closed_at, period.closed_by, period.close_note = moment, actor, (note or "").strip()[:200]
    period.save(update_fields=["closed_at", "closed_by", "close_note"])
    locked.is_open, locked.current_event = False, None
    locked.current_occupants, locked.occupants_at = 0, moment
    locked.save(update_fields=["is_open", "current_event", "current_occupants", "occupants_at"])
    audit_record(
        actor=actor,
        action="disaster.relief.shelter.close",
        obj=locked,
        after={"closed_at": moment, "period": period.pk},
    )
    return period
