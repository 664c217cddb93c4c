"""PostgreSQL-only guarantees: history tables are insert-only (triggers), concurrent writes on
one household serialise on the row lock, and the person search can use its indexes."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from assistance.models import AidRecord, Application, Classification, HouseholdVersion, Person, Visit
from assistance.services.applications import application_create
from assistance.services.households import household_classify
from assistance.services.ledger import aid_record
from assistance.services.monitoring import visit_record
from portal.errors import InvalidTransition
from tests.conftest import needs_postgres

from .factories import household, person

pytestmark = pytest.mark.pg


@pytest.mark.django_db
def test_history_tables_are_insert_only(persona):
    needs_postgres()
    officer = persona("shuitun")
    h = household(actor=officer)
    household_classify(household=h, actor=officer)
    visit_record(household=h, kind="routine", findings="正常", conclusion="qualifies", actor=officer)
    aid_record(
        household=h,
        aid_type="temporary",
        amount="100",
        department=h.county,
        granted_on=h.created_at.date(),
        actor=officer,
    )
    for model, change in (
        (HouseholdVersion, {"reason": "篡改"}),
        (Classification, {"tier": "dibao"}),
        (Visit, {"findings": "篡改"}),
        (AidRecord, {"amount": Decimal("999")}),
    ):
        with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
            model.objects.all().update(**change)
        with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
            model.objects.all().delete()
    assert HouseholdVersion.objects.get(household=h).reason == "新建家庭档案"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_applications_for_one_household_create_one(persona):
    needs_postgres()
    officer = persona("shuitun")
    h = household(actor=officer)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def apply() -> None:
        try:
            barrier.wait()
            application_create(household=h, requested_tier="dibao", actor=officer)
            results.append("ok")
        except InvalidTransition:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]
    assert Application.objects.filter(household=h).count() == 1


@pytest.mark.django_db
def test_person_search_can_use_indexes(persona):
    needs_postgres()
    officer = persona("shuitun")
    target = person("诸葛亮")
    household(members=[target], actor=officer)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        by_id = str(Person.objects.filter(id_number=target.id_number).explain())
        by_name = str(Person.objects.filter(name__startswith="诸葛").explain())
    assert "Index" in by_id and "Seq Scan" not in by_id
    assert "Index" in by_name and "Seq Scan" not in by_name
