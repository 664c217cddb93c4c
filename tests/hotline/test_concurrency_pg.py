"""PostgreSQL-only: the row lock of the transition services — two clerks signing, a clerk
replying while the supervisor reassigns — one wins, the other gets a clean 409; and the Chinese
knowledge search on PostgreSQL's own text handling."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from hotline import services
from hotline.models import Assignment, OrderEvent
from portal.models import OrgUnit
from tests.conftest import needs_postgres

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results = []

    def run(call):
        barrier.wait()
        try:
            results.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _dispatched(persona):
    op = persona("operator")
    order = services.order_create(actor=op, kind="help", description="并发测试", subject="urban-housing")
    return services.order_dispatch(order=order, actor=op, lead_unit=OrgUnit.objects.get(code="zjj"))


def test_two_signs_at_once_one_wins(persona):
    needs_postgres()
    order = _dispatched(persona)
    clerk = persona("clerk_zjj")

    def sign():
        client = APIClient()
        client.force_authenticate(clerk)
        return client.post(f"/api/v1/hotline/orders/{order.pk}/sign/", {}, format="json").status_code

    assert sorted(_race([sign, sign, sign])) == [200, 409, 409]
    assert OrderEvent.objects.filter(order=order, action="sign").count() == 1


def test_reply_against_reassign_is_serialised(persona):
    needs_postgres()
    order = _dispatched(persona)
    clerk, sup = persona("clerk_zjj"), persona("supervisor")
    services.order_sign(order=order, actor=clerk)

    def reply():
        client = APIClient()
        client.force_authenticate(clerk)
        return client.post(
            f"/api/v1/hotline/orders/{order.pk}/reply/", {"content": "已办"}, format="json"
        ).status_code

    def reassign():
        client = APIClient()
        client.force_authenticate(sup)
        cgj = OrgUnit.objects.get(code="cgj").pk
        return client.post(
            f"/api/v1/hotline/orders/{order.pk}/reassign/",
            {"lead_unit": cgj, "reason": "调整"},
            format="json",
        ).status_code

    codes = _race([reply, reassign])
    assert 200 in codes and all(c in (200, 404, 409) for c in codes)
    order.refresh_from_db()
    assert Assignment.objects.filter(order=order, active=True, role="lead").count() == 1
    if order.status == "replied":
        assert order.lead_unit.code == "zjj"
    else:
        assert order.status == "dispatched" and order.lead_unit.code == "cgj"


def test_chinese_search_on_postgres(persona):
    needs_postgres()
    from hotline.selectors import knowledge_search
    from hotline.services.knowledge import entry_create

    admin = persona("admin")
    zjj = OrgUnit.objects.get(code="zjj")
    entry_create(actor=admin, question="住房公积金怎么提取？", answer="购房、租房可提取。", owner_unit=zjj)
    entry_create(actor=admin, question="夜间施工噪音扰民怎么办？", answer="夜间禁止施工。", owner_unit=zjj)
    results = knowledge_search(admin, "我要提取公积金")
    assert results and results[0][0].question == "住房公积金怎么提取？"


def test_two_clerks_of_one_unit_sign_at_once_one_wins(persona):
    needs_postgres()
    from django.contrib.auth import get_user_model

    from portal.models import Membership

    order = _dispatched(persona)
    first = persona("clerk_zjj")
    second = get_user_model().objects.create_user(username="clerk_zjj_2", password="x")
    Membership.objects.create(user=second, unit=OrgUnit.objects.get(code="zjj"), role_id="unit_clerk")

    def sign(user):
        def go():
            client = APIClient()
            client.force_authenticate(user)
            response = client.post(f"/api/v1/hotline/orders/{order.pk}/sign/", {}, format="json")
            return response.status_code, response.json()

        return go

    results = _race([sign(first), sign(second)])
    assert sorted(code for code, _ in results) == [200, 409]
    refused = next(body for code, body in results if code == 409)
    assert "签收" in refused["detail"] or "状态" in refused["detail"], refused  # a Chinese reason
    order.refresh_from_db()
    assert order.status == "signed"
    events = OrderEvent.objects.filter(order=order, action="sign")
    lead = Assignment.objects.get(order=order, active=True, role="lead")
    assert events.count() == 1 and events.get().actor_id == lead.signed_by_id


def _intake_body(**extra):
    yicheng = OrgUnit.objects.get(code="yicheng")
    return {
        "caller_name": "李四",
        "caller_phone": "13912345678",
        "kind": "complaint",
        "subject": "environment-noise",
        "county": yicheng.pk,
        "address": "驿城区解放路88号",
        "description": "夜间工地施工噪音扰民",
        "channel": "phone",
        **extra,
    }


def test_concurrent_replays_of_one_idempotency_key_create_one_order(persona):
    needs_postgres()
    from hotline.models import Order
    from portal.models import Deadline

    op = persona("operator")

    def create():
        client = APIClient()
        client.force_authenticate(op)
        response = client.post(
            "/api/v1/hotline/orders/", _intake_body(), format="json", HTTP_IDEMPOTENCY_KEY="intake-1"
        )
        return response.status_code, response.json()["id"]

    results = _race([create] * 4)
    assert [code for code, _ in results] == [201] * 4
    assert len({oid for _, oid in results}) == 1
    assert Order.objects.count() == 1
    order = Order.objects.get()
    assert Deadline.objects.filter(subject_id=order.pk, kind__startswith="hotline.").count() == 1


def test_one_idempotency_key_with_different_bodies_at_once_creates_one_order(persona):
    needs_postgres()
    from hotline.models import Order

    op = persona("operator")

    def create(text):
        def go():
            client = APIClient()
            client.force_authenticate(op)
            response = client.post(
                "/api/v1/hotline/orders/",
                _intake_body(description=text),
                format="json",
                HTTP_IDEMPOTENCY_KEY="intake-2",
            )
            return response.status_code, response.json()

        return go

    results = _race([create("噪音扰民一"), create("噪音扰民二"), create("噪音扰民三")])
    assert sorted(code for code, _ in results) == [201, 422, 422]
    assert all("Idempotency-Key" in body["detail"] for code, body in results if code == 422)
    assert Order.objects.count() == 1
