"""Every write of the supervision board.

* `obligations_ensure` — the trigger of the reporting deadlines: for each period that has begun
  and is not yet due, one ReportObligation per reporting unit with its Deadline on the engine;
* `report_submit` / `report_correct` — a unit files its progress report (values, narrative,
  evidence); corrections are new versions;
* `evidence_upload` — an evidence file uploaded ahead of the report (API);
* `task_complete` / `task_reopen` / `task_schedule_set` — the supervisor's actions;
* `task_status_refresh` — recompute indicator and task statuses with the rule set in force.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from portal.audit import audit_record, snapshot
from portal.deadlines import deadline_cancel, deadline_create, deadline_meet
from portal.errors import InvalidTransition, RuleViolation
from portal.models import Deadline, OrgUnit, RuleSet
from portal.rulesets import RuleSetMissing, ruleset_in_force
from portal.uploads import DOCUMENTS, validate_upload
from portal.workcal import calendar
from supervision import rules
from supervision.models import (
    Assignment,
    Evidence,
    Frequency,
    Indicator,
    Report,
    ReportObligation,
    ReportValue,
    Task,
    TaskStatusChange,
)
from supervision.policies import can_report_for

KIND = "supervision.progress_report"
EVIDENCE_KINDS = (*DOCUMENTS, "ofd")  # PDF, OFD, Word, Excel, PowerPoint, images, text
MAX_EVIDENCE_FILES = 10
MAX_VALUE = Decimal("1e15")


def _local_today(now: datetime | None = None) -> date:
    return timezone.localdate(now or timezone.now())


def _reporting(on: date) -> tuple[RuleSet, rules.ReportingParams]:
    rs = ruleset_in_force(rules.REPORTING_KEY, on=on)
    return rs, rules.ReportingParams.from_params(rs.params)


# --- obligations (the reporting deadlines) --------------------------------------------------


def _candidate_periods(task: Task, today: date) -> list[rules.Period]:
    """The current period and the previous one (still open until its due time), within the
    task's reporting window."""
    current = rules.period_containing(today, task.report_frequency)
    previous = rules.period_containing(current.start - timedelta(days=1), task.report_frequency)
    out = []
    for period in (previous, current):
        if period.end < task.reporting_starts:
            continue
        if task.reporting_until is not None and period.start > task.reporting_until:
            continue
        out.append(period)
    return out


def obligation_create(
    *,
    assignment: Assignment,
    period: rules.Period,
    ruleset: RuleSet,
    params: rules.ReportingParams,
    escalate_to: OrgUnit | None,
) -> ReportObligation:
    """One obligation and its Deadline (idempotent on assignment + period start)."""
    task = assignment.task
    is_working = calendar().is_working
    due_at = rules.report_due(period, params, is_working)
    with transaction.atomic():
        obligation, _ = ReportObligation.objects.get_or_create(
            assignment=assignment,
            period_start=period.start,
            defaults={
                "task": task,
                "unit": assignment.unit,
                "frequency": task.report_frequency,
                "period_end": period.end,
                "due_at": due_at,
                "rule_set": ruleset,
            },
        )
        if obligation.deadline_id is None:
            starts = datetime.combine(period.start, time.min, tzinfo=rules.SHANGHAI)
            deadline = deadline_create(
                subject=obligation,
                kind=KIND,
                title=f"{task.code}「{task.title}」{period.label}进度报告",
                responsible_unit=assignment.unit,
                due_at=obligation.due_at,
                starts_at=min(starts, obligation.due_at),
                remind_at=rules.remind_time(obligation.due_at, params, is_working),
                escalate_to=escalate_to,
                rule_set=ruleset,
                basis=f"{task.document.number} 第{task.number}项",
                url=reverse("supervision:report-file", args=[obligation.pk]),
            )
            obligation.deadline = deadline
            obligation.save(update_fields=["deadline"])
        return obligation


