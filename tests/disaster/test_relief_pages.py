"""Relief pages (zh-hans, server-rendered): every page for city and county staff, jurisdiction
(another county 404, outsider 403/404), forms that keep what was typed, exports, masking."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from disaster.models import AidProgramme, FundAllocation, Shelter, SupplyOrder
from disaster.services import relief_aid as aid
from disaster.services import relief_funds as funds
from disaster.services import relief_shelters as shel
from disaster.services import relief_supplies as sup
from portal.models import AuditEntry, OrgUnit
from tests.disaster.relief_helpers import fund_county, household, item, person, store, verify

pytestmark = pytest.mark.django_db
R = "/disaster/relief"


@pytest.fixture
def world(clock, persona, open_event, submit):
    """A verified 驿城区 event with ledger rows, a funded lot, stores, an order, a shelter and
    a transitional-aid programme with one payment."""
    event = open_event("yicheng", title="驿城区暴雨洪涝（页面测试）")
    verify(event, "yicheng", persona, submit)
    p1 = person(event, "yicheng", persona, "王秀英", 1)
    hh = household(event, "yicheng", persona, "张建国", 2, damage="collapsed")
    lot = fund_county(persona, "yicheng", "transitional", "5000.00", event=event)
    yc = store(persona, "yicheng", "yc-1", {"tent": 20, "quilt": 50})
    city = store(persona, "zmd", "city-1", {"tent": 100})
    order = sup.order_create(
        event=event,
        county=lot.county,
        warehouse=yc,
        lines={item("tent").pk: 5},
        destination="水屯镇",
        actor=persona("city_yjj"),
    )
    shelter = shel.shelter_create(
        name="人民公园", kind="park", county=lot.county, capacity=300, actor=persona("yicheng")
    )
    shel.shelter_open(shelter=shelter, event=event, actor=persona("yicheng"))
    shel.shelter_count(shelter=shelter, occupants=120, actor=persona("yicheng"))
    programme = aid.programme_open(
        kind="transitional", county=lot.county, event=event, actor=persona("yicheng")
    )
    aid.plan_record(
        programme=programme,
        data={"per_person_month": "600", "months": 3, "budget": "1800", "basis": "方案"},
        actor=persona("city_yjj"),
    )
    b = aid.beneficiary_add(programme=programme, person=p1, actor=persona("yicheng"))
    payment = aid.payment_make(beneficiary=b, amount="1800", actor=persona("yicheng"))
    return {
        "event": event,
        "lot": lot,
        "yc": yc,
        "city": city,
        "order": order,
        "shelter": shelter,
        "programme": programme,
        "payment": payment,
        "household": hh,
        "person": p1,
    }


def _pages(w):
    return [
        f"{R}/",
        f"{R}/funds/",
        f"{R}/funds/allocations/{w['lot'].allocation_id}/",
        f"{R}/payments/{w['payment'].pk}/trace/",
        f"{R}/supplies/",
        f"{R}/supplies/warehouses/{w['yc'].pk}/",
        f"{R}/supplies/orders/",
        f"{R}/supplies/orders/{w['order'].pk}/",
        f"{R}/shelters/",
        f"{R}/shelters/{w['shelter'].pk}/",
        f"{R}/aid/",
        f"{R}/aid/{w['programme'].pk}/",
        f"{R}/winter/",
    ]


def test_every_page_renders_for_city_and_county(world, web):
    for username in ("city_yjj", "city_czj", "yicheng", "admin"):
        client = web(username)
        for url in _pages(world):
            response = client.get(url)
            assert response.status_code == 200, (username, url, response.status_code)
            html = response.content.decode()
            assert 'lang="zh-hans"' in html and "style=" not in html.split("<body", 1)[1], (username, url)
            assert "<script>" not in html, url


def test_another_county_gets_404_and_the_outsider_403_or_404(world, web):
    object_pages = [u for u in _pages(world) if any(ch.isdigit() for ch in u)]
    list_pages = [u for u in _pages(world) if u not in object_pages]
    xiping, outsider = web("xiping"), web("outsider")
    for url in object_pages:
        assert xiping.get(url).status_code == 404, url
        assert outsider.get(url).status_code == 404, url
    for url in list_pages:
        assert xiping.get(url).status_code == 200, url  # their own (empty) view
        assert outsider.get(url).status_code == 403, url
    assert web(None).get(f"{R}/funds/").status_code == 302  # to the login page
    for url in (f"{R}/funds/ledger.xlsx", f"{R}/supplies/ledger.xlsx", f"{R}/shelters/export.xlsx"):
        assert outsider.get(url).status_code == 403
    assert outsider.get(f"{R}/aid/{world['programme'].pk}/export.xlsx").status_code == 404
    # a county sees its own figures only
    page = xiping.get(f"{R}/shelters/").content.decode()
    assert "人民公园" not in page
    assert "王秀英" not in xiping.get(f"{R}/aid/").content.decode()


def test_the_city_page_shows_occupancy_and_balances(world, web):
    page = web("city_mzj").get(f"{R}/shelters/").content.decode()
    assert "驿城区" in page and "40.0%" in page and "data-chart" in page
    funds_page = web("city_yjj").get(f"{R}/funds/").content.decode()
    assert "驿城区 · 过渡期生活救助 · 中央" in funds_page and "3,200.00" in funds_page
    county_page = web("yicheng").get(f"{R}/funds/").content.decode()
    assert "县区不显示市级资金" in county_page


def test_propose_decide_disburse_through_the_pages(world, web, persona):
    receipt = funds.receipt_record(
        source="city",
        purpose="emergency",
        amount="10000",
        document_no="驻财〔2026〕3号",
        received_on=date(2026, 7, 19),
        actor=persona("city_czj"),
    )
    yjj = web("city_yjj")
    bad = yjj.post(
        f"{R}/funds/",
        {
            "action": "allocate",
            "receipt": receipt.pk,
            "county": world["lot"].county_id,
            "amount": "10000.01",
            "reason": "驿城区申请应急资金",
        },
    )
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "可用余额 10,000.00 元" in html and "驿城区申请应急资金" in html  # nothing typed is lost
    ok = yjj.post(
        f"{R}/funds/",
        {
            "action": "allocate",
            "receipt": receipt.pk,
            "county": world["lot"].county_id,
            "amount": "4000",
            "reason": "驿城区申请应急资金",
        },
    )
    allocation = FundAllocation.objects.get(receipt=receipt)
    assert ok.status_code == 302 and ok["Location"] == allocation.get_absolute_url()
    url = allocation.get_absolute_url()
    assert web("city_czj").post(f"{R}/funds/", {"action": "allocate"}).status_code == 403
    assert yjj.post(url, {"action": "approve", "reason": "x"}).status_code == 403
    czj = web("city_czj")
    assert czj.post(url, {"action": "approve", "reason": "同意"}).status_code == 302
    empty = czj.post(url, {"action": "disburse", "document_no": ""})
    assert empty.status_code == 400 and "请填写下达文号" in empty.content.decode()
    assert czj.post(url, {"action": "disburse", "document_no": "驻财〔2026〕4号"}).status_code == 302
    allocation.refresh_from_db()
    assert allocation.status == "disbursed"
    county = web("yicheng")
    spend = county.post(
        url, {"action": "spend", "amount": "4000.01", "description": "采购", "spent_on": "2026-07-20"}
    )
    assert (
        spend.status_code == 400
        and "不足" in spend.content.decode()
        and 'value="4000.01"' in spend.content.decode()
    )
    assert (
        county.post(
            url, {"action": "spend", "amount": "100", "description": "采购饮用水", "spent_on": "2026-07-20"}
        ).status_code
        == 302
    )
    assert "采购饮用水" in county.get(url).content.decode()


def test_supplies_pages_receive_adjust_order_confirm_settle(world, web):
    yc = world["yc"]
    county = web("yicheng")
    url = f"{R}/supplies/warehouses/{yc.pk}/"
    bad = county.post(url, {"action": "adjust", "item": item("quilt").pk, "delta": "-51", "reason": "盘亏"})
    assert (
        bad.status_code == 400
        and "不足 51床" in bad.content.decode()
        and 'value="盘亏"' in bad.content.decode()
    )
    assert (
        county.post(
            url, {"action": "receive", f"q-{item('quilt').pk}": "10", "reason": "社会捐赠"}
        ).status_code
        == 302
    )
    assert web("xiping").post(url, {"action": "receive"}).status_code == 404
    assert web("city_mzj").post(url, {"action": "receive"}).status_code == 403
    # the order page: the county confirms, the city settles the obligation
    order_url = world["order"].get_absolute_url()
    assert web("city_yjj").post(order_url, {"action": "confirm"}).status_code == 403
    short = county.post(order_url, {"action": "confirm", f"r-{item('tent').pk}": "4", "note": ""})
    assert short.status_code == 400 and "请说明原因" in short.content.decode()
    assert (
        county.post(
            order_url, {"action": "confirm", f"r-{item('tent').pk}": "4", "note": "少 1 顶"}
        ).status_code
        == 302
    )
    world["order"].refresh_from_db()
    assert world["order"].status == SupplyOrder.Status.RECEIVED
    assert county.post(order_url, {"action": "compensate", "amount": "1", "note": "x"}).status_code == 403
    settle = web("city_yjj").post(
        order_url, {"action": "replenish", "source": world["city"].pk, f"p-{item('tent').pk}": "5"}
    )
    assert settle.status_code == 302
    world["order"].obligation.refresh_from_db()
    assert world["order"].obligation.status == "met"
    # the order form keeps what was typed when refused
    orders = web("city_yjj").post(
        f"{R}/supplies/orders/",
        {
            "event": world["event"].pk,
            "county": world["lot"].county_id,
            "warehouse": world["city"].pk,
            "destination": "古城乡",
            f"q-{item('tent').pk}": "1000",
        },
    )
    html = orders.content.decode()
    assert (
        orders.status_code == 400
        and "不足 1000顶" in html
        and 'value="1000"' in html
        and 'value="古城乡"' in html
    )


def test_shelter_page_counts_and_close(world, web):
    url = f"{R}/shelters/{world['shelter'].pk}/"
    county = web("yicheng")
    bad = county.post(url, {"action": "count", "occupants": "-3"})
    assert bad.status_code == 400 and "不能为负数" in bad.content.decode()
    assert (
        county.post(url, {"action": "count", "occupants": "350", "note": "夜间继续转移"}).status_code == 302
    )
    page = county.get(url).content.decode()
    assert "116.7%" in page and "夜间继续转移" in page
    assert county.post(url, {"action": "close", "note": "群众返家"}).status_code == 302
    assert not Shelter.objects.get(pk=world["shelter"].pk).is_open
    created = county.post(
        f"{R}/shelters/",
        {"name": "驿城区体育馆", "kind": "stadium", "county": world["lot"].county_id, "capacity": "800"},
    )
    assert created.status_code == 302


def test_programme_page_actions_and_masked_ids(world, web, persona):
    programme = world["programme"]
    url = programme.get_absolute_url()
    county = web("yicheng")
    html = county.get(url).content.decode()
    assert "王秀英" in html and world["person"].id_number not in html and "411702" in html
    assert (
        web("yicheng")
        .post(url, {"action": "plan", "per_person_month": "600", "months": "3", "budget": "1", "basis": "x"})
        .status_code
        == 403
    )
    bad_plan = web("city_czj").post(
        url,
        {
            "action": "plan",
            "per_person_month": "600.001",
            "months": "3",
            "budget": "1800",
            "basis": "驻财〔2026〕40号",
        },
    )
    assert bad_plan.status_code == 400 and "金额最多两位小数" in bad_plan.content.decode()
    assert 'value="驻财〔2026〕40号"' in bad_plan.content.decode()
    assert (
        county.post(
            url, {"action": "assess", "persons": "1", "months": "3", "amount_needed": "1800"}
        ).status_code
        == 302
    )
    assert county.post(url, {"action": "submit"}).status_code == 302
    programme.refresh_from_db()
    assert programme.status == AidProgramme.Status.SUBMITTED
    over = county.post(
        url, {"action": "b_pay", "beneficiary": programme.beneficiaries.get().pk, "amount": "1"}
    )
    assert over.status_code == 400 and "本次最多 0.00 元" in over.content.decode()
    assert county.post(url, {"action": "close", "note": "结束"}).status_code == 302
    assert (
        web("city_yjj")
        .post(
            url,
            {
                "action": "evaluate",
                "stage": "final",
                "level": "city",
                "rating": "good",
                "findings": "资金足额到人",
            },
        )
        .status_code
        == 302
    )
    assert "资金足额到人" in county.get(url).content.decode()
    assert web("xiping").post(url, {"action": "submit"}).status_code == 404


def test_exports_of_every_ledger(world, web):
    def sheets(response):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        wb = load_workbook(io.BytesIO(response.content), read_only=True)
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}

    city = web("city_yjj")
    books = sheets(city.get(f"{R}/funds/ledger.xlsx"))
    assert set(books) == {"来源入账", "分配下达", "资金账户", "资金台账分录", "县级支出", "发放到户"}
    payments = books["发放到户"]
    assert (
        payments[1][3] == "王秀英"
        and "*" in payments[1][4]
        and world["person"].id_number not in str(payments)
    )
    county_books = sheets(web("yicheng").get(f"{R}/funds/ledger.xlsx"))
    assert "来源入账" not in county_books and len(county_books["资金台账分录"]) == 3  # header, in, payment
    stock = sheets(city.get(f"{R}/supplies/ledger.xlsx"))
    assert set(stock) == {"库存", "出入库记录", "调拨单", "调用补充补偿"}
    assert any(row[4] == "调拨出库" and row[5] == -5 for row in stock["出入库记录"][1:])
    shelters = sheets(city.get(f"{R}/shelters/export.xlsx"))
    assert shelters["安置人数"][1][2] == 120
    aid_book = sheets(web("yicheng").get(f"{R}/aid/{world['programme'].pk}/export.xlsx"))
    assert set(aid_book) == {"救助对象", "发放记录", "需求评估", "资金补助方案", "绩效评价"}
    assert web("xiping").get(f"{R}/aid/{world['programme'].pk}/export.xlsx").status_code == 404
    assert sheets(web("xiping").get(f"{R}/shelters/export.xlsx"))["避难场所"][2:] == []


def test_trace_page_names_every_step(world, web):
    page = web("yicheng").get(f"{R}/payments/{world['payment'].pk}/trace/").content.decode()
    for text in ("中央过渡期生活救助资金", "驿城区 5000.00 元", "过渡期生活救助", "王秀英", "1800.00 元"):
        assert text in page, text
    assert world["person"].id_number not in page
    assert not AuditEntry.objects.filter(action="disaster.ledger.unmask").exists()
    assert OrgUnit.objects.get(code="yicheng")


def test_relief_admin_is_read_only_but_the_catalogue(world, web):
    admin = web("admin")
    for model in (
        "supplyitem",
        "warehouse",
        "stockmovement",
        "supplyorder",
        "replenishobligation",
        "fundreceipt",
        "fundallocation",
        "fundentry",
        "shelter",
        "aidprogramme",
        "aidpayment",
    ):
        assert admin.get(f"/admin/disaster/{model}/").status_code == 200, model
    assert admin.get("/admin/disaster/fundallocation/add/").status_code == 403
    assert admin.get("/admin/disaster/supplyitem/add/").status_code == 200


def test_relief_demo_seed_is_idempotent(db):
    from disaster import demo
    from disaster.models import AidPayment, FundReceipt, Shelter, Warehouse
    from portal.personas import PERSONAS, ensure_persona

    for p in PERSONAS:
        ensure_persona(p)
    demo.seed()
    counts = (
        Warehouse.objects.count(),
        FundReceipt.objects.count(),
        Shelter.objects.count(),
        AidPayment.objects.count(),
    )
    assert counts[0] == 4 and counts[1] == 4 and counts[2] == 5 and counts[3] > 0
    demo.seed()
    assert (
        Warehouse.objects.count(),
        FundReceipt.objects.count(),
        Shelter.objects.count(),
        AidPayment.objects.count(),
    ) == counts


def test_relief_ledger_export_masks_and_scopes(world, web):
    url = f"/disaster/events/{world['event'].pk}/ledger.xlsx"
    response = web("yicheng").get(url)
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    persons = [list(r) for r in wb["人员"].iter_rows(values_only=True)]
    households = [list(r) for r in wb["住房户"].iter_rows(values_only=True)]
    assert persons[2][5] == "王秀英" and "*" in persons[2][8]
    assert households[1][4] == "张建国" and world["household"].id_number not in str(households)
    assert web("xiping").get(url).status_code == 404
    assert web("outsider").get(url).status_code == 404
    assert (
        "导出救助台账" in web("yicheng").get(f"/disaster/events/{world['event'].pk}/ledger/").content.decode()
    )


def test_hot_relief_pages_do_not_query_per_row(world, web, persona):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = web("city_yjj")

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = (f"{R}/supplies/orders/", f"{R}/funds/", f"{R}/shelters/", f"{R}/aid/")
    before = {u: count(u) for u in urls}
    county = world["lot"].county
    for i in range(5):
        sup.order_create(
            event=world["event"],
            county=county,
            warehouse=world["city"],
            lines={item("tent").pk: 1},
            destination=f"点{i}",
            actor=persona("city_yjj"),
        )
        fund_county(persona, "yicheng", "emergency", "10.00")
        shelter = shel.shelter_create(
            name=f"场所{i}", kind="park", county=county, capacity=100, actor=persona("yicheng")
        )
        shel.shelter_open(shelter=shelter, event=world["event"], actor=persona("yicheng"))
    assert {u: count(u) for u in urls} == before


@pytest.mark.parametrize("username", ["yicheng", "city_yjj", "city_czj"])
def test_garbage_input_never_gives_a_500(world, web, username):
    client = web(username)
    junk = {
        "amount": "一百",
        "reason": "",
        "document_no": "",
        "delta": "x",
        "item": "x",
        "target": "abc",
        "source": "abc",
        "ledger": "p-abc",
        "beneficiary": "abc",
        "occupants": "many",
        "at": "yesterday",
        "event": "abc",
        "county": "abc",
        "warehouse": "abc",
        "receipt": "abc",
        "kind": "?",
        "capacity": "-",
        "persons": "-1",
        "months": "0",
        "budget": "1.234",
        "basis": "",
        "stage": "x",
        "level": "x",
        "rating": "x",
        "score": "abc",
        "damage": "x",
        "mode": "x",
        "method": "x",
        "note": "",
        f"q-{item('tent').pk}": "abc",
        f"r-{item('tent').pk}": "abc",
        f"p-{item('tent').pk}": "-3",
        f"t-{item('tent').pk}": "1.5",
        "spent_on": "never",
        "received_on": "2026-13-40",
    }
    pages = {
        f"{R}/funds/": ["receipt", "allocate", "bogus"],
        f"{R}/funds/allocations/{world['lot'].allocation_id}/": [
            "approve",
            "reject",
            "disburse",
            "withdraw",
            "spend",
        ],
        f"{R}/supplies/": [""],
        f"{R}/supplies/warehouses/{world['yc'].pk}/": ["receive", "adjust", "transfer", "bogus"],
        f"{R}/supplies/orders/": [""],
        f"{R}/supplies/orders/{world['order'].pk}/": ["confirm", "replenish", "compensate", "bogus"],
        f"{R}/shelters/": [""],
        f"{R}/shelters/{world['shelter'].pk}/": ["count", "open", "bogus"],
        f"{R}/aid/": [""],
        f"{R}/aid/{world['programme'].pk}/": [
            "assess",
            "plan",
            "add",
            "b_assess",
            "b_apply",
            "b_approve",
            "b_pay",
            "b_void",
            "pay_all",
            "evaluate",
            "bogus",
        ],
    }
    for url, actions in pages.items():
        for action in actions:
            response = client.post(url, {**junk, "action": action})
            assert response.status_code in (302, 400, 403, 404), (username, url, action, response.status_code)
