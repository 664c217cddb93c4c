"""XLSX import (valid rows in, invalid rows back with reasons, idempotent re-import) and the
exports (provincial upload shape, printable publicity list with masked data)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from assistance import columns as C
from assistance.models import Household, HouseholdVersion, ImportBatch, Person, RescreenRun, TierPeriod
from assistance.services.importing import import_create, import_execute
from portal.errors import RuleViolation
from portal.models import AuditEntry

from .factories import household, make_id, person, village

pytestmark = pytest.mark.django_db


def row(**values: Any) -> dict[str, Any]:
    base = {
        "户编号": "YC-001",
        "县（区）": "驿城区",
        "乡镇（街道）": "水屯镇",
        "村（社区）": "水屯村",
        "城乡属性": "农村",
        "与户主关系": "户主",
        "劳动能力": "有劳动能力",
        "是否重病": "否",
        "是否就业": "是",
        "个人年收入（元）": "6000",
        "工资性收入（元/年）": "6000",
        "转移性收入（元/年）": "1200",
        "家庭财产是否符合规定": "是",
        "低收入人口类别": "低保",
        "认定日期": "2024-03-01",
    }
    base.update(values)
    return base


def workbook(rows: list[dict[str, Any]], *, note: bool = False) -> bytes:
    wb = Workbook()
    ws = wb.active
    if note:
        ws.append(["用途：上传省平台"])
    ws.append(C.HEADERS)
    for r in rows:
        ws.append([r.get(h, "") for h in C.HEADERS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run_import(data: bytes, actor, name: str = "台账.xlsx") -> ImportBatch:
    batch = import_create(fileobj=io.BytesIO(data), filename=name, actor=actor)
    return import_execute(batch.pk)


def error_rows(batch: ImportBatch) -> list[tuple[Any, ...]]:
    with batch.error_file.open("rb") as fh:
        ws = load_workbook(io.BytesIO(fh.read())).active
        return list(ws.iter_rows(values_only=True))


@pytest.fixture
def ids():
    return {k: make_id("19700101") for k in ("a1", "a2", "b1", "c1", "c2", "d1")}


@pytest.fixture
def villages(db):
    return village("yicheng-t12", "水屯村"), village("yicheng-t12", "杨楼村")


def sample_rows(ids):
    return [
        row(姓名="甲一", 公民身份号码=ids["a1"]),
        row(
            姓名="甲二", 公民身份号码=ids["a2"], 与户主关系="配偶", 是否就业="否", **{"个人年收入（元）": "0"}
        ),
        row(
            户编号="YC-002",
            **{"村（社区）": "杨楼村"},
            姓名="乙一",
            公民身份号码=ids["b1"],
            低收入人口类别="",
            认定日期="",
        ),
        # Household YC-003: one bad ID → the whole household is returned.
        row(户编号="YC-003", 姓名="丙一", 公民身份号码=ids["c1"]),
        row(户编号="YC-003", 姓名="丙二", 公民身份号码="41170219700101999X", 与户主关系="子女"),
        # Unknown village, and inconsistent household fields on a second row.
        row(户编号="YC-004", **{"村（社区）": "不存在村"}, 姓名="丁一", 公民身份号码=ids["d1"]),
        row(户编号="YC-005", 姓名="戊一", 公民身份号码=make_id("19800101")),
        row(
            户编号="YC-005",
            姓名="戊二",
            公民身份号码=make_id("19800101"),
            与户主关系="子女",
            **{"工资性收入（元/年）": "9999"},
        ),
    ]


def test_import_valid_rows_and_error_file(persona, villages, ids):
    officer = persona("yicheng")
    batch = run_import(workbook(sample_rows(ids)), officer)
    assert batch.status == "done", batch.message
    assert (batch.rows_total, batch.households_created, batch.households_updated, batch.rows_invalid) == (
        8,
        2,
        0,
        5,
    )
    a = Household.objects.get(code="YC-001")
    assert a.members.filter(active=True).count() == 2 and a.tier == "dibao"
    assert a.income_wage == Decimal("6000.00") and a.income_transfer == Decimal("1200.00")
    assert TierPeriod.objects.get(household=a).start.isoformat() == "2024-03-01"
    assert HouseholdVersion.objects.filter(household=a, source="import").exists()
    assert Household.objects.get(code="YC-002").tier is None
    assert not Household.objects.filter(code__in=["YC-003", "YC-004", "YC-005"]).exists()
    assert not Person.objects.filter(id_number=ids["c1"]).exists()  # nothing half-imported
    rows = error_rows(batch)
    header, body = rows[0], rows[1:]
    assert header[-2:] == ("原行号", "错误原因")
    reasons = {r[-2]: r[-1] for r in body}
    assert set(reasons) == {5, 6, 7, 8, 9}
    assert "同户其他行有错误" in reasons[5]
    assert "校验位错误" in reasons[6]
    assert "没有村（社区）「不存在村」" in reasons[7]
    assert "不一致：工资性收入（元/年）" in reasons[9]
    # The original values come back so the clerk can fix them in place.
    assert body[1][C.HEADERS.index("姓名")] == "丙二"
    # The imported households are queued for re-screening as new data.
    assert RescreenRun.objects.filter(trigger="data").exists()
    assert AuditEntry.objects.filter(action="assistance.import.done", object_id=str(batch.pk)).exists()


def test_reimport_same_file_changes_nothing(persona, villages, ids):
    officer = persona("yicheng")
    data = workbook(sample_rows(ids))
    run_import(data, officer)
    versions = HouseholdVersion.objects.count()
    persons = Person.objects.count()
    again = run_import(data, officer)
    assert (again.households_created, again.households_updated, again.households_unchanged) == (0, 0, 2)
    assert again.rows_invalid == 5
    assert HouseholdVersion.objects.count() == versions and Person.objects.count() == persons
    assert Household.objects.count() == 2


def test_reimport_with_changes_updates_with_a_version(persona, villages, ids):
    officer = persona("yicheng")
    run_import(workbook(sample_rows(ids)[:3]), officer)
    changed = sample_rows(ids)[:2]
    for r in changed:
        r["工资性收入（元/年）"] = "7000"
    changed[1]["是否重病"] = "是"
    batch = run_import(workbook(changed), officer)
    assert (batch.households_updated, batch.rows_invalid) == (1, 0)
    a = Household.objects.get(code="YC-001")
    assert a.version == 3 and a.income_wage == Decimal("7000.00")
    latest = a.versions.order_by("-version").first()
    assert latest.source == "import" and latest.reason == "批量导入更新"
    assert Person.objects.get(id_number=ids["a2"]).serious_illness is True


def test_reimport_cannot_change_a_confirmed_tier(persona, villages, ids):
    officer = persona("yicheng")
    run_import(workbook(sample_rows(ids)[:2]), officer)
    rows = sample_rows(ids)[:2]
    for r in rows:
        r["低收入人口类别"] = "低保边缘"
    batch = run_import(workbook(rows), officer)
    assert batch.rows_invalid == 2 and batch.households_updated == 0
    assert "类别变更须经申请认定或核实后退出" in error_rows(batch)[1][-1]
    assert Household.objects.get(code="YC-001").tier == "dibao"


def test_import_outside_jurisdiction_and_numeric_id(persona, villages, ids):
    rows = [row(姓名="甲一", 公民身份号码=ids["a1"])]
    batch = run_import(workbook(rows), persona("xiping"))
    assert batch.rows_invalid == 1 and "不在您的管辖范围内" in error_rows(batch)[1][-1]
    numeric = [row(姓名="甲一", 公民身份号码=int(ids["a1"][:17]) * 10)]
    batch = run_import(workbook(numeric), persona("yicheng"))
    assert "以文本格式填写" in error_rows(batch)[1][-1]


def test_import_rejects_non_xlsx_and_missing_columns(persona):
    with pytest.raises(RuleViolation):
        import_create(fileobj=io.BytesIO(b"name,id\n"), filename="x.csv", actor=persona("yicheng"))
    wb = Workbook()
    wb.active.append(["户编号", "姓名"])
    buf = io.BytesIO()
    wb.save(buf)
    batch = run_import(buf.getvalue(), persona("yicheng"))
    assert batch.status == "failed" and "缺少列" in batch.message


def test_export_provincial_roundtrip_and_audit(web, persona, villages, ids):
    officer = persona("yicheng")
    run_import(workbook(sample_rows(ids)[:3]), officer)
    response = web("yicheng").get("/assistance/export/provincial.xlsx?all=1")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0].startswith("用途") and list(rows[1]) == C.HEADERS
    body = rows[2:]
    assert len(body) == 3  # one row per person
    by_id = {r[C.HEADERS.index("公民身份号码")]: r for r in body}
    a1 = by_id[ids["a1"]]
    assert a1[C.HEADERS.index("家庭人口数")] == 2 and a1[C.HEADERS.index("低收入人口类别")] == "低保"
    assert a1[C.HEADERS.index("家庭人均年收入（元）")] == 3600  # (6000 + 1200) / 2
    entry = AuditEntry.objects.get(action="assistance.export.provincial")
    assert entry.extra["unmasked"] is True and entry.extra["households"] == 2
    # The exported file imports again without changing anything.
    buf = io.BytesIO()
    wb.save(buf)
    again = run_import(buf.getvalue(), officer, name="export.xlsx")
    assert (again.households_unchanged, again.households_updated, again.rows_invalid) == (2, 0, 0)
    # Outsider and a township officer may not export the unmasked file.
    assert web("outsider").get("/assistance/export/provincial.xlsx").status_code == 404
    assert web("shuitun").get("/assistance/export/provincial.xlsx").status_code == 403


def test_import_pages_upload_status_and_error_download(web, persona, villages, ids):
    client = web("yicheng")
    upload = io.BytesIO(workbook(sample_rows(ids)))
    upload.name = "台账.xlsx"
    response = client.post("/assistance/import/", {"file": upload})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    import_execute(batch.pk)
    page = client.get(f"/assistance/import/{batch.pk}/")
    assert "新增户" in page.content.decode() and "下载错误文件" in page.content.decode()
    download = client.get(f"/assistance/import/{batch.pk}/errors.xlsx")
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert web("xiping").get(f"/assistance/import/{batch.pk}/").status_code == 404
    assert web("outsider").get(f"/assistance/import/{batch.pk}/errors.xlsx").status_code == 404
    bad = io.BytesIO(b"<html>not a workbook</html>")
    bad.name = "x.xlsx"
    response = client.post("/assistance/import/", {"file": bad})
    assert response.status_code == 200 and "类型不被接受" in response.content.decode()
    assert web("shuitun").post("/assistance/import/", {"file": upload}).status_code == 403


def test_publicity_print_masks_ids_and_phones(web, persona):
    from assistance.services.applications import application_create, application_review, publicity_start

    officer = persona("shuitun")
    h = household(members=[person("公示甲")], income_wage="2000", phone="13912345678", actor=officer)
    app = application_review(
        application=application_create(household=h, requested_tier="dibao", actor=officer), actor=officer
    )
    publicity_start(application=app, actor=officer)
    page = web("shuitun").get(f"/assistance/publicity/{h.village_id}/")
    text = page.content.decode()
    pid = h.members.first().person.id_number
    assert page.status_code == 200 and "公示甲" in text
    assert pid not in text and (pid[:6] + "********" + pid[-4:]) in text
    assert "13912345678" not in text and "139****5678" in text
    assert web("xiping").get(f"/assistance/publicity/{h.village_id}/").status_code == 404
    assert web("outsider").get(f"/assistance/publicity/{h.village_id}/").status_code == 404
