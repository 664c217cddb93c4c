"""Every read of the supervision board, already scoped by the access policies."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from portal.models import Deadline, OrgUnit
from supervision import rules
from supervision.models import (
    Assignment,
    Document,
    Evidence,
    Indicator,
    Report,
    ReportObligation,
    ReportValue,
    Section,
    Status,
    Task,
    TaskStatusChange,
)
from supervision.policies import (
    ObligationPolicy,
    ReportPolicy,
    TaskPolicy,
    can_report_for,
    may_supervise,
    reporter_unit_ids,
    sees_everything,
)

OPEN_STATES = (Deadline.Status.OPEN, Deadline.Status.OVERDUE)


def _assignment_prefetch() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(role__in=[Assignment.Role.LEAD, Assignment.Role.CO])
        .select_related("unit")
        .order_by("order"),
        to_attr="department_assignments",
    )


def board_tasks(
    user: Any,
    *,
    document: str = "",
    section: int | None = None,
    unit: int | None = None,
    county: int | None = None,
    status: str = "",
    q: str = "",
) -> QuerySet[Task]:
    """The tasks the user may see, filtered; lead/co units and indicators prefetched."""
    qs = TaskPolicy().scope(user).select_related("document", "section")
    if document:
        qs = qs.filter(document__letter=document)
    if section:
        qs = qs.filter(section_id=section)
    if unit:
        qs = qs.filter(pk__in=Assignment.objects.filter(unit_id=unit).values("task_id"))
    if county:
        qs = qs.filter(pk__in=Assignment.objects.filter(unit_id=county).values("task_id"))
    if status in Status.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(title__contains=q) | Q(text__contains=q) | Q(code__iexact=q))
    return qs.prefetch_related(
        _assignment_prefetch(), Prefetch("indicators", queryset=Indicator.objects.order_by("number"))
    ).order_by("document__letter", "number")


def status_counts(tasks: QuerySet[Task]) -> dict[str, int]:
    counts = dict(tasks.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {s: counts.get(s, 0) for s in Status.values}


@dataclass
class FilterChoices:
    documents: list[tuple[str, str]]
    sections: list[tuple[int, str]]
    units: list[tuple[int, str]]
    counties: list[tuple[int, str]]


def board_choices() -> FilterChoices:
    """Options of the board's filters (public document data: no scoping needed)."""
    documents = [(d.letter, f"{d.number}") for d in Document.objects.all()]
    sections = [
        (s.pk, f"{s.document.number} {s.number}. {s.title}")
        for s in Section.objects.select_related("document").order_by("document__letter", "number")
    ]
    unit_ids = Assignment.objects.exclude(role=Assignment.Role.COUNTY).values("unit_id")
    units = list(OrgUnit.objects.filter(pk__in=unit_ids).order_by("sort", "pk").values_list("pk", "name"))
    counties = list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).order_by("sort", "pk").values_list("pk", "name")
    )
    return FilterChoices(documents, sections, units, counties)


@dataclass
class UnitState:
    label: str
    css: str
    obligation: ReportObligation | None = None


def unit_report_states(unit_id: int, task_ids: list[int]) -> dict[int, UnitState]:
    """For the board's "this unit's reporting" column: the unit's latest obligation per task."""
    latest: dict[int, ReportObligation] = {}
    rows = (
        ReportObligation.objects.filter(unit_id=unit_id, task_id__in=task_ids)
        .select_related("deadline")
        .order_by("task_id", "-period_end")
    )
    for ob in rows:
        latest.setdefault(ob.task_id, ob)
    assigned = set(
        Assignment.objects.filter(unit_id=unit_id, task_id__in=task_ids).values_list("task_id", flat=True)
    )
    states: dict[int, UnitState] = {}
    for task_id in task_ids:
        if task_id not in assigned:
            states[task_id] = UnitState("非责任单位", "")
            continue
        ob = latest.get(task_id)
        states[task_id] = obligation_state(ob) if ob else UnitState("暂无报告期", "")
    return states


