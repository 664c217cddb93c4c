"""Applications (§3, 一(三)): one application reviewed tier by tier; the 3-working-day
obligations as deadlines; village publicity with objections; consent; confirmation; temporary
assistance before the tier is confirmed.

State machine (only these functions write `Application.status`):

    received ──review──▶ reviewed ──publicity_start──▶ publicity ──confirm──▶ approved
        │                   │  (outcome match, or higher/other settled)           │
        └──────── refuse / withdraw (any open state) ◀────────────────────────────┘
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from assistance import rules
from assistance.models import AidRecord, Application, Household, Objection, Person, Publicity
from assistance.models.procedure import OPEN_APPLICATION_STATES
from assistance.services.households import household_classify, household_set_tier
from assistance.services.standards import procedure_ruleset
from portal.audit import audit_record
from portal.deadlines import deadline_cancel, deadline_create, deadline_meet
from portal.errors import InvalidTransition, RuleViolation
from portal.workcal import calendar

S = Application.Status
OUT = Application.Outcome

# Deadline kinds (registered in apps.py with their labels).
KIND_OFFER_PUBLICITY = "assistance.offer_publicity"
KIND_SWITCH = "assistance.switch_tier"
KIND_EXIT_TRANSFER = "assistance.exit_transfer"
KIND_PERIODIC_REVIEW = "assistance.periodic_review"


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _lock(application: Application, allowed: tuple[str, ...], action: str) -> Application:
    locked = Application.objects.select_for_update().select_related("household").get(pk=application.pk)
    if locked.status not in allowed:
        raise InvalidTransition(f"申请当前状态为「{locked.get_status_display()}」，不能{action}")
    return locked


def _url(application: Application) -> str:
    return f"/assistance/applications/{application.pk}/"


def _audit(actor: Any, action: str, application: Application, before: str, **extra: Any) -> None:
    audit_record(
        actor=actor,
        action=f"assistance.application.{action}",
        obj=application,
        before={"status": before},
        after={"status": application.status},
        extra=extra or None,
    )


def application_create(
    *,
    household: Household,
    requested_tier: str | None,
    actor: Any,
    applicant: Person | None = None,
    kind: str = Application.Kind.NEW,
    consent_sequential: bool = True,
    note: str = "",
    previous_tier: str | None = None,
    now: datetime | None = None,
) -> Application:
    """Receive an application (受理). One open application per household."""
    now = now or timezone.now()
    if kind == Application.Kind.NEW and requested_tier not in rules.TIERS:
        raise RuleViolation(errors={"requested_tier": ["请选择申请的低收入人口类别"]})
    if applicant is not None and not household.members.filter(person=applicant, active=True).exists():
        raise RuleViolation(errors={"applicant": ["申请人须为本户在户成员"]})
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()
        if Application.objects.filter(household=household, status__in=OPEN_APPLICATION_STATES).exists():
            raise InvalidTransition("该家庭已有正在办理的申请，请在原申请中继续办理")
        application = Application.objects.create(
            household=household,
            county_id=household.county_id,
            township_id=household.township_id,
            applicant=applicant,
            kind=kind,
            requested_tier=requested_tier,
            previous_tier=previous_tier,
            consent_sequential=consent_sequential,
            note=note[:2000],
            received_at=now,
            received_by=_user(actor),
        )
        audit_record(
            actor=actor,
            action="assistance.application.create",
            obj=application,
            after={"status": application.status, "requested_tier": requested_tier, "kind": kind},
        )
    return application


def _outcome(application: Application, found: str | None) -> str:
    if found is None:
        return OUT.NONE
    if application.kind == Application.Kind.TRANSFER:
        # Leaving 低保/特困: the review is for 低保边缘 / 刚性支出 (or other); still fitting a basic
        # tier is "higher" (switch back with consent).
        return OUT.HIGHER if found in rules.BASIC_TIERS else OUT.MATCH
    requested = application.requested_tier
    if found == requested:
        return OUT.MATCH
    if rules.tier_priority(found) < rules.tier_priority(requested):
        return OUT.HIGHER
    return OUT.OTHER


def application_review(*, application: Application, actor: Any, now: datetime | None = None) -> Application:
    """Review the application tier by tier (the classifier, in the order of §2) and record the
    outcome. May run again on a reviewed application after the household's data changed."""
    now = now or timezone.now()
    with transaction.atomic():
        app = _lock(application, (S.RECEIVED, S.REVIEWED), "审核")
        before = app.status
        classification = household_classify(household=app.household, actor=actor, application=app, now=now)
        found = classification.tier
        outcome = _outcome(app, found)
        previous_outcome = app.outcome
        app.classification = classification
        app.found_tier = found
        app.found_single_person = classification.single_person
        app.outcome = outcome
        app.status = S.REVIEWED
        app.reviewed_at, app.reviewed_by = now, _user(actor)
        # A fresh review replaces earlier decisions.
        app.procedure_tier = None
        app.procedure_single_person = None
        app.offer_notified_at = None
        app.consent_other = None
        app.consent_other_at = None
        app.switch_consent = None
        app.switch_decided_at = None
        if previous_outcome is not None:
            deadline_cancel(subject=app, kind=KIND_SWITCH, reason="重新审核", actor=actor)
            deadline_cancel(subject=app, kind=KIND_OFFER_PUBLICITY, reason="重新审核", actor=actor)
        if outcome == OUT.MATCH:
            app.procedure_tier = found
            app.procedure_single_person = classification.single_person
        elif outcome == OUT.HIGHER:
            params = procedure_ruleset(timezone.localdate(now))
            days = int(params.params["switch_working_days"])
            deadline_create(
                subject=app,
                kind=KIND_SWITCH,
                title=f"经申请人同意转换为「{rules.TIER_SHORT[found or '']}」认定程序（户 {app.household.code}）",
                responsible_unit=app.township,
                due_at=calendar().due_after_working_days(now, days),
                starts_at=now,
                rule_set=params,
                basis="驻政办〔2024〕16号 一(三)",
                url=_url(app),
            )
        app.save()
        if app.kind == Application.Kind.TRANSFER:
            deadline_meet(subject=app, kind=KIND_EXIT_TRANSFER, at=now, actor=actor)
        _audit(
            actor, "review", app, before, outcome=outcome, found_tier=found, classification=classification.pk
        )
    return app


