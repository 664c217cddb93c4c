"""A person signs in, sees the dashboard with their deadlines, and reads a notification."""

from datetime import timedelta

from django.utils import timezone

from portal.deadlines import deadline_create
from portal.models import Notification, OrgUnit
from portal.notifications import notify


def test_sign_in_see_dashboard_and_read_notification(login, page, persona, screenshot):
    user = persona("yicheng")
    county = OrgUnit.objects.get(code="yicheng")
    deadline_create(
        subject=county,
        kind="demo.report",
        title="初报：测试灾情",
        responsible_unit=county,
        due_at=timezone.now() + timedelta(hours=2),
        basis="4.2.1",
    )
    notify([user], title="请于 2 小时内报送初报", url="/deadlines/", dedupe_key="browser-test")

    login("yicheng")
    assert page.locator("h1").first.inner_text() == "工作台"
    assert page.get_by_text("初报：测试灾情").first.is_visible()
    assert page.locator("#bell-count").inner_text() == "1"
    screenshot("platform-dashboard")

    page.click("#bell-button")
    page.wait_for_selector("#bell-panel .bell-list a")
    page.click("#bell-panel .bell-list a")
    page.wait_for_url("**/deadlines/")
    assert Notification.objects.get(recipient=user).read_at is not None
    assert page.locator("#bell-count").is_hidden()
    assert page.js_errors == []


def test_wrong_password_shows_a_chinese_message(page, persona):
    persona("xiping")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "xiping")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.locator(".error-box").inner_text()
