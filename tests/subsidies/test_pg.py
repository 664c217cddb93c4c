"""PostgreSQL only: insert-only triggers, the cap check constraint, and caps/budgets enforced
under concurrent approvals (row locks in a fixed order)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from portal.errors import RuleViolation
from subsidies.models import Application, Budget, CapLedger, Decision, PolicyDocument
from subsidies.services import applications as svc
from subsidies.services.budgets import budget_set
from subsidies.services.matching import entitlements_match
from tests.conftest import needs_postgres
from tests.subsidies import factories as f

pytestmark = pytest.mark.pg
ON = date(2025, 6, 16)


def _run_concurrently(target, items):
    barrier = threading.Barrier(len(items))
    results: list[object] = [None] * len(items)

    def work(i, item):
        try:
            barrier.wait()
            results[i] = target(item)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, item)) for i, item in enumerate(items)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db
def test_decisions_refuse_update_and_delete_in_the_database(persona):
    needs_postgres()
    ent = f.EnterpriseFactory()
    f.EquipmentFactory(project=f.ProjectFactory(enterprise=ent))
    entitlements_match(on=ON)
    decision = Decision.objects.get()
    for sql in (
        "UPDATE subsidies_decision SET note = 'x' WHERE id = %s",
        "DELETE FROM subsidies_decision WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [decision.pk])
    assert Decision.objects.get(pk=decision.pk).note == ""


@pytest.mark.django_db
def test_the_database_refuses_a_ledger_over_its_cap():
    needs_postgres()
    CapLedger.objects.create(
        key="cap:E6:enterprise:1:2025",
        kind="cap",
        label="E6",
        cap=Decimal("100000"),
        committed=Decimal("90000"),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CapLedger.objects.filter(key="cap:E6:enterprise:1:2025").update(committed=Decimal("100000.01"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_approvals_never_exceed_the_enterprise_cap(persona):
    needs_postgres()
    gxj, czj = persona("city_gxj"), persona("city_czj")
    ent = f.EnterpriseFactory()
    ids = []
    for _ in range(5):
        app = svc.application_submit(
            actor=gxj,
            enterprise=ent,
            clause="E4a",
            project=f.ProjectFactory(enterprise=ent),
            facts=f.e4a_facts(equipment_purchase="60000000"),  # 3 M each, 15 M in all
            materials=f.all_materials("E4a"),
        )
        app = svc.application_check_materials(application=app, actor=gxj)
        app = svc.application_dept_review(application=app, actor=gxj)
        ids.append(svc.application_fiscal_review(application=app, actor=czj).pk)

    def approve(pk):
        return svc.application_approve(application=Application(pk=pk), actor=gxj).approved_amount

    results = _run_concurrently(approve, ids)
    granted = [r for r in results if isinstance(r, Decimal)]
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(granted) + len(refused) == 5, results
    assert sum(granted) == Decimal("10000000.00")
    assert sorted(granted) == [Decimal("1000000.00")] + [Decimal("3000000.00")] * 3
    assert len(refused) == 1 and "单一企业" in refused[0].message
    ledger = CapLedger.objects.get(key=f"cap:E4a:enterprise:{ent.pk}")
    assert ledger.committed == Decimal("10000000.00")
    approved = Application.objects.filter(status="approved").values_list("approved_amount", flat=True)
    assert sum(approved) == ledger.committed
    assert Application.objects.filter(status="fiscal_reviewed").count() == 1  # the refused one is untouched


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_t12_and_budget(persona):
    needs_postgres()
    gxj, wgly = persona("city_gxj"), f.member("wgly", username="city_wgly")
    czj = persona("city_czj")
    budget_set(
        actor=czj,
        document=PolicyDocument.objects.get(code="A"),
        year=timezone.localdate().year,
        amount="150000",
    )
    ent = f.EnterpriseFactory()
    for _ in range(4):
        f.ExhibitionFactory(
            enterprise=ent, booth_fee=Decimal("100000"), held_on=date(2025, 5, 1)
        )  # 50 k each, 100 k/yr
    entitlements_match(on=ON)
    e6 = list(Application.objects.filter(clause="E6").values_list("pk", flat=True))
    assert len(e6) == 2  # the match already stops at the yearly cap

    results = _run_concurrently(
        lambda pk: svc.proposal_confirm(application=Application(pk=pk), actor=gxj).approved_amount, e6
    )
    assert sorted(results) == [Decimal("50000.00"), Decimal("50000.00")]
    assert CapLedger.objects.get(key=f"cap:E6:enterprise:{ent.pk}:2025").committed == Decimal("100000.00")
    assert Budget.objects.get().committed == Decimal("100000.00")
    assert wgly.pk
