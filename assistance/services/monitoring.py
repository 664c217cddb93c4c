"""Dynamic monitoring (§4 二): warnings with levels and home-visit deadlines, visit records,
referral to the department of the need, escalation to the county coordination mechanism,
periodic review (§5a), and ending assistance only after verification."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from assistance import rules
from assistance.models import (
    Application,
    Escalation,
    Household,
    Referral,
    RescreenChange,
    Visit,
    Warning,
)
from assistance.rulekeys import NEEDS
from assistance.services.applications import (
    KIND_EXIT_TRANSFER,
    KIND_PERIODIC_REVIEW,
    application_create,
)
from assistance.services.households import active_members, household_set_tier, member_facts
from assistance.services.standards import monitoring_ruleset, procedure_ruleset
from portal.access import CITY_STAFF, COUNTY_OFFICER, UNIT_CLERK
from portal.audit import audit_record
from portal.deadlines import deadline_cancel, deadline_create, deadline_meet
from portal.errors import InvalidTransition, RuleViolation
from portal.models import Deadline, OrgUnit
from portal.notifications import notify, unit_recipients
from portal.workcal import calendar

KIND_WARNING_VISIT = "assistance.warning_visit"
W = Warning.Status


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def warning_raise(
    *,
    household: Household,
    level: str,
    source: str,
    description: str,
    actor: Any,
    need: str = "basic_living",
    now: datetime | None = None,
) -> Warning:
    """Raise a warning; the township must visit within the level's time limit (a deadline)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if level not in rules.WARNING_LEVELS:
        errors["level"] = ["请选择预警级别（红、橙、黄）"]
    if source not in Warning.Source.values:
        errors["source"] = ["请选择预警来源"]
    if need not in NEEDS:
        errors["need"] = ["请选择困难类型"]
    if not description.strip():
        errors["description"] = ["请填写预警内容"]
    if errors:
        raise RuleViolation(errors=errors)
    ruleset = monitoring_ruleset(timezone.localdate(now))
    due, days, working = rules.visit_due(
        now, level, ruleset.params, add_working_days=calendar().add_working_days
    )
    with transaction.atomic():
        warning = Warning.objects.create(
            household=household,
            county_id=household.county_id,
            township_id=household.township_id,
            level=level,
            source=source,
            need=need,
            description=description.strip(),
            visit_due_at=due,
            ruleset=ruleset,
            raised_at=now,
            raised_by=_user(actor),
        )
        unit = "个工作日" if working else "天"
        deadline_create(
            subject=warning,
            kind=KIND_WARNING_VISIT,
            title=f"{rules.WARNING_LEVEL_LABELS[level]}预警入户核查（户 {household.code}，{days} {unit}内）",
            responsible_unit=household.township,
            due_at=due,
            starts_at=now,
            rule_set=ruleset,
            basis="驻政办〔2024〕16号 二(二)",
            url=f"/assistance/warnings/{warning.pk}/",
            urgent=level == "red",
        )
        audit_record(
            actor=actor,
            action="assistance.warning.raise",
            obj=warning,
            after={"level": level, "source": source, "need": need, "visit_due_at": due},
        )
    return warning