def obligations_ensure(*, now: datetime | None = None, task_ids: Iterable[int] | None = None) -> int:
    """Create the obligations of every reporting unit for each period that has begun and is not
    yet due (the current period, and the previous one until its due time). A period already past
    its due time is never back-filled: a deadline is created when its trigger happens. Returns
    how many obligations were created."""
    now = now or timezone.now()
    today = _local_today(now)
    ruleset, params = _reporting(today)
    escalate_to = OrgUnit.objects.filter(code=params.escalate_to).first()
    is_working = calendar().is_working
    tasks = Task.objects.filter(completed_at__isnull=True, reporting_starts__lte=today).select_related(
        "document"
    )
    if task_ids is not None:
        tasks = tasks.filter(pk__in=list(task_ids))
    wanted: dict[int, list[rules.Period]] = {}
    for task in tasks:
        periods = [
            p for p in _candidate_periods(task, today) if rules.report_due(p, params, is_working) > now
        ]
        if periods:
            wanted[task.pk] = periods
    if not wanted:
        return 0
    assignments = list(
        Assignment.objects.filter(task_id__in=list(wanted), reports_required=True).select_related(
            "task__document", "unit"
        )
    )
    earliest = min(p.start for periods in wanted.values() for p in periods)
    taken: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for assignment_id, start, end in ReportObligation.objects.filter(
        assignment__in=[a.pk for a in assignments], period_end__gte=earliest
    ).values_list("assignment_id", "period_start", "period_end"):
        taken[assignment_id].append((start, end))
    created = 0
    for assignment in assignments:
        for period in wanted[assignment.task_id]:
            # Already opened, or covered by an obligation of the former cycle after a schedule
            # change: the new cycle starts with the first period that overlaps none.
            if any(start <= period.end and period.start <= end for start, end in taken[assignment.pk]):
                continue
            obligation_create(
                assignment=assignment, period=period, ruleset=ruleset, params=params, escalate_to=escalate_to
            )
            taken[assignment.pk].append((period.start, period.end))
            created += 1
    return created


# --- reports --------------------------------------------------------------------------------


def _parse_values(
    obligation: ReportObligation, values: Mapping[int, Any], notes: Mapping[int, str]
) -> list[tuple[Indicator, Decimal, str]]:
    """Check one value per indicator this unit reports; field errors keyed `value_<id>`."""
    indicators = list(
        Indicator.objects.filter(task_id=obligation.task_id, reporting_unit_id=obligation.unit_id)
    )
    errors: dict[str, list[str]] = {}
    parsed: list[tuple[Indicator, Decimal, str]] = []
    allowed = {i.pk for i in indicators}
    for key in values:
        if int(key) not in allowed:
            errors.setdefault("values", []).append(f"指标 {key} 不是本单位在本任务中填报的指标")
    for ind in indicators:
        field = f"value_{ind.pk}"
        raw = values.get(ind.pk)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            errors[field] = [f"请填写「{ind.name}」截至本期末的完成值（{ind.measure_unit}）"]
            continue
        try:
            value = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            errors[field] = [f"「{ind.name}」的完成值应为数字，例如 1200 或 85.5"]
            continue
        if not value.is_finite():
            errors[field] = [f"「{ind.name}」的完成值应为数字"]
        elif value < 0:
            errors[field] = [f"「{ind.name}」的完成值不能为负数"]
        elif value >= MAX_VALUE:
            errors[field] = [f"「{ind.name}」的完成值过大"]
        elif ind.measure_unit == "%" and value > 100:
            errors[field] = [f"「{ind.name}」是百分比，不能超过 100"]
        elif value.as_tuple().exponent < -4:  # type: ignore[operator]
            errors[field] = [f"「{ind.name}」最多保留 4 位小数"]
        else:
            parsed.append((ind, value, (notes.get(ind.pk) or "").strip()[:200]))
    if errors:
        raise RuleViolation(errors=errors)
    return parsed


def _check_narrative(narrative: str) -> str:
    text = (narrative or "").strip()
    if not text:
        raise RuleViolation(errors={"narrative": ["请填写本期工作进展情况"]})
    if len(text) > 20000:
        raise RuleViolation(errors={"narrative": ["进展情况不超过 20000 字"]})
    return text


def _check_file(file: UploadedFile) -> None:
    """Size, extension and content (magic bytes), by the platform's upload check."""
    validate_upload(file, kinds=EVIDENCE_KINDS, field="evidence")


def _store_evidence(
    *, obligation: ReportObligation, actor: Any, file: UploadedFile, report: Report | None
) -> Evidence:
    _check_file(file)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return Evidence.objects.create(
        obligation=obligation,
        report=report,
        file=file,
        original_name=(file.name or "file")[:200],
        size=file.size or 0,
        sha256=digest.hexdigest(),
        content_type=(getattr(file, "content_type", "") or "")[:100],
        uploaded_by=actor,
    )


