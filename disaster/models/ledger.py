from __future__ import annotations

from django.conf import settings
from django.db import models

from disaster.models.events import Event


class LedgerBase(models.Model):
    """Common columns of the relief ledger (救助台账, 4.3.3), kept by the county after
    verification: the base for relief payments and reconstruction. Rows are not edited: a wrong
    row is voided with a reason and a new one entered."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(
        "portal.OrgUnit", verbose_name="乡镇（街道）", on_delete=models.PROTECT, related_name="+"
    )
    village = models.CharField("村（社区）", max_length=60, blank=True)
    id_number = models.CharField("身份证号", max_length=18, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True


class LedgerHousehold(LedgerBase):
    """A household whose house collapsed or was damaged, or that needs government aid."""

    class Damage(models.TextChoices):
        COLLAPSED = "collapsed", "倒塌"
        SEVERE = "severe", "严重损坏"
        GENERAL = "general", "一般损坏"
        NONE = "none", "房屋未损"

    head_name = models.CharField("户主姓名", max_length=60)
    members = models.PositiveSmallIntegerField("家庭人口", default=1)
    address = models.CharField("住址", max_length=200, blank=True)
    damage = models.CharField("房屋受损", max_length=10, choices=Damage.choices)
    rooms = models.PositiveSmallIntegerField("受损间数", default=0)
    needs_aid = models.BooleanField("需政府救助", default=False)

    class Meta:
        verbose_name = "台账：倒损住房户"
        verbose_name_plural = "台账：倒损住房户"
        indexes = [models.Index(fields=["event", "county"], name="dis_ledger_hh_idx")]

    def __str__(self) -> str:
        return self.head_name


class LedgerPerson(LedgerBase):
    """A person who died, is missing, or needs government aid because of the disaster."""

    class Category(models.TextChoices):
        DEAD = "dead", "因灾死亡"
        MISSING = "missing", "因灾失踪"
        NEEDS_AID = "needs_aid", "需政府救助"

    class Gender(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"
        UNKNOWN = "", "未填"

    category = models.CharField("类别", max_length=10, choices=Category.choices)
    name = models.CharField("姓名", max_length=60)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, blank=True)
    age = models.PositiveSmallIntegerField("年龄", null=True, blank=True)
    household = models.ForeignKey(
        LedgerHousehold, null=True, blank=True, on_delete=models.PROTECT, related_name="persons"
    )

    class Meta:
        verbose_name = "台账：人员"
        verbose_name_plural = "台账：人员"
        indexes = [models.Index(fields=["event", "county", "category"], name="dis_ledger_person_idx")]

    def __str__(self) -> str:
        return self.name
