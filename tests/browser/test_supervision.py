"""A unit logs in, files a progress report (after a rejected first try that keeps its input),
and sees the task's status change; the board and the chart render."""

from __future__ import annotations

from portal.personas import DEMO_PASSWORD, Persona, ensure_persona
from supervision.models import Report, Task
from supervision.services import obligations_ensure, task_status_refresh

CLERK = Persona("sup_fgw", "市发改委·督查填报员", "fgw", "unit_clerk", "市发改委填报员")
VALUES = ["100", "55", "65", "75", "85"]  # B05's five indicators, every target met


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_unit_files_a_report_and_sees_the_status_change(page, screenshot, tmp_path):
    ensure_persona(CLERK)
    obligations_ensure()
    task_status_refresh()
    b05 = Task.objects.get(code="B05")
    assert b05.status == "overdue"  # its 2024 targets have no reported value yet

    _login(page, "sup_fgw")
    page.goto("/supervision/mine/")
    row = page.locator("#owed tr", has_text="B05")
    assert row.count() == 1
    screenshot("supervision-mine")
    row.get_by_role("link", name="填报").click()
    page.wait_for_url("**/report/")

    inputs = page.locator("#report-form input[name^=value_]")
    assert inputs.count() == 5
    for i, value in enumerate(VALUES[:4]):
        inputs.nth(i).fill(value)
    page.fill("textarea[name=narrative]", "本月完成“一件事”事项梳理，表单自动生成比例55%，材料压减65%。")
    evidence = tmp_path / "一件事清单.pdf"
    evidence.write_bytes(b"%PDF-1.4 demo")
    page.set_input_files("#id_evidence", str(evidence))
    page.click("#report-form button[type=submit]")
    page.wait_for_selector(".field-error")
    assert "请填写" in page.locator(".field-error").first.inner_text()
    assert inputs.nth(0).input_value() == "100" and inputs.nth(3).input_value() == "75"
    assert "表单自动生成比例55%" in page.locator("textarea[name=narrative]").input_value()
    assert not Report.objects.exists()
    screenshot("supervision-report-form-error")

    inputs.nth(4).fill(VALUES[4])
    page.set_input_files("#id_evidence", str(evidence))
    page.click("#report-form button[type=submit]")
    page.wait_for_url(f"**/supervision/tasks/{b05.pk}/")
    assert page.locator("#task-status").inner_text() == "已完成"
    assert "全部 5 项指标均已达到目标" in page.locator(".explain").inner_text()
    assert page.locator("#reports").get_by_text("一件事清单.pdf").is_visible()
    page.wait_for_selector("canvas#indicator-chart[data-rendered]")
    screenshot("supervision-task-after-report")
    b05.refresh_from_db()
    assert b05.status == "done" and Report.objects.get().evidence.count() == 1

    page.goto("/supervision/?document=B")
    assert (
        page.locator("#board tr", has_text="关联事项集成办").locator(".tag.done").first.inner_text()
        == "已完成"
    )
    screenshot("supervision-board")
    assert page.js_errors == []
