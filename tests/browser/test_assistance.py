"""A township officer files a household, enters an application, sees the tier with its
explanation, and starts publicity in the village."""

from __future__ import annotations

from assistance.models import Application, Household
from portal.models import AuditEntry
from tests.assistance.factories import make_id, village


def test_township_officer_applies_sees_tier_and_starts_publicity(login, page, screenshot):
    v = village("yicheng-t12", "水屯村")
    head_id = make_id("19750312")
    child_id = make_id("20120505", female=True)

    login("shuitun")
    page.goto("/assistance/")
    assert page.locator("h1").inner_text() == "乡镇工作台 · 低收入人口"

    # File the household (two members, 6,000 yuan a year: 3,000 per person).
    page.click("main .actions a:has-text('新建家庭档案')")
    page.select_option("#id_village", str(v.pk))
    page.select_option("#id_area", "rural")
    page.fill("#id_income_wage", "6000")
    page.fill("#id_phone", "13812345678")
    page.fill("#id_members-0-name", "周大成")
    page.fill("#id_members-0-id_number", head_id)
    page.click("#add-member")
    page.fill("#id_members-1-name", "周小雨")
    page.fill("#id_members-1-id_number", "411702201205050000")  # wrong check character first
    page.select_option("#id_members-1-relation", "child")
    page.click("button[type=submit].primary")
    # Bad input: a Chinese message, and everything typed is still there.
    assert "校验位错误" in page.locator(".field-error").first.inner_text()
    assert page.input_value("#id_members-0-name") == "周大成"
    assert page.input_value("#id_income_wage") == "6000"
    page.fill("#id_members-1-id_number", child_id)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/assistance/households/*/")
    household = Household.objects.get()
    assert page.locator("h1").first.inner_text().startswith(f"家庭 {household.code}")
    # ID numbers are masked; "显示" reveals one (audited).
    assert head_id not in page.content()
    page.click(f"#pid-{household.members.order_by('position').first().person_id} button")
    page.wait_for_selector(".unmasked")
    assert page.locator(".unmasked").first.inner_text() == head_id
    assert AuditEntry.objects.filter(action="assistance.person.unmask").count() == 1
    screenshot("assistance-household")

    # Enter the application: reviewed tier by tier at once.
    page.click("main .actions a:has-text('受理申请')")
    page.select_option("#id_requested_tier", "dibao")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/assistance/applications/*/")
    assert page.locator("#found-tier").inner_text() == "最低生活保障对象（低保）"
    assert "符合所申请类别" in page.locator("#outcome").inner_text()
    checks = page.locator("#explanation table tbody tr")
    assert checks.count() == 2
    assert "仅对单人户审核" in checks.nth(0).inner_text()
    assert "人均收入 3000.00 元 < 低保标准 5280.00 元" in checks.nth(1).inner_text()
    screenshot("assistance-application-reviewed")

    # Start publicity in the village.
    page.click("#start-publicity")
    page.wait_for_selector("text=公示期")
    assert page.locator("#app-status").inner_text() == "公示中"
    app = Application.objects.get()
    assert app.status == "publicity" and app.publicity.village == v
    screenshot("assistance-publicity")

    # The printable village list masks ID numbers and phones.
    page.click("text=打印公示名单")
    text = page.locator("main").inner_text()
    assert "周大成" in text and head_id not in text and "138****5678" in text
    screenshot("assistance-publicity-print")
    assert page.js_errors == []
