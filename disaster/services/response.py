"""Response levels: assessments of the aggregate, proposals, decisions by the role §3 names
(directly or as acting deputy), 5.5 adjustments, the tasks and notices activation sets in
motion, the daily situation report at II/I, the city's own reports, and the on-duty roster."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from disaster.models import (
    Assessment,
    CityReport,
    CurrentFigures,
    DutyShift,
    Event,
    LevelAdjustment,
    LevelChange,
    Proposal,
    Report,
    ResponseTask,
)
from disaster.rules import Figures, assess, level_figures, level_rank, level_zh
from disaster.rules import deadlines as due
from disaster.rules.indicators import ALL_FIELDS, MONEY_FIELDS
from disaster.services.common import (
    EMERGENCY_BUREAU,
    K_CITY_AGGREGATE,
    K_CITY_DAILY,
    K_CITY_PROVINCE,
    K_CITY_REVIEW,
    K_MAJOR_CHANGE,
    K_SITUATION,
    KIND_LABELS,
    OFFICE,
    deadline_rules,
    is_office,
    level_rules,
    notify_urgent,
    on_duty,
    role_holders,
    task_rules,
    unit,
)
from portal.access import (
    CITY_ADMIN,
    DR_DEPUTY,
    DR_DIRECTOR,
    DR_EXECUTIVE_DEPUTY,
    DR_OFFICE_DEPUTY,
    grant_for,
    has_role,
    is_superuser,
)
from portal.audit import audit_record, snapshot
from portal.deadlines import deadline_cancel, deadline_create, deadline_meet
from portal.errors import InvalidTransition, RuleViolation
from portal.models import Deadline, Membership, OrgUnit, Role, User, WorkingGroupMember

P = Proposal
DECISION_ROLES = (DR_OFFICE_DEPUTY, DR_DEPUTY, DR_EXECUTIVE_DEPUTY, DR_DIRECTOR, CITY_ADMIN)
ADJUST_ROLES = (DR_OFFICE_DEPUTY, DR_DEPUTY, DR_EXECUTIVE_DEPUTY, DR_DIRECTOR)


# --- aggregate and assessment -------------------------------------------------------------


def event_totals(event: Event, county: OrgUnit | None = None) -> dict[str, Any]:
    """Sum of each township's latest current values (one aggregate query)."""
    qs = CurrentFigures.objects.filter(event=event)
    if county is not None:
        qs = qs.filter(county=county)
    sums = qs.aggregate(**{f: Sum(f) for f in ALL_FIELDS})
    return {f: (sums[f] or (Decimal("0.00") if f in MONEY_FIELDS else 0)) for f in ALL_FIELDS}


def active_adjustment(event: Event) -> LevelAdjustment | None:
    return LevelAdjustment.objects.filter(event=event, revoked_at__isnull=True).first()


def rules_date(event: Event) -> Any:
    """Reading: an event is judged by the rule set in force on the day it began."""
    return timezone.localdate(event.started_at)


@transaction.atomic
def event_reassess(*, event: Event, trigger_report: Report | None = None) -> Assessment:
    """Evaluate the event's aggregate (cumulative values, all counties) against the level rules
    in force; store the assessment (with the 5.5 adjusted result beside it) and propose a
    higher level when one is triggered."""
    totals = event_totals(event)
    figures = Figures(**level_figures(totals))
    ruleset = level_rules(rules_date(event))
    result = assess(figures, ruleset.params)
    adjustment = active_adjustment(event)
    adjusted_level, adjusted_lines = None, []
    if adjustment is not None:
        if adjustment.manual_level:
            adjusted_level = adjustment.manual_level
            adjusted_lines = [
                f"按 5.5 直接认定为{level_zh(adjustment.manual_level)}响应：{adjustment.reason}",
            ]
        else:
            adjusted = assess(figures, ruleset.params, factor=adjustment.factor or Decimal(1))
            adjusted_level = adjusted.level
            adjusted_lines = [f"5.5 调整理由：{adjustment.reason}", *adjusted.explanation()]
    assessment = Assessment.objects.create(
        event=event,
        figures=figures.as_dict(),
        rule_set=ruleset,
        agricultural_population=result.agricultural_population,
        level=result.level,
        triggered=result.triggered_api(),
        explanation=result.explanation(),
        adjustment=adjustment,
        adjusted_level=adjusted_level,
        adjusted_explanation=adjusted_lines,
        trigger_report=trigger_report,
    )
    if event.suggested_level != assessment.effective_level:
        Event.objects.filter(pk=event.pk).update(suggested_level=assessment.effective_level)
        event.suggested_level = assessment.effective_level
    _maybe_propose(event, assessment)
    return assessment


