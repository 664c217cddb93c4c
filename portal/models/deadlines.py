from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


class Deadline(models.Model):
    """One obligation with a due time, for any subject (a report, an order, an application…).

    Created by `portal.deadlines.deadline_create` when its trigger happens; closed by
    `deadline_meet` / `deadline_cancel`; moved along by the sweep (reminded, overdue, escalated).
    Each step is claimed with a conditional UPDATE so two sweeps never act twice.
    """

    class Status(models.TextChoices):
        OPEN = "open", "未到期"
        MET = "met", "已完成"
        OVERDUE = "overdue", "已逾期"
        CANCELLED = "cancelled", "已取消"

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.PositiveBigIntegerField()
    kind = models.CharField("类型", max_length=60, db_index=True)
    title = models.CharField("事项", max_length=200)
    responsible_unit = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="deadlines")
    escalate_to = models.ForeignKey(
        "portal.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="escalated_deadlines"
    )
    starts_at = models.DateTimeField("起算时间")
    due_at = models.DateTimeField("到期时间")
    remind_at = models.DateTimeField("提醒时间", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.OPEN)
    met_at = models.DateTimeField("完成时间", null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=200, blank=True)
    urgent = models.BooleanField("紧急", default=False)
    # {"every_seconds": 86400} | {"every_days": 10} | {"yearly": "10-15", "time": "24:00"}
    recurrence = models.JSONField(null=True, blank=True)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_occurrence"
    )
    rule_set = models.ForeignKey("portal.RuleSet", null=True, blank=True, on_delete=models.PROTECT)
    basis = models.CharField("依据", max_length=200, blank=True, help_text="政策条款，如 4.2.1")
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "时限"
        verbose_name_plural = "时限"
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="open"), name="deadline_open_due_idx"),
            models.Index(
                fields=["remind_at"],
                condition=Q(status="open", reminded_at__isnull=True),
                name="deadline_open_remind_idx",
            ),
            models.Index(fields=["subject_type", "subject_id", "kind"]),
            models.Index(fields=["responsible_unit", "status", "due_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind", "due_at"], name="deadline_unique_occurrence"
            ),
            models.CheckConstraint(
                condition=Q(due_at__gte=models.F("starts_at")), name="deadline_due_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.due_at:%Y-%m-%d %H:%M}）"

    @property
    def subject(self) -> models.Model | None:
        model = self.subject_type.model_class()
        return model._default_manager.filter(pk=self.subject_id).first() if model else None

    @property
    def was_late(self) -> bool:
        """Met after the due time — judged by the real time it was met (a report made by phone
        during an outage and entered later keeps its real time), else: marked overdue."""
        if self.met_at is not None:
            return self.met_at > self.due_at
        return self.overdue_at is not None


class JobHeartbeat(models.Model):
    """When a periodic job last ran, for /healthz and the admin."""

    name = models.CharField(max_length=60, primary_key=True)
    last_started_at = models.DateTimeField(null=True)
    last_finished_at = models.DateTimeField(null=True)
    last_result = models.JSONField(null=True)

    class Meta:
        verbose_name = "后台任务心跳"
        verbose_name_plural = "后台任务心跳"
