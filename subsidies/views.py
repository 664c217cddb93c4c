"""Pages of the subsidies app: the catalogue, the self-check calculator, the enterprise
registry and page, the review queue and application page, budgets and exports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.audit import audit_record
from portal.deadlines import open_deadlines
from portal.errors import DomainError, RuleViolation
from portal.exports import xlsx_response
from portal.models import OrgUnit
from portal.uploads import attachment_response
from subsidies import selectors
from subsidies.api import run_action
from subsidies.forms import (
    FACT_FIELDS,
    RECORD_FORMS,
    ApplySubjectForm,
    BudgetForm,
    EnterpriseForm,
    FactsForm,
    SelfCheckForm,
)
from subsidies.models import Application, Enterprise, EnterpriseMember
from subsidies.policies import (
    actor_for,
    application_policy,
    enterprise_policy,
    may_create_enterprise,
    may_use_subsidies,
)
from subsidies.rules import D, FactsError, NoCalculator, fmt_money
from subsidies.rules.money import fmt_rate
from subsidies.services import applications as svc
from subsidies.services.budgets import budget_set
from subsidies.services.catalogue import catalogue as catalogue_rows
from subsidies.services.catalogue import documents_expiring, evaluate_clause
from subsidies.services.matching import entitlements_match, registry_facts
from subsidies.services.registry import RECORD_LABELS, enterprise_create, enterprise_update, record_add

S = Application.Status


def _require_use(request: HttpRequest) -> None:
    if not may_use_subsidies(request.user):
        raise PermissionDenied("企业奖补功能仅对主管部门、财政部门、县区、审计和企业用户开放")


def _errors(exc: DomainError) -> list[str]:
    if isinstance(exc, RuleViolation):
        return [m for msgs in exc.errors.values() for m in msgs]
    return [exc.message]


def _add_form_errors(form: Any, exc: DomainError) -> None:
    if isinstance(exc, RuleViolation):
        for field, msgs in exc.errors.items():
            target = field if field in form.fields else None
            for msg in msgs:
                form.add_error(target, msg)
    else:
        form.add_error(None, exc.message)


# --- catalogue and self-check ---------------------------------------------------------------


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    _require_use(request)
    return render(
        request,
        "subsidies/catalogue.html",
        {"documents": catalogue_rows(), "today": timezone.localdate(), "actor": actor_for(request.user)},
    )


@login_required
def selfcheck(request: HttpRequest) -> HttpResponse:
    """自助测算: pick a clause, enter the facts, see the amount and how it was computed. Case-by-
    case clauses show the referral (band or cap). Nothing is stored."""
    _require_use(request)
    data = request.POST if request.method == "POST" else request.GET
    head = SelfCheckForm(data or None, initial={"clause": "E4a"})
    clause = data.get("clause") if data.get("clause") in FACT_FIELDS else "E4a"
    facts_form = FactsForm(clause, request.POST if request.method == "POST" else None)
    result = None
    if request.method == "POST" and head.is_valid() and facts_form.is_valid():
        try:
            result = evaluate_clause(
                clause=clause, facts=facts_form.facts(), on=head.cleaned_data.get("date")
            )
        except FactsError as exc:
            for key, msgs in exc.errors.items():
                name = key.removeprefix("facts.")
                for msg in msgs:
                    facts_form.add_error(name if name in facts_form.fields else None, msg)
        except NoCalculator as exc:
            head.add_error("clause", exc.message)
    return render(
        request,
        "subsidies/selfcheck.html",
        {"head": head, "form": facts_form, "clause": clause, "result": result},
    )


# --- registry -------------------------------------------------------------------------------


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    _require_use(request)
    actor = actor_for(request.user)
    if not actor.staff and not actor.county_officer and len(actor.enterprise_ids) == 1:
        return redirect("subsidies:enterprise", pk=next(iter(actor.enterprise_ids)))
    g = request.GET
    page = selectors.enterprise_list(
        request.user,
        q=g.get("q", ""),
        county=g.get("county", ""),
        industry=g.get("industry", ""),
        kind=g.get("kind", ""),
        before=g.get("before"),
    )
    query = g.copy()
    query.pop("before", None)
    return render(
        request,
        "subsidies/enterprises.html",
        {
            "page": page,
            "q": g.get("q", ""),
            "county": g.get("county", ""),
            "industry": g.get("industry", ""),
            "kind": g.get("kind", ""),
            "counties": OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).order_by("sort", "path"),
            "industries": Enterprise.Industry.choices,
            "kinds": Enterprise.Kind.choices,
            "query": query.urlencode(),
            "may_create": may_create_enterprise(request.user),
        },
    )


@login_required
def enterprise_new(request: HttpRequest) -> HttpResponse:
    _require_use(request)
    if not may_create_enterprise(request.user):
        raise PermissionDenied("您没有登记企业的权限")
    form = EnterpriseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ent = enterprise_create(actor=request.user, data=form.cleaned_data)
        except DomainError as exc:
            _add_form_errors(form, exc)
        else:
            messages.success(request, f"已登记：{ent.name}")
            return redirect("subsidies:enterprise", pk=ent.pk)
    return render(
        request,
        "subsidies/form.html",
        {"form": form, "title": "登记企业", "back": reverse("subsidies:enterprises")},
    )


@login_required
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ent = enterprise_policy.get(request.user, "change", pk=pk)
    form = EnterpriseForm(request.POST or None, instance=ent)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise_update(actor=request.user, enterprise=ent, data=form.cleaned_data)
        except DomainError as exc:
            _add_form_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("subsidies:enterprise", pk=ent.pk)
    return render(
        request,
        "subsidies/form.html",
        {
            "form": form,
            "title": f"修改企业信息：{ent.name}",
            "back": reverse("subsidies:enterprise", args=[ent.pk]),
        },
    )


@login_required
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ent = selectors.enterprise_detail(request.user, pk)
    return render(
        request,
        "subsidies/enterprise.html",
        {
            "ent": ent,
            "projects": selectors.enterprise_projects(ent),
            "recognitions": list(ent.recognitions.order_by("-recognised_on")),
            "exhibitions": list(ent.exhibitions.order_by("-held_on")),
            "figures": list(ent.figures.order_by("-year")),
            "trains": list(ent.trains.order_by("-departed_on")[:100])
            if ent.kind == Enterprise.Kind.TRAVEL_AGENCY
            else [],
            "apps": selectors.enterprise_applications(request.user, ent),
            "may_change": enterprise_policy.can(request.user, "change", ent),
            "may_apply": enterprise_policy.can(request.user, "apply", ent),
            "record_kinds": [
                (k, v)
                for k, v in RECORD_LABELS.items()
                if k != "train" or ent.kind == Enterprise.Kind.TRAVEL_AGENCY
            ],
            "members": list(EnterpriseMember.objects.active().filter(enterprise=ent).select_related("user")),
        },
    )


@login_required
def record_new(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    ent = enterprise_policy.get(request.user, "change", pk=pk)
    if kind not in RECORD_FORMS:
        raise PermissionDenied("未知的登记类型")
    form = RECORD_FORMS[kind](request.POST or None)
    if "project" in form.fields:
        form.fields["project"].queryset = ent.projects.all()
    if request.method == "POST" and form.is_valid():
        try:
            record_add(actor=request.user, enterprise=ent, kind=kind, data=form.cleaned_data)
        except DomainError as exc:
            _add_form_errors(form, exc)
        else:
            messages.success(request, f"已登记{RECORD_LABELS[kind]}")
            return redirect("subsidies:enterprise", pk=ent.pk)
    return render(
        request,
        "subsidies/form.html",
        {
            "form": form,
            "title": f"{ent.name}：登记{RECORD_LABELS[kind]}",
            "back": reverse("subsidies:enterprise", args=[ent.pk]),
        },
    )


@login_required
def enterprise_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply under a clause: pick the subject, the facts come from the registry (and can be
    completed), tick the materials, submit."""
    ent = enterprise_policy.get(request.user, "apply", pk=pk)
    data = request.POST if request.method == "POST" else request.GET
    subject = ApplySubjectForm(ent, data or None)
    clause = data.get("clause", "")
    facts_form = None
    preview = None
    materials: list[str] = []
    if data.get("clause") and subject.is_valid():
        d = subject.cleaned_data
        clause = d["clause"]
        prefill = registry_facts(
            clause=clause,
            enterprise=ent,
            project=d.get("project"),
            recognition=d.get("recognition"),
            exhibition=d.get("exhibition"),
            year=d.get("period_year"),
            loan=d.get("loan"),
        )
        facts_form = FactsForm(clause, request.POST if data.get("submit") else None, initial_facts=prefill)
        try:
            result = evaluate_clause(clause=clause, facts=prefill, on=None)
            materials = (
                list(result.rule_set.params["clauses"][clause]["materials"]) if result.rule_set else []
            )
            preview = result
        except (FactsError, NoCalculator):
            preview = None
        if request.method == "POST" and data.get("submit") and facts_form.is_valid():
            facts = facts_form.facts()
            if clause == "T12" and not facts.get("trains"):
                facts = {**prefill, **{k: v for k, v in facts.items() if k != "trains"}}
            chosen = request.POST.getlist("materials")
            files = [
                (m, request.FILES[f"file_{i}"])
                for i, m in enumerate(materials)
                if f"file_{i}" in request.FILES
            ]
            try:
                app = svc.application_submit(
                    actor=request.user,
                    enterprise=ent,
                    clause=clause,
                    facts=facts,
                    project=d.get("project"),
                    recognition=d.get("recognition"),
                    exhibition=d.get("exhibition"),
                    period_year=d.get("period_year"),
                    loan_id=d["loan"].pk if d.get("loan") else None,
                    materials=[
                        {"name": m, "provided": m in chosen, "reference": request.POST.get(f"ref_{i}", "")}
                        for i, m in enumerate(materials)
                    ],
                    note=request.POST.get("note", ""),
                    files=files,
                )
            except DomainError as exc:
                for msg in _errors(exc):
                    facts_form.add_error(None, msg)
            else:
                messages.success(request, f"已提交申请 #{app.pk}")
                return redirect("subsidies:application", pk=app.pk)
    return render(
        request,
        "subsidies/apply.html",
        {
            "ent": ent,
            "subject": subject,
            "clause": clause,
            "form": facts_form,
            "preview": preview,
            "materials": materials,
            "chosen": request.POST.getlist("materials") if request.method == "POST" else [],
            "note": request.POST.get("note", ""),
        },
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if len(actor.enterprise_ids) == 1:
        return redirect("subsidies:enterprise", pk=next(iter(actor.enterprise_ids)))
    return redirect("subsidies:enterprises")


# --- queue and applications -----------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _require_use(request)
    g = request.GET
    tab = g.get("tab") or ("proposed" if g.get("status") == "proposed" or g.get("batch") else "todo")
    if tab not in dict(selectors.QUEUE_TABS):
        tab = "todo"
    page = selectors.application_queue(
        request.user,
        tab=tab,
        clause=g.get("clause", ""),
        status=g.get("status", "") if g.get("status") != "proposed" else "",
        batch=g.get("batch", ""),
        q=g.get("q", ""),
        before=g.get("before"),
    )
    query = g.copy()
    query.pop("before", None)
    actor = actor_for(request.user)
    return render(
        request,
        "subsidies/queue.html",
        {
            "page": page,
            "tab": tab,
            "tabs": selectors.QUEUE_TABS,
            "q": g.get("q", ""),
            "clause": g.get("clause", ""),
            "clauses": [c for c, _ in FACT_FIELDS.items()],
            "query": query.urlencode(),
            "may_match": actor.admin or actor.lead or actor.fiscal,
        },
    )


ACTION_LABELS = {
    "push": "推送企业",
    "confirm": "确认兑现",
    "check_materials": "材料审核通过",
    "return": "退回补正",
    "resubmit": "重新提交",
    "dept_review": "主管部门审核通过",
    "fiscal_review": "财政审核通过",
    "approve": "批准",
    "reject": "不予支持",
    "pay": "登记拨付",
    "audit": "审计完成",
    "archive": "归档",
}


def _detail_context(
    request: HttpRequest, app: Application, error: list[str] | None = None, posted: Any = None
) -> dict[str, Any]:
    allowed = application_policy.actions_for(request.user, app)
    actions = [
        (a, ACTION_LABELS[a])
        for a in ACTION_LABELS
        if a in allowed
        and app.status in svc.STEPS[a].sources
        and (not svc.STEPS[a].only_source or svc.STEPS[a].only_source == app.source)
    ]
    return {
        "app": app,
        "decisions": [
            (
                d,
                DECISION_LABELS.get(d.action, d.action),
                S(d.to_status).label if d.to_status in S.values else d.to_status,
            )
            for d in app.decisions.select_related("acting_unit").order_by("id")
        ],
        "deadlines": list(open_deadlines(app).select_related("responsible_unit"))
        + (
            list(open_deadlines(app.match_batch).select_related("responsible_unit"))
            if app.match_batch_id
            else []
        ),
        "actions": actions,
        "error": error or [],
        "posted": posted or {},
        "shown_explanation": app.approval_explanation or app.explanation,
        "recommended": svc._recommended(app) if app.referral else None,
        "facts_rows": _facts_rows(app),
        "attachments": list(app.attachments.all()),
        "may_attach": app.status in svc.ATTACHABLE and application_policy.can(request.user, "attach", app),
    }


def _facts_rows(app: Application) -> list[tuple[str, Any]]:
    fields = {name: (label, kind) for name, label, kind, _ in FACT_FIELDS.get(app.clause, [])}
    rows = []
    for key, value in app.facts.items():
        if key == "trains":
            rows.append(("专列", f"{len(value)} 列（详见计算过程）"))
            continue
        label, kind = fields.get(key, (key, ""))
        if isinstance(value, bool):
            value = "是" if value else "否"
        elif kind == "money":
            value = fmt_money(D(value))
        elif kind == "ratio":
            value = fmt_rate(D(value))
        rows.append((label, value))
    return rows


DECISION_LABELS = {**ACTION_LABELS, "submit": "提交申请", "match": "自动匹配", "supersede": "被更新取代"}


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_detail(request.user, pk)
    return render(request, "subsidies/application.html", _detail_context(request, app))


@login_required
@require_POST
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in svc.ACTIONS:
        raise PermissionDenied("未知操作")
    app = application_policy.get(request.user, action, pk=pk)
    names = [m["name"] for m in app.materials]
    body = {
        "materials": [
            {**m, "provided": m["provided"] or m["name"] in request.POST.getlist("provided")}
            for m in app.materials
        ]
        if action == "resubmit"
        else None,
        "files": [
            (names[i], request.FILES[f"file_{i}"]) for i in range(len(names)) if f"file_{i}" in request.FILES
        ],
        "note": request.POST.get("note", ""),
        "reason": request.POST.get("reason", "") or request.POST.get("note", ""),
        "amount": request.POST.get("amount") or None,
        "recommended_amount": request.POST.get("recommended_amount") or None,
        "missing": [
            m
            for m in request.POST.get("missing", "").replace("，", ",").replace("、", ",").split(",")
            if m.strip()
        ],
        "payment_ref": request.POST.get("payment_ref", ""),
    }
    try:
        app = run_action(request.user, app, action, body)
    except DomainError as exc:
        app.refresh_from_db()
        context = _detail_context(request, app, _errors(exc), {"action": action, **body})
        return render(
            request, "subsidies/application.html", context, status=409 if exc.status_code == 409 else 400
        )
    messages.success(request, f"{ACTION_LABELS[action]}：已完成")
    return redirect("subsidies:application", pk=app.pk)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    app = application_policy.get(request.user, "attach", pk=pk)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise RuleViolation(errors={"file": ["请选择要上传的文件"]})
        svc.attachment_add(
            application=app, actor=request.user, material=request.POST.get("material", ""), upload=upload
        )
    except DomainError as exc:
        app.refresh_from_db()
        context = _detail_context(request, app, _errors(exc))
        return render(
            request, "subsidies/application.html", context, status=409 if exc.status_code == 409 else 400
        )
    messages.success(request, "材料已上传")
    return redirect("subsidies:application", pk=app.pk)


@login_required
def attachment_download(request: HttpRequest, pk: int, att: int) -> HttpResponse:
    app = application_policy.get(request.user, "view", pk=pk)
    attachment = app.attachments.filter(pk=att).first()
    if attachment is None:
        raise Http404
    return attachment_response(attachment.file, attachment.original_name)


@login_required
@require_POST
def match_run(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if not (actor.admin or actor.lead or actor.fiscal):
        raise PermissionDenied("只有主管部门、财政部门和管理员可以运行匹配")
    run = entitlements_match(actor=request.user)
    if run is None:
        messages.warning(request, "另一次匹配正在进行，请稍后再试")
    else:
        messages.success(
            request,
            f"匹配完成：比对 {run.scanned} 家企业，新增推送 {run.created} 条，更新取代 {run.superseded} 条（{run.seconds:.1f} 秒）",
        )
    return redirect(f"{reverse('subsidies:queue')}?tab=proposed")


# --- budgets and exports --------------------------------------------------------------------


def _require_budget_view(request: HttpRequest) -> Any:
    actor = actor_for(request.user)
    if not (actor.admin or actor.auditor or actor.fiscal or actor.lead):
        raise PermissionDenied("预算与兑现仅对主管部门、财政部门、审计和管理员开放")
    return actor


@login_required
def budgets(request: HttpRequest) -> HttpResponse:
    actor = _require_budget_view(request)
    may_set = actor.admin or actor.fiscal
    form = BudgetForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied("只有财政部门可以设置预算")
        if form.is_valid():
            try:
                budget_set(
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    **{k: form.cleaned_data[k] for k in ("document", "year", "amount")},
                )
            except DomainError as exc:
                _add_form_errors(form, exc)
            else:
                messages.success(request, "预算已保存")
                return redirect("subsidies:budgets")
    return render(
        request,
        "subsidies/budgets.html",
        {
            "rows": selectors.budget_overview(request.user),
            "form": form,
            "may_set": may_set,
            "year": timezone.localdate().year,
        },
    )


@login_required
def export_awards(request: HttpRequest) -> HttpResponse:
    _require_budget_view(request)
    year = request.GET.get("year", "")
    audit_record(actor=request.user, action="subsidies.export.awards", extra={"year": year})
    return xlsx_response(
        f"奖补兑现清单{year or ''}.xlsx",
        [
            ("奖补", selectors.AWARD_HEADER, selectors.award_rows(request.user, year=year)),
            ("拨付", selectors.PAYMENT_HEADER, selectors.payment_rows(request.user, year=year)),
        ],
        note=f"用途：企业奖补兑现台账（导出时间 {timezone.localtime():%Y-%m-%d %H:%M}，导出人 {request.user}）",
    )


# --- dashboard ------------------------------------------------------------------------------


def dashboard_panel(request: HttpRequest) -> dict[str, Any] | None:
    actor = actor_for(request.user)
    if not (actor.admin or actor.lead or actor.fiscal):
        return None
    todo = selectors.application_queue(request.user, tab="todo")
    return {
        "todo": todo.items[:8],
        "more": todo.next_before is not None,
        "expiring": documents_expiring(timezone.localdate(), 180),
        "fmt": fmt_money,
    }
