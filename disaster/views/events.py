"""Event pages: the city dashboard, event lists, opening an event, the event page (aggregate,
levels, timeline, chart, deadlines) and the office's actions on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from disaster import selectors
from disaster.forms import (
    AddCountyForm,
    AdjustmentForm,
    CityReportForm,
    CountyLevelForm,
    EventOpenForm,
    PhoneReportForm,
    ProposalForm,
    StableForm,
    VerificationForm,
)
from disaster.models import EventCounty, LevelChange, Proposal, Report, ResponseTask, VerificationRequest
from disaster.policies import (
    EventPolicy,
    TaskPolicy,
    event_counties_for,
    filing_counties,
    is_city_viewer,
)
from disaster.rules.indicators import indicators_for
from disaster.rules.levels import level_zh
from disaster.services import events as ev
from disaster.services import reports as rsvc
from disaster.services import response as resp
from disaster.services.common import COUNTY_KINDS, is_office, unit
from disaster.services.events import CountyStart, may_file_for
from disaster.views.common import apply_errors, flash_error, get_event, int_param, require_disaster_user
from portal.access import COUNTY_OFFICER, has_role, units_in_jurisdiction
from portal.errors import DomainError, RuleViolation
from portal.models import OrgUnit


@login_required
def home(request: HttpRequest) -> HttpResponse:
    require_disaster_user(request)
    if is_city_viewer(request.user):
        return redirect("disaster:dashboard")
    return redirect("disaster:events")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not is_city_viewer(request.user):
        raise PermissionDenied("灾情总览供市级用户使用")
    data = selectors.city_dashboard(request.user)
    return render(request, "disaster/dashboard.html", {"d": data, "office": is_office(request.user)})


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    require_disaster_user(request)
    status = request.GET.get("status", "open")
    before = int_param(request, "before")
    events = selectors.events_for(request.user, status=status, before=before, limit=51)
    more = len(events) > 50
    events = events[:50]
    return render(
        request,
        "disaster/events.html",
        {
            "events": events,
            "status": status,
            "next_before": events[-1].pk if more else None,
            "may_open": has_role(request.user, COUNTY_OFFICER) or is_office(request.user),
        },
    )


def _county_choices(request: HttpRequest) -> Any:
    counties = OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY, active=True).order_by("sort", "pk")
    if is_office(request.user):
        return counties
    return counties.filter(pk__in=units_in_jurisdiction(request.user, [COUNTY_OFFICER]).values("pk"))


@login_required
def event_new(request: HttpRequest) -> HttpResponse:
    counties = _county_choices(request)
    if not counties.exists():
        raise PermissionDenied("只有县区工作人员或市应急管理局可以报告新灾情")
    form = EventOpenForm(request.POST or None, counties=counties, initial={"started_at": None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = ev.event_open(
                actor=request.user,
                type=data["type"],
                title=data["title"],
                started_at=data["started_at"],
                description=data["description"],
                counties=[CountyStart(c, data["started_at"], data["major"]) for c in data["counties"]],
            )
        except RuleViolation as exc:
            apply_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已录入灾害过程：{event.title}")
            mine = filing_counties(request.user, event)
            if mine and not is_office(request.user):
                return redirect(f"/disaster/events/{event.pk}/file/?county={mine[0].county_id}")
            return redirect(event.get_absolute_url())
    return render(request, "disaster/event_new.html", {"form": form}, status=400 if form.errors else 200)


def _figure_columns(drought: bool) -> list[tuple[str, str]]:
    cols = [
        ("affected", "受灾人口"),
        ("deaths", "死亡"),
        ("missing", "失踪"),
        ("relocated_rt", "转移安置·实时"),
        ("relocated_cum", "转移安置·累计"),
        ("housed_cum", "集中安置·累计"),
        ("needing_aid_cum", "需救助·累计"),
    ]
    if drought:
        cols += [("drought_aid_cum", "因旱需救助·累计"), ("drought_water_cum", "饮水困难·累计")]
    cols += [
        ("collapsed_rooms", "倒塌·间"),
        ("severe_rooms", "严重损坏·间"),
        ("direct_loss", "直接经济损失(元)"),
    ]
    return cols


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event(request, pk)
    return render(request, "disaster/event.html", _event_context(request, event))


def _event_context(request: HttpRequest, event: Any, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the event page shows; `bound` replaces action forms that came back with errors
    (so what the user typed is shown again with the messages)."""
    user = request.user
    city = is_city_viewer(user)
    office = is_office(user)
    agg = selectors.event_aggregate(event, user)
    cols = _figure_columns(event.is_drought)
    county_rows = [
        {
            "ec": c["ec"],
            "county": c["county"],
            "values": [c["figures"][f] for f, _ in cols],
            "townships": c["figures"].get("townships", 0),
        }
        for c in agg.counties
    ]
    totals = [agg.total[f] for f, _ in cols]
    drill = None
    drill_id = int_param(request, "county")
    if drill_id is not None:
        ec = event_counties_for(user, event).filter(county_id=drill_id).first()
        if ec is None:
            raise Http404
        drill = {
            "county": ec.county,
            "rows": [
                {"township": cf.township, "report": cf.report, "values": [getattr(cf, f) for f, _ in cols]}
                for cf in selectors.township_figures(event, ec.county)
            ],
        }
    assessment = resp.latest_assessment(event) if city else None
    reports = Report.objects.filter(event=event).select_related("county").order_by("-submitted_at")
    if not city:
        reports = reports.filter(county__in=[c["county"] for c in agg.counties])
    mine = filing_counties(user, event)
    rates = selectors.on_time_rates(event=event)
    context = {
        "event": event,
        "city": city,
        "office": office,
        "cols": cols,
        "county_rows": county_rows,
        "totals": totals,
        "partial": agg.partial,
        "drill": drill,
        "assessment": assessment,
        "adjustment": resp.active_adjustment(event) if city else None,
        "proposals": list(Proposal.objects.filter(event=event).order_by("-proposed_at")[:20]) if city else [],
        "changes": list(
            LevelChange.objects.filter(event=event).select_related("decided_by").order_by("decided_at")
        ),
        "tasks": list(TaskPolicy().scope(user).filter(event=event).order_by("pk")),
        "reports": list(reports[:50]),
        "deadlines": selectors.event_deadlines(event, user),
        "timeline": selectors.timeline(event, user),
        "chart_json": json.dumps(selectors.chart_series(event), ensure_ascii=False),
        "mine": [(ec, rsvc.next_kind(event, ec.county)) for ec in mine],
        "rates": {k: v for k, v in rates.items()},
        "county_kinds": COUNTY_KINDS,
        "verifications": list(
            VerificationRequest.objects.filter(
                event=event,
                target__in=[c["county"] for c in agg.counties] if not city else OrgUnit.objects.all(),
            )
            .select_related("target")
            .order_by("-asked_at")[:20]
        ),
        "level_zh": level_zh(event.current_level),
        "forms": {
            "stable": StableForm(),
            "add_county": AddCountyForm(
                counties=OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).exclude(
                    pk__in=event.counties.values("county_id")
                )
            ),
            "city_report": CityReportForm(),
            "phone": PhoneReportForm(
                counties=OrgUnit.objects.filter(pk__in=event.counties.values("county_id"))
            ),
            "verification": VerificationForm(
                targets=OrgUnit.objects.filter(
                    pk__in=[*event.counties.values_list("county_id", flat=True), unit("yjj").pk]
                )
            ),
            "adjustment": AdjustmentForm(),
            "proposal": ProposalForm(),
            "county_level": CountyLevelForm(),
        }
        if office or mine
        else {},
        "may_adjust": resp.may_adjust(user) if city else False,
        "indicators": indicators_for(event.is_drought),
    }
    for row in context["county_rows"]:
        row["rate"] = rates.get(row["county"].pk)
        row["mine"] = may_file_for(user, row["county"])
    if bound and context["forms"]:
        context["forms"].update(bound)
        context["has_form_errors"] = True
    return context


