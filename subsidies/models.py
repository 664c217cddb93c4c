"""Enterprise subsidies and rewards: the registry (enterprises, their projects, recognitions,
exhibitions, yearly figures; travel agencies and their trains), applications and proposals with
their insert-only decisions, cap ledgers and budgets.

No business rules live here: amounts come from `subsidies.rules`, state changes from
`subsidies.services`. Constraints guard the invariants the database can hold by itself: one live
award per subject, committed never above a cap, decisions never updated or deleted (triggers in
migration 0003).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class PolicyDocument(models.Model):
    """A policy document of the catalogue; its clauses and parameters live in the rule set
    `rule_key` (dated versions)."""

    code = models.CharField("代码", max_length=4, unique=True)
    rule_key = models.CharField("规则键", max_length=80, unique=True)
    title = models.CharField("文件名称", max_length=200)
    number = models.CharField("文号", max_length=60)
    lead_unit = models.ForeignKey(
        "portal.OrgUnit", verbose_name="牵头部门", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "政策文件"
        verbose_name_plural = "政策文件"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.title}（{self.number}）"


class Budget(models.Model):
    """The money set aside for one policy document in one year, with what approvals committed
    and what was paid (both maintained under a row lock by the approval and payment services)."""

    document = models.ForeignKey(PolicyDocument, on_delete=models.PROTECT, related_name="budgets")
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("预算额度", max_digits=16, decimal_places=2)
    committed = models.DecimalField("已批准", default=0, max_digits=16, decimal_places=2)
    paid = models.DecimalField("已拨付", default=0, max_digits=16, decimal_places=2)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "政策资金预算"
        verbose_name_plural = "政策资金预算"
        constraints = [
            models.UniqueConstraint(fields=["document", "year"], name="subsidies_budget_doc_year"),
            models.CheckConstraint(
                condition=Q(committed__lte=F("amount")), name="subsidies_budget_not_overcommitted"
            ),
            models.CheckConstraint(
                condition=Q(paid__lte=F("committed")), name="subsidies_budget_paid_le_committed"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(committed__gte=0) & Q(paid__gte=0),
                name="subsidies_budget_nonneg",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.code} {self.year} 年预算"

    @property
    def available(self):
        return self.amount - self.committed


class Enterprise(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", "企业"
        TRAVEL_AGENCY = "travel_agency", "旅行社（组团社）"
        INTERMEDIARY = "intermediary", "招商引资中介机构"

    class Industry(models.TextChoices):
        OPTOELECTRONICS = "optoelectronics", "光电子器件"
        SENSORS = "sensors", "智能传感器"
        SEMICONDUCTORS = "semiconductors", "半导体"
        BATTERIES = "batteries", "新能源电池"
        MATERIALS = "materials", "电子专用材料"
        SOFTWARE = "software", "软件"
        AI = "ai", "人工智能"
        CULTURE_TOURISM = "culture_tourism", "文化旅游"
        SERVICES = "services", "商务服务"
        OTHER = "other", "其他"

    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.ENTERPRISE)
    industry = models.CharField("产业领域", max_length=20, choices=Industry.choices)
    county = models.ForeignKey(
        "portal.OrgUnit",
        verbose_name="所在县区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "county"},
    )
    outside_city = models.BooleanField("市外机构", default=False, help_text="市外组团社、市外引资中介")
    above_designated_size = models.BooleanField("规模以上企业", default=False)
    software_enterprise = models.BooleanField("软件企业", default=False)
    software_park_entered_on = models.DateField("入驻软件产业园日期", null=True, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    contact_name = models.CharField("联系人", max_length=60, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "企业"
        verbose_name_plural = "企业"
        ordering = ["name"]
        indexes = [
            models.Index(fields=["county", "industry"], name="subsidies_ent_county_ind"),
            models.Index(fields=["kind"], name="subsidies_ent_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(county__isnull=False) | Q(outside_city=True),
                name="subsidies_ent_county_or_outside",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_electronic_info(self) -> bool:
        return self.industry in {
            "optoelectronics",
            "sensors",
            "semiconductors",
            "batteries",
            "materials",
            "software",
            "ai",
        }


class EnterpriseMemberQuerySet(models.QuerySet["EnterpriseMember"]):
    def active(self, at: object = None) -> EnterpriseMemberQuerySet:
        at = at or timezone.now()
        return self.filter(valid_from__lte=at).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))


class EnterpriseMember(models.Model):
    """An enterprise's own account: the user may see that enterprise's data, use the self-check
    calculator, apply, resubmit and confirm. Ended with `valid_to`, never deleted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enterprise_links"
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="members")
    valid_from = models.DateTimeField(default=timezone.now)
    valid_to = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EnterpriseMemberQuerySet.as_manager()

    class Meta:
        verbose_name = "企业账号"
        verbose_name_plural = "企业账号"
        indexes = [models.Index(fields=["user", "enterprise"], name="subsidies_member_user_ent")]


