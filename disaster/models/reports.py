from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from disaster.models.events import Event


def _count(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, default=0)


class FiguresBase(models.Model):
    """The indicators of one township (4.1, 4.2.1–4.2.2): field names = disaster.rules.indicators."""

    affected = _count("受灾人口")
    deaths = _count("因灾死亡人口")
    missing = _count("因灾失踪人口")
    trapped = _count("遇险被困人口")
    relocated_rt = _count("紧急转移安置人口（实时）")
    relocated_cum = _count("紧急转移安置人口（累计）")
    housed_rt = _count("集中安置人口（实时）")
    housed_cum = _count("集中安置人口（累计）")
    shelters_rt = _count("集中安置点数量（实时）")
    shelters_cum = _count("集中安置点数量（累计）")
    needing_aid_rt = _count("需紧急生活救助人口（实时）")
    needing_aid_cum = _count("需紧急生活救助人口（累计）")
    drought_aid_rt = _count("因旱需生活救助人口（实时）")
    drought_aid_cum = _count("因旱需生活救助人口（累计）")
    drought_water_rt = _count("因旱饮水困难需救助人口（实时）")
    drought_water_cum = _count("因旱饮水困难需救助人口（累计）")
    collapsed_rooms = _count("倒塌房屋（间）")
    collapsed_households = _count("倒塌房屋（户）")
    severe_rooms = _count("严重损坏房屋（间）")
    severe_households = _count("严重损坏房屋（户）")
    damaged_rooms = _count("一般损坏房屋（间）")
    damaged_households = _count("一般损坏房屋（户）")
    direct_loss = models.DecimalField("直接经济损失（元）", max_digits=14, decimal_places=2, default=0)

    class Meta:
        abstract = True


class Report(models.Model):
    """A county's report (灾情报告) with per-township rows. Created whole at submission and never
    changed afterwards; a correction is a new Report that `supersedes` this one (same `seq`,
    next `version`) and says why. Insert-only (PostgreSQL: enforced by a trigger)."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "初报"
        CONTINUING = "continuing", "续报"
        VERIFIED = "verified", "核报"

    class Channel(models.TextChoices):
        SYSTEM = "system", "系统填报"
        PHONE = "phone", "电话"
        FAX = "fax", "传真"
        SAT_PHONE = "sat_phone", "卫星电话"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="reports")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    drought = models.BooleanField("旱情报告", default=False)
    seq = models.PositiveIntegerField("期次")
    version = models.PositiveIntegerField("版本", default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    correction_reason = models.TextField("更正原因", blank=True)
    reported_at = models.DateTimeField(
        "实际报告时间", help_text="断电断网时先电话/传真/卫星电话报告的，为实际报告时间"
    )
    submitted_at = models.DateTimeField("录入系统时间")
    figures_as_of = models.DateTimeField("统计截止时间", null=True, blank=True)
    channel = models.CharField("报告方式", max_length=12, choices=Channel.choices, default=Channel.SYSTEM)
    outage_note = models.CharField("补报说明", max_length=200, blank=True)
    phone_log = models.ForeignKey(
        "PhoneReport", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    description = models.TextField("灾情和救灾工作情况", blank=True)
    major_change = models.BooleanField("灾情发生重大变化", default=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client_token = models.CharField(max_length=64, null=True, blank=True)
    totals = models.JSONField("合计", default=dict)
    row_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "灾情报告"
        verbose_name_plural = "灾情报告"
        ordering = ["event", "county", "seq", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "client_token"],
                condition=Q(client_token__isnull=False),
                name="dis_report_token_uniq",
            ),
            models.UniqueConstraint(fields=["event", "county", "seq", "version"], name="dis_report_seq_uniq"),
        ]
        indexes = [
            models.Index(fields=["event", "county", "seq"], name="dis_report_series_idx"),
            models.Index(fields=["event", "-submitted_at"], name="dis_report_recent_idx"),
        ]

    def __str__(self) -> str:
        label = self.title
        return f"{self.county} {label}"

    def get_absolute_url(self) -> str:
        return f"/disaster/reports/{self.pk}/"

    @property
    def title(self) -> str:
        prefix = "旱情" if self.drought else ""
        number = f"第{self.seq}期" if self.kind == self.Kind.CONTINUING else ""
        version = f"（更正第{self.version - 1}次）" if self.version > 1 else ""
        return f"{prefix}{number}{self.get_kind_display()}{version}"

    @property
    def back_entered(self) -> bool:
        return self.channel != self.Channel.SYSTEM


class ReportRow(FiguresBase):
    """One township of a report (insert-only with its report). For a county without township
    units in the organisation tree, the county itself is the one row."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="rows")
    township = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "分乡镇数据"
        verbose_name_plural = "分乡镇数据"
        constraints = [models.UniqueConstraint(fields=["report", "township"], name="dis_row_uniq")]


