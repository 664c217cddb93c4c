"""Pages: who sees what (outsiders 403/404), forms that keep the user's input, the review
queue without N+1 queries, the XLSX export."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from subsidies.models import Application, Enterprise, PolicyDocument
from subsidies.services import applications as svc
from subsidies.services.budgets import budget_set
from subsidies.services.matching import entitlements_match
from tests.subsidies import factories as f

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2025, 6, 16, 10, 0, tzinfo=SH), tick=False) as traveller:
        yield traveller


def text(response) -> str:
    return response.content.decode()


def test_catalogue_lists_both_documents_with_validity(web):
    r = web("city_gxj").get("/subsidies/")
    assert r.status_code == 200
    page = text(r)
    assert "关于促进电子信息产业加快发展的若干措施" in page and "驻政办〔2024〕21号" in page
    assert "2024-06-11 至 2027-06-10" in page and "长期有效" in page
    assert 'id="clause-T12"' in page and "一事一议" in page
    assert "<script>" not in page and 'style="' not in page


def test_catalogue_warns_when_expiry_is_near(web, frozen):
    frozen.move_to(datetime(2027, 5, 20, 9, 0, tzinfo=SH))
    assert "21 天后到期" in text(web("city_gxj").get("/subsidies/"))


@pytest.mark.parametrize(
    "url", ["/subsidies/", "/subsidies/self-check/", "/subsidies/enterprises/", "/subsidies/queue/"]
)
def test_outsiders_and_other_departments_are_refused(web, url):
    assert web("outsider").get(url).status_code == 403
    assert web("city_yjj").get(url).status_code == 403


def test_self_check_computes_and_explains(web):
    client = web("city_gxj")
    assert client.get("/subsidies/self-check/?clause=T12").status_code == 200
    r = client.post(
        "/subsidies/self-check/",
        {
            "clause": "E4a",
            "total_investment": "80000000",
            "equipment_purchase": "20000000",
            "received_so_far": "",
        },
    )
    page = text(r)
    assert r.status_code == 200 and "1,000,000.00 元" in page and "5 % × 20,000,000.00 = 1,000,000.00" in page


def test_self_check_for_an_enterprise_user_and_a_referral(web, ent, ent_user):
    from django.test import Client

    client = Client()
    client.force_login(ent_user)
    r = client.post("/subsidies/self-check/", {"clause": "T5", "views": "6000000"})
    page = text(r)
    assert r.status_code == 200 and "一事一议" in page and "50,000.00 – 100,000.00" in page


def test_self_check_keeps_bad_input_and_explains(web):
    r = web("city_gxj").post(
        "/subsidies/self-check/", {"clause": "E4a", "total_investment": "八千万", "equipment_purchase": "100"}
    )
    page = text(r)
    assert r.status_code == 200 and "八千万" in page and 'value="100"' in page
    assert "field-error" in page


def test_self_check_trains(web):
    data = {"clause": "T12"}
    for i in range(3):
        data.update(
            {
                f"t{i}_kind": "high_speed",
                f"t{i}_passengers": "200",
                f"t{i}_spots": "2",
                f"t{i}_days": "2",
                f"t{i}_nights": "1",
            }
        )
    page = text(web("city_gxj").post("/subsidies/self-check/", data))
    assert "80,000.00 元" in page and "达到 3 趟档" in page


def test_enterprise_pages_by_jurisdiction(web, ent, unit):
    other = f.EnterpriseFactory(county=unit("xiping"), name="西平县某电子厂")
    page = text(web("yicheng").get("/subsidies/enterprises/"))
    assert ent.name in page and other.name not in page
    assert web("yicheng").get(f"/subsidies/enterprises/{other.pk}/").status_code == 404
    assert web("outsider").get(f"/subsidies/enterprises/{ent.pk}/").status_code == 404
    r = web("city_gxj").get(f"/subsidies/enterprises/{ent.pk}/")
    assert r.status_code == 200 and ent.credit_code in text(r)
    assert (
        web("city_czj").get(f"/subsidies/enterprises/{ent.pk}/edit/").status_code == 403
    )  # fiscal reads only
    assert web("yicheng").get(f"/subsidies/enterprises/{ent.pk}/edit/").status_code == 200


def test_enterprise_form_keeps_input_and_reports_the_check_character(web, unit):
    r = web("city_gxj").post(
        "/subsidies/enterprises/new/",
        {
            "credit_code": "9144030071526726XH",
            "name": "驻马店光电科技有限公司",
            "kind": "enterprise",
            "industry": "optoelectronics",
            "county": unit("yicheng").pk,
        },
    )
    page = text(r)
    assert r.status_code == 200 and "校验位错误" in page and "驻马店光电科技有限公司" in page
    r = web("city_gxj").post(
        "/subsidies/enterprises/new/",
        {
            "credit_code": "9144030071526726XG",
            "name": "驻马店光电科技有限公司",
            "kind": "enterprise",
            "industry": "optoelectronics",
            "county": unit("yicheng").pk,
        },
    )
    assert r.status_code == 302
    assert Enterprise.objects.get(credit_code="9144030071526726XG").county.code == "yicheng"


def test_record_forms(web, ent, project):
    client = web("city_gxj")
    assert client.get(f"/subsidies/enterprises/{ent.pk}/add/equipment/").status_code == 200
    r = client.post(
        f"/subsidies/enterprises/{ent.pk}/add/equipment/",
        {
            "project": project.pk,
            "name": "回流焊",
            "invoice_no": "F-1",
            "invoice_date": "2025-05-01",
            "amount_excl_tax": "-5",
        },
    )
    assert r.status_code == 200 and "回流焊" in text(r)
    r = client.post(
        f"/subsidies/enterprises/{ent.pk}/add/equipment/",
        {
            "project": project.pk,
            "name": "回流焊",
            "invoice_no": "F-1",
            "invoice_date": "2025-05-01",
            "amount_excl_tax": "500000",
        },
    )
    assert r.status_code == 302 and project.equipment.count() == 1
    assert web("xiping").get(f"/subsidies/enterprises/{ent.pk}/add/equipment/").status_code == 404


def test_enterprise_applies_through_the_page(ent, project, ent_user):
    from django.test import Client

    f.EquipmentFactory(project=project)
    client = Client()
    client.force_login(ent_user)
    step = client.get(f"/subsidies/enterprises/{ent.pk}/apply/?clause=E4a&project={project.pk}")
    page = text(step)
    assert step.status_code == 200 and "20000000.00" in page and "1,000,000.00 元" in page
    r = client.post(
        f"/subsidies/enterprises/{ent.pk}/apply/",
        {
            "clause": "E4a",
            "project": project.pk,
            "submit": "1",
            "total_investment": "80000000.00",
            "equipment_purchase": "20000000.00",
            "materials": ["生产设备购置完税发票（不含税金额）"],
            "note": "请审核",
        },
    )
    assert r.status_code == 302
    app = Application.objects.get()
    assert app.calculated_amount == Decimal("1000000.00") and app.note == "请审核"
    assert [m["provided"] for m in app.materials].count(True) == 1
    again = client.post(
        f"/subsidies/enterprises/{ent.pk}/apply/",
        {
            "clause": "E4a",
            "project": project.pk,
            "submit": "1",
            "total_investment": "80000000.00",
            "equipment_purchase": "20000000.00",
            "note": "再次",
        },
    )
    assert again.status_code == 200 and "不能重复申请" in text(again) and "再次" in text(again)


def test_queue_and_detail_for_a_reviewer(web, ent, project):
    f.EquipmentFactory(project=project)
    for _ in range(3):
        f.ExhibitionFactory(enterprise=ent)
    entitlements_match()
    page = text(web("city_gxj").get("/subsidies/queue/"))
    assert "E4a" in page and "1,000,000.00" in page
    assert "免申即享" in page
    app = Application.objects.get(clause="E4a")
    detail = text(web("city_gxj").get(f"/subsidies/applications/{app.pk}/"))
    assert "5 % × 20,000,000.00 = 1,000,000.00" in detail and "确认兑现" in detail and "推送企业" in detail
    czj_detail = text(web("city_czj").get(f"/subsidies/applications/{app.pk}/"))
    assert "确认兑现" not in czj_detail  # visible to the fiscal bureau, not its decision
    assert web("xiping").get(f"/subsidies/applications/{app.pk}/").status_code == 404


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries), text(r)


def test_hot_lists_without_n_plus_one(web, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            e = f.EnterpriseFactory()
            f.EquipmentFactory(project=f.ProjectFactory(enterprise=e))
        entitlements_match()

    add(3)
    client = web("city_gxj")
    client.get("/subsidies/queue/?tab=all")  # warm caches (content types, session)
    few_queue, _ = _queries(client, "/subsidies/queue/?tab=all")
    few_list, _ = _queries(client, "/subsidies/enterprises/")
    add(20)
    many_queue, page = _queries(client, "/subsidies/queue/?tab=all")
    many_list, _ = _queries(client, "/subsidies/enterprises/")
    assert page.count('href="/subsidies/applications/') == 23
    assert (many_queue, many_list) == (few_queue, few_list)
    with django_assert_max_num_queries(15):
        client.get("/subsidies/queue/?tab=all")


def test_action_forms_confirm_and_refuse_with_the_message(web, ent, project):
    f.EquipmentFactory(project=project)
    entitlements_match()
    app = Application.objects.get()
    client = web("city_gxj")
    bad = client.post(f"/subsidies/applications/{app.pk}/reject/", {"reason": ""})
    assert bad.status_code == 400 and "请填写不予支持的理由" in text(bad)
    ok = client.post(f"/subsidies/applications/{app.pk}/confirm/", {"note": "核实无误"})
    assert ok.status_code == 302
    page = text(client.get(f"/subsidies/applications/{app.pk}/"))
    assert "批准金额" in page and "1,000,000.00 元" in page and "批准金额：1,000,000.00 元" in page
    wrong = client.post(f"/subsidies/applications/{app.pk}/confirm/", {})
    assert wrong.status_code == 409 and "不能执行" in text(wrong)
    assert web("city_czj").post(f"/subsidies/applications/{app.pk}/confirm/", {}).status_code == 403
    assert web("outsider").post(f"/subsidies/applications/{app.pk}/pay/", {}).status_code == 404


def test_budgets_page_and_export(web, ent, project, persona):
    budget_set(
        actor=persona("city_czj"), document=PolicyDocument.objects.get(code="A"), year=2025, amount="8000000"
    )
    f.EquipmentFactory(project=project)
    entitlements_match()
    app = svc.proposal_confirm(application=Application.objects.get(), actor=persona("city_gxj"))
    svc.award_pay(application=app, actor=persona("city_czj"), payment_ref="ZF-2025-7")
    page = text(web("city_czj").get("/subsidies/budgets/"))
    assert "8,000,000.00" in page and "7,000,000.00" in page
    r = web("city_czj").post(
        "/subsidies/budgets/",
        {"document": PolicyDocument.objects.get(code="A").pk, "year": 2025, "amount": "10"},
    )
    assert r.status_code == 200 and "不能低于已批准金额" in text(r)
    assert web("city_gxj").post("/subsidies/budgets/", {"year": 2025}).status_code == 403
    xlsx = web("city_czj").get("/subsidies/export/awards.xlsx?year=2025")
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.content))
    awards, payments = wb["奖补"], wb["拨付"]
    rows = list(awards.iter_rows(values_only=True))
    assert rows[0][0].startswith("用途") and rows[1][0] == "编号"
    assert rows[2][2] == "E4a" and Decimal(str(rows[2][10])) == Decimal("1000000")
    assert "5 % × 20,000,000.00" in rows[2][16]
    pay_rows = list(payments.iter_rows(values_only=True))
    assert pay_rows[1][6] == "ZF-2025-7" and pay_rows[1][7] == "city_czj"
    assert web("yicheng").get("/subsidies/export/awards.xlsx").status_code == 403
    assert web("outsider").get("/subsidies/budgets/").status_code == 403


def test_dashboard_panel_for_reviewers(web, ent, project):
    f.EquipmentFactory(project=project)
    entitlements_match()
    page = text(web("city_gxj").get("/"))
    assert "企业奖补：待我处理" in page and "E4a" in page
    assert "企业奖补：待我处理" not in text(web("yicheng").get("/"))


def test_menu_entries(web, ent_user):
    from django.test import Client

    page = text(web("city_gxj").get("/"))
    assert "政策目录" in page and "审核队列" in page
    client = Client()
    client.force_login(ent_user)
    page = text(client.get("/"))
    assert "我的奖补" in page and "预算与兑现" not in page


def test_catalogue_parameters_read_as_chinese(web):
    page = text(web("city_gxj").get("/subsidies/"))
    assert (
        "总投资不低于 50,000,000.00 元" in page
        and "外资比例 2 ‰" in page
        and "累计 3 趟另奖 20,000.00 元" in page
    )
    assert "min_total_investment" not in page


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_materials_are_uploaded_returned_and_resubmitted_through_the_pages(
    ent, project, ent_user, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    settings.MEDIA_ROOT = tmp_path
    client = Client()
    client.force_login(ent_user)
    r = client.post(
        f"/subsidies/enterprises/{ent.pk}/apply/",
        {
            "clause": "E4a",
            "project": project.pk,
            "submit": "1",
            "total_investment": "80000000",
            "equipment_purchase": "20000000",
            "file_4": SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert r.status_code == 302
    app = Application.objects.get()
    provided = {m["name"]: m["provided"] for m in app.materials}
    assert provided["生产设备购置完税发票（不含税金额）"] is True and provided["银行账户信息"] is False
    att = app.attachments.get()
    assert att.original_name == "发票.pdf" and att.size == len(PDF)
    gxj = web_client("city_gxj")
    page = text(gxj.get(f"/subsidies/applications/{app.pk}/"))
    assert "发票.pdf" in page and "退回补正" in page
    download = gxj.get(f"/subsidies/applications/{app.pk}/files/{att.pk}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF
    assert web_client("xiping").get(f"/subsidies/applications/{app.pk}/files/{att.pk}/").status_code == 404
    bad = client.post(
        f"/subsidies/applications/{app.pk}/files/",
        {"material": "银行账户信息", "file": SimpleUploadedFile("a.pdf", b"<html>x</html>")},
    )
    assert bad.status_code == 400 and "类型不被接受" in text(bad)
    gxj.post(f"/subsidies/applications/{app.pk}/return/", {"missing": "银行账户信息、申请表（加盖公章）"})
    app.refresh_from_db()
    assert app.status == "returned"
    names = [m["name"] for m in app.materials]
    form = {"provided": names, "note": "已补齐"}
    form[f"file_{names.index('银行账户信息')}"] = SimpleUploadedFile("账户.pdf", PDF)
    r = client.post(f"/subsidies/applications/{app.pk}/resubmit/", form)
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "applied" and all(m["provided"] for m in app.materials)
    assert app.attachments.count() == 2
    assert gxj.post(f"/subsidies/applications/{app.pk}/check_materials/", {}).status_code == 302


def web_client(username):
    from django.test import Client

    from portal.personas import BY_USERNAME, ensure_persona

    c = Client()
    c.force_login(ensure_persona(BY_USERNAME[username]))
    return c


def test_admin_lists_render(web, ent, project):
    f.EquipmentFactory(project=project)
    entitlements_match()
    admin = web("admin")
    for url in (
        "/admin/subsidies/application/",
        "/admin/subsidies/enterprise/",
        "/admin/subsidies/capledger/",
        "/admin/subsidies/decision/",
    ):
        assert admin.get(url).status_code == 200
    app = Application.objects.get()
    assert admin.post(f"/admin/subsidies/application/{app.pk}/delete/").status_code == 403


def test_proposal_page_shows_the_batch_deadline(web, ent, project):
    f.EquipmentFactory(project=project)
    entitlements_match()
    page = text(web("city_gxj").get(f"/subsidies/applications/{Application.objects.get().pk}/"))
    assert "确认免申即享匹配结果（1 条" in page
