"""After-disaster aid (6.1 transitional living aid, 6.2 housing reconstruction, 6.3 winter-spring
relief): programmes, needs assessments, fund plans, beneficiaries from the verified-report ledger,
payments from a county fund lot, performance evaluations — and the yearly winter-spring
deadlines on the shared engine.

Who: the county office keeps its beneficiary list, the reconstruction steps, payments and its own
evaluation, and submits its needs; the city office (市应急管理局) records city assessments and
city evaluations; the fund plan is set by the office or the finance bureau (6.1.2 市财政局、应急
管理局…确定资金补助方案).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from disaster.models import (
    AidAssessment,
    AidBeneficiary,
    AidEvaluation,
    AidKind,
    AidPayment,
    AidPlan,
    AidProgramme,
    Event,
    EventCounty,
    FundAccount,
    LedgerHousehold,
    LedgerPerson,
    LevelChange,
    Report,
)
from disaster.rules import relief as rr
from disaster.services.common import is_office
from disaster.services.relief_common import (
    K_WS_NEEDS,
    K_WS_SURVEY,
    RELIEF_KIND_LABELS,
    aid_rules,
    is_county_officer,
    is_finance,
    may_act_locally,
    office_unit,
    optional_amount,
    positive_int,
    require_county,
    text,
    winter_rules,
)
from disaster.services.relief_common import amount as parse_amount
from disaster.services.relief_funds import lock_county_account, payment_draw
from portal.access import COUNTY_OFFICER
from portal.audit import audit_record, snapshot
from portal.deadlines import deadline_cancel, deadline_create, deadline_meet
from portal.errors import InvalidTransition, RuleViolation
from portal.models import OrgUnit
from portal.notifications import notify, unit_recipients

PS = AidProgramme.Status
ST = AidBeneficiary.Stage


# --- programmes ---------------------------------------------------------------------------


def _require_open(programme: AidProgramme) -> None:
    if programme.status == PS.CLOSED:
        raise InvalidTransition("该项救助工作已结束")


def _lock(programme: AidProgramme) -> AidProgramme:
    return AidProgramme.objects.select_for_update().get(pk=programme.pk)


@transaction.atomic
def programme_open(
    *,
    kind: str,
    county: OrgUnit,
    actor: Any,
    event: Event | None = None,
    year: int | None = None,
    today: date | None = None,
) -> AidProgramme:
    """Open transitional aid or reconstruction for an event's county (after its verified report:
    the ledger is the base), or a county's winter-spring relief for a year (with its deadlines).
    `actor=None` is the yearly job."""
    require_county(county)
    if kind not in AidKind.values:
        raise RuleViolation(errors={"kind": ["请选择救助类型"]})
    if actor is not None and not may_act_locally(actor, county):
        raise PermissionDenied("只能为本县区开展灾后救助")
    day = today or timezone.localdate()
    if kind == AidKind.WINTER_SPRING:
        if year is None or not 2000 <= int(year) <= day.year + 1:
            raise RuleViolation(errors={"year": ["请填写年度"]})
        event = None
    else:
        if event is None:
            raise RuleViolation(errors={"event": ["请选择灾害过程"]})
        if not EventCounty.objects.filter(event=event, county=county).exists():
            raise RuleViolation(errors={"event": [f"{county.name}不在该灾害过程的受灾县区中"]})
        if not Report.objects.filter(event=event, county=county, kind=Report.Kind.VERIFIED).exists():
            raise InvalidTransition("灾情核定（报送核报）后，依据救助台账开展灾后救助")
        params = aid_rules(day).params
        if params.get("require_city_response") and not LevelChange.objects.filter(event=event).exists():
            raise InvalidTransition("该灾害过程未启动市级响应（规则要求启动市级响应后开展）")
        year = None
    rules = winter_rules(day) if kind == AidKind.WINTER_SPRING else aid_rules(day)
    try:
        with transaction.atomic():
            programme = AidProgramme.objects.create(
                kind=kind, county=county, event=event, year=year, rule_set=rules, opened_by=actor
            )
    except IntegrityError:
        raise InvalidTransition(f"{county.name}已开展该项灾后救助") from None
    if kind == AidKind.WINTER_SPRING:
        _winter_deadlines(programme, rules.params, day)
    audit_record(actor=actor, action="disaster.relief.aid.open", obj=programme, after=snapshot(programme))
    return programme


def _winter_deadlines(programme: AidProgramme, params: dict[str, Any], today: date) -> None:
    assert programme.year is not None
    dates = rr.winter_spring_dates(programme.year, params, opened_on=today)
    county = programme.county
    url = programme.get_absolute_url()
    for kind, due, basis in (
        (K_WS_SURVEY, dates.survey_due, "6.3.1"),
        (K_WS_NEEDS, dates.needs_due, "6.3.2"),
    ):
        deadline_create(
            subject=programme,
            kind=kind,
            title=f"{county.name}：{programme.year}年度{RELIEF_KIND_LABELS[kind]}",
            responsible_unit=county,
            escalate_to=office_unit(),
            starts_at=dates.survey_start,
            due_at=due,
            rule_set=programme.rule_set,
            basis=basis,
            url=url,
        )
    notify(
        unit_recipients(county, [COUNTY_OFFICER]),
        title=f"{programme.year}年度冬春救助：请开始调查需救助人员（6.3.1）",
        body=f"{timezone.localtime(dates.needs_due):%m月%d日 %H:%M} 前通过系统上报需救助情况（6.3.2）。",
        url=url,
        subject=programme,
        dedupe_key=f"relief-ws-open:{programme.pk}",
    )


def winter_counties(year: int, params: dict[str, Any]) -> list[OrgUnit]:
    """The counties that run winter-spring relief this year: those with a disaster event begun
    this year ("灾区"), or all (rule-set parameter)."""
    counties = OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY, active=True)
    if params.get("open_for") != "all":
        start = rr.start_of(date(year, 1, 1))
        end = rr.start_of(date(year + 1, 1, 1))
        affected = EventCounty.objects.filter(event__started_at__gte=start, event__started_at__lt=end).values(
            "county_id"
        )
        counties = counties.filter(pk__in=affected)
    return list(counties.order_by("sort", "pk"))


def winter_spring_open_year(*, today: date | None = None) -> list[AidProgramme]:
    """The yearly job: from the survey start (1 September), open this year's winter-spring relief
    for each county that needs it, with its deadlines. Idempotent; later runs pick up counties
    hit by a disaster after the start (they get at least `late_days`)."""
    day = today or timezone.localdate()
    rules = winter_rules(day)
    if not rr.winter_spring_open(day, rules.params):
        return []
    existing = set(
        AidProgramme.objects.filter(kind=AidKind.WINTER_SPRING, year=day.year).values_list(
            "county_id", flat=True
        )
    )
    created = []
    for county in winter_counties(day.year, rules.params):
        if county.pk in existing:
            continue
        try:
            created.append(
                programme_open(
                    kind=AidKind.WINTER_SPRING, county=county, actor=None, year=day.year, today=day
                )
            )
        except InvalidTransition:
            continue  # opened meanwhile
    return created


@transaction.atomic
def survey_start(*, programme: AidProgramme, actor: Any, at: datetime | None = None) -> AidProgramme:
    """The county has started its survey (6.3.1); recording an assessment also counts."""
    if not is_county_officer(actor, programme.county):
        raise PermissionDenied("由县区开始调查")
    locked = _lock(programme)
    _require_open(locked)
    if locked.survey_started_at:
        raise InvalidTransition("已开始调查")
    _mark_survey(locked, actor, at or timezone.now())
    return locked


def _mark_survey(programme: AidProgramme, actor: Any, when: datetime) -> None:
    programme.survey_started_at, programme.survey_started_by = when, actor
    programme.save(update_fields=["survey_started_at", "survey_started_by"])
    deadline_meet(subject=programme, kind=K_WS_SURVEY, at=when, actor=actor, which="all")
    audit_record(actor=actor, action="disaster.relief.aid.survey_start", obj=programme, after={"at": when})


def _count(data: dict[str, Any], name: str, label: str) -> int:
    raw = data.get(name)
    if raw in (None, ""):
        return 0
    return positive_int(raw, name, label, minimum=0, maximum=10_000_000)


@transaction.atomic
def assessment_record(*, programme: AidProgramme, data: dict[str, Any], actor: Any) -> AidAssessment:
    """A needs assessment or survey result (6.1.1 / 6.2.1 / 6.3.1). Insert-only: the latest counts."""
    if not may_act_locally(actor, programme.county):
        raise PermissionDenied("由县区或市应急管理局评估")
    locked = _lock(programme)
    _require_open(locked)
    months = data.get("months")
    assessment = AidAssessment.objects.create(
        programme=locked,
        persons=_count(data, "persons", "需救助人数"),
        households=_count(data, "households", "需救助户数"),
        collapsed_households=_count(data, "collapsed_households", "倒塌户数"),
        severe_households=_count(data, "severe_households", "严重损坏户数"),
        general_households=_count(data, "general_households", "一般损坏户数"),
        months=positive_int(months, "months", "救助期限（月）", maximum=24)
        if months not in (None, "")
        else None,
        amount_needed=parse_amount(data.get("amount_needed") or "0", "amount_needed", allow_zero=True),
        note=str(data.get("note") or "").strip()[:4000],
        by=actor,
    )
    if (
        locked.kind == AidKind.WINTER_SPRING
        and not locked.survey_started_at
        and is_county_officer(actor, locked.county)
    ):
        _mark_survey(locked, actor, timezone.now())
    audit_record(actor=actor, action="disaster.relief.aid.assess", obj=locked, after=snapshot(assessment))
    return assessment


@transaction.atomic
def plan_record(*, programme: AidProgramme, data: dict[str, Any], actor: Any) -> AidPlan:
    """The fund plan (资金补助方案): the standards payments follow. A new version supersedes the
    previous one for later payments and approvals."""
    if not (is_office(actor) or is_finance(actor)):
        raise PermissionDenied("资金补助方案由市应急管理局、市财政局确定")
    locked = _lock(programme)
    _require_open(locked)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def grab(name: str, fn: Any) -> None:
        try:
            values[name] = fn()
        except RuleViolation as exc:
            for k, v in exc.errors.items():
                errors.setdefault(k, []).extend(v)

    kind = locked.kind
    for name in ("per_person_month", "collapsed_amount", "severe_amount", "general_amount", "per_person"):
        grab(name, lambda n=name: optional_amount(data.get(n), n))
    grab("budget", lambda: parse_amount(data.get("budget"), "budget", allow_zero=True))
    grab("basis", lambda: text(data.get("basis"), "basis", "方案依据（文号或会议）"))
    months_raw = data.get("months")
    grab(
        "months",
        lambda: (
            positive_int(months_raw, "months", "救助月数", maximum=24)
            if months_raw not in (None, "")
            else None
        ),
    )
    if not errors:
        if kind == AidKind.TRANSITIONAL and (values["per_person_month"] is None or values["months"] is None):
            errors["per_person_month"] = ["过渡期生活救助须定每人每月标准和救助月数"]
        if kind == AidKind.RECONSTRUCTION and not any(
            values[n] is not None for n in ("collapsed_amount", "severe_amount", "general_amount")
        ):
            errors["collapsed_amount"] = ["倒损住房恢复重建须至少定一类受损住房的每户补助标准"]
        if kind == AidKind.WINTER_SPRING and values["per_person"] is None:
            errors["per_person"] = ["冬春救助须定每人补助标准"]
    if errors:
        raise RuleViolation(errors=errors)
    version = (AidPlan.objects.filter(programme=locked).aggregate(v=Max("version"))["v"] or 0) + 1
    relevant = {
        AidKind.TRANSITIONAL: ("per_person_month", "months"),
        AidKind.RECONSTRUCTION: ("collapsed_amount", "severe_amount", "general_amount"),
        AidKind.WINTER_SPRING: ("per_person",),
    }[AidKind(kind)]
    plan = AidPlan.objects.create(
        programme=locked,
        version=version,
        budget=values["budget"],
        basis=values["basis"],
        by=actor,
        **{n: values[n] for n in relevant},
    )
    audit_record(actor=actor, action="disaster.relief.aid.plan", obj=locked, after=snapshot(plan))
    return plan


def current_plan(programme: AidProgramme) -> AidPlan | None:
    return AidPlan.objects.filter(programme=programme).order_by("-version").first()


@transaction.atomic
def needs_submit(*, programme: AidProgramme, actor: Any, at: datetime | None = None) -> AidProgramme:
    """The county reports its needs to the level above through the system (6.3.2; for 6.1/6.2 the
    county's funding application). Needs an assessment first."""
    if not is_county_officer(actor, programme.county):
        raise PermissionDenied("由县区上报需救助情况")
    locked = _lock(programme)
    if locked.status != PS.OPEN:
        raise InvalidTransition("需救助情况已上报" if locked.status == PS.SUBMITTED else "该项救助工作已结束")
    if not AidAssessment.objects.filter(programme=locked).exists():
        raise RuleViolation(errors={"non_field_errors": ["请先录入需求评估（调查统计）结果再上报"]})
    when = at or timezone.now()
    if not locked.survey_started_at and locked.kind == AidKind.WINTER_SPRING:
        _mark_survey(locked, actor, when)
    locked.status = PS.SUBMITTED
    locked.needs_submitted_at, locked.needs_submitted_by = when, actor
    locked.save(update_fields=["status", "needs_submitted_at", "needs_submitted_by"])
    deadline_meet(subject=locked, kind=K_WS_NEEDS, at=when, actor=actor, which="all")
    audit_record(
        actor=actor,
        action="disaster.relief.aid.submit",
        obj=locked,
        before={"status": PS.OPEN},
        after={"status": PS.SUBMITTED},
    )
    notify(
        unit_recipients(office_unit()),
        title=f"{locked}：需救助情况已上报",
        url=locked.get_absolute_url(),
        subject=locked,
        dedupe_key=f"relief-aid-submitted:{locked.pk}",
    )
    return locked


@transaction.atomic
def programme_close(*, programme: AidProgramme, note: str, actor: Any) -> AidProgramme:
    """The work has ended (the final evaluation follows, 6.1.3 / 6.2.4)."""
    if not may_act_locally(actor, programme.county):
        raise PermissionDenied("由县区或市应急管理局确认工作结束")
    locked = _lock(programme)
    _require_open(locked)
    if locked.kind == AidKind.WINTER_SPRING and locked.status != PS.SUBMITTED:
        raise InvalidTransition("冬春救助须先上报需救助情况")
    before = locked.status
    locked.status = PS.CLOSED
    locked.closed_at, locked.closed_by, locked.close_note = timezone.now(), actor, (note or "").strip()[:200]
    locked.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
    deadline_cancel(subject=locked, reason="救助工作结束", actor=actor)
    audit_record(
        actor=actor,
        action="disaster.relief.aid.close",
        obj=locked,
        before={"status": before},
        after={"status": PS.CLOSED},
    )
    return locked


# --- beneficiaries --------------------------------------------------------------------------


def _eligible_persons(programme: AidProgramme, params: dict[str, Any]) -> Any:
    if programme.kind != AidKind.TRANSITIONAL:
        return LedgerPerson.objects.none()
    return LedgerPerson.objects.filter(
        event=programme.event,
        county_id=programme.county_id,
        voided_at__isnull=True,
        category__in=params.get("transitional_categories", []),
    )


def _eligible_households(programme: AidProgramme, params: dict[str, Any]) -> Any:
    qs = LedgerHousehold.objects.filter(county_id=programme.county_id, voided_at__isnull=True)
    if programme.kind == AidKind.RECONSTRUCTION:
        return qs.filter(event=programme.event, damage__in=params.get("reconstruction_damage", []))
    if programme.kind == AidKind.WINTER_SPRING:
        assert programme.year is not None
        rule = params.get("winter_spring_households", {})
        q = Q(damage__in=rule.get("damage", []))
        if rule.get("needs_aid"):
            q |= Q(needs_aid=True)
        start, end = rr.start_of(date(programme.year, 1, 1)), rr.start_of(date(programme.year + 1, 1, 1))
        return qs.filter(q, event__started_at__gte=start, event__started_at__lt=end)
    return LedgerHousehold.objects.none()


def eligible_rows(programme: AidProgramme) -> tuple[Any, Any]:
    """Ledger persons and households this programme may take (not yet listed)."""
    params = aid_rules().params
    listed = AidBeneficiary.objects.filter(programme=programme, voided_at__isnull=True)
    persons = _eligible_persons(programme, params).exclude(
        pk__in=listed.filter(ledger_person__isnull=False).values("ledger_person_id")
    )
    households = _eligible_households(programme, params).exclude(
        pk__in=listed.filter(ledger_household__isnull=False).values("ledger_household_id")
    )
    return persons, households


@transaction.atomic
def beneficiary_add(
    *,
    programme: AidProgramme,
    actor: Any,
    person: LedgerPerson | None = None,
    household: LedgerHousehold | None = None,
) -> AidBeneficiary:
    """Verify a ledger person/household for this programme (人员核定)."""
    if not is_county_officer(actor, programme.county):
        raise PermissionDenied("救助对象由县区核定")
    locked = _lock(programme)
    _require_open(locked)
    params = aid_rules().params
    if (person is None) == (household is None):
        raise RuleViolation(errors={"ledger": ["请选择一条台账记录"]})
    if person is not None:
        if not _eligible_persons(locked, params).filter(pk=person.pk).exists():
            raise RuleViolation(
                errors={"ledger": ["该人员不在本项救助可核定的台账范围内（类别、县区、灾害过程或已作废）"]}
            )
        persons = 1
    else:
        assert household is not None
        if not _eligible_households(locked, params).filter(pk=household.pk).exists():
            raise RuleViolation(
                errors={"ledger": ["该户不在本项救助可核定的台账范围内（受损等级、县区、年度或已作废）"]}
            )
        persons = household.members
    try:
        with transaction.atomic():
            b = AidBeneficiary.objects.create(
                programme=locked,
                county_id=locked.county_id,
                ledger_person=person,
                ledger_household=household,
                persons=persons,
                created_by=actor,
            )
    except IntegrityError:
        raise RuleViolation(errors={"ledger": ["已在救助对象名单中"]}) from None
    audit_record(actor=actor, action="disaster.relief.aid.beneficiary_add", obj=b, after=snapshot(b))
    return b


@transaction.atomic
def beneficiaries_add_all(*, programme: AidProgramme, actor: Any) -> int:
    """Verify every eligible ledger row not yet listed (set-based)."""
    if not is_county_officer(actor, programme.county):
        raise PermissionDenied("救助对象由县区核定")
    locked = _lock(programme)
    _require_open(locked)
    persons, households = eligible_rows(locked)
    rows = [
        AidBeneficiary(
            programme=locked, county_id=locked.county_id, ledger_person_id=pk, persons=1, created_by=actor
        )
        for pk in persons.values_list("pk", flat=True)
    ] + [
        AidBeneficiary(
            programme=locked, county_id=locked.county_id, ledger_household_id=pk, persons=m, created_by=actor
        )
        for pk, m in households.values_list("pk", "members")
    ]
    AidBeneficiary.objects.bulk_create(rows, batch_size=2000)
    audit_record(
        actor=actor, action="disaster.relief.aid.beneficiary_add_all", obj=locked, extra={"count": len(rows)}
    )
    return len(rows)


def _with_relations(rows: list[AidBeneficiary]) -> list[AidBeneficiary]:
    """Attach programme, ledger rows and approved plan to locked rows (FOR UPDATE cannot join
    nullable relations on PostgreSQL)."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(rows, "programme", "ledger_person", "ledger_household", "approved_plan")
    return rows


def _lock_b(b: AidBeneficiary) -> AidBeneficiary:
    return AidBeneficiary.objects.select_for_update(of=("self",)).select_related("programme").get(pk=b.pk)


@transaction.atomic
def beneficiary_void(*, beneficiary: AidBeneficiary, reason: str, actor: Any) -> AidBeneficiary:
    if not is_county_officer(actor, beneficiary.county):
        raise PermissionDenied("救助对象由县区核定")
    why = text(reason, "reason", "移出原因")
    b = _lock_b(beneficiary)
    if b.voided_at:
        raise InvalidTransition("已移出名单")
    if b.paid > 0:
        raise InvalidTransition("已有发放记录，不能移出名单")
    b.voided_at, b.voided_by, b.void_reason = timezone.now(), actor, why
    b.save(update_fields=["voided_at", "voided_by", "void_reason"])
    audit_record(actor=actor, action="disaster.relief.aid.beneficiary_void", obj=b, after={"reason": why})
    return b


def _reconstruction_only(b: AidBeneficiary) -> None:
    if b.programme.kind != AidKind.RECONSTRUCTION:
        raise InvalidTransition("只有倒损住房恢复重建需要评估、申请和审批补助")
    if b.voided_at:
        raise InvalidTransition("已移出名单")
    _require_open(b.programme)


def plan_standards(plan: AidPlan) -> dict[str, Decimal | None]:
    return {"collapsed": plan.collapsed_amount, "severe": plan.severe_amount, "general": plan.general_amount}


@transaction.atomic
def beneficiary_assess(
    *, beneficiary: AidBeneficiary, damage: str, mode: str, note: str, actor: Any
) -> AidBeneficiary:
    """6.2.1: the assessed damage of the household's house (may differ from the ledger's)."""
    if not is_county_officer(actor, beneficiary.county):
        raise PermissionDenied("由县区组织评估")
    b = _lock_b(beneficiary)
    _reconstruction_only(b)
    if b.stage not in (ST.LISTED, ST.ASSESSED):
        raise InvalidTransition("已申请补助，不能再改评估结果")
    errors: dict[str, list[str]] = {}
    if damage not in ("collapsed", "severe", "general"):
        errors["damage"] = ["请选择评估受损等级（倒塌、严重损坏、一般损坏）"]
    if mode not in AidBeneficiary.Mode.values:
        errors["mode"] = ["请选择重建或维修加固"]
    if errors:
        raise RuleViolation(errors=errors)
    before = {"stage": b.stage, "damage": b.assessed_damage, "mode": b.mode}
    b.stage, b.assessed_damage, b.mode = ST.ASSESSED, damage, mode
    b.assessment_note, b.assessed_at, b.assessed_by = (note or "").strip()[:200], timezone.now(), actor
    b.save(
        update_fields=["stage", "assessed_damage", "mode", "assessment_note", "assessed_at", "assessed_by"]
    )
    audit_record(
        actor=actor,
        action="disaster.relief.aid.house_assess",
        obj=b,
        before=before,
        after={"damage": damage, "mode": mode},
    )
    return b


@transaction.atomic
def beneficiary_apply(*, beneficiary: AidBeneficiary, amount: Any, actor: Any) -> AidBeneficiary:
    """The household's subsidy application (补助申请), within the plan's standard for its
    assessed damage."""
    if not is_county_officer(actor, beneficiary.county):
        raise PermissionDenied("由县区受理补助申请")
    b = _lock_b(beneficiary)
    _reconstruction_only(b)
    if b.stage != ST.ASSESSED:
        raise InvalidTransition("请先完成评估" if b.stage == ST.LISTED else "补助已申请")
    value = parse_amount(amount)
    plan = current_plan(b.programme)
    if plan is None:
        raise InvalidTransition("尚未确定资金补助方案")
    standard = rr.reconstruction_standard(plan_standards(plan), b.assessed_damage).amount
    check = rr.check_application(standard=standard, applied=value)
    if not check.ok:
        raise RuleViolation(errors={"amount": [check.message]})
    b.stage, b.applied_amount, b.applied_at, b.applied_by = ST.APPLIED, value, timezone.now(), actor
    b.save(update_fields=["stage", "applied_amount", "applied_at", "applied_by"])
    audit_record(
        actor=actor, action="disaster.relief.aid.apply", obj=b, after={"amount": value, "plan": plan.pk}
    )
    return b


@transaction.atomic
def beneficiary_approve(*, beneficiary: AidBeneficiary, amount: Any, actor: Any) -> AidBeneficiary:
    """The county approves the subsidy (县级政府负责组织实施, 6.2): at most what was applied for
    and the plan's standard in force now."""
    if not is_county_officer(actor, beneficiary.county):
        raise PermissionDenied("由县区审批补助")
    b = _lock_b(beneficiary)
    _reconstruction_only(b)
    if b.stage != ST.APPLIED:
        raise InvalidTransition("请先受理补助申请" if b.stage != ST.APPROVED else "补助已审批")
    value = parse_amount(amount)
    plan = current_plan(b.programme)
    assert plan is not None  # an application needed one
    assert b.applied_amount is not None
    if value > b.applied_amount:
        raise RuleViolation(
            errors={"amount": [f"审批金额不能超过申请金额 {rr.fmt_money(b.applied_amount)} 元"]}
        )
    standard = rr.reconstruction_standard(plan_standards(plan), b.assessed_damage).amount
    check = rr.check_application(standard=standard, applied=value)
    if not check.ok:
        raise RuleViolation(errors={"amount": [check.message.replace("申请", "审批", 1)]})
    b.stage, b.approved_amount, b.approved_plan = ST.APPROVED, value, plan
    b.approved_at, b.approved_by = timezone.now(), actor
    b.save(update_fields=["stage", "approved_amount", "approved_plan", "approved_at", "approved_by"])
    audit_record(
        actor=actor, action="disaster.relief.aid.approve", obj=b, after={"amount": value, "plan": plan.pk}
    )
    return b