def latest_assessment(event: Event) -> Assessment | None:
    return Assessment.objects.filter(event=event).order_by("-created_at", "-pk").first()


def _maybe_propose(event: Event, assessment: Assessment) -> Proposal | None:
    target = assessment.effective_level
    if (
        target is None
        or event.status == Event.Status.CLOSED
        or level_rank(target) <= level_rank(event.current_level)
    ):
        return None
    pending = Proposal.objects.select_for_update().filter(event=event, status=P.Status.PENDING).first()
    if pending is not None:
        if pending.action != P.Action.TERMINATE and level_rank(pending.level) >= level_rank(target):
            return None
    last_change = (
        LevelChange.objects.filter(event=event)
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    rejected = Proposal.objects.filter(
        event=event, status=P.Status.REJECTED, level__in=_levels_at_least(target)
    )
    if last_change is not None:
        rejected = rejected.filter(decided_at__gt=last_change)
    if rejected.exists():
        return None  # the deciders said no at this level; the office may propose again
    if pending is not None:
        pending.status = P.Status.SUPERSEDED
        pending.save(update_fields=["status"])
        audit_record(
            actor=None, action="disaster.proposal.supersede", obj=pending, after={"status": pending.status}
        )
    proposal = Proposal.objects.create(
        event=event,
        action=P.Action.UPGRADE if event.current_level else P.Action.ACTIVATE,
        level=target,
        from_level=event.current_level,
        origin=P.Origin.AUTO,
        assessment=assessment,
        reason=_auto_reason(assessment, target),
    )
    audit_record(actor=None, action="disaster.proposal.create", obj=proposal, after=snapshot(proposal))
    _notify_proposal(proposal)
    return proposal


def _auto_reason(assessment: Assessment, level: str) -> str:
    """ "按标准评估达到三级响应启动条件。三级响应条件满足：…" (or the 5.5 grounds)."""
    adjusted = assessment.adjustment_id is not None
    lines = assessment.adjusted_explanation if adjusted else assessment.explanation
    hits = [line for line in lines if line.startswith(f"{level_zh(level)}响应条件满足")]
    head = f"按标准评估{'（经 5.5 调整）' if adjusted else ''}达到{level_zh(level)}响应启动条件。"
    return head + "".join(hits or lines)


def _levels_at_least(level: str | None) -> list[str]:
    return [lv for lv in ("IV", "III", "II", "I") if level_rank(lv) >= level_rank(level)]


def deciders_for(level: str, event: Event) -> list[str]:
    params = level_rules(rules_date(event)).params
    return list(params["deciders"][level])


def _notify_proposal(proposal: Proposal) -> None:
    event = proposal.event
    roles = deciders_for(proposal.level, event)
    verb = proposal.get_action_display()
    notify_urgent(
        units=[unit(EMERGENCY_BUREAU), unit(OFFICE)],
        also=role_holders(roles),
        title=f"待决定：建议{verb}{proposal.get_level_display()}应急响应（{event.title}）",
        url=proposal.get_absolute_url(),
        subject=proposal,
        dedupe_key=f"disaster:proposal:{proposal.pk}",
    )


# --- proposals and decisions --------------------------------------------------------------


@transaction.atomic
def proposal_create(*, event: Event, action: str, level: str | None, reason: str, actor: Any) -> Proposal:
    """The office proposes: a level on "other" grounds (5.x (5): major losses, strong public
    concern), an upgrade, or termination (5.7)."""
    if not is_office(actor):
        raise PermissionDenied("由市减灾委办公室（市应急管理局）提出建议")
    event = Event.objects.select_for_update().get(pk=event.pk)
    if not reason.strip():
        raise RuleViolation(errors={"reason": ["请填写建议理由"]})
    if event.status == Event.Status.CLOSED:
        raise InvalidTransition("灾害过程已结束")
    if action == P.Action.TERMINATE:
        if not event.current_level:
            raise InvalidTransition("尚未启动应急响应，无需终止")
        level = event.current_level
    elif action in (P.Action.ACTIVATE, P.Action.UPGRADE):
        if level not in ("IV", "III", "II", "I"):
            raise RuleViolation(errors={"level": ["请选择响应等级"]})
        if level_rank(level) <= level_rank(event.current_level):
            raise InvalidTransition("建议等级须高于当前响应等级")
        action = P.Action.UPGRADE if event.current_level else P.Action.ACTIVATE
    else:
        raise RuleViolation(errors={"action": ["事项无效"]})
    if Proposal.objects.filter(event=event, status=P.Status.PENDING).exists():
        raise InvalidTransition("已有待决定的建议：请先撤回或等待决定")
    if level is None:
        raise RuleViolation(errors={"level": ["请选择响应等级"]})
    proposal = Proposal.objects.create(
        event=event,
        action=action,
        level=level,
        from_level=event.current_level,
        origin=P.Origin.OFFICE,
        assessment=latest_assessment(event),
        reason=reason.strip(),
        proposed_by=actor,
    )
    audit_record(actor=actor, action="disaster.proposal.create", obj=proposal, after=snapshot(proposal))
    _notify_proposal(proposal)
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, reason: str, actor: Any) -> Proposal:
    if not is_office(actor):
        raise PermissionDenied("由市减灾委办公室撤回建议")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != P.Status.PENDING:
        raise InvalidTransition(f"建议已{proposal.get_status_display()}，不能撤回")
    if not reason.strip():
        raise RuleViolation(errors={"reason": ["请填写撤回原因"]})
    proposal.status, proposal.decision_reason = P.Status.WITHDRAWN, reason.strip()
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    proposal.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    audit_record(actor=actor, action="disaster.proposal.withdraw", obj=proposal, after={"reason": reason})
    return proposal