def application_offer_other(
    *, application: Application, actor: Any, now: datetime | None = None
) -> Application:
    """The applicant was told the requested tier is refused and about the tier they may fit:
    from now, 3 working days to publicise (with consent) — a deadline for the township."""
    now = now or timezone.now()
    with transaction.atomic():
        app = _lock(application, (S.REVIEWED,), "告知其他类别")
        if app.outcome != OUT.OTHER:
            raise InvalidTransition("只有「不符合所申请类别、可能符合其他类别」的申请需要告知其他类别")
        if app.offer_notified_at is not None:
            raise InvalidTransition("已告知申请人，请记录其是否同意")
        params = procedure_ruleset(timezone.localdate(now))
        days = int(params.params["offer_publicity_working_days"])
        app.offer_notified_at = now
        app.save(update_fields=["offer_notified_at"])
        deadline_create(
            subject=app,
            kind=KIND_OFFER_PUBLICITY,
            title=f"告知后经同意按「{rules.TIER_SHORT[app.found_tier or '']}」在村（社区）公示（户 {app.household.code}）",
            responsible_unit=app.township,
            due_at=calendar().due_after_working_days(now, days),
            starts_at=now,
            rule_set=params,
            basis="驻政办〔2024〕16号 一(三)",
            url=_url(app),
        )
        _audit(actor, "offer_other", app, app.status, found_tier=app.found_tier)
    return app


def application_consent_other(
    *, application: Application, consent: bool, actor: Any, now: datetime | None = None
) -> Application:
    """Record whether the applicant agrees to be confirmed in the other tier. Without consent
    the application ends (the requested tier is refused)."""
    now = now or timezone.now()
    with transaction.atomic():
        app = _lock(application, (S.REVIEWED,), "记录同意")
        if app.outcome != OUT.OTHER or app.offer_notified_at is None:
            raise InvalidTransition("请先告知申请人可能符合的其他类别")
        if app.consent_other is not None:
            raise InvalidTransition("已记录申请人意见")
        before = app.status
        app.consent_other, app.consent_other_at = consent, now
        if consent:
            app.procedure_tier = app.found_tier
            app.procedure_single_person = app.found_single_person
        else:
            app.status = S.REFUSED
            app.decided_at, app.decided_by = now, _user(actor)
            app.decision_note = (
                f"不符合所申请的「{rules.TIER_SHORT.get(app.requested_tier or '', '')}」条件，"
                "申请人不同意按其他类别认定"
            )
            deadline_cancel(subject=app, kind=KIND_OFFER_PUBLICITY, reason="申请人不同意", actor=actor)
        app.save()
        _audit(actor, "consent_other", app, before, consent=consent)
    return app


