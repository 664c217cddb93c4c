from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from assistance import rules

TIER_CHOICES = [(t, rules.TIER_LABELS[t]) for t in rules.TIERS]
AREA_CHOICES = [(a, rules.AREA_LABELS[a]) for a in rules.AREAS]
MONITORING_CHOICES = [(k, rules.MONITORING_LABELS[k]) for k in rules.MONITORING_KINDS]
LABOUR_CHOICES = [(k, rules.LABOUR_LABELS[k]) for k in rules.LABOUR_CAPACITIES]
DISABILITY_CHOICES = [(k, rules.DISABILITY_LABELS[k]) for k in rules.DISABILITY_CATEGORIES]
GRADE_CHOICES = [(k, v) for k, v in rules.GRADE_LABELS.items()]


def _money(label: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=Decimal("0.00"))


class Household(models.Model):
    """A household (共同生活家庭) with its address down to the village, its yearly income by
    type, property, rigid expenditure and anti-relapse monitoring flag (§1).

    `tier` is the confirmed tier (set only by the confirmation and exit services); `computed_*`
    is what the classifier last said (re-screening lists the differences for review). Every
    change goes through `assistance.services.households` and writes a `HouseholdVersion`.
    """

    code = models.CharField("户编号", max_length=40, help_text="县区台账中的户编号；导入时据此识别同一户")
    # The FK columns are covered by the (unit, tier) indexes below: no single-column indexes, so
    # re-screening's updates stay cheap (every index costs on a non-HOT update).
    county = models.ForeignKey(
        "portal.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name="县区", db_index=False
    )
    township = models.ForeignKey(
        "portal.OrgUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="乡镇（街道）",
        db_index=False,
    )
    village = models.ForeignKey(
        "portal.OrgUnit",
        on_delete=models.PROTECT,
        related_name="assistance_households",
        verbose_name="村（社区）",
        db_index=False,
    )
    address = models.CharField("详细地址", max_length=200, blank=True)
    area = models.CharField("城乡属性", max_length=8, choices=AREA_CHOICES)
    phone = models.CharField("联系电话", max_length=20, blank=True)

    income_wage = _money("工资性收入（元/年）")
    income_operating = _money("经营净收入（元/年）")
    income_property = _money("财产净收入（元/年）")
    income_transfer = _money("转移性收入（元/年）")

    savings = _money("存款及有价证券（元）")
    houses = models.PositiveSmallIntegerField("房屋（套）", default=0)
    vehicles = models.PositiveSmallIntegerField("机动车（辆）", default=0)
    property_note = models.CharField("其他财产说明", max_length=200, blank=True)
    property_within_limits = models.BooleanField("家庭财产符合规定", default=True)

    exp_medical = _money("医疗支出（元/年）")
    exp_education = _money("教育支出（元/年）")
    exp_disaster = _money("受灾支出（元/年）")
    exp_accident = _money("意外事故支出（元/年）")

    monitoring = models.CharField(
        "防止返贫监测对象", max_length=10, choices=MONITORING_CHOICES, null=True, blank=True
    )
    designated_other = models.BooleanField("县区认定的其他困难家庭", default=False)

    tier = models.CharField("已认定类别", max_length=20, choices=TIER_CHOICES, null=True, blank=True)
    tier_since = models.DateField("认定日期", null=True, blank=True)
    single_person = models.ForeignKey(
        "assistance.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="单人保成员",
    )

    computed_tier = models.CharField("测算类别", max_length=20, choices=TIER_CHOICES, null=True, blank=True)
    computed_single_person = models.ForeignKey(
        "assistance.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    computed_at = models.DateTimeField("测算时间", null=True, blank=True)
    computed_ruleset = models.ForeignKey(
        "portal.RuleSet", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = "家庭"
        verbose_name_plural = "家庭"
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="assist_household_code"),
            models.CheckConstraint(
                condition=Q(tier__isnull=False) | Q(single_person__isnull=True),
                name="assist_single_needs_tier",
            ),
        ]
        indexes = [
            models.Index(fields=["village", "tier"], name="assist_hh_village_tier"),
            models.Index(fields=["township", "tier"], name="assist_hh_township_tier"),
            models.Index(fields=["county", "tier"], name="assist_hh_county_tier"),
        ]

    def __str__(self) -> str:
        return f"{self.code}（{self.village.name if self.village_id else ''}）"

    @property
    def income_total(self) -> Decimal:
        return self.income_wage + self.income_operating + self.income_property + self.income_transfer

    @property
    def rigid_total(self) -> Decimal:
        return self.exp_medical + self.exp_education + self.exp_disaster + self.exp_accident

    @property
    def tier_label(self) -> str:
        return rules.TIER_LABELS.get(self.tier or "", "未纳入")

    @property
    def computed_tier_label(self) -> str:
        return rules.TIER_LABELS.get(self.computed_tier or "", "不属于低收入人口")


