from __future__ import annotations

from django.conf import settings
from django.db import models

from assistance import rules
from assistance.rulekeys import NEEDS

from .household import Household

LEVEL_CHOICES = [(k, rules.WARNING_LEVEL_LABELS[k]) for k in rules.WARNING_LEVELS]
NEED_CHOICES = list(NEEDS.items())


class Warning(models.Model):
    """A monitoring warning (§4 二(二)): a level with a home-visit time limit for the township,
    the need behind it (which department it may be referred to) and what was done."""

    class Source(models.TextChoices):
        DATA = "data", "跨部门数据比对"
        REVIEW = "review", "定期复核"
        VISIT = "visit", "日常走访"
        RANDOM = "random", "随机调查"
        RESCREEN = "rescreen", "标准调整/新数据重新筛查"
        REPORT = "report", "群众反映"

    class Status(models.TextChoices):
        OPEN = "open", "待入户核查"
        VISITED = "visited", "已入户核查"
        CLOSED = "closed", "已办结"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="warnings")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    level = models.CharField("预警级别", max_length=8, choices=LEVEL_CHOICES)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    need = models.CharField("困难类型", max_length=14, choices=NEED_CHOICES, default="basic_living")
    description = models.TextField("预警内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    visit_due_at = models.DateTimeField("入户核查时限")
    ruleset = models.ForeignKey("portal.RuleSet", on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField("预警时间")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visited_at = models.DateTimeField("核查时间", null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    conclusion = models.TextField("办结说明", blank=True)

    class Meta:
        verbose_name = "监测预警"
        verbose_name_plural = "监测预警"
        ordering = ["-raised_at", "-pk"]
        indexes = [
            models.Index(fields=["township", "status", "visit_due_at"], name="assist_warn_township"),
            models.Index(fields=["county", "status"], name="assist_warn_county"),
            models.Index(fields=["household", "status"], name="assist_warn_household"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}预警 #{self.pk}"


class Visit(models.Model):
    """A home visit or check (入户核查, 定期复核, 随机调查) — insert-only. A visit concluding that
    the household may no longer qualify is the verification step before assistance ends."""

    class Kind(models.TextChoices):
        WARNING = "warning", "预警入户核查"
        REVIEW = "review", "定期复核"
        VERIFICATION = "verification", "重新筛查核实"
        ROUTINE = "routine", "日常走访"
        RANDOM = "random", "随机调查"

    class Conclusion(models.TextChoices):
        QUALIFIES = "qualifies", "仍符合现认定类别"
        NOT_QUALIFIES = "not_qualifies", "经核实不再符合现认定类别"
        NEEDS_APPLICATION = "needs_application", "可能符合救助条件，协助申请"
        NO_NEED = "no_need", "暂无救助需求"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    warning = models.ForeignKey(
        Warning, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    kind = models.CharField("类型", max_length=14, choices=Kind.choices)
    visited_on = models.DateField("核查日期")
    findings = models.TextField("核查情况")
    informed_policies = models.BooleanField("已告知相关救助政策", default=False)
    conclusion = models.CharField("结论", max_length=20, choices=Conclusion.choices)
    application = models.ForeignKey(
        "assistance.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "入户核查记录"
        verbose_name_plural = "入户核查记录"
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["household", "-visited_on"], name="assist_visit_household")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visited_on}"


class Referral(models.Model):
    """A warning pushed to the department responsible for the need (§4)."""

    class Status(models.TextChoices):
        SENT = "sent", "已推送"
        HANDLED = "handled", "已反馈"

    warning = models.ForeignKey(Warning, on_delete=models.PROTECT, related_name="referrals")
    department = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    note = models.TextField("推送说明", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SENT)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField()
    response = models.TextField("部门反馈", blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "预警推送"
        verbose_name_plural = "预警推送"
        constraints = [
            models.UniqueConstraint(fields=["warning", "department"], name="assist_referral_once"),
        ]
        indexes = [models.Index(fields=["department", "status"], name="assist_referral_dept")]

    def __str__(self) -> str:
        return f"推送 {self.department} #{self.pk}"


class Escalation(models.Model):
    """A complex case raised to the county coordination mechanism (一事一议)."""

    class Status(models.TextChoices):
        OPEN = "open", "待研究"
        DECIDED = "decided", "已研究"

    warning = models.OneToOneField(Warning, on_delete=models.PROTECT, related_name="escalation")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("提请事由")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField()
    decision = models.TextField("研究意见", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "县级协调机制提请"
        verbose_name_plural = "县级协调机制提请"
        indexes = [models.Index(fields=["county", "status"], name="assist_escalation_county")]

    def __str__(self) -> str:
        return f"一事一议 #{self.pk}"