def visit_record(
    *,
    household: Household,
    kind: str,
    findings: str,
    conclusion: str,
    actor: Any,
    visited_on: date | None = None,
    informed_policies: bool = False,
    warning: Warning | None = None,
    start_application: bool = False,
    requested_tier: str | None = None,
    now: datetime | None = None,
) -> Visit:
    """Record a visit. It meets the warning's home-visit deadline or the periodic review; it
    may start an application (the visit "can start an application", §4)."""
    now = now or timezone.now()
    day = visited_on or timezone.localdate(now)
    errors: dict[str, list[str]] = {}
    if kind not in Visit.Kind.values:
        errors["kind"] = ["请选择核查类型"]
    if conclusion not in Visit.Conclusion.values:
        errors["conclusion"] = ["请选择核查结论"]
    if not findings.strip():
        errors["findings"] = ["请填写核查情况"]
    if day > timezone.localdate(now):
        errors["visited_on"] = ["核查日期不能晚于今天"]
    if warning is not None and warning.household_id != household.pk:
        errors["warning"] = ["预警与家庭不一致"]
    if start_application and requested_tier not in rules.TIERS:
        errors["requested_tier"] = ["协助申请时请选择申请类别"]
    if errors:
        raise RuleViolation(errors=errors)
    with transaction.atomic():
        application = None
        if start_application:
            application = application_create(
                household=household,
                requested_tier=requested_tier,
                actor=actor,
                kind=Application.Kind.VISIT,
                note=f"入户核查发现：{findings.strip()[:500]}",
                now=now,
            )
        visit = Visit.objects.create(
            household=household,
            warning=warning,
            kind=kind,
            visited_on=day,
            findings=findings.strip(),
            informed_policies=informed_policies,
            conclusion=conclusion,
            application=application,
            recorded_by=_user(actor),
            recorded_at=now,
        )
        visited_at = (
            timezone.make_aware(datetime.combine(day, datetime.min.time()))
            if day < timezone.localdate(now)
            else now
        )
        if warning is not None:
            locked = Warning.objects.select_for_update().get(pk=warning.pk)
            if locked.status == W.OPEN:
                locked.status = W.VISITED
                locked.visited_at = visited_at
                locked.save(update_fields=["status", "visited_at"])
                deadline_meet(subject=locked, kind=KIND_WARNING_VISIT, at=visited_at, actor=actor)
        if kind == Visit.Kind.REVIEW:
            closed = deadline_meet(subject=household, kind=KIND_PERIODIC_REVIEW, at=visited_at, actor=actor)
            if household.tier in rules.BASIC_TIERS and (closed or not _open_review(household)):
                periodic_review_schedule(household=household, after=day)
        audit_record(
            actor=actor,
            action="assistance.visit.record",
            obj=visit,
            after={"kind": kind, "conclusion": conclusion, "warning": warning.pk if warning else None},
        )
    return visit


def _open_review(household: Household) -> bool:
    from portal.deadlines import open_deadlines

    return open_deadlines(household, KIND_PERIODIC_REVIEW).exists()


def periodic_review_schedule(*, household: Household, after: date) -> Deadline:
    """The next periodic review of a 低保/特困 household (§5a), as a township deadline."""
    params = procedure_ruleset(after)
    members = active_members(household)
    months, why = rules.review_interval_months([member_facts(m, after) for m in members], params.params)
    due_day = rules.add_months(after, months)
    return deadline_create(
        subject=household,
        kind=KIND_PERIODIC_REVIEW,
        title=f"定期复核（户 {household.code}，{rules.TIER_SHORT.get(household.tier or '', '')}，每 {months} 个月）",
        responsible_unit=household.township,
        due_at=rules.end_of_day(due_day),
        starts_at=timezone.now(),
        rule_set=params,
        basis=f"assistance.md §5a：{why}",
        url=f"/assistance/households/{household.pk}/",
    )


def warning_refer(
    *, warning: Warning, department: OrgUnit, note: str, actor: Any, now: datetime | None = None
) -> Referral:
    """Push the warning to the department responsible for the need; its staff are notified."""
    now = now or timezone.now()
    if department.kind != OrgUnit.Kind.DEPARTMENT:
        raise RuleViolation(errors={"department": ["请选择市直部门"]})
    with transaction.atomic():
        locked = Warning.objects.select_for_update().get(pk=warning.pk)
        if locked.status == W.CLOSED:
            raise InvalidTransition("预警已办结，不能再推送")
        if Referral.objects.filter(warning=locked, department=department).exists():
            raise InvalidTransition(f"已推送至{department.name}")
        referral = Referral.objects.create(
            warning=locked,
            department=department,
            note=note.strip(),
            referred_by=_user(actor),
            referred_at=now,
        )
        users = unit_recipients(department, roles=[CITY_STAFF, UNIT_CLERK])
        notify(
            users,
            title=f"低收入人口预警推送：{NEEDS.get(locked.need, '')}需求（{locked.household.village.name}）",
            body=note.strip()[:500],
            url=f"/assistance/referrals/{referral.pk}/",
            subject=referral,
            level="warning",
            dedupe_key=f"assistance:referral:{referral.pk}",
        )
        audit_record(
            actor=actor, action="assistance.warning.refer", obj=referral, after={"department": department.pk}
        )
    return referral