def obligation_state(ob: ReportObligation, now: Any = None) -> UnitState:
    now = now or timezone.now()
    label = ob.period.label
    if ob.current_report_id:
        late = ob.deadline is not None and ob.deadline.was_late
        return UnitState(f"{label}已报{'（逾期报送）' if late else ''}", "warning" if late else "ok", ob)
    if ob.deadline is not None and ob.deadline.status == Deadline.Status.CANCELLED:
        return UnitState(f"{label}已取消", "", ob)
    if ob.due_at <= now:
        return UnitState(f"{label}逾期未报", "urgent", ob)
    return UnitState(f"{label}待报（{timezone.localtime(ob.due_at):%m-%d}前）", "", ob)


# --- the task page --------------------------------------------------------------------------


@dataclass
class ReportRow:
    report: Report
    values: list[ReportValue]
    evidence: list[Evidence]
    versions: int


@dataclass
class TaskPage:
    task: Task
    leads: list[Assignment]
    co: list[Assignment]
    counties: list[Assignment]
    indicators: list[Indicator]
    reports: list[ReportRow]
    obligations: list[tuple[ReportObligation, UnitState]]
    history: list[TaskStatusChange]
    chart_json: str | None
    can_supervise: bool
    my_open: list[ReportObligation] = field(default_factory=list)


def _chart(indicators: list[Indicator], readings: dict[int, list[tuple[Any, Decimal]]]) -> str | None:
    """Chart.js config: each indicator's reported values as a share of its target over time."""
    dates = sorted({d for rows in readings.values() for d, _ in rows})
    if not dates:
        return None
    labels = [d.isoformat() for d in dates]
    palette = ["#1d4ed8", "#b45309", "#15803d", "#b91c1c", "#7c3aed", "#0e7490", "#be185d", "#4d7c0f"]
    datasets: list[dict[str, Any]] = []
    for i, ind in enumerate(indicators):
        by_date = dict(readings.get(ind.pk, []))
        if not by_date or ind.target == 0:
            continue
        base = ind.baseline or Decimal(0)
        data = []
        for d in dates:
            if d in by_date:
                share = rules.completion_share(by_date[d], ind.target, base)
                data.append(float(round(share * 100, 1)) if share is not None else None)
            else:
                data.append(None)
        color = palette[i % len(palette)]
        datasets.append(
            {
                "label": f"{ind.name}（目标 {rules.DIRECTIONS[ind.direction]} {rules.fmt(ind.target)}{ind.measure_unit}）",
                "data": data,
                "borderColor": color,
                "backgroundColor": color,
                "spanGaps": True,
                "tension": 0.1,
            }
        )
    if not datasets:
        return None
    datasets.append(
        {
            "label": "目标（100%）",
            "data": [100] * len(dates),
            "borderColor": "#9ca3af",
            "borderDash": [6, 4],
            "pointRadius": 0,
            "fill": False,
        }
    )
    config = {
        "type": "line",
        "data": {"labels": labels, "datasets": datasets},
        "options": {
            "scales": {
                "y": {
                    "suggestedMin": 0,
                    "suggestedMax": 110,
                    "title": {"display": True, "text": "完成目标的百分比（%）"},
                },
                "x": {"title": {"display": True, "text": "数据截至日期"}},
            },
            "plugins": {"legend": {"position": "bottom"}},
        },
    }
    return json.dumps(config, ensure_ascii=False)


