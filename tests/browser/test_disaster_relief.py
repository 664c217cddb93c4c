"""Browser test of relief supplies (issue 4): the city emergency bureau allocates supplies from
the city store to a disaster event's county; the county confirms receipt (with a shortfall)."""

from django.utils import timezone

from disaster.models import DisasterType, StockLevel, SupplyItem, SupplyOrder
from disaster.services import events as ev
from disaster.services import relief_supplies as sup
from portal.models import OrgUnit


def test_city_allocates_supplies_to_an_event_and_the_county_confirms_receipt(
    login, page, persona, screenshot
):
    yjj, county_user = persona("city_yjj"), persona("yicheng")
    yicheng = OrgUnit.objects.get(code="yicheng")
    event = ev.event_open(
        actor=yjj,
        type=DisasterType.objects.get(code="flood"),
        title="驿城区暴雨洪涝（物资调拨浏览器测试）",
        started_at=timezone.now(),
        counties=[ev.CountyStart(yicheng, timezone.now())],
    )
    store = sup.warehouse_create(
        name="驻马店市救灾物资储备库", code="zmd-city", owner=OrgUnit.objects.get(code="zmd"), actor=yjj
    )
    tent, quilt = SupplyItem.objects.get(code="tent"), SupplyItem.objects.get(code="quilt")
    sup.stock_receive(warehouse=store, lines={tent.pk: 200, quilt.pk: 500}, reason="年度储备采购", actor=yjj)

    login("city_yjj")
    page.goto("/disaster/relief/supplies/orders/")
    assert page.locator("h1").inner_text() == "救灾物资调拨单"
    page.select_option("select[name=event]", label=event.title)
    page.select_option("select[name=county]", label="驿城区")
    page.select_option("select[name=warehouse]", label="驻马店市救灾物资储备库")
    page.fill("input[name=destination]", "水屯镇第一中学安置点")
    page.fill(f"input[name=q-{tent.pk}]", "300")  # more than in store: refused, nothing lost
    page.fill(f"input[name=q-{quilt.pk}]", "120")
    page.click("#submit-order")
    page.wait_for_selector(".error-box")
    assert "救灾帐篷库存 200顶，不足 300顶" in page.locator("#order-form").inner_text()
    assert page.input_value("input[name=destination]") == "水屯镇第一中学安置点"
    assert page.input_value(f"input[name=q-{quilt.pk}]") == "120"
    assert SupplyOrder.objects.count() == 0
    page.fill(f"input[name=q-{tent.pk}]", "40")
    page.click("#submit-order")
    page.wait_for_url("**/disaster/relief/supplies/orders/*/")
    order = SupplyOrder.objects.get()
    assert page.locator("#order-status").inner_text() == "已出库待接收"
    assert StockLevel.objects.get(warehouse=store, item=tent).quantity == 160
    screenshot("relief-order-dispatched")

    page.click("form[action$='/logout/'] button")  # sign out, then in as the county officer
    page.wait_for_url("**/accounts/login/**")
    login("yicheng")
    page.goto("/disaster/relief/")
    page.get_by_role("link", name=f"驿城区：确认接收调拨单 {order.pk}（驻马店市救灾物资储备库）").click()
    page.wait_for_url(f"**/disaster/relief/supplies/orders/{order.pk}/")
    page.fill(f"input[name=r-{quilt.pk}]", "118")
    page.click("#confirm-receipt")
    page.wait_for_selector(".error-box, .msg.error")
    assert "实收少于调拨数量，请说明原因" in page.locator(".messages").inner_text()
    assert page.input_value(f"input[name=r-{quilt.pk}]") == "118"
    page.fill("#confirm-note", "途中淋湿 2 床，已登记")
    page.click("#confirm-receipt")
    page.wait_for_selector("#order-status:has-text('已确认接收')")
    order.refresh_from_db()
    assert order.status == "received" and order.received_by == county_user
    assert {x.item_id: x.received_quantity for x in order.lines.all()} == {tent.pk: 40, quilt.pk: 118}
    assert "途中淋湿 2 床" in page.locator("main").inner_text()
    screenshot("relief-order-received")
    assert [e for e in page.js_errors if "status of 400" not in e] == []
