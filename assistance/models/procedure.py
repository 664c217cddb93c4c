from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .household import TIER_CHOICES, Household, Person

OPEN_APPLICATION_STATES = ("received", "reviewed", "publicity")


class Classification(models.Model):
    """One run of the classifier on a household (insert-only): the figures it used, the rule
    set, the result with every check and the explanation."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="classifications")
    application = models.ForeignKey(
        "assistance.Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="classifications",
    )
    ruleset = models.ForeignKey("portal.RuleSet", on_delete=models.PROTECT, related_name="+")
    on_date = models.DateField("规则日期")
    tier = models.CharField("类别", max_length=20, choices=TIER_CHOICES, null=True, blank=True)
    single_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    facts = models.JSONField("依据数据")
    result = models.JSONField("结果")  # {"checks": [...], "explanation": [...], "figures": {...}}
    household_version = models.PositiveIntegerField("家庭信息版本")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "类别审核结果"
        verbose_name_plural = "类别审核结果"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["household", "-at"], name="assist_class_household")]

    def __str__(self) -> str:
        return f"{self.household_id} · {self.tier or '无'} · {self.at:%Y-%m-%d}"


class Application(models.Model):
    """One application (一次申请、分类审核, §3): reviewed tier by tier in the order of §2.

    received → reviewed (outcome: match / higher / other / none) → publicity → approved;
    refused or withdrawn from any open state. Only `assistance.services.applications` writes it.
    """

    class Kind(models.TextChoices):
        NEW = "new", "申请"
        TRANSFER = "transfer", "退出低保/特困转入认定"
        VISIT = "visit", "走访发现"

    class Status(models.TextChoices):
        RECEIVED = "received", "已受理"
        REVIEWED = "reviewed", "已审核"
        PUBLICITY = "publicity", "公示中"
        APPROVED = "approved", "已认定"
        REFUSED = "refused", "不予认定"
        WITHDRAWN = "withdrawn", "已撤回"

    class Outcome(models.TextChoices):
        MATCH = "match", "符合所申请类别"
        HIGHER = "higher", "可能符合更优先类别"
        OTHER = "other", "不符合所申请类别，可能符合其他类别"
        NONE = "none", "不符合任何类别"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="applications")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.NEW)
    requested_tier = models.CharField("申请类别", max_length=20, choices=TIER_CHOICES, null=True, blank=True)
    previous_tier = models.CharField("原类别", max_length=20, choices=TIER_CHOICES, null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.RECEIVED)
    consent_sequential = models.BooleanField("同意按顺序逐类审核", default=True)
    note = models.TextField("申请事由", blank=True)

    outcome = models.CharField("审核结果", max_length=8, choices=Outcome.choices, null=True, blank=True)
    found_tier = models.CharField("审核类别", max_length=20, choices=TIER_CHOICES, null=True, blank=True)
    found_single_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    classification = models.ForeignKey(
        Classification, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    procedure_tier = models.CharField(
        "按此类别认定", max_length=20, choices=TIER_CHOICES, null=True, blank=True
    )
    procedure_single_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    offer_notified_at = models.DateTimeField("告知其他类别时间", null=True, blank=True)
    consent_other = models.BooleanField("同意按其他类别认定", null=True, blank=True)
    consent_other_at = models.DateTimeField(null=True, blank=True)
    switch_consent = models.BooleanField("同意转换为更优先类别", null=True, blank=True)
    switch_decided_at = models.DateTimeField(null=True, blank=True)

    received_at = models.DateTimeField("受理时间")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.CharField("办结说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "低收入人口申请"
        verbose_name_plural = "低收入人口申请"
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status__in=OPEN_APPLICATION_STATES),
                name="assist_one_open_application",
            )
        ]
        indexes = [
            models.Index(fields=["township", "status"], name="assist_app_township"),
            models.Index(fields=["county", "status"], name="assist_app_county"),
        ]

    def __str__(self) -> str:
        return f"申请 #{self.pk}（{self.household.code}）"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATES


class Publicity(models.Model):
    """Publicity (公示) of an application in the applicant's village or community."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="publicity")
    village = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    tier = models.CharField("公示类别", max_length=20, choices=TIER_CHOICES)
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示结束（含）")
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    ruleset = models.ForeignKey("portal.RuleSet", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        indexes = [models.Index(fields=["village", "ends_on"], name="assist_publicity_village")]

    def __str__(self) -> str:
        return f"公示 {self.starts_on}–{self.ends_on}"


class Objection(models.Model):
    """An objection raised during publicity; recorded as received, then resolved."""

    class Status(models.TextChoices):
        OPEN = "open", "待核实"
        UPHELD = "upheld", "异议成立"
        REJECTED = "rejected", "异议不成立"

    publicity = models.ForeignKey(Publicity, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField("收到日期")
    objector = models.CharField("提出人", max_length=60, blank=True, help_text="可匿名")
    content = models.TextField("异议内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField("核实结果", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["received_on", "pk"]

    def __str__(self) -> str:
        return f"异议 #{self.pk}"


class TierPeriod(models.Model):
    """A household's time in a confirmed tier: the source of "people by tier over time"."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="tier_periods")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    tier = models.CharField("类别", max_length=20, choices=TIER_CHOICES)
    single_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    persons = models.PositiveIntegerField("人数")
    start = models.DateField("起")
    end = models.DateField("止（不含）", null=True, blank=True)
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField("终止原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "认定期间"
        verbose_name_plural = "认定期间"
        ordering = ["household_id", "start"]
        indexes = [
            models.Index(fields=["county", "start", "end"], name="assist_period_county"),
            models.Index(fields=["household", "end"], name="assist_period_household"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(end__isnull=True), name="assist_one_current_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.tier} {self.start}–{self.end or ''}"
