"""Emergency shelters (应急避难场所, 7.4.2–7.4.3): parks, squares, stadiums… with a capacity;
opened for an event and closed again (periods); occupants counted over time (insert-only
counts). `Shelter.current_*` are maintained by the services for the city occupancy view."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from disaster.models.events import Event


class Shelter(models.Model):
    class Kind(models.TextChoices):
        PARK = "park", "公园"
        SQUARE = "square", "广场"
        STADIUM = "stadium", "体育场馆"
        SCHOOL = "school", "学校"
        DEDICATED = "dedicated", "专用应急避难场所"
        OTHER = "other", "其他公共设施"

    name = models.CharField("名称", max_length=80)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    county = models.ForeignKey(
        "portal.OrgUnit", verbose_name="所在县区", on_delete=models.PROTECT, related_name="+"
    )
    township = models.ForeignKey(
        "portal.OrgUnit",
        verbose_name="乡镇（街道）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    managed_by = models.ForeignKey(
        "portal.OrgUnit", verbose_name="管理单位", on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    capacity = models.PositiveIntegerField("容纳人数")
    active = models.BooleanField("在册", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Maintained by the services (the occupancy view reads these, never sums counts):
    is_open = models.BooleanField("已启用", default=False)
    current_event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="当前灾害过程"
    )
    current_occupants = models.PositiveIntegerField("当前安置人数", default=0)
    occupants_at = models.DateTimeField("人数统计时间", null=True, blank=True)

    class Meta:
        verbose_name = "应急避难场所"
        verbose_name_plural = "应急避难场所"
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="dis_shelter_capacity_positive")
        ]
        indexes = [
            models.Index(fields=["county", "is_open"], name="dis_shelter_county_idx"),
            models.Index(fields=["current_event"], name="dis_shelter_event_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/disaster/relief/shelters/{self.pk}/"


class ShelterPeriod(models.Model):
    """The shelter was open for an event from `opened_at` to `closed_at` (at most one open)."""

    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="periods")
    event = models.ForeignKey(Event, verbose_name="灾害过程", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField("启用时间")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_note = models.CharField("关闭说明", max_length=200, blank=True)
    peak_occupants = models.PositiveIntegerField("最多安置人数", default=0)

    class Meta:
        verbose_name = "避难场所启用记录"
        verbose_name_plural = "避难场所启用记录"
        constraints = [
            models.UniqueConstraint(
                fields=["shelter"], condition=Q(closed_at__isnull=True), name="dis_shelter_one_open_period"
            )
        ]
        indexes = [models.Index(fields=["event", "shelter"], name="dis_shelter_period_event_idx")]


class ShelterCount(models.Model):
    """Occupants at a moment (insert-only): the shelter's occupancy over time."""

    period = models.ForeignKey(ShelterPeriod, on_delete=models.PROTECT, related_name="counts")
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="counts")
    at = models.DateTimeField("统计时间")
    occupants = models.PositiveIntegerField("安置人数")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "避难场所安置人数"
        verbose_name_plural = "避难场所安置人数"
        indexes = [models.Index(fields=["shelter", "-at"], name="dis_shelter_count_idx")]
