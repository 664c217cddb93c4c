"""Worklist, county dashboard, standards admin, re-screening, payment lists, import/export and
the printable village publicity list."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assistance import columns as C
from assistance import rules, selectors
from assistance.forms import ChangeReviewForm, ImportForm, PaymentForm, StandardsForm
from assistance.models import AidRecord, RescreenChange, RescreenRun
from assistance.policies import (
    LOCAL_ROLES,
    ImportBatchPolicy,
    PaymentListPolicy,
    RescreenChangePolicy,
    is_city_wide,
    jurisdiction_units,
    may_edit_standards,
    may_import,
    may_use_assistance,
)
from assistance.rulekeys import STANDARDS
from assistance.services import importing as import_svc
from assistance.services import ledger as ledger_svc
from assistance.services.rescreen import rescreen_change_review, rescreen_request
from assistance.services.standards import changed_counties, standards_ruleset, standards_update
from assistance.views.common import county_choices
from portal.access import COUNTY_OFFICER, has_role, is_superuser
from portal.audit import audit_record
from portal.errors import DomainError, RuleViolation
from portal.exports import xlsx_response
from portal.models import OrgUnit, RuleSet
from portal.uploads import attachment_response


def _require_app_user(request: HttpRequest) -> None:
    if not may_use_assistance(request.user):
        raise Http404


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    if not (has_role(request.user, *LOCAL_ROLES) or is_superuser(request.user)):
        raise Http404
    data = selectors.worklist(request.user)
    villages = (
        jurisdiction_units(request.user, OrgUnit.Kind.VILLAGE)
        .select_related("parent")
        .order_by("parent_id", "name")[:200]
    )
    return render(
        request, "assistance/worklist.html", {**data, "villages": villages, "tier_labels": rules.TIER_SHORT}
    )


def _county_for(request: HttpRequest) -> OrgUnit | None:
    counties = list(jurisdiction_units(request.user, OrgUnit.Kind.COUNTY).order_by("sort"))
    wanted = request.GET.get("county", "")
    if wanted.isdigit():
        chosen = next((c for c in counties if c.pk == int(wanted)), None)
        if chosen is None:
            raise Http404
        return chosen
    if is_city_wide(request.user) or is_superuser(request.user):
        return None  # the whole city
    return counties[0] if counties else None


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_app_user(request)
    if not (
        is_city_wide(request.user) or has_role(request.user, COUNTY_OFFICER) or is_superuser(request.user)
    ):
        raise Http404
    county = _county_for(request)
    data = selectors.county_dashboard(request.user, county=county)
    return render(
        request,
        "assistance/dashboard.html",
        {
            **data,
            "county": county,
            "counties": county_choices(request.user),
            "chart_json": json.dumps(selectors.chart_config(data["trend"]), ensure_ascii=False),
            "trend_rows": list(
                zip(data["trend"]["labels"], *[data["trend"]["series"][t] for t in rules.TIERS], strict=True)
            ),
            "tier_names": [rules.TIER_SHORT[t] for t in rules.TIERS],
            "now": timezone.now(),
        },
    )


# --- standards admin ----------------------------------------------------------------------------


def _standards_table(params: dict[str, Any]) -> list[dict[str, Any]]:
    counties = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).order_by("sort"))
    rows = [{"code": "city", "name": "全市默认", **_row(params["city_default"]), "own": True}]
    for c in counties:
        entry = (params.get("counties") or {}).get(c.code)
        rows.append(
            {
                "code": c.code,
                "name": c.name,
                **_row(entry or params["city_default"]),
                "own": entry is not None,
            }
        )
    return rows


def _row(entry: dict[str, Any]) -> dict[str, str]:
    return {
        "urban_dibao": entry["urban"]["dibao"],
        "urban_tekun": entry["urban"]["tekun"],
        "rural_dibao": entry["rural"]["dibao"],
        "rural_tekun": entry["rural"]["tekun"],
    }


@login_required
def standards(request: HttpRequest) -> HttpResponse:
    _require_app_user(request)
    current = standards_ruleset()
    editable = may_edit_standards(request.user)
    table = _standards_table(current.params)
    scopes = [(r["code"], r["name"]) for r in table]
    form: StandardsForm | None = None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("只有管理员可以修改认定标准")
        form = StandardsForm(request.POST, scopes=scopes)
        if form.is_valid():
            data = form.cleaned_data
            try:
                new = standards_update(actor=request.user, **data)
            except RuleViolation as exc:
                for key, msgs in exc.errors.items():
                    for m in msgs:
                        form.add_error(key if key in form.fields else None, m)
            else:
                counties = changed_counties(current.params, new.params)
                if new.valid_from <= timezone.localdate() and counties != []:
                    rescreen_request(
                        trigger=RescreenRun.Trigger.STANDARD,
                        actor=request.user,
                        counties=counties,
                        note=f"标准第 {new.version} 版：{new.reason}",
                        run_inline=False,
                    )
                    messages.success(
                        request,
                        f"已保存为第 {new.version} 版，并已发起重新筛查（结果待审查，不会自动终止救助）",
                    )
                else:
                    messages.success(
                        request, f"已保存为第 {new.version} 版，{new.valid_from} 生效当日自动重新筛查"
                    )
                return redirect("assistance:standards")
    elif editable:
        scope = request.GET.get("scope", "city")
        row = next((r for r in table if r["code"] == scope), table[0])
        form = StandardsForm(
            scopes=scopes,
            initial={
                "scope": row["code"],
                "valid_from": timezone.localdate(),
                **{k: row[k] for k in ("urban_dibao", "urban_tekun", "rural_dibao", "rural_tekun")},
                "near_dibao_multiplier": current.params["near_dibao_multiplier"],
                "monitoring_line": current.params["monitoring_line"],
                "rigid_expenditure_share": current.params["rigid_expenditure_share"],
            },
        )
    versions = list(RuleSet.objects.filter(key=STANDARDS).select_related("author").order_by("-version")[:20])
    runs = list(RescreenRun.objects.filter(trigger=RescreenRun.Trigger.STANDARD).order_by("-pk")[:10])
    return render(
        request,
        "assistance/standards.html",
        {
            "current": current,
            "table": table,
            "form": form,
            "editable": editable,
            "versions": versions,
            "runs": runs,
            "readings": current.params.get("readings", {}),
        },
    )


# --- re-screening -------------------------------------------------------------------------------


@login_required
def rescreen(request: HttpRequest) -> HttpResponse:
    _require_app_user(request)
    policy = RescreenChangePolicy()
    status = request.GET.get("status", "pending")
    qs = policy.scope(request.user, "view")
    if status in RescreenChange.Status.values:
        qs = qs.filter(status=status)
    items = list(
        qs.select_related("household", "household__village", "township").order_by("-created_at", "-pk")[:200]
    )
    act_ids = set(
        policy.scope(request.user, "act").filter(pk__in=[i.pk for i in items]).values_list("pk", flat=True)
    )
    runs = list(RescreenRun.objects.order_by("-pk")[:10])
    return render(
        request,
        "assistance/rescreen.html",
        {
            "items": items,
            "act_ids": act_ids,
            "status": status,
            "statuses": RescreenChange.Status.choices,
            "runs": runs,
            "form": ChangeReviewForm(),
            "tier_labels": rules.TIER_SHORT,
            "can_run": is_city_wide(request.user) or has_role(request.user, COUNTY_OFFICER),
            "counties": county_choices(request.user),
        },
    )


@login_required
@require_POST
def rescreen_review(request: HttpRequest, pk: int) -> HttpResponse:
    change = RescreenChangePolicy().get(request.user, "act", pk=pk)
    form = ChangeReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择处理方式")
        return redirect("assistance:rescreen")
    try:
        change = rescreen_change_review(change=change, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("assistance:rescreen")
    if change.warning_id:
        messages.success(request, "已发出核实预警，请按时限入户核实（核实前不会终止救助）")
        return redirect("assistance:warning", pk=change.warning_id)
    messages.success(request, "已标记为无需处理")
    return redirect("assistance:rescreen")


@login_required
@require_POST
def rescreen_start(request: HttpRequest) -> HttpResponse:
    if not (is_city_wide(request.user) or has_role(request.user, COUNTY_OFFICER)):
        raise PermissionDenied("只有县区、市民政局工作人员可以发起重新筛查")
    counties = jurisdiction_units(request.user, OrgUnit.Kind.COUNTY)
    wanted = request.POST.get("county", "")
    if wanted.isdigit():
        counties = counties.filter(pk=int(wanted))
    codes = list(counties.values_list("code", flat=True))
    if not codes:
        raise Http404
    scope = None if (is_city_wide(request.user) and not wanted) else codes
    rescreen_request(
        trigger=RescreenRun.Trigger.MANUAL,
        actor=request.user,
        counties=scope,
        note="人工发起",
        run_inline=False,
    )
    messages.success(request, "已发起重新筛查，完成后结果列在本页")
    return redirect("assistance:rescreen")


# --- payment lists ------------------------------------------------------------------------------


@login_required
def payment_lists(request: HttpRequest) -> HttpResponse:
    _require_app_user(request)
    policy = PaymentListPolicy()
    can_generate = has_role(request.user, COUNTY_OFFICER) or is_superuser(request.user)
    counties = [
        (c.pk, c.name) for c in jurisdiction_units(request.user, OrgUnit.Kind.COUNTY).order_by("sort")
    ]
    form = PaymentForm(
        request.POST or None, counties=counties, initial={"month": f"{timezone.localdate():%Y-%m}"}
    )
    if request.method == "POST":
        if not can_generate:
            raise PermissionDenied("只有县区工作人员可以生成发放名册")
        if form.is_valid():
            try:
                year, month = (int(x) for x in form.cleaned_data["month"].split("-"))
                first = date(year, month, 1)
            except ValueError:
                form.add_error("month", "请选择月份")
            else:
                county = (
                    jurisdiction_units(request.user, OrgUnit.Kind.COUNTY)
                    .filter(pk=int(form.cleaned_data["county"]))
                    .first()
                )
                if county is None:
                    raise Http404
                try:
                    plist = ledger_svc.payment_list_generate(county=county, month=first, actor=request.user)
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, f"已生成 {plist.households} 户，合计 {plist.total} 元")
                    return redirect("assistance:payment-list", pk=plist.pk)
    items = list(
        policy.scope(request.user, "view").select_related("county").order_by("-month", "county__sort")[:100]
    )
    return render(
        request, "assistance/payments.html", {"items": items, "form": form, "can_generate": can_generate}
    )


@login_required
def payment_list(request: HttpRequest, pk: int) -> HttpResponse:
    policy = PaymentListPolicy()
    plist = policy.get(request.user, "view", pk=pk)
    can_approve = policy.scope(request.user, "approve").filter(pk=pk).exists()
    if request.method == "POST":
        if not can_approve:
            raise PermissionDenied("只有本县区工作人员可以审核发放名册")
        try:
            ledger_svc.payment_list_approve(payment_list=plist, actor=request.user)
            messages.success(request, "名册已审核，可按名册发放")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("assistance:payment-list", pk=pk)
    items = AidRecord.objects.filter(payment_list=plist).select_related(
        "household", "household__township", "household__village", "person"
    )
    if request.GET.get("format") == "xlsx":
        audit_record(actor=request.user, action="assistance.payment_list.export", obj=plist)
        rows = (
            (
                r.household.code,
                r.household.township.name,
                r.household.village.name,
                r.person.name if r.person_id else "",
                rules.AID_TYPES[r.aid_type][0],
                r.amount,
                r.note,
            )
            for r in items.order_by("household__township_id", "household_id").iterator(chunk_size=2000)
        )
        return xlsx_response(
            f"{plist.county.name}{plist.month:%Y年%m月}发放名册.xlsx",
            [
                (
                    "发放名册",
                    ["户编号", "乡镇（街道）", "村（社区）", "单人保对象", "类型", "金额（元）", "说明"],
                    rows,
                )
            ],
            note=f"{plist.county.name}{plist.month:%Y年%m月}低保金、特困供养金发放名册（{plist.get_status_display()}）",
        )
    return render(
        request,
        "assistance/payment_list.html",
        {
            "plist": plist,
            "items": list(items.order_by("household__township_id", "household_id")[:1000]),
            "can_approve": can_approve,
        },
    )


# --- import / export ----------------------------------------------------------------------------


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    _require_app_user(request)
    allowed = may_import(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied("只有县区工作人员和市民政局可以导入")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = import_svc.import_create(fileobj=upload, filename=upload.name, actor=request.user)
            except RuleViolation as exc:
                for m in exc.errors.get("file", [exc.message]):
                    form.add_error("file", m)
            else:
                messages.success(request, "已上传，正在后台导入")
                return redirect("assistance:import-batch", pk=batch.pk)
    batches = list(ImportBatchPolicy().scope(request.user, "view").select_related("uploaded_by")[:20])
    return render(
        request,
        "assistance/import.html",
        {
            "form": form,
            "allowed": allowed,
            "batches": batches,
            "counties": county_choices(request.user),
            "headers": C.HEADERS,
            "import_headers": [h for h, _, used in C.COLUMNS if used],
        },
    )


@login_required
def import_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = ImportBatchPolicy().get(request.user, "view", pk=pk)
    template = (
        "assistance/_batch_status.html"
        if request.headers.get("HX-Request")
        else "assistance/import_batch.html"
    )
    return render(request, template, {"batch": batch})


@login_required
def import_errors(request: HttpRequest, pk: int) -> FileResponse:
    batch = ImportBatchPolicy().get(request.user, "view", pk=pk)
    if not batch.error_file:
        raise Http404
    return attachment_response(batch.error_file, f"导入错误-{batch.filename}")


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    _require_app_user(request)
    example = [
        "HH-0001",
        "驿城区",
        "水屯镇",
        "示例村",
        "示例路 1 号",
        "农村",
        "13800000000",
        "",
        "户主",
        "张三",
        "（18 位号码，文本格式）",
        "",
        "",
        "有劳动能力",
        "",
        "",
        "否",
        "是",
        "6000",
        "无",
        "6000",
        "0",
        "0",
        "1200",
        "",
        "",
        "0",
        "1",
        "0",
        "是",
        "0",
        "0",
        "0",
        "0",
        "",
        "低保",
        "否",
        "2024-01-01",
        "",
        "",
    ]
    return xlsx_response(
        "家庭导入模板.xlsx",
        [("家庭成员", C.HEADERS, [example])],
        note="一人一行；同户成员的家庭信息须一致；灰色说明行请删除",
    )


@login_required
def export_provincial(request: HttpRequest) -> HttpResponse:
    """The provincial platform upload (full ID numbers: for the roles that upload; audited)."""
    _require_app_user(request)
    if not (
        has_role(request.user, COUNTY_OFFICER) or is_city_wide(request.user) or is_superuser(request.user)
    ):
        raise PermissionDenied("只有县区工作人员和市民政局可以导出上报数据")
    county = None
    wanted = request.GET.get("county", "")
    if wanted.isdigit():
        county = jurisdiction_units(request.user, OrgUnit.Kind.COUNTY).filter(pk=int(wanted)).first()
        if county is None:
            raise Http404
    households = selectors.households_for_export(
        request.user, county=county, tiers_only=request.GET.get("all") != "1"
    )
    audit_record(
        actor=request.user,
        action="assistance.export.provincial",
        extra={"county": county.code if county else None, "households": households.count(), "unmasked": True},
    )
    name = county.name if county else "全市"
    return xlsx_response(
        f"低收入人口-{name}-{timezone.localdate():%Y%m%d}.xlsx",
        [("低收入人口", C.HEADERS, selectors.provincial_rows(households))],
        note=f"用途：上传省低收入人口动态监测信息平台（{name}）。含完整身份证号，按个人信息保护要求保管。",
    )


@login_required
def publicity_print(request: HttpRequest, village_id: int) -> HttpResponse:
    """The printable publicity list of one village (ID numbers and phones masked)."""
    _require_app_user(request)
    village = (
        jurisdiction_units(request.user, OrgUnit.Kind.VILLAGE)
        .filter(pk=village_id)
        .select_related("parent")
        .first()
    )
    if village is None:
        raise Http404
    day = timezone.localdate()
    wanted = request.GET.get("date", "")
    if wanted:
        try:
            day = date.fromisoformat(wanted)
        except ValueError:
            messages.error(request, "日期格式应为 2024-07-01")
    rows = selectors.publicity_list(request.user, village, on=day)
    return render(request, "assistance/publicity_print.html", {"village": village, "rows": rows, "day": day})