def _require_reporter(actor: Any, obligation: ReportObligation) -> None:
    if not can_report_for(actor, obligation.unit_id):
        raise PermissionDenied("只有本单位的填报人员可以报送本单位的进度报告")


def evidence_upload(*, obligation: ReportObligation, actor: Any, file: UploadedFile) -> Evidence:
    """Upload a file ahead of the report (API); it is attached when the report is filed."""
    _require_reporter(actor, obligation)
    with transaction.atomic():
        evidence = _store_evidence(obligation=obligation, actor=actor, file=file, report=None)
        audit_record(
            actor=actor,
            action="supervision.evidence.upload",
            obj=evidence,
            after={"obligation": obligation.pk, "name": evidence.original_name, "sha256": evidence.sha256},
        )
    return evidence


def _attach(
    *,
    obligation: ReportObligation,
    report: Report,
    actor: Any,
    files: Sequence[UploadedFile],
    evidence_ids: Sequence[int],
) -> list[Evidence]:
    ids = [int(i) for i in evidence_ids]
    pending = list(
        Evidence.objects.select_for_update().filter(
            pk__in=ids, obligation=obligation, report__isnull=True, uploaded_by=actor
        )
    )
    if len(pending) != len(set(ids)):
        raise RuleViolation(
            errors={"evidence": ["佐证材料编号无效：只能附上本人为本期报告上传、尚未使用的文件"]}
        )
    if len(pending) + len(files) > MAX_EVIDENCE_FILES:
        raise RuleViolation(errors={"evidence": [f"每次报送最多附 {MAX_EVIDENCE_FILES} 个文件"]})
    for file in files:
        _check_file(file)
    Evidence.objects.filter(pk__in=[e.pk for e in pending]).update(report=report)
    stored = [_store_evidence(obligation=obligation, actor=actor, file=f, report=report) for f in files]
    return pending + stored


def _refresh_latest(indicator_ids: Iterable[int]) -> None:
    """Each indicator's latest current value from its reporting unit (latest as-of date wins)."""
    for ind in Indicator.objects.select_for_update().filter(pk__in=list(indicator_ids)).order_by("pk"):
        latest = (
            ReportValue.objects.filter(
                indicator=ind, report__is_current=True, report__unit_id=ind.reporting_unit_id
            )
            .select_related("report")
            .order_by("-report__as_of", "-report__submitted_at", "-pk")
            .first()
        )
        ind.latest_value = latest.value if latest else None
        ind.latest_as_of = latest.report.as_of if latest else None
        ind.latest_report = latest.report if latest else None
        ind.save(update_fields=["latest_value", "latest_as_of", "latest_report"])


def _values_snapshot(values: list[tuple[Indicator, Decimal, str]]) -> list[dict[str, Any]]:
    return [
        {"indicator": ind.pk, "name": ind.name, "value": value, "note": note} for ind, value, note in values
    ]


def report_submit(
    *,
    obligation: ReportObligation,
    actor: Any,
    narrative: str,
    values: Mapping[int, Any] | None = None,
    value_notes: Mapping[int, str] | None = None,
    files: Sequence[UploadedFile] = (),
    evidence_ids: Sequence[int] = (),
    at: datetime | None = None,
) -> Report:
    """File the unit's report for the obligation's period and meet its deadline. `at` is the
    real time the report was made when it is entered later (a paper report typed in after an
    outage, demo history); pages and the API never pass it."""
    _require_reporter(actor, obligation)
    text = _check_narrative(narrative)
    parsed = _parse_values(obligation, values or {}, value_notes or {})
    now = at or timezone.now()
    with transaction.atomic():
        locked = (
            ReportObligation.objects.select_for_update(of=("self",))
            .select_related("task", "deadline")
            .get(pk=obligation.pk)
        )
        if locked.current_report_id is not None:
            raise InvalidTransition("本期进度报告已经报送；如需修改，请在报告页提交更正")
        if locked.deadline is not None and locked.deadline.status == Deadline.Status.CANCELLED:
            raise InvalidTransition("该期报告已取消（任务已确认完成），无需报送")
        report = Report.objects.create(
            obligation=locked,
            task=locked.task,
            unit_id=locked.unit_id,
            version=1,
            narrative=text,
            as_of=rules.report_as_of(locked.period, _local_today(now)),
            submitted_by=actor,
            submitted_at=now,
            late=now > locked.due_at,
        )
        ReportValue.objects.bulk_create(
            [ReportValue(report=report, indicator=ind, value=value, note=note) for ind, value, note in parsed]
        )
        evidence = _attach(
            obligation=locked, report=report, actor=actor, files=files, evidence_ids=evidence_ids
        )
        locked.filed_at = now
        locked.current_report = report
        locked.save(update_fields=["filed_at", "current_report"])
        deadline_meet(subject=locked, kind=KIND, at=now, actor=actor, which="all")
        _refresh_latest(ind.pk for ind, _, _ in parsed)
        Task.objects.filter(pk=locked.task_id).update(last_report_at=now)
        audit_record(
            actor=actor,
            action="supervision.report.submit",
            obj=report,
            after={
                **snapshot(report),
                "values": _values_snapshot(parsed),
                "evidence": [e.original_name for e in evidence],
            },
        )
        task_status_refresh(task_ids=[locked.task_id], today=_local_today(now))
    return report


