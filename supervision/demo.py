"""Demo data for the supervision board (idempotent): the supervisor and unit reporters, the
2024 history of the economic measures (monthly reports by the lead units, August–December 2024,
entered with the time they were made), and the current month of the ongoing "one thing" tasks
(some units reported, some overdue)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.deadlines import deadline_sweep
from portal.models import OrgUnit
from portal.personas import Persona, ensure_persona
from supervision import rules, services
from supervision.models import Assignment, Indicator, Report, ReportObligation, Task

SUPERVISOR = Persona(
    "sup_zfb",
    "市政府办公室·督查专员",
    "zfb",
    "supervision_officer",
    "督查专员（市人民政府办公室）：督查看板、确认完成、调整周期、导出会议材料",
)
# One reporter per department that leads a task: "sup_<unit code>" (unit_clerk on that unit).
PRINTED = {
    "sup_fgw": "市发改委填报员：22号文多项措施的牵头单位，填报进度",
    "sup_zwfw": "市行政审批和政务信息管理局填报员：“高效办成一件事”牵头单位",
    "sup_zjj": "市住建局填报员：老旧小区改造、保交房等措施",
}
MARKER_TASK = "A10"
# Measures whose 2024 targets the demo misses (A03: technology contracts exactly 40 亿元, which is
# not "超过40亿元").
SHORTFALL = {"A03": Decimal("1.00"), "A10": Decimal("0.96"), "A27": Decimal("0.93")}


def _reporter(unit: OrgUnit) -> Any:
    return ensure_persona(
        Persona(
            f"sup_{unit.code}",
            f"{unit.name}·督查填报员",
            unit.code,
            "unit_clerk",
            f"{unit.name}：督查进度填报",
        )
    )


def _pick(code: str, options: list[Any]) -> Any:
    digest = int(hashlib.sha256(code.encode()).hexdigest(), 16)
    return options[digest % len(options)]


def _q(value: Decimal, unit: str) -> Decimal:
    if unit == "%":
        value = min(value, Decimal(100))
    places = Decimal("0.01") if unit in ("亿元", "亿斤", "万吨标准煤", "%") else Decimal("1")
    return value.quantize(places, rounding=ROUND_HALF_UP)


def _history_value(ind: Indicator, final_ratio: Decimal, step: int, steps: int) -> Decimal:
    """Values of the five monthly reports Aug–Dec 2024, ending at final_ratio × target."""
    final = ind.target * final_ratio
    if ind.direction in rules.CEILINGS:
        return _q(ind.target - Decimal(1) if final_ratio >= 1 else ind.target + Decimal(1), ind.measure_unit)
    if ind.baseline is not None:  # cumulative since 1 January: about 55 % done by August
        share = Decimal("0.55") + (Decimal("0.45") * step / (steps - 1))
        return _q(final * share, ind.measure_unit)
    start = final * Decimal("0.94")
    return _q(start + (final - start) * step / (steps - 1), ind.measure_unit)


def _at(obligation: ReportObligation, days_before_due: int) -> datetime:
    return obligation.due_at - timedelta(days=days_before_due, hours=6)


def _file(
    obligation: ReportObligation, actor: Any, values: dict[int, Decimal], text: str, at: datetime
) -> Report:
    return services.report_submit(
        obligation=obligation,
        actor=actor,
        narrative=text,
        values={k: str(v) for k, v in values.items()},
        at=at,
    )


def _history_2024(reporters: dict[int, Any]) -> int:
    """Doc A: every lead unit reports monthly Aug–Dec 2024; outcomes vary by task."""
    ruleset, params = services._reporting(timezone.localdate())
    escalate = OrgUnit.objects.filter(code=params.escalate_to).first()
    periods = rules.periods_between(date(2024, 8, 1), date(2024, 12, 31), rules.MONTHLY)
    filed = 0
    for task in Task.objects.filter(document__letter="A").order_by("number"):
        lead = (
            task.assignments.filter(role=Assignment.Role.LEAD)
            .select_related("unit", "task__document")
            .first()
        )
        if lead is None:
            continue
        actor = reporters[lead.unit_id]
        indicators = list(task.indicators.filter(reporting_unit=lead.unit).order_by("number"))
        final_ratio = SHORTFALL.get(task.code) or _pick(
            task.code, [Decimal("1.06"), Decimal("1.02"), Decimal("1.00")]
        )
        late_month = _pick(task.code + "late", [None, None, 3, 4])
        for step, period in enumerate(periods):
            ob = services.obligation_create(
                assignment=lead, period=period, ruleset=ruleset, params=params, escalate_to=escalate
            )
            if ob.current_report_id:
                continue
            values = {ind.pk: _history_value(ind, final_ratio, step, len(periods)) for ind in indicators}
            summary = "；".join(
                f"{ind.name}{rules.fmt(values[ind.pk])}{ind.measure_unit}" for ind in indicators
            )
            text = (
                f"{period.label}，{lead.unit.name}围绕“{task.title}”召开专题推进会，逐项对照任务清单推进落实。"
                + (f"截至月底：{summary}。" if summary else "各项工作按计划推进。")
                + "下一步将继续压实责任、加强调度，确保完成全年目标任务。"
            )
            at = _at(ob, -2) if late_month == step else _at(ob, 2)
            _file(ob, actor, values, text, at)
            filed += 1
    return filed


def _current_month(reporters: dict[int, Any], county_users: dict[str, Any]) -> int:
    """Doc B: last month's reports of the lead units (most filed, some overdue) and of two
    counties; this month's obligations are opened by obligations_ensure."""
    now = timezone.now()
    ruleset, params = services._reporting(timezone.localdate())
    escalate = OrgUnit.objects.filter(code=params.escalate_to).first()
    this_month = rules.period_containing(timezone.localdate(), rules.MONTHLY)
    last_month = rules.period_containing(this_month.start - timedelta(days=1), rules.MONTHLY)
    filed = 0
    b_values = {
        ("B01", 1): Decimal("100"),
        ("B01", 2): Decimal("5"),
        ("B05", 1): Decimal("100"),
        ("B05", 2): Decimal("47"),
        ("B05", 3): Decimal("62"),
        ("B05", 4): Decimal("71.5"),
        ("B05", 5): Decimal("80"),
    }
    skip = {"B07", "B12", "B18"}  # their lead units have not reported: overdue
    for task in Task.objects.filter(document__letter="B").order_by("number"):
        for assignment in task.assignments.select_related("unit", "task__document").order_by("order"):
            is_lead = assignment.role == Assignment.Role.LEAD and assignment.order == 0
            county_user = county_users.get(assignment.unit.code)
            if not is_lead and county_user is None:
                continue
            ob = services.obligation_create(
                assignment=assignment, period=last_month, ruleset=ruleset, params=params, escalate_to=escalate
            )
            if ob.current_report_id or (is_lead and task.code in skip):
                continue
            if assignment.unit.code == "yicheng" and task.code in ("B02", "B04", "B11"):
                continue  # 驿城区 has not reported these last month: overdue
            actor = reporters.get(assignment.unit_id) or county_user
            values = {
                ind.pk: b_values[(task.code, ind.number)]
                for ind in task.indicators.filter(reporting_unit=assignment.unit)
            }
            text = (
                f"{last_month.label}，{assignment.unit.name}落实“{task.title}”：梳理事项清单、优化办理流程，"
                "开展窗口人员业务培训，收集企业群众意见建议并逐项整改。下月继续推进。"
            )
            at = min(ob.due_at - timedelta(days=1, hours=5), now - timedelta(hours=1))
            _file(ob, actor, values, text, at)
            filed += 1
    return filed


