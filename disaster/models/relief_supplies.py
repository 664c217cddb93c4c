"""Relief supplies (生活类救灾物资 only, 8.1.5; 5.x(5), 7.2).

Stock is a ledger of movements (receipt, allocation out, transfer, adjustment with a reason),
never an editable total. `StockLevel` is the running sum of a warehouse's movements for one
item: it is written only by the movement services in the same transaction as the movement (after
locking it), it is what concurrent allocations lock, and it can never go negative (CHECK
constraint; on PostgreSQL a deferred trigger also refuses a level that differs from the latest
movement's balance). An allocation order sends supplies to a disaster area and is confirmed on
receipt; when an upper level draws on a lower level's stock (7.2.5) the order creates an
obligation to replenish or compensate, tracked until met.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from disaster.models.events import Event


class SupplyItem(models.Model):
    """The catalogue: living supplies only (8.1.5: 本预案关于救灾物资的表述专指生活类救灾物资)."""

    class Category(models.TextChoices):
        SHELTER = "shelter", "住宿类（帐篷、折叠床等）"
        BEDDING = "bedding", "衣被类（棉被、棉大衣等）"
        FOOD = "food", "食品饮用水"
        DAILY = "daily", "日用品（应急包、毛巾被等）"
        SANITATION = "sanitation", "卫生类（简易厕所等）"
        LIGHTING = "lighting", "照明类"

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    unit = models.CharField("计量单位", max_length=10)
    spec = models.CharField("规格", max_length=100, blank=True)
    category = models.CharField("类别（生活类）", max_length=12, choices=Category.choices)
    active = models.BooleanField("启用", default=True)
    sort = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "救灾物资：品目"
        verbose_name_plural = "救灾物资：品目"
        ordering = ["sort", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class Warehouse(models.Model):
    """A store (储备库/点) of the city or of a county-level area."""

    name = models.CharField("名称", max_length=80)
    code = models.SlugField("编码", max_length=40, unique=True)
    owner = models.ForeignKey(
        "portal.OrgUnit",
        verbose_name="所属（市级或县区）",
        on_delete=models.PROTECT,
        related_name="relief_warehouses",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "救灾物资：储备库（点）"
        verbose_name_plural = "救灾物资：储备库（点）"
        ordering = ["owner__sort", "pk"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/disaster/relief/supplies/warehouses/{self.pk}/"

    @property
    def is_city(self) -> bool:
        return self.owner.kind == "city"


class StockLevel(models.Model):
    """The running balance of one item in one warehouse (the lock target of every movement)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="levels")
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField("库存", default=0)

    class Meta:
        verbose_name = "救灾物资：库存（由出入库记录累计）"
        verbose_name_plural = "救灾物资：库存（由出入库记录累计）"
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "item"], name="dis_stock_level_uniq"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="dis_stock_level_nonneg"),
        ]


class SupplyOrder(models.Model):
    """An allocation order (调拨单): supplies from a warehouse to a disaster area, issued by the
    city or a county office, dispatched at once, confirmed by the receiving county."""

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", "已出库待接收"
        RECEIVED = "received", "已确认接收"

    event = models.ForeignKey(Event, verbose_name="灾害过程", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(
        "portal.OrgUnit", verbose_name="接收县区（灾区）", on_delete=models.PROTECT, related_name="+"
    )
    destination = models.CharField("送达地点", max_length=120)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name="调出仓库", on_delete=models.PROTECT, related_name="orders"
    )
    issuing_unit = models.ForeignKey(
        "portal.OrgUnit", verbose_name="调拨单位", on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DISPATCHED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("出库时间", auto_now_add=True)
    received_at = models.DateTimeField("接收时间", null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    receipt_note = models.CharField("接收说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "救灾物资：调拨单"
        verbose_name_plural = "救灾物资：调拨单"
        indexes = [
            models.Index(fields=["county", "status"], name="dis_supply_order_county_idx"),
            models.Index(fields=["event"], name="dis_supply_order_event_idx"),
        ]

    def __str__(self) -> str:
        return f"调拨单 {self.pk}"

    def get_absolute_url(self) -> str:
        return f"/disaster/relief/supplies/orders/{self.pk}/"


class SupplyOrderLine(models.Model):
    order = models.ForeignKey(SupplyOrder, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField("调拨数量")
    received_quantity = models.PositiveIntegerField("实收数量", null=True, blank=True)
    replenished = models.PositiveIntegerField("已补充数量", default=0)

    class Meta:
        verbose_name = "调拨单明细"
        verbose_name_plural = "调拨单明细"
        constraints = [
            models.UniqueConstraint(fields=["order", "item"], name="dis_supply_line_uniq"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="dis_supply_line_positive"),
            models.CheckConstraint(
                condition=Q(replenished__lte=models.F("quantity")), name="dis_supply_line_replenish_le"
            ),
        ]


class ReplenishObligation(models.Model):
    """7.2.5: an upper level that drew on a lower level's stock replenishes it or compensates
    (a Deadline row tracks it until met)."""

    class Status(models.TextChoices):
        OPEN = "open", "待补充或补偿"
        MET = "met", "已补充/补偿"

    order = models.OneToOneField(SupplyOrder, on_delete=models.PROTECT, related_name="obligation")
    warehouse = models.ForeignKey(
        Warehouse, verbose_name="被调用仓库", on_delete=models.PROTECT, related_name="+"
    )
    owed_by = models.ForeignKey(
        "portal.OrgUnit", verbose_name="补充/补偿单位", on_delete=models.PROTECT, related_name="+"
    )
    owed_to = models.ForeignKey(
        "portal.OrgUnit", verbose_name="被调用单位", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=6, choices=Status.choices, default=Status.OPEN)
    compensation = models.DecimalField(
        "资金补偿（元）", null=True, blank=True, max_digits=14, decimal_places=2
    )
    compensation_note = models.CharField("补偿说明", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    met_at = models.DateTimeField(null=True, blank=True)
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "救灾物资：调用补充/补偿义务"
        verbose_name_plural = "救灾物资：调用补充/补偿义务"
        indexes = [models.Index(fields=["status", "owed_to"], name="dis_obligation_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(compensation__isnull=True) | Q(compensation__gt=0),
                name="dis_obligation_comp_positive",
            )
        ]

    def get_absolute_url(self) -> str:
        return f"/disaster/relief/supplies/orders/{self.order_id}/"


class StockMovement(models.Model):
    """One movement of one item in one warehouse (insert-only): the stock ledger."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "入库"
        ALLOCATION_OUT = "allocation_out", "调拨出库"
        TRANSFER_OUT = "transfer_out", "移库调出"
        TRANSFER_IN = "transfer_in", "移库调入"
        ADJUSTMENT = "adjustment", "盘点调整"

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    item = models.ForeignKey(SupplyItem, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    quantity = models.BigIntegerField("数量（入库为正、出库为负）")
    balance_after = models.BigIntegerField("变动后库存")
    reason = models.CharField("来源/原因", max_length=200, blank=True)
    order = models.ForeignKey(SupplyOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    counterpart = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="对方仓库"
    )
    obligation = models.ForeignKey(
        ReplenishObligation, null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "救灾物资：出入库记录"
        verbose_name_plural = "救灾物资：出入库记录"
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="dis_stock_mv_nonneg"),
            models.CheckConstraint(condition=~Q(quantity=0), name="dis_stock_mv_nonzero"),
        ]
        indexes = [
            models.Index(fields=["warehouse", "item", "-id"], name="dis_stock_mv_wh_item_idx"),
            models.Index(fields=["warehouse", "-id"], name="dis_stock_mv_wh_idx"),
        ]
