from io import BytesIO

import pytest
from openpyxl import Workbook

from portal.access import has_role
from portal.errors import RuleViolation
from portal.models import Membership, User
from portal.org import IMPORT_COLUMNS, users_import_xlsx


def workbook(rows, header=IMPORT_COLUMNS):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


ROWS = [
    ["zhang3", "张三", "13900000001", "z3@example.invalid", "shangcai", "county_officer", "Shangcai-2024-ok"],
    ["li4", "李四", "13900000002", "", "yicheng-t01", "township_officer", "Renmin-2024-ok"],
    ["", "无名", "", "", "yicheng", "county_officer", "x"],
    ["wang5", "王五", "", "", "no-such-unit", "county_officer", "Wang-2024-okay"],
    ["zhao6", "赵六", "", "", "xiping", "no_such_role", "Zhao-2024-okay"],
    ["qian7", "钱七", "", "", "xiping", "county_officer", "123"],
]


def test_import_valid_rows_and_report_the_rest(persona):
    result = users_import_xlsx(fileobj=workbook(ROWS), actor=persona("admin"))
    assert (result.created, result.memberships) == (2, 2)
    errors = dict(result.errors)
    assert set(errors) == {4, 5, 6, 7}
    assert "用户名为空" in errors[4]
    assert any("no-such-unit" in e for e in errors[5])
    assert any("no_such_role" in e for e in errors[6])
    assert errors[7]  # the password validators' messages
    assert has_role(User.objects.get(username="zhang3"), "county_officer")


def test_reimporting_the_same_file_changes_nothing(persona):
    admin = persona("admin")
    users_import_xlsx(fileobj=workbook(ROWS), actor=admin)
    before = (User.objects.count(), Membership.objects.count())
    again = users_import_xlsx(fileobj=workbook(ROWS), actor=admin)
    assert (again.created, again.updated, again.memberships) == (0, 0, 0)
    assert (User.objects.count(), Membership.objects.count()) == before


def test_missing_columns_and_unreadable_files(persona):
    with pytest.raises(RuleViolation, match="缺少列"):
        users_import_xlsx(fileobj=workbook([], header=["用户名"]), actor=persona("admin"))
    with pytest.raises(RuleViolation, match="无法读取"):
        users_import_xlsx(fileobj=BytesIO(b"not a spreadsheet"), actor=persona("admin"))


def test_admin_import_page(web):
    client = web("admin")
    assert client.get("/admin/portal/user/import/").status_code == 200
    response = client.post("/admin/portal/user/import/", {"file": workbook(ROWS[:3])})
    page = response.content.decode()
    assert response.status_code == 200 and "用户名为空" in page
    assert User.objects.filter(username="li4").exists()