@transaction.atomic
def seed(stdout: Any = None) -> list[tuple[str, str]]:
    supervisor = ensure_persona(SUPERVISOR)
    county_users = {"yicheng": ensure_persona_by_name("yicheng"), "xiping": ensure_persona_by_name("xiping")}
    lead_units = OrgUnit.objects.filter(
        pk__in=Assignment.objects.filter(role=Assignment.Role.LEAD).values("unit_id")
    ).order_by("sort", "pk")
    reporters = {unit.pk: _reporter(unit) for unit in lead_units}
    if not Report.objects.filter(task__code=MARKER_TASK).exists():
        filed = _history_2024(reporters)
        filed += _current_month(reporters, county_users)
        if stdout:
            stdout.write(f"  督查督办：补录 {filed} 份进度报告")
        # Measures without numeric targets: the supervisor confirms most of them done.
        for task in Task.objects.filter(
            document__letter="A", indicators__isnull=True, completed_at__isnull=True
        ):
            if task.code in ("A12", "A21", "A37"):
                continue
            services.task_complete(
                task=task, actor=supervisor, note="2024年度督查核验：各项工作已按实施办法完成（年终总结材料）"
            )
    services.obligations_ensure()
    deadline_sweep()
    services.task_status_refresh()
    accounts = [(SUPERVISOR.username, SUPERVISOR.description)]
    accounts += [(username, text) for username, text in PRINTED.items()]
    accounts.append(("yicheng / xiping", "县区工作人员：填报本县区的督查进度（驿城区上月逾期未报）"))
    return accounts


def ensure_persona_by_name(username: str) -> Any:
    from portal.personas import BY_USERNAME

    return ensure_persona(BY_USERNAME[username])