# --- entitlements and payments ---------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    plan: AidPlan | None
    entitlement: rr.Entitlement


def entitlement_of(b: AidBeneficiary, plan: AidPlan | None) -> rr.Entitlement:
    kind = b.programme.kind
    if kind == AidKind.RECONSTRUCTION:
        if b.approved_amount is None:
            return rr.Entitlement(None, ["补助尚未审批"])
        return rr.Entitlement(b.approved_amount, [f"审批补助 {rr.fmt_money(b.approved_amount)} 元"])
    if plan is None:
        return rr.Entitlement(None, ["尚未确定资金补助方案"])
    if kind == AidKind.TRANSITIONAL:
        return rr.transitional_entitlement(plan.per_person_month, plan.months)
    return rr.winter_entitlement(plan.per_person, b.persons)


def due_of(b: AidBeneficiary) -> Due:
    plan = b.approved_plan if b.programme.kind == AidKind.RECONSTRUCTION else current_plan(b.programme)
    return Due(plan, entitlement_of(b, plan))


def _fund_lot(programme: AidProgramme, account: FundAccount | None, need: Decimal) -> FundAccount:
    """The county lot to pay from (locked): the one given, or the oldest with enough balance."""
    lots = FundAccount.objects.filter(
        level=FundAccount.Level.COUNTY, county_id=programme.county_id, purpose=programme.purpose
    )
    if account is not None:
        if not lots.filter(pk=account.pk).exists():
            raise RuleViolation(errors={"account": ["请选择下达到本县区、用途相符的资金"]})
        return lock_county_account(account)
    chosen = lots.filter(balance__gte=need).order_by("pk").values_list("pk", flat=True).first()
    if chosen is None:
        raise RuleViolation(
            errors={
                "account": [
                    f"本县区没有余额足够的{programme.get_kind_display()}资金（需 {rr.fmt_money(need)} 元）"
                ]
            }
        )
    return FundAccount.objects.select_for_update().get(pk=chosen)


