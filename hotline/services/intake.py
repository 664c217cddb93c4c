"""Intake (§1): creating orders from every channel, special events and incidents (§5),
routing rules learned from precedent (§2)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from hotline import ruledata
from hotline.models import Category, Incident, Open311Client, Order, RoutingRule, SpecialSeat
from hotline.models.choices import OUTAGE_KINDS, SUDDEN_KINDS, Channel, Kind, SpecialKind, Status
from hotline.rules import Clock, TimeLimits
from hotline.services.common import (
    AUTHORITY_CODE,
    DL_DISPATCH,
    centre,
    order_url,
    record,
    store_clock,
    time_limits_ruleset,
)
from portal.access import HOTLINE_OPERATOR, HOTLINE_SUPERVISOR
from portal.audit import audit_record, snapshot
from portal.deadlines import deadline_create
from portal.errors import Conflict, RuleViolation
from portal.models import Membership, OrgUnit, User
from portal.notifications import notify
from portal.rulesets import RuleSetMissing, ruleset_in_force
from portal.workcal import calendar

DISASTER_EVENT: str = "disaster.Event"  # resolved at run time: no migration dependency
PHONE_RE = re.compile(r"^[0-9+\-() ]{3,32}$")


def _unit(value: Any, field: str, kind: str, errors: dict[str, list[str]]) -> OrgUnit | None:
    if value in (None, ""):
        return None
    unit: OrgUnit | None
    if isinstance(value, OrgUnit):
        unit = value
    else:
        try:
            unit = OrgUnit.objects.filter(pk=int(value)).first()
        except (TypeError, ValueError):
            unit = None
    if unit is None or unit.kind != kind:
        label = {"county": "县区", "township": "乡镇/街道"}[kind]
        errors.setdefault(field, []).append(f"请选择有效的{label}")
        return None
    return unit


def _coordinate(value: Any, field: str, low: int, high: int, errors: dict[str, list[str]]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append("坐标应为数字")
        return None
    if not low <= number <= high:
        errors.setdefault(field, []).append(f"坐标应在 {low} 至 {high} 之间")
        return None
    return number


def category_by_code(code: str) -> Category | None:
    return Category.objects.filter(code=code, active=True).first()


def seat_for(category: Category | None) -> SpecialSeat | None:
    """The special seat (第十五条) whose categories include this category or its parent."""
    if category is None:
        return None
    ids = [category.pk] + ([category.parent_id] if category.parent_id else [])
    return SpecialSeat.objects.filter(active=True, categories__in=ids).order_by("pk").first()


@transaction.atomic
def order_create(
    *,
    actor: Any,
    kind: str,
    description: str,
    caller_name: str = "",
    caller_phone: str = "",
    confidential: bool = False,
    reply_wanted: bool = True,
    subject: str | Category | None = None,
    county: Any = None,
    township: Any = None,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    channel: str = Channel.PHONE,
    external_id: str = "",
    special_kind: str | None = None,
    received_at: datetime | None = None,
    open311_client: Open311Client | None = None,
) -> Order:
    """Record a request "格式规范、要素齐全、信息准确、记录及时" (第十条). Anonymous callers
    are allowed. The dispatch clock starts at receipt."""
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if kind not in Kind.values:
        errors["kind"] = ["诉求类型应为：" + "、".join(f"{v}（{label}）" for v, label in Kind.choices)]
    if channel not in Channel.values:
        errors["channel"] = ["渠道应为：" + "、".join(Channel.values)]
    if not (description or "").strip():
        errors["description"] = ["请填写诉求内容"]
    caller_phone = (caller_phone or "").strip()
    if caller_phone and not PHONE_RE.match(caller_phone):
        errors["caller_phone"] = ["电话号码只能包含数字、空格和 + - ( )"]
    category: Category | None = None
    if isinstance(subject, Category):
        category = subject
    elif subject:
        category = category_by_code(str(subject))
        if category is None:
            errors["subject"] = [f"诉求分类“{subject}”不存在或已停用"]
    county_unit = _unit(county, "county", "county", errors)
    township_unit = _unit(township, "township", "township", errors)
    if township_unit is not None:
        parent_county = township_unit.county
        if county_unit is not None and parent_county is not None and parent_county.pk != county_unit.pk:
            errors.setdefault("township", []).append(f"{township_unit.name} 不属于 {county_unit.name}")
        county_unit = county_unit or parent_county
    lat = _coordinate(latitude, "latitude", -90, 90, errors)
    lon = _coordinate(longitude, "longitude", -180, 180, errors)
    if special_kind not in (None, "") and special_kind not in SpecialKind.values:
        errors["special_kind"] = ["特殊事项类型无效"]
    received = received_at or now
    if received > now + timedelta(minutes=5):
        errors["received_at"] = ["受理时间不能晚于当前时间"]
    external_id = (external_id or "").strip()[:64]
    if errors:
        raise RuleViolation(errors=errors)
    if external_id:
        existing = Order.objects.filter(channel=channel, external_id=external_id).first()
        if existing is not None:
            raise Conflict(f"外部编号 {external_id} 的工单已存在（{existing.number}）")
    special = special_kind if special_kind not in (None,) else (category.special_kind if category else "")
    rs = time_limits_ruleset(received)
    clock = Clock(
        limits=TimeLimits.from_params(rs.params),
        is_working=calendar().is_working,
        kind=kind,
        channel=channel,
        subject_code=category.code if category else "",
        special=special or "",
    )
    clock.receive(received)
    is_user = getattr(actor, "is_authenticated", False)
    order = Order(
        channel=channel,
        external_id=external_id or "",
        kind=kind,
        subject=category,
        special_kind=special or "",
        seat=seat_for(category),
        caller_name=(caller_name or "").strip()[:60],
        caller_phone=caller_phone,
        confidential=bool(confidential),
        reply_wanted=bool(reply_wanted),
        county=county_unit,
        township=township_unit,
        address=(address or "").strip()[:200],
        latitude=lat,
        longitude=lon,
        description=description.strip(),
        received_at=received,
        created_by=actor if is_user else None,
        open311_client=open311_client,
        status=Status.RECEIVED,
        status_at=now,
    )
    store_clock(order, clock)
    if external_id:
        # Only (channel, external_id) is unique: a concurrent duplicate ends in a Conflict,
        # inside a savepoint so the caller's transaction stays usable.
        try:
            with transaction.atomic():
                order.save()
        except IntegrityError:
            raise Conflict(f"外部编号 {external_id} 的工单已存在") from None
    else:
        order.save()
    hq = centre()
    deadline_create(
        subject=order,
        kind=DL_DISPATCH,
        title=f"派单：工单 {order.number}",
        responsible_unit=hq,
        due_at=clock.dispatch_due_at or received,
        starts_at=received,
        escalate_to=hq,
        new_subject=True,
        rule_set=rs,
        basis="第十四条" if order.special_kind in OUTAGE_KINDS else "豫政办〔2024〕3号（细则第四条）",
        url=order_url(order),
        urgent=order.special_kind in OUTAGE_KINDS,
    )
    record(
        order,
        actor=actor,
        action="create",
        before={},
        from_status="",
        at=now,
        data={"channel": channel, "kind": kind},
        explanation=clock.log,
    )
    if order.special_kind in OUTAGE_KINDS or order.special_kind in SUDDEN_KINDS:
        incident = incident_for(order, actor=actor)
        order.incident = incident
        order.save(update_fields=["incident"])
        if order.special_kind in SUDDEN_KINDS and incident.reported_at is None:
            order.incident = incident_report(incident=incident, actor=actor, order=order)
    return order


# --- incidents (§5) -------------------------------------------------------------------------


def _analysis_params(on: datetime) -> dict[str, Any]:
    try:
        return ruleset_in_force(ruledata.ANALYSIS_KEY, on=timezone.localtime(on).date()).params
    except RuleSetMissing:
        return ruledata.ANALYSIS


def incident_for(order: Order, *, actor: Any) -> Incident:
    """Group calls about the same outage/pollution/sudden event: the open incident of the same
    kind in the same county started within the duplicate window, or a new one."""
    window = timedelta(hours=int(_analysis_params(order.received_at)["duplicate_window_hours"]))
    found = (
        Incident.objects.select_for_update()
        .filter(
            state=Incident.State.OPEN,
            kind=order.special_kind,
            county=order.county,
            started_at__gte=order.received_at - window,
        )
        .order_by("-started_at")
        .first()
    )
    if found is not None:
        return found
    label = SpecialKind(order.special_kind).label
    place = (
        order.township.name
        if order.township is not None
        else (order.county.name if order.county is not None else "")
    )
    incident = Incident.objects.create(
        kind=order.special_kind,
        title=f"{place}{label}（{timezone.localtime(order.received_at):%m-%d %H:%M}）",
        county=order.county,
        address=order.address,
        started_at=order.received_at,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action="hotline.incident.create", obj=incident, after=snapshot(incident))
    return incident


def _members(units: list[OrgUnit]) -> list[User]:
    ids = (
        Membership.objects.active()
        .filter(unit__in=units, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    return list(User.objects.filter(pk__in=list(ids)))


@transaction.atomic
def incident_report(*, incident: Incident, actor: Any, order: Order | None = None) -> Incident:
    """第十四条: report a sudden event at once to the local government, the 12345 authority and
    the responsible departments (urgent notification with SMS), and record whom and when."""
    from hotline.selectors import routing_suggestions

    now = timezone.now()
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    targets: list[OrgUnit] = []
    if incident.county is not None:
        targets.append(incident.county)
    authority = OrgUnit.objects.filter(code=AUTHORITY_CODE).first()
    if authority:
        targets.append(authority)
    if order is not None:
        suggestions = routing_suggestions(order)
        if suggestions:
            targets.append(suggestions[0]["unit"])
    targets = list({u.pk: u for u in targets}.values())
    recipients = _members(targets) + _members([centre()])
    notify(
        recipients,
        title=f"突发事件报告：{incident.title}",
        body=(order.description[:200] if order else ""),
        url=order_url(order) if order else "",
        subject=incident,
        level="urgent",
        dedupe_key=f"hotline:incident:{incident.pk}:report",
        sms=True,
    )
    incident.reported_at = now
    incident.reported_to = [{"unit": u.pk, "name": u.name} for u in targets]
    incident.save(update_fields=["reported_at", "reported_to"])
    audit_record(
        actor=actor,
        action="hotline.incident.report",
        obj=incident,
        after={"reported_at": now, "reported_to": incident.reported_to},
    )
    if order is not None:
        record(
            order,
            actor=actor,
            action="incident_report",
            before={},
            from_status=order.status,
            at=now,
            note="已向" + "、".join(u.name for u in targets) + "报告",
            data={"incident": incident.pk},
        )
    return incident


def disaster_event_title(event_id: int) -> str | None:
    """Resolve a disaster.Event at run time (the disaster app may not exist yet)."""
    try:
        model = apps.get_model(DISASTER_EVENT)
    except LookupError:
        return None
    event = model._default_manager.filter(pk=event_id).first()
    if event is None:
        return None
    return str(getattr(event, "title", None) or getattr(event, "name", None) or event)


@transaction.atomic
def incident_link_disaster(*, incident: Incident, actor: Any, event_id: int, title: str = "") -> Incident:
    """Link a natural-disaster incident to the disaster module's event (loose link)."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.kind != SpecialKind.NATURAL_DISASTER:
        raise RuleViolation(errors={"event_id": ["只有突发自然灾害事件可以关联灾情事件"]})
    resolved = disaster_event_title(event_id)
    try:
        apps.get_model(DISASTER_EVENT)
        model_exists = True
    except LookupError:
        model_exists = False
    if model_exists and resolved is None:
        raise RuleViolation(errors={"event_id": [f"灾情事件 {event_id} 不存在"]})
    before = snapshot(incident)
    incident.disaster_event_id = event_id
    incident.disaster_event_title = (resolved or title or f"灾情事件 #{event_id}")[:200]
    incident.save(update_fields=["disaster_event_id", "disaster_event_title"])
    audit_record(
        actor=actor,
        action="hotline.incident.link_disaster",
        obj=incident,
        before=before,
        after=snapshot(incident),
    )
    return incident


