"""handler500: a lost database is a 503 with Retry-After and a Chinese message (JSON on the API,
the Open311 error list on Open311, a page elsewhere); any other crash a Chinese 500 — never
Django's English page, never a stack trace. The real outage is exercised in tests/faults."""

import pytest
from django.test import Client

pytestmark = pytest.mark.urls("tests.portal.errors_urls")


@pytest.fixture
def client_no_raise():
    return Client(raise_request_exception=False)


def test_a_lost_database_on_the_api_is_503_json(client_no_raise, caplog):
    response = client_no_raise.get("/api/v1/test/database-gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "数据库暂时不可用" in response.json()["detail"]
    assert "server closed" not in response.content.decode()
    assert "server closed the connection" in caplog.text  # the cause is logged for the operators


def test_a_lost_database_on_open311_is_an_open311_error(client_no_raise):
    response = client_no_raise.get("/open311/v2/test/database-gone/")
    assert response.status_code == 503
    assert response.json() == [{"code": 503, "description": response.json()[0]["description"]}]
    assert "数据库" in response.json()[0]["description"]


def test_a_lost_database_on_a_page_is_a_chinese_503_page(client_no_raise):
    response = client_no_raise.get("/test/database-gone/")
    assert response.status_code == 503
    text = response.content.decode()
    assert "服务暂时不可用" in text and "数据库暂时不可用" in text
    assert "<script" not in text


def test_any_other_crash_is_a_chinese_500(client_no_raise):
    response = client_no_raise.get("/test/bug/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "服务器内部错误" in text and "ZeroDivisionError" not in text and "Server Error" not in text
    assert "Retry-After" not in response