def _ledger_live(b: AidBeneficiary) -> None:
    row = b.ledger_person or b.ledger_household
    if row is not None and row.voided_at:
        raise RuleViolation(errors={"beneficiary": ["该台账记录已作废，不能发放"]})


@transaction.atomic
def payment_make(
    *,
    beneficiary: AidBeneficiary,
    amount: Any,
    actor: Any,
    paid_on: date | None = None,
    account: FundAccount | None = None,
    method: str = AidPayment.Method.BANK,
    reference: str = "",
) -> AidPayment:
    """Pay a beneficiary from a county lot of the programme's purpose: up to the entitlement,
    never beyond the lot's balance. Locks the lot, then the beneficiary."""
    if not is_county_officer(actor, beneficiary.county):
        raise PermissionDenied("由县区发放")
    value = parse_amount(amount)
    day = paid_on or timezone.localdate()
    if day > timezone.localdate():
        raise RuleViolation(errors={"paid_on": ["发放日期不能晚于今天"]})
    if method not in AidPayment.Method.values:
        raise RuleViolation(errors={"method": ["请选择发放方式"]})
    b = _lock_b(beneficiary)  # lock order everywhere: beneficiaries, then the fund lot
    programme = b.programme
    _require_open(programme)
    lot = _fund_lot(programme, account, value)
    if b.voided_at:
        raise InvalidTransition("已移出名单")
    _ledger_live(b)
    due = due_of(b)
    check = rr.check_payment(entitled=due.entitlement.amount, paid=b.paid, amount=value)
    if not check.ok:
        raise RuleViolation(errors={"amount": [check.message]})
    draw = rr.fund_draw(balance=lot.balance, reserved=Decimal("0"), amount=value, what="该笔县级资金")
    if not draw.ok:
        raise RuleViolation(errors={"account": [draw.message]})
    assert due.entitlement.amount is not None
    payment = AidPayment.objects.create(
        programme=programme,
        beneficiary=b,
        county_id=b.county_id,
        ledger_person_id=b.ledger_person_id,
        ledger_household_id=b.ledger_household_id,
        account=lot,
        plan=due.plan,
        entitled=due.entitlement.amount,
        amount=value,
        paid_on=day,
        method=method,
        reference=(reference or "").strip()[:60],
        by=actor,
    )
    payment_draw(lot, value, payment, actor)
    b.paid = b.paid + value
    b.save(update_fields=["paid"])
    audit_record(actor=actor, action="disaster.relief.aid.pay", obj=payment, after=snapshot(payment))
    return payment


