"""Helpers shared by the hotline services: locking with an allowed-state check, the clock bridge
between an Order row and `rules.Clock`, timeline events, deadlines and notifications."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from hotline import ruledata
from hotline.models import Assignment, Order, OrderEvent
from hotline.models.choices import Status
from hotline.rules import Clock, TimeLimits
from portal.access import HOTLINE_OPERATOR, HOTLINE_SUPERVISOR, UNIT_CLERK
from portal.audit import audit_record, snapshot
from portal.deadlines import deadline_cancel, deadline_create, deadline_meet
from portal.errors import InvalidTransition, RuleViolation
from portal.models import OrgUnit, RuleSet, User
from portal.notifications import notify, unit_recipients
from portal.rulesets import RuleSetMissing, ruleset_in_force
from portal.workcal import calendar

CENTRE_CODE = "rx12345"
AUTHORITY_CODE = "zfb"  # 市人民政府办公室: the 12345 authority (第五条)

# Deadline kinds (registered in apps.py with their notification behaviour).
DL_DISPATCH = "hotline.dispatch"
DL_SIGN = "hotline.sign"
DL_HANDLE = "hotline.handle"
DL_ASSIST = "hotline.assist"
DL_FEEDBACK = "hotline.feedback"
DL_PROGRESS = "hotline.progress"
DL_KNOWLEDGE = "hotline.knowledge_question"

CLOCK_FIELDS = [
    "dispatch_due_at",
    "dispatched_at",
    "sign_due_at",
    "signed_at",
    "clock_start_at",
    "limit_days",
    "extension_days",
    "due_at",
    "replied_at",
    "reply_late",
]
AUDIT_FIELDS = ["status", "lead_unit", *CLOCK_FIELDS, "closed_at", "archived_at", "satisfied"]


def now_or(at: datetime | None) -> datetime:
    return at or timezone.now()


def centre() -> OrgUnit:
    return OrgUnit.objects.get(code=CENTRE_CODE)


def time_limits_ruleset(on: datetime) -> RuleSet:
    day = timezone.localtime(on).date()
    try:
        return ruleset_in_force(ruledata.TIME_LIMITS_KEY, on=day)
    except RuleSetMissing:
        raise RuleViolation(
            errors={"non_field_errors": [f"{day} 没有生效的12345工单时限规则，请管理员在规则参数中补充"]}
        ) from None


def clock_for(order: Order, *, at: datetime, ruleset: RuleSet | None = None) -> tuple[Clock, RuleSet]:
    """A Clock holding the order's current readings, with the rule set the order's clock was
    computed under (or the one in force at `at` for a clock not yet started)."""
    rs = ruleset or order.rule_set or time_limits_ruleset(at)
    clock = Clock(
        limits=TimeLimits.from_params(rs.params),
        is_working=calendar().is_working,
        kind=order.kind,
        channel=order.channel,
        subject_code=order.subject.code if order.subject is not None else "",
        special=order.special_kind,
        received_at=order.received_at,
        **{name: getattr(order, name) for name in CLOCK_FIELDS},
    )
    return clock, rs


def store_clock(order: Order, clock: Clock) -> None:
    for name in CLOCK_FIELDS:
        setattr(order, name, getattr(clock, name))


def lock(order: Order | int, allowed: Iterable[str], action_label: str) -> Order:
    """Lock the order row and check that its state allows the action (409 otherwise)."""
    pk = order.pk if isinstance(order, Order) else order
    locked = Order.objects.select_for_update(of=("self",)).select_related("subject", "lead_unit").get(pk=pk)
    allowed = tuple(allowed)
    if locked.status not in allowed:
        names = "、".join(Status(s).label for s in allowed)
        raise InvalidTransition(
            f"工单当前状态为“{Status(locked.status).label}”，不能{action_label}（仅限：{names}）"
        )
    return locked


def set_status(order: Order, status: str, at: datetime) -> None:
    order.status = status
    order.status_at = at


def record(
    order: Order,
    *,
    actor: Any,
    action: str,
    before: dict[str, Any],
    from_status: str,
    at: datetime,
    unit: OrgUnit | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    explanation: list[str] | None = None,
) -> OrderEvent:
    """Timeline event + audit entry for one state change (both in the caller's transaction)."""
    payload = dict(data or {})
    if explanation:
        payload["explanation"] = explanation
    is_user = getattr(actor, "is_authenticated", False)
    event = OrderEvent.objects.create(
        order=order,
        at=at,
        actor=actor if is_user else None,
        actor_label=(str(actor) if actor is not None else "system")[:150],
        action=action,
        unit=unit,
        from_status=from_status,
        to_status=order.status,
        note=note,
        data=payload or None,
    )
    audit_record(
        actor=actor,
        action=f"hotline.order.{action}",
        obj=order,
        before=before,
        after=snapshot(order, AUDIT_FIELDS),
        extra={"note": note, **({"unit": unit.pk} if unit else {}), **(data or {})},
    )
    return event


def before_of(order: Order) -> dict[str, Any]:
    return snapshot(order, AUDIT_FIELDS)


def order_url(order: Order) -> str:
    return reverse("hotline:order-detail", args=[order.pk])


def active_lead(order: Order) -> Assignment | None:
    return order.assignments.filter(active=True, role=Assignment.Role.LEAD).select_related("unit").first()


def assignment_deadlines_cancel(assignments: Iterable[Assignment], *, reason: str, actor: Any) -> None:
    for assignment in assignments:
        deadline_cancel(subject=assignment, reason=reason, actor=actor)


def deadline_for_sign(assignment: Assignment, *, ruleset: RuleSet, urgent: bool) -> None:
    if assignment.sign_due_at is None:
        return
    deadline_create(
        subject=assignment,
        kind=DL_SIGN,
        title=f"签收工单 {assignment.order.number}",
        responsible_unit=assignment.unit,
        due_at=assignment.sign_due_at,
        starts_at=assignment.dispatched_at,
        escalate_to=centre(),
        rule_set=ruleset,
        basis="第十二条（一）；豫政办〔2024〕3号",
        url=order_url(assignment.order),
        urgent=urgent,
    )


def deadline_for_handling(
    assignment: Assignment, order: Order, *, starts_at: datetime, kind: str = DL_HANDLE
) -> None:
    if assignment.due_at is None:
        return
    label = "办理答复" if kind == DL_HANDLE else "协办报告"
    deadline_create(
        subject=assignment,
        kind=kind,
        title=f"{label}：工单 {order.number}",
        responsible_unit=assignment.unit,
        due_at=assignment.due_at,
        starts_at=starts_at,
        escalate_to=centre(),
        rule_set=order.rule_set,
        basis="第十二条（二）",
        url=order_url(order),
        urgent=bool(order.special_kind),
    )


def meet(subject: Any, kind: str, *, at: datetime, actor: Any, which: str = "earliest") -> None:
    deadline_meet(subject=subject, kind=kind, at=at, actor=actor, which=which)


def centre_staff(roles: Iterable[str] = (HOTLINE_SUPERVISOR,)) -> list[User]:
    return unit_recipients(centre(), roles=list(roles))


def notify_unit(
    unit: OrgUnit, order: Order, *, title: str, key: str, level: str = "info", sms: bool = False
) -> None:
    notify(
        unit_recipients(unit, roles=[UNIT_CLERK]),
        title=title,
        url=order_url(order),
        subject=order,
        level=level,
        dedupe_key=f"hotline:{order.pk}:{key}",
        sms=sms,
    )


def notify_centre(
    order: Order, *, title: str, key: str, level: str = "info", operators: bool = False
) -> None:
    roles = (HOTLINE_SUPERVISOR, HOTLINE_OPERATOR) if operators else (HOTLINE_SUPERVISOR,)
    notify(
        centre_staff(roles),
        title=title,
        url=order_url(order),
        subject=order,
        level=level,
        dedupe_key=f"hotline:{order.pk}:{key}",
    )


def handling_units(ids: Iterable[int], field: str) -> list[OrgUnit]:
    """Load units that may receive orders (active, handles_orders), keeping the given order."""
    ids = list(ids)
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids)}
    out = []
    for unit_id in ids:
        unit = units.get(unit_id)
        if unit is None:
            raise RuleViolation(errors={field: [f"单位 {unit_id} 不存在"]})
        if not unit.active or not unit.handles_orders:
            raise RuleViolation(errors={field: [f"{unit.name} 不能承办12345工单"]})
        out.append(unit)
    return out


def open_assignments(order: Order) -> QuerySet[Assignment]:
    return order.assignments.filter(active=True).select_related("unit")
