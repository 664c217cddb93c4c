"""Relief supplies (issue 4): stock as a ledger of movements, never negative; allocation orders
with receipt confirmation; the upper level's obligation to replenish or compensate (7.2.5)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Sum

from disaster.models import ReplenishObligation, StockLevel, StockMovement, SupplyItem, SupplyOrder
from disaster.services import relief_supplies as sup
from disaster.services.relief_common import K_REPLENISH, K_SUPPLY_RECEIPT
from portal.deadlines import deadline_sweep
from portal.errors import InvalidTransition, RuleViolation
from portal.models import AuditEntry, Deadline, OrgUnit
from tests.disaster.relief_helpers import item, store

pytestmark = pytest.mark.django_db


def _level(wh, code):
    return StockLevel.objects.get(warehouse=wh, item=item(code)).quantity


def _invariant(wh):
    """For every item: the level equals the sum of the movements and the last balance_after."""
    for level in StockLevel.objects.filter(warehouse=wh):
        moves = StockMovement.objects.filter(warehouse=wh, item_id=level.item_id)
        assert (moves.aggregate(s=Sum("quantity"))["s"] or 0) == level.quantity
        last = moves.order_by("-pk").first()
        assert (last.balance_after if last else 0) == level.quantity


def test_receipt_and_adjustment_with_reason_never_below_zero(clock, persona):
    wh = store(persona, "yicheng", "yc-1", {"tent": 50, "quilt": 200})
    assert _level(wh, "tent") == 50
    with pytest.raises(RuleViolation, match="调整原因"):
        sup.stock_adjust(warehouse=wh, item=item("tent"), delta=-1, reason="", actor=persona("yicheng"))
    sup.stock_adjust(
        warehouse=wh, item=item("tent"), delta=-2, reason="盘点发现 2 顶破损", actor=persona("yicheng")
    )
    with pytest.raises(RuleViolation, match="库存 48顶，不足 49顶"):
        sup.stock_adjust(warehouse=wh, item=item("tent"), delta=-49, reason="盘亏", actor=persona("yicheng"))
    sup.stock_adjust(warehouse=wh, item=item("tent"), delta=-48, reason="全部出借", actor=persona("yicheng"))
    assert _level(wh, "tent") == 0
    with pytest.raises(PermissionDenied):
        sup.stock_adjust(warehouse=wh, item=item("quilt"), delta=5, reason="x", actor=persona("xiping"))
    _invariant(wh)
    adjustment = StockMovement.objects.filter(kind="adjustment").first()
    assert adjustment.reason == "盘点发现 2 顶破损"
    # movements are insert-only; the level cannot go negative in the database either
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        StockMovement.objects.filter(pk=adjustment.pk).update(quantity=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(warehouse=wh, item=item("quilt")).update(quantity=-1)


def test_county_order_to_its_own_disaster_area_and_receipt(clock, persona, open_event):
    event = open_event("yicheng")
    wh = store(persona, "yicheng", "yc-1", {"tent": 50, "quilt": 200})
    order = sup.order_create(
        event=event,
        county=OrgUnit.objects.get(code="yicheng"),
        warehouse=wh,
        lines={item("tent").pk: 20, item("quilt").pk: 100},
        destination="水屯镇第一中学安置点",
        actor=persona("yicheng"),
    )
    assert order.status == "dispatched" and order.issuing_unit.code == "yicheng"
    assert not ReplenishObligation.objects.exists()  # a county drawing on its own store owes nothing
    assert (_level(wh, "tent"), _level(wh, "quilt")) == (30, 100)
    deadline = Deadline.objects.get(kind=K_SUPPLY_RECEIPT)
    assert deadline.responsible_unit.code == "yicheng" and deadline.due_at == order.created_at + timedelta(
        hours=48
    )
    with pytest.raises(PermissionDenied):
        sup.order_confirm(order=order, received=None, note="", actor=persona("xiping"))
    with pytest.raises(RuleViolation, match="请说明原因"):
        sup.order_confirm(order=order, received={item("tent").pk: 19}, note="", actor=persona("yicheng"))
    confirmed = sup.order_confirm(
        order=order, received={item("tent").pk: 19}, note="运输途中损坏 1 顶", actor=persona("yicheng")
    )
    assert confirmed.status == "received"
    lines = {x.item.code: x.received_quantity for x in order.lines.all()}
    assert lines == {"tent": 19, "quilt": 100}
    deadline.refresh_from_db()
    assert deadline.status == "met" and not deadline.was_late
    with pytest.raises(InvalidTransition):
        sup.order_confirm(order=order, received=None, note="", actor=persona("yicheng"))
    _invariant(wh)


def test_an_order_beyond_stock_moves_nothing(clock, persona, open_event):
    event = open_event("yicheng")
    wh = store(persona, "yicheng", "yc-1", {"tent": 5, "quilt": 10})
    with pytest.raises(RuleViolation, match="救灾帐篷库存 5顶，不足 6顶"):
        sup.order_create(
            event=event,
            county=OrgUnit.objects.get(code="yicheng"),
            warehouse=wh,
            lines={item("quilt").pk: 10, item("tent").pk: 6},
            destination="安置点",
            actor=persona("yicheng"),
        )
    assert (_level(wh, "tent"), _level(wh, "quilt")) == (5, 10)
    assert not SupplyOrder.objects.exists() and not Deadline.objects.filter(kind=K_SUPPLY_RECEIPT).exists()


def test_who_may_order_from_which_store_to_where(clock, persona, open_event):
    event = open_event("yicheng", "xiping")
    city = store(persona, "zmd", "city-1", {"tent": 100})
    yc = store(persona, "yicheng", "yc-1", {"tent": 10})
    lines = {item("tent").pk: 1}
    xiping = OrgUnit.objects.get(code="xiping")
    with pytest.raises(PermissionDenied):  # a county cannot draw on the city's store
        sup.order_create(
            event=event,
            county=OrgUnit.objects.get(code="yicheng"),
            warehouse=city,
            lines=lines,
            destination="x",
            actor=persona("yicheng"),
        )
    with pytest.raises(RuleViolation, match="跨县调拨由市应急管理局下达"):
        sup.order_create(
            event=event, county=xiping, warehouse=yc, lines=lines, destination="x", actor=persona("yicheng")
        )
    with pytest.raises(RuleViolation, match="不在该灾害过程"):
        sup.order_create(
            event=event,
            county=OrgUnit.objects.get(code="shangcai"),
            warehouse=city,
            lines=lines,
            destination="x",
            actor=persona("city_yjj"),
        )
    order = sup.order_create(
        event=event,
        county=xiping,
        warehouse=city,
        lines=lines,
        destination="出山镇",
        actor=persona("city_yjj"),
    )
    assert order.issuing_unit.code == "yjj" and not ReplenishObligation.objects.exists()  # its own store
    inactive = SupplyItem.objects.create(
        code="generator", name="发电机", unit="台", category="lighting", active=False
    )
    with pytest.raises(RuleViolation, match="生活类救灾物资"):
        sup.order_create(
            event=event,
            county=xiping,
            warehouse=city,
            lines={inactive.pk: 1},
            destination="x",
            actor=persona("city_yjj"),
        )


def test_city_drawing_on_a_county_store_owes_it_until_replenished(clock, persona, open_event):
    event = open_event("xiping")
    city = store(persona, "zmd", "city-1", {"tent": 100, "quilt": 100})
    yc = store(persona, "yicheng", "yc-1", {"tent": 30, "quilt": 50})
    order = sup.order_create(
        event=event,
        county=OrgUnit.objects.get(code="xiping"),
        warehouse=yc,
        lines={item("tent").pk: 20, item("quilt").pk: 40},
        destination="西平县出山镇",
        actor=persona("city_yjj"),
    )
    obligation = ReplenishObligation.objects.get(order=order)
    assert (obligation.owed_by.code, obligation.owed_to.code, obligation.status) == ("yjj", "yicheng", "open")
    deadline = Deadline.objects.get(kind=K_REPLENISH)
    assert deadline.responsible_unit.code == "yjj" and deadline.due_at == order.created_at + timedelta(
        days=30
    )
    assert deadline.basis == "7.2.5" and deadline.rule_set.key == "disaster.relief_supplies"
    with pytest.raises(PermissionDenied):
        sup.obligation_replenish(obligation=obligation, lines={item("tent").pk: 1}, actor=persona("yicheng"))
    with pytest.raises(RuleViolation, match="最多还需补充 20顶"):
        sup.obligation_replenish(
            obligation=obligation, lines={item("tent").pk: 21}, source=city, actor=persona("city_yjj")
        )
    sup.obligation_replenish(
        obligation=obligation, lines={item("tent").pk: 20}, source=city, actor=persona("city_yjj")
    )
    obligation.refresh_from_db()
    assert obligation.status == "open"  # the quilts are still owed
    assert (_level(yc, "tent"), _level(city, "tent")) == (30, 80)
    sup.obligation_replenish(
        obligation=obligation, lines={item("quilt").pk: 40}, actor=persona("city_yjj"), reason="新采购补充"
    )
    obligation.refresh_from_db()
    deadline.refresh_from_db()
    assert obligation.status == "met" and deadline.status == "met"
    assert _level(yc, "quilt") == 50
    assert StockMovement.objects.filter(obligation=obligation).count() == 3  # out+in, receipt
    _invariant(yc)
    _invariant(city)
    with pytest.raises(InvalidTransition):
        sup.obligation_compensate(obligation=obligation, amount="1", note="x", actor=persona("city_yjj"))


def test_compensation_meets_the_obligation_and_an_unmet_one_goes_overdue(clock, persona, open_event):
    event = open_event("xiping")
    yc = store(persona, "yicheng", "yc-1", {"tent": 30})
    persona("city_yjj")
    first = sup.order_create(
        event=event,
        county=OrgUnit.objects.get(code="xiping"),
        warehouse=yc,
        lines={item("tent").pk: 10},
        destination="x",
        actor=persona("city_yjj"),
    )
    second = sup.order_create(
        event=event,
        county=OrgUnit.objects.get(code="xiping"),
        warehouse=yc,
        lines={item("tent").pk: 10},
        destination="y",
        actor=persona("city_yjj"),
    )
    with pytest.raises(RuleViolation, match="金额最多两位小数"):
        sup.obligation_compensate(
            obligation=first.obligation, amount="100.001", note="x", actor=persona("city_yjj")
        )
    sup.obligation_compensate(
        obligation=first.obligation,
        amount="12000.00",
        note="驻应急〔2026〕3号 拨付补偿",
        actor=persona("city_yjj"),
    )
    first.obligation.refresh_from_db()
    assert first.obligation.status == "met" and first.obligation.compensation == 12000
    clock.move_to(second.created_at + timedelta(days=30, minutes=1))
    deadline_sweep()
    overdue = Deadline.objects.get(kind=K_REPLENISH, subject_id=second.obligation.pk)
    assert overdue.status == "overdue"
    assert Deadline.objects.get(kind=K_REPLENISH, subject_id=first.obligation.pk).status == "met"
    # the receipt confirmations also went overdue (48 h) and were escalated to the city bureau
    assert Deadline.objects.filter(kind=K_SUPPLY_RECEIPT, status="overdue").count() == 2
    assert AuditEntry.objects.filter(action="disaster.relief.obligation.compensate").count() == 1


def test_transfer_between_stores_moves_both_sides(clock, persona):
    yc = store(persona, "yicheng", "yc-1", {"quilt": 10})
    yc2 = store(persona, "yicheng", "yc-2")
    with pytest.raises(RuleViolation, match="不足 11床"):
        sup.stock_transfer(
            source=yc, target=yc2, lines={item("quilt").pk: 11}, reason="调运", actor=persona("yicheng")
        )
    sup.stock_transfer(
        source=yc,
        target=yc2,
        lines={item("quilt").pk: 4},
        reason="调运至乡镇储备点",
        actor=persona("yicheng"),
    )
    assert (_level(yc, "quilt"), _level(yc2, "quilt")) == (6, 4)
    kinds = sorted(StockMovement.objects.filter(reason="调运至乡镇储备点").values_list("kind", flat=True))
    assert kinds == ["transfer_in", "transfer_out"]
    _invariant(yc)
    _invariant(yc2)
