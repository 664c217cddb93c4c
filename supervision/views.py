"""Pages of the supervision board: the board, a task, a unit's own obligations, filing and
correcting a report, evidence downloads and the XLSX export. Thin: parse, ask a policy, call a
selector or a service, render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.errors import InvalidTransition, RuleViolation
from portal.exports import xlsx_response
from portal.uploads import attachment_response
from supervision import rules, selectors, services
from supervision.forms import (
    BoardFilterForm,
    CompleteForm,
    ReopenForm,
    ReportForm,
    ScheduleForm,
    apply_errors,
    value_field,
)
from supervision.models import Indicator, Report, ReportObligation, Status
from supervision.policies import (
    EvidencePolicy,
    ObligationPolicy,
    ReportPolicy,
    TaskPolicy,
    can_report_for,
    reporter_units,
)


def _board_form(request: HttpRequest) -> BoardFilterForm:
    return BoardFilterForm(request.GET or None, choices=selectors.board_choices())


@login_required
def board(request: HttpRequest) -> HttpResponse:
    form = _board_form(request)
    filters = form.filters()
    tasks_qs = selectors.board_tasks(request.user, **filters)
    tasks = list(tasks_qs)
    counts = selectors.status_counts(selectors.board_tasks(request.user, **{**filters, "status": ""}))
    focus = filters.get("county") or filters.get("unit")
    states = selectors.unit_report_states(focus, [t.pk for t in tasks]) if focus else {}
    rows = [(t, states.get(t.pk)) for t in tasks]
    query = request.GET.urlencode()
    return render(
        request,
        "supervision/board.html",
        {
            "form": form,
            "rows": rows,
            "counts": [(value, label, counts[value]) for value, label in Status.choices],
            "total": sum(counts.values()),
            "focus": focus,
            "query": query,
        },
    )


@login_required
def board_export(request: HttpRequest) -> HttpResponse:
    form = _board_form(request)
    tasks = selectors.board_tasks(request.user, **form.filters())
    sheets = selectors.export_sheets(tasks)
    day = timezone.localdate()
    return xlsx_response(
        f"督查任务进展-{day:%Y%m%d}.xlsx",
        sheets,
        note=f"用途：督查督办工作会议材料。导出时间 {timezone.localtime():%Y-%m-%d %H:%M}，状态按当日规则计算。",
    )


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = TaskPolicy().get(request.user, pk=pk)
    page = selectors.task_page(request.user, task)
    return render(
        request,
        "supervision/task.html",
        {
            "page": page,
            "task": task,
            "complete_form": CompleteForm(),
            "reopen_form": ReopenForm(),
            "schedule_form": ScheduleForm(initial={"frequency": task.report_frequency}),
            "frequencies": rules.FREQUENCIES,
        },
    )


def _supervisor_action(
    request: HttpRequest, pk: int, form_class: Any, action: Any, success: str
) -> HttpResponse:
    task = TaskPolicy().get(request.user, "supervise", pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(task, form.cleaned_data)
            messages.success(request, success)
        except RuleViolation as exc:
            messages.error(request, exc.message)
        except InvalidTransition as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "输入有误：" + "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("supervision:task", pk=task.pk)


@login_required
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _supervisor_action(
        request,
        pk,
        CompleteForm,
        lambda task, data: services.task_complete(task=task, actor=request.user, note=data["note"]),
        "已确认任务完成",
    )


@login_required
@require_POST
def task_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _supervisor_action(
        request,
        pk,
        ReopenForm,
        lambda task, data: services.task_reopen(task=task, actor=request.user, reason=data["reason"]),
        "任务已重新打开",
    )


@login_required
@require_POST
def task_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _supervisor_action(
        request,
        pk,
        ScheduleForm,
        lambda task, data: services.task_schedule_set(
            task=task, actor=request.user, frequency=data["frequency"]
        ),
        "报告周期已调整（自下一报告期起生效）",
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    units = list(reporter_units(request.user))
    unit_id = request.GET.get("unit", "")
    chosen = int(unit_id) if unit_id.isdigit() and int(unit_id) in {u.pk for u in units} else None
    now = timezone.now()
    owed = [(ob, selectors.obligation_state(ob, now)) for ob in selectors.owed(request.user, chosen)[:300]]
    return render(
        request,
        "supervision/mine.html",
        {
            "units": units,
            "chosen": chosen,
            "owed": owed,
            "filed": list(selectors.recently_filed(request.user)),
            "assignments": list(selectors.unit_tasks(request.user)),
        },
    )


def _indicators_for(obligation: ReportObligation) -> list[Indicator]:
    return list(
        Indicator.objects.filter(task_id=obligation.task_id, reporting_unit_id=obligation.unit_id).order_by(
            "number"
        )
    )


@login_required
def report_file(request: HttpRequest, pk: int) -> HttpResponse:
    obligation = ObligationPolicy().get(request.user, "report", pk=pk)
    if obligation.current_report_id:
        messages.info(request, "本期报告已报送；如需修改请提交更正。")
        return redirect("supervision:report", pk=obligation.current_report_id)
    indicators = _indicators_for(obligation)
    form = ReportForm(request.POST or None, indicators=indicators)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_submit(
                obligation=obligation,
                actor=request.user,
                files=request.FILES.getlist("evidence"),
                **form.service_input(),
            )
        except RuleViolation as exc:
            apply_errors(form, exc.errors)
        except InvalidTransition as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已报送 {obligation.period.label} 进度报告")
            return redirect("supervision:task", pk=report.task_id)
    return render(
        request,
        "supervision/report_form.html",
        {
            "form": form,
            "obligation": obligation,
            "task": obligation.task,
            "state": selectors.obligation_state(obligation),
            "files_lost": request.method == "POST" and bool(request.FILES),
            "correction": None,
            "upload_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        },
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = ReportPolicy().get(request.user, pk=pk)
    return render(
        request,
        "supervision/report.html",
        {
            "report": report,
            "task": report.task,
            "values": list(report.values.select_related("indicator").order_by("indicator__number")),
            "evidence": selectors.report_evidence(report),
            "versions": selectors.report_versions(report),
            "can_correct": report.is_current and can_report_for(request.user, report.unit_id),
        },
    )


@login_required
def report_correct(request: HttpRequest, pk: int) -> HttpResponse:
    report: Report = ReportPolicy().get(request.user, "correct", pk=pk)
    if not report.is_current:
        messages.error(request, "只能更正现行版本")
        return redirect("supervision:report", pk=report.pk)
    obligation = report.obligation
    indicators = _indicators_for(obligation)
    initial: dict[str, Any] = {"narrative": report.narrative}
    for v in report.values.all():
        initial[value_field(v.indicator)] = rules.fmt(v.value).replace(",", "")
        initial[f"note_{v.indicator_id}"] = v.note
    form = ReportForm(request.POST or None, indicators=indicators, correction=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.report_correct(
                report=report,
                actor=request.user,
                reason=form.cleaned_data.get("reason", ""),
                files=request.FILES.getlist("evidence"),
                **form.service_input(),
            )
        except RuleViolation as exc:
            apply_errors(form, exc.errors)
        except InvalidTransition as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已提交更正（第 {new.version} 版）")
            return redirect("supervision:report", pk=new.pk)
    return render(
        request,
        "supervision/report_form.html",
        {
            "form": form,
            "obligation": obligation,
            "task": obligation.task,
            "state": selectors.obligation_state(obligation),
            "files_lost": request.method == "POST" and bool(request.FILES),
            "correction": report,
            "upload_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        },
    )


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = EvidencePolicy().get(request.user, pk=pk)
    return attachment_response(evidence.file, evidence.original_name)
