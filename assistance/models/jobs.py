from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .household import TIER_CHOICES, Household, Person
from .monitoring import Warning


class RescreenRun(models.Model):
    """One re-screening: the classifier re-run over households after a standard changed or new
    data arrived. It only lists changes (RescreenChange); it never changes a confirmed tier."""

    class Trigger(models.TextChoices):
        STANDARD = "standard", "标准调整"
        DATA = "data", "新数据"
        MANUAL = "manual", "人工发起"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "运行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    trigger = models.CharField("触发原因", max_length=10, choices=Trigger.choices)
    ruleset = models.ForeignKey(
        "portal.RuleSet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_date = models.DateField("规则日期")
    counties = models.JSONField("范围（县区代码，空为全市）", null=True, blank=True)
    household_ids = models.JSONField("指定家庭", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    note = models.CharField("说明", max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    processed = models.PositiveIntegerField("已筛查户数", default=0)
    changes = models.PositiveIntegerField("变化户数", default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "重新筛查"
        verbose_name_plural = "重新筛查"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"重新筛查 #{self.pk}（{self.get_trigger_display()}）"


class RescreenChange(models.Model):
    """A household whose classification now differs from its confirmed tier: to review. An
    exit risk can only lead to ending assistance after a verification visit (§4)."""

    class Direction(models.TextChoices):
        EXIT = "exit", "可能不再符合（须核实）"
        ENTRY = "entry", "可能符合纳入条件"
        CHANGE = "change", "类别可能变化"

    class Status(models.TextChoices):
        PENDING = "pending", "待审查"
        VERIFYING = "verifying", "核实中"
        DISMISSED = "dismissed", "无需处理"
        SUPERSEDED = "superseded", "已被新结果取代"

    run = models.ForeignKey(RescreenRun, on_delete=models.PROTECT, related_name="change_rows")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="rescreen_changes")
    # Few indexes: re-screening inserts these rows in bulk. (county|township, status) serve the
    # lists; run and household have their own.
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False)
    township = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+", db_index=False)
    confirmed_tier = models.CharField(
        "已认定类别", max_length=20, choices=TIER_CHOICES, null=True, blank=True
    )
    previous_tier = models.CharField("上次测算", max_length=20, choices=TIER_CHOICES, null=True, blank=True)
    new_tier = models.CharField("本次测算", max_length=20, choices=TIER_CHOICES, null=True, blank=True)
    new_single_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    direction = models.CharField("方向", max_length=8, choices=Direction.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    ruleset = models.ForeignKey("portal.RuleSet", on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField("处理说明", max_length=300, blank=True)
    warning = models.ForeignKey(
        Warning, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = "筛查变化"
        verbose_name_plural = "筛查变化"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["township", "status"], name="assist_change_township"),
            models.Index(fields=["county", "status"], name="assist_change_county"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(status="pending"), name="assist_change_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"筛查变化 #{self.pk}"


class ImportBatch(models.Model):
    """One uploaded XLSX of households; processed in the background, with an error file."""

    class Status(models.TextChoices):
        PENDING = "pending", "待处理"
        RUNNING = "running", "处理中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    county = models.ForeignKey(
        "portal.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField("文件", upload_to="assistance/imports/%Y/%m/")
    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField("数据行", default=0)
    rows_invalid = models.PositiveIntegerField("错误行", default=0)
    households_created = models.PositiveIntegerField("新增户", default=0)
    households_updated = models.PositiveIntegerField("更新户", default=0)
    households_unchanged = models.PositiveIntegerField("未变化户", default=0)
    error_file = models.FileField("错误文件", upload_to="assistance/imports/errors/%Y/%m/", blank=True)
    message = models.TextField(blank=True)

    class Meta:
        verbose_name = "家庭数据导入"
        verbose_name_plural = "家庭数据导入"
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"导入 {self.filename}"
