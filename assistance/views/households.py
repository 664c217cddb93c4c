"""Household pages: search, create, edit, the household page, and the actions started from it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assistance import rules, selectors
from assistance.forms import (
    AidForm,
    ApplicationForm,
    EndForm,
    HouseholdForm,
    MemberFormSet,
    VisitForm,
    WarningForm,
    attach_errors,
)
from assistance.models import Household, Member, Visit
from assistance.policies import (
    LOCAL_ROLES,
    HouseholdPolicy,
    department_ids,
    is_city_wide,
    may_unmask,
    may_use_assistance,
)
from assistance.services import applications as app_svc
from assistance.services import households as hh_svc
from assistance.services import ledger as ledger_svc
from assistance.services import monitoring as mon_svc
from assistance.services.rescreen import rescreen_request
from assistance.views.common import flash_error, village_choices
from portal.access import has_role
from portal.errors import DomainError, RuleViolation
from portal.models import OrgUnit

POLICY = HouseholdPolicy()


def _require_app_user(request: HttpRequest) -> None:
    if not may_use_assistance(request.user):
        raise Http404


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    _require_app_user(request)
    q = request.GET.get("q", "").strip()
    tier = request.GET.get("tier", "")
    village = request.GET.get("village", "")
    before = request.GET.get("before", "")
    rows = selectors.household_search(
        request.user,
        q=q,
        tier=tier,
        village=int(village) if village.isdigit() else None,
        after=int(before) if before.isdigit() else None,
        limit=51,
    )
    more = len(rows) > 50
    rows = rows[:50]
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "assistance/households.html",
        {
            "rows": rows,
            "q": q,
            "tier": tier,
            "village": village,
            "villages": village_choices(request.user),
            "tiers": [(t, rules.TIER_SHORT[t]) for t in rules.TIERS],
            "next_before": rows[-1].pk if more and rows else None,
            "query": query.urlencode(),
            "can_create": has_role(request.user, *LOCAL_ROLES),
        },
    )


def _household_input(form: HouseholdForm, formset: Any) -> hh_svc.HouseholdInput:
    data = form.cleaned_data
    village = (
        OrgUnit.objects.filter(pk=int(data["village"]), kind=OrgUnit.Kind.VILLAGE).first()
        if data.get("village")
        else None
    )
    members = []
    for f in formset.forms:
        if f.is_blank():
            continue
        m = f.cleaned_data
        members.append(
            hh_svc.PersonInput(
                id_number=m["id_number"],
                name=m["name"],
                relation=m["relation"],
                labour_capacity=m["labour_capacity"],
                disability_category=m["disability_category"] or None,
                disability_grade=int(m["disability_grade"]) if m["disability_grade"] else None,
                serious_illness=m["serious_illness"],
                employed=m["employed"],
                own_income=m["own_income"] or "0",
                has_able_supporter=m["has_able_supporter"],
            )
        )
    return hh_svc.HouseholdInput(
        village=village,
        area=data["area"],
        members=members,
        code=data.get("code") or "",
        address=data.get("address") or "",
        phone=data.get("phone") or "",
        income_wage=data["income_wage"] or "0",
        income_operating=data["income_operating"] or "0",
        income_property=data["income_property"] or "0",
        income_transfer=data["income_transfer"] or "0",
        savings=data["savings"] or "0",
        houses=data.get("houses") or 0,
        vehicles=data.get("vehicles") or 0,
        property_note=data.get("property_note") or "",
        property_within_limits=data["property_within_limits"],
        exp_medical=data["exp_medical"] or "0",
        exp_education=data["exp_education"] or "0",
        exp_disaster=data["exp_disaster"] or "0",
        exp_accident=data["exp_accident"] or "0",
        monitoring=data.get("monitoring") or None,
        designated_other=data["designated_other"],
    )


def _form_page(
    request: HttpRequest, form: HouseholdForm, formset: Any, household: Household | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "assistance/household_form.html",
        {"form": form, "formset": formset, "household": household},
    )


@login_required
def household_new(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, *LOCAL_ROLES):
        raise PermissionDenied("只有乡镇、县区工作人员可以新建家庭档案")
    villages = village_choices(request.user)
    if request.method != "POST":
        form = HouseholdForm(villages=villages, initial={"area": "rural", "property_within_limits": True})
        formset = MemberFormSet(prefix="members", initial=[{"relation": "head"}])
        return _form_page(request, form, formset, None)
    form = HouseholdForm(request.POST, villages=villages)
    formset = MemberFormSet(request.POST, prefix="members")
    if form.is_valid() and formset.is_valid():
        try:
            household = hh_svc.household_create(data=_household_input(form, formset), actor=request.user)
        except RuleViolation as exc:
            attach_errors(form, formset, exc)
        else:
            rescreen_request(
                trigger="data", actor=request.user, household_ids=[household.pk], note="新建家庭档案"
            )
            messages.success(request, f"已建立家庭档案（户编号 {household.code}）")
            return redirect("assistance:household", pk=household.pk)
    return _form_page(request, form, formset, None)


@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = POLICY.get(request.user, "edit", pk=pk)
    villages = village_choices(request.user)
    if request.method != "POST":
        data = hh_svc.household_input_from(household)
        initial = {name: getattr(data, name) for name in HouseholdForm.base_fields if hasattr(data, name)}
        initial.update(
            village=str(household.village_id),
            version=household.version,
            monitoring=household.monitoring or "",
        )
        form = HouseholdForm(villages=villages, editing=True, initial=initial)
        formset = MemberFormSet(
            prefix="members",
            initial=[
                {
                    "id_number": m.id_number,
                    "name": m.name,
                    "relation": m.relation,
                    "labour_capacity": m.labour_capacity,
                    "disability_category": m.disability_category or "",
                    "disability_grade": str(m.disability_grade or ""),
                    "serious_illness": m.serious_illness,
                    "employed": m.employed,
                    "own_income": m.own_income,
                    "has_able_supporter": m.has_able_supporter,
                }
                for m in data.members
            ],
        )
        return _form_page(request, form, formset, household)
    form = HouseholdForm(request.POST, villages=villages, editing=True)
    formset = MemberFormSet(request.POST, prefix="members")
    if form.is_valid() and formset.is_valid():
        try:
            data = _household_input(form, formset)
            before = {
                rules.normalize_id(p.id_number): p for p in hh_svc.household_input_from(household).members
            }
            for p in data.members:  # keep the legal-supporter list entered elsewhere
                old = before.get(rules.normalize_id(p.id_number))
                if old is not None and old.has_able_supporter == p.has_able_supporter:
                    p.supporters = old.supporters
            household, changed = hh_svc.household_update(
                household=household,
                data=data,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data.get("version"),
            )
        except RuleViolation as exc:
            attach_errors(form, formset, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if changed:
                rescreen_request(
                    trigger="data", actor=request.user, household_ids=[household.pk], note="家庭信息修改"
                )
                messages.success(request, f"已保存为第 {household.version} 版")
            else:
                messages.info(request, "内容没有变化，未生成新版本")
            return redirect("assistance:household", pk=household.pk)
    return _form_page(request, form, formset, household)


def _departments() -> list[tuple[int, str]]:
    return list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT, active=True)
        .order_by("sort")
        .values_list("pk", "name")
    )


def _aid_departments(user: Any, household: Household) -> list[tuple[int, str]]:
    own = department_ids(user)
    units = [household.county_id, household.township_id, *own]
    if is_city_wide(user):
        units += [pk for pk, _ in _departments()]
    names = dict(OrgUnit.objects.filter(pk__in=units).values_list("pk", "name"))
    seen: list[int] = []
    for u in units:
        if u in names and u not in seen:
            seen.append(u)
    return [(u, names[u]) for u in seen]


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = POLICY.get(
        request.user,
        "view",
        pk=pk,
        queryset=POLICY.scope(request.user, "view").select_related(
            "county", "township", "village", "single_person", "computed_single_person"
        ),
    )
    ctx = selectors.household_detail(request.user, household)
    can_edit = POLICY.scope(request.user, "edit").filter(pk=pk).exists()
    can_aid = POLICY.scope(request.user, "aid").filter(pk=pk).exists()
    verifications = [
        (v.pk, f"{v.visited_on} {v.get_kind_display()}：{v.findings[:30]}")
        for v in ctx["visits"]
        if v.conclusion == Visit.Conclusion.NOT_QUALIFIES
    ]
    ctx.update(
        can_edit=can_edit,
        can_aid=can_aid,
        can_unmask=may_unmask(request.user, household),
        apply_form=ApplicationForm(members=[(m.person_id, m.person.name) for m in ctx["members"]]),
        warning_form=WarningForm(),
        visit_form=VisitForm(initial={"kind": "routine", "visited_on": timezone.localdate()}),
        aid_form=AidForm(
            departments=_aid_departments(request.user, household),
            initial={"granted_on": timezone.localdate()},
        ),
        end_form=EndForm(visits=verifications),
        open_application=next((a for a in ctx["applications"] if a.is_open), None),
        phone_masked=rules.mask_phone(household.phone),
        tier_labels=rules.TIER_LABELS,
        now=timezone.now(),
    )
    return render(request, "assistance/household_detail.html", ctx)


@login_required
@require_POST
def person_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the full ID number of a member (audited). 404 outside jurisdiction, 403 for roles
    that may see the household but not the number."""
    member = (
        Member.objects.filter(person_id=pk, household__in=POLICY.scope(request.user, "view"))
        .select_related("household", "person")
        .first()
    )
    if member is None:
        raise Http404
    if not may_unmask(request.user, member.household):
        raise PermissionDenied("您的角色不能查看完整证件号码")
    value = hh_svc.person_unmask(person=member.person, actor=request.user, purpose="家庭档案页面")
    return render(request, "assistance/_unmasked.html", {"value": value})