def report_correct(
    *,
    report: Report,
    actor: Any,
    reason: str,
    narrative: str,
    values: Mapping[int, Any] | None = None,
    value_notes: Mapping[int, str] | None = None,
    files: Sequence[UploadedFile] = (),
    evidence_ids: Sequence[int] = (),
) -> Report:
    """A new version of a filed report. The old version stays, marked not current; files filed
    with earlier versions stay attached to them and are shown with the new one."""
    obligation = report.obligation
    _require_reporter(actor, obligation)
    why = (reason or "").strip()
    if not why:
        raise RuleViolation(errors={"reason": ["请填写更正原因"]})
    text = _check_narrative(narrative)
    parsed = _parse_values(obligation, values or {}, value_notes or {})
    now = timezone.now()
    with transaction.atomic():
        locked_ob = (
            ReportObligation.objects.select_for_update(of=("self",))
            .select_related("task")
            .get(pk=obligation.pk)
        )
        old = Report.objects.select_for_update(of=("self",)).get(pk=report.pk)
        if not old.is_current:
            raise InvalidTransition("只能更正现行版本；该版本已被更正")
        old_values = list(old.values.values("indicator_id", "value", "note"))
        Report.objects.filter(pk=old.pk).update(is_current=False)
        new = Report.objects.create(
            obligation=locked_ob,
            task=locked_ob.task,
            unit_id=locked_ob.unit_id,
            version=old.version + 1,
            supersedes=old,
            narrative=text,
            as_of=old.as_of,
            correction_reason=why[:300],
            submitted_by=actor,
            submitted_at=now,
            late=old.late,
        )
        ReportValue.objects.bulk_create(
            [ReportValue(report=new, indicator=ind, value=value, note=note) for ind, value, note in parsed]
        )
        evidence = _attach(
            obligation=locked_ob, report=new, actor=actor, files=files, evidence_ids=evidence_ids
        )
        locked_ob.current_report = new
        locked_ob.save(update_fields=["current_report"])
        _refresh_latest({ind.pk for ind, _, _ in parsed} | {v["indicator_id"] for v in old_values})
        audit_record(
            actor=actor,
            action="supervision.report.correct",
            obj=new,
            before={**snapshot(old), "values": old_values},
            after={
                **snapshot(new),
                "values": _values_snapshot(parsed),
                "evidence": [e.original_name for e in evidence],
            },
            extra={"reason": why},
        )
        task_status_refresh(task_ids=[locked_ob.task_id])
    return new


# --- supervisor actions ---------------------------------------------------------------------


def task_complete(*, task: Task, actor: Any, note: str) -> Task:
    """The supervisor confirms the task done: its status becomes done and open report
    obligations are cancelled (overdue ones stay overdue)."""
    text = (note or "").strip()
    if not text:
        raise RuleViolation(errors={"note": ["请填写确认完成的依据或说明"]})
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.completed_at is not None:
            raise InvalidTransition("该任务已确认完成")
        before = snapshot(locked, ["completed_at", "completed_by", "completion_note", "status"])
        locked.completed_at = timezone.now()
        locked.completed_by = actor
        locked.completion_note = text[:300]
        locked.save(update_fields=["completed_at", "completed_by", "completion_note"])
        for obligation in ReportObligation.objects.filter(
            task=locked, current_report__isnull=True, deadline__status=Deadline.Status.OPEN
        ).order_by("pk"):
            deadline_cancel(subject=obligation, kind=KIND, reason="任务已确认完成", actor=actor)
        audit_record(
            actor=actor,
            action="supervision.task.complete",
            obj=locked,
            before=before,
            after=snapshot(locked, ["completed_at", "completed_by", "completion_note"]),
        )
        task_status_refresh(task_ids=[locked.pk])
    locked.refresh_from_db()
    return locked