class Project(models.Model):
    class Kind(models.TextChoices):
        ELECTRONIC_INFO = "electronic_info", "电子信息项目"
        CULTURE_TOURISM = "culture_tourism", "文旅文创项目"
        MICRO_DRAMA = "micro_drama", "原创微短剧"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        PLANNED = "planned", "前期"
        CONSTRUCTION = "construction", "在建"
        PRODUCTION = "production", "已竣工投产"
        OPERATING = "operating", "已建成运营"

    class Origin(models.TextChoices):
        DOMESTIC = "domestic", "内资"
        FOREIGN = "foreign", "外资"

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="projects")
    name = models.CharField("项目名称", max_length=200)
    kind = models.CharField("项目类型", max_length=20, choices=Kind.choices)
    status = models.CharField("建设状态", max_length=20, choices=Status.choices, default=Status.PLANNED)
    is_new_investment = models.BooleanField("新投资项目", default=True)
    is_renovation = models.BooleanField("技改项目", default=False)
    new_format = models.BooleanField("新业态文旅项目", default=False, help_text="体验性场馆、演艺、夜游等")
    total_investment = models.DecimalField("总投资（元）", default=0, max_digits=16, decimal_places=2)
    fixed_asset_investment = models.DecimalField(
        "实际完成固定资产投资（元）", default=0, max_digits=16, decimal_places=2
    )
    land_area_mu = models.DecimalField(
        "用地面积（亩）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    tax_per_mu = models.DecimalField("亩均税收（元/亩）", default=0, max_digits=16, decimal_places=2)
    capital_origin = models.CharField(
        "资本来源", max_length=10, choices=Origin.choices, default=Origin.DOMESTIC
    )
    construction_start = models.DateField("开工日期", null=True, blank=True)
    construction_end = models.DateField("合同约定建设期截止", null=True, blank=True)
    production_started_on = models.DateField("投产（运营）日期", null=True, blank=True)
    in_statistics_db = models.BooleanField("列入固定资产投资统计库", default=False)
    provincial_funds_received = models.BooleanField("已获省专项资金支持", default=False)
    miit_support = models.BooleanField("获工信部/省工信厅扶持奖励", default=False)
    intermediary = models.ForeignKey(
        Enterprise,
        verbose_name="引资中介",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="introduced_projects",
    )
    views = models.BigIntegerField("传播量（人次）", default=0)
    fiscal_contribution = models.DecimalField("财政贡献（元）", default=0, max_digits=16, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目"
        ordering = ["enterprise_id", "id"]
        indexes = [models.Index(fields=["kind", "status"], name="subsidies_project_kind_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_investment__gte=0)
                & Q(fixed_asset_investment__gte=0)
                & Q(tax_per_mu__gte=0),
                name="subsidies_project_nonneg",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Equipment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="equipment")
    name = models.CharField("设备名称", max_length=200)
    invoice_no = models.CharField("发票号码", max_length=40)
    invoice_date = models.DateField("开票日期")
    amount_excl_tax = models.DecimalField("不含税金额（元）", max_digits=16, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "生产设备"
        verbose_name_plural = "生产设备"
        constraints = [
            models.UniqueConstraint(fields=["project", "invoice_no"], name="subsidies_equipment_invoice"),
            models.CheckConstraint(condition=Q(amount_excl_tax__gt=0), name="subsidies_equipment_positive"),
        ]


class Loan(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="loans")
    bank = models.CharField("贷款银行", max_length=100)
    for_equipment = models.BooleanField("用于购买设备", default=True)
    balance = models.DecimalField("贷款余额（元）", max_digits=16, decimal_places=2)
    start_date = models.DateField("放款日期")
    term_months = models.PositiveSmallIntegerField("期限（月）")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "设备贷款"
        verbose_name_plural = "设备贷款"
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="subsidies_loan_nonneg")]


class Recognition(models.Model):
    class Kind(models.TextChoices):
        SINGLE_CHAMPION_ENTERPRISE = "single_champion_enterprise", "全国制造业单项冠军示范企业"
        SINGLE_CHAMPION_PRODUCT = "single_champion_product", "全国制造业单项冠军产品"
        LITTLE_GIANT = "little_giant", "国家专精特新“小巨人”企业"
        SPECIALISED_SME = "specialised_sme", "省级“专精特新”中小企业"
        TECH_INNOVATION_CENTRE = "tech_innovation_centre", "技术创新中心"
        MANUFACTURING_INNOVATION_CENTRE = "manufacturing_innovation_centre", "制造业创新中心"
        INDUSTRIAL_DESIGN_CENTRE = "industrial_design_centre", "工业设计中心"
        ENGINEERING_RESEARCH_CENTRE = "engineering_research_centre", "工程（技术）研究中心"
        ENTERPRISE_TECH_CENTRE = "enterprise_tech_centre", "企业技术中心"
        ENGINEERING_LAB = "engineering_lab", "工程实验室"
        ZHONGYUAN_SCHOLAR_STATION = "zhongyuan_scholar_station", "中原学者工作站"
        CHINA_QUALITY_AWARD = "china_quality_award", "中国质量奖"
        FIRST_VERSION_SOFTWARE = "first_version_software", "首版次软件产品"
        NIGHT_ECONOMY_CLUSTER = "night_economy_cluster", "省级夜经济集聚区"

    class Level(models.TextChoices):
        NATIONAL = "national", "国家级"
        PROVINCIAL = "provincial", "省级"
        NONE = "", "—"

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="recognitions")
    kind = models.CharField("认定类型", max_length=40, choices=Kind.choices)
    level = models.CharField("级别", max_length=12, choices=Level.choices, blank=True, default="")
    recognised_on = models.DateField("认定日期")
    reference = models.CharField("批文号/证书号", max_length=100, blank=True)
    amount = models.DecimalField(
        "相关金额（元）",
        null=True,
        blank=True,
        help_text="首版次软件：期限内实际销售总额",
        max_digits=16,
        decimal_places=2,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "认定与荣誉"
        verbose_name_plural = "认定与荣誉"
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "kind", "level", "recognised_on"], name="subsidies_recognition_once"
            )
        ]