@login_required
@require_POST
def household_phone(request: HttpRequest, pk: int) -> HttpResponse:
    household = POLICY.get(request.user, "view", pk=pk)
    if not may_unmask(request.user, household):
        raise PermissionDenied("您的角色不能查看完整联系电话")
    return render(
        request,
        "assistance/_unmasked.html",
        {"value": hh_svc.household_unmask_phone(household=household, actor=request.user)},
    )


@login_required
@require_POST
def household_classify(request: HttpRequest, pk: int) -> HttpResponse:
    household = POLICY.get(request.user, "edit", pk=pk)
    try:
        c = hh_svc.household_classify(household=household, actor=request.user)
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, f"测算结果：{rules.TIER_LABELS.get(c.tier or '', '不属于低收入人口')}")
    return redirect("assistance:household", pk=pk)


@login_required
def household_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter an application (受理) and review it at once, tier by tier."""
    household = POLICY.get(request.user, "edit", pk=pk)
    members = [(m.person_id, m.person.name) for m in hh_svc.active_members(household)]
    form = ApplicationForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        applicant = next(
            (m.person for m in hh_svc.active_members(household) if str(m.person_id) == data["applicant"]),
            None,
        )
        try:
            app = app_svc.application_create(
                household=household,
                requested_tier=data["requested_tier"],
                applicant=applicant,
                consent_sequential=data["consent_sequential"],
                note=data["note"],
                actor=request.user,
            )
            app = app_svc.application_review(application=app, actor=request.user)
        except RuleViolation as exc:
            attach_errors(form, None, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已受理并按顺序逐类审核")
            return redirect("assistance:application", pk=app.pk)
    return render(
        request,
        "assistance/apply.html",
        {"household": household, "form": form},
    )


@login_required
@require_POST
def household_warn(request: HttpRequest, pk: int) -> HttpResponse:
    household = POLICY.get(request.user, "edit", pk=pk)
    form = WarningForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "预警信息不完整：" + "；".join(e for errs in form.errors.values() for e in errs)
        )
        return redirect("assistance:household", pk=pk)
    try:
        w = mon_svc.warning_raise(household=household, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        flash_error(request, exc)
        return redirect("assistance:household", pk=pk)
    messages.success(
        request,
        f"已发出{w.get_level_display()}预警，入户核查时限 {timezone.localtime(w.visit_due_at):%Y-%m-%d %H:%M}",
    )
    return redirect("assistance:warning", pk=w.pk)


@login_required
@require_POST
def household_visit(request: HttpRequest, pk: int) -> HttpResponse:
    household = POLICY.get(request.user, "edit", pk=pk)
    form = VisitForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "核查记录不完整：" + "；".join(e for errs in form.errors.values() for e in errs)
        )
        return redirect("assistance:household", pk=pk)
    data = form.cleaned_data
    try:
        visit = mon_svc.visit_record(
            household=household,
            kind=data["kind"] or Visit.Kind.ROUTINE,
            findings=data["findings"],
            conclusion=data["conclusion"],
            informed_policies=data["informed_policies"],
            visited_on=data["visited_on"],
            start_application=data["start_application"],
            requested_tier=data["requested_tier"] or None,
            actor=request.user,
        )
    except DomainError as exc:
        flash_error(request, exc)
        return redirect("assistance:household", pk=pk)
    messages.success(request, "已记录入户核查")
    if visit.application_id:
        return redirect("assistance:application", pk=visit.application_id)
    return redirect("assistance:household", pk=pk)


@login_required
@require_POST
def household_aid(request: HttpRequest, pk: int) -> HttpResponse:
    household = POLICY.get(request.user, "aid", pk=pk)
    form = AidForm(request.POST, departments=_aid_departments(request.user, household))
    if not form.is_valid():
        messages.error(
            request, "救助记录不完整：" + "；".join(e for errs in form.errors.values() for e in errs)
        )
        return redirect("assistance:household", pk=pk)
    data = form.cleaned_data
    try:
        ledger_svc.aid_record(
            household=household,
            aid_type=data["aid_type"],
            amount=data["amount"],
            department=OrgUnit.objects.get(pk=int(data["department"])),
            granted_on=data["granted_on"],
            note=data["note"],
            actor=request.user,
        )
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, "已记入救助帮扶台账")
    return redirect("assistance:household", pk=pk)


@login_required
@require_POST
def household_end(request: HttpRequest, pk: int) -> HttpResponse:
    household = POLICY.get(request.user, "end", pk=pk)
    cutoff = timezone.localdate() - timedelta(days=366)
    visits = [
        (v.pk, str(v.pk))
        for v in household.visits.filter(conclusion=Visit.Conclusion.NOT_QUALIFIES, visited_on__gte=cutoff)
    ]
    form = EndForm(request.POST, visits=visits)
    if not form.is_valid():
        messages.error(request, "终止救助须选择「经核实不再符合」的核查记录并填写依据")
        return redirect("assistance:household", pk=pk)
    data = form.cleaned_data
    try:
        transfer = mon_svc.assistance_end(
            household=household,
            verification=household.visits.get(pk=int(data["verification"])),
            reason=data["reason"],
            consent_transfer=data["consent_transfer"],
            actor=request.user,
        )
    except DomainError as exc:
        flash_error(request, exc)
        return redirect("assistance:household", pk=pk)
    if transfer is not None:
        messages.success(request, "已依法终止，并已转入低保边缘/刚性支出认定程序（3 个工作日内审核）")
        return redirect("assistance:application", pk=transfer.pk)
    messages.success(request, "已依法终止救助")
    return redirect("assistance:household", pk=pk)
