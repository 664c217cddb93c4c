"""Relief supply pages: the stock of every store (derived from movements), a store's ledger
and its receipt/adjustment/transfer forms, allocation orders to a disaster area with receipt
confirmation, obligations to replenish or compensate (7.2.5), the XLSX of the stock ledger."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from disaster import relief_selectors as sel
from disaster.models import ReplenishObligation, StockMovement, SupplyItem, SupplyOrder, Warehouse
from disaster.policies import ObligationPolicy, StockMovementPolicy, SupplyOrderPolicy, WarehousePolicy
from disaster.relief_forms import OrderForm, WarehouseForm
from disaster.services import relief_supplies as sup
from disaster.services.common import is_office
from disaster.services.relief_common import is_county_officer
from disaster.views.relief_common import events_open_for, int_or_none, require_relief_user, show_error
from portal.errors import DomainError, RuleViolation
from portal.exports import xlsx_response
from portal.models import OrgUnit


def _quantities(post: Any, items: list[SupplyItem], prefix: str = "q-") -> tuple[dict[int, int], list[str]]:
    """The per-item quantity inputs of a form (blank or 0 = not this item)."""
    lines: dict[int, int] = {}
    errors: list[str] = []
    for item in items:
        raw = (post.get(f"{prefix}{item.pk}") or "").strip()
        if not raw or raw == "0":
            continue
        if not raw.isdigit():
            errors.append(f"{item.name}的数量须为正整数")
            continue
        lines[item.pk] = int(raw)
    return lines, errors


def _items() -> list[SupplyItem]:
    return list(SupplyItem.objects.filter(active=True).order_by("sort", "pk"))


def _owners(user: Any) -> Any:
    ids = []
    if is_office(user):
        ids = list(
            OrgUnit.objects.filter(kind__in=["city", "county"], active=True).values_list("pk", flat=True)
        )
    else:
        ids = [c.pk for c in sel.counties_for(user) if is_county_officer(user, c)]
    return OrgUnit.objects.filter(pk__in=ids).order_by("depth", "sort", "pk")


@login_required
def supplies_page(request: HttpRequest) -> HttpResponse:
    require_relief_user(request)
    user = request.user
    owners = _owners(user)
    form = WarehouseForm(request.POST or None, owners=owners)
    failed = False
    if request.method == "POST":
        if not owners.exists():
            raise PermissionDenied("您没有登记储备库的权限")
        if form.is_valid():
            try:
                wh = sup.warehouse_create(actor=user, **form.cleaned_data)
                messages.success(request, f"已登记 {wh.name}")
                return redirect(wh.get_absolute_url())
            except DomainError as exc:
                show_error(request, exc, form)
        failed = True
    obligations = list(
        ObligationPolicy()
        .scope(user)
        .filter(status=ReplenishObligation.Status.OPEN)
        .order_by("created_at")[:50]
    )
    return render(
        request,
        "disaster/relief/supplies.html",
        {
            "table": sel.stock_table(user),
            "form": form,
            "may_create": owners.exists(),
            "obligations": obligations,
        },
        status=400 if failed else 200,
    )


@login_required
def warehouse_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    wh = WarehousePolicy().get(user, pk=pk)
    items = _items()
    may_keep = sup.may_keep_county_stock(user, wh)
    failed = False
    if request.method == "POST":
        if not may_keep:
            raise PermissionDenied("只能办理本级储备库的出入库")
        action = request.POST.get("action", "")
        try:
            if action == "receive":
                lines, errors = _quantities(request.POST, items)
                if errors:
                    raise RuleViolation(errors={"lines": errors})
                sup.stock_receive(
                    warehouse=wh, lines=lines, reason=request.POST.get("reason", ""), actor=user
                )
                messages.success(request, "已入库")
            elif action == "adjust":
                item = next((i for i in items if str(i.pk) == request.POST.get("item")), None)
                if item is None:
                    raise RuleViolation(errors={"item": ["请选择物资"]})
                sup.stock_adjust(
                    warehouse=wh,
                    item=item,
                    delta=request.POST.get("delta", ""),
                    reason=request.POST.get("reason", ""),
                    actor=user,
                )
                messages.success(request, "已调整库存")
            elif action == "transfer":
                target = Warehouse.objects.filter(
                    pk=int_or_none(request.POST.get("target")) or 0, active=True
                ).first()
                if target is None:
                    raise RuleViolation(errors={"target": ["请选择调入仓库"]})
                lines, errors = _quantities(request.POST, items, prefix="t-")
                if errors:
                    raise RuleViolation(errors={"lines": errors})
                sup.stock_transfer(
                    source=wh, target=target, lines=lines, reason=request.POST.get("reason", ""), actor=user
                )
                messages.success(request, f"已调往 {target.name}")
            else:
                raise PermissionDenied("未知操作")
            return redirect(wh.get_absolute_url())
        except DomainError as exc:
            show_error(request, exc)
            failed = True
    movements = list(
        StockMovementPolicy()
        .scope(user)
        .filter(warehouse=wh)
        .select_related("item", "by", "counterpart")
        .order_by("-pk")[:200]
    )
    targets = list(
        Warehouse.objects.filter(active=True)
        .exclude(pk=wh.pk)
        .select_related("owner")
        .order_by("owner__sort", "pk")
    )
    return render(
        request,
        "disaster/relief/warehouse.html",
        {
            "wh": wh,
            "stock": sel.warehouse_stock(wh),
            "movements": movements,
            "items": items,
            "may_keep": may_keep,
            "targets": targets,
            "post": request.POST,
        },
        status=400 if failed else 200,
    )


@login_required
def orders_page(request: HttpRequest) -> HttpResponse:
    require_relief_user(request)
    user = request.user
    items = _items()
    managed = [
        w.pk for w in WarehousePolicy().scope(user).filter(active=True) if sup.may_manage_warehouse(user, w)
    ]
    warehouses = (
        Warehouse.objects.filter(pk__in=managed).select_related("owner").order_by("owner__sort", "pk")
    )
    counties = OrgUnit.objects.filter(pk__in=[c.pk for c in sel.counties_for(user)]).order_by("sort", "pk")
    form = OrderForm(
        request.POST or None, events=events_open_for(user), counties=counties, warehouses=warehouses
    )
    failed = False
    if request.method == "POST":
        if not managed:
            raise PermissionDenied("您没有可调拨的储备库")
        lines, errors = _quantities(request.POST, items)
        valid = form.is_valid()
        for e in errors:
            form.add_error(None, e)
        if valid and not errors:
            try:
                order = sup.order_create(actor=user, lines=lines, **form.cleaned_data)
                messages.success(request, f"调拨单 {order.pk} 已出库，待{order.county.name}确认接收")
                return redirect(order.get_absolute_url())
            except DomainError as exc:
                show_error(request, exc, form)
        failed = True
    status_filter = request.GET.get("status", "")
    orders = SupplyOrderPolicy().scope(user).select_related("obligation").order_by("-pk")
    if status_filter in SupplyOrder.Status.values:
        orders = orders.filter(status=status_filter)
    return render(
        request,
        "disaster/relief/orders.html",
        {
            "orders": list(orders.prefetch_related("lines__item")[:200]),
            "form": form,
            "items": items,
            "may_order": bool(managed),
            "post": request.POST,
            "status": status_filter,
            "statuses": SupplyOrder.Status.choices,
        },
        status=400 if failed else 200,
    )


@login_required
def order_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    policy = SupplyOrderPolicy()
    order = policy.get(user, pk=pk)
    lines = list(order.lines.select_related("item").order_by("pk"))
    obligation = ReplenishObligation.objects.filter(order=order).first()
    failed = False
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "confirm":
                policy.require(user, "confirm", order)
                received = {}
                for line in lines:
                    raw = (request.POST.get(f"r-{line.item_id}") or "").strip()
                    received[line.item_id] = raw if raw else line.quantity
                sup.order_confirm(
                    order=order, received=received, note=request.POST.get("note", ""), actor=user
                )
                messages.success(request, "已确认接收")
            elif action in ("replenish", "compensate") and obligation is not None:
                policy.require(user, "settle", order)
                if action == "replenish":
                    qty, errors = _quantities(request.POST, [x.item for x in lines], prefix="p-")
                    if errors:
                        raise RuleViolation(errors={"lines": errors})
                    source = None
                    if request.POST.get("source"):
                        source = WarehousePolicy().get(
                            user, pk=int(request.POST["source"]) if request.POST["source"].isdigit() else 0
                        )
                    sup.obligation_replenish(
                        obligation=obligation,
                        lines=qty,
                        source=source,
                        reason=request.POST.get("reason", ""),
                        actor=user,
                    )
                    messages.success(request, "已补充")
                else:
                    sup.obligation_compensate(
                        obligation=obligation,
                        amount=request.POST.get("amount", ""),
                        note=request.POST.get("note", ""),
                        actor=user,
                    )
                    messages.success(request, "已给予资金补偿")
            else:
                raise PermissionDenied("未知操作")
            return redirect(order.get_absolute_url())
        except DomainError as exc:
            show_error(request, exc)
            failed = True
    order.refresh_from_db()
    lines = list(order.lines.select_related("item").order_by("pk"))
    if obligation is not None:
        obligation.refresh_from_db()
    sources = []
    if obligation is not None and is_office(user):
        sources = list(Warehouse.objects.filter(owner__kind="city", active=True).order_by("pk"))
    from django.contrib.contenttypes.models import ContentType

    from portal.models import Deadline

    deadlines = list(
        Deadline.objects.filter(
            subject_type=ContentType.objects.get_for_model(SupplyOrder), subject_id=order.pk
        )
    )
    if obligation is not None:
        deadlines += list(
            Deadline.objects.filter(
                subject_type=ContentType.objects.get_for_model(ReplenishObligation), subject_id=obligation.pk
            )
        )
    return render(
        request,
        "disaster/relief/order.html",
        {
            "order": order,
            "lines": lines,
            "obligation": obligation,
            "may_confirm": order.status == SupplyOrder.Status.DISPATCHED
            and is_county_officer(user, order.county),
            "may_settle": obligation is not None and obligation.status == "open" and is_office(user),
            "sources": sources,
            "deadlines": deadlines,
            "post": request.POST,
        },
        status=400 if failed else 200,
    )


@login_required
def movements_export(request: HttpRequest) -> HttpResponse:
    """The stock ledger of every store the user may see, with the orders and obligations."""
    require_relief_user(request)
    user = request.user
    kinds = dict(StockMovement.Kind.choices)
    movements = (
        StockMovementPolicy()
        .scope(user)
        .order_by("pk")
        .values_list(
            "pk",
            "warehouse__name",
            "item__name",
            "item__unit",
            "kind",
            "quantity",
            "balance_after",
            "reason",
            "order_id",
            "counterpart__name",
            "obligation_id",
            "at",
        )
    )
    orders = SupplyOrderPolicy().scope(user).prefetch_related("lines__item").order_by("pk")
    stock = sel.stock_table(user)
    sheets = [
        (
            "库存",
            ["仓库", "所属", *[f"{i.name}（{i.unit}）" for i in stock["items"]]],
            ([r["warehouse"].name, r["warehouse"].owner.name, *r["cells"]] for r in stock["rows"]),
        ),
        (
            "出入库记录",
            [
                "编号",
                "仓库",
                "物资",
                "单位",
                "类型",
                "数量",
                "变动后库存",
                "来源/原因",
                "调拨单",
                "对方仓库",
                "补充义务",
                "时间",
            ],
            ([m[0], m[1], m[2], m[3], kinds.get(m[4], m[4]), *m[5:]] for m in movements.iterator()),
        ),
        (
            "调拨单",
            [
                "调拨单",
                "灾害过程",
                "接收县区",
                "送达地点",
                "调出仓库",
                "调拨单位",
                "物资",
                "调拨数量",
                "实收数量",
                "状态",
                "出库时间",
                "接收时间",
                "接收说明",
            ],
            (
                [
                    o.pk,
                    o.event.title,
                    o.county.name,
                    o.destination,
                    o.warehouse.name,
                    o.issuing_unit.name,
                    line.item.name,
                    line.quantity,
                    line.received_quantity,
                    o.get_status_display(),
                    o.created_at,
                    o.received_at,
                    o.receipt_note,
                ]
                for o in orders
                for line in o.lines.all()
            ),
        ),
        (
            "调用补充补偿",
            [
                "编号",
                "调拨单",
                "被调用仓库",
                "补充/补偿单位",
                "状态",
                "资金补偿（元）",
                "补偿说明",
                "完成时间",
            ],
            (
                [
                    ob.pk,
                    ob.order_id,
                    ob.warehouse.name,
                    ob.owed_by.name,
                    ob.get_status_display(),
                    ob.compensation,
                    ob.compensation_note,
                    ob.met_at,
                ]
                for ob in ObligationPolicy().scope(user).order_by("pk")
            ),
        ),
    ]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(f"救灾物资台账-{stamp}.xlsx", sheets, note="救灾物资台账（生活类救灾物资）")
