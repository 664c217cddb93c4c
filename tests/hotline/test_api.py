"""The work-order API of api.md: create, list with filters (keyset, no N+1), read, actions,
409/400/403/404, Idempotency-Key, confidentiality, access by unit."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.models import Order
from portal.models import AuditEntry, Membership, OrgUnit
from tests.hotline.conftest import sh

URL = "/api/v1/hotline/orders/"


def body(unit_ids, **extra):
    return {
        "caller_name": "李四",
        "caller_phone": "13912345678",
        "confidential": False,
        "reply_wanted": True,
        "kind": "complaint",
        "subject": "environment-noise",
        "county": unit_ids["yicheng"].pk,
        "address": "驿城区解放路88号",
        "description": "夜间工地施工噪音扰民",
        "channel": "phone",
        **extra,
    }


def test_create_returns_201_with_id_and_status(api, people, units):
    response = api("operator").post(URL, body(units), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "received" and isinstance(data["id"], int)
    assert data["signed_at"] is None and data["due_at"] is None and data["overdue"] is False
    assert data["caller_phone"] == "139****5678"  # masked in representations
    order = Order.objects.get(pk=data["id"])
    assert order.caller_phone == "13912345678" and order.subject.code == "environment-noise"


def test_create_validation_errors_are_400_with_fields(api, people, units):
    response = api("operator").post(URL, body(units, kind="gossip", description=""), format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"kind", "description"}
    response = api("operator").post(
        URL, body(units, subject="no-such", township=units["xiping"].pk), format="json"
    )
    assert response.status_code == 400
    assert "subject" in response.json() and "township" in response.json()


def test_anonymous_caller_allowed(api, people, units):
    response = api("operator").post(URL, body(units, caller_name="", caller_phone=""), format="json")
    assert response.status_code == 201
    assert response.json()["caller_name"] == "（匿名）"


def test_create_needs_centre_role_and_credentials(api, people, units):
    assert api(None).post(URL, body(units), format="json").status_code == 401
    assert api("clerk_zjj").post(URL, body(units), format="json").status_code == 403
    assert api("outsider").post(URL, body(units), format="json").status_code == 403
    assert api("admin").post(URL, body(units), format="json").status_code == 201  # superuser


def test_full_life_cycle_through_the_api(api, people, units, frozen):
    op, sup, clerk = api("operator"), api("supervisor"), api("clerk_zjj")
    with frozen("2024-11-05T08:00"):
        oid = op.post(URL, body(units, kind="consultation"), format="json").json()["id"]
        r = op.post(
            f"{URL}{oid}/dispatch/",
            {"lead_unit": units["zjj"].pk, "assisting_units": [units["cgj"].pk]},
            format="json",
        )
        assert r.status_code == 200 and r.json()["status"] == "dispatched"
        assert r.json()["assisting_units"] == [units["cgj"].pk]
    with frozen("2024-11-05T09:00"):
        r = clerk.post(f"{URL}{oid}/sign/", {}, format="json")
        assert r.json()["status"] == "signed"
        assert r.json()["signed_at"] == "2024-11-05T09:00:00+08:00"
        assert r.json()["due_at"] == "2024-11-09T00:00:00+08:00"
        assert r.json()["rule_set"] == {
            "key": "hotline.time_limits",
            "version": 1,
            "valid_from": "2024-08-01",
        }
        r = clerk.post(f"{URL}{oid}/request-extension/", {"days": 2, "reason": "需要现场核查"}, format="json")
        assert r.json()["status"] == "extension_requested"
        r = sup.post(f"{URL}{oid}/review-extension/", {"approve": True, "note": "同意"}, format="json")
        assert r.json()["due_at"] == "2024-11-13T00:00:00+08:00"
    with frozen("2024-11-12T10:00"):
        r = clerk.post(f"{URL}{oid}/reply/", {"content": "已责令工地夜间停工"}, format="json")
        assert r.json()["status"] == "replied" and r.json()["overdue"] is False
        r = sup.post(f"{URL}{oid}/callback/", {"satisfied": True, "note": "满意"}, format="json")
        assert r.json()["status"] == "called_back"
        assert sup.post(f"{URL}{oid}/close/", {}, format="json").json()["status"] == "closed"
        assert sup.post(f"{URL}{oid}/archive/", {}, format="json").json()["status"] == "archived"
    with frozen("2025-03-01T00:00"):
        assert op.get(f"{URL}{oid}/").json()["overdue"] is False


def test_every_action_endpoint_exists_with_api_md_body(api, make_order, people, units):
    sup, op, clerk = api("supervisor"), api("operator"), api("clerk_zjj")
    o = make_order("received")
    assert op.post(f"{URL}{o.pk}/answer/", {"content": "答复"}, format="json").status_code == 200
    o = make_order("received")
    assert (
        op.post(f"{URL}{o.pk}/handover/", {"target": "119", "note": "火情"}, format="json").json()["status"]
        == "handed_over"
    )
    o = make_order("signed")
    r = clerk.post(
        f"{URL}{o.pk}/return/",
        {"reason": "非本单位", "basis": "职责", "suggested_unit": units["cgj"].pk},
        format="json",
    )
    assert r.json()["status"] == "return_requested"
    r = sup.post(f"{URL}{o.pk}/review-return/", {"approve": False, "note": "属于本单位"}, format="json")
    assert r.json()["status"] == "signed"
    assert sup.post(f"{URL}{o.pk}/urge/", {"note": "请加快"}, format="json").json()["urge_count"] == 1
    r = sup.post(
        f"{URL}{o.pk}/reassign/", {"lead_unit": units["cgj"].pk, "reason": "职责调整"}, format="json"
    )
    assert r.json()["lead_unit"] == units["cgj"].pk and r.json()["status"] == "dispatched"
    o = make_order("called_back")
    assert sup.post(f"{URL}{o.pk}/redo/", {"reason": "不满意"}, format="json").json()["status"] == "signed"
    o = make_order("closed")
    assert op.post(f"{URL}{o.pk}/reopen/", {"reason": "再次来电"}, format="json").json()["reopen_count"] == 1


def test_wrong_action_for_state_is_409_never_500(api, make_order, people):
    o = make_order("received")
    r = api("clerk_zjj").post(f"{URL}{o.pk}/sign/", {}, format="json")
    assert r.status_code == 404  # not yet dispatched to the clerk's unit: not visible
    r = api("admin").post(f"{URL}{o.pk}/sign/", {}, format="json")
    assert r.status_code == 409 and "工单当前状态" in r.json()["detail"]
    r = api("supervisor").post(f"{URL}{o.pk}/close/", {}, format="json")
    assert r.status_code == 409
    o = make_order("archived")
    r = api("operator").post(f"{URL}{o.pk}/reopen/", {"reason": "x"}, format="json")
    assert r.status_code == 409


def test_bad_bodies_are_400(api, make_order, people):
    o = make_order("signed")
    assert (
        api("clerk_zjj")
        .post(f"{URL}{o.pk}/request-extension/", {"days": 0, "reason": ""}, format="json")
        .status_code
        == 400
    )
    assert api("clerk_zjj").post(f"{URL}{o.pk}/reply/", {}, format="json").json() == {
        "content": ["该字段是必填项。"]
    }
    r = api("admin").post(f"{URL}{o.pk}/dispatch/", {"lead_unit": "x"}, format="json")
    assert r.status_code in (400, 409)
    r = api("clerk_zjj").post(
        f"{URL}{o.pk}/unfinished-reply/",
        {"progress": "p", "plan": "q", "expected_date": "明天"},
        format="json",
    )
    assert r.status_code == 400 and "expected_date" in r.json()


def test_dispatch_to_unit_that_handles_no_orders_is_400(api, make_order, people, unit):
    o = make_order("received")
    r = api("operator").post(f"{URL}{o.pk}/dispatch/", {"lead_unit": unit("rx12345").pk}, format="json")
    assert r.status_code == 400 and "lead_unit" in r.json()


def test_role_limits_are_403(api, make_order, people, units):
    o = make_order("return_requested")
    assert (
        api("operator").post(f"{URL}{o.pk}/review-return/", {"approve": True}, format="json").status_code
        == 403
    )
    assert (
        api("clerk_zjj").post(f"{URL}{o.pk}/review-return/", {"approve": True}, format="json").status_code
        == 403
    )
    o = make_order("dispatched", assisting=[units["power"]])
    # an assisting unit signs its own task but may not return the order (lead only)
    assert api("clerk_power").post(f"{URL}{o.pk}/sign/", {}, format="json").status_code == 200
    r = api("clerk_power").post(f"{URL}{o.pk}/return/", {"reason": "r", "basis": "b"}, format="json")
    assert r.status_code == 403


def test_outsiders_and_other_units_get_404(api, make_order, people):
    o = make_order("dispatched")
    for who in ("outsider", "xiping", "clerk_power"):
        assert api(who).get(f"{URL}{o.pk}/").status_code == 404, who
        assert api(who).post(f"{URL}{o.pk}/sign/", {}, format="json").status_code == 404, who
        assert api(who).get(f"{URL}{o.pk}/caller/").status_code == 404, who
        assert api(who).get(URL).json()["results"] == [], who
    assert api("clerk_zjj").get(f"{URL}{o.pk}/").status_code == 200
    assert api("auditor").get(f"{URL}{o.pk}/").status_code == 200
    assert api("auditor").post(f"{URL}{o.pk}/urge/", {}, format="json").status_code == 403
    assert api("outsider").get(f"{URL}999999/").status_code == 404


def test_county_government_clerk_sees_orders_of_its_county_unit(api, make_order, people, units, persona):
    from portal.models import Role, User

    clerk = User.objects.create_user("clerk_xiping", password="x")
    Membership.objects.create(user=clerk, unit=units["xiping"], role=Role.objects.get(code="unit_clerk"))
    o = make_order("dispatched", lead=units["xiping"])
    other = make_order("dispatched")
    client = api(None)
    client.force_authenticate(clerk)
    ids = [r["id"] for r in client.get(URL).json()["results"]]
    assert ids == [o.pk] and other.pk not in ids


def test_confidential_caller_never_shown_to_the_unit(api, make_order, people):
    o = make_order("signed", confidential=True, caller_name="王五", caller_phone="13700001111")
    unit_view = api("clerk_zjj").get(f"{URL}{o.pk}/").json()
    assert unit_view["caller_name"] == "（保密）" and unit_view["caller_phone"] == "（保密）"
    assert "13700001111" not in str(api("clerk_zjj").get(URL).json())
    assert api("clerk_zjj").get(f"{URL}{o.pk}/caller/").status_code == 403
    centre = api("supervisor").get(f"{URL}{o.pk}/").json()
    assert centre["caller_phone"] == "137****1111"
    full = api("supervisor").get(f"{URL}{o.pk}/caller/")
    assert full.json()["caller_phone"] == "13700001111"
    assert AuditEntry.objects.filter(action="hotline.order.unmask", object_id=str(o.pk)).count() == 1


def test_non_confidential_caller_unmasked_for_the_unit_with_audit(api, make_order, people):
    o = make_order("signed")
    r = api("clerk_zjj").get(f"{URL}{o.pk}/caller/")
    assert r.status_code == 200 and r.json()["caller_phone"] == "13812345678"
    entry = AuditEntry.objects.get(action="hotline.order.unmask")
    assert entry.actor.username == "clerk_zjj"


def test_confidential_reply_is_relayed_by_the_centre(make_order, people):
    from hotline.models import Reply
    from portal.models import Notification

    o = make_order("replied", confidential=True)
    assert Notification.objects.filter(recipient=people["supervisor"], title__contains="代为答复").exists()
    from hotline import services

    services.order_callback(order=o, actor=people["supervisor"], satisfied=True)
    o.refresh_from_db()
    assert o.relayed_at is not None
    assert o.replies.filter(type=Reply.Type.RELAY, caller_informed=True).exists()


def test_list_filters(api, make_order, people, units, frozen):
    with frozen("2024-11-05T09:00"):
        late = make_order("signed", kind="consultation")
        fresh = make_order("dispatched", lead=units["cgj"])
        done = make_order("answered")
    sup = api("supervisor")
    with frozen("2024-11-20T09:00"):
        ids = lambda q: [r["id"] for r in sup.get(URL + q).json()["results"]]  # noqa: E731
        assert ids("?overdue=true") == [late.pk]
        assert late.pk not in ids("?overdue=false")
        assert ids(f"?lead_unit={units['cgj'].pk}") == [fresh.pk]
        assert ids("?status=answered") == [done.pk]
        assert set(ids("?status=signed,answered")) == {late.pk, done.pk}
        assert set(ids("?received_after=2024-11-05&received_before=2024-11-05")) == {
            late.pk,
            fresh.pk,
            done.pk,
        }
        assert ids("?received_after=2024-11-06") == []
        assert sup.get(URL + "?received_after=yesterday").status_code == 400
        assert ids(f"?q={late.number}") == [late.pk]
        assert ids("?q=13812345678")[:1] == [done.pk]


def test_list_is_keyset_paginated_without_count_or_n_plus_one(api, make_order, people, units):
    for _ in range(6):
        make_order("dispatched", assisting=[units["power"]])
    client = api("supervisor")
    first = client.get(URL + "?page_size=3").json()
    assert len(first["results"]) == 3 and first["next"] and first["previous"] is None
    second = client.get(first["next"]).json()
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})
    with CaptureQueriesContext(connection) as small:
        client.get(URL + "?page_size=2")
    with CaptureQueriesContext(connection) as large:
        client.get(URL + "?page_size=6")
    assert len(large) == len(small), "queries must not grow with the page size"
    assert not any("COUNT(" in q["sql"].upper() for q in large.captured_queries)


def test_past_window_list_is_the_same_newest_first_pages(api, make_order, frozen):
    """A past date window is ordered on `seq` (the id as an expression, for PostgreSQL's plan):
    same rows, same newest-first order, same cursors as any other list."""
    with frozen("2024-09-02T09:00"):
        window = [make_order("dispatched") for _ in range(5)]
    with frozen("2024-11-05T09:00"):
        make_order("dispatched")
    client = api("supervisor")
    query = "?received_after=2024-09-01&received_before=2024-09-30&page_size=2"
    with frozen("2024-11-20T09:00"):
        first = client.get(URL + query).json()
        second = client.get(first["next"]).json()
        third = client.get(second["next"]).json()
    ids = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert ids == sorted((o.pk for o in window), reverse=True)
    assert third["next"] is None


def test_idempotency_key_replays_create(api, people, units):
    client = api("operator")
    first = client.post(URL, body(units), format="json", HTTP_IDEMPOTENCY_KEY="call-1")
    again = client.post(URL, body(units), format="json", HTTP_IDEMPOTENCY_KEY="call-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Order.objects.count() == 1
    other = client.post(
        URL, body(units, description="另一件事"), format="json", HTTP_IDEMPOTENCY_KEY="call-1"
    )
    assert other.status_code == 422


def test_routing_suggestion_learned_from_precedent(api, make_order, people, units):
    from hotline import services

    o = make_order("received", subject="environment-noise", township=OrgUnit.objects.get(code="yicheng-t12"))
    before = api("supervisor").get(f"{URL}{o.pk}/routing/").json()
    assert before[0]["unit_name"] == "市生态环境局"  # the category's admin rule
    services.routing_rule_from_precedent(order=o, actor=people["supervisor"], lead_unit=units["yicheng"])
    later = make_order(
        "received", subject="environment-noise", township=OrgUnit.objects.get(code="yicheng-t12")
    )
    after = api("supervisor").get(f"{URL}{later.pk}/routing/").json()
    assert after[0]["unit"] == units["yicheng"].pk
    assert "先例" in after[0]["explanation"]
    elsewhere = make_order("received", subject="environment-noise", county=units["xiping"], address="西平")
    assert api("supervisor").get(f"{URL}{elsewhere.pk}/routing/").json()[0]["unit_name"] == "市生态环境局"


def test_duplicates_suggested_and_linked(api, make_order, people, units):
    from hotline import selectors

    first = make_order("received", description="文明路12号楼道灯坏了")
    second = make_order("received", description="文明路12号楼道灯一直不亮")
    found = selectors.duplicate_candidates(
        people["operator"],
        subject_id=second.subject_id,
        county_id=second.county_id,
        address=second.address,
        description=second.description,
        exclude_id=second.pk,
    )
    assert found and found[0][0].pk == first.pk
    r = api("operator").post(f"{URL}{second.pk}/link/", {"duplicate_of": first.pk}, format="json")
    assert r.json()["duplicate_of"] == first.pk
    assert (
        api("operator").post(f"{URL}{first.pk}/link/", {"duplicate_of": first.pk}, format="json").status_code
        == 400
    )


@pytest.mark.parametrize("path", ["", "1/", "1/caller/"])
def test_api_needs_credentials(api, path):
    assert api(None).get(URL + path).status_code == 401


def test_times_are_shanghai_iso(api, make_order, people, frozen):
    with frozen("2024-11-05T23:30"):
        o = make_order("received")
    data = api("operator").get(f"{URL}{o.pk}/").json()
    assert data["received_at"] == "2024-11-05T23:30:00+08:00"
    assert sh("2024-11-05T23:30") == Order.objects.get(pk=o.pk).received_at