def application_switch(
    *, application: Application, consent: bool, actor: Any, now: datetime | None = None
) -> Application:
    """The applicant may fit a higher-priority tier: with consent, switch to that tier's
    procedure (meets the 3-working-day deadline). Without consent the application continues in
    the tier applied for (for a transfer: it ends, nothing to transfer into)."""
    now = now or timezone.now()
    with transaction.atomic():
        app = _lock(application, (S.REVIEWED,), "转换认定程序")
        if app.outcome != OUT.HIGHER:
            raise InvalidTransition("该申请没有更优先的类别可转换")
        if app.switch_consent is not None:
            raise InvalidTransition("已记录申请人意见")
        before = app.status
        app.switch_consent, app.switch_decided_at = consent, now
        if consent:
            app.procedure_tier = app.found_tier
            app.procedure_single_person = app.found_single_person
        elif app.kind == Application.Kind.TRANSFER or app.requested_tier is None:
            app.status = S.REFUSED
            app.decided_at, app.decided_by = now, _user(actor)
            app.decision_note = "申请人不同意转换认定程序"
        else:
            app.procedure_tier = app.requested_tier
        app.save()
        deadline_meet(subject=app, kind=KIND_SWITCH, at=now, actor=actor)
        _audit(actor, "switch", app, before, consent=consent, procedure_tier=app.procedure_tier)
    return app


def publicity_start(
    *, application: Application, actor: Any, starts_on: date | None = None, now: datetime | None = None
) -> Publicity:
    """Publicise in the applicant's village or community for the set period (default 7 days)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start = starts_on or today
    if start < today:
        raise RuleViolation(errors={"starts_on": ["公示开始日期不能早于今天"]})
    with transaction.atomic():
        app = _lock(application, (S.REVIEWED,), "开始公示")
        if not app.procedure_tier:
            if app.outcome == OUT.NONE:
                raise InvalidTransition("不符合任何类别，不能公示，请办理不予认定")
            if app.outcome == OUT.OTHER:
                raise InvalidTransition("须先告知申请人其他类别并取得同意")
            raise InvalidTransition("须先记录申请人是否同意转换认定程序")
        params = procedure_ruleset(today)
        days = int(params.params["publicity_days"])
        publicity = Publicity.objects.create(
            application=app,
            village_id=app.household.village_id,
            tier=app.procedure_tier,
            starts_on=start,
            ends_on=start + timedelta(days=days - 1),
            started_at=now,
            started_by=_user(actor),
            ruleset=params,
        )
        before = app.status
        app.status = S.PUBLICITY
        app.save(update_fields=["status"])
        deadline_meet(subject=app, kind=KIND_OFFER_PUBLICITY, at=now, actor=actor)
        _audit(
            actor, "publicity", app, before, starts_on=start, ends_on=publicity.ends_on, tier=publicity.tier
        )
    return publicity


def objection_record(
    *,
    publicity: Publicity,
    content: str,
    actor: Any,
    objector: str = "",
    received_on: date | None = None,
    now: datetime | None = None,
) -> Objection:
    """Record an objection received during the publicity period."""
    now = now or timezone.now()
    day = received_on or timezone.localdate(now)
    if not content.strip():
        raise RuleViolation(errors={"content": ["请填写异议内容"]})
    if not publicity.starts_on <= day <= publicity.ends_on:
        raise RuleViolation(
            errors={
                "received_on": [f"只记录公示期内（{publicity.starts_on} 至 {publicity.ends_on}）收到的异议"]
            }
        )
    if day > timezone.localdate(now):
        raise RuleViolation(errors={"received_on": ["收到日期不能晚于今天"]})
    with transaction.atomic():
        _lock(publicity.application, (S.PUBLICITY,), "记录异议")
        objection = Objection.objects.create(
            publicity=publicity,
            received_on=day,
            objector=objector.strip()[:60],
            content=content.strip(),
            recorded_by=_user(actor),
            recorded_at=now,
        )
        audit_record(
            actor=actor, action="assistance.objection.record", obj=objection, after={"received_on": day}
        )
    return objection


def objection_resolve(
    *, objection: Objection, upheld: bool, resolution: str, actor: Any, now: datetime | None = None
) -> Objection:
    now = now or timezone.now()
    if not resolution.strip():
        raise RuleViolation(errors={"resolution": ["请填写核实结果"]})
    with transaction.atomic():
        locked = Objection.objects.select_for_update().get(pk=objection.pk)
        if locked.status != Objection.Status.OPEN:
            raise InvalidTransition("该异议已处理")
        locked.status = Objection.Status.UPHELD if upheld else Objection.Status.REJECTED
        locked.resolution = resolution.strip()
        locked.resolved_by, locked.resolved_at = _user(actor), now
        locked.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
        audit_record(
            actor=actor, action="assistance.objection.resolve", obj=locked, after={"status": locked.status}
        )
    return locked


def application_confirm(*, application: Application, actor: Any, now: datetime | None = None) -> Application:
    """Confirm after the publicity period with no open or upheld objection: the household's tier
    is set, and for 低保/特困 the first periodic review is scheduled (§5a)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        app = _lock(application, (S.PUBLICITY,), "确认")
        publicity = app.publicity
        if today <= publicity.ends_on:
            raise InvalidTransition(f"公示期至 {publicity.ends_on} 结束，期满后才能确认")
        objections = list(publicity.objections.all())
        if any(o.status == Objection.Status.OPEN for o in objections):
            raise InvalidTransition("有待核实的公示异议，请先核实处理")
        if any(o.status == Objection.Status.UPHELD for o in objections):
            raise InvalidTransition("公示异议成立，不能确认，请办理不予认定")
        before = app.status
        app.status = S.APPROVED
        app.decided_at, app.decided_by = now, _user(actor)
        app.decision_note = f"认定为{rules.TIER_LABELS[publicity.tier]}"
        app.save()
        household = household_set_tier(
            household=app.household,
            tier=publicity.tier,
            single_person=app.procedure_single_person if publicity.tier == rules.DIBAO else None,
            actor=actor,
            reason=f"申请 #{app.pk} 公示期满无异议，认定为{rules.TIER_SHORT[publicity.tier]}",
            source="application",
            now=now,
            application=app,
        )
        if publicity.tier in rules.BASIC_TIERS:
            from assistance.services.monitoring import periodic_review_schedule

            periodic_review_schedule(household=household, after=today)
        _audit(actor, "confirm", app, before, tier=publicity.tier)
    return app


