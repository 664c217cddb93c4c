"""The hotline pages: what each person sees and may do, errors that keep the user's input,
outsiders kept out, audited reveals, exports stating their purpose."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from hotline.models import Order, RoutingRule
from portal.models import AuditEntry


def intake_data(units, **extra):
    data = {
        "caller_phone": "13812345678",
        "caller_name": "张三",
        "reply_wanted": "on",
        "channel": "phone",
        "kind": "complaint",
        "subject": "environment-noise",
        "county": units["yicheng"].pk,
        "address": "驿城区解放路88号",
        "description": "夜间施工噪音扰民",
        "outcome": "dispatch",
        "lead_unit": units["zjj"].pk,
    }
    data.update(extra)
    return data


def test_intake_page_renders_for_operator_only(web, people):
    page = web("operator").get("/hotline/intake/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "受理来电" in html and "Alt+1" in html and 'data-suggest-url="/hotline/intake/suggest/"' in html
    assert "<script>" not in html and 'style="' not in html
    assert web("clerk_zjj").get("/hotline/intake/").status_code == 403
    assert web("outsider").get("/hotline/intake/").status_code == 403
    assert web(None).get("/hotline/intake/").status_code == 302


def test_intake_dispatches_and_saves_a_precedent_rule(web, people, units):
    r = web("operator").post("/hotline/intake/", intake_data(units, save_rule="on"))
    assert r.status_code == 302
    order = Order.objects.get()
    assert order.status == "dispatched" and order.lead_unit == units["zjj"]
    assert RoutingRule.objects.filter(
        source="precedent", lead_unit=units["zjj"], precedent_order=order
    ).exists()


def test_intake_answer_and_handover_outcomes(web, people, units):
    web("operator").post(
        "/hotline/intake/", intake_data(units, outcome="answer", answer="按规定夜间22点后禁止施工")
    )
    web("operator").post("/hotline/intake/", intake_data(units, outcome="handover", handover_target="110"))
    web("operator").post("/hotline/intake/", intake_data(units, outcome="save"))
    assert sorted(Order.objects.values_list("status", flat=True)) == ["answered", "handed_over", "received"]


def test_intake_errors_keep_what_was_typed(web, people, units):
    r = web("operator").post(
        "/hotline/intake/", intake_data(units, outcome="answer", answer="", description="很长的描述内容保留")
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "直接答复时请填写答复内容" in html
    assert "很长的描述内容保留" in html and "13812345678" in html
    r = web("operator").post("/hotline/intake/", intake_data(units, lead_unit=units["rx12345"].pk))
    assert r.status_code == 400 and "选择一个有效的选项" in r.content.decode()
    r = web("operator").post("/hotline/intake/", intake_data(units, township="abc"))
    assert r.status_code == 400
    assert Order.objects.count() == 0  # nothing half-saved


def test_caller_history_and_suggestions(web, make_order, people, units):
    from hotline.services.knowledge import entry_create

    old = make_order("closed")
    entry_create(
        actor=people["admin"],
        question="夜间施工噪音扰民怎么办？",
        owner_unit=units["zjj"],
        answer="夜间22时至次日6时禁止产生噪声的建筑施工，可向住建部门投诉。",
    )
    r = web("operator").get("/hotline/intake/caller/?caller_phone=13812345678")
    assert old.number in r.content.decode()
    assert (
        "没有历史诉求"
        in web("operator").get("/hotline/intake/caller/?caller_phone=13000000000").content.decode()
    )
    r = web("operator").get(
        f"/hotline/intake/suggest/?description=晚上工地施工太吵&subject=environment-noise&county={units['yicheng'].pk}"
    )
    html = r.content.decode()
    assert "夜间施工噪音扰民怎么办" in html and "用此答复" in html
    assert "市生态环境局" in html  # routing suggestion
    assert web("clerk_zjj").get("/hotline/intake/suggest/?description=x").status_code == 403
    r = web("operator").get(f"/hotline/intake/townships/?county={units['yicheng'].pk}")
    assert "水屯镇" in r.content.decode()


def test_detail_page_shows_actions_for_the_role(web, make_order, people):
    order = make_order("dispatched")
    clerk = web("clerk_zjj").get(f"/hotline/orders/{order.pk}/").content.decode()
    assert "submit-sign" in clerk and "submit-return" in clerk and "submit-review-return" not in clerk
    sup = web("supervisor").get(f"/hotline/orders/{order.pk}/").content.decode()
    assert "submit-urge" in sup and "submit-reassign" in sup and "submit-sign" not in sup
    assert web("outsider").get(f"/hotline/orders/{order.pk}/").status_code == 404
    assert web("clerk_power").get(f"/hotline/orders/{order.pk}/").status_code == 404


def test_actions_through_the_page(web, make_order, people):
    order = make_order("dispatched")
    clerk = web("clerk_zjj")
    r = clerk.post(f"/hotline/orders/{order.pk}/act/sign/", {})
    assert r.status_code == 302
    r = clerk.post(f"/hotline/orders/{order.pk}/act/reply/", {"reply-content": ""})
    assert r.status_code == 400 and "该字段是必填项" in r.content.decode()
    r = clerk.post(f"/hotline/orders/{order.pk}/act/reply/", {"reply-content": "已处理完毕"})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == "replied"
    r = clerk.post(f"/hotline/orders/{order.pk}/act/reply/", {"reply-content": "再答复一次"})
    assert (
        r.status_code == 400 and "不能答复" in r.content.decode()
    )  # 409 shown on the page with the input kept
    assert "再答复一次" in r.content.decode()
    assert (
        clerk.post(f"/hotline/orders/{order.pk}/act/callback/", {"callback-satisfied": "1"}).status_code
        == 403
    )


def test_confidential_identity_hidden_from_unit_pages(web, make_order, people):
    order = make_order("signed", confidential=True, caller_name="王五", caller_phone="13700001111")
    html = web("clerk_zjj").get(f"/hotline/orders/{order.pk}/").content.decode()
    assert (
        "13700001111" not in html and "137****1111" not in html and "王" not in html.split("诉求人")[1][:80]
    )
    assert "（保密）" in html
    assert web("clerk_zjj").get(f"/hotline/orders/{order.pk}/caller/").status_code == 403
    listing = web("clerk_zjj").get("/hotline/orders/").content.decode()
    assert "1111" not in listing
    reveal = web("supervisor").get(f"/hotline/orders/{order.pk}/caller/").content.decode()
    assert "13700001111" in reveal
    assert AuditEntry.objects.filter(action="hotline.order.unmask", actor__username="supervisor").count() == 1


def test_order_list_filters_pages_and_no_n_plus_one(web, make_order, people, units):
    for _ in range(3):
        make_order("dispatched")
    client = web("supervisor")
    with CaptureQueriesContext(connection) as few:
        client.get("/hotline/orders/")
    for _ in range(5):
        make_order("dispatched", lead=units["cgj"])
    with CaptureQueriesContext(connection) as more:
        r = client.get("/hotline/orders/")
    assert r.status_code == 200
    assert len(more) == len(few), "the list page must not run one query per row"
    html = client.get(f"/hotline/orders/?lead_unit={units['cgj'].pk}").content.decode()
    assert html.count("市城市管理局") >= 5
    assert web("outsider").get("/hotline/orders/").status_code == 403
    assert web("clerk_power").get("/hotline/orders/").status_code == 200


def test_inbox_and_queues(web, make_order, people):
    make_order("dispatched")
    make_order("return_requested")
    inbox = web("clerk_zjj").get("/hotline/inbox/")
    assert inbox.status_code == 200 and inbox.content.decode().count("/hotline/orders/") >= 2
    assert web("operator").get("/hotline/inbox/").status_code == 403
    queues = web("supervisor").get("/hotline/queues/").content.decode()
    assert "退回待审核" in queues
    assert web("operator").get("/hotline/queues/").status_code == 403


def test_order_export_states_purpose_masks_and_is_audited(web, make_order, people):
    make_order("signed", confidential=True, caller_phone="13700001111")
    make_order("signed", caller_phone="13812345678")
    client = web("supervisor")
    r = client.get("/hotline/orders/export.xlsx")
    assert r.status_code == 302  # no purpose: refused
    r = client.get("/hotline/orders/export.xlsx?purpose=月度分析&scope=市政府办公室内部")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "用途：月度分析" in rows[0][0] and "使用范围：市政府办公室内部" in rows[0][0]
    text = str(rows)
    assert "13700001111" not in text and "13812345678" not in text and "138****5678" in text
    assert AuditEntry.objects.filter(action="hotline.order.export").get().extra["purpose"] == "月度分析"
    assert web("clerk_zjj").get("/hotline/orders/export.xlsx?purpose=x&scope=y").status_code == 403
    assert web("outsider").get("/hotline/orders/export.xlsx?purpose=x&scope=y").status_code == 403


def test_routing_and_incident_pages(web, make_order, people):
    assert "初始派单规则" in web("supervisor").get("/hotline/routing/").content.decode()
    assert web("clerk_zjj").get("/hotline/routing/").status_code == 403
    order = make_order("received", subject="outage-water", description="全城停水")
    assert "停水" in web("operator").get("/hotline/incidents/").content.decode()
    detail = web("operator").get(f"/hotline/incidents/{order.incident_id}/")
    assert order.number in detail.content.decode()
    assert web("outsider").get("/hotline/incidents/").status_code == 403
    assert web("clerk_zjj").get(f"/hotline/incidents/{order.incident_id}/").status_code == 403


def test_dashboard_panel(web, make_order, people):
    make_order("dispatched")
    assert "本单位 12345 工单" in web("clerk_zjj").get("/").content.decode()
    assert "12345 热线中心待办" in web("supervisor").get("/").content.decode()
    assert "12345" not in web("outsider").get("/").content.decode().split("<main")[1].split("</main>")[0]


@pytest.mark.parametrize(
    "path",
    [
        "/hotline/calls/",
        "/hotline/stats/",
        "/hotline/knowledge/",
        "/hotline/knowledge/questions/",
        "/hotline/queues/",
        "/hotline/routing/",
        "/hotline/inbox/",
        "/hotline/incidents/",
    ],
)
def test_outsider_is_kept_out(web, people, path):
    assert web("outsider").get(path).status_code == 403
    assert web(None).get(path).status_code == 302


def test_demo_seed_is_idempotent(db):
    from hotline import demo
    from hotline.models import CallRecord, KnowledgeEntry

    accounts = demo.seed()
    counts = (Order.objects.count(), KnowledgeEntry.objects.count(), CallRecord.objects.count())
    assert counts[0] >= 11 and counts[1] >= 8 and counts[2] == 40
    assert {"clerk_cgj", "clerk_yicheng"} <= {u for u, _ in accounts}
    demo.seed()
    assert (Order.objects.count(), KnowledgeEntry.objects.count(), CallRecord.objects.count()) == counts
    assert set(Order.objects.values_list("status", flat=True)) >= {
        "received",
        "dispatched",
        "signed",
        "return_requested",
        "extension_requested",
        "replied",
        "called_back",
        "closed",
        "answered",
    }