def task_reopen(*, task: Task, actor: Any, reason: str) -> Task:
    why = (reason or "").strip()
    if not why:
        raise RuleViolation(errors={"reason": ["请填写重新打开的原因"]})
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.completed_at is None:
            raise InvalidTransition("该任务尚未确认完成，无需重新打开")
        before = snapshot(locked, ["completed_at", "completed_by", "completion_note"])
        locked.completed_at = None
        locked.completed_by = None
        locked.completion_note = ""
        locked.save(update_fields=["completed_at", "completed_by", "completion_note"])
        audit_record(
            actor=actor, action="supervision.task.reopen", obj=locked, before=before, extra={"reason": why}
        )
        obligations_ensure(task_ids=[locked.pk])
        task_status_refresh(task_ids=[locked.pk])
    locked.refresh_from_db()
    return locked


def task_schedule_set(*, task: Task, actor: Any, frequency: str) -> Task:
    """Change the reporting cycle. Obligations already created keep their period; the new cycle
    starts with its first period that overlaps none of them (see obligations_ensure)."""
    if frequency not in Frequency.values:
        raise RuleViolation(errors={"frequency": [f"报告周期应为：{'、'.join(Frequency.labels)}"]})
    with transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.report_frequency == frequency:
            return locked
        before = locked.report_frequency
        locked.report_frequency = frequency
        locked.save(update_fields=["report_frequency"])
        audit_record(
            actor=actor,
            action="supervision.task.schedule",
            obj=locked,
            before={"report_frequency": before},
            after={"report_frequency": frequency},
        )
    return locked


def config_change(*, obj: Indicator | Assignment, actor: Any, changed: list[str]) -> None:
    """Admin edits of an indicator (填报单位, 起算值) or an assignment (是否需报送): saved,
    audited, and the latest values and statuses recomputed."""
    with transaction.atomic():
        before = snapshot(type(obj).objects.get(pk=obj.pk), changed) if obj.pk else None
        obj.save()
        audit_record(
            actor=actor,
            action=f"supervision.{obj._meta.model_name}.change",
            obj=obj,
            before=before,
            after=snapshot(obj, changed),
        )
        if isinstance(obj, Indicator):
            _refresh_latest([obj.pk])
        task_status_refresh(task_ids=[obj.task_id])


# --- status ---------------------------------------------------------------------------------


def _status_params(on: date) -> tuple[RuleSet, rules.StatusParams]:
    rs = ruleset_in_force(rules.STATUS_KEY, on=on)
    return rs, rules.StatusParams.from_params(rs.params)


def indicator_facts(ind: Indicator) -> rules.IndicatorFacts:
    return rules.IndicatorFacts(
        name=ind.name,
        unit=ind.measure_unit,
        target=ind.target,
        direction=ind.direction,
        deadline=ind.deadline,
        baseline=ind.baseline,
        start=ind.start,
    )


