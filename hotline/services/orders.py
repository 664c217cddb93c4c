"""The work-order life cycle of §3–4: one service per transition of the diagram.

Each service locks the order (`select_for_update`), checks the allowed source states
(`InvalidTransition` → API 409), validates its input (`RuleViolation` → API 400), moves the
clock through `rules.Clock`, stamps who/when, writes the timeline event and the audit entry,
and creates / meets / cancels its deadlines — all in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from hotline.models import (
    Assignment,
    Callback,
    ExtensionRequest,
    Order,
    ProvincialFeedback,
    Reply,
    ReturnRequest,
)
from hotline.models.choices import FINISHED, OUTAGE_KINDS, WITH_UNIT, Channel, HandoverTarget, Kind, Status
from hotline.models.orders import Decision
from hotline.rules import ClockError, assist_days, handling_due, handling_limit
from hotline.services.common import (
    DL_ASSIST,
    DL_DISPATCH,
    DL_FEEDBACK,
    DL_HANDLE,
    DL_PROGRESS,
    DL_SIGN,
    active_lead,
    assignment_deadlines_cancel,
    before_of,
    centre,
    clock_for,
    deadline_for_handling,
    deadline_for_sign,
    handling_units,
    lock,
    meet,
    notify_centre,
    notify_unit,
    now_or,
    open_assignments,
    order_url,
    record,
    set_status,
    store_clock,
    time_limits_ruleset,
)
from portal.deadlines import deadline_cancel, deadline_create, deadline_reschedule, open_deadlines
from portal.errors import InvalidTransition, RuleViolation
from portal.models import Deadline, OrgUnit
from portal.notifications import outbox_add
from portal.tasks import enqueue

S = Status


def _require_text(**fields: str) -> None:
    errors = {name: ["此项必填"] for name, value in fields.items() if not (value or "").strip()}
    if errors:
        raise RuleViolation(errors=errors)


def _acting(order: Order, unit: OrgUnit | None, *, lead_only: bool = False) -> Assignment:
    """The active assignment through which `unit` acts (the lead's when no unit is given)."""
    qs = order.assignments.select_for_update(of=("self",)).filter(active=True).select_related("unit")
    if unit is None:
        assignment = qs.filter(role=Assignment.Role.LEAD).first()
    else:
        assignment = qs.filter(unit=unit).first()
    if assignment is None:
        raise InvalidTransition("该单位在此工单上没有进行中的承办任务")
    if lead_only and assignment.role != Assignment.Role.LEAD:
        raise InvalidTransition("只有主办单位可以执行此操作（协办单位请向主办单位报告）")
    return assignment


# --- triage (§2) ----------------------------------------------------------------------------


@transaction.atomic
def order_answer(*, order: Order, actor: Any, content: str, at: datetime | None = None) -> Order:
    """Answered directly from the knowledge base or an earlier order: closed at once."""
    _require_text(content=content)
    at = now_or(at)
    o = lock(order, [S.RECEIVED], "直接答复")
    before, from_status = before_of(o), o.status
    o.answer = content.strip()
    o.triaged_at = o.triaged_at or at
    o.closed_at = at
    o.dispatch_due_at = None
    set_status(o, S.ANSWERED, at)
    o.save()
    deadline_cancel(subject=o, kind=DL_DISPATCH, reason="直接答复", actor=actor)
    record(o, actor=actor, action="answer", before=before, from_status=from_status, at=at, note=o.answer)
    return o


@transaction.atomic
def order_handover(
    *, order: Order, actor: Any, target: str, note: str = "", at: datetime | None = None
) -> Order:
    """Handed over to 110/119/120/122 or a utility hotline; the outcome is recorded later."""
    if target not in HandoverTarget.values:
        raise RuleViolation(errors={"target": ["请选择 110、119、120、122 或 utility（水电气热热线）"]})
    at = now_or(at)
    o = lock(order, [S.RECEIVED], "转交其他热线")
    before, from_status = before_of(o), o.status
    o.handover_target = target
    o.handover_note = (note or "").strip()
    o.triaged_at = o.triaged_at or at
    o.closed_at = at
    o.dispatch_due_at = None
    set_status(o, S.HANDED_OVER, at)
    o.save()
    deadline_cancel(subject=o, kind=DL_DISPATCH, reason="转交其他热线", actor=actor)
    record(
        o,
        actor=actor,
        action="handover",
        before=before,
        from_status=from_status,
        at=at,
        note=o.handover_note,
        data={"target": target},
    )
    return o


@transaction.atomic
def order_handover_result(*, order: Order, actor: Any, outcome: str, at: datetime | None = None) -> Order:
    _require_text(outcome=outcome)
    at = now_or(at)
    o = lock(order, [S.HANDED_OVER, S.CLOSED], "登记转交结果")
    if not o.handover_target:
        raise InvalidTransition("该工单没有转交其他热线，无需登记转交结果")
    before = before_of(o)
    o.handover_outcome = outcome.strip()
    o.save(update_fields=["handover_outcome"])
    record(
        o,
        actor=actor,
        action="handover_result",
        before=before,
        from_status=o.status,
        at=at,
        note=o.handover_outcome,
    )
    return o


def _dispatch_into(
    o: Order,
    *,
    actor: Any,
    lead: OrgUnit,
    assisting: list[OrgUnit],
    at: datetime,
) -> list[str]:
    """Create the assignments and the sign-for clock of a (re-)dispatch on a locked order."""
    clock, rs = clock_for(o, at=at, ruleset=time_limits_ruleset(at))
    urgent = o.special_kind in OUTAGE_KINDS
    if o.kind == Kind.PRAISE:
        # Praise: forwarded to the unit for information and closed (§3 "Time limits").
        for unit in [lead, *assisting]:
            Assignment.objects.create(
                order=o,
                unit=unit,
                role=Assignment.Role.INFO,
                state=Assignment.State.ENDED,
                active=False,
                dispatched_at=at,
                dispatched_by=actor if getattr(actor, "is_authenticated", False) else None,
                ended_at=at,
                end_reason="praise",
            )
            notify_unit(unit, o, title=f"表扬转达：工单 {o.number}", key=f"praise:{unit.pk}")
        o.lead_unit = lead
        o.dispatched_at = at
        o.dispatch_due_at = None
        o.closed_at = at
        set_status(o, S.CLOSED, at)
        return ["表扬类诉求：转达承办单位知悉后办结，不设办理时限"]
    clock.dispatch(at)
    store_clock(o, clock)
    o.lead_unit = lead
    set_status(o, S.DISPATCHED, at)
    for role, unit in [(Assignment.Role.LEAD, lead), *[(Assignment.Role.ASSIST, u) for u in assisting]]:
        a = Assignment.objects.create(
            order=o,
            unit=unit,
            role=role,
            dispatched_at=at,
            dispatched_by=actor if getattr(actor, "is_authenticated", False) else None,
            sign_due_at=clock.sign_due_at,
        )
        deadline_for_sign(a, ruleset=rs, urgent=urgent)
        label = "主办" if role == Assignment.Role.LEAD else "协办"
        notify_unit(
            unit,
            o,
            title=f"新工单待签收（{label}）：{o.number}",
            key=f"dispatch:{a.pk}",
            level="urgent" if urgent else "info",
            sms=urgent,
        )
    return clock.log


@transaction.atomic
def order_dispatch(
    *,
    order: Order,
    actor: Any,
    lead_unit: OrgUnit | int,
    assisting_units: list[OrgUnit | int] | None = None,
    at: datetime | None = None,
) -> Order:
    """Dispatch to one lead unit (主办) and any assisting units (协办) — 属地管理、按责承办."""
    at = now_or(at)
    lead_id = lead_unit.pk if isinstance(lead_unit, OrgUnit) else lead_unit
    assist_ids = [u.pk if isinstance(u, OrgUnit) else u for u in (assisting_units or [])]
    if lead_id is None:
        raise RuleViolation(errors={"lead_unit": ["请选择主办单位"]})
    if lead_id in assist_ids:
        raise RuleViolation(errors={"assisting_units": ["主办单位不能同时作为协办单位"]})
    if len(set(assist_ids)) != len(assist_ids):
        raise RuleViolation(errors={"assisting_units": ["协办单位重复"]})
    (lead,) = handling_units([lead_id], "lead_unit")
    assisting = handling_units(assist_ids, "assisting_units")
    o = lock(order, [S.RECEIVED], "派单")
    before, from_status = before_of(o), o.status
    o.triaged_at = o.triaged_at or at
    explanation = _dispatch_into(o, actor=actor, lead=lead, assisting=assisting, at=at)
    o.save()
    meet(o, DL_DISPATCH, at=at, actor=actor)
    record(
        o,
        actor=actor,
        action="dispatch",
        before=before,
        from_status=from_status,
        at=at,
        unit=lead,
        data={"lead_unit": lead.pk, "assisting_units": [u.pk for u in assisting]},
        explanation=explanation,
    )
    return o


# --- the handling unit (§3) -----------------------------------------------------------------


@transaction.atomic
def order_sign(*, order: Order, actor: Any, unit: OrgUnit | None = None, at: datetime | None = None) -> Order:
    """Sign for the order (签收). The lead's first sign-for starts the handling clock; an
    assisting unit's sign-for starts its own task deadline."""
    at = now_or(at)
    o = lock(order, WITH_UNIT, "签收")
    assignment = _acting(o, unit)
    if assignment.state != Assignment.State.DISPATCHED:
        raise InvalidTransition("该单位已签收此工单")
    before, from_status = before_of(o), o.status
    if assignment.role == Assignment.Role.ASSIST:
        clock, _ = clock_for(o, at=at, ruleset=o.rule_set or time_limits_ruleset(at))
        lead_days = o.limit_days
        if lead_days is None:
            lead_days = handling_limit(
                clock.limits,
                kind=o.kind,
                channel=o.channel,
                subject_code=o.subject.code if o.subject is not None else "",
            ).days
        days = assist_days(lead_days, clock.limits.assist_share)
        assignment.state = Assignment.State.SIGNED
        assignment.signed_at = at
        assignment.signed_by = actor if getattr(actor, "is_authenticated", False) else None
        assignment.sign_late = assignment.sign_due_at is not None and at > assignment.sign_due_at
        assignment.limit_days = days
        assignment.due_at = handling_due(at, days, clock.is_working) if days else None
        assignment.save()
        meet(assignment, DL_SIGN, at=at, actor=actor)
        deadline_for_handling(assignment, o, starts_at=at, kind=DL_ASSIST)
        record(
            o,
            actor=actor,
            action="assist_sign",
            before=before,
            from_status=from_status,
            at=at,
            unit=assignment.unit,
            explanation=[
                f"协办单位签收；协办时限 {days} 个工作日（主办时限 {lead_days} 个工作日的一半，向上取整）"
            ],
        )
        return o
    if o.status != S.DISPATCHED:
        raise InvalidTransition(f"工单当前状态为“{S(o.status).label}”，主办单位不能签收")
    rs = o.rule_set if o.signed_at is not None and o.rule_set else time_limits_ruleset(at)
    clock, rs = clock_for(o, at=at, ruleset=rs)
    sign_due_before = clock.sign_due_at
    first = clock.sign(at)
    store_clock(o, clock)
    o.rule_set = rs
    set_status(o, S.SIGNED, at)
    o.save()
    assignment.state = Assignment.State.SIGNED
    assignment.signed_at = assignment.signed_at or at
    assignment.signed_by = assignment.signed_by or (
        actor if getattr(actor, "is_authenticated", False) else None
    )
    assignment.sign_late = sign_due_before is not None and at > sign_due_before
    assignment.limit_days = o.limit_days
    assignment.due_at = o.due_at
    assignment.save()
    meet(assignment, DL_SIGN, at=at, actor=actor)
    if first:
        deadline_for_handling(assignment, o, starts_at=at)
        if o.special_kind in OUTAGE_KINDS:
            _special_deadlines(o, assignment, at=at, clock=clock)
    record(
        o,
        actor=actor,
        action="sign",
        before=before,
        from_status=from_status,
        at=at,
        unit=assignment.unit,
        explanation=clock.log,
    )
    return o


def _special_deadlines(o: Order, assignment: Assignment, *, at: datetime, clock: Any) -> None:
    """§5: initial feedback within 1 h of signing, then progress every day until done."""
    deadline_create(
        subject=assignment,
        kind=DL_FEEDBACK,
        title=f"反馈初步办理意见：工单 {o.number}",
        responsible_unit=assignment.unit,
        due_at=clock.feedback_due(at),
        starts_at=at,
        remind_at=None,
        escalate_to=centre(),
        rule_set=o.rule_set,
        basis="第十四条",
        url=order_url(o),
        urgent=True,
    )
    every = int(clock.limits.special_progress_hours * 3600)
    deadline_create(
        subject=assignment,
        kind=DL_PROGRESS,
        title=f"反馈办理进度：工单 {o.number}",
        responsible_unit=assignment.unit,
        due_at=at + timedelta(seconds=every),
        starts_at=at,
        escalate_to=centre(),
        recurrence={"every_seconds": every},
        rule_set=o.rule_set,
        basis="第十四条（每天反馈办理进度直至办结）",
        url=order_url(o),
        urgent=True,
    )


@transaction.atomic
def order_progress(
    *, order: Order, actor: Any, content: str, unit: OrgUnit | None = None, at: datetime | None = None
) -> Reply:
    """Initial feedback / daily progress of a special event (§5)."""
    _require_text(content=content)
    at = now_or(at)
    o = lock(order, [S.SIGNED, S.EXTENSION_REQUESTED, S.RETURN_REQUESTED], "反馈办理进度")
    assignment = _acting(o, unit, lead_only=True)
    first = not o.replies.filter(type=Reply.Type.FEEDBACK).exists()
    reply = Reply.objects.create(
        order=o,
        assignment=assignment,
        unit=assignment.unit,
        type=Reply.Type.FEEDBACK if first else Reply.Type.PROGRESS,
        content=content.strip(),
        at=at,
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if first and open_deadlines(assignment, DL_FEEDBACK).exists():
        meet(assignment, DL_FEEDBACK, at=at, actor=actor)
    elif open_deadlines(assignment, DL_PROGRESS).exists():
        meet(assignment, DL_PROGRESS, at=at, actor=actor)
    record(
        o,
        actor=actor,
        action="feedback" if first else "progress",
        before=before_of(o),
        from_status=o.status,
        at=at,
        unit=assignment.unit,
        note=reply.content,
    )
    return reply


@transaction.atomic
def order_return(
    *,
    order: Order,
    actor: Any,
    reason: str,
    basis: str,
    suggested_unit: OrgUnit | int | None = None,
    unit: OrgUnit | None = None,
    at: datetime | None = None,
) -> ReturnRequest:
    """The lead unit returns the order (退回): outside 12345's scope or its own duties."""
    _require_text(reason=reason, basis=basis)
    at = now_or(at)
    suggested = None
    if suggested_unit not in (None, ""):
        suggested_id = suggested_unit.pk if isinstance(suggested_unit, OrgUnit) else suggested_unit
        (suggested,) = handling_units([suggested_id], "suggested_unit")
    o = lock(order, [S.DISPATCHED, S.SIGNED], "申请退回")
    assignment = _acting(o, unit, lead_only=True)
    if suggested is not None and suggested.pk == assignment.unit_id:
        raise RuleViolation(errors={"suggested_unit": ["建议承办单位不能是本单位"]})
    before, from_status = before_of(o), o.status
    request = ReturnRequest.objects.create(
        order=o,
        assignment=assignment,
        unit=assignment.unit,
        reason=reason.strip(),
        basis=basis.strip(),
        suggested_unit=suggested,
        from_status=from_status,
        requested_by=actor,
        requested_at=at,
    )
    assignment.return_requested = True
    assignment.save(update_fields=["return_requested"])
    if from_status == S.DISPATCHED:
        # Answering within the sign-for limit by returning counts as responding in time.
        meet(assignment, DL_SIGN, at=at, actor=actor)
    set_status(o, S.RETURN_REQUESTED, at)
    o.save()
    record(
        o,
        actor=actor,
        action="return",
        before=before,
        from_status=from_status,
        at=at,
        unit=assignment.unit,
        note=request.reason,
        data={"basis": request.basis, "suggested_unit": suggested.pk if suggested else None},
    )
    notify_centre(
        o, title=f"退回待审核：工单 {o.number}（{assignment.unit.name}）", key=f"return:{request.pk}"
    )
    return request


def _release_lead(o: Order, lead: Assignment, *, actor: Any, at: datetime, reason: str) -> None:
    lead.active = False
    lead.state = Assignment.State.ENDED
    lead.ended_at = at
    lead.end_reason = reason
    lead.save()
    assignment_deadlines_cancel([lead], reason=reason, actor=actor)


@transaction.atomic
def order_review_return(
    *,
    order: Order,
    actor: Any,
    approve: bool,
    note: str = "",
    lead_unit: OrgUnit | int | None = None,
    at: datetime | None = None,
) -> Order:
    """The centre reviews a return: approved → re-dispatch (optionally at once to `lead_unit`);
    rejected → the order stays with the unit, its clock still running from the first sign-for."""
    at = now_or(at)
    o = lock(order, [S.RETURN_REQUESTED], "审核退回")
    request = o.return_requests.select_for_update().get(decision=Decision.PENDING)
    if not approve and not (note or "").strip():
        raise RuleViolation(errors={"note": ["不同意退回时请说明理由"]})
    before, from_status = before_of(o), o.status
    request.decision = Decision.APPROVED if approve else Decision.REJECTED
    request.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    request.decided_at = at
    request.decision_note = (note or "").strip()
    request.save()
    clock, _ = clock_for(o, at=at)
    lead = _acting(o, None, lead_only=True)
    if approve:
        _release_lead(o, lead, actor=actor, at=at, reason="returned")
        clock.unit_released(at, why="退回审核同意")
        clock.await_redispatch(at)
        store_clock(o, clock)
        o.lead_unit = None
        o.rule_set = None
        set_status(o, S.RECEIVED, at)
        o.save()
        deadline_create(
            subject=o,
            kind=DL_DISPATCH,
            title=f"重新派单：工单 {o.number}",
            responsible_unit=centre(),
            due_at=o.dispatch_due_at,  # type: ignore[arg-type]  # set by await_redispatch
            starts_at=at,
            basis="第十二条（一）",
            url=order_url(o),
        )
        notify_unit(lead.unit, o, title=f"退回已同意：工单 {o.number}", key=f"return-ok:{request.pk}")
    else:
        clock.return_rejected(at)
        set_status(o, request.from_status, at)
        if request.from_status == S.DISPATCHED:
            clock.dispatch(at)  # a new sign-for limit from the rejection
            store_clock(o, clock)
            lead.sign_due_at = o.sign_due_at
            lead.save(update_fields=["sign_due_at"])
            deadline_for_sign(lead, ruleset=time_limits_ruleset(at), urgent=bool(o.special_kind))
        o.save()
        notify_unit(
            lead.unit,
            o,
            title=f"退回未同意，请继续办理：工单 {o.number}",
            key=f"return-no:{request.pk}",
            level="warning",
        )
    record(
        o,
        actor=actor,
        action="review_return",
        before=before,
        from_status=from_status,
        at=at,
        unit=lead.unit,
        note=request.decision_note,
        data={"approve": approve, "return_request": request.pk},
        explanation=clock.log,
    )
    if approve and lead_unit not in (None, ""):
        order_dispatch(order=o, actor=actor, lead_unit=lead_unit, at=at)
        o.refresh_from_db()
    return o


@transaction.atomic
def order_request_extension(
    *,
    order: Order,
    actor: Any,
    days: int,
    reason: str,
    unit: OrgUnit | None = None,
    at: datetime | None = None,
) -> ExtensionRequest:
    """Apply for more working days, before the limit, with reasons (延期)."""
    _require_text(reason=reason)
    at = now_or(at)
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise RuleViolation(errors={"days": ["请填写延期的工作日数（整数）"]}) from None
    o = lock(order, [S.SIGNED], "申请延期")
    assignment = _acting(o, unit, lead_only=True)
    clock, _ = clock_for(o, at=at)
    if o.due_at is None:
        raise InvalidTransition("该工单没有办理时限，无需延期")
    if at > o.due_at:
        raise RuleViolation(errors={"days": ["已超过办理时限，不能再申请延期；请尽快办理或提交未办结回复"]})
    if days < 1:
        raise RuleViolation(errors={"days": ["延期至少 1 个工作日"]})
    if clock.limits.max_extension_days is not None and days > clock.limits.max_extension_days:
        raise RuleViolation(errors={"days": [f"单次延期不得超过 {clock.limits.max_extension_days} 个工作日"]})
    before, from_status = before_of(o), o.status
    request = ExtensionRequest.objects.create(
        order=o,
        assignment=assignment,
        unit=assignment.unit,
        days=days,
        reason=reason.strip(),
        due_before=o.due_at,
        requested_by=actor,
        requested_at=at,
    )
    assignment.extension_requested = True
    assignment.save(update_fields=["extension_requested"])
    set_status(o, S.EXTENSION_REQUESTED, at)
    o.save()
    record(
        o,
        actor=actor,
        action="request_extension",
        before=before,
        from_status=from_status,
        at=at,
        unit=assignment.unit,
        note=request.reason,
        data={"days": days},
    )
    notify_centre(o, title=f"延期待审核：工单 {o.number}（{days} 个工作日）", key=f"ext:{request.pk}")
    return request


def last_day(due_at: datetime) -> date:
    """The last calendar day inside a due time (24:00 of day D → D), for messages to people."""
    return timezone.localtime(due_at - timedelta(microseconds=1)).date()


def _tell_caller(o: Order, text: str, key: str) -> bool:
    """SMS to the caller unless they asked for confidentiality (第十二条（三））."""
    if o.confidential or not o.caller_phone:
        return False
    outbox_add(channel="sms", to=o.caller_phone, body=text, dedupe_key=f"hotline:{o.pk}:caller:{key}")
    return True


@transaction.atomic
def order_review_extension(
    *,
    order: Order,
    actor: Any,
    approve: bool,
    note: str = "",
    days: int | None = None,
    at: datetime | None = None,
) -> Order:
    """The centre approves (possibly fewer days) or denies an extension."""
    at = now_or(at)
    o = lock(order, [S.EXTENSION_REQUESTED], "审核延期")
    request = o.extension_requests.select_for_update().get(decision=Decision.PENDING)
    if not approve and not (note or "").strip():
        raise RuleViolation(errors={"note": ["不同意延期时请说明理由"]})
    granted = request.days if days in (None, "") else int(days)  # type: ignore[arg-type]
    if approve and not 1 <= granted <= request.days:
        raise RuleViolation(errors={"days": [f"批准天数应在 1 至 {request.days} 个工作日之间"]})
    before, from_status = before_of(o), o.status
    clock, _ = clock_for(o, at=at)
    lead = _acting(o, None, lead_only=True)
    request.decision = Decision.APPROVED if approve else Decision.REJECTED
    request.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    request.decided_at = at
    request.decision_note = (note or "").strip()
    if approve:
        try:
            clock.extend(granted, at)
        except ClockError as exc:
            raise RuleViolation(errors={"days": [str(exc)]}) from None
        store_clock(o, clock)
        request.due_after = o.due_at
        lead.due_at = o.due_at
        lead.save(update_fields=["due_at"])
        _move_handle_deadline(lead, o, actor=actor, reason=f"批准延期 {granted} 个工作日")
        _tell_caller(
            o,
            f"【驻马店12345】您的诉求（工单{o.number}）承办单位申请延期办理，理由：{request.reason}；"
            f"预计 {last_day(o.due_at):%Y-%m-%d} 前办结。",  # type: ignore[arg-type]  # extended: set
            f"ext:{request.pk}",
        )
    request.save()
    set_status(o, S.SIGNED, at)
    o.save()
    record(
        o,
        actor=actor,
        action="review_extension",
        before=before,
        from_status=from_status,
        at=at,
        unit=lead.unit,
        note=request.decision_note,
        data={"approve": approve, "days": granted if approve else 0, "extension_request": request.pk},
        explanation=clock.log,
    )
    notify_unit(
        lead.unit,
        o,
        title=f"延期{'已同意' if approve else '未同意'}：工单 {o.number}",
        key=f"ext-decided:{request.pk}",
    )
    return o


def _move_handle_deadline(lead: Assignment, o: Order, *, actor: Any, reason: str) -> None:
    """Move the open handling deadline; one already overdue stays overdue (history) and a new
    one with the extended due time is created."""
    current = open_deadlines(lead, DL_HANDLE).order_by("-due_at").first()
    if current is not None and current.status == Deadline.Status.OPEN:
        assert o.due_at is not None
        deadline_reschedule(deadline=current, due_at=o.due_at, reason=reason, actor=actor)
    else:
        deadline_for_handling(lead, o, starts_at=timezone.now())


@transaction.atomic
def order_unfinished_reply(
    *,
    order: Order,
    actor: Any,
    progress: str,
    plan: str,
    expected_date: date | str | None,
    unit: OrgUnit | None = None,
    at: datetime | None = None,
) -> Reply:
    """Still unfinished after an extension: progress, plan and expected completion date
    (未办结回复); the caller is told unless confidential. The order stays with the unit."""
    _require_text(progress=progress, plan=plan)
    at = now_or(at)
    if isinstance(expected_date, str):
        try:
            expected_date = date.fromisoformat(expected_date)
        except ValueError:
            raise RuleViolation(errors={"expected_date": ["日期格式应为 YYYY-MM-DD"]}) from None
    if expected_date is None:
        raise RuleViolation(errors={"expected_date": ["请填写预计办结日期"]})
    if expected_date < timezone.localtime(at).date():
        raise RuleViolation(errors={"expected_date": ["预计办结日期不能早于今天"]})
    o = lock(order, [S.SIGNED], "提交未办结回复")
    assignment = _acting(o, unit, lead_only=True)
    if o.extension_days < 1:
        raise InvalidTransition("未办结回复用于经延期仍无法办结的工单：请先申请延期")
    informed = _tell_caller(
        o,
        f"【驻马店12345】您的诉求（工单{o.number}）仍在办理中：{progress.strip()}；预计 {expected_date:%Y-%m-%d} 前办结。",
        f"unfinished:{at.timestamp():.0f}",
    )
    reply = Reply.objects.create(
        order=o,
        assignment=assignment,
        unit=assignment.unit,
        type=Reply.Type.UNFINISHED,
        progress=progress.strip(),
        plan=plan.strip(),
        expected_date=expected_date,
        caller_informed=informed,
        late=o.due_at is not None and at > o.due_at,
        at=at,
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(
        o,
        actor=actor,
        action="unfinished_reply",
        before=before_of(o),
        from_status=o.status,
        at=at,
        unit=assignment.unit,
        note=reply.progress,
        data={"expected_date": expected_date.isoformat(), "caller_informed": informed},
    )
    notify_centre(o, title=f"未办结回复：工单 {o.number}", key=f"unfinished:{reply.pk}")
    return reply


@transaction.atomic
def order_reply(
    *, order: Order, actor: Any, content: str, unit: OrgUnit | None = None, at: datetime | None = None
) -> Order:
    """The lead unit's reply (办理答复) — freezes `overdue`; an assisting unit's reply is its
    report to the lead unit."""
    _require_text(content=content)
    at = now_or(at)
    o = lock(order, [*WITH_UNIT], "答复")
    assignment = _acting(o, unit)
    by = actor if getattr(actor, "is_authenticated", False) else None
    before, from_status = before_of(o), o.status
    if assignment.role == Assignment.Role.ASSIST:
        if assignment.state != Assignment.State.SIGNED:
            raise InvalidTransition("协办单位请先签收再报告办理情况")
        assignment.state = Assignment.State.REPLIED
        assignment.replied_at = at
        assignment.reply_late = assignment.due_at is not None and at > assignment.due_at
        assignment.save()
        Reply.objects.create(
            order=o,
            assignment=assignment,
            unit=assignment.unit,
            type=Reply.Type.ASSIST_REPORT,
            content=content.strip(),
            late=assignment.reply_late,
            at=at,
            by=by,
        )
        meet(assignment, DL_ASSIST, at=at, actor=actor)
        record(
            o,
            actor=actor,
            action="assist_report",
            before=before,
            from_status=from_status,
            at=at,
            unit=assignment.unit,
            note=content.strip(),
        )
        if o.lead_unit is not None:
            notify_unit(
                o.lead_unit, o, title=f"协办单位已报告：工单 {o.number}", key=f"assist-report:{assignment.pk}"
            )
        return o
    if o.status not in (S.SIGNED, S.EXTENSION_REQUESTED):
        raise InvalidTransition(f"工单当前状态为“{S(o.status).label}”，主办单位不能答复（请先签收）")
    if o.status == S.EXTENSION_REQUESTED:
        o.extension_requests.filter(decision=Decision.PENDING).update(
            decision=Decision.WITHDRAWN, decided_at=at, decision_note="已答复，延期申请自动撤回"
        )
    clock, _ = clock_for(o, at=at)
    clock.reply(at)
    store_clock(o, clock)
    set_status(o, S.REPLIED, at)
    o.save()
    assignment.state = Assignment.State.REPLIED
    assignment.replied_at = at
    assignment.reply_late = o.reply_late
    assignment.save()
    Reply.objects.create(
        order=o,
        assignment=assignment,
        unit=assignment.unit,
        type=Reply.Type.REPLY,
        content=content.strip(),
        late=o.reply_late,
        at=at,
        by=by,
    )
    meet(assignment, DL_HANDLE, at=at, actor=actor)
    for kind in (DL_FEEDBACK, DL_PROGRESS):
        deadline_cancel(subject=assignment, kind=kind, reason="已答复", actor=actor)
    record(
        o,
        actor=actor,
        action="reply",
        before=before,
        from_status=from_status,
        at=at,
        unit=assignment.unit,
        note=content.strip(),
        explanation=clock.log,
    )
    if o.confidential and o.reply_wanted:
        notify_centre(o, title=f"保密诉求请代为答复诉求人：工单 {o.number}", key="relay", level="warning")
    else:
        notify_centre(o, title=f"已答复待回访：工单 {o.number}", key=f"replied:{o.replied_at:%s}")
    _push_to_province(o, "reply", content.strip())
    return o


def _push_to_province(o: Order, event: str, content: str) -> None:
    """Orders from the provincial platform have their result pushed back (第十二条（四））."""
    if o.channel != Channel.PROVINCIAL_PLATFORM:
        return
    row = ProvincialFeedback.objects.create(
        order=o,
        event=event,
        payload={
            "external_id": o.external_id,
            "event": event,
            "status": o.status,
            "content": content,
            "unit": o.lead_unit.name if o.lead_unit is not None else "",
            "at": timezone.localtime().isoformat(),
        },
    )
    from hotline.tasks import provincial_push

    enqueue(provincial_push, row.pk)


# --- callback and closure (§4) --------------------------------------------------------------


@transaction.atomic
def order_callback(
    *,
    order: Order,
    actor: Any,
    satisfied: bool,
    note: str = "",
    method: str = "phone",
    at: datetime | None = None,
) -> Order:
    """Ask the caller for satisfaction (回访). For confidential callers who want a reply, this
    call is also where the centre tells them the result on the unit's behalf."""
    if method not in Callback.Method.values:
        raise RuleViolation(errors={"method": ["回访方式应为 phone、sms、web 或 auto"]})
    if not isinstance(satisfied, bool):
        raise RuleViolation(errors={"satisfied": ["请填写是否满意（true/false）"]})
    at = now_or(at)
    o = lock(order, [S.REPLIED], "回访")
    before, from_status = before_of(o), o.status
    Callback.objects.create(
        order=o,
        satisfied=satisfied,
        method=method,
        note=(note or "").strip(),
        at=at,
        by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    o.satisfied = satisfied
    if o.confidential and o.reply_wanted and o.relayed_at is None:
        o.relayed_at = at
        last = o.replies.filter(type=Reply.Type.REPLY).order_by("-id").first()
        Reply.objects.create(
            order=o,
            type=Reply.Type.RELAY,
            content=last.content if last else "",
            caller_informed=True,
            at=at,
            by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    set_status(o, S.CALLED_BACK, at)
    o.save()
    o.assignments.filter(active=True, role=Assignment.Role.LEAD).update(satisfied=satisfied)
    record(
        o,
        actor=actor,
        action="callback",
        before=before,
        from_status=from_status,
        at=at,
        note=(note or "").strip(),
        data={"satisfied": satisfied, "method": method},
    )
    return o


@transaction.atomic
def order_redo(*, order: Order, actor: Any, reason: str, at: datetime | None = None) -> Order:
    """Send back for redo (发回重办): a new handling period of the same length from now."""
    _require_text(reason=reason)
    at = now_or(at)
    o = lock(order, [S.REPLIED, S.CALLED_BACK], "发回重办")
    lead = _acting(o, None, lead_only=True)
    before, from_status = before_of(o), o.status
    clock, _ = clock_for(o, at=at)
    clock.new_period(at, why="发回重办")
    store_clock(o, clock)
    o.redo_count += 1
    o.satisfied = None
    set_status(o, S.SIGNED, at)
    o.save()
    lead.state = Assignment.State.SIGNED
    lead.redo_count += 1
    lead.replied_at = None
    lead.reply_late = False
    lead.due_at = o.due_at
    lead.save()
    deadline_for_handling(lead, o, starts_at=at)
    record(
        o,
        actor=actor,
        action="redo",
        before=before,
        from_status=from_status,
        at=at,
        unit=lead.unit,
        note=reason.strip(),
        explanation=clock.log,
    )
    notify_unit(
        lead.unit, o, title=f"工单被发回重办：{o.number}", key=f"redo:{o.redo_count}", level="warning"
    )
    return o


@transaction.atomic
def order_close(*, order: Order, actor: Any, at: datetime | None = None) -> Order:
    """Close (办结). After a callback; without one only when the caller wants no reply or
    cannot be reached by phone; answered/handed-over orders may be closed too."""
    at = now_or(at)
    o = lock(order, [S.CALLED_BACK, S.REPLIED, S.ANSWERED, S.HANDED_OVER], "办结")
    if o.status == S.REPLIED and o.reply_wanted and o.caller_phone:
        raise InvalidTransition("诉求人要求答复：请先回访再办结")
    before, from_status = before_of(o), o.status
    o.closed_at = at
    set_status(o, S.CLOSED, at)
    o.save()
    for assignment in open_assignments(o):
        assignment.active = assignment.role == Assignment.Role.LEAD  # the lead stays for reopen
        if assignment.role != Assignment.Role.LEAD:
            assignment.state = Assignment.State.ENDED
            assignment.ended_at = at
            assignment.end_reason = "closed"
        assignment.save()
        deadline_cancel(subject=assignment, reason="工单已办结", actor=actor)
    record(o, actor=actor, action="close", before=before, from_status=from_status, at=at)
    _push_to_province(o, "close", "")
    return o


@transaction.atomic
def order_archive(*, order: Order, actor: Any, at: datetime | None = None) -> Order:
    """Archive a finished order by category (归档); archived records are unchangeable."""
    at = now_or(at)
    o = lock(order, [S.CLOSED, S.ANSWERED, S.HANDED_OVER], "归档")
    before, from_status = before_of(o), o.status
    o.archived_at = at
    o.closed_at = o.closed_at or at
    set_status(o, S.ARCHIVED, at)
    o.save()
    o.assignments.filter(active=True).update(
        active=False, state=Assignment.State.ENDED, ended_at=at, end_reason="archived"
    )
    record(o, actor=actor, action="archive", before=before, from_status=from_status, at=at)
    return o


# --- centre tools (§3) ----------------------------------------------------------------------


@transaction.atomic
def order_urge(*, order: Order, actor: Any, note: str = "", at: datetime | None = None) -> Order:
    """Urge the handling unit (催办): an urgent notification and a timeline entry."""
    at = now_or(at)
    o = lock(order, [*WITH_UNIT], "催办")
    before = before_of(o)
    o.urge_count += 1
    o.save(update_fields=["urge_count"])
    lead = active_lead(o)
    record(
        o,
        actor=actor,
        action="urge",
        before=before,
        from_status=o.status,
        at=at,
        unit=lead.unit if lead else None,
        note=(note or "").strip(),
        data={"count": o.urge_count},
    )
    for assignment in open_assignments(o):
        if assignment.state in (Assignment.State.DISPATCHED, Assignment.State.SIGNED):
            notify_unit(
                assignment.unit,
                o,
                title=f"催办（第 {o.urge_count} 次）：工单 {o.number}"
                + (f"——{note.strip()}" if note else ""),
                key=f"urge:{o.urge_count}:{assignment.pk}",
                level="urgent",
                sms=True,
            )
    return o


@transaction.atomic
def order_reassign(
    *, order: Order, actor: Any, lead_unit: OrgUnit | int, reason: str, at: datetime | None = None
) -> Order:
    """Reassign to another lead unit (改派): the new unit's clock runs from its own first sign-for."""
    _require_text(reason=reason)
    at = now_or(at)
    lead_id = lead_unit.pk if isinstance(lead_unit, OrgUnit) else lead_unit
    (new_lead,) = handling_units([lead_id], "lead_unit")
    o = lock(order, [S.DISPATCHED, S.SIGNED, S.EXTENSION_REQUESTED, S.RETURN_REQUESTED], "改派")
    old = _acting(o, None, lead_only=True)
    if old.unit_id == new_lead.pk:
        raise RuleViolation(errors={"lead_unit": ["新主办单位与当前主办单位相同"]})
    before, from_status = before_of(o), o.status
    for rel in (o.return_requests, o.extension_requests):
        rel.filter(decision=Decision.PENDING).update(
            decision=Decision.WITHDRAWN, decided_at=at, decision_note="工单已改派"
        )
    _release_lead(o, old, actor=actor, at=at, reason="reassigned")
    existing_assist = o.assignments.filter(active=True, unit=new_lead).first()
    if existing_assist is not None:
        _release_lead(o, existing_assist, actor=actor, at=at, reason="promoted")
    clock, _ = clock_for(o, at=at)
    clock.unit_released(at, why="改派")
    store_clock(o, clock)
    o.rule_set = None
    set_status(o, S.RECEIVED, at)
    explanation = clock.log + _dispatch_into(o, actor=actor, lead=new_lead, assisting=[], at=at)
    o.save()
    record(
        o,
        actor=actor,
        action="reassign",
        before=before,
        from_status=from_status,
        at=at,
        unit=new_lead,
        note=reason.strip(),
        data={"from_unit": old.unit_id, "lead_unit": new_lead.pk},
        explanation=explanation,
    )
    notify_unit(old.unit, o, title=f"工单已改派他单位：{o.number}", key=f"reassigned:{old.pk}")
    return o


@transaction.atomic
def order_reopen(*, order: Order, actor: Any, reason: str, at: datetime | None = None) -> Order:
    """The caller calls again about the same matter: reopen. With a lead unit the order goes
    back to it with a new handling period; otherwise it waits for dispatch again."""
    _require_text(reason=reason)
    at = now_or(at)
    o = lock(order, [S.CLOSED, S.ANSWERED, S.HANDED_OVER], "重启")
    before, from_status = before_of(o), o.status
    lead = o.assignments.filter(active=True, role=Assignment.Role.LEAD).select_related("unit").first()
    o.reopen_count += 1
    o.closed_at = None
    o.satisfied = None
    clock, _ = clock_for(o, at=at)
    if lead is not None and o.signed_at is not None:
        clock.new_period(at, why="诉求人再次来电，工单重启")
        store_clock(o, clock)
        set_status(o, S.SIGNED, at)
        o.save()
        lead.state = Assignment.State.SIGNED
        lead.replied_at = None
        lead.reply_late = False
        lead.due_at = o.due_at
        lead.save()
        deadline_for_handling(lead, o, starts_at=at)
        notify_unit(
            lead.unit,
            o,
            title=f"诉求人再次来电，工单重启：{o.number}",
            key=f"reopen:{o.reopen_count}",
            level="warning",
        )
    else:
        if lead is not None:
            _release_lead(o, lead, actor=actor, at=at, reason="reopened")
        clock.unit_released(at, why="工单重启")
        clock.await_redispatch(at)
        store_clock(o, clock)
        o.lead_unit = None
        o.rule_set = None
        set_status(o, S.RECEIVED, at)
        o.save()
        deadline_create(
            subject=o,
            kind=DL_DISPATCH,
            title=f"重启工单待派单：{o.number}",
            responsible_unit=centre(),
            due_at=o.dispatch_due_at,  # type: ignore[arg-type]  # set by await_redispatch
            starts_at=at,
            url=order_url(o),
        )
    record(
        o,
        actor=actor,
        action="reopen",
        before=before,
        from_status=from_status,
        at=at,
        note=reason.strip(),
        explanation=clock.log,
    )
    return o


@transaction.atomic
def order_link_duplicate(
    *, order: Order, actor: Any, duplicate_of: Order, at: datetime | None = None
) -> Order:
    """Link a request to an earlier one about the same matter (重复诉求)."""
    at = now_or(at)
    if duplicate_of.pk == order.pk:
        raise RuleViolation(errors={"duplicate_of": ["不能关联到自身"]})
    o = lock(order, [s for s in S.values if s != S.ARCHIVED], "关联重复诉求")
    root = duplicate_of.duplicate_of
    if root is not None:
        duplicate_of = root  # link to the root of the group
    if duplicate_of.pk == o.pk:
        raise RuleViolation(errors={"duplicate_of": ["不能形成循环关联"]})
    before = before_of(o)
    o.duplicate_of = duplicate_of
    o.save(update_fields=["duplicate_of"])
    record(
        o,
        actor=actor,
        action="link_duplicate",
        before=before,
        from_status=o.status,
        at=at,
        data={"duplicate_of": duplicate_of.pk},
    )
    return o


FINISHED_STATES = FINISHED
