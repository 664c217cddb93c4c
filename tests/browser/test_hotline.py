"""The three hotline journeys in a real browser: an operator takes a call and dispatches it;
a unit clerk signs and replies; the centre calls back and closes."""

from __future__ import annotations

from hotline import services
from hotline.models import Order
from portal.models import OrgUnit


def _order(persona, state):
    op, clerk = persona("operator"), persona("clerk_zjj")
    order = services.order_create(
        actor=op,
        kind="complaint",
        subject="urban-construction",
        description="工地夜间施工噪音扰民",
        caller_name="张三",
        caller_phone="13812345678",
        county=OrgUnit.objects.get(code="yicheng"),
        address="驿城区解放路88号",
    )
    zjj = OrgUnit.objects.get(code="zjj")
    services.order_dispatch(order=order, actor=op, lead_unit=zjj)
    if state == "replied":
        services.order_sign(order=order, actor=clerk)
        services.order_reply(order=order, actor=clerk, content="已责令工地夜间停工，并处以罚款。")
    return Order.objects.get(pk=order.pk)


def test_operator_takes_a_call_and_dispatches_it(login, page, screenshot, persona):
    persona("operator")
    services.order_create(
        actor=persona("operator"),
        kind="consultation",
        description="上次咨询过公积金",
        caller_phone="13912345678",
    )
    login("operator")
    page.goto("/hotline/intake/")
    page.keyboard.type("13912345678")  # the phone field has the focus
    page.wait_for_selector("#caller-history table")
    assert "上次咨询过公积金" in page.inner_text("#caller-history")
    page.fill("#id_caller_name", "李四")
    page.select_option("#id_kind", "complaint")
    page.select_option("#id_subject", "environment-noise")
    page.select_option("#id_county", label="驿城区")
    page.wait_for_selector("#id_township option:has-text('水屯镇')", state="attached")
    page.select_option("#id_township", label="水屯镇")
    page.fill("#id_address", "水屯镇中心街8号")
    page.fill("#id_description", "晚上广场舞音响太吵，影响休息")
    page.wait_for_selector("#suggest .use-unit")
    page.keyboard.press("Alt+2")
    page.click("#suggest .use-unit")  # the routing suggestion fills the lead unit
    assert page.input_value("#id_lead_unit") == str(OrgUnit.objects.get(code="sthjj").pk)
    screenshot("hotline-intake")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".msg.success")
    order = Order.objects.get(caller_name="李四")
    assert order.status == "dispatched" and order.lead_unit.code == "sthjj"
    assert order.township.name == "水屯镇"
    assert order.number in page.inner_text(".msg.success")
    assert page.js_errors == []


def test_unit_clerk_signs_and_replies(login, page, screenshot, persona):
    order = _order(persona, "dispatched")
    login("clerk_zjj")
    page.goto(f"/hotline/orders/{order.pk}/")
    assert page.inner_text("#order-status") == "已派单待签收"
    page.click("button[name=submit-sign]")
    page.wait_for_selector("#order-status:has-text('已签收办理中')")
    assert page.inner_text("#signed-at") != "—"
    assert "个工作日" in page.inner_text("#due-at")
    page.fill("#id_reply-content", "已到现场核实，责令夜间停工。")
    screenshot("hotline-unit-reply")
    page.click("button[name=submit-reply]")
    page.wait_for_selector("#order-status:has-text('已答复待回访')")
    order.refresh_from_db()
    assert order.status == "replied" and order.reply_late is False
    assert page.js_errors == []


def test_centre_calls_back_and_closes(login, page, screenshot, persona):
    order = _order(persona, "replied")
    login("supervisor")
    page.goto(f"/hotline/orders/{order.pk}/")
    page.check("#action-callback input[name=callback-satisfied][value='1']")
    page.fill("#id_callback-note", "诉求人表示满意")
    page.click("button[name=submit-callback]")
    page.wait_for_selector("#order-status:has-text('已回访待办结')")
    screenshot("hotline-callback")
    page.click("#action-close summary")
    page.click("button[name=submit-close]")
    page.wait_for_selector("#order-status:has-text('已办结')")
    order.refresh_from_db()
    assert order.status == "closed" and order.satisfied is True
    screenshot("hotline-closed")
    assert page.js_errors == []
