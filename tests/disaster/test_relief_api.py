"""The relief API: the whole fund → supplies → shelter → aid flow over HTTP, error codes, access
by jurisdiction (a county sees its own; others 404; an outsider sees nothing), idempotency, and
list query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disaster.models import FundAllocation, StockMovement, SupplyOrder
from portal.models import OrgUnit
from tests.disaster.relief_helpers import fund_county, household, item, store, verify

pytestmark = pytest.mark.django_db
BASE = "/api/v1/disaster/relief"


def _unit(code):
    return OrgUnit.objects.get(code=code).pk


def test_fund_flow_over_the_api(clock, api):
    czj, yjj = api("city_czj"), api("city_yjj")
    receipt = czj.post(
        f"{BASE}/fund-receipts/",
        {
            "source": "provincial",
            "purpose": "emergency",
            "amount": "800000.00",
            "document_no": "豫财社〔2026〕40号",
            "received_on": "2026-07-19",
        },
        format="json",
    )
    assert receipt.status_code == 201, receipt.json()
    assert receipt.json()["amount"] == "800000.00" and receipt.json()["balance"] == "800000.00"
    bad = czj.post(
        f"{BASE}/fund-receipts/",
        {
            "source": "provincial",
            "purpose": "emergency",
            "amount": 1.5,
            "document_no": "x",
            "received_on": "2026-07-19",
        },
        format="json",
    )
    assert bad.status_code == 400 and "amount" in bad.json()
    proposal = yjj.post(
        f"{BASE}/fund-allocations/",
        {
            "receipt": receipt.json()["id"],
            "county": _unit("yicheng"),
            "amount": "300000.00",
            "reason": "驿城区申请",
        },
        format="json",
    )
    assert proposal.status_code == 201 and proposal.json()["status"] == "proposed"
    pk = proposal.json()["id"]
    assert (
        yjj.post(
            f"{BASE}/fund-allocations/{pk}/decide/", {"approve": True, "reason": "x"}, format="json"
        ).status_code
        == 403
    )
    decided = czj.post(
        f"{BASE}/fund-allocations/{pk}/decide/", {"approve": True, "reason": "同意"}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["decision"]["approve"] is True
    again = czj.post(
        f"{BASE}/fund-allocations/{pk}/decide/", {"approve": False, "reason": "再审"}, format="json"
    )
    assert again.status_code == 409 and "不能再审核" in again.json()["detail"]
    disbursed = czj.post(
        f"{BASE}/fund-allocations/{pk}/disburse/", {"document_no": "驻财〔2026〕8号"}, format="json"
    )
    assert disbursed.status_code == 200 and disbursed.json()["status"] == "disbursed"
    balances = yjj.get(f"{BASE}/fund-accounts/balances/").json()
    assert balances["city"] == [
        {
            "source": "provincial",
            "purpose": "emergency",
            "credited": "800000.00",
            "balance": "500000.00",
            "reserved": "0.00",
        }
    ]
    assert balances["counties"][0]["balance"] == "300000.00"
    # the county sees its allocation and lot, not the receipt (404), not other counties
    county = api("yicheng")
    assert county.get(f"{BASE}/fund-allocations/{pk}/").status_code == 200
    assert county.get(f"{BASE}/fund-receipts/{receipt.json()['id']}/").status_code == 404
    assert county.get(f"{BASE}/fund-accounts/balances/").json()["city"] == []
    assert api("xiping").get(f"{BASE}/fund-allocations/{pk}/").status_code == 404
    assert api("xiping").get(f"{BASE}/fund-allocations/").json()["results"] == []
    account = disbursed.json()["account"]
    spend = county.post(
        f"{BASE}/fund-accounts/{account}/spend/",
        {"amount": "1000.00", "description": "采购饮用水", "spent_on": "2026-07-20"},
        format="json",
    )
    assert spend.status_code == 201 and spend.json()["balance"] == "299000.00"
    entries = county.get(f"{BASE}/fund-entries/?account={account}").json()["results"]
    assert [e["delta"] for e in entries] == ["-1000.00", "300000.00"]
    # the outsider sees nothing and may do nothing
    outsider = api("outsider")
    assert outsider.get(f"{BASE}/fund-allocations/{pk}/").status_code == 404
    assert outsider.get(f"{BASE}/fund-receipts/").json()["results"] == []
    assert (
        outsider.post(
            f"{BASE}/fund-allocations/{pk}/decide/", {"approve": True, "reason": "x"}, format="json"
        ).status_code
        == 404
    )
    assert api(None).get(f"{BASE}/fund-allocations/").status_code == 401


def test_proposals_are_idempotent_with_a_key(clock, api, persona):
    czj = api("city_czj")
    receipt = czj.post(
        f"{BASE}/fund-receipts/",
        {
            "source": "city",
            "purpose": "winter_spring",
            "amount": "1000",
            "document_no": "驻财〔2026〕1号",
            "received_on": "2026-07-01",
        },
        format="json",
    ).json()
    body = {"receipt": receipt["id"], "county": _unit("xiping"), "amount": "100.00", "reason": "西平县申请"}
    yjj = api("city_yjj")
    first = yjj.post(f"{BASE}/fund-allocations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = yjj.post(f"{BASE}/fund-allocations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201 and first.json()["id"] == second.json()["id"]
    assert FundAllocation.objects.count() == 1
    other = yjj.post(
        f"{BASE}/fund-allocations/", {**body, "amount": "200.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422


def test_supplies_over_the_api_and_jurisdiction(clock, api, persona, open_event):
    event = open_event("yicheng", "xiping")
    wh = store(persona, "yicheng", "yc-1", {"tent": 10})
    city = store(persona, "zmd", "city-1", {"quilt": 100})
    yc = api("yicheng")
    detail = yc.get(f"{BASE}/warehouses/{wh.pk}/").json()
    assert {r["name"]: r["quantity"] for r in detail["stock"]}["救灾帐篷"] == 10
    assert yc.get(f"{BASE}/warehouses/{city.pk}/").status_code == 404  # the city's store is not the county's
    assert api("xiping").get(f"{BASE}/warehouses/{wh.pk}/").status_code == 404
    adjust = yc.post(
        f"{BASE}/warehouses/{wh.pk}/adjust/",
        {"item": item("tent").pk, "delta": -11, "reason": "盘亏"},
        format="json",
    )
    assert adjust.status_code == 400 and "不足" in adjust.json()["lines"][0]
    order = yc.post(
        f"{BASE}/supply-orders/",
        {
            "event": event.pk,
            "county": _unit("yicheng"),
            "warehouse": wh.pk,
            "destination": "水屯镇安置点",
            "lines": [{"item": item("tent").pk, "quantity": 4}],
        },
        format="json",
    )
    assert order.status_code == 201 and order.json()["obligation"] is None
    pk = order.json()["id"]
    assert api("xiping").get(f"{BASE}/supply-orders/{pk}/").status_code == 404
    assert api("city_yjj").post(f"{BASE}/supply-orders/{pk}/confirm/", {}, format="json").status_code == 403
    confirmed = yc.post(
        f"{BASE}/supply-orders/{pk}/confirm/", {"received": {str(item("tent").pk): 4}}, format="json"
    )
    assert confirmed.status_code == 200 and confirmed.json()["lines"][0]["received_quantity"] == 4
    assert yc.post(f"{BASE}/supply-orders/{pk}/confirm/", {}, format="json").status_code == 409
    # the city draws on 驿城区's store for 西平县: an obligation, visible to 驿城区 (owed to it)
    drawn = api("city_yjj").post(
        f"{BASE}/supply-orders/",
        {
            "event": event.pk,
            "county": _unit("xiping"),
            "warehouse": wh.pk,
            "destination": "出山镇",
            "lines": [{"item": item("tent").pk, "quantity": 6}],
        },
        format="json",
    )
    assert drawn.status_code == 201 and drawn.json()["obligation"]["status"] == "open"
    ob = drawn.json()["obligation"]["id"]
    assert yc.get(f"{BASE}/obligations/{ob}/").json()["outstanding"] == {str(item("tent").pk): 6}
    assert (
        yc.post(
            f"{BASE}/obligations/{ob}/compensate/", {"amount": "10", "note": "x"}, format="json"
        ).status_code
        == 403
    )
    assert api("xiping").get(f"{BASE}/obligations/{ob}/").status_code == 404
    paid = api("city_yjj").post(
        f"{BASE}/obligations/{ob}/compensate/",
        {"amount": "3600.00", "note": "驻应急〔2026〕7号"},
        format="json",
    )
    assert (
        paid.status_code == 200
        and paid.json()["status"] == "met"
        and paid.json()["compensation"] == "3600.00"
    )
    movements = yc.get(f"{BASE}/stock-movements/?warehouse={wh.pk}").json()["results"]
    assert [m["quantity"] for m in movements] == [-6, -4, 10]
    assert api("outsider").get(f"{BASE}/supply-orders/").json()["results"] == []
    assert api("outsider").get(f"{BASE}/supply-items/").json()["results"] == []
    assert StockMovement.objects.count() == 4 and SupplyOrder.objects.count() == 2


def test_shelters_over_the_api(clock, api, open_event):
    event = open_event("yicheng")
    yc = api("yicheng")
    created = yc.post(
        f"{BASE}/shelters/",
        {"name": "驿城区体育中心", "kind": "stadium", "county": _unit("yicheng"), "capacity": 2000},
        format="json",
    )
    assert created.status_code == 201
    pk = created.json()["id"]
    assert (
        api("xiping")
        .post(
            f"{BASE}/shelters/",
            {"name": "x", "kind": "park", "county": _unit("yicheng"), "capacity": 1},
            format="json",
        )
        .status_code
        == 404
    )
    assert yc.post(f"{BASE}/shelters/{pk}/open/", {"event": event.pk}, format="json").status_code == 200
    assert yc.post(f"{BASE}/shelters/{pk}/open/", {"event": event.pk}, format="json").status_code == 409
    counted = yc.post(f"{BASE}/shelters/{pk}/count/", {"occupants": 500}, format="json")
    assert counted.status_code == 201 and counted.json()["occupancy_rate"] == "0.2500"
    assert yc.post(f"{BASE}/shelters/{pk}/count/", {"occupants": -1}, format="json").status_code == 400
    view = api("city_mzj").get(f"{BASE}/shelters/occupancy/?event={event.pk}").json()
    assert (view["occupants"], view["rate"], view["counties"][0]["name"]) == (500, "0.2500", "驿城区")
    assert api("xiping").get(f"{BASE}/shelters/{pk}/").status_code == 404
    assert (
        api("xiping").post(f"{BASE}/shelters/{pk}/count/", {"occupants": 1}, format="json").status_code == 404
    )
    assert (
        api("city_mzj").post(f"{BASE}/shelters/{pk}/count/", {"occupants": 1}, format="json").status_code
        == 403
    )
    assert api("outsider").get(f"{BASE}/shelters/occupancy/").json()["counties"] == []
    assert yc.get(f"{BASE}/shelters/?open=true").json()["results"][0]["current_occupants"] == 500


def test_aid_flow_over_the_api_with_masked_ids_and_trace(clock, api, persona, open_event, submit):
    event = open_event("yicheng")
    verify(event, "yicheng", persona, submit)
    hh = household(event, "yicheng", persona, "刘大海", 7, damage="severe")
    fund_county(persona, "yicheng", "reconstruction", "50000.00")
    yc = api("yicheng")
    opened = yc.post(
        f"{BASE}/aid-programmes/",
        {"kind": "reconstruction", "county": _unit("yicheng"), "event": event.pk},
        format="json",
    )
    assert opened.status_code == 201
    pk = opened.json()["id"]
    assert (
        yc.post(
            f"{BASE}/aid-programmes/{pk}/plans/",
            {"severe_amount": "12000", "budget": "12000", "basis": "x"},
            format="json",
        ).status_code
        == 403
    )
    plan = api("city_yjj").post(
        f"{BASE}/aid-programmes/{pk}/plans/",
        {"severe_amount": "12000.00", "budget": "12000", "basis": "驻财〔2026〕21号"},
        format="json",
    )
    assert plan.status_code == 201 and plan.json()["summary"]["plan"]["severe_amount"] == "12000.00"
    assert (
        yc.post(
            f"{BASE}/aid-programmes/{pk}/beneficiaries/", {"ledger_household": hh.pk}, format="json"
        ).status_code
        == 201
    )
    listed = yc.get(f"{BASE}/aid-beneficiaries/?programme={pk}").json()["results"]
    assert listed[0]["name"] == "刘大海" and "*" in listed[0]["id_number"] and hh.id_number not in str(listed)
    b = listed[0]["id"]
    assert (
        yc.post(f"{BASE}/aid-beneficiaries/{b}/apply/", {"amount": "100"}, format="json").status_code == 409
    )
    assert (
        yc.post(
            f"{BASE}/aid-beneficiaries/{b}/assess/", {"damage": "severe", "mode": "rebuild"}, format="json"
        ).status_code
        == 200
    )
    over = yc.post(f"{BASE}/aid-beneficiaries/{b}/apply/", {"amount": "12000.01"}, format="json")
    assert over.status_code == 400 and "超过补助标准" in over.json()["amount"][0]
    assert (
        yc.post(f"{BASE}/aid-beneficiaries/{b}/apply/", {"amount": "12000.00"}, format="json").status_code
        == 200
    )
    approved = yc.post(f"{BASE}/aid-beneficiaries/{b}/approve/", {"amount": "12000.00"}, format="json")
    assert approved.json()["entitled"] == "12000.00"
    paid = yc.post(
        f"{BASE}/aid-beneficiaries/{b}/pay/", {"amount": "12000.00", "reference": "一卡通"}, format="json"
    )
    assert paid.status_code == 201 and paid.json()["ledger_household"] == hh.pk
    trace = yc.get(f"{BASE}/aid-payments/{paid.json()['id']}/trace/").json()
    assert trace["receipt"]["source"] == "central" and trace["allocation"]["county_name"] == "驿城区"
    assert trace["recipient"]["name"] == "刘大海"
    assert api("xiping").get(f"{BASE}/aid-payments/{paid.json()['id']}/trace/").status_code == 404
    assert api("xiping").get(f"{BASE}/aid-programmes/{pk}/").status_code == 404
    assert api("outsider").get(f"{BASE}/aid-beneficiaries/{b}/").status_code == 404
    summary = api("city_czj").get(f"{BASE}/aid-programmes/{pk}/").json()["summary"]
    assert (summary["beneficiaries"], summary["paid"], summary["entitled"]) == (1, "12000.00", "12000.00")
    assert (
        yc.post(f"{BASE}/aid-programmes/{pk}/close/", {"note": "重建完成"}, format="json").json()["status"]
        == "closed"
    )
    evaluation = api("city_yjj").post(
        f"{BASE}/aid-programmes/{pk}/evaluations/",
        {
            "stage": "final",
            "level": "city",
            "rating": "good",
            "findings": "抽查 1 户，资金到户",
            "sampled": 1,
        },
        format="json",
    )
    assert evaluation.status_code == 201 and evaluation.json()["rating"] == "good"


def test_relief_lists_do_not_query_per_row(clock, api, persona, open_event):
    event = open_event("yicheng")
    wh = store(persona, "yicheng", "yc-1", {"tent": 100, "quilt": 100})
    from disaster.services import relief_supplies as sup

    def orders(n):
        for _ in range(n):
            sup.order_create(
                event=event,
                county=OrgUnit.objects.get(code="yicheng"),
                warehouse=wh,
                lines={item("tent").pk: 1, item("quilt").pk: 1},
                destination="x",
                actor=persona("yicheng"),
            )

    client = api("yicheng")
    client.get(f"{BASE}/supply-orders/")  # warm the per-user grant cache
    orders(2)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(f"{BASE}/supply-orders/").json()["results"]) == 2
    orders(8)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(f"{BASE}/supply-orders/").json()["results"]) == 10
    assert len(many.captured_queries) == len(few.captured_queries)
    for _ in range(3):
        fund_county(persona, "yicheng", "emergency", "10.00")
    with CaptureQueriesContext(connection) as few:
        client.get(f"{BASE}/fund-allocations/")
    for _ in range(5):
        fund_county(persona, "yicheng", "emergency", "10.00")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(f"{BASE}/fund-allocations/").json()["results"]) == 8
    assert len(many.captured_queries) == len(few.captured_queries)


LISTS = [
    "fund-receipts",
    "fund-allocations",
    "fund-accounts",
    "fund-entries",
    "supply-items",
    "warehouses",
    "stock-movements",
    "supply-orders",
    "obligations",
    "shelters",
    "aid-programmes",
    "aid-beneficiaries",
    "aid-payments",
]


@pytest.mark.parametrize("name", LISTS)
def test_outsider_sees_no_relief_rows_and_cannot_create(clock, api, persona, name):
    outsider = api("outsider")
    response = outsider.get(f"{BASE}/{name}/")
    assert response.status_code == 200 and response.json()["results"] == []
    assert outsider.get(f"{BASE}/{name}/1/").status_code == 404
    created = outsider.post(f"{BASE}/{name}/", {}, format="json")
    assert created.status_code in (400, 403, 404, 405)
    assert api(None).get(f"{BASE}/{name}/").status_code == 401


def test_outsider_gets_404_on_every_relief_object_and_action(clock, api, persona, open_event, submit):
    from tests.disaster.relief_helpers import person

    event = open_event("yicheng")
    verify(event, "yicheng", persona, submit)
    lot = fund_county(persona, "yicheng", "transitional", "5000.00")
    wh = store(persona, "yicheng", "yc-1", {"tent": 5})
    order = (
        api("yicheng")
        .post(
            f"{BASE}/supply-orders/",
            {
                "event": event.pk,
                "county": _unit("yicheng"),
                "warehouse": wh.pk,
                "destination": "x",
                "lines": [{"item": item("tent").pk, "quantity": 1}],
            },
            format="json",
        )
        .json()["id"]
    )
    shelter = (
        api("yicheng")
        .post(
            f"{BASE}/shelters/",
            {"name": "x", "kind": "park", "county": _unit("yicheng"), "capacity": 10},
            format="json",
        )
        .json()["id"]
    )
    programme = (
        api("yicheng")
        .post(
            f"{BASE}/aid-programmes/",
            {"kind": "transitional", "county": _unit("yicheng"), "event": event.pk},
            format="json",
        )
        .json()["id"]
    )
    api("city_yjj").post(
        f"{BASE}/aid-programmes/{programme}/plans/",
        {"per_person_month": "100", "months": 1, "budget": "100", "basis": "x"},
        format="json",
    )
    p = person(event, "yicheng", persona, "甲", 1)
    api("yicheng").post(
        f"{BASE}/aid-programmes/{programme}/beneficiaries/", {"ledger_person": p.pk}, format="json"
    )
    b = api("yicheng").get(f"{BASE}/aid-beneficiaries/?programme={programme}").json()["results"][0]["id"]
    pay = (
        api("yicheng")
        .post(f"{BASE}/aid-beneficiaries/{b}/pay/", {"amount": "100"}, format="json")
        .json()["id"]
    )
    targets = [
        ("get", f"fund-allocations/{lot.allocation_id}/"),
        ("post", f"fund-allocations/{lot.allocation_id}/withdraw/"),
        ("get", f"fund-accounts/{lot.pk}/"),
        ("post", f"fund-accounts/{lot.pk}/spend/"),
        ("get", f"warehouses/{wh.pk}/"),
        ("post", f"warehouses/{wh.pk}/receive/"),
        ("get", f"supply-orders/{order}/"),
        ("post", f"supply-orders/{order}/confirm/"),
        ("get", f"shelters/{shelter}/"),
        ("post", f"shelters/{shelter}/count/"),
        ("get", f"aid-programmes/{programme}/"),
        ("post", f"aid-programmes/{programme}/submit/"),
        ("get", f"aid-beneficiaries/{b}/"),
        ("post", f"aid-beneficiaries/{b}/pay/"),
        ("get", f"aid-payments/{pay}/"),
        ("get", f"aid-payments/{pay}/trace/"),
    ]
    for client_name in ("outsider", "xiping"):
        client = api(client_name)
        for method, path in targets:
            response = getattr(client, method)(f"{BASE}/{path}", {}, format="json")
            assert response.status_code == 404, (client_name, method, path, response.status_code)


def test_bad_filters_match_nothing_rather_than_fail(clock, api):
    client = api("city_yjj")
    for query in (
        "aid-programmes/?year=abc",
        "aid-programmes/?county=x",
        "shelters/?open=maybe",
        "fund-allocations/?status=nonsense",
        "stock-movements/?warehouse=-1",
    ):
        response = client.get(f"{BASE}/{query}")
        assert response.status_code == 200, query
        assert response.json()["results"] == []