class CurrentFigures(FiguresBase):
    """Each township's latest current row in an event (the aggregation of disaster.rules.aggregate,
    kept incrementally by the submit service so the event aggregate is one small GROUP BY)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="current_figures")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="+")
    row = models.ForeignKey(ReportRow, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()

    class Meta:
        verbose_name = "乡镇当前灾情"
        verbose_name_plural = "乡镇当前灾情"
        constraints = [models.UniqueConstraint(fields=["event", "township"], name="dis_current_uniq")]
        indexes = [models.Index(fields=["event", "county"], name="dis_current_county_idx")]


class MissingPersonChange(models.Model):
    """Why the missing count of a township fell (found alive / confirmed dead), one per person."""

    class Outcome(models.TextChoices):
        FOUND_ALIVE = "found_alive", "找到（生还）"
        CONFIRMED_DEAD = "confirmed_dead", "确认死亡"
        OTHER = "other", "其他"

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="missing_changes")
    township = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=60)
    outcome = models.CharField("原因", max_length=16, choices=Outcome.choices)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "失踪人员变动"
        verbose_name_plural = "失踪人员变动"


class ReportDraft(models.Model):
    """The filing page's autosaved work (one per event and county): the grid as typed, so
    nothing entered is lost, and the token that makes its submission idempotent."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="drafts")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    token = models.CharField(max_length=64)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "报告草稿"
        verbose_name_plural = "报告草稿"
        constraints = [models.UniqueConstraint(fields=["event", "county"], name="dis_draft_uniq")]


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"disaster/{instance.event_id}/{instance.county_id}/{instance.sha256[:16]}-{filename[-80:]}"


class Attachment(models.Model):
    """A file belonging to a county's reporting for an event: written descriptions, photos, the
    lists of dead/missing persons and of collapsed/damaged households. Uploaded while drafting
    (report empty, attached at submission) or added to a submitted report. Never deleted."""

    class Kind(models.TextChoices):
        DESCRIPTION = "description", "灾情和救灾工作文字说明"
        PHOTO = "photo", "现场照片"
        CASUALTY_LIST = "casualty_list", "死亡失踪人员名单"
        HOUSE_LIST = "house_list", "倒损房屋户名单"
        OTHER = "other", "其他"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="attachments")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    file = models.FileField("文件", upload_to=attachment_path, max_length=255)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "报告附件"
        verbose_name_plural = "报告附件"
        indexes = [models.Index(fields=["event", "county"], name="dis_attachment_idx")]

    def __str__(self) -> str:
        return self.original_name


class PhoneReport(models.Model):
    """A report made by phone, fax or satellite phone during an outage (4.1.3), logged by the
    office that received it. The reporting obligation is met at `made_at`; entering the report
    into the system afterwards is its own deadline."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="phone_reports")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("报告类别", max_length=12, choices=Report.Kind.choices)
    channel = models.CharField("方式", max_length=12, choices=Report.Channel.choices)
    made_at = models.DateTimeField("实际报告时间")
    summary = models.TextField("报告内容摘要")
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    logged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "电话/传真报告登记"
        verbose_name_plural = "电话/传真报告登记"

    def __str__(self) -> str:
        return f"{self.county} {self.get_channel_display()}{self.get_kind_display()}"


class VerificationRequest(models.Model):
    """A superior's instruction to verify information (4.2.1): phone feedback within 30 min,
    written feedback within 1 h."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="verifications")
    target = models.ForeignKey(
        "portal.OrgUnit", verbose_name="被要求核实单位", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("指令来源", max_length=60, default="市应急管理局")
    question = models.TextField("核实事项")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField("接到指令时间")
    phone_answer = models.TextField("电话反馈内容", blank=True)
    phone_at = models.DateTimeField("电话反馈时间", null=True, blank=True)
    phone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    written_answer = models.TextField("书面反馈内容", blank=True)
    written_at = models.DateTimeField("书面反馈时间", null=True, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "核实指令"
        verbose_name_plural = "核实指令"

    def __str__(self) -> str:
        return f"核实：{self.question[:30]}"

    def get_absolute_url(self) -> str:
        return f"/disaster/verifications/{self.pk}/"


class CityReport(models.Model):
    """The city emergency bureau's own reports to the city government and the province:
    review of initial reports (2 h; 30 min for major events), daily aggregate (10:00), the
    aggregate of verified reports (2 days), daily situation reports at levels II and I. Each
    keeps a snapshot of the aggregate it reported."""

    class Kind(models.TextChoices):
        REVIEW = "review", "初报审核汇总上报"
        DAILY = "daily", "每日续报汇总上报"
        VERIFIED = "verified", "核报审核汇总上报"
        SITUATION = "situation", "每日灾情和救灾工作动态报告"
        MAJOR_CHANGE = "major_change", "重大变化立即报告"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="city_reports")
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    text = models.TextField("报告内容")
    snapshot = models.JSONField("汇总数据", default=dict)
    reported_at = models.DateTimeField("实际报告时间")
    submitted_at = models.DateTimeField("录入时间", auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "市级灾情报告"
        verbose_name_plural = "市级灾情报告"
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["event", "-reported_at"], name="dis_cityreport_idx")]

    def __str__(self) -> str:
        return f"{self.event} {self.get_kind_display()}"
