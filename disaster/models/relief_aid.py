"""After-disaster aid (6): transitional living aid (6.1), housing reconstruction (6.2) and
winter-spring relief (6.3), as one shape — a *programme* per county (per event, or per year for
winter-spring) with needs assessments, a fund plan (资金补助方案, versioned), beneficiaries taken
from the verified-report ledger, payments drawn from a county fund lot, and performance
evaluations. Assessments, plans, payments and evaluations are insert-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from disaster.models.events import Event
from disaster.models.ledger import LedgerHousehold, LedgerPerson
from disaster.models.relief_funds import FundAccount, FundPurpose


class AidKind(models.TextChoices):
    TRANSITIONAL = "transitional", "过渡期生活救助"
    RECONSTRUCTION = "reconstruction", "倒损住房恢复重建"
    WINTER_SPRING = "winter_spring", "冬春救助"


PURPOSE_OF_KIND = {
    AidKind.TRANSITIONAL: FundPurpose.TRANSITIONAL,
    AidKind.RECONSTRUCTION: FundPurpose.RECONSTRUCTION,
    AidKind.WINTER_SPRING: FundPurpose.WINTER_SPRING,
}


class AidProgramme(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "调查核定中"
        SUBMITTED = "submitted", "需求已上报"
        CLOSED = "closed", "工作结束"

    kind = models.CharField("救助类型", max_length=16, choices=AidKind.choices)
    county = models.ForeignKey(
        "portal.OrgUnit", verbose_name="县区", on_delete=models.PROTECT, related_name="+"
    )
    event = models.ForeignKey(
        Event, verbose_name="灾害过程", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度（冬春救助）", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    rule_set = models.ForeignKey(
        "portal.RuleSet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    survey_started_at = models.DateTimeField("开始调查时间", null=True, blank=True)
    survey_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    needs_submitted_at = models.DateTimeField("需求上报时间", null=True, blank=True)
    needs_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("工作结束时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "灾后救助工作"
        verbose_name_plural = "灾后救助工作"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "event", "county"],
                condition=Q(event__isnull=False),
                name="dis_aid_prog_event_uniq",
            ),
            models.UniqueConstraint(
                fields=["kind", "year", "county"],
                condition=Q(kind="winter_spring"),
                name="dis_aid_prog_year_uniq",
            ),
            models.CheckConstraint(
                condition=(Q(kind="winter_spring", year__isnull=False, event__isnull=True))
                | (~Q(kind="winter_spring") & Q(event__isnull=False, year__isnull=True)),
                name="dis_aid_prog_shape",
            ),
        ]
        indexes = [
            models.Index(fields=["county", "kind", "status"], name="dis_aid_prog_county_idx"),
            models.Index(fields=["kind", "year"], name="dis_aid_prog_year_idx"),
        ]

    def __str__(self) -> str:
        when = f"{self.year}年度" if self.year else str(self.event)
        return f"{self.county} · {self.get_kind_display()} · {when}"

    def get_absolute_url(self) -> str:
        return f"/disaster/relief/aid/{self.pk}/"

    @property
    def purpose(self) -> str:
        return str(PURPOSE_OF_KIND[AidKind(self.kind)])


class AidAssessment(models.Model):
    """A needs assessment / survey (6.1.1, 6.2.1, 6.3.1): insert-only; the latest counts."""

    programme = models.ForeignKey(AidProgramme, on_delete=models.PROTECT, related_name="assessments")
    persons = models.PositiveIntegerField("需救助人数", default=0)
    households = models.PositiveIntegerField("需救助户数", default=0)
    collapsed_households = models.PositiveIntegerField("倒塌户数", default=0)
    severe_households = models.PositiveIntegerField("严重损坏户数", default=0)
    general_households = models.PositiveIntegerField("一般损坏户数", default=0)
    months = models.PositiveSmallIntegerField("救助期限（月）", null=True, blank=True)
    amount_needed = models.DecimalField("资金需求（元）", default=0, max_digits=14, decimal_places=2)
    note = models.TextField("评估说明", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "灾后救助：需求评估"
        verbose_name_plural = "灾后救助：需求评估"
        constraints = [
            models.CheckConstraint(condition=Q(amount_needed__gte=0), name="dis_aid_assess_amount_nonneg")
        ]


class AidPlan(models.Model):
    """The fund plan (资金补助方案, 6.1.2 / 6.2.3 / 6.3.3): the standards payments follow.
    Insert-only; a new version supersedes the previous one for later payments."""

    programme = models.ForeignKey(AidProgramme, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveSmallIntegerField()
    per_person_month = models.DecimalField(
        "每人每月标准（元）", null=True, blank=True, max_digits=14, decimal_places=2
    )
    months = models.PositiveSmallIntegerField("救助月数", null=True, blank=True)
    collapsed_amount = models.DecimalField(
        "倒塌重建每户补助（元）", null=True, blank=True, max_digits=14, decimal_places=2
    )
    severe_amount = models.DecimalField(
        "严重损坏每户补助（元）", null=True, blank=True, max_digits=14, decimal_places=2
    )
    general_amount = models.DecimalField(
        "一般损坏维修每户补助（元）", null=True, blank=True, max_digits=14, decimal_places=2
    )
    per_person = models.DecimalField(
        "每人补助标准（元）", null=True, blank=True, max_digits=14, decimal_places=2
    )
    budget = models.DecimalField("方案资金总额（元）", max_digits=14, decimal_places=2)
    basis = models.CharField("依据（文号/会议）", max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "灾后救助：资金补助方案"
        verbose_name_plural = "灾后救助：资金补助方案"
        constraints = [
            models.UniqueConstraint(fields=["programme", "version"], name="dis_aid_plan_version_uniq"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="dis_aid_plan_budget_nonneg"),
        ]


class AidBeneficiary(models.Model):
    """A person (transitional aid) or household (reconstruction, winter-spring) from the
    verified-report ledger, verified for this programme."""

    class Stage(models.TextChoices):
        LISTED = "listed", "已核定"
        ASSESSED = "assessed", "已评估"
        APPLIED = "applied", "已申请补助"
        APPROVED = "approved", "补助已审批"

    class Mode(models.TextChoices):
        REBUILD = "rebuild", "重建"
        REPAIR = "repair", "维修加固"

    programme = models.ForeignKey(AidProgramme, on_delete=models.PROTECT, related_name="beneficiaries")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    ledger_person = models.ForeignKey(
        LedgerPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ledger_household = models.ForeignKey(
        LedgerHousehold, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    persons = models.PositiveSmallIntegerField("人数", default=1)
    stage = models.CharField("进度", max_length=10, choices=Stage.choices, default=Stage.LISTED)
    assessed_damage = models.CharField(
        "评估受损等级", max_length=10, choices=LedgerHousehold.Damage.choices, blank=True
    )
    mode = models.CharField("重建方式", max_length=8, choices=Mode.choices, blank=True)
    assessment_note = models.CharField("评估说明", max_length=200, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applied_amount = models.DecimalField(
        "申请补助（元）", null=True, blank=True, max_digits=14, decimal_places=2
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_amount = models.DecimalField(
        "审批补助（元）", null=True, blank=True, max_digits=14, decimal_places=2
    )
    approved_plan = models.ForeignKey(
        AidPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="审批依据方案",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid = models.DecimalField("已发放（元）", default=0, max_digits=14, decimal_places=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "灾后救助：救助对象"
        verbose_name_plural = "灾后救助：救助对象"
        constraints = [
            models.CheckConstraint(
                condition=Q(ledger_person__isnull=False, ledger_household__isnull=True)
                | Q(ledger_person__isnull=True, ledger_household__isnull=False),
                name="dis_aid_benef_one_ledger_row",
            ),
            models.UniqueConstraint(
                fields=["programme", "ledger_person"],
                condition=Q(ledger_person__isnull=False, voided_at__isnull=True),
                name="dis_aid_benef_person_uniq",
            ),
            models.UniqueConstraint(
                fields=["programme", "ledger_household"],
                condition=Q(ledger_household__isnull=False, voided_at__isnull=True),
                name="dis_aid_benef_household_uniq",
            ),
            models.CheckConstraint(condition=Q(paid__gte=0), name="dis_aid_benef_paid_nonneg"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(paid__lte=F("approved_amount")),
                name="dis_aid_benef_paid_le_approved",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__lte=F("applied_amount")),
                name="dis_aid_benef_approved_le_applied",
            ),
        ]
        indexes = [models.Index(fields=["programme", "id"], name="dis_aid_benef_prog_idx")]


class AidPayment(models.Model):
    """Money paid to a beneficiary (insert-only). Names the ledger row it reaches and the fund
    lot (county allocation → city receipt) it was drawn from."""

    class Method(models.TextChoices):
        BANK = "bank", "惠民惠农“一卡通”/银行代发"
        CASH = "cash", "现金（签领）"

    programme = models.ForeignKey(AidProgramme, on_delete=models.PROTECT, related_name="payments")
    beneficiary = models.ForeignKey(AidBeneficiary, on_delete=models.PROTECT, related_name="payments")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    ledger_person = models.ForeignKey(
        LedgerPerson, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ledger_household = models.ForeignKey(
        LedgerHousehold, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(FundAccount, on_delete=models.PROTECT, related_name="payments")
    plan = models.ForeignKey(AidPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    entitled = models.DecimalField("应发金额（元）", max_digits=14, decimal_places=2)
    amount = models.DecimalField("发放金额（元）", max_digits=14, decimal_places=2)
    paid_on = models.DateField("发放日期")
    method = models.CharField("发放方式", max_length=6, choices=Method.choices, default=Method.BANK)
    reference = models.CharField("凭证号", max_length=60, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "灾后救助：发放记录"
        verbose_name_plural = "灾后救助：发放记录"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="dis_aid_pay_positive"),
            models.CheckConstraint(
                condition=Q(ledger_person__isnull=False) | Q(ledger_household__isnull=False),
                name="dis_aid_pay_ledger_row",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "-id"], name="dis_aid_pay_prog_idx"),
            models.Index(fields=["county", "-id"], name="dis_aid_pay_county_idx"),
        ]


class AidEvaluation(models.Model):
    """A performance evaluation (6.1.3, 6.2.4, 6.3.4): insert-only."""

    class Stage(models.TextChoices):
        MID = "mid", "中期评估"
        FINAL = "final", "终期（结束后）绩效评价"

    class Level(models.TextChoices):
        COUNTY = "county", "县级自评"
        CITY = "city", "市级评价（实地抽查）"

    class Rating(models.TextChoices):
        EXCELLENT = "excellent", "优秀"
        GOOD = "good", "良好"
        FAIR = "fair", "合格"
        POOR = "poor", "不合格"

    programme = models.ForeignKey(AidProgramme, on_delete=models.PROTECT, related_name="evaluations")
    stage = models.CharField("阶段", max_length=6, choices=Stage.choices)
    level = models.CharField("评价层级", max_length=6, choices=Level.choices)
    rating = models.CharField("评价等次", max_length=10, choices=Rating.choices)
    score = models.DecimalField("得分", max_digits=5, decimal_places=2, null=True, blank=True)
    sampled = models.PositiveIntegerField("抽查户数", null=True, blank=True)
    findings = models.TextField("评价结论与问题")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "灾后救助：绩效评价"
        verbose_name_plural = "灾后救助：绩效评价"
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="dis_aid_eval_score_range",
            )
        ]
