"""PostgreSQL-only (issue 4): relief ledgers under concurrency — many allocations at once never
take more stock or money than there is — and the database guards (insert-only triggers, the
deferred trigger that refuses a balance without its ledger row)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Sum

from disaster.models import (
    AidPayment,
    FundAccount,
    FundAllocation,
    FundDecision,
    FundEntry,
    StockLevel,
    StockMovement,
    SupplyOrder,
)
from disaster.services import relief_aid as aid
from disaster.services import relief_funds as funds
from disaster.services import relief_supplies as sup
from portal.errors import RuleViolation
from portal.models import OrgUnit
from tests.conftest import needs_postgres
from tests.disaster.relief_helpers import fund_county, item, person, store, verify

pytestmark = pytest.mark.pg


def _run(workers):
    """Start all workers together (a barrier), collect their exceptions."""
    errors: list[Exception] = []
    barrier = threading.Barrier(len(workers))

    def wrap(fn):
        def go():
            try:
                barrier.wait()
                fn()
            except Exception as exc:  # collected and asserted by the test
                errors.append(exc)
            finally:
                connection.close()

        return go

    threads = [threading.Thread(target=wrap(fn)) for fn in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_allocation_orders_never_overdraw_a_store(persona, open_event):
    needs_postgres()
    event = open_event("yicheng", "xiping")
    wh = store(persona, "yicheng", "yc-1", {"tent": 25, "quilt": 1000})
    yicheng, yjj, county_user = OrgUnit.objects.get(code="yicheng"), persona("city_yjj"), persona("yicheng")

    def order(actor, qty):
        return lambda: sup.order_create(
            event=event,
            county=yicheng,
            warehouse=wh,
            lines={item("tent").pk: qty, item("quilt").pk: 1},
            destination="安置点",
            actor=actor,
        )

    # ten orders of 5 tents at once (half by the county, half by the city): only five fit
    errors = _run([order(county_user if i % 2 else yjj, 5) for i in range(10)])
    assert len(errors) == 5 and all(isinstance(e, RuleViolation) and "不足" in e.message for e in errors), (
        errors
    )
    level = StockLevel.objects.get(warehouse=wh, item=item("tent"))
    assert level.quantity == 0
    moves = StockMovement.objects.filter(warehouse=wh, item=item("tent"))
    assert moves.aggregate(s=Sum("quantity"))["s"] == 0
    assert moves.filter(balance_after__lt=0).count() == 0
    assert SupplyOrder.objects.count() == 5
    assert (
        StockLevel.objects.get(warehouse=wh, item=item("quilt")).quantity == 995
    )  # refused orders took nothing
    # each balance_after is a distinct step of the serialised sequence
    outs = sorted(moves.filter(kind="allocation_out").values_list("balance_after", flat=True))
    assert outs == [0, 5, 10, 15, 20]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_transfers_and_adjustments_keep_the_ledger_exact(persona):
    needs_postgres()
    a = store(persona, "yicheng", "yc-a", {"quilt": 100})
    b = store(persona, "yicheng", "yc-b", {"quilt": 100})
    user = persona("yicheng")
    jobs = []
    for i in range(6):
        source, target = (a, b) if i % 2 else (b, a)
        jobs.append(
            lambda s=source, t=target: sup.stock_transfer(
                source=s, target=t, lines={item("quilt").pk: 30}, reason="对调", actor=user
            )
        )
    jobs.append(
        lambda: sup.stock_adjust(warehouse=a, item=item("quilt"), delta=-40, reason="盘亏", actor=user)
    )
    errors = _run(jobs)
    assert all(isinstance(e, RuleViolation) for e in errors)
    total = StockLevel.objects.filter(item=item("quilt")).aggregate(s=Sum("quantity"))["s"]
    adjusted = 40 if StockMovement.objects.filter(kind="adjustment").exists() else 0
    assert total == 200 - adjusted  # transfers conserve stock
    for wh in (a, b):
        level = StockLevel.objects.get(warehouse=wh, item=item("quilt"))
        assert level.quantity >= 0
        assert StockMovement.objects.filter(warehouse=wh).aggregate(s=Sum("quantity"))["s"] == level.quantity


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_approvals_never_promise_more_than_the_receipt(persona):
    needs_postgres()
    receipt = funds.receipt_record(
        source="central",
        purpose="emergency",
        amount="100000.00",
        document_no="财建〔2026〕1号",
        received_on=date(2026, 7, 1),
        actor=persona("city_czj"),
    )
    allocations = [
        funds.allocation_propose(
            receipt=receipt,
            county=OrgUnit.objects.get(code=code),
            amount="30000.00",
            reason="申请",
            actor=persona("city_yjj"),
        )
        for code in ("yicheng", "xiping", "shangcai", "pingyu", "zhengyang", "queshan")
    ]
    czj = persona("city_czj")
    errors = _run(
        [
            (lambda al=al: funds.allocation_decide(allocation=al, approve=True, reason="同意", actor=czj))
            for al in allocations
        ]
    )
    assert len(errors) == 3 and all(isinstance(e, RuleViolation) for e in errors)
    account = FundAccount.objects.get(receipt=receipt, level="city")
    assert account.committed == Decimal("90000.00") and FundDecision.objects.count() == 3
    approved = list(FundAllocation.objects.filter(status="approved"))
    # disbursing them all at once (two tabs each) moves each once
    errors = _run(
        [
            (lambda al=al: funds.allocation_disburse(allocation=al, document_no="驻财", actor=czj))
            for al in approved * 2
        ]
    )
    assert len(errors) == 3
    account.refresh_from_db()
    assert (account.balance, account.committed) == (Decimal("10000.00"), Decimal("0.00"))
    assert FundAccount.objects.filter(level="county").count() == 3
    assert FundEntry.objects.filter(account=account).aggregate(s=Sum("delta"))["s"] == account.balance


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_payments_never_overdraw_a_county_lot(persona, open_event, submit):
    needs_postgres()
    event = open_event("yicheng")
    verify(event, "yicheng", persona, submit)
    lot = fund_county(persona, "yicheng", "transitional", "5000.00")
    programme = aid.programme_open(
        kind="transitional", county=lot.county, event=event, actor=persona("yicheng")
    )
    aid.plan_record(
        programme=programme,
        data={"per_person_month": "600", "months": 3, "budget": "18000", "basis": "x"},
        actor=persona("city_yjj"),
    )
    user = persona("yicheng")
    people = [
        aid.beneficiary_add(
            programme=programme, person=person(event, "yicheng", persona, f"对象{i}", i), actor=user
        )
        for i in range(6)
    ]
    errors = _run(
        [
            (lambda b=b: aid.payment_make(beneficiary=b, amount="1800.00", account=lot, actor=user))
            for b in people
        ]
        + [(lambda: aid.payment_make(beneficiary=people[0], amount="1800.00", account=lot, actor=user))]
    )
    lot.refresh_from_db()
    paid = AidPayment.objects.aggregate(s=Sum("amount"))["s"]
    assert paid == Decimal("3600.00") and lot.balance == Decimal("1400.00")  # two fit in 5,000
    assert len(errors) == 5 and all(isinstance(e, RuleViolation) for e in errors)
    assert FundEntry.objects.filter(account=lot).aggregate(s=Sum("delta"))["s"] == lot.balance


@pytest.mark.django_db
def test_postgres_guards_insert_only_and_balance_needs_its_ledger_row(persona):
    needs_postgres()
    wh = store(persona, "yicheng", "yc-1", {"tent": 5})
    receipt = funds.receipt_record(
        source="city",
        purpose="emergency",
        amount="10.00",
        document_no="x",
        received_on=date(2026, 7, 1),
        actor=persona("city_czj"),
    )
    move = StockMovement.objects.get(warehouse=wh)
    entry = FundEntry.objects.get(account__receipt=receipt)
    for statement in (
        lambda: StockMovement.objects.filter(pk=move.pk).update(quantity=50),
        lambda: connection.cursor().execute("DELETE FROM disaster_stockmovement WHERE id = %s", [move.pk]),
        lambda: FundEntry.objects.filter(pk=entry.pk).update(delta=Decimal("1.00")),
        lambda: connection.cursor().execute("DELETE FROM disaster_fundentry WHERE id = %s", [entry.pk]),
    ):
        with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
            statement()
    # a balance changed without a movement/entry is refused at commit (deferred constraint trigger)
    with pytest.raises(DatabaseError, match="movements give"), transaction.atomic():
        StockLevel.objects.filter(warehouse=wh).update(quantity=7)
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="entries give"), transaction.atomic():
        FundAccount.objects.filter(receipt=receipt).update(balance=Decimal("9.00"))
        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(warehouse=wh).update(quantity=-1)
    assert StockLevel.objects.get(warehouse=wh).quantity == 5
