"""Relief supplies: warehouses, stock movements (receipt, allocation out, transfer, adjustment),
allocation orders to a disaster area with receipt confirmation, and the obligation of an upper
level that drew on a lower level's stock to replenish or compensate it (7.2.5).

Every movement locks the stock level rows it touches in primary-key order (so two concurrent
orders never deadlock and never both take the last unit), checks `rules.relief.stock_after`,
writes the movement with the balance after it, and updates the level in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from disaster.models import (
    Event,
    EventCounty,
    ReplenishObligation,
    StockLevel,
    StockMovement,
    SupplyItem,
    SupplyOrder,
    SupplyOrderLine,
    Warehouse,
)
from disaster.rules import relief as rr
from disaster.services.common import is_office
from disaster.services.relief_common import (
    K_REPLENISH,
    K_SUPPLY_RECEIPT,
    RELIEF_KIND_LABELS,
    is_county_officer,
    level_rank,
    office_unit,
    positive_int,
    supplies_rules,
    text,
)
from disaster.services.relief_common import (
    amount as parse_amount,
)
from portal.access import COUNTY_OFFICER
from portal.audit import audit_record, snapshot
from portal.deadlines import deadline_create, deadline_meet
from portal.errors import InvalidTransition, RuleViolation
from portal.models import OrgUnit
from portal.notifications import notify, unit_recipients

MK = StockMovement.Kind


def may_manage_warehouse(user: Any, warehouse: Warehouse) -> bool:
    """City stores: the city emergency bureau (the office). County stores: that county's office
    (and the city office, which may draw on lower stores under 7.2.5)."""
    if warehouse.owner.kind == OrgUnit.Kind.COUNTY:
        return is_county_officer(user, warehouse.owner) or is_office(user)
    return is_office(user)


def may_keep_county_stock(user: Any, warehouse: Warehouse) -> bool:
    """Receipts, adjustments and transfers out of a store are for the store's own level."""
    if warehouse.owner.kind == OrgUnit.Kind.COUNTY:
        return is_county_officer(user, warehouse.owner)
    return is_office(user)


@transaction.atomic
def warehouse_create(*, name: str, code: str, owner: OrgUnit, address: str = "", actor: Any) -> Warehouse:
    if owner.kind not in (OrgUnit.Kind.CITY, OrgUnit.Kind.COUNTY):
        raise RuleViolation(errors={"owner": ["储备库（点）属于市级或县级"]})
    if not (is_office(actor) or (owner.kind == OrgUnit.Kind.COUNTY and is_county_officer(actor, owner))):
        raise PermissionDenied("市级储备库由市应急管理局、县级储备库由本县区登记")
    label = text(name, "name", "名称", max_length=80)
    slug = text(code, "code", "编码", max_length=40)
    if Warehouse.objects.filter(code=slug).exists():
        raise RuleViolation(errors={"code": ["编码已被使用"]})
    wh = Warehouse.objects.create(
        name=label, code=slug, owner=owner, address=(address or "").strip()[:200], created_by=actor
    )
    audit_record(actor=actor, action="disaster.relief.warehouse.create", obj=wh, after=snapshot(wh))
    return wh


# --- the movement core ----------------------------------------------------------------------


def parse_lines(raw: Any, field: str = "lines") -> dict[int, int]:
    """{item id: quantity} from a dict or a list of {"item", "quantity"}; quantities are
    positive integers, items appear once."""
    pairs: list[tuple[Any, Any]]
    if isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        pairs = []
        for i, row in enumerate(raw):
            if not isinstance(row, dict) or "item" not in row or "quantity" not in row:
                raise RuleViolation(errors={f"{field}.{i}": ["每行须有 item 和 quantity"]})
            pairs.append((row["item"], row["quantity"]))
    else:
        raise RuleViolation(errors={field: ["请填写物资和数量"]})
    out: dict[int, int] = {}
    for key, qty in pairs:
        try:
            item_id = int(key.pk if isinstance(key, SupplyItem) else key)
        except (TypeError, ValueError):
            raise RuleViolation(errors={field: ["物资编号无效"]}) from None
        if item_id in out:
            raise RuleViolation(errors={field: ["同一物资只能填一行"]})
        out[item_id] = positive_int(qty, field, "数量", maximum=10_000_000)
    if not out:
        raise RuleViolation(errors={field: ["请至少填写一种物资"]})
    return out