def may_decide(user: Any, proposal: Proposal) -> bool:
    """Only the role §3 names for the level (held directly or as acting deputy). A superuser
    without that role may not decide: a level change must rest on the named official."""
    return grant_for(user, *deciders_for(proposal.level, proposal.event)) is not None


@transaction.atomic
def proposal_decide(*, proposal: Proposal, approve: bool, reason: str, actor: Any) -> Proposal:
    """Decide a proposal. Records who decided, in which role (and as whose deputy), when, why and
    on which assessment; an approval changes the level and sets the response in motion."""
    event = Event.objects.select_for_update().get(pk=proposal.event_id)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    roles = deciders_for(proposal.level, event)
    grant = grant_for(actor, *roles)
    if grant is None:
        names = "、".join(Role.objects.filter(code__in=roles).values_list("name", flat=True))
        raise PermissionDenied(f"{proposal.get_level_display()}响应由{names}决定")
    if proposal.status != P.Status.PENDING:
        raise InvalidTransition(f"该建议已{proposal.get_status_display()}")
    if not reason.strip():
        raise RuleViolation(errors={"reason": ["请填写决定意见"]})
    now = timezone.now()
    proposal.decided_by, proposal.decided_at = actor, now
    proposal.decided_role = grant.role
    proposal.delegated_by_id = grant.delegated_by
    proposal.decision_reason = reason.strip()
    if not approve:
        proposal.status = P.Status.REJECTED
        proposal.save()
        audit_record(
            actor=actor, action="disaster.proposal.reject", obj=proposal, after=_decision_audit(proposal)
        )
        return proposal
    if event.current_level != proposal.from_level:
        raise InvalidTransition("响应等级已变化，本建议已失效，请重新提出")
    proposal.status = P.Status.APPROVED
    proposal.save()
    to_level = None if proposal.action == P.Action.TERMINATE else proposal.level
    change = _level_change(event, proposal, to_level, now)
    before = snapshot(event, ["current_level", "level_since"])
    event.current_level, event.level_since = to_level, now
    event.save(update_fields=["current_level", "level_since"])
    audit_record(
        actor=actor,
        action=f"disaster.response.{proposal.action}",
        obj=event,
        before=before,
        after=_decision_audit(proposal) | {"level_change": change.pk, "to_level": to_level},
    )
    if to_level is None:
        deadline_cancel(subject=event, kind=K_SITUATION, reason="应急响应已终止", actor=actor)
    else:
        _create_tasks(event, change)
        if level_rank(to_level) >= level_rank("II"):
            _situation_deadline(event, now)
    _notify_decision(event, change)
    return proposal


