from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Level(models.TextChoices):
    IV = "IV", "四级"
    III = "III", "三级"
    II = "II", "二级"
    I = "I", "一级"  # noqa: E741


class DisasterType(models.Model):
    """The configurable list of disaster types (8.1.1; 8.4 lets other emergencies use it)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40)
    is_drought = models.BooleanField("干旱（按旱情报告周期）", default=False)
    active = models.BooleanField("启用", default=True)
    sort = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "灾害种类"
        verbose_name_plural = "灾害种类"
        ordering = ["sort", "pk"]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """One disaster process (一次灾害过程). Status and level change only through services."""

    class Status(models.TextChoices):
        ACTIVE = "active", "灾情发展中"
        STABLE = "stable", "灾情稳定"
        VERIFIED = "verified", "已核报"
        CLOSED = "closed", "已结束"

    title = models.CharField("灾害过程名称", max_length=120)
    type = models.ForeignKey(DisasterType, verbose_name="灾害种类", on_delete=models.PROTECT)
    started_at = models.DateTimeField("发生时间", help_text="干旱：县级会商确定旱情发生（初显）的时间")
    description = models.TextField("概况", blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_by_unit = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField("录入时间", auto_now_add=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    stable_at = models.DateTimeField("灾情稳定时间", null=True, blank=True)
    stable_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField("市级核报时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    current_level = models.CharField(
        "市级响应等级", max_length=3, choices=Level.choices, null=True, blank=True
    )
    level_since = models.DateTimeField("响应启动/调整时间", null=True, blank=True)
    national_response = models.BooleanField("已启动国家自然灾害救助应急响应（干旱续报每5日）", default=False)
    # Maintained by the services for fast dashboards (never the source of truth):
    suggested_level = models.CharField(max_length=3, choices=Level.choices, null=True, blank=True)
    last_report_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "灾害过程"
        verbose_name_plural = "灾害过程"
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-started_at"], name="dis_event_status_idx"),
            models.Index(fields=["-started_at"], condition=~Q(status="closed"), name="dis_event_open_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/disaster/events/{self.pk}/"

    @property
    def is_drought(self) -> bool:
        return self.type.is_drought


class EventCounty(models.Model):
    """A county-level area affected by the event: the subject of its reporting deadlines, and
    where the county's own response level is shown beside the city's (5.8)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="counties")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="disaster_events")
    occurred_at = models.DateTimeField("本县区灾害发生时间")
    major = models.BooleanField("10人以上死亡（含失踪）或遇险被困", default=False)
    joined_at = models.DateTimeField(auto_now_add=True)
    joined_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    county_level = models.CharField(
        "县级响应等级", max_length=3, choices=Level.choices, null=True, blank=True
    )
    county_level_reason = models.CharField("县级响应说明", max_length=200, blank=True)
    county_level_at = models.DateTimeField(null=True, blank=True)
    county_level_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "受灾县区"
        verbose_name_plural = "受灾县区"
        constraints = [models.UniqueConstraint(fields=["event", "county"], name="dis_event_county_uniq")]
        indexes = [models.Index(fields=["county", "event"], name="dis_ec_county_idx")]

    def __str__(self) -> str:
        return f"{self.event} · {self.county}"

    def get_absolute_url(self) -> str:
        return f"/disaster/events/{self.event_id}/?county={self.county_id}"
