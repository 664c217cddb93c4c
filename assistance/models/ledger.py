from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from assistance import rules

from .household import Household, Person

AID_TYPE_CHOICES = [(k, v[0]) for k, v in rules.AID_TYPES.items()]
AID_LAYER_CHOICES = list(rules.AID_LAYERS.items())


class PaymentList(models.Model):
    """The monthly payment list of basic-living assistance (低保金、特困供养金) of one county."""

    class Status(models.TextChoices):
        DRAFT = "draft", "待审核"
        APPROVED = "approved", "已审核发放"

    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    month = models.DateField("月份（当月 1 日）")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    households = models.PositiveIntegerField("户数", default=0)
    persons = models.PositiveIntegerField("人数", default=0)
    total = models.DecimalField("合计（元）", max_digits=16, decimal_places=2, default=0)
    ruleset = models.ForeignKey("portal.RuleSet", on_delete=models.PROTECT, related_name="+")
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    generated_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "月度发放名册"
        verbose_name_plural = "月度发放名册"
        ordering = ["-month", "county_id"]
        constraints = [models.UniqueConstraint(fields=["county", "month"], name="assist_paylist_month")]

    def __str__(self) -> str:
        return f"{self.county} {self.month:%Y-%m} 发放名册"


class AidRecord(models.Model):
    """The assistance ledger (§5): one grant or service to a household, by type, department,
    amount and date — insert-only; a correction is a reversing entry (`reverses`)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="aid_records")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    aid_type = models.CharField("救助类型", max_length=16, choices=AID_TYPE_CHOICES)
    layer = models.CharField("救助层次", max_length=10, choices=AID_LAYER_CHOICES)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    department = models.ForeignKey(
        "portal.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name="实施部门"
    )
    granted_on = models.DateField("发放/实施日期")
    period = models.DateField("所属月份", null=True, blank=True)
    application = models.ForeignKey(
        "assistance.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="aid_records"
    )
    payment_list = models.ForeignKey(
        PaymentList, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    note = models.CharField("说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "救助帮扶记录"
        verbose_name_plural = "救助帮扶记录"
        ordering = ["-granted_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "aid_type", "period"],
                condition=Q(period__isnull=False, reverses__isnull=True),
                name="assist_aid_once_per_period",
            )
        ]
        indexes = [
            models.Index(fields=["household", "-granted_on"], name="assist_aid_household"),
            models.Index(fields=["county", "granted_on"], name="assist_aid_county"),
        ]

    def __str__(self) -> str:
        return f"{self.get_aid_type_display()} {self.amount}"
