"""Access: a unit sees the tasks it answers for and edits only its own reports; a county never
sees another county's reports; outsiders get 404 on every object page and endpoint."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from supervision import services
from supervision.models import Indicator, Task
from supervision.policies import ObligationPolicy, ReportPolicy, TaskPolicy
from tests.supervision.conftest import at, obligation_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(open_period, user):
    """A02 (市科技局 leads, 市发改委 co-responsible) and A10 (市发改委 leads): August 2024
    reports by 市科技局, 市发改委, 驿城区 and 西平县, each with an evidence file."""
    open_period(at(2024, 8, 5, 10), "A02", "A10")
    out = {}
    with time_machine.travel(at(2024, 8, 30, 10), tick=False):
        for code, unit, who in [
            ("A02", "kjj", "sup_kjj"),
            ("A10", "fgw", "sup_fgw"),
            ("A10", "yicheng", "yicheng"),
            ("A10", "xiping", "xiping"),
        ]:
            ob = obligation_of(code, unit)
            values = {i.pk: "10" for i in Indicator.objects.filter(task=ob.task, reporting_unit=ob.unit)}
            out[(code, unit)] = services.report_submit(
                obligation=ob,
                actor=user(who),
                narrative=f"{unit} 进展",
                values=values,
                files=[SimpleUploadedFile(f"{unit}.pdf", b"%PDF-1.4 evidence")],
            )
    return out


def _client(user, username):
    from django.test import Client

    c = Client()
    if username:
        c.force_login(user(username))
    return c


def test_task_scope(user):
    policy = TaskPolicy()
    assert policy.scope(user("sup_zfb")).count() == 62
    assert policy.scope(user("auditor")).count() == 62
    assert policy.scope(user("yicheng")).count() == 62  # every item names every county government
    fgw = set(policy.scope(user("sup_fgw")).values_list("code", flat=True))
    assert {"A01", "A10", "A41", "B05"} <= fgw and "A07" not in fgw  # A07: 市工信局 alone
    assert set(policy.scope(user("city_gxj")).values_list("code", flat=True)) >= {"A04", "A07"}
    assert policy.scope(user("city_yjj")).count() == 0  # 市应急管理局 answers for no task
    assert policy.scope(user("outsider")).count() == 0


def test_report_scope_departments_see_the_task_counties_see_their_own(filed, user):
    policy = ReportPolicy()
    kjj, fgw = filed[("A02", "kjj")], filed[("A10", "fgw")]
    yicheng, xiping = filed[("A10", "yicheng")], filed[("A10", "xiping")]
    assert set(policy.scope(user("sup_fgw"))) == {kjj, fgw, yicheng, xiping}  # co-unit on A02, lead on A10
    assert set(policy.scope(user("sup_kjj"))) == {kjj}  # 市科技局 is not on A10
    assert set(policy.scope(user("yicheng"))) == {kjj, fgw, yicheng}  # never 西平县's
    assert set(policy.scope(user("xiping"))) == {kjj, fgw, xiping}
    assert policy.scope(user("sup_zfb")).count() == 4
    assert policy.scope(user("outsider")).count() == 0


def test_obligation_scope_and_the_report_action(filed, user):
    policy = ObligationPolicy()
    kjj_ob = obligation_of("A02", "kjj")
    assert policy.can(user("sup_kjj"), "report", kjj_ob)
    assert not policy.can(user("sup_fgw"), "report", kjj_ob)  # sees it (co-unit), may not file it
    assert policy.can(user("sup_fgw"), "view", kjj_ob)
    assert not policy.can(user("yicheng"), "view", obligation_of("A10", "xiping"))
    assert not policy.can(user("sup_zfb"), "report", kjj_ob)
    assert policy.can(user("admin"), "report", kjj_ob)  # superuser: support


def test_outsider_gets_404_on_every_object_page(filed, user):
    c = _client(user, "outsider")
    task = Task.objects.get(code="A10")
    report = filed[("A10", "fgw")]
    evidence = report.evidence.get()
    ob = obligation_of("A10", "fgw")
    for url in [
        f"/supervision/tasks/{task.pk}/",
        f"/supervision/obligations/{ob.pk}/report/",
        f"/supervision/reports/{report.pk}/",
        f"/supervision/reports/{report.pk}/correct/",
        f"/supervision/evidence/{evidence.pk}/",
    ]:
        assert c.get(url).status_code == 404, url
    for url in ["complete", "reopen", "schedule"]:
        assert c.post(f"/supervision/tasks/{task.pk}/{url}/", {"note": "x"}).status_code == 404
    board = c.get("/supervision/")
    assert board.status_code == 200 and "没有符合条件的督查任务" in board.content.decode()
    mine = c.get("/supervision/mine/")
    assert mine.status_code == 200 and "没有以本单位名义报送" in mine.content.decode()
    import io

    from openpyxl import load_workbook

    export = c.get("/supervision/export.xlsx")
    rows = list(load_workbook(io.BytesIO(export.content))["任务"].values)
    assert len(rows) == 2  # the note and the header: nothing of the tasks


def test_anonymous_is_sent_to_login(db):
    from django.test import Client

    response = Client().get("/supervision/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_unit_edits_only_its_own_reports(filed, user):
    fgw = _client(user, "sup_fgw")
    kjj_report = filed[("A02", "kjj")]
    assert fgw.get(f"/supervision/reports/{kjj_report.pk}/").status_code == 200  # visible to the co-unit
    assert fgw.get(f"/supervision/reports/{kjj_report.pk}/correct/").status_code == 403
    assert fgw.post(f"/supervision/reports/{kjj_report.pk}/correct/", {"narrative": "x"}).status_code == 403
    kjj_ob = obligation_of("A02", "kjj", kjj_report.obligation.period_start)
    assert fgw.get(f"/supervision/obligations/{kjj_ob.pk}/report/").status_code == 403
    yicheng = _client(user, "yicheng")
    xiping_report = filed[("A10", "xiping")]
    assert yicheng.get(f"/supervision/reports/{xiping_report.pk}/").status_code == 404
    assert yicheng.get(f"/supervision/evidence/{xiping_report.evidence.get().pk}/").status_code == 404
    own = yicheng.get(f"/supervision/reports/{filed[('A10', 'yicheng')].pk}/correct/")
    assert own.status_code == 200


def test_supervisor_actions_are_403_for_units_and_auditors(user):
    task = Task.objects.get(code="B07")
    for username in ("sup_zwfw", "auditor"):
        c = _client(user, username)
        assert c.get(f"/supervision/tasks/{task.pk}/").status_code == 200
        assert c.post(f"/supervision/tasks/{task.pk}/complete/", {"note": "x"}).status_code == 403
    c = _client(user, "sup_zfb")
    assert c.post(f"/supervision/tasks/{task.pk}/complete/", {"note": "已完成"}).status_code == 302
    task.refresh_from_db()
    assert task.completed_at is not None


def test_api_outsider_and_anonymous(filed, user):
    anonymous = APIClient()
    response = anonymous.get("/api/v1/supervision/tasks/")
    assert response.status_code == 401 and response.has_header("WWW-Authenticate")
    outsider = APIClient()
    outsider.force_authenticate(user("outsider"))
    assert outsider.get("/api/v1/supervision/tasks/").json()["results"] == []
    task = Task.objects.get(code="A10")
    report = filed[("A10", "fgw")]
    ob = obligation_of("A10", "fgw")
    for url in [
        f"/api/v1/supervision/tasks/{task.pk}/",
        f"/api/v1/supervision/tasks/{task.pk}/reports/",
        f"/api/v1/supervision/obligations/{ob.pk}/",
        f"/api/v1/supervision/reports/{report.pk}/",
    ]:
        assert outsider.get(url).status_code == 404, url
    assert outsider.get("/api/v1/supervision/obligations/").json()["results"] == []
    posts = [
        (f"/api/v1/supervision/tasks/{task.pk}/complete/", {"note": "x"}),
        (f"/api/v1/supervision/reports/{report.pk}/correct/", {"reason": "x", "narrative": "x"}),
        ("/api/v1/supervision/reports/", {"obligation": ob.pk, "narrative": "x"}),
    ]
    for url, body in posts:
        assert outsider.post(url, body, format="json").status_code == 404, url
    upload = outsider.post(
        "/api/v1/supervision/evidence/",
        {"obligation": ob.pk, "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4")},
        format="multipart",
    )
    assert upload.status_code == 404
    assert outsider.post("/api/v1/supervision/status/evaluate/", {}, format="json").status_code == 400
