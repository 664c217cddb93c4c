from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone


class User(AbstractUser):
    """A person who signs in. Their rights come from memberships, never from flags on the user."""

    display_name = models.CharField("姓名", max_length=60, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True, help_text="用于短信提醒")

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class OrgUnit(models.Model):
    """A node of the organisation tree: the city, county-level areas, townships, villages,
    city departments, utilities, committees and disaster working groups.

    `path` is a materialised path of ids ("/1/5/23/") so a subtree is one indexed
    `path LIKE '/1/5/%'` query; it is maintained by `save()` (a structural invariant, not a
    business rule).
    """

    class Kind(models.TextChoices):
        CITY = "city", "市"
        COUNTY = "county", "县区"
        TOWNSHIP = "township", "乡镇/街道"
        VILLAGE = "village", "村/社区"
        DEPARTMENT = "department", "部门"
        UTILITY = "utility", "公用事业单位"
        COMMITTEE = "committee", "议事协调机构"
        WORKING_GROUP = "working_group", "工作组"

    name = models.CharField("名称", max_length=100)
    code = models.SlugField("代码", max_length=60, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    handles_orders = models.BooleanField("可承办12345工单", default=False)
    is_zone = models.BooleanField("管理区（按县区管理）", default=False)
    active = models.BooleanField("启用", default=True)
    sort = models.PositiveIntegerField("排序", default=0)
    phone = models.CharField("值班电话", max_length=40, blank=True)

    class Meta:
        verbose_name = "组织单位"
        verbose_name_plural = "组织单位"
        ordering = ["path"]
        constraints = [models.CheckConstraint(condition=~Q(parent=F("id")), name="orgunit_not_own_parent")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        with transaction.atomic():
            old_path = self.path
            parent = self.parent
            if old_path and parent is not None and parent.path.startswith(old_path):
                raise ValueError("组织单位不能挂在自己或自己的下级之下")
            if self.pk is None:
                super().save(*args, **kwargs)  # type: ignore[arg-type]
                kwargs = {}
            new_path = (parent.path if parent is not None else "/") + f"{self.pk}/"
            self.path = new_path
            self.depth = new_path.count("/") - 2
            super().save(update_fields=["path", "depth"] if not kwargs and not old_path else None)
            if old_path and old_path != new_path:
                shift = self.depth - (old_path.count("/") - 2)
                OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
                    depth=F("depth") + shift,
                )

    def subtree(self) -> models.QuerySet[OrgUnit]:
        return OrgUnit.objects.filter(path__startswith=self.path)

    def ancestors(self) -> models.QuerySet[OrgUnit]:
        ids = [int(part) for part in self.path.strip("/").split("/") if part]
        return OrgUnit.objects.filter(pk__in=ids).exclude(pk=self.pk).order_by("depth")

    def contains(self, other: OrgUnit) -> bool:
        return other.path.startswith(self.path)

    @property
    def county(self) -> OrgUnit | None:
        """The county-level area this unit lies in (itself for a county), or None."""
        if self.kind == self.Kind.COUNTY:
            return self
        for unit in self.ancestors().reverse():
            if unit.kind == self.Kind.COUNTY:
                return unit
        return None


class WorkingGroupMember(models.Model):
    group = models.ForeignKey(
        OrgUnit,
        on_delete=models.CASCADE,
        related_name="group_members",
        limit_choices_to={"kind": "working_group"},
    )
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="working_groups")
    is_lead = models.BooleanField("牵头单位", default=False)

    class Meta:
        verbose_name = "工作组成员单位"
        verbose_name_plural = "工作组成员单位"
        constraints = [models.UniqueConstraint(fields=["group", "unit"], name="uniq_group_member")]


class Role(models.Model):
    """A role users hold on a unit. Apps add their own roles in data migrations.

    `citywide`: the role's jurisdiction is the whole city whatever unit the membership is on
    (a city bureau's staff see every county); otherwise it covers the unit's subtree.
    """

    code = models.SlugField("代码", max_length=40, primary_key=True)
    name = models.CharField("名称", max_length=60)
    description = models.TextField("说明", blank=True)
    citywide = models.BooleanField("全市范围", default=False)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self, at: object = None) -> MembershipQuerySet:
        at = at or timezone.now()
        return self.filter(valid_from__lte=at).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))


class Membership(models.Model):
    """User × unit × role over a time window. Ending a membership sets `valid_to`; rows are
    never deleted, so "who could do what, when" stays answerable."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="memberships")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships")
    valid_from = models.DateTimeField("生效时间", default=timezone.now)
    valid_to = models.DateTimeField("失效时间", null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("原因", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"
        indexes = [models.Index(fields=["user", "valid_to"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")), name="membership_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.role}"


class Delegation(models.Model):
    """An acting deputy: `deputy` may act with `principal`'s role on `unit` in the window."""

    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_given"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="delegations_received"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT)
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    reason = models.CharField("原因", max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "临时代理"
        verbose_name_plural = "临时代理"
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="delegation_window"),
            models.CheckConstraint(condition=~Q(principal=F("deputy")), name="delegation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.deputy} 代 {self.principal}（{self.role}）"