def _decision_audit(proposal: Proposal) -> dict[str, Any]:
    return {
        "status": proposal.status,
        "level": proposal.level,
        "role": proposal.decided_role,
        "delegated_by": proposal.delegated_by_id,
        "reason": proposal.decision_reason,
        "assessment": proposal.assessment_id,
    }


def _level_change(event: Event, proposal: Proposal, to_level: str | None, now: datetime) -> LevelChange:
    year = timezone.localdate(now).year
    level = proposal.level
    committee = level_rank(level) >= level_rank("II")
    count = LevelChange.objects.filter(decided_at__year=year).count() + 1
    notice_no = f"{'驻减灾委' if committee else '驻减灾办'}〔{year}〕{count}号"
    change = LevelChange(
        event=event,
        proposal=proposal,
        action=proposal.action,
        from_level=proposal.from_level,
        to_level=to_level,
        decided_by=proposal.decided_by,
        decided_role=proposal.decided_role,
        delegated_by_id=proposal.delegated_by_id,
        decided_at=now,
        reason=proposal.decision_reason,
        assessment=proposal.assessment,
        notice_no=notice_no,
        notice_text="",
    )
    from disaster.notice import notice_text

    planned: list[tuple[str, str, str]] = []
    if to_level is not None:
        groups = dict(OrgUnit.objects.filter(kind=OrgUnit.Kind.WORKING_GROUP).values_list("code", "name"))
        for item in task_rules(rules_date(event)).params["tasks"]:
            if level_rank(item["min_level"]) <= level_rank(to_level) and item["group"] in groups:
                planned.append((groups[item["group"]], item["title"], item.get("basis", "")))
    change.notice_text = notice_text(change, planned)
    change.save()
    return change


def _create_tasks(event: Event, change: LevelChange) -> list[ResponseTask]:
    params = task_rules(rules_date(event)).params
    existing = set(ResponseTask.objects.filter(event=event).values_list("code", flat=True))
    groups = {u.code: u for u in OrgUnit.objects.filter(kind=OrgUnit.Kind.WORKING_GROUP)}
    created: list[ResponseTask] = []
    for item in params["tasks"]:
        if item["code"] in existing or level_rank(item["min_level"]) > level_rank(change.to_level):
            continue
        group = groups.get(item["group"])
        if group is None:
            continue
        created.append(
            ResponseTask.objects.create(
                event=event,
                level_change=change,
                code=item["code"],
                title=item["title"],
                group=group,
                basis=item.get("basis", ""),
            )
        )
    leads: dict[int, list[ResponseTask]] = {}
    for member in WorkingGroupMember.objects.filter(
        group__in=[t.group for t in created], is_lead=True
    ).select_related("unit"):
        for task in created:
            if task.group_id == member.group_id:
                leads.setdefault(member.unit_id, []).append(task)
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=leads)}
    for unit_id, tasks in leads.items():
        titles = "；".join(f"{t.group.name}：{t.title}" for t in tasks)
        notify_urgent(
            units=[units[unit_id]],
            title=f"{change.get_to_level_display()}应急响应任务（{event.title}）",
            body=titles,
            url=f"/disaster/events/{event.pk}/#tasks",
            subject=change,
            dedupe_key=f"disaster:change:{change.pk}:tasks:{unit_id}",
        )
    return created


