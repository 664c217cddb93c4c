"""Task supervision (督查督办): the two task documents, who answers for each task, its target
indicators, the periodic progress reports the units owe, and the computed status.

Write paths are in services.py; nothing here decides anything. Reports are insert-only:
a correction is a new version (`supersedes`), the old one stays with `is_current=False`.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q

from supervision import rules


class Status(models.TextChoices):
    ON_TRACK = rules.ON_TRACK, rules.STATUS_LABELS[rules.ON_TRACK]
    AT_RISK = rules.AT_RISK, rules.STATUS_LABELS[rules.AT_RISK]
    OVERDUE = rules.OVERDUE, rules.STATUS_LABELS[rules.OVERDUE]
    DONE = rules.DONE, rules.STATUS_LABELS[rules.DONE]


class Frequency(models.TextChoices):
    WEEKLY = rules.WEEKLY, rules.FREQUENCIES[rules.WEEKLY]
    MONTHLY = rules.MONTHLY, rules.FREQUENCIES[rules.MONTHLY]
    QUARTERLY = rules.QUARTERLY, rules.FREQUENCIES[rules.QUARTERLY]


class Direction(models.TextChoices):
    AT_LEAST = rules.AT_LEAST, "≥ 不低于"
    MORE_THAN = rules.MORE_THAN, "> 超过"
    AT_MOST = rules.AT_MOST, "≤ 不超过"
    LESS_THAN = rules.LESS_THAN, "< 低于"


class Document(models.Model):
    """A policy document whose items are tracked (驻政办〔2024〕22号, 驻政〔2024〕10号)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    letter = models.CharField("任务编号前缀", max_length=2, unique=True)
    number = models.CharField("文号", max_length=60)
    title = models.CharField("标题", max_length=200)
    issuer = models.CharField("发文机关", max_length=60)
    issued_on = models.DateField("印发日期")
    source = models.CharField("出处", max_length=100, blank=True)
    section_label = models.CharField("章节称谓", max_length=10, default="部分")
    item_label = models.CharField("条目称谓", max_length=10, default="任务")
    preamble = models.TextField("总体要求", blank=True)
    deadline = models.DateField("统一截止日期", null=True, blank=True)
    deadline_basis = models.CharField("截止日期依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "督查文件"
        verbose_name_plural = "督查文件"
        ordering = ["letter"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Section(models.Model):
    """A part (部分) of the measures or a group (方面) of the one-thing tasks."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="sections")
    number = models.PositiveSmallIntegerField("序号")
    title = models.CharField("标题", max_length=100)

    class Meta:
        verbose_name = "章节"
        verbose_name_plural = "章节"
        ordering = ["document__letter", "number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="sup_section_unique")]

    def __str__(self) -> str:
        return f"{self.document.letter}{self.number} {self.title}"


class Task(models.Model):
    """One measure / task, with its full published text and the parsed responsibility."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="tasks")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="tasks")
    number = models.PositiveSmallIntegerField("序号")
    code = models.CharField("编号", max_length=10, unique=True)
    title = models.CharField("标题", max_length=200)
    text = models.TextField("原文")
    responsibility_text = models.TextField("责任分工原文")
    other_responsible = models.JSONField("其他责任主体（未对应到单位）", default=list, blank=True)
    all_counties = models.BooleanField("各县区政府（管委会）落实", default=False)
    deadline = models.DateField("截止日期", null=True, blank=True)
    deadline_basis = models.CharField("截止日期依据", max_length=200, blank=True)
    report_frequency = models.CharField(
        "报告周期", max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    reporting_starts = models.DateField("开始报送日期")
    reporting_until = models.DateField("报送截止日期", null=True, blank=True, help_text="空表示常态化任务")
    # Confirmed completion by the supervisor (task_complete / task_reopen).
    completed_at = models.DateTimeField("确认完成时间", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completion_note = models.CharField("完成说明", max_length=300, blank=True)
    # The computed evaluation (task_status_refresh): status, the rule version and its explanation.
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.ON_TRACK)
    status_explanation = models.JSONField("状态说明", default=list, blank=True)
    status_rule_set = models.ForeignKey(
        "portal.RuleSet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status_on = models.DateField("评估日期", null=True, blank=True)
    overdue_reports = models.PositiveIntegerField("逾期未报", default=0)
    last_report_at = models.DateTimeField("最近报告时间", null=True, blank=True)

    class Meta:
        verbose_name = "督查任务"
        verbose_name_plural = "督查任务"
        ordering = ["document__letter", "number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="sup_task_unique")]
        indexes = [models.Index(fields=["status", "document"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Assignment(models.Model):
    """A unit answering for a task: lead (牵头), co-responsible (配合) or a county government."""

    class Role(models.TextChoices):
        LEAD = "lead", "牵头单位"
        CO = "co", "责任单位"
        COUNTY = "county", "县区落实"

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(
        "portal.OrgUnit", on_delete=models.PROTECT, related_name="supervision_assignments"
    )
    role = models.CharField("角色", max_length=10, choices=Role.choices)
    order = models.PositiveSmallIntegerField("排序", default=0)
    reports_required = models.BooleanField("需报送进度", default=True)

    class Meta:
        verbose_name = "责任分工"
        verbose_name_plural = "责任分工"
        ordering = ["task", "order"]
        constraints = [models.UniqueConstraint(fields=["task", "unit"], name="sup_assignment_unique")]
        indexes = [models.Index(fields=["unit", "task"])]

    def __str__(self) -> str:
        return f"{self.task.code} · {self.unit} · {self.get_role_display()}"


class Indicator(models.Model):
    """A measurable target of a task ("新增5G基站 ≥ 2000 个，截止 2024-12-31")."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="indicators")
    number = models.PositiveSmallIntegerField("序号")
    name = models.CharField("指标", max_length=120)
    measure_unit = models.CharField("计量单位", max_length=20)
    target = models.DecimalField("目标值", max_digits=20, decimal_places=4)
    direction = models.CharField("方向", max_length=12, choices=Direction.choices)
    baseline = models.DecimalField(
        "起算值", max_digits=20, decimal_places=4, null=True, blank=True, help_text="有起算值时按时间进度判断"
    )
    start = models.DateField("起算日期", null=True, blank=True)
    deadline = models.DateField("截止日期", null=True, blank=True)
    quote = models.CharField("原文摘句", max_length=200)
    note = models.CharField("说明", max_length=200, blank=True)
    reporting_unit = models.ForeignKey(
        "portal.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name="填报单位"
    )
    # Latest current reading from the reporting unit (maintained by report services).
    latest_value = models.DecimalField("最新值", max_digits=20, decimal_places=4, null=True, blank=True)
    latest_as_of = models.DateField("最新值截至", null=True, blank=True)
    latest_report = models.ForeignKey(
        "Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.ON_TRACK)
    status_explanation = models.JSONField("状态说明", default=list, blank=True)
    status_rule_set = models.ForeignKey(
        "portal.RuleSet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status_on = models.DateField("评估日期", null=True, blank=True)

    class Meta:
        verbose_name = "目标指标"
        verbose_name_plural = "目标指标"
        ordering = ["task", "number"]
        constraints = [models.UniqueConstraint(fields=["task", "number"], name="sup_indicator_unique")]

    def __str__(self) -> str:
        return f"{self.name} {rules.DIRECTIONS[self.direction]} {rules.fmt(self.target)}{self.measure_unit}"


class ReportObligation(models.Model):
    """A progress report a unit owes for one period; its due time is a Deadline on the engine."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="obligations")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="obligations")
    unit = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    frequency = models.CharField("周期", max_length=12, choices=Frequency.choices)
    period_start = models.DateField("报告期起")
    period_end = models.DateField("报告期止")
    due_at = models.DateTimeField("报送时限")
    deadline = models.OneToOneField(
        "portal.Deadline", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule_set = models.ForeignKey("portal.RuleSet", on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField("首次报送时间", null=True, blank=True)
    current_report = models.ForeignKey(
        "Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "报告义务"
        verbose_name_plural = "报告义务"
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "period_start"], name="sup_obligation_unique"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="sup_period"),
        ]
        indexes = [
            models.Index(fields=["unit", "due_at"]),
            models.Index(fields=["task", "period_end"]),
        ]

    def __str__(self) -> str:
        return f"{self.task.code} · {self.unit} · {self.period.label}"

    @property
    def period(self) -> rules.Period:
        return rules.Period(self.period_start, self.period_end)


class Report(models.Model):
    """A filed progress report (insert-only). Corrections are new versions."""

    obligation = models.ForeignKey(ReportObligation, on_delete=models.PROTECT, related_name="reports")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField("版本", default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    is_current = models.BooleanField("现行版本", default=True)
    narrative = models.TextField("进展情况")
    as_of = models.DateField("数据截至")
    correction_reason = models.CharField("更正原因", max_length=300, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("报送时间")
    late = models.BooleanField("逾期报送", default=False)

    class Meta:
        verbose_name = "进度报告"
        verbose_name_plural = "进度报告"
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["obligation", "version"], name="sup_report_version"),
            models.UniqueConstraint(
                fields=["obligation"], condition=Q(is_current=True), name="sup_report_one_current"
            ),
        ]
        indexes = [models.Index(fields=["task", "is_current", "as_of"])]

    def __str__(self) -> str:
        return f"{self.task.code} · {self.unit} · {self.obligation.period.label} 第{self.version}版"


class ReportValue(models.Model):
    """The value achieved for one indicator, as of the report's date."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField("完成值", max_digits=20, decimal_places=4)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "指标完成值"
        verbose_name_plural = "指标完成值"
        constraints = [models.UniqueConstraint(fields=["report", "indicator"], name="sup_value_unique")]
        indexes = [models.Index(fields=["indicator", "report"])]


def evidence_path(instance: Evidence, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"supervision/evidence/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """A file supporting a report (photos, minutes, statistics). Uploaded for an obligation;
    attached to the report version it was filed with; later versions keep earlier files."""

    obligation = models.ForeignKey(ReportObligation, on_delete=models.PROTECT, related_name="evidence")
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField("文件", upload_to=evidence_path)
    original_name = models.CharField("文件名", max_length=200)
    size = models.PositiveBigIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class TaskStatusChange(models.Model):
    """Insert-only history of computed task statuses (for the leadership meeting's "changes")."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    on = models.DateField("评估日期")
    at = models.DateTimeField(auto_now_add=True)
    rule_set = models.ForeignKey("portal.RuleSet", null=True, on_delete=models.PROTECT, related_name="+")
    explanation = models.JSONField(default=list)

    class Meta:
        verbose_name = "任务状态变化"
        verbose_name_plural = "任务状态变化"
        ordering = ["-at", "-pk"]