@transaction.atomic
def payments_pay_all(
    *,
    programme: AidProgramme,
    actor: Any,
    paid_on: date | None = None,
    account: FundAccount | None = None,
    method: str = AidPayment.Method.BANK,
) -> list[AidPayment]:
    """Pay every listed beneficiary what is still due to them, from one lot (refused as a whole
    when the lot cannot cover it all)."""
    if not is_county_officer(actor, programme.county):
        raise PermissionDenied("由县区发放")
    programme = _lock(programme)
    _require_open(programme)
    rows = list(
        AidBeneficiary.objects.select_for_update()
        .filter(programme=programme, voided_at__isnull=True)
        .order_by("pk")
    )
    rows = _with_relations(rows)
    plan = current_plan(programme)
    todo: list[tuple[AidBeneficiary, Decimal, AidPlan | None, Decimal]] = []
    for b in rows:
        row = b.ledger_person or b.ledger_household
        if row is not None and row.voided_at:
            continue
        use_plan = b.approved_plan if programme.kind == AidKind.RECONSTRUCTION else plan
        ent = entitlement_of(b, use_plan).amount
        if ent is not None and ent > b.paid:
            todo.append((b, ent - b.paid, use_plan, ent))
    if not todo:
        raise InvalidTransition("没有待发放的救助对象")
    total = sum((x[1] for x in todo), Decimal("0.00"))
    lot = _fund_lot(programme, account, total)
    draw = rr.fund_draw(balance=lot.balance, reserved=Decimal("0"), amount=total, what="该笔县级资金")
    if not draw.ok:
        raise RuleViolation(errors={"account": [draw.message]})
    day = paid_on or timezone.localdate()
    payments = []
    for current, remaining, use_plan, ent in todo:
        payment = AidPayment.objects.create(
            programme=programme,
            beneficiary=current,
            county_id=current.county_id,
            ledger_person_id=current.ledger_person_id,
            ledger_household_id=current.ledger_household_id,
            account=lot,
            plan=use_plan,
            entitled=ent,
            amount=remaining,
            paid_on=day,
            method=method,
            by=actor,
        )
        payment_draw(lot, remaining, payment, actor)
        current.paid = current.paid + remaining
        current.save(update_fields=["paid"])
        payments.append(payment)
    audit_record(
        actor=actor,
        action="disaster.relief.aid.pay_all",
        obj=programme,
        extra={"count": len(payments), "total": total, "account": lot.pk},
    )
    return payments


