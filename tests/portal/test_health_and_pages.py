from unittest import mock

from django.utils import timezone

from portal.models import JobHeartbeat


def test_healthz_reports_database_broker_and_sweep_age(client, db):
    body = client.get("/healthz").json()
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["sweep"]["age_seconds"] is None and body["status"] == "degraded"
    JobHeartbeat.objects.create(
        name="deadline_sweep", last_started_at=timezone.now(), last_finished_at=timezone.now()
    )
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["sweep"]["age_seconds"] < 5


def test_healthz_degraded_when_the_broker_is_down(client, db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    JobHeartbeat.objects.create(name="deadline_sweep", last_finished_at=timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"]["ok"] is False and response.json()["status"] == "degraded"


def test_healthz_503_when_the_database_is_down(client, db):
    with mock.patch("portal.views.connection.cursor", side_effect=Exception("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "down"


def test_pages_need_login_and_render(web):
    assert web(None).get("/").status_code == 302
    for path in ["/", "/deadlines/", "/notifications/", "/org/units/", "/accounts/password/"]:
        response = web("yicheng").get(path)
        assert response.status_code == 200, path
        assert response["Content-Security-Policy"].startswith("default-src 'self'")
        assert "script-src 'self'" in response["Content-Security-Policy"]
    assert web("outsider").get("/audit/").status_code == 403


def test_menu_follows_roles(web):
    assert "审计记录" in web("auditor").get("/").content.decode()
    assert "审计记录" not in web("yicheng").get("/").content.decode()


def test_login_lockout_after_repeated_failures(client, persona, settings):
    persona("xiping")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "xiping", "password": "wrong-password"})
    from portal.personas import DEMO_PASSWORD

    response = client.post("/accounts/login/", {"username": "xiping", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert "暂时锁定" in response.content.decode()


def test_every_page_has_no_inline_script(web):
    html = web("admin").get("/").content.decode()
    assert "<script>" not in html and "<script >" not in html
    assert all('src="' in tag for tag in html.split("<script")[1:])


def test_english_is_a_second_locale(web):
    client = web("yicheng")
    assert "工作台" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Dashboard" in page and "My deadlines" in page


def test_chinese_first_whatever_the_browser_asks(web):
    page = web("yicheng").get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "工作台" in page