def _situation_deadline(event: Event, start: datetime) -> Deadline | None:
    ct = ContentType.objects.get_for_model(Event)
    if Deadline.objects.filter(
        subject_type=ct, subject_id=event.pk, kind=K_SITUATION, status__in=["open"]
    ).exists():
        return None
    rules = deadline_rules(start)
    return deadline_create(
        subject=event,
        kind=K_SITUATION,
        title=f"{event.title}：{KIND_LABELS[K_SITUATION]}",
        responsible_unit=unit(EMERGENCY_BUREAU),
        escalate_to=unit(OFFICE),
        starts_at=start,
        due_at=due.situation_first_due(start, rules.params),
        recurrence={"every_seconds": int(float(rules.params["situation_report_hours"]) * 3600)},
        rule_set=rules,
        basis="5.3.3(3)、5.4.3(3)（每日至少报告一次）",
        url=event.get_absolute_url(),
    )


def _notify_decision(event: Event, change: LevelChange) -> None:
    params = level_rules(rules_date(event)).params
    level = change.to_level or change.from_level or ""
    report_to = params.get("report_to", {}).get(level, [])
    text = (
        f"已终止{level_zh(change.from_level)}应急响应"
        if change.to_level is None
        else f"已{change.get_action_display()}{level_zh(change.to_level)}应急响应"
    )
    counties = [ec.county for ec in event.counties.select_related("county")]
    notify_urgent(
        units=[unit(EMERGENCY_BUREAU), *counties],
        also=role_holders(report_to),
        title=f"{event.title}：{text}（{change.notice_no}）",
        url=change.get_absolute_url(),
        subject=change,
        dedupe_key=f"disaster:change:{change.pk}",
    )


# --- 5.5 adjustments ----------------------------------------------------------------------


def may_adjust(user: Any) -> bool:
    return is_office(user) or (not is_superuser(user) and has_role(user, *ADJUST_ROLES))


@transaction.atomic
def adjustment_set(
    *, event: Event, factor: Decimal | str | None, manual_level: str | None, reason: str, actor: Any
) -> LevelAdjustment:
    """5.5: adjust the start conditions of one event (factor on every threshold, or a manual
    level), with a written reason. Replaces the adjustment in force; re-assesses the event."""
    if not may_adjust(actor):
        raise PermissionDenied("只有市减灾委办公室或市减灾委负责同志可以调整启动条件")
    errors: dict[str, list[str]] = {}
    value: Decimal | None = None
    if factor not in (None, ""):
        try:
            value = Decimal(str(factor))
        except InvalidOperation:
            errors["factor"] = ["系数须为数字，如 0.8"]
        else:
            if (
                not value.is_finite()
                or value <= 0
                or value > Decimal("9.99")
                or value != value.quantize(Decimal("0.01"))
            ):
                errors["factor"] = ["系数须大于 0、不超过 9.99，最多两位小数"]
    if manual_level in ("",):
        manual_level = None
    if manual_level is not None and manual_level not in ("IV", "III", "II", "I"):
        errors["manual_level"] = ["等级无效"]
    if value is None and manual_level is None and "factor" not in errors:
        errors["factor"] = ["请填写调整系数或直接认定的等级"]
    if not reason.strip():
        errors["reason"] = ["请填写调整理由（敏感地区、敏感时间或救助能力薄弱等）"]
    if errors:
        raise RuleViolation(errors=errors)
    event = Event.objects.select_for_update().get(pk=event.pk)
    now = timezone.now()
    LevelAdjustment.objects.filter(event=event, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor, revoke_reason="被新的调整取代"
    )
    adjustment = LevelAdjustment.objects.create(
        event=event, factor=value, manual_level=manual_level, reason=reason.strip(), created_by=actor
    )
    audit_record(actor=actor, action="disaster.adjustment.set", obj=adjustment, after=snapshot(adjustment))
    event_reassess(event=event)
    return adjustment