def task_page(user: Any, task: Task) -> TaskPage:
    assignments = list(task.assignments.select_related("unit").order_by("order"))
    indicators = list(task.indicators.select_related("reporting_unit", "status_rule_set").order_by("number"))
    readings: dict[int, list[tuple[Any, Decimal]]] = defaultdict(list)
    for value in (
        ReportValue.objects.filter(indicator__task=task, report__is_current=True)
        .select_related("report", "indicator")
        .order_by("report__as_of", "report__submitted_at")
    ):
        if value.report.unit_id == value.indicator.reporting_unit_id:
            readings[value.indicator_id].append((value.report.as_of, value.value))

    reports = list(
        ReportPolicy()
        .scope(user)
        .filter(task=task, is_current=True)
        .select_related("unit", "obligation", "submitted_by")
        .order_by("-obligation__period_end", "unit__sort", "pk")[:200]
    )
    report_ids = [r.pk for r in reports]
    values_by_report: dict[int, list[ReportValue]] = defaultdict(list)
    for v in (
        ReportValue.objects.filter(report_id__in=report_ids)
        .select_related("indicator")
        .order_by("indicator__number")
    ):
        values_by_report[v.report_id].append(v)
    obligation_ids = [r.obligation_id for r in reports]
    evidence_by_obligation: dict[int, list[Evidence]] = defaultdict(list)
    for e in Evidence.objects.filter(obligation_id__in=obligation_ids, report__isnull=False).order_by("pk"):
        evidence_by_obligation[e.obligation_id].append(e)
    rows = [
        ReportRow(r, values_by_report[r.pk], evidence_by_obligation[r.obligation_id], r.version)
        for r in reports
    ]

    now = timezone.now()
    obligations = list(
        ObligationPolicy()
        .scope(user)
        .filter(task=task)
        .select_related("unit", "deadline")
        .order_by("-period_end", "assignment__order")[:120]
    )
    mine = reporter_unit_ids(user)
    my_open = [
        ob
        for ob in obligations
        if ob.current_report_id is None
        and (ob.unit_id in mine or getattr(user, "is_superuser", False))
        and (ob.deadline is None or ob.deadline.status in OPEN_STATES)
    ]
    return TaskPage(
        task=task,
        leads=[a for a in assignments if a.role == Assignment.Role.LEAD],
        co=[a for a in assignments if a.role == Assignment.Role.CO],
        counties=[a for a in assignments if a.role == Assignment.Role.COUNTY],
        indicators=indicators,
        reports=rows,
        obligations=[(ob, obligation_state(ob, now)) for ob in obligations],
        history=list(task.status_changes.select_related("rule_set")[:20]),
        chart_json=_chart(indicators, readings),
        can_supervise=may_supervise(user),
        my_open=my_open,
    )


def report_versions(report: Report) -> list[Report]:
    """Every version of the report's obligation, newest first."""
    return list(
        Report.objects.filter(obligation_id=report.obligation_id)
        .select_related("submitted_by", "unit")
        .order_by("-version")
    )


def report_evidence(report: Report) -> list[Evidence]:
    """Files filed with this version and the earlier ones."""
    return list(
        Evidence.objects.filter(
            obligation_id=report.obligation_id, report__isnull=False, report__version__lte=report.version
        ).order_by("pk")
    )


# --- what a unit owes -----------------------------------------------------------------------


def owed(user: Any, unit_id: int | None = None) -> QuerySet[ReportObligation]:
    """Open and overdue obligations of the user's reporting units (or of one of them)."""
    units = reporter_unit_ids(user)
    if unit_id is not None:
        units = units & {unit_id}
    return (
        ReportObligation.objects.filter(
            unit_id__in=units, current_report__isnull=True, deadline__status__in=list(OPEN_STATES)
        )
        .select_related("task", "unit", "deadline")
        .order_by("due_at", "pk")
    )


def recently_filed(user: Any, limit: int = 30) -> QuerySet[Report]:
    return (
        Report.objects.filter(unit_id__in=reporter_unit_ids(user), is_current=True)
        .select_related("task", "unit", "obligation")
        .order_by("-submitted_at")[:limit]
    )


def unit_tasks(user: Any) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(unit_id__in=reporter_unit_ids(user))
        .select_related("task", "unit")
        .order_by("unit__sort", "task__document__letter", "task__number")
    )