def _items(ids: Iterable[int], field: str = "lines") -> dict[int, SupplyItem]:
    wanted = set(ids)
    found = {i.pk: i for i in SupplyItem.objects.filter(pk__in=wanted, active=True)}
    if set(found) != wanted:
        raise RuleViolation(errors={field: ["物资不在品目中或已停用（只调拨生活类救灾物资）"]})
    return found


def _lock_levels(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Lock the (warehouse, item) levels, creating missing ones, in primary-key order."""
    wanted = sorted(set(pairs))
    for wh_id, item_id in wanted:
        if not StockLevel.objects.filter(warehouse_id=wh_id, item_id=item_id).exists():
            try:
                with transaction.atomic():
                    StockLevel.objects.create(warehouse_id=wh_id, item_id=item_id, quantity=0)
            except IntegrityError:
                pass  # created meanwhile by another transaction
    q = StockLevel.objects.none()
    for wh_id, item_id in wanted:
        q = q | StockLevel.objects.filter(warehouse_id=wh_id, item_id=item_id)
    rows = list(q.select_for_update().order_by("pk"))
    return {(r.warehouse_id, r.item_id): r for r in rows}


def _move(
    level: StockLevel,
    item: SupplyItem,
    kind: str,
    delta: int,
    actor: Any,
    *,
    reason: str = "",
    order: SupplyOrder | None = None,
    counterpart: Warehouse | None = None,
    obligation: ReplenishObligation | None = None,
    warehouse_name: str = "",
) -> StockMovement:
    after, check = rr.stock_after(
        balance=level.quantity, delta=delta, item=f"{warehouse_name}{item.name}", unit=item.unit
    )
    if not check.ok:
        raise RuleViolation(errors={"lines": [check.message]})
    movement = StockMovement.objects.create(
        warehouse_id=level.warehouse_id,
        item=item,
        kind=kind,
        quantity=delta,
        balance_after=after,
        reason=reason[:200],
        order=order,
        counterpart=counterpart,
        obligation=obligation,
        by=actor,
    )
    level.quantity = after
    level.save(update_fields=["quantity"])
    return movement


@transaction.atomic
def stock_receive(
    *,
    warehouse: Warehouse,
    lines: Any,
    reason: str,
    actor: Any,
    obligation: ReplenishObligation | None = None,
) -> list[StockMovement]:
    """Supplies entering a store (采购、捐赠、上级调入、补充): one receipt movement per item."""
    if obligation is None and not may_keep_county_stock(actor, warehouse):
        raise PermissionDenied("只能为本级储备库入库")
    why = text(reason, "reason", "来源（采购、捐赠、补充等）")
    parsed = parse_lines(lines)
    items = _items(parsed)
    levels = _lock_levels((warehouse.pk, i) for i in parsed)
    moves = [
        _move(levels[(warehouse.pk, i)], items[i], MK.RECEIPT, q, actor, reason=why, obligation=obligation)
        for i, q in sorted(parsed.items())
    ]
    audit_record(
        actor=actor,
        action="disaster.relief.stock.receive",
        obj=warehouse,
        after={"lines": {str(k): v for k, v in parsed.items()}, "reason": why},
    )
    return moves


@transaction.atomic
def stock_adjust(
    *, warehouse: Warehouse, item: SupplyItem, delta: Any, reason: str, actor: Any
) -> StockMovement:
    """A stock-take correction (盘点调整), up or down, always with its reason."""
    if not may_keep_county_stock(actor, warehouse):
        raise PermissionDenied("只能调整本级储备库的库存")
    why = text(reason, "reason", "调整原因")
    if isinstance(delta, bool):
        raise RuleViolation(errors={"delta": ["调整数量须为非零整数"]})
    try:
        change = int(str(delta).strip())
    except (TypeError, ValueError):
        raise RuleViolation(errors={"delta": ["调整数量须为非零整数（减少填负数）"]}) from None
    if change == 0:
        raise RuleViolation(errors={"delta": ["调整数量须为非零整数（减少填负数）"]})
    _items([item.pk])
    level = _lock_levels([(warehouse.pk, item.pk)])[(warehouse.pk, item.pk)]
    move = _move(level, item, MK.ADJUSTMENT, change, actor, reason=why, warehouse_name=warehouse.name)
    audit_record(
        actor=actor,
        action="disaster.relief.stock.adjust",
        obj=warehouse,
        after={"item": item.pk, "delta": change, "reason": why, "balance": move.balance_after},
    )
    return move


@transaction.atomic
def stock_transfer(
    *,
    source: Warehouse,
    target: Warehouse,
    lines: Any,
    reason: str,
    actor: Any,
    obligation: ReplenishObligation | None = None,
) -> list[StockMovement]:
    """Move stock between stores (移库): a transfer out and a transfer in per item, together."""
    if source.pk == target.pk:
        raise RuleViolation(errors={"target": ["调入仓库不能与调出仓库相同"]})
    if not may_keep_county_stock(actor, source):
        raise PermissionDenied("只能从本级储备库调出")
    if not target.active:
        raise RuleViolation(errors={"target": ["调入仓库已停用"]})
    why = text(reason, "reason", "调运原因")
    parsed = parse_lines(lines)
    items = _items(parsed)
    levels = _lock_levels([(source.pk, i) for i in parsed] + [(target.pk, i) for i in parsed])
    moves: list[StockMovement] = []
    for i, q in sorted(parsed.items()):
        moves.append(
            _move(
                levels[(source.pk, i)],
                items[i],
                MK.TRANSFER_OUT,
                -q,
                actor,
                reason=why,
                counterpart=target,
                obligation=obligation,
                warehouse_name=source.name,
            )
        )
        moves.append(
            _move(
                levels[(target.pk, i)],
                items[i],
                MK.TRANSFER_IN,
                q,
                actor,
                reason=why,
                counterpart=source,
                obligation=obligation,
            )
        )
    audit_record(
        actor=actor,
        action="disaster.relief.stock.transfer",
        obj=source,
        after={"target": target.pk, "lines": {str(k): v for k, v in parsed.items()}, "reason": why},
    )
    return moves


# --- allocation orders ----------------------------------------------------------------------


def issuing_unit_for(actor: Any, warehouse: Warehouse) -> OrgUnit:
    """Who draws: the store's own county when its officer orders; otherwise the city emergency
    bureau (the office), which may draw on any store."""
    if warehouse.owner.kind == OrgUnit.Kind.COUNTY and is_county_officer(actor, warehouse.owner):
        return warehouse.owner
    if is_office(actor):
        return office_unit()
    raise PermissionDenied("只能从本级储备库调拨物资")


@transaction.atomic
def order_create(
    *,
    event: Event,
    county: OrgUnit,
    warehouse: Warehouse,
    lines: Any,
    destination: str,
    actor: Any,
    note: str = "",
) -> SupplyOrder:
    """An allocation order to a disaster area, dispatched at once (stock leaves the store). When
    the issuing level is above the store's owner, an obligation to replenish or compensate
    opens with its deadline (7.2.5)."""
    issuing = issuing_unit_for(actor, warehouse)
    if issuing.kind == OrgUnit.Kind.COUNTY and issuing.pk != county.pk:
        raise RuleViolation(errors={"county": ["县区只能向本县区灾区调拨，跨县调拨由市应急管理局下达"]})
    if not warehouse.active:
        raise RuleViolation(errors={"warehouse": ["该仓库已停用"]})
    if event.status == Event.Status.CLOSED:
        raise InvalidTransition("该灾害过程已结束")
    if not EventCounty.objects.filter(event=event, county=county).exists():
        raise RuleViolation(errors={"county": [f"{county.name}不在该灾害过程的受灾县区中"]})
    place = text(destination, "destination", "送达地点", max_length=120)
    parsed = parse_lines(lines)
    items = _items(parsed)
    order = SupplyOrder.objects.create(
        event=event,
        county=county,
        destination=place,
        warehouse=warehouse,
        issuing_unit=issuing,
        note=(note or "").strip()[:200],
        created_by=actor,
    )
    levels = _lock_levels((warehouse.pk, i) for i in parsed)
    for i, q in sorted(parsed.items()):
        SupplyOrderLine.objects.create(order=order, item=items[i], quantity=q)
        _move(
            levels[(warehouse.pk, i)],
            items[i],
            MK.ALLOCATION_OUT,
            -q,
            actor,
            reason=f"调拨至{county.name}{place}（{event.title}）",
            order=order,
            warehouse_name=warehouse.name,
        )
    rules = supplies_rules()
    now = order.created_at
    deadline_create(
        subject=order,
        kind=K_SUPPLY_RECEIPT,
        title=f"{county.name}：确认接收调拨单 {order.pk}（{warehouse.name}）",
        responsible_unit=county,
        escalate_to=office_unit(),
        starts_at=now,
        due_at=rr.receipt_due(now, rules.params),
        rule_set=rules,
        basis="5.x(5) 调拨物资接收确认",
        url=order.get_absolute_url(),
    )
    obligation = None
    if level_rank(issuing) > level_rank(warehouse.owner):
        obligation = ReplenishObligation.objects.create(
            order=order, warehouse=warehouse, owed_by=issuing, owed_to=warehouse.owner
        )
        deadline_create(
            subject=obligation,
            kind=K_REPLENISH,
            title=f"补充{warehouse.name}被调用物资或给予资金补偿（调拨单 {order.pk}）",
            responsible_unit=issuing,
            starts_at=now,
            due_at=rr.replenish_due(now, rules.params),
            rule_set=rules,
            basis="7.2.5",
            url=order.get_absolute_url(),
        )
    audit_record(
        actor=actor,
        action="disaster.relief.order.create",
        obj=order,
        after={
            **snapshot(order),
            "lines": {str(k): v for k, v in parsed.items()},
            "obligation": obligation.pk if obligation else None,
        },
    )
    notify(
        unit_recipients(county, [COUNTY_OFFICER]),
        title=f"救灾物资已调出：调拨单 {order.pk}，{warehouse.name} → {place}",
        body=RELIEF_KIND_LABELS[K_SUPPLY_RECEIPT],
        url=order.get_absolute_url(),
        subject=order,
        level="warning",
        dedupe_key=f"relief-order:{order.pk}",
    )
    if obligation is not None:
        notify(
            unit_recipients(warehouse.owner, [COUNTY_OFFICER]),
            title=f"市级调用了{warehouse.name}的储备物资（调拨单 {order.pk}）",
            body="市级将在期限内补充或给予资金补偿（7.2.5）。",
            url=order.get_absolute_url(),
            subject=order,
            dedupe_key=f"relief-order-drawn:{order.pk}",
        )
    return order


@transaction.atomic
def order_confirm(
    *, order: SupplyOrder, received: dict[int, Any] | None, note: str, actor: Any
) -> SupplyOrder:
    """The receiving county confirms what arrived (per item; all of it when `received` is None).
    A shortfall needs a note."""
    if not is_county_officer(actor, order.county):
        raise PermissionDenied("由接收县区确认接收")
    locked = SupplyOrder.objects.select_for_update().get(pk=order.pk)
    if locked.status != SupplyOrder.Status.DISPATCHED:
        raise InvalidTransition("该调拨单已确认接收")
    lines = list(locked.lines.select_related("item").order_by("pk"))
    given: dict[Any, Any] = received or {}
    short = False
    for line in lines:
        raw = given.get(line.item_id, given.get(str(line.item_id), line.quantity)) if given else line.quantity
        qty = positive_int(
            raw, f"received.{line.item_id}", f"{line.item.name}实收数量", minimum=0, maximum=line.quantity
        )
        line.received_quantity = qty
        short = short or qty < line.quantity
    why = (note or "").strip()[:200]
    if short and not why:
        raise RuleViolation(errors={"note": ["实收少于调拨数量，请说明原因"]})
    for line in lines:
        line.save(update_fields=["received_quantity"])
    now = timezone.now()
    locked.status = SupplyOrder.Status.RECEIVED
    locked.received_at, locked.received_by, locked.receipt_note = now, actor, why
    locked.save(update_fields=["status", "received_at", "received_by", "receipt_note"])
    deadline_meet(subject=locked, kind=K_SUPPLY_RECEIPT, at=now, actor=actor)
    audit_record(
        actor=actor,
        action="disaster.relief.order.confirm",
        obj=locked,
        after={"received": {str(x.item_id): x.received_quantity for x in lines}, "note": why},
    )
    return locked


# --- replenishment or compensation (7.2.5) --------------------------------------------------


@dataclass(frozen=True)
class ObligationState:
    owed: dict[int, int]
    replenished: dict[int, int]

    @property
    def outstanding(self) -> dict[int, int]:
        return {
            i: self.owed[i] - self.replenished.get(i, 0)
            for i in self.owed
            if self.owed[i] > self.replenished.get(i, 0)
        }


def obligation_state(obligation: ReplenishObligation) -> ObligationState:
    lines = list(obligation.order.lines.all())
    return ObligationState({x.item_id: x.quantity for x in lines}, {x.item_id: x.replenished for x in lines})


def _close_obligation(obligation: ReplenishObligation, actor: Any, when: datetime) -> None:
    obligation.status = ReplenishObligation.Status.MET
    obligation.met_at, obligation.met_by = when, actor
    obligation.save(update_fields=["status", "met_at", "met_by", "compensation", "compensation_note"])
    deadline_meet(subject=obligation, kind=K_REPLENISH, at=when, actor=actor)


@transaction.atomic
def obligation_replenish(
    *,
    obligation: ReplenishObligation,
    lines: Any,
    actor: Any,
    source: Warehouse | None = None,
    reason: str = "",
) -> ReplenishObligation:
    """Put supplies back into the drawn store: from one of the upper level's stores (a transfer)
    or newly bought (a receipt). The obligation is met when every item is back."""
    if not is_office(actor):
        raise PermissionDenied("由调用的上级（市应急管理局）补充")
    locked = (
        ReplenishObligation.objects.select_for_update(of=("self",))
        .select_related("warehouse")
        .get(pk=obligation.pk)
    )
    if locked.status != ReplenishObligation.Status.OPEN:
        raise InvalidTransition("该补充/补偿义务已完成")
    parsed = parse_lines(lines)
    order_lines = {
        x.item_id: x for x in SupplyOrderLine.objects.select_for_update().filter(order_id=locked.order_id)
    }
    for item_id, qty in parsed.items():
        line = order_lines.get(item_id)
        if line is None:
            raise RuleViolation(errors={"lines": ["只能补充被调用的物资品目"]})
        if qty > line.quantity - line.replenished:
            raise RuleViolation(
                errors={
                    "lines": [
                        f"{line.item.name}最多还需补充 {line.quantity - line.replenished}{line.item.unit}"
                    ]
                }
            )
    why = reason.strip() or f"补充被调用物资（调拨单 {locked.order_id}，7.2.5）"
    if source is not None:
        stock_transfer(
            source=source, target=locked.warehouse, lines=parsed, reason=why, actor=actor, obligation=locked
        )
    else:
        stock_receive(warehouse=locked.warehouse, lines=parsed, reason=why, actor=actor, obligation=locked)
    for item_id, qty in parsed.items():
        line = order_lines[item_id]
        line.replenished += qty
        line.save(update_fields=["replenished"])
    done = all(x.replenished >= x.quantity for x in order_lines.values())
    audit_record(
        actor=actor,
        action="disaster.relief.obligation.replenish",
        obj=locked,
        after={
            "lines": {str(k): v for k, v in parsed.items()},
            "source": source.pk if source else None,
            "met": done,
        },
    )
    if done:
        _close_obligation(locked, actor, timezone.now())
    return locked


@transaction.atomic
def obligation_compensate(
    *, obligation: ReplenishObligation, amount: Any, note: str, actor: Any
) -> ReplenishObligation:
    """Money instead of (the rest of) the supplies: meets the obligation."""
    if not is_office(actor):
        raise PermissionDenied("由调用的上级（市应急管理局）给予补偿")
    value = parse_amount(amount)
    why = text(note, "note", "补偿说明（文号、拨付方式）")
    locked = ReplenishObligation.objects.select_for_update().get(pk=obligation.pk)
    if locked.status != ReplenishObligation.Status.OPEN:
        raise InvalidTransition("该补充/补偿义务已完成")
    locked.compensation, locked.compensation_note = value, why
    audit_record(
        actor=actor,
        action="disaster.relief.obligation.compensate",
        obj=locked,
        after={"amount": value, "note": why, "outstanding": obligation_state(locked).outstanding},
    )
    _close_obligation(locked, actor, timezone.now())
    return locked


def stock_of(warehouse: Warehouse) -> dict[int, int]:
    return dict(StockLevel.objects.filter(warehouse=warehouse).values_list("item_id", "quantity"))