@transaction.atomic
def adjustment_revoke(*, event: Event, reason: str, actor: Any) -> None:
    if not may_adjust(actor):
        raise PermissionDenied("只有市减灾委办公室或市减灾委负责同志可以调整启动条件")
    if not reason.strip():
        raise RuleViolation(errors={"reason": ["请填写撤销原因"]})
    event = Event.objects.select_for_update().get(pk=event.pk)
    current = LevelAdjustment.objects.select_for_update().filter(event=event, revoked_at__isnull=True).first()
    if current is None:
        raise InvalidTransition("没有生效的调整")
    current.revoked_at, current.revoked_by, current.revoke_reason = (
        timezone.now(),
        actor,
        reason.strip()[:200],
    )
    current.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(actor=actor, action="disaster.adjustment.revoke", obj=current, after={"reason": reason})
    event_reassess(event=event)


# --- tasks --------------------------------------------------------------------------------


def may_complete_task(user: Any, task: ResponseTask) -> bool:
    if is_office(user):
        return True
    member_units = WorkingGroupMember.objects.filter(group=task.group).values_list("unit_id", flat=True)
    return Membership.objects.active().filter(user=user, unit_id__in=member_units).exists()


@transaction.atomic
def task_complete(*, task: ResponseTask, note: str, actor: Any) -> ResponseTask:
    task = ResponseTask.objects.select_for_update().get(pk=task.pk)
    if not may_complete_task(actor, task):
        raise PermissionDenied("只有该工作组成员单位或市减灾委办公室可以办结任务")
    if task.status != ResponseTask.Status.OPEN:
        raise InvalidTransition("任务已完成")
    if not note.strip():
        raise RuleViolation(errors={"note": ["请填写完成情况"]})
    task.status, task.done_at, task.done_by, task.note = (
        ResponseTask.Status.DONE,
        timezone.now(),
        actor,
        note.strip()[:300],
    )
    task.save(update_fields=["status", "done_at", "done_by", "note"])
    audit_record(actor=actor, action="disaster.task.complete", obj=task, after={"note": task.note})
    return task


# --- the city's own reports ---------------------------------------------------------------

CITY_REPORT_MEETS: dict[str, list[tuple[str, str]]] = {
    # kind → [(deadline kind, which)]
    CityReport.Kind.REVIEW: [(K_CITY_REVIEW, "all"), (K_CITY_PROVINCE, "all"), (K_MAJOR_CHANGE, "all")],
    CityReport.Kind.DAILY: [(K_CITY_DAILY, "period"), (K_MAJOR_CHANGE, "all")],
    CityReport.Kind.VERIFIED: [(K_CITY_AGGREGATE, "all")],
    CityReport.Kind.SITUATION: [(K_SITUATION, "period"), (K_MAJOR_CHANGE, "all")],
    CityReport.Kind.MAJOR_CHANGE: [(K_MAJOR_CHANGE, "all"), (K_CITY_PROVINCE, "all")],
}


