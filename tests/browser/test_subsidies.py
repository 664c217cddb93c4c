"""企业奖补 in a real browser: a reviewer of 市工信局 confirms an auto-matched E4a proposal and
sees the amount with its explanation; an enterprise uses the self-check calculator."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from subsidies.models import Application
from subsidies.services.matching import entitlements_match
from tests.subsidies import factories as f


def test_reviewer_confirms_an_auto_matched_e4a_proposal(login, page, screenshot, persona):
    ent = f.EnterpriseFactory(name="驻马店天中芯光电子有限公司")
    project = f.ProjectFactory(enterprise=ent, name="高速光模块生产线项目")
    f.EquipmentFactory(project=project, amount_excl_tax=Decimal("20000000.00"))
    run = entitlements_match(on=date(2025, 6, 16))
    assert run is not None and run.created == 1
    proposal = Application.objects.get()

    login("city_gxj")
    page.goto("/subsidies/queue/?tab=proposed")
    row = page.locator("tr", has_text="驻马店天中芯光电子有限公司")
    assert "E4a" in row.inner_text() and "1,000,000.00" in row.inner_text()
    screenshot("subsidies-queue")
    row.get_by_role("link", name=f"#{proposal.pk}").click()
    page.wait_for_url(f"**/subsidies/applications/{proposal.pk}/")
    assert "5 % × 20,000,000.00 = 1,000,000.00" in page.locator("#amount").inner_text()
    screenshot("subsidies-proposal")

    page.locator("form.action-form", has_text="确认兑现").get_by_role("button", name="确认兑现").click()
    page.wait_for_selector(".msg.success")
    amount = page.locator("#amount").inner_text()
    assert "批准金额" in amount and "1,000,000.00 元" in amount
    assert "5 % × 20,000,000.00 = 1,000,000.00" in amount
    assert "批准金额：1,000,000.00 元" in amount
    assert page.locator("#status").inner_text() == "已确认"
    screenshot("subsidies-confirmed")
    proposal.refresh_from_db()
    assert proposal.status == "confirmed" and proposal.approved_amount == Decimal("1000000.00")
    assert page.js_errors == []


def test_enterprise_uses_the_self_check_calculator(page, screenshot):
    ent = f.EnterpriseFactory(name="驻马店嵖岈山夜游文化有限公司", industry="culture_tourism")
    f.enterprise_user(ent, username="ent_night")  # password: the demo password
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "ent_night")
    page.fill("input[name=password]", "Zmd-demo-2024")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/subsidies/self-check/")
    page.select_option("#id_clause", "T1")  # the page reloads with the clause's fields (JS)
    page.wait_for_selector("#id_total_investment")
    page.fill("#id_total_investment", "30000000")
    page.check("#id_in_operation")
    page.get_by_role("button", name="测算").click()
    result = page.locator("#result")
    result.locator(".amount-big", has_text="1,500,000.00 元").wait_for()
    assert "5 % × 30,000,000.00 = 1,500,000.00" in result.inner_text()
    screenshot("subsidies-selfcheck")
    page.goto("/subsidies/")
    assert page.get_by_text("驻马店市支持文化旅游产业高质量发展的若干政策措施").first.is_visible()
    screenshot("subsidies-catalogue")
    page.goto(f"/subsidies/enterprises/{ent.pk}/")
    assert page.locator("h1").inner_text() == "驻马店嵖岈山夜游文化有限公司"
    screenshot("subsidies-enterprise")
    assert page.js_errors == []