def dashboard_summary(user: Any) -> dict[str, Any] | None:
    if sees_everything(user):
        counts = status_counts(Task.objects.all())
        return {"mode": "supervisor", "counts": counts, "labels": rules.STATUS_LABELS}
    units = reporter_unit_ids(user)
    if not units or not Assignment.objects.filter(unit_id__in=units).exists():
        return None
    qs = owed(user)
    now = timezone.now()
    return {
        "mode": "unit",
        "open": qs.filter(due_at__gt=now).count(),
        "overdue": qs.filter(due_at__lte=now).count(),
    }


def may_report(user: Any, obligation: ReportObligation) -> bool:
    return can_report_for(user, obligation.unit_id)


# --- export ---------------------------------------------------------------------------------


def export_sheets(tasks: QuerySet[Task]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The leadership meeting's workbook: tasks, indicators, and reporting per unit (latest period)."""
    task_list = list(tasks)
    ids = [t.pk for t in task_list]
    task_rows = []
    for t in task_list:
        leads = "、".join(a.unit.name for a in t.department_assignments if a.role == Assignment.Role.LEAD)
        co = "、".join(a.unit.name for a in t.department_assignments if a.role == Assignment.Role.CO)
        task_rows.append(
            [
                t.code,
                t.document.number,
                t.section.title,
                t.title,
                leads,
                co,
                "是" if t.all_counties else "否",
                t.deadline,
                t.get_report_frequency_display(),
                t.get_status_display() if t.status_on else "尚未评估",
                "\n".join(t.status_explanation),
                t.overdue_reports,
                t.last_report_at,
            ]
        )
    indicator_rows = []
    for ind in (
        Indicator.objects.filter(task_id__in=ids)
        .select_related("task", "reporting_unit")
        .order_by("task__document__letter", "task__number", "number")
    ):
        share = (
            rules.completion_share(ind.latest_value, ind.target, ind.baseline)
            if ind.latest_value is not None
            else None
        )
        indicator_rows.append(
            [
                ind.task.code,
                ind.name,
                f"{rules.DIRECTIONS[ind.direction]} {rules.fmt(ind.target)}",
                ind.measure_unit,
                ind.target,
                ind.latest_value,
                ind.latest_as_of,
                rules.percent(share) if share is not None else "",
                ind.deadline,
                ind.reporting_unit.name,
                ind.get_status_display() if ind.status_on else "尚未评估",
                "\n".join(ind.status_explanation),
            ]
        )
    obligation_rows = []
    latest_end: dict[int, Any] = dict(
        ReportObligation.objects.filter(task_id__in=ids)
        .values("task_id")
        .order_by()
        .annotate(m=Max("period_end"))
        .values_list("task_id", "m")
    )
    now = timezone.now()
    rows = (
        ReportObligation.objects.filter(task_id__in=ids)
        .select_related("task", "unit", "deadline", "current_report")
        .order_by("task__document__letter", "task__number", "assignment__order")
    )
    for ob in rows:
        if latest_end.get(ob.task_id) != ob.period_end:
            continue
        state = obligation_state(ob, now)
        obligation_rows.append(
            [
                ob.task.code,
                ob.unit.name,
                ob.period.label,
                ob.due_at,
                ob.filed_at,
                state.label,
            ]
        )
    return [
        (
            "任务",
            [
                "编号",
                "文件",
                "部分/方面",
                "任务",
                "牵头单位",
                "责任单位",
                "各县区落实",
                "截止日期",
                "报告周期",
                "状态",
                "状态说明",
                "逾期未报",
                "最近报告",
            ],
            task_rows,
        ),
        (
            "指标",
            [
                "任务",
                "指标",
                "目标",
                "单位",
                "目标值",
                "最新值",
                "截至",
                "完成比例",
                "截止日期",
                "填报单位",
                "状态",
                "判定说明",
            ],
            indicator_rows,
        ),
        ("最近一期报送", ["任务", "单位", "报告期", "报送时限", "报送时间", "情况"], obligation_rows),
    ]