def application_refuse(
    *, application: Application, reason: str, actor: Any, now: datetime | None = None
) -> Application:
    now = now or timezone.now()
    if not reason.strip():
        raise RuleViolation(errors={"reason": ["请填写不予认定的理由"]})
    with transaction.atomic():
        app = _lock(application, OPEN_APPLICATION_STATES, "不予认定")
        before = app.status
        app.status = S.REFUSED
        app.decided_at, app.decided_by = now, _user(actor)
        app.decision_note = reason.strip()[:300]
        app.save()
        deadline_cancel(subject=app, reason="不予认定", actor=actor)
        _audit(actor, "refuse", app, before, reason=reason)
    return app


def application_withdraw(
    *, application: Application, reason: str, actor: Any, now: datetime | None = None
) -> Application:
    now = now or timezone.now()
    if not reason.strip():
        raise RuleViolation(errors={"reason": ["请填写撤回原因"]})
    with transaction.atomic():
        app = _lock(application, OPEN_APPLICATION_STATES, "撤回")
        before = app.status
        app.status = S.WITHDRAWN
        app.decided_at, app.decided_by = now, _user(actor)
        app.decision_note = reason.strip()[:300]
        app.save()
        deadline_cancel(subject=app, reason="申请人撤回", actor=actor)
        _audit(actor, "withdraw", app, before, reason=reason)
    return app


def temporary_aid_grant(
    *,
    application: Application,
    amount: Decimal,
    note: str,
    actor: Any,
    granted_on: date | None = None,
    now: datetime | None = None,
) -> AidRecord:
    """临时救助 given first, before the tier is confirmed (一(三)): a ledger entry on the
    household linked to the open application, paid by the county."""
    from assistance.services.ledger import aid_record

    now = now or timezone.now()
    with transaction.atomic():
        app = _lock(application, OPEN_APPLICATION_STATES, "先行给予临时救助")
        record = aid_record(
            household=app.household,
            aid_type="temporary",
            amount=amount,
            department=app.household.county,
            granted_on=granted_on or timezone.localdate(now),
            actor=actor,
            application=app,
            note=note or f"申请 #{app.pk} 认定前先行临时救助",
            now=now,
        )
    return record