def _office_action(
    request: HttpRequest,
    pk: int,
    form_class: Any,
    action: Callable[..., Any],
    success: str,
    form_kwargs: Callable[[Any], dict[str, Any]] | None = None,
    *,
    name: str,
    permission: str = "manage",
) -> HttpResponse:
    """Validate an action form and call its service; on bad input re-render the event page with
    the form as typed and the messages (400), never losing what was entered."""
    event = get_event(request, pk, permission)
    form = form_class(request.POST, **(form_kwargs(event) if form_kwargs else {}))
    if form.is_valid():
        try:
            action(event, form.cleaned_data)
        except RuleViolation as exc:
            apply_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, success)
            return redirect(event.get_absolute_url())
    messages.error(request, "操作未完成：请按表单中的提示修改后重新提交。")
    return render(request, "disaster/event.html", _event_context(request, event, {name: form}), status=400)


@login_required
@require_POST
def event_stable(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_action(
        request,
        pk,
        StableForm,
        lambda e, d: ev.event_declare_stable(event=e, actor=request.user, at=d["at"]),
        "已宣布灾情稳定：各受灾县区须在 7 日内报送核报",
        name="stable",
    )


@login_required
@require_POST
def event_close(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event(request, pk, "manage")
    try:
        ev.event_close(event=event, actor=request.user, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, "灾害过程已结束")
    return redirect(event.get_absolute_url())


@login_required
@require_POST
def event_add_county(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_action(
        request,
        pk,
        AddCountyForm,
        lambda e, d: ev.event_add_county(
            event=e, start=CountyStart(d["county"], d["occurred_at"], d["major"]), actor=request.user
        ),
        "已增加受灾县区并通知其报送初报",
        lambda e: {"counties": OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY)},
        name="add_county",
    )


@login_required
@require_POST
def event_national(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event(request, pk, "manage")
    try:
        ev.event_set_national_response(
            event=event, active=request.POST.get("active") == "1", actor=request.user
        )
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, "已更新旱情续报周期")
    return redirect(event.get_absolute_url())


@login_required
@require_POST
def city_report(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_action(
        request,
        pk,
        CityReportForm,
        lambda e, d: resp.city_report_submit(
            event=e, kind=d["kind"], text=d["text"], actor=request.user, reported_at=d["reported_at"]
        ),
        "市级报告已记录",
        name="city_report",
    )


@login_required
@require_POST
def phone_report(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_action(
        request,
        pk,
        PhoneReportForm,
        lambda e, d: rsvc.phone_report_log(
            event=e,
            county=d["county"],
            kind=d["kind"],
            channel=d["channel"],
            made_at=d["made_at"],
            summary=d["summary"],
            actor=request.user,
        ),
        "已登记电话/传真报告：按实际报告时间计入及时率，县区须补录系统",
        lambda e: {"counties": OrgUnit.objects.filter(pk__in=e.counties.values("county_id"))},
        name="phone",
    )


@login_required
@require_POST
def verification_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_action(
        request,
        pk,
        VerificationForm,
        lambda e, d: rsvc.verification_request_create(
            event=e,
            target=d["target"],
            question=d["question"],
            source=d["source"],
            asked_at=d["asked_at"],
            actor=request.user,
        ),
        "已下达核实指令：电话反馈 30 分钟、书面反馈 1 小时",
        lambda e: {
            "targets": OrgUnit.objects.filter(
                pk__in=[*e.counties.values_list("county_id", flat=True), unit("yjj").pk]
            )
        },
        name="verification",
    )


@login_required
@require_POST
def proposal_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_action(
        request,
        pk,
        ProposalForm,
        lambda e, d: resp.proposal_create(
            event=e, action=d["action"], level=d["level"] or None, reason=d["reason"], actor=request.user
        ),
        "已提出建议，等待决定",
        name="proposal",
    )


@login_required
@require_POST
def adjustment(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event(request, pk, "adjust")
    if request.POST.get("revoke"):
        try:
            resp.adjustment_revoke(event=event, reason=request.POST.get("reason", ""), actor=request.user)
        except DomainError as exc:
            flash_error(request, exc)
        else:
            messages.success(request, "已撤销 5.5 调整")
        return redirect(event.get_absolute_url())
    return _office_action(
        request,
        pk,
        AdjustmentForm,
        lambda e, d: resp.adjustment_set(
            event=e,
            factor=d["factor"],
            manual_level=d["manual_level"] or None,
            reason=d["reason"],
            actor=request.user,
        ),
        "已记录 5.5 调整，按标准与调整后的结果并列显示",
        name="adjustment",
        permission="adjust",
    )


@login_required
@require_POST
def county_level(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event(request, pk)
    county_id = int_param(request, "county")
    ec = EventCounty.objects.filter(event=event, county_id=county_id).select_related("county").first()
    if ec is None or not (may_file_for(request.user, ec.county) or is_office(request.user)):
        raise PermissionDenied("只能设置本县区的响应等级")
    form = CountyLevelForm(request.POST)
    if form.is_valid():
        try:
            ev.county_level_set(
                ec=ec,
                level=form.cleaned_data["level"] or None,
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except RuleViolation as exc:
            apply_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已记录{ec.county.name}县级响应等级")
            return redirect(event.get_absolute_url())
    messages.error(request, "操作未完成：请按表单中的提示修改后重新提交。")
    return render(
        request, "disaster/event.html", _event_context(request, event, {"county_level": form}), status=400
    )


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task: ResponseTask = TaskPolicy().get(request.user, "complete", pk=pk)
    try:
        resp.task_complete(task=task, note=request.POST.get("note", ""), actor=request.user)
    except DomainError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, "任务已办结")
    return redirect(f"/disaster/events/{task.event_id}/#tasks")


__all__ = ["EventPolicy"]
