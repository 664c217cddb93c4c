"""The application page (§3), warnings (§4) and department referrals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assistance import rules
from assistance.forms import (
    AidForm,
    AmountForm,
    ConclusionForm,
    ObjectionForm,
    ReasonForm,
    ReferForm,
    ResolveObjectionForm,
    RespondForm,
    VisitForm,
)
from assistance.models import Application, Escalation, Objection, Referral, Warning
from assistance.policies import (
    ApplicationPolicy,
    EscalationPolicy,
    HouseholdPolicy,
    ReferralPolicy,
    WarningPolicy,
    department_ids,
)
from assistance.rulekeys import NEEDS
from assistance.services import applications as app_svc
from assistance.services import ledger as ledger_svc
from assistance.services import monitoring as mon_svc
from assistance.services.standards import monitoring_ruleset
from portal.deadlines import open_deadlines
from portal.errors import DomainError, RuleViolation
from portal.models import OrgUnit

APPS = ApplicationPolicy()
WARNINGS = WarningPolicy()


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = APPS.get(
        request.user,
        "view",
        pk=pk,
        queryset=APPS.scope(request.user, "view").select_related(
            "household", "household__village", "applicant", "classification", "classification__ruleset"
        ),
    )
    publicity = getattr(app, "publicity", None) if app.status != Application.Status.RECEIVED else None
    can_act = APPS.scope(request.user, "act").filter(pk=pk).exists()
    checks = []
    if app.classification:
        checks = [
            {**c, "label": rules.TIER_LABELS.get(c["tier"], c["tier"])}
            for c in app.classification.result.get("checks", [])
        ]
    return render(
        request,
        "assistance/application.html",
        {
            "app": app,
            "household": app.household,
            "publicity": publicity,
            "objections": list(publicity.objections.all()) if publicity else [],
            "checks": checks,
            "can_act": can_act and app.is_open,
            "deadlines": list(open_deadlines(app)),
            "aid": list(app.aid_records.select_related("department")),
            "objection_form": ObjectionForm(initial={"received_on": timezone.localdate()}),
            "resolve_form": ResolveObjectionForm(),
            "reason_form": ReasonForm(),
            "amount_form": AmountForm(),
            "tier_labels": rules.TIER_LABELS,
            "today": timezone.localdate(),
            "now": timezone.now(),
        },
    )


def _post_value(request: HttpRequest, name: str) -> str:
    return (request.POST.get(name) or "").strip()


@login_required
@require_POST
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    app = APPS.get(request.user, "act", pk=pk)
    user = request.user
    try:
        if action == "review":
            app_svc.application_review(application=app, actor=user)
            messages.success(request, "已按现有家庭信息重新逐类审核")
        elif action == "offer-other":
            app_svc.application_offer_other(application=app, actor=user)
            messages.success(request, "已记录告知；请在 3 个工作日内经申请人同意后公示")
        elif action == "consent-other":
            app_svc.application_consent_other(
                application=app, consent=_post_value(request, "consent") == "yes", actor=user
            )
        elif action == "switch":
            app_svc.application_switch(
                application=app, consent=_post_value(request, "consent") == "yes", actor=user
            )
        elif action == "publicity":
            pub = app_svc.publicity_start(application=app, actor=user)
            messages.success(request, f"已在{pub.village.name}公示，公示期 {pub.starts_on} 至 {pub.ends_on}")
        elif action == "objection":
            form = ObjectionForm(request.POST)
            if not form.is_valid():
                raise RuleViolation(errors={k: list(v) for k, v in form.errors.items()})
            app_svc.objection_record(
                publicity=app.publicity,
                content=form.cleaned_data["content"],
                objector=form.cleaned_data["objector"],
                received_on=form.cleaned_data["received_on"],
                actor=user,
            )
            messages.success(request, "已记录公示异议")
        elif action == "resolve":
            objection = Objection.objects.filter(
                pk=_post_value(request, "objection") or 0, publicity__application=app
            ).first()
            form = ResolveObjectionForm(request.POST)
            if objection is None or not form.is_valid():
                raise RuleViolation(errors={"resolution": ["请填写核实情况并选择结论"]})
            app_svc.objection_resolve(
                objection=objection,
                upheld=form.cleaned_data["upheld"],
                resolution=form.cleaned_data["resolution"],
                actor=user,
            )
        elif action == "confirm":
            app_svc.application_confirm(application=app, actor=user)
            messages.success(request, "已确认认定")
        elif action in ("refuse", "withdraw"):
            reason = _post_value(request, "reason")
            if action == "refuse":
                app_svc.application_refuse(application=app, reason=reason, actor=user)
            else:
                app_svc.application_withdraw(application=app, reason=reason, actor=user)
        elif action == "temporary-aid":
            app_svc.temporary_aid_grant(
                application=app,
                amount=_post_value(request, "amount"),
                note=_post_value(request, "note"),
                actor=user,
            )
            messages.success(request, "已先行给予临时救助并记入台账")
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("assistance:application", pk=pk)


# --- warnings ---------------------------------------------------------------------------------


def _referral_departments(need: str) -> list[tuple[int, str]]:
    codes = (monitoring_ruleset().params.get("referral_departments") or {}).get(need, [])
    preferred = list(OrgUnit.objects.filter(code__in=codes).values_list("pk", "name"))
    others = list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT, active=True)
        .exclude(code__in=codes)
        .order_by("sort")
        .values_list("pk", "name")
    )
    return preferred + others


@login_required
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    w = WARNINGS.get(
        request.user,
        "view",
        pk=pk,
        queryset=WARNINGS.scope(request.user, "view").select_related("household", "household__village"),
    )
    can_act = WARNINGS.scope(request.user, "act").filter(pk=pk).exists()
    escalation = Escalation.objects.filter(warning=w).first()
    can_decide = (
        escalation is not None
        and EscalationPolicy().scope(request.user, "decide").filter(pk=escalation.pk).exists()
    )
    return render(
        request,
        "assistance/warning.html",
        {
            "w": w,
            "household": w.household,
            "can_act": can_act,
            "can_view_household": HouseholdPolicy()
            .scope(request.user, "view")
            .filter(pk=w.household_id)
            .exists(),
            "visits": list(w.visits.all()),
            "referrals": list(w.referrals.select_related("department")),
            "escalation": escalation,
            "can_decide": can_decide and escalation.status == Escalation.Status.OPEN,
            "visit_form": VisitForm(initial={"kind": "warning", "visited_on": timezone.localdate()}),
            "refer_form": ReferForm(departments=_referral_departments(w.need)),
            "reason_form": ReasonForm(),
            "conclusion_form": ConclusionForm(),
            "need_label": NEEDS.get(w.need, w.need),
            "overdue": w.status == Warning.Status.OPEN and w.visit_due_at <= timezone.now(),
        },
    )


@login_required
@require_POST
def warning_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action == "decide":
        w = WARNINGS.get(request.user, "view", pk=pk)
        escalation = EscalationPolicy().get(request.user, "decide", warning=w)
    else:
        w = WARNINGS.get(request.user, "act", pk=pk)
    user = request.user
    try:
        if action == "visit":
            form = VisitForm(request.POST)
            if not form.is_valid():
                raise RuleViolation(errors={k: list(v) for k, v in form.errors.items()})
            data = form.cleaned_data
            visit = mon_svc.visit_record(
                household=w.household,
                warning=w,
                kind="warning",
                findings=data["findings"],
                conclusion=data["conclusion"],
                informed_policies=data["informed_policies"],
                visited_on=data["visited_on"],
                start_application=data["start_application"],
                requested_tier=data["requested_tier"] or None,
                actor=user,
            )
            messages.success(request, "已记录入户核查")
            if visit.application_id:
                return redirect("assistance:application", pk=visit.application_id)
        elif action == "refer":
            department = OrgUnit.objects.filter(pk=_post_value(request, "department") or 0).first()
            if department is None:
                raise RuleViolation(errors={"department": ["请选择推送部门"]})
            mon_svc.warning_refer(
                warning=w, department=department, note=_post_value(request, "note"), actor=user
            )
            messages.success(request, f"已推送至{department.name}")
        elif action == "escalate":
            mon_svc.warning_escalate(warning=w, reason=_post_value(request, "reason"), actor=user)
            messages.success(request, "已提请县级困难群众基本生活保障协调机制")
        elif action == "decide":
            mon_svc.escalation_decide(
                escalation=escalation, decision=_post_value(request, "conclusion"), actor=user
            )
            messages.success(request, "已记录研究意见")
        elif action == "close":
            mon_svc.warning_close(warning=w, conclusion=_post_value(request, "conclusion"), actor=user)
            messages.success(request, "预警已办结")
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("assistance:warning", pk=pk)


# --- department referrals ---------------------------------------------------------------------


@login_required
def referral_list(request: HttpRequest) -> HttpResponse:
    qs = ReferralPolicy().scope(request.user, "respond")
    status = request.GET.get("status", "sent")
    if status in Referral.Status.values:
        qs = qs.filter(status=status)
    items = list(
        qs.select_related(
            "warning", "warning__household", "warning__household__village", "department"
        ).order_by("-referred_at")[:200]
    )
    return render(request, "assistance/referrals.html", {"items": items, "status": status, "needs": NEEDS})


@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy = ReferralPolicy()
    referral = policy.get(
        request.user,
        "view",
        pk=pk,
        queryset=policy.scope(request.user, "view").select_related(
            "warning", "warning__household", "department"
        ),
    )
    can_respond = policy.scope(request.user, "respond").filter(pk=pk).exists()
    household = referral.warning.household
    departments = [(referral.department_id, referral.department.name)]
    if request.method == "POST":
        if not can_respond:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("只有被推送部门可以反馈")
        try:
            if request.POST.get("action") == "aid":
                form = AidForm(request.POST, departments=departments)
                if not form.is_valid():
                    raise RuleViolation(errors={k: list(v) for k, v in form.errors.items()})
                ledger_svc.aid_record(
                    household=household,
                    aid_type=form.cleaned_data["aid_type"],
                    amount=form.cleaned_data["amount"],
                    department=referral.department,
                    granted_on=form.cleaned_data["granted_on"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
                messages.success(request, "救助帮扶信息已反馈至民政部门（记入该户台账）")
            else:
                mon_svc.referral_respond(
                    referral=referral, response=_post_value(request, "response"), actor=request.user
                )
                messages.success(request, "已反馈处理情况")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("assistance:referral", pk=pk)
    return render(
        request,
        "assistance/referral.html",
        {
            "referral": referral,
            "household": household,
            "members": list(
                household.members.filter(active=True).select_related("person").order_by("position")
            ),
            "can_respond": can_respond,
            "respond_form": RespondForm(),
            "aid_form": AidForm(departments=departments, initial={"granted_on": timezone.localdate()}),
            "aid": list(household.aid_records.filter(department=referral.department).order_by("-granted_on")),
            "need_label": NEEDS.get(referral.warning.need, ""),
            "dept_ids": department_ids(request.user),
        },
    )