def task_status_refresh(*, task_ids: Iterable[int] | None = None, today: date | None = None) -> int:
    """Recompute the status of indicators and tasks on `today` (default: today in Asia/Shanghai)
    with the rule set in force that day. Writes only what changed; every task status change is
    logged (TaskStatusChange) and audited. Returns the number of tasks whose status changed."""
    day = today or _local_today()
    ruleset, params = _status_params(day)
    with transaction.atomic():
        qs = Task.objects.all()
        if task_ids is not None:
            qs = qs.filter(pk__in=list(task_ids))
        tasks = list(qs.select_for_update().order_by("pk"))
        if not tasks:
            return 0
        ids = [t.pk for t in tasks]
        by_task: dict[int, list[Indicator]] = defaultdict(list)
        for ind in Indicator.objects.filter(task_id__in=ids).order_by("task_id", "number"):
            by_task[ind.task_id].append(ind)
        overdue = dict(
            ReportObligation.objects.filter(
                task_id__in=ids, current_report__isnull=True, deadline__status=Deadline.Status.OVERDUE
            )
            .values("task_id")
            .annotate(n=Count("pk"))
            .values_list("task_id", "n")
        )
        changed_inds: list[Indicator] = []
        changed_tasks: list[Task] = []
        changes: list[TaskStatusChange] = []
        for task in tasks:
            evaluations = []
            for ind in by_task[task.pk]:
                reading = (
                    rules.Reading(ind.latest_value, ind.latest_as_of)
                    if ind.latest_value is not None and ind.latest_as_of is not None
                    else None
                )
                ev = rules.indicator_status(
                    indicator_facts(ind),
                    reading,
                    today=day,
                    frequency=task.report_frequency,
                    reporting_starts=task.reporting_starts,
                    params=params,
                )
                evaluations.append((ind.name, ev))
                if (ind.status, ind.status_explanation, ind.status_rule_set_id, ind.status_on) != (
                    ev.status,
                    ev.lines,
                    ruleset.pk,
                    day,
                ):
                    ind.status, ind.status_explanation = ev.status, ev.lines
                    ind.status_rule_set_id, ind.status_on = ruleset.pk, day
                    changed_inds.append(ind)
            facts = rules.TaskFacts(
                deadline=task.deadline,
                completed_on=timezone.localdate(task.completed_at) if task.completed_at else None,
                completion_note=task.completion_note,
                overdue_reports=overdue.get(task.pk, 0),
            )
            result = rules.task_status(facts, evaluations, today=day)
            never_evaluated = task.status_on is None
            if never_evaluated or task.status != result.status:
                changes.append(
                    TaskStatusChange(
                        task=task,
                        from_status="" if never_evaluated else task.status,
                        to_status=result.status,
                        on=day,
                        rule_set=ruleset,
                        explanation=result.lines,
                    )
                )
            if (
                task.status,
                task.status_explanation,
                task.status_rule_set_id,
                task.status_on,
                task.overdue_reports,
            ) != (result.status, result.lines, ruleset.pk, day, facts.overdue_reports):
                task.status, task.status_explanation = result.status, result.lines
                task.status_rule_set_id, task.status_on = ruleset.pk, day
                task.overdue_reports = facts.overdue_reports
                changed_tasks.append(task)
        Indicator.objects.bulk_update(
            changed_inds, ["status", "status_explanation", "status_rule_set", "status_on"], batch_size=500
        )
        Task.objects.bulk_update(
            changed_tasks,
            ["status", "status_explanation", "status_rule_set", "status_on", "overdue_reports"],
            batch_size=500,
        )
        TaskStatusChange.objects.bulk_create(changes)
        for change in changes:
            if change.from_status:
                audit_record(
                    actor=None,
                    action="supervision.task.status",
                    obj=change.task,
                    before={"status": change.from_status},
                    after={"status": change.to_status, "on": day, "explanation": change.explanation},
                    extra={"rule_set": ruleset.as_ref()},
                )
    return len([c for c in changes if c.from_status])


def on_reports_overdue(deadlines: list[Deadline]) -> None:
    """Deadline-engine hook (inside the sweep's transaction): a report just became overdue, so
    its task's status may turn "at risk"."""
    task_ids = set(
        ReportObligation.objects.filter(deadline__in=[d.pk for d in deadlines]).values_list(
            "task_id", flat=True
        )
    )
    if task_ids:
        moments = [d.overdue_at for d in deadlines if d.overdue_at is not None]
        task_status_refresh(task_ids=task_ids, today=_local_today(max(moments)) if moments else None)


def evaluate_preview(
    *,
    facts: rules.IndicatorFacts,
    reading: rules.Reading | None,
    on: date,
    frequency: str,
    reporting_starts: date,
) -> tuple[rules.Evaluation, RuleSet]:
    """The status rule on given figures, with the rule set in force on `on` (API preview)."""
    try:
        ruleset, params = _status_params(on)
    except RuleSetMissing:
        raise RuleViolation(errors={"date": [f"{on:%Y-%m-%d} 没有生效的状态判定规则版本"]}) from None
    ev = rules.indicator_status(
        facts, reading, today=on, frequency=frequency, reporting_starts=reporting_starts, params=params
    )
    return ev, ruleset


def daily_refresh(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: create this period's obligations, then re-evaluate every task."""
    created = obligations_ensure(now=now)
    changed = task_status_refresh(today=_local_today(now))
    return {"obligations_created": created, "status_changed": changed}