def referral_respond(
    *, referral: Referral, response: str, actor: Any, now: datetime | None = None
) -> Referral:
    """The department reports what it did (its aid is recorded in the ledger and flows back)."""
    now = now or timezone.now()
    if not response.strip():
        raise RuleViolation(errors={"response": ["请填写处理情况"]})
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.status != Referral.Status.SENT:
            raise InvalidTransition("该推送已反馈")
        locked.status = Referral.Status.HANDLED
        locked.response = response.strip()
        locked.responded_by, locked.responded_at = _user(actor), now
        locked.save(update_fields=["status", "response", "responded_by", "responded_at"])
        audit_record(
            actor=actor, action="assistance.referral.respond", obj=locked, after={"status": locked.status}
        )
    return locked


def warning_escalate(*, warning: Warning, reason: str, actor: Any, now: datetime | None = None) -> Escalation:
    """Raise a complex case to the county coordination mechanism (一事一议)."""
    now = now or timezone.now()
    if not reason.strip():
        raise RuleViolation(errors={"reason": ["请填写提请县级协调机制研究的事由"]})
    with transaction.atomic():
        locked = Warning.objects.select_for_update().get(pk=warning.pk)
        if locked.status == W.CLOSED:
            raise InvalidTransition("预警已办结，不能提请")
        if Escalation.objects.filter(warning=locked).exists():
            raise InvalidTransition("已提请县级协调机制")
        escalation = Escalation.objects.create(
            warning=locked,
            county_id=locked.county_id,
            reason=reason.strip(),
            escalated_by=_user(actor),
            escalated_at=now,
        )
        notify(
            unit_recipients(locked.county, roles=[COUNTY_OFFICER]),
            title=f"提请县级困难群众基本生活保障协调机制「一事一议」（户 {locked.household.code}）",
            body=reason.strip()[:500],
            url=f"/assistance/warnings/{locked.pk}/",
            subject=escalation,
            level="warning",
            dedupe_key=f"assistance:escalation:{escalation.pk}",
        )
        audit_record(
            actor=actor, action="assistance.warning.escalate", obj=escalation, after={"reason": reason}
        )
    return escalation


def escalation_decide(
    *, escalation: Escalation, decision: str, actor: Any, now: datetime | None = None
) -> Escalation:
    now = now or timezone.now()
    if not decision.strip():
        raise RuleViolation(errors={"decision": ["请填写研究意见"]})
    with transaction.atomic():
        locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if locked.status != Escalation.Status.OPEN:
            raise InvalidTransition("已记录研究意见")
        locked.status = Escalation.Status.DECIDED
        locked.decision = decision.strip()
        locked.decided_by, locked.decided_at = _user(actor), now
        locked.save(update_fields=["status", "decision", "decided_by", "decided_at"])
        audit_record(
            actor=actor, action="assistance.escalation.decide", obj=locked, after={"decision": decision}
        )
    return locked


