"""The supervision API: tasks, obligations, filing and correcting reports with
Idempotency-Key, evidence upload, supervisor actions, the status-rule preview."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from supervision import services
from supervision.models import Indicator, Report, Task
from tests.supervision.conftest import at, obligation_of

pytestmark = pytest.mark.django_db
BASE = "/api/v1/supervision"


@pytest.fixture
def client_for(user):
    def make(username):
        c = APIClient()
        c.force_authenticate(user(username))
        return c

    return make


def test_task_list_detail_and_filters(client_for):
    services.task_status_refresh()
    c = client_for("sup_zfb")
    page = c.get(f"{BASE}/tasks/").json()
    assert set(page) == {"results", "next", "previous"} and len(page["results"]) == 50 and page["next"]
    b = c.get(f"{BASE}/tasks/?document=B&page_size=100").json()["results"]
    assert len(b) == 20
    a10 = c.get(f"{BASE}/tasks/?document=A&page_size=100").json()["results"]
    a10 = next(t for t in a10 if t["code"] == "A10")
    assert a10["lead_units"][0]["name"] == "市发展和改革委员会"
    assert [u["name"] for u in a10["co_units"]] == ["市工业和信息化局", "市通信发展管理办公室"]
    ind = a10["indicators"][0]
    assert (ind["name"], ind["target"], ind["direction"], ind["unit"], ind["deadline"]) == (
        "新增5G基站",
        "2000.0000",
        "at_least",
        "个",
        "2024-12-31",
    )
    assert a10["status"] == "overdue" and a10["status_rule_set"]["key"] == "supervision.status"
    detail = c.get(f"{BASE}/tasks/{a10['id']}/").json()
    assert len(detail["counties"]) == 13 and detail["text"].startswith("做大做强数字经济。")
    overdue = c.get(f"{BASE}/tasks/?status=overdue&page_size=100").json()["results"]
    assert {t["code"] for t in overdue} == set(
        Task.objects.filter(status="overdue").values_list("code", flat=True)
    )


def test_task_list_query_count_is_flat(client_for):
    c = client_for("sup_zfb")
    c.get(f"{BASE}/tasks/?page_size=5")
    with CaptureQueriesContext(connection) as few:
        assert len(c.get(f"{BASE}/tasks/?page_size=5").json()["results"]) == 5
    with CaptureQueriesContext(connection) as many:
        assert len(c.get(f"{BASE}/tasks/?page_size=62").json()["results"]) == 62
    assert len(few) == len(many)


def test_filing_a_report_with_idempotency_key_and_evidence(open_period, client_for):
    open_period(at(2024, 8, 5, 10), "A10")
    ob = obligation_of("A10", "fgw")
    ind = Indicator.objects.get(task__code="A10")
    c = client_for("sup_fgw")
    with time_machine.travel(at(2024, 8, 30, 10), tick=False):
        upload = c.post(
            f"{BASE}/evidence/",
            {"obligation": ob.pk, "file": SimpleUploadedFile("基站清单.pdf", b"%PDF-1.4 list")},
            format="multipart",
        )
        assert upload.status_code == 201 and upload.json()["report"] is None
        body = {
            "obligation": ob.pk,
            "narrative": "8月新建基站1200个",
            "values": [{"indicator": ind.pk, "value": "1200", "note": "含室分"}],
            "evidence": [upload.json()["id"]],
        }
        first = c.post(f"{BASE}/reports/", body, format="json", HTTP_IDEMPOTENCY_KEY="a10-aug")
        replay = c.post(f"{BASE}/reports/", body, format="json", HTTP_IDEMPOTENCY_KEY="a10-aug")
        other = c.post(
            f"{BASE}/reports/", {**body, "narrative": "不同"}, format="json", HTTP_IDEMPOTENCY_KEY="a10-aug"
        )
        again = c.post(f"{BASE}/reports/", body, format="json")
    assert first.status_code == 201 and replay.status_code == 201
    assert replay.json()["id"] == first.json()["id"] and Report.objects.count() == 1
    assert other.status_code == 422
    assert again.status_code == 409 and "已经报送" in again.json()["detail"]
    data = first.json()
    assert data["values"] == [
        {"indicator": ind.pk, "name": "新增5G基站", "value": "1200.0000", "note": "含室分"}
    ]
    assert data["evidence"][0]["name"] == "基站清单.pdf" and data["period_label"] == "2024年8月"
    assert data["as_of"] == "2024-08-30" and data["late"] is False


def test_bad_report_input_is_400_with_field_errors(open_period, client_for):
    open_period(at(2024, 8, 5, 10), "A10")
    ob = obligation_of("A10", "fgw")
    ind = Indicator.objects.get(task__code="A10")
    c = client_for("sup_fgw")
    bad = c.post(
        f"{BASE}/reports/",
        {"obligation": ob.pk, "narrative": "", "values": [{"indicator": ind.pk, "value": "abc"}]},
        format="json",
    )
    assert bad.status_code == 400 and bad.json() == {"narrative": ["请填写本期工作进展情况"]}
    bad = c.post(
        f"{BASE}/reports/",
        {"obligation": ob.pk, "narrative": "x", "values": [{"indicator": ind.pk, "value": "abc"}]},
        format="json",
    )
    assert bad.status_code == 400 and "应为数字" in bad.json()[f"value_{ind.pk}"][0]
    assert c.post(f"{BASE}/reports/", {"narrative": "x"}, format="json").status_code == 400
    assert c.post(f"{BASE}/reports/", "not json", content_type="application/json").status_code == 400
    assert not Report.objects.exists()


def test_a_unit_cannot_file_for_another_unit(open_period, client_for):
    open_period(at(2024, 8, 5, 10), "A02")
    kjj_ob = obligation_of("A02", "kjj")
    response = client_for("sup_fgw").post(
        f"{BASE}/reports/", {"obligation": kjj_ob.pk, "narrative": "x"}, format="json"
    )
    assert response.status_code == 403  # 市发改委 sees A02 (co-unit) but files only its own


def test_correction_through_the_api(open_period, client_for, user):
    open_period(at(2024, 8, 5, 10), "A10")
    ind = Indicator.objects.get(task__code="A10")
    report = services.report_submit(
        obligation=obligation_of("A10", "fgw"), actor=user("sup_fgw"), narrative="x", values={ind.pk: "1"}
    )
    c = client_for("sup_fgw")
    url = f"{BASE}/reports/{report.pk}/correct/"
    assert c.post(url, {"reason": "", "narrative": "y"}, format="json").json() == {
        "reason": ["请填写更正原因"]
    }
    new = c.post(
        url,
        {"reason": "录入错误", "narrative": "y", "values": [{"indicator": ind.pk, "value": "2"}]},
        format="json",
    )
    assert new.status_code == 201 and new.json()["version"] == 2 and new.json()["supersedes"] == report.pk
    stale = c.post(
        url,
        {"reason": "再改", "narrative": "z", "values": [{"indicator": ind.pk, "value": "3"}]},
        format="json",
    )
    assert stale.status_code == 409
    assert (
        client_for("city_gxj").post(url, {"reason": "x", "narrative": "x"}, format="json").status_code == 403
    )
    versions = c.get(f"{BASE}/tasks/{ind.task_id}/reports/").json()["results"]
    assert [r["version"] for r in versions] == [2, 1]


def test_obligations_list_is_what_the_unit_owes(open_period, client_for):
    open_period(at(2026, 11, 25, 10), "B05", "B07")
    mine = client_for("sup_fgw").get(f"{BASE}/obligations/?page_size=100").json()["results"]
    assert [(o["task"]["code"], o["unit"]["name"], o["status"]) for o in mine] == [
        ("B05", "市发展和改革委员会", "open")
    ]
    assert mine[0]["due_at"] == "2026-12-08T00:00:00+08:00"
    everything = client_for("sup_zfb").get(f"{BASE}/obligations/?page_size=100").json()["results"]
    assert len(everything) == 10 + 13 + 1 + 13  # B05: 10 leads + 13 counties; B07: 1 lead + 13 counties


def test_supervisor_actions(client_for):
    task = Task.objects.get(code="B07")
    url = f"{BASE}/tasks/{task.pk}"
    assert client_for("sup_zwfw").post(f"{url}/complete/", {"note": "x"}, format="json").status_code == 403
    c = client_for("sup_zfb")
    done = c.post(f"{url}/complete/", {"note": "已全面推行"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert c.post(f"{url}/complete/", {"note": "again"}, format="json").status_code == 409
    assert c.post(f"{url}/reopen/", {"reason": "仍有问题"}, format="json").json()["completed_at"] is None
    assert c.post(f"{url}/schedule/", {"report_frequency": "daily"}, format="json").status_code == 400
    assert (
        c.post(f"{url}/schedule/", {"report_frequency": "weekly"}, format="json").json()["report_frequency"]
        == "weekly"
    )


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (
            {
                "direction": "at_least",
                "target": "2000",
                "deadline": "2024-12-31",
                "value": "2000",
                "as_of": "2024-10-31",
            },
            "done",
            "已完成",
        ),
        (
            {
                "direction": "more_than",
                "target": "40",
                "deadline": "2024-12-31",
                "value": "40",
                "as_of": "2024-12-31",
                "date": "2025-01-01",
            },
            "overdue",
            "已逾期",
        ),
        (
            {
                "direction": "at_least",
                "target": "1000",
                "deadline": "2025-01-01",
                "baseline": "0",
                "start": "2024-01-01",
                "value": "399",
                "as_of": "2024-07-02",
                "date": "2024-07-30",
            },
            "at_risk",
            "低于时间进度的 80%",
        ),
    ],
)
def test_status_preview_is_the_boards_rule(client_for, body, status, says):
    response = client_for("outsider").post(
        f"{BASE}/status/evaluate/", {"date": "2024-11-01", **body}, format="json"
    )
    data = response.json()
    assert response.status_code == 200 and data["status"] == status
    assert data["rule_set"] == {"key": "supervision.status", "version": 1, "valid_from": "2024-07-28"}
    assert says in "".join(data["explanation"])


def test_status_preview_rejects_incomplete_figures(client_for):
    c = client_for("sup_zfb")
    r = c.post(
        f"{BASE}/status/evaluate/", {"direction": "at_least", "target": "1", "value": "1"}, format="json"
    )
    assert r.status_code == 400 and "as_of" in r.json()
    r = c.post(
        f"{BASE}/status/evaluate/",
        {"direction": "at_least", "target": "1", "date": "2024-01-01"},
        format="json",
    )
    assert r.status_code == 400 and "没有生效的状态判定规则版本" in r.json()["date"][0]
    r = c.post(f"{BASE}/status/evaluate/", {"direction": "sideways", "target": "x"}, format="json")
    assert r.status_code == 400 and {"direction", "target"} <= set(r.json())
