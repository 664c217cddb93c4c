from django.conf import settings
from django.db import models


class CalendarDay(models.Model):
    """An admin-entered day that overrides every other source: a holiday, or an adjusted
    working day (调休上班). Used first by portal.workcal."""

    date = models.DateField("日期", unique=True)
    is_working = models.BooleanField("是否工作日")
    note = models.CharField("说明", max_length=100, blank=True, help_text="例如：春节、国庆节调休上班")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "工作日历调整"
        verbose_name_plural = "工作日历调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working else '休息'} {self.note}"


class CalendarYear(models.Model):
    """Marks a year whose official holiday schedule has been entered in full as overrides,
    so that it is no longer treated as provisional."""

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    official_entered = models.BooleanField("国务院放假安排已完整录入", default=False)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "年度放假安排"
        verbose_name_plural = "年度放假安排"

    def __str__(self) -> str:
        return str(self.year)