@transaction.atomic
def city_report_submit(
    *, event: Event, kind: str, text: str, actor: Any, reported_at: datetime | None = None
) -> CityReport:
    """The city emergency bureau reports to the city government and the province. The report
    keeps a snapshot of the aggregate and meets the city's open obligations of that kind."""
    if not is_office(actor):
        raise PermissionDenied("由市应急管理局报送")
    if kind not in CityReport.Kind.values:
        raise RuleViolation(errors={"kind": ["报告类别无效"]})
    if not text.strip():
        raise RuleViolation(errors={"text": ["请填写报告内容"]})
    event = Event.objects.select_for_update().get(pk=event.pk)
    moment = reported_at or timezone.now()
    if timezone.is_naive(moment) or moment > timezone.now():
        raise RuleViolation(errors={"reported_at": ["报告时间不能晚于当前时间"]})
    if kind == CityReport.Kind.VERIFIED:
        if event.status != Event.Status.STABLE:
            raise InvalidTransition("灾情稳定后、各县区核报齐全才能汇总核报")
        missing = set(event.counties.values_list("county__name", flat=True)) - set(
            Report.objects.filter(event=event, kind=Report.Kind.VERIFIED).values_list(
                "county__name", flat=True
            )
        )
        if missing:
            raise InvalidTransition(f"尚有县区未报送核报：{'、'.join(sorted(missing))}")
    from disaster.selectors import aggregate_snapshot

    report = CityReport.objects.create(
        event=event,
        kind=kind,
        text=text.strip(),
        snapshot=aggregate_snapshot(event),
        reported_at=moment,
        submitted_by=actor,
    )
    report_ids = list(Report.objects.filter(event=event).values_list("pk", flat=True))
    report_ct, event_ct = ContentType.objects.get_for_model(Report), ContentType.objects.get_for_model(Event)
    for deadline_kind, which in CITY_REPORT_MEETS[kind]:
        subjects = (
            Deadline.objects.filter(kind=deadline_kind, status__in=["open", "overdue"], met_at__isnull=True)
            .filter(
                Q(subject_type=report_ct, subject_id__in=report_ids)
                | Q(subject_type=event_ct, subject_id=event.pk)
            )
            .values_list("subject_type_id", "subject_id")
            .distinct()
        )
        for type_id, subject_id in subjects:
            subject: Any = Report(pk=subject_id) if type_id == report_ct.pk else event
            deadline_meet(subject=subject, kind=deadline_kind, at=moment, which=which, actor=actor)
    if kind == CityReport.Kind.VERIFIED:
        event.status, event.verified_at = Event.Status.VERIFIED, moment
        event.save(update_fields=["status", "verified_at"])
    audit_record(
        actor=actor,
        action=f"disaster.city_report.{kind}",
        obj=report,
        after={"reported_at": moment, "event": event.pk},
    )
    return report


# --- on-duty roster -----------------------------------------------------------------------


def may_manage_roster(user: Any, unit_obj: OrgUnit) -> bool:
    if has_role(user, CITY_ADMIN):
        return True
    return Membership.objects.active().filter(user=user, unit=unit_obj).exists()


@transaction.atomic
def duty_shift_add(
    *,
    unit_obj: OrgUnit,
    user: User,
    starts_at: datetime,
    ends_at: datetime,
    actor: Any,
    phone: str = "",
    note: str = "",
) -> DutyShift:
    if not may_manage_roster(actor, unit_obj):
        raise PermissionDenied("只能安排本单位值班")
    errors: dict[str, list[str]] = {}
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        errors["starts_at"] = ["时间须带时区"]
    elif ends_at <= starts_at:
        errors["ends_at"] = ["结束时间须晚于开始时间"]
    elif ends_at < timezone.now():
        errors["ends_at"] = ["不能安排已经结束的值班"]
    if not Membership.objects.active().filter(user=user, unit=unit_obj).exists():
        errors["user"] = [f"{user}不是{unit_obj.name}的在岗人员"]
    phone = phone.strip()
    if phone and not (phone.isdigit() and 7 <= len(phone) <= 15):
        errors["phone"] = ["请填写有效的手机号码"]
    if errors:
        raise RuleViolation(errors=errors)
    shift = DutyShift.objects.create(
        unit=unit_obj,
        user=user,
        starts_at=starts_at,
        ends_at=ends_at,
        phone=phone,
        note=note.strip()[:100],
        created_by=actor,
    )
    audit_record(actor=actor, action="disaster.duty.add", obj=shift, after=snapshot(shift))
    return shift


@transaction.atomic
def duty_shift_cancel(*, shift: DutyShift, actor: Any) -> DutyShift:
    shift = DutyShift.objects.select_for_update().get(pk=shift.pk)
    if not may_manage_roster(actor, shift.unit):
        raise PermissionDenied("只能安排本单位值班")
    if shift.cancelled_at:
        raise InvalidTransition("该值班已取消")
    shift.cancelled_at = timezone.now()
    shift.save(update_fields=["cancelled_at"])
    audit_record(
        actor=actor, action="disaster.duty.cancel", obj=shift, after={"cancelled_at": shift.cancelled_at}
    )
    return shift


__all__ = [
    "adjustment_revoke",
    "adjustment_set",
    "city_report_submit",
    "duty_shift_add",
    "duty_shift_cancel",
    "event_reassess",
    "event_totals",
    "on_duty",
    "proposal_create",
    "proposal_decide",
    "proposal_withdraw",
    "task_complete",
]