class Exhibition(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="exhibitions")
    name = models.CharField("展会名称", max_length=200)
    organiser = models.CharField("组织单位", max_length=200)
    government_organised = models.BooleanField("市级及以上政府部门组织", default=True)
    outside_city = models.BooleanField("在市外举办", default=True)
    held_on = models.DateField("举办日期")
    booth_fee = models.DecimalField("展位费（元）", max_digits=16, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "参展记录"
        verbose_name_plural = "参展记录"
        constraints = [
            models.CheckConstraint(condition=Q(booth_fee__gte=0), name="subsidies_exhibition_nonneg")
        ]


class AnnualFigures(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="figures")
    year = models.PositiveSmallIntegerField("年度")
    fiscal_contribution = models.DecimalField("财政贡献（元）", default=0, max_digits=16, decimal_places=2)
    contribution_rank = models.PositiveIntegerField("财政贡献全市排名", null=True, blank=True)
    contribution_growth_rank = models.PositiveIntegerField("贡献增速全市排名", null=True, blank=True)
    composite_growth_rate = models.DecimalField(
        "年综合增长率", max_digits=8, decimal_places=4, null=True, blank=True, help_text="小数，如 0.26"
    )

    class Meta:
        verbose_name = "年度经营数据"
        verbose_name_plural = "年度经营数据"
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="subsidies_figures_once")]


