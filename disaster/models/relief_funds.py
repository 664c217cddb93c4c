"""Relief funds (救灾资金, plan 5.x(4), 6.1.2, 6.2.3, 6.3.3, 7.1).

A *receipt* is money reaching the city from a source (central, provincial, city budget) for one
purpose; an *allocation* gives part of a receipt to a county (proposed by the emergency bureau,
reviewed by the finance bureau with an insert-only decision, then disbursed). Each receipt and
each disbursed allocation is a *lot* with its own account; an *entry* is one movement on an
account. So every yuan paid to a household names its allocation (county, purpose) and that
allocation's receipt (source, document). Account balances can never go negative: the services
lock the account row and check, and the database refuses a negative balance (CHECK constraints;
PostgreSQL triggers also keep entries and decisions insert-only and refuse a balance that does
not match the latest entry).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from disaster.models.events import Event


class FundSource(models.TextChoices):
    CENTRAL = "central", "中央"
    PROVINCIAL = "provincial", "省级"
    CITY = "city", "市级"


class FundPurpose(models.TextChoices):
    EMERGENCY = "emergency", "应急救助"
    TRANSITIONAL = "transitional", "过渡期生活救助"
    RECONSTRUCTION = "reconstruction", "倒损住房恢复重建"
    WINTER_SPRING = "winter_spring", "冬春救助"


class FundReceipt(models.Model):
    """Money received by the city for relief: a source, a purpose, a document (文号)."""

    source = models.CharField("资金来源", max_length=12, choices=FundSource.choices)
    purpose = models.CharField("资金用途", max_length=16, choices=FundPurpose.choices)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    document_no = models.CharField("下达文号", max_length=80)
    received_on = models.DateField("到账日期")
    event = models.ForeignKey(
        Event, verbose_name="灾害过程", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "救灾资金：来源入账"
        verbose_name_plural = "救灾资金：来源入账"
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="dis_fund_receipt_positive")]
        indexes = [models.Index(fields=["source", "purpose"], name="dis_fund_receipt_sp_idx")]

    def __str__(self) -> str:
        return f"{self.get_source_display()}{self.get_purpose_display()}资金 {self.document_no}"


class FundAllocation(models.Model):
    """Part of a receipt for one county (the allocation proposal of the emergency bureau, the
    finance bureau's review, the disbursement). Source and purpose are the receipt's."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待财政审核"
        APPROVED = "approved", "已审核待下达"
        REJECTED = "rejected", "审核未通过"
        WITHDRAWN = "withdrawn", "已撤回"
        DISBURSED = "disbursed", "已下达"

    receipt = models.ForeignKey(
        FundReceipt, verbose_name="资金来源", on_delete=models.PROTECT, related_name="allocations"
    )
    source = models.CharField("资金来源", max_length=12, choices=FundSource.choices)
    purpose = models.CharField("资金用途", max_length=16, choices=FundPurpose.choices)
    county = models.ForeignKey(
        "portal.OrgUnit", verbose_name="县区", on_delete=models.PROTECT, related_name="+"
    )
    event = models.ForeignKey(
        Event, verbose_name="灾害过程", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    reason = models.TextField("分配依据（灾区申请和灾情核定情况）")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disbursed_at = models.DateTimeField("下达时间", null=True, blank=True)
    disbursement_no = models.CharField("下达文号", max_length=80, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdraw_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "救灾资金：分配下达"
        verbose_name_plural = "救灾资金：分配下达"
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="dis_fund_alloc_positive")]
        indexes = [
            models.Index(fields=["county", "status"], name="dis_fund_alloc_county_idx"),
            models.Index(fields=["status", "-id"], name="dis_fund_alloc_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.get_purpose_display()} {self.amount} 元"

    def get_absolute_url(self) -> str:
        return f"/disaster/relief/funds/allocations/{self.pk}/"


class FundDecision(models.Model):
    """The finance bureau's review of an allocation: insert-only, one per allocation (a rejected
    proposal is proposed again as a new allocation)."""

    allocation = models.OneToOneField(FundAllocation, on_delete=models.PROTECT, related_name="decision")
    approve = models.BooleanField("同意")
    reason = models.CharField("审核意见", max_length=500)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_role = models.CharField(max_length=40)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "救灾资金：财政审核"
        verbose_name_plural = "救灾资金：财政审核"


class FundAccount(models.Model):
    """The balance of one lot: a receipt at city level, or a disbursed allocation at county level.
    Changed only together with a FundEntry (services lock the row first)."""

    class Level(models.TextChoices):
        CITY = "city", "市级"
        COUNTY = "county", "县级"

    level = models.CharField(max_length=6, choices=Level.choices)
    county = models.ForeignKey(
        "portal.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("资金来源", max_length=12, choices=FundSource.choices)
    purpose = models.CharField("资金用途", max_length=16, choices=FundPurpose.choices)
    receipt = models.ForeignKey(FundReceipt, on_delete=models.PROTECT, related_name="accounts")
    allocation = models.OneToOneField(
        FundAllocation, null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    credited = models.DecimalField("入账金额", max_digits=14, decimal_places=2)
    balance = models.DecimalField("余额", max_digits=14, decimal_places=2)
    committed = models.DecimalField("已审核待下达", default=0, max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "救灾资金：账户"
        verbose_name_plural = "救灾资金：账户"
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="dis_fund_acct_balance_nonneg"),
            models.CheckConstraint(condition=Q(committed__gte=0), name="dis_fund_acct_committed_nonneg"),
            models.CheckConstraint(
                condition=Q(committed__lte=F("balance")), name="dis_fund_acct_committed_le"
            ),
            models.CheckConstraint(condition=Q(balance__lte=F("credited")), name="dis_fund_acct_le_credited"),
            models.CheckConstraint(
                condition=(Q(level="city", county__isnull=True, allocation__isnull=True))
                | Q(level="county", county__isnull=False, allocation__isnull=False),
                name="dis_fund_acct_level_shape",
            ),
            models.UniqueConstraint(
                fields=["receipt"], condition=Q(level="city"), name="dis_fund_acct_one_city_per_receipt"
            ),
        ]
        indexes = [
            models.Index(fields=["level", "county", "purpose", "source"], name="dis_fund_acct_key_idx"),
        ]

    def __str__(self) -> str:
        where = self.county.name if self.county_id else "市级"  # type: ignore[union-attr]
        return f"{where} {self.get_source_display()}{self.get_purpose_display()} #{self.pk}"


class FundSpend(models.Model):
    """County spending of a lot that does not reach a household by name (e.g. emergency
    purchases, transport of relocated people): insert-only, with what it paid for."""

    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="spends")
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    description = models.CharField("用途说明", max_length=200)
    spent_on = models.DateField("支出日期")
    spent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "救灾资金：县级支出"
        verbose_name_plural = "救灾资金：县级支出"
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="dis_fund_spend_positive")]


class FundEntry(models.Model):
    """One movement on an account (insert-only): the fund ledger."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "来源入账"
        ALLOCATE_OUT = "allocate_out", "下达县区（市级支出）"
        ALLOCATE_IN = "allocate_in", "下达到县（县级收入）"
        PAYMENT = "payment", "发放到户"
        SPEND = "spend", "县级支出"

    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    delta = models.DecimalField("变动金额", max_digits=14, decimal_places=2)
    balance_after = models.DecimalField("变动后余额", max_digits=14, decimal_places=2)
    allocation = models.ForeignKey(
        FundAllocation, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    payment = models.ForeignKey(
        "disaster.AidPayment", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    spend = models.ForeignKey(FundSpend, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "救灾资金：台账分录"
        verbose_name_plural = "救灾资金：台账分录"
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="dis_fund_entry_nonneg"),
            models.CheckConstraint(condition=~Q(delta=0), name="dis_fund_entry_nonzero"),
        ]
        indexes = [models.Index(fields=["account", "-id"], name="dis_fund_entry_acct_idx")]