def warning_close(*, warning: Warning, conclusion: str, actor: Any, now: datetime | None = None) -> Warning:
    """Close a warning — only after the home visit (nothing is closed unseen)."""
    now = now or timezone.now()
    if not conclusion.strip():
        raise RuleViolation(errors={"conclusion": ["请填写办结说明"]})
    with transaction.atomic():
        locked = Warning.objects.select_for_update().get(pk=warning.pk)
        if locked.status != W.VISITED:
            raise InvalidTransition(
                "须先入户核查并记录，才能办结预警" if locked.status == W.OPEN else "预警已办结"
            )
        escalation = Escalation.objects.filter(warning=locked, status=Escalation.Status.OPEN).first()
        if escalation is not None:
            raise InvalidTransition("已提请县级协调机制的预警，须待研究意见后办结")
        locked.status = W.CLOSED
        locked.conclusion = conclusion.strip()
        locked.closed_at, locked.closed_by = now, _user(actor)
        locked.save(update_fields=["status", "conclusion", "closed_at", "closed_by"])
        RescreenChange.objects.filter(warning=locked, status=RescreenChange.Status.VERIFYING).update(
            status=RescreenChange.Status.DISMISSED, note="核实后办结：" + conclusion.strip()[:200]
        )
        audit_record(
            actor=actor, action="assistance.warning.close", obj=locked, after={"conclusion": conclusion}
        )
    return locked


def assistance_end(
    *,
    household: Household,
    verification: Visit,
    reason: str,
    consent_transfer: bool,
    actor: Any,
    now: datetime | None = None,
) -> Application | None:
    """End a household's assistance by law (§4): only with a recent verification visit that
    found it no longer qualifies. Leaving 低保/特困 with consent opens the review for 低保边缘 /
    刚性支出 with a 3-working-day deadline (一(三)). Returns that transfer application."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not reason.strip():
        raise RuleViolation(errors={"reason": ["请填写终止救助的依据"]})
    params = procedure_ruleset(today)
    valid_days = int(params.params.get("verification_valid_days", 90))
    if verification.household_id != household.pk or verification.conclusion != Visit.Conclusion.NOT_QUALIFIES:
        raise RuleViolation(errors={"verification": ["须有核实「不再符合」的入户核查记录"]})
    if verification.visited_on < today - timedelta(days=valid_days):
        raise RuleViolation(errors={"verification": [f"核查记录已超过 {valid_days} 天，请重新入户核实"]})
    with transaction.atomic():
        locked = Household.objects.select_for_update().get(pk=household.pk)
        previous = locked.tier
        if previous is None:
            raise InvalidTransition("该家庭当前没有认定类别")
        household_set_tier(
            household=locked,
            tier=None,
            single_person=None,
            actor=actor,
            reason=f"经核实（核查记录 #{verification.pk}）终止{rules.TIER_SHORT[previous]}：{reason.strip()}",
            source="exit",
            now=now,
        )
        deadline_cancel(subject=locked, kind=KIND_PERIODIC_REVIEW, reason="已退出", actor=actor)
        transfer = None
        if previous in rules.BASIC_TIERS and consent_transfer:
            transfer = application_create(
                household=locked,
                requested_tier=None,
                actor=actor,
                kind=Application.Kind.TRANSFER,
                previous_tier=previous,
                note=f"退出{rules.TIER_SHORT[previous]}，经同意转入低保边缘、刚性支出困难等认定程序",
                now=now,
            )
            days = int(params.params["exit_transfer_working_days"])
            deadline_create(
                subject=transfer,
                kind=KIND_EXIT_TRANSFER,
                title=f"退出{rules.TIER_SHORT[previous]}后转入低保边缘/刚性支出认定（户 {locked.code}）",
                responsible_unit=locked.township,
                due_at=calendar().due_after_working_days(now, days),
                starts_at=now,
                rule_set=params,
                basis="驻政办〔2024〕16号 一(三)",
                url=f"/assistance/applications/{transfer.pk}/",
            )
        RescreenChange.objects.filter(household=locked, status__in=["pending", "verifying"]).update(
            status=RescreenChange.Status.DISMISSED, note="已依法终止救助", reviewed_at=now
        )
        audit_record(
            actor=actor,
            action="assistance.household.end",
            obj=locked,
            before={"tier": previous},
            after={
                "tier": None,
                "verification": verification.pk,
                "transfer": transfer.pk if transfer else None,
            },
            extra={"reason": reason, "consent_transfer": consent_transfer},
        )
    return transfer
