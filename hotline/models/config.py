"""Admin-kept configuration: the subject category tree, special seats, routing rules, Open311
client keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .choices import Kind, SpecialKind


class Category(models.Model):
    """A subject category (诉求分类) of the admin-kept tree following the 12345 classification
    standard. Also an Open311 service (`public=True`): its default kind sets the time limit of
    orders created through it."""

    code = models.SlugField("分类代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=80)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    default_kind = models.CharField("默认诉求类型", max_length=20, choices=Kind.choices, default=Kind.HELP)
    special_kind = models.CharField(
        "特殊事项",
        max_length=20,
        choices=SpecialKind.choices,
        blank=True,
        default="",
        help_text="大面积停水停电停气停热、环境污染、突发事件等（第十四条）",
    )
    description = models.CharField("说明", max_length=300, blank=True)
    keywords = models.CharField("关键词", max_length=200, blank=True, help_text="逗号分隔，Open311 keywords")
    public = models.BooleanField("对外开放（Open311 服务）", default=True)
    active = models.BooleanField("启用", default=True)
    sort = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "诉求分类"
        verbose_name_plural = "诉求分类"
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class SpecialSeat(models.Model):
    """A dedicated seat (服务专席, 第十五条): business environment, rural revitalisation, mental
    health, … Orders of its categories are routed to it at intake."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    categories = models.ManyToManyField(Category, verbose_name="受理分类", blank=True, related_name="seats")
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="专席话务员", blank=True, related_name="hotline_seats"
    )
    note = models.CharField("受理范围说明", max_length=300, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "服务专席"
        verbose_name_plural = "服务专席"

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """ "Send requests of this category from this place to this unit" (属地管理、按责承办). Rules
    come from the admin or from precedent: when the centre settles an unclear case it may save
    the decision, and later dispatches of the same kind get it suggested (第十一条（二）)."""

    class Source(models.TextChoices):
        ADMIN = "admin", "管理员设定"
        PRECEDENT = "precedent", "协调确定（先例）"

    category = models.ForeignKey(
        Category, verbose_name="分类", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place = models.ForeignKey(
        "portal.OrgUnit",
        verbose_name="地点（县区/乡镇）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="空表示全市",
    )
    keyword = models.CharField(
        "关键词", max_length=40, blank=True, help_text="诉求内容包含该词时适用（可空）"
    )
    lead_unit = models.ForeignKey(
        "portal.OrgUnit", verbose_name="主办单位", on_delete=models.PROTECT, related_name="+"
    )
    assisting_units = models.ManyToManyField(
        "portal.OrgUnit", verbose_name="协办单位", blank=True, related_name="+"
    )
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.ADMIN)
    precedent_order = models.ForeignKey(
        "hotline.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "派单规则"
        verbose_name_plural = "派单规则"
        indexes = [
            models.Index(fields=["category", "place"], condition=Q(active=True), name="hl_route_active")
        ]

    def __str__(self) -> str:
        return f"{self.category or '任意分类'} · {self.place or '全市'} → {self.lead_unit}"


class Open311Client(models.Model):
    """A client application allowed to POST through Open311. Only a hash of the key is stored;
    the key is shown once when issued (`manage.py open311_issue_key`)."""

    name = models.CharField("客户端名称", max_length=100)
    key_prefix = models.CharField("密钥前缀", max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField("启用", default=True)
    contact = models.CharField("联系人", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Open311 客户端密钥"
        verbose_name_plural = "Open311 客户端密钥"

    def __str__(self) -> str:
        return f"{self.name}（{self.key_prefix}…）"