@transaction.atomic
def incident_close(*, incident: Incident, actor: Any) -> Incident:
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.state == Incident.State.CLOSED:
        raise Conflict("该事件已结束")
    before = snapshot(incident)
    incident.state = Incident.State.CLOSED
    incident.closed_at = timezone.now()
    incident.save(update_fields=["state", "closed_at"])
    audit_record(
        actor=actor, action="hotline.incident.close", obj=incident, before=before, after=snapshot(incident)
    )
    return incident


@transaction.atomic
def order_set_incident(*, order: Order, actor: Any, incident: Incident | None) -> Order:
    o = Order.objects.select_for_update().get(pk=order.pk)
    if o.status == Status.ARCHIVED:
        raise Conflict("已归档工单不能修改")
    before = snapshot(o, ["incident"])
    o.incident = incident
    o.save(update_fields=["incident"])
    record(
        o,
        actor=actor,
        action="link_incident",
        before=before,
        from_status=o.status,
        at=timezone.now(),
        data={"incident": incident.pk if incident else None},
    )
    return o


# --- routing learned from precedent (§2) ----------------------------------------------------


@transaction.atomic
def routing_rule_from_precedent(
    *, order: Order, actor: Any, lead_unit: OrgUnit, note: str = "", assisting: list[OrgUnit] | None = None
) -> RoutingRule:
    """ "后期同类事项可参照直接派单": save the centre's decision as a rule for the same category
    and place; later dispatches get it suggested."""
    if not lead_unit.handles_orders:
        raise RuleViolation(errors={"lead_unit": [f"{lead_unit.name} 不能承办12345工单"]})
    if order.subject_id is None:
        raise RuleViolation(errors={"subject": ["工单没有诉求分类，不能保存为派单规则"]})
    place = order.township or order.county
    rule = RoutingRule.objects.create(
        category=order.subject,
        place=place,
        lead_unit=lead_unit,
        source=RoutingRule.Source.PRECEDENT,
        precedent_order=order,
        note=note or f"工单 {order.number} 协调确定",
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if assisting:
        rule.assisting_units.set(assisting)
    audit_record(actor=actor, action="hotline.routing.create", obj=rule, after=snapshot(rule))
    return rule


CENTRE_ROLES = (HOTLINE_OPERATOR, HOTLINE_SUPERVISOR)