class Train(models.Model):
    class Kind(models.TextChoices):
        HIGH_SPEED = "high_speed", "高铁旅游专列"
        ORDINARY = "ordinary", "普通旅游专列"

    agency = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="trains")
    kind = models.CharField("专列类型", max_length=12, choices=Kind.choices)
    departed_on = models.DateField("抵达日期")
    passengers = models.PositiveIntegerField("人数")
    paid_scenic_spots = models.PositiveSmallIntegerField("游览收费景区数")
    days = models.PositiveSmallIntegerField("停留天数")
    nights = models.PositiveSmallIntegerField("停留晚数")
    ticket_ref = models.CharField("铁路票据编号", max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "旅游专列"
        verbose_name_plural = "旅游专列"
        ordering = ["departed_on", "id"]
        indexes = [models.Index(fields=["agency", "departed_on"], name="subsidies_train_agency_day")]
        constraints = [
            models.UniqueConstraint(fields=["agency", "ticket_ref"], name="subsidies_train_ticket_once")
        ]


class MatchRun(models.Model):
    """One run of the automatic entitlement match (免申即享)."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    on = models.DateField("评估日期")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scanned = models.PositiveIntegerField("比对企业数", default=0)
    created = models.PositiveIntegerField("新增推送", default=0)
    superseded = models.PositiveIntegerField("被更新取代", default=0)
    seconds = models.FloatField("耗时（秒）", default=0)

    class Meta:
        verbose_name = "免申即享匹配批次"
        verbose_name_plural = "免申即享匹配批次"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"匹配批次 #{self.pk}（{self.on}）"


class MatchBatch(models.Model):
    """The proposals of one run for one lead department: the subject of the department's
    "confirm these proposals" deadline."""

    run = models.ForeignKey(MatchRun, on_delete=models.PROTECT, related_name="batches")
    lead_unit = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "免申即享待确认批次"
        verbose_name_plural = "免申即享待确认批次"
        constraints = [models.UniqueConstraint(fields=["run", "lead_unit"], name="subsidies_batch_run_unit")]

    def __str__(self) -> str:
        return f"{self.lead_unit} · 匹配批次 #{self.run_id}（{self.count} 条）"


class Application(models.Model):
    """An award's life: an application by an enterprise, or a proposal made by the automatic
    match (免申即享). `status` changes only through `subsidies.services.applications`."""

    class Source(models.TextChoices):
        APPLIED = "applied", "企业申报"
        AUTO = "auto", "免申即享"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "已匹配"
        PUSHED = "pushed", "已推送企业"
        CONFIRMED = "confirmed", "已确认"
        APPLIED = "applied", "已申报"
        RETURNED = "returned", "退回补正"
        MATERIALS_CHECKED = "materials_checked", "材料已审核"
        DEPT_REVIEWED = "dept_reviewed", "主管部门已审核"
        FISCAL_REVIEWED = "fiscal_reviewed", "财政已审核"
        APPROVED = "approved", "已批准"
        PAID = "paid", "已拨付"
        AUDITED = "audited", "已审计"
        ARCHIVED = "archived", "已归档"
        REJECTED = "rejected", "不予支持"

    source = models.CharField("来源", max_length=10, choices=Source.choices)
    status = models.CharField("状态", max_length=20, choices=Status.choices)
    clause = models.CharField("条款", max_length=8)
    document = models.ForeignKey(PolicyDocument, on_delete=models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="申请（受奖）主体", on_delete=models.PROTECT, related_name="applications"
    )
    county = models.ForeignKey(
        "portal.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lead_unit = models.ForeignKey(
        "portal.OrgUnit", verbose_name="主管部门", on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    recognition = models.ForeignKey(
        Recognition, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    exhibition = models.ForeignKey(
        Exhibition, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    period_year = models.PositiveSmallIntegerField("所属年度", null=True, blank=True)
    subject_base = models.CharField(max_length=120, db_index=True)
    subject_key = models.CharField(max_length=140)
    facts = models.JSONField("依据数据", default=dict)
    materials = models.JSONField("申报材料", default=list)
    note = models.TextField("申请说明", blank=True)
    evaluated_on = models.DateField("评估日期")
    rule_set = models.ForeignKey("portal.RuleSet", on_delete=models.PROTECT, related_name="+")
    referral = models.BooleanField("一事一议", default=False)
    calculated_amount = models.DecimalField(
        "测算金额", null=True, blank=True, max_digits=16, decimal_places=2
    )
    full_amount = models.DecimalField(
        "应享金额（未扣已享）", null=True, blank=True, max_digits=16, decimal_places=2
    )
    cap = models.DecimalField("上限", null=True, blank=True, max_digits=16, decimal_places=2)
    band_min = models.DecimalField(null=True, blank=True, max_digits=16, decimal_places=2)
    band_max = models.DecimalField(null=True, blank=True, max_digits=16, decimal_places=2)
    explanation = models.JSONField("测算说明", default=list)
    approved_amount = models.DecimalField("批准金额", null=True, blank=True, max_digits=16, decimal_places=2)
    approval_explanation = models.JSONField("批准说明", default=list)
    approved_at = models.DateTimeField(null=True, blank=True)
    budget = models.ForeignKey(
        Budget, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    paid_amount = models.DecimalField("拨付金额", null=True, blank=True, max_digits=16, decimal_places=2)
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_ref = models.CharField("拨付凭证号", max_length=60, blank=True)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    match_batch = models.ForeignKey(
        MatchBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField("推送企业时间", null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "奖补申请/推送"
        verbose_name_plural = "奖补申请/推送"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["lead_unit", "status", "-id"], name="subsidies_app_queue"),
            models.Index(fields=["status", "-id"], name="subsidies_app_status"),
            models.Index(fields=["enterprise", "-id"], name="subsidies_app_enterprise"),
            models.Index(fields=["county", "-id"], name="subsidies_app_county"),
            models.Index(fields=["clause", "status"], name="subsidies_app_clause"),
            models.Index(fields=["subject_key"], name="subsidies_app_subject_key"),
        ]
        constraints = [
            # One live award per subject and facts: a duplicate is refused by the database.
            models.UniqueConstraint(
                fields=["subject_key"], condition=~Q(status="rejected"), name="subsidies_app_live_subject"
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                name="subsidies_app_amount_nonneg",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clause} · {self.enterprise.name}（#{self.pk}）"

    @property
    def amount_shown(self):
        return self.approved_amount if self.approved_amount is not None else self.calculated_amount


class InsertOnlyError(Exception):
    pass


class InsertOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise InsertOnlyError(f"{self.model._meta.label} 为只增记录，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise InsertOnlyError(f"{self.model._meta.label} 为只增记录，不能删除")


class InsertOnly(models.Model):
    """Rows are written once (PostgreSQL triggers enforce it in the database, migration 0003)."""

    objects = InsertOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise InsertOnlyError(f"{self._meta.label} 为只增记录，不能修改")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise InsertOnlyError(f"{self._meta.label} 为只增记录，不能删除")


class Decision(InsertOnly):
    """One step of an application, insert-only (database triggers refuse UPDATE and DELETE)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField("操作", max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    acting_unit = models.ForeignKey(
        "portal.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    amount = models.DecimalField(null=True, blank=True, max_digits=16, decimal_places=2)
    data = models.JSONField(default=dict, blank=True)
    rule_set = models.ForeignKey(
        "portal.RuleSet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "审核决定"
        verbose_name_plural = "审核决定"
        ordering = ["application_id", "id"]
        indexes = [models.Index(fields=["application", "id"], name="subsidies_decision_app")]


class CapLedger(models.Model):
    """A running total an approval is counted on: a cap (E4a per enterprise, E6 per enterprise
    and year, T12 per agency and year…), an exclusivity group of a project, or one subject.
    Approvals lock these rows in key order; the check constraint refuses any overshoot."""

    class Kind(models.TextChoices):
        SUBJECT = "subject", "事项"
        GROUP = "group", "排他组"
        CAP = "cap", "上限"

    key = models.CharField(max_length=160, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    label = models.CharField(max_length=200)
    cap = models.DecimalField(null=True, blank=True, max_digits=16, decimal_places=2)
    committed = models.DecimalField(default=0, max_digits=16, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "额度台账"
        verbose_name_plural = "额度台账"
        constraints = [
            models.CheckConstraint(condition=Q(committed__gte=0), name="subsidies_ledger_nonneg"),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(committed__lte=F("cap")), name="subsidies_ledger_within_cap"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class CapLedgerEntry(InsertOnly):
    ledger = models.ForeignKey(CapLedger, on_delete=models.PROTECT, related_name="entries")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="ledger_entries")
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "额度台账记录"
        verbose_name_plural = "额度台账记录"
        constraints = [
            models.UniqueConstraint(fields=["ledger", "application"], name="subsidies_ledger_entry_once")
        ]


class Attachment(InsertOnly):
    """A file supporting one required material of an application. Never replaced: a corrected
    document is a new row (insert-only, like the decisions)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="attachments")
    material = models.CharField("材料", max_length=200)
    file = models.FileField(upload_to="subsidies/%Y/%m/")
    original_name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "申报材料附件"
        verbose_name_plural = "申报材料附件"
        ordering = ["application_id", "id"]