class Person(models.Model):
    """A resident (§1). The ID number is stored normalised (uppercase X) and shown masked to
    roles that do not need it; every unmasked view is audited. Birth date and sex come from it."""

    id_number = models.CharField("公民身份号码", max_length=18, unique=True)
    name = models.CharField("姓名", max_length=60, db_index=True)
    sex = models.CharField("性别", max_length=1, choices=[("M", "男"), ("F", "女")])
    birth_date = models.DateField("出生日期")
    labour_capacity = models.CharField("劳动能力", max_length=8, choices=LABOUR_CHOICES, default="full")
    disability_category = models.CharField(
        "残疾类别", max_length=12, choices=DISABILITY_CHOICES, null=True, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        "残疾等级", choices=GRADE_CHOICES, null=True, blank=True
    )
    serious_illness = models.BooleanField("重病", default=False)
    employed = models.BooleanField("就业", default=False)
    own_income = _money("个人年收入（本人应得部分）")
    # Legal supporters (赡养/抚养/扶养义务人): [{"name", "relation", "able"}]
    supporters = models.JSONField("法定义务人", default=list, blank=True)
    has_able_supporter = models.BooleanField("有履行能力的法定义务人", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        constraints = [
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True)
                | Q(disability_grade__gte=1, disability_grade__lte=4),
                name="assist_person_grade",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id(self) -> str:
        return rules.mask_id(self.id_number)


class Member(models.Model):
    """A person's membership of a household. Leaving sets `active=False` and `left_on`; rows
    stay so the household's composition at any time remains answerable."""

    class Relation(models.TextChoices):
        HEAD = "head", "户主"
        SPOUSE = "spouse", "配偶"
        CHILD = "child", "子女"
        PARENT = "parent", "父母"
        GRANDPARENT = "grandparent", "祖父母/外祖父母"
        GRANDCHILD = "grandchild", "孙子女/外孙子女"
        SIBLING = "sibling", "兄弟姐妹"
        OTHER = "other", "其他"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField("与户主关系", max_length=12, choices=Relation.choices, default=Relation.OTHER)
    position = models.PositiveSmallIntegerField("序号", default=0)
    active = models.BooleanField("在户", default=True)
    joined_on = models.DateField("加入日期")
    left_on = models.DateField("离开日期", null=True, blank=True)
    left_reason = models.CharField("离开原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ["household_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "person"], condition=Q(active=True), name="assist_member_once_active"
            ),
        ]
        indexes = [
            models.Index(fields=["person", "active"], name="assist_member_person"),
            models.Index(fields=["household", "active", "position"], name="assist_member_household"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.household}"


class HouseholdVersion(models.Model):
    """Insert-only history: the whole household (members and persons included) after each
    change, what changed, who, when, why and through which channel."""

    class Source(models.TextChoices):
        MANUAL = "manual", "人工录入"
        IMPORT = "import", "批量导入"
        APPLICATION = "application", "申请认定"
        EXIT = "exit", "退出"
        VISIT = "visit", "走访核查"

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField("版本")
    data = models.JSONField("内容")
    changes = models.JSONField("变更", default=list)
    reason = models.CharField("原因", max_length=300, blank=True)
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.MANUAL)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "家庭信息版本"
        verbose_name_plural = "家庭信息版本"
        ordering = ["household_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["household", "version"], name="assist_version_unique")]

    def __str__(self) -> str:
        return f"{self.household_id} v{self.version}"


class PersonFlag(models.Model):
    """A person to review: in two households at once (§1)."""

    class Status(models.TextChoices):
        OPEN = "open", "待核查"
        RESOLVED = "resolved", "已处理"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="flags")
    kind = models.CharField("类型", max_length=20, default="two_households")
    households = models.JSONField("涉及家庭", default=list)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.CharField("处理说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "人员核查标记"
        verbose_name_plural = "人员核查标记"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"], condition=Q(status="open"), name="assist_flag_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · 同时在多个家庭"
