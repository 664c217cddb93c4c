"""After-disaster aid pages: the programmes list, a programme's page (assessment, fund plan,
beneficiaries from the ledger, reconstruction steps, payments, evaluations, needs submission),
the winter-spring overview with its yearly deadlines, the relief home page, the programme XLSX."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from disaster import relief_selectors as sel
from disaster.models import (
    AidAssessment,
    AidBeneficiary,
    AidKind,
    AidPayment,
    AidPlan,
    AidProgramme,
    FundAccount,
    LedgerHousehold,
    LedgerPerson,
    ReplenishObligation,
)
from disaster.policies import AidBeneficiaryPolicy, AidProgrammePolicy, ObligationPolicy, is_city_viewer
from disaster.relief_forms import AssessmentForm, EvaluationForm, PlanForm, ProgrammeForm
from disaster.rules.ledger import mask_id
from disaster.services import relief_aid as aid
from disaster.services.common import is_office
from disaster.services.relief_common import K_WS_NEEDS, K_WS_SURVEY, is_county_officer, is_finance
from disaster.views.relief_common import events_open_for, int_or_none, require_relief_user, show_error
from portal.errors import DomainError, RuleViolation
from portal.exports import xlsx_response
from portal.models import Deadline, OrgUnit

# --- home -------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    require_relief_user(request)
    user = request.user
    from portal.deadlines import deadlines_for_user

    relief_kinds = [K_WS_SURVEY, K_WS_NEEDS, "disaster.supply_receipt", "disaster.supply_replenish"]
    return render(
        request,
        "disaster/relief/home.html",
        {
            "tab": "home",
            "balances": sel.fund_balances(user),
            "occupancy": sel.occupancy(user),
            "stock": sel.stock_table(user),
            "programmes": list(sel.programmes_for(user).exclude(status=AidProgramme.Status.CLOSED)[:20]),
            "obligations": list(
                ObligationPolicy().scope(user).filter(status=ReplenishObligation.Status.OPEN)[:10]
            ),
            "deadlines": list(deadlines_for_user(user).filter(kind__in=relief_kinds)[:20]),
            "city": is_city_viewer(user),
        },
    )


# --- programmes ---------------------------------------------------------------------------------


@login_required
def programmes_page(request: HttpRequest) -> HttpResponse:
    require_relief_user(request)
    user = request.user
    counties = OrgUnit.objects.filter(
        pk__in=[c.pk for c in sel.counties_for(user) if is_county_officer(user, c) or is_office(user)]
    ).order_by("sort", "pk")
    form = ProgrammeForm(request.POST or None, counties=counties, events=events_open_for(user))
    failed = False
    if request.method == "POST":
        if not counties.exists():
            raise PermissionDenied("您没有开展灾后救助的权限")
        if form.is_valid():
            d = form.cleaned_data
            try:
                programme = aid.programme_open(
                    kind=d["kind"], county=d["county"], event=d["event"], year=d["year"], actor=user
                )
                messages.success(request, f"已开展：{programme}")
                return redirect(programme.get_absolute_url())
            except DomainError as exc:
                show_error(request, exc, form)
        failed = True
    qs = sel.programmes_for(user).select_related("county", "event")
    kind = request.GET.get("kind", "")
    if kind in AidKind.values:
        qs = qs.filter(kind=kind)
    county = int_or_none(request.GET.get("county"))
    if county:
        qs = qs.filter(county_id=county)
    return render(
        request,
        "disaster/relief/programmes.html",
        {
            "tab": "aid",
            "programmes": list(qs[:200]),
            "kinds": AidKind.choices,
            "kind": kind,
            "counties": sel.counties_for(user),
            "county": county,
            "form": form,
            "may_open": counties.exists(),
        },
        status=400 if failed else 200,
    )


def _ledger_row(
    raw: str, programme: AidProgramme, user: Any
) -> tuple[LedgerPerson | None, LedgerHousehold | None]:
    kind, _, pk = (raw or "").partition("-")
    if not pk.isdigit():
        raise RuleViolation(errors={"ledger": ["请选择台账记录"]})
    if kind == "p":
        person = LedgerPerson.objects.filter(pk=int(pk), county=programme.county).first()
        if person is None:
            raise RuleViolation(errors={"ledger": ["台账记录不存在"]})
        return person, None
    household = LedgerHousehold.objects.filter(pk=int(pk), county=programme.county).first()
    if household is None:
        raise RuleViolation(errors={"ledger": ["台账记录不存在"]})
    return None, household


@login_required
def programme_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    programme = AidProgrammePolicy().get(user, pk=pk)
    action = request.POST.get("action", "")
    assess_form = AssessmentForm(request.POST if action == "assess" else None)
    plan_form = PlanForm(request.POST if action == "plan" else None, kind=programme.kind)
    eval_form = EvaluationForm(request.POST if action == "evaluate" else None)
    county_officer = is_county_officer(user, programme.county)
    failed = False
    if request.method == "POST":
        try:
            b = None
            if action.startswith("b_"):
                b = AidBeneficiaryPolicy().get(
                    user, pk=int_or_none(request.POST.get("beneficiary")) or 0, programme=programme
                )
            if action == "assess":
                if assess_form.is_valid():
                    data = {k: v for k, v in assess_form.cleaned_data.items() if v not in (None, "")}
                    aid.assessment_record(programme=programme, data=data, actor=user)
                    messages.success(request, "已录入需求评估")
            elif action == "plan":
                if plan_form.is_valid():
                    aid.plan_record(programme=programme, data=plan_form.cleaned_data, actor=user)
                    messages.success(request, "已确定资金补助方案")
            elif action == "add":
                person, household = _ledger_row(request.POST.get("ledger", ""), programme, user)
                aid.beneficiary_add(programme=programme, person=person, household=household, actor=user)
                messages.success(request, "已核定为救助对象")
            elif action == "add_all":
                n = aid.beneficiaries_add_all(programme=programme, actor=user)
                messages.success(request, f"已核定 {n} 条")
            elif action == "b_assess":
                aid.beneficiary_assess(
                    beneficiary=b,
                    damage=request.POST.get("damage", ""),
                    mode=request.POST.get("mode", ""),
                    note=request.POST.get("note", ""),
                    actor=user,
                )
                messages.success(request, "已评估")
            elif action == "b_apply":
                aid.beneficiary_apply(beneficiary=b, amount=request.POST.get("amount", ""), actor=user)
                messages.success(request, "已受理补助申请")
            elif action == "b_approve":
                aid.beneficiary_approve(beneficiary=b, amount=request.POST.get("amount", ""), actor=user)
                messages.success(request, "已审批补助")
            elif action == "b_pay":
                account = None
                if request.POST.get("account"):
                    account = FundAccount.objects.filter(
                        pk=int_or_none(request.POST.get("account")) or 0
                    ).first()
                payment = aid.payment_make(
                    beneficiary=b,
                    amount=request.POST.get("amount", ""),
                    account=account,
                    method=request.POST.get("method") or "bank",
                    reference=request.POST.get("reference", ""),
                    actor=user,
                )
                messages.success(request, f"已发放 {payment.amount} 元")
            elif action == "b_void":
                aid.beneficiary_void(beneficiary=b, reason=request.POST.get("reason", ""), actor=user)
                messages.success(request, "已移出名单")
            elif action == "pay_all":
                account = None
                if request.POST.get("account"):
                    account = FundAccount.objects.filter(
                        pk=int_or_none(request.POST.get("account")) or 0
                    ).first()
                paid = aid.payments_pay_all(programme=programme, account=account, actor=user)
                messages.success(request, f"已发放 {len(paid)} 笔")
            elif action == "survey":
                aid.survey_start(programme=programme, actor=user)
                messages.success(request, "已开始调查")
            elif action == "submit":
                aid.needs_submit(programme=programme, actor=user)
                messages.success(request, "已上报需救助情况")
            elif action == "close":
                aid.programme_close(programme=programme, note=request.POST.get("note", ""), actor=user)
                messages.success(request, "救助工作已结束")
            elif action == "evaluate":
                if eval_form.is_valid():
                    aid.evaluation_record(programme=programme, actor=user, **eval_form.cleaned_data)
                    messages.success(request, "已录入绩效评价")
            else:
                raise PermissionDenied("未知操作")
            bound = {"assess": assess_form, "plan": plan_form, "evaluate": eval_form}.get(action)
            if bound is None or not bound.errors:
                return redirect(programme.get_absolute_url())
        except DomainError as exc:
            show_error(
                request, exc, {"assess": assess_form, "plan": plan_form, "evaluate": eval_form}.get(action)
            )
        failed = True
    programme.refresh_from_db()
    summary = sel.programme_summary(programme)
    beneficiaries = sel.beneficiaries_of(user, programme)
    persons, households = aid.eligible_rows(programme)
    eligible = [
        (f"p-{p.pk}", p.name, mask_id(p.id_number), p.get_category_display(), 1) for p in persons[:300]
    ] + [
        (f"h-{h.pk}", h.head_name, mask_id(h.id_number), h.get_damage_display(), h.members)
        for h in households[:300]
    ]
    ct = ContentType.objects.get_for_model(AidProgramme)
    payments = list(
        AidPayment.objects.filter(programme=programme)
        .select_related("ledger_person", "ledger_household")
        .order_by("-pk")[:200]
    )
    for p in payments:
        p.who = p.ledger_person.name if p.ledger_person else p.ledger_household.head_name  # type: ignore[union-attr,attr-defined]
    return render(
        request,
        "disaster/relief/programme.html",
        {
            "tab": "winter" if programme.kind == AidKind.WINTER_SPRING else "aid",
            "p": programme,
            "summary": summary,
            "assessments": list(programme.assessments.select_related("by").order_by("-pk")),
            "plans": list(programme.plans.select_related("by").order_by("-version")),
            "beneficiaries": beneficiaries,
            "eligible": eligible,
            "payments": payments,
            "evaluations": list(programme.evaluations.select_related("by").order_by("-pk")),
            "deadlines": list(
                Deadline.objects.filter(subject_type=ct, subject_id=programme.pk).order_by("due_at")
            ),
            "assess_form": assess_form,
            "plan_form": plan_form,
            "eval_form": eval_form,
            "county_officer": county_officer,
            "may_assess": county_officer or is_office(user),
            "may_plan": is_office(user) or is_finance(user),
            "may_evaluate": county_officer or is_office(user),
            "is_open": programme.status != AidProgramme.Status.CLOSED,
            "reconstruction": programme.kind == AidKind.RECONSTRUCTION,
            "winter": programme.kind == AidKind.WINTER_SPRING,
            "damage_choices": [("collapsed", "倒塌"), ("severe", "严重损坏"), ("general", "一般损坏")],
            "mode_choices": AidBeneficiary.Mode.choices,
            "method_choices": AidPayment.Method.choices,
            "post": request.POST,
        },
        status=400 if failed else 200,
    )


@login_required
def winter_page(request: HttpRequest) -> HttpResponse:
    require_relief_user(request)
    year = int_or_none(request.GET.get("year")) or timezone.localdate().year
    rows = sel.winter_overview(request.user, year)
    from disaster.rules import relief as rr
    from disaster.services.relief_common import winter_rules

    params = winter_rules().params
    dates = rr.winter_spring_dates(year, params)
    return render(
        request,
        "disaster/relief/winter.html",
        {
            "tab": "winter",
            "year": year,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
            "rows": rows,
            "dates": dates,
            "survey_by": timezone.localtime(dates.survey_due).date() - timedelta(days=1),
            "needs_by": timezone.localtime(dates.needs_due).date() - timedelta(days=1),
            "params": params,
        },
    )


@login_required
def programme_export(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    programme = AidProgrammePolicy().get(user, pk=pk)
    rows = sel.beneficiaries_of(user, programme, limit=1_000_000)
    stages = dict(AidBeneficiary.Stage.choices)
    sheets = [
        (
            "救助对象",
            [
                "编号",
                "姓名/户主",
                "身份证号",
                "乡镇（街道）",
                "人数",
                "进度",
                "评估受损等级",
                "申请（元）",
                "审批（元）",
                "应发（元）",
                "已发（元）",
                "台账人员",
                "台账住户",
                "移出原因",
            ],
            (
                [
                    b.pk,
                    b.name,
                    b.masked,
                    b.township_name,
                    b.persons,
                    stages.get(b.stage, b.stage),  # type: ignore[attr-defined]
                    b.get_assessed_damage_display(),
                    b.applied_amount,
                    b.approved_amount,
                    b.entitled,
                    b.paid,  # type: ignore[attr-defined]
                    b.ledger_person_id,
                    b.ledger_household_id,
                    b.void_reason,
                ]
                for b in rows
            ),
        ),
        (
            "发放记录",
            [
                "编号",
                "救助对象",
                "台账人员",
                "台账住户",
                "资金账户",
                "方案版本",
                "应发（元）",
                "发放（元）",
                "日期",
                "方式",
                "凭证号",
            ],
            (
                [
                    p.pk,
                    p.beneficiary_id,
                    p.ledger_person_id,
                    p.ledger_household_id,
                    p.account_id,
                    p.plan.version if p.plan else "",
                    p.entitled,
                    p.amount,
                    p.paid_on,
                    p.get_method_display(),
                    p.reference,
                ]
                for p in AidPayment.objects.filter(programme=programme).select_related("plan").order_by("pk")
            ),
        ),
        (
            "需求评估",
            [
                "时间",
                "需救助人数",
                "户数",
                "倒塌户",
                "严重损坏户",
                "一般损坏户",
                "救助期限（月）",
                "资金需求（元）",
                "说明",
                "评估人",
            ],
            (
                [
                    a.at,
                    a.persons,
                    a.households,
                    a.collapsed_households,
                    a.severe_households,
                    a.general_households,
                    a.months,
                    a.amount_needed,
                    a.note,
                    str(a.by),
                ]
                for a in AidAssessment.objects.filter(programme=programme).select_related("by").order_by("pk")
            ),
        ),
        (
            "资金补助方案",
            [
                "版本",
                "每人每月（元）",
                "月数",
                "倒塌每户（元）",
                "严重损坏每户（元）",
                "一般损坏每户（元）",
                "每人（元）",
                "总额（元）",
                "依据",
                "确定人",
                "时间",
            ],
            (
                [
                    x.version,
                    x.per_person_month,
                    x.months,
                    x.collapsed_amount,
                    x.severe_amount,
                    x.general_amount,
                    x.per_person,
                    x.budget,
                    x.basis,
                    str(x.by),
                    x.at,
                ]
                for x in AidPlan.objects.filter(programme=programme).select_related("by").order_by("version")
            ),
        ),
        (
            "绩效评价",
            ["阶段", "层级", "等次", "得分", "抽查户数", "结论", "评价人", "时间"],
            (
                [
                    e.get_stage_display(),
                    e.get_level_display(),
                    e.get_rating_display(),
                    e.score,
                    e.sampled,
                    e.findings,
                    str(e.by),
                    e.at,
                ]
                for e in programme.evaluations.select_related("by").order_by("pk")
            ),
        ),
    ]
    return xlsx_response(f"灾后救助-{programme.pk}.xlsx", sheets, note=f"{programme}；身份证号已隐去中间位")


@login_required
def ledger_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The relief ledger (救助台账, 4.3.3) of an event as XLSX — the counties the user may see,
    ID numbers masked (unmasking stays on the ledger page, audited)."""
    from disaster.policies import EventPolicy, LedgerHouseholdPolicy, LedgerPersonPolicy

    user = request.user
    event = EventPolicy().get(user, pk=pk)
    persons = (
        LedgerPersonPolicy()
        .scope(user)
        .filter(event=event)
        .select_related("county", "township")
        .order_by("county__sort", "category", "pk")
    )
    households = (
        LedgerHouseholdPolicy()
        .scope(user)
        .filter(event=event)
        .select_related("county", "township")
        .order_by("county__sort", "pk")
    )
    sheets = [
        (
            "人员",
            [
                "编号",
                "县区",
                "乡镇（街道）",
                "村（社区）",
                "类别",
                "姓名",
                "性别",
                "年龄",
                "身份证号",
                "备注",
                "作废原因",
            ],
            (
                [
                    p.pk,
                    p.county.name,
                    p.township.name,
                    p.village,
                    p.get_category_display(),
                    p.name,
                    p.get_gender_display(),
                    p.age,
                    mask_id(p.id_number),
                    p.note,
                    p.void_reason,
                ]
                for p in persons.iterator()
            ),
        ),
        (
            "住房户",
            [
                "编号",
                "县区",
                "乡镇（街道）",
                "村（社区）",
                "户主姓名",
                "身份证号",
                "家庭人口",
                "住址",
                "房屋受损",
                "受损间数",
                "需政府救助",
                "备注",
                "作废原因",
            ],
            (
                [
                    h.pk,
                    h.county.name,
                    h.township.name,
                    h.village,
                    h.head_name,
                    mask_id(h.id_number),
                    h.members,
                    h.address,
                    h.get_damage_display(),
                    h.rooms,
                    h.needs_aid,
                    h.note,
                    h.void_reason,
                ]
                for h in households.iterator()
            ),
        ),
    ]
    return xlsx_response(
        f"救助台账-{event.pk}.xlsx", sheets, note=f"{event.title} 救助台账（4.3.3）；身份证号已隐去中间位"
    )