# --- evaluations ----------------------------------------------------------------------------


@transaction.atomic
def evaluation_record(
    *,
    programme: AidProgramme,
    stage: str,
    level: str,
    rating: str,
    findings: str,
    actor: Any,
    score: Any = None,
    sampled: Any = None,
) -> AidEvaluation:
    """A performance evaluation: the county's own (reported to the level above) or the city's
    (field spot checks, 6.2.4); winter-spring has a mid-term and a final one (6.3.4); the final
    one follows the end of the work (6.1.3, 6.2.4)."""
    if level == AidEvaluation.Level.CITY:
        if not is_office(actor):
            raise PermissionDenied("市级评价由市应急管理局组织")
    elif level == AidEvaluation.Level.COUNTY:
        if not is_county_officer(actor, programme.county):
            raise PermissionDenied("县级自评由本县区填报")
    else:
        raise RuleViolation(errors={"level": ["请选择评价层级"]})
    errors: dict[str, list[str]] = {}
    if stage not in AidEvaluation.Stage.values:
        errors["stage"] = ["请选择评价阶段"]
    if rating not in AidEvaluation.Rating.values:
        errors["rating"] = ["请选择评价等次"]
    if errors:
        raise RuleViolation(errors=errors)
    locked = _lock(programme)
    if stage == AidEvaluation.Stage.MID:
        if locked.kind != AidKind.WINTER_SPRING:
            raise RuleViolation(errors={"stage": ["中期评估只适用于冬春救助（6.3.4）"]})
        _require_open(locked)
    elif locked.status != PS.CLOSED:
        raise InvalidTransition("终期绩效评价在救助工作结束后开展")
    score_value = None
    if score not in (None, ""):
        try:
            score_value = Decimal(str(score)).quantize(Decimal("0.01"))
        except ArithmeticError:
            score_value = Decimal("-1")
        if not Decimal("0") <= score_value <= Decimal("100"):
            raise RuleViolation(errors={"score": ["得分须为 0–100"]})
    evaluation = AidEvaluation.objects.create(
        programme=locked,
        stage=stage,
        level=level,
        rating=rating,
        score=score_value,
        sampled=positive_int(sampled, "sampled", "抽查户数", minimum=0)
        if sampled not in (None, "")
        else None,
        findings=text(findings, "findings", "评价结论与问题", max_length=4000),
        by=actor,
    )
    audit_record(actor=actor, action="disaster.relief.aid.evaluate", obj=locked, after=snapshot(evaluation))
    return evaluation
