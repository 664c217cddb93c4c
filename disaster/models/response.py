from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from disaster.models.events import Event, Level


class Assessment(models.Model):
    """One evaluation of an event's aggregate against the response-level rules (insert-only):
    the figures, the rule-set version, the result and its explanation, and — when a 5.5
    adjustment is in force — the adjusted result beside the rule result."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="assessments")
    created_at = models.DateTimeField(auto_now_add=True)
    figures = models.JSONField("灾情数据")
    rule_set = models.ForeignKey("portal.RuleSet", on_delete=models.PROTECT, related_name="+")
    agricultural_population = models.PositiveBigIntegerField(null=True, blank=True)
    level = models.CharField("按标准", max_length=3, choices=Level.choices, null=True, blank=True)
    triggered = models.JSONField(default=list)
    explanation = models.JSONField(default=list)
    adjustment = models.ForeignKey(
        "LevelAdjustment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    adjusted_level = models.CharField("调整后", max_length=3, choices=Level.choices, null=True, blank=True)
    adjusted_explanation = models.JSONField(default=list)
    trigger_report = models.ForeignKey(
        "disaster.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "响应等级评估"
        verbose_name_plural = "响应等级评估"
        indexes = [models.Index(fields=["event", "-created_at"], name="dis_assessment_idx")]

    @property
    def effective_level(self) -> str | None:
        return self.adjusted_level if self.adjustment_id else self.level


class LevelAdjustment(models.Model):
    """5.5: for a sensitive area or time, or weak relief capacity, an authorised user adjusts the
    start conditions of one event — a threshold factor or a manual level — with a reason. One
    in force per event; revoking keeps the row."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="adjustments")
    factor = models.DecimalField("标准系数", max_digits=4, decimal_places=2, null=True, blank=True)
    manual_level = models.CharField(
        "直接认定等级", max_length=3, choices=Level.choices, null=True, blank=True
    )
    reason = models.TextField("理由")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "启动条件调整（5.5）"
        verbose_name_plural = "启动条件调整（5.5）"
        constraints = [
            models.UniqueConstraint(
                fields=["event"], condition=Q(revoked_at__isnull=True), name="dis_adjustment_one_active"
            ),
            models.CheckConstraint(
                condition=Q(factor__isnull=False) | Q(manual_level__isnull=False),
                name="dis_adjustment_has_value",
            ),
            models.CheckConstraint(
                condition=Q(factor__isnull=True) | Q(factor__gt=0), name="dis_adjustment_factor_pos"
            ),
        ]

    def __str__(self) -> str:
        if self.manual_level:
            return f"直接认定{self.get_manual_level_display()}"
        return f"标准乘以 {self.factor}"


class Proposal(models.Model):
    """A proposal of 市减灾委办公室 to activate, upgrade or terminate the city response (5.1.2–5.7),
    created by the system when the aggregate triggers a level above the current one, or by the
    office. Decided only by the role §3 names for the level (directly or as acting deputy)."""

    class Action(models.TextChoices):
        ACTIVATE = "activate", "启动"
        UPGRADE = "upgrade", "提升"
        TERMINATE = "terminate", "终止"

    class Status(models.TextChoices):
        PENDING = "pending", "待决定"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未批准"
        SUPERSEDED = "superseded", "已被新建议取代"
        WITHDRAWN = "withdrawn", "已撤回"

    class Origin(models.TextChoices):
        AUTO = "auto", "系统按标准提出"
        OFFICE = "office", "办公室提出"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="proposals")
    action = models.CharField("事项", max_length=10, choices=Action.choices)
    level = models.CharField("等级", max_length=3, choices=Level.choices)
    from_level = models.CharField("原等级", max_length=3, choices=Level.choices, null=True, blank=True)
    origin = models.CharField("来源", max_length=8, choices=Origin.choices)
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField("建议理由")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_role = models.CharField(max_length=40, blank=True)
    delegated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField("决定意见", blank=True)

    class Meta:
        verbose_name = "响应建议"
        verbose_name_plural = "响应建议"
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event"], condition=Q(status="pending"), name="dis_proposal_one_pending"
            )
        ]
        indexes = [models.Index(fields=["status", "-proposed_at"], name="dis_proposal_status_idx")]

    def __str__(self) -> str:
        return f"{self.event}：建议{self.get_action_display()}{self.get_level_display()}响应"

    def get_absolute_url(self) -> str:
        return f"/disaster/proposals/{self.pk}/"


class LevelChange(models.Model):
    """A decision that changed the city response level (insert-only): who decided, in which role
    (and for whom, when acting as deputy), when, why, and on which assessment."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="level_changes")
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="level_change")
    action = models.CharField(max_length=10, choices=Proposal.Action.choices)
    from_level = models.CharField(max_length=3, choices=Level.choices, null=True, blank=True)
    to_level = models.CharField(max_length=3, choices=Level.choices, null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_role = models.CharField(max_length=40)
    delegated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    reason = models.TextField()
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_no = models.CharField("通知文号", max_length=60)
    notice_text = models.TextField("通知正文")

    class Meta:
        verbose_name = "响应等级决定"
        verbose_name_plural = "响应等级决定"
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.event}：{self.get_action_display()}{self.get_to_level_display() or self.get_from_level_display()}响应"

    def get_absolute_url(self) -> str:
        return f"/disaster/decisions/{self.pk}/notice/"


class ResponseTask(models.Model):
    """A measure of 5.1.3–5.4.3 assigned to a working group (2.2) on activation or upgrade."""

    class Status(models.TextChoices):
        OPEN = "open", "进行中"
        DONE = "done", "已完成"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="tasks")
    level_change = models.ForeignKey(LevelChange, on_delete=models.PROTECT, related_name="tasks")
    code = models.CharField(max_length=40)
    title = models.CharField("任务", max_length=200)
    group = models.ForeignKey(
        "portal.OrgUnit", verbose_name="工作组", on_delete=models.PROTECT, related_name="+"
    )
    basis = models.CharField("依据", max_length=40, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("完成情况", max_length=300, blank=True)

    class Meta:
        verbose_name = "响应任务"
        verbose_name_plural = "响应任务"
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["event", "code"], name="dis_task_uniq")]


class DutyShift(models.Model):
    """The on-duty roster (值班) of a unit: who is on duty when. Urgent notifications about the
    unit's obligations go to whoever is on duty, by SMS and in-app."""

    unit = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="duty_shifts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="duty_shifts")
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    phone = models.CharField("值班电话（手机）", max_length=20, blank=True, help_text="留空则用本人手机号")
    note = models.CharField("备注", max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "值班安排"
        verbose_name_plural = "值班安排"
        ordering = ["unit", "starts_at"]
        indexes = [models.Index(fields=["unit", "ends_at"], name="dis_duty_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="dis_duty_window")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.user}"
