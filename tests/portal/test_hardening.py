"""Hardening (issue 10): rate limits on the anonymous doors (Open311 POST, the login page and the
token endpoint) answer 429 in Chinese with Retry-After; uploads are refused by content, and
served only as sandboxed downloads — never rendered from the portal's origin; the production
settings carry the security options (`check --deploy` itself: test_deployment.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from hotline.services.open311 import open311_key_issue
from portal.personas import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
OPEN311 = "/open311/v2/requests.json"


@pytest.fixture
def open_event(persona):
    from django.utils import timezone

    from disaster.models import DisasterType
    from disaster.services import events as ev
    from portal.models import OrgUnit

    def make(code):
        now = timezone.now()
        return ev.event_open(
            actor=persona("city_yjj"),
            type=DisasterType.objects.get(code="flood"),
            title="上传测试",
            started_at=now,
            counties=[ev.CountyStart(OrgUnit.objects.get(code=code), now)],
        )

    return make


@pytest.fixture
def rate(monkeypatch):
    """`rate("login", "3/min")`: a small limit for this test, with empty counters."""
    cache.clear()

    def set_rate(scope: str, value: str) -> None:
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, value)

    yield set_rate
    cache.clear()


def _open311(client, key, n):
    return client.post(
        OPEN311,
        {
            "api_key": key,
            "service_code": "urban-road",
            "address_string": "驿城区雪松路口",
            "description": f"坑{n}",
        },
    )


def test_open311_posts_are_limited_per_address_with_a_chinese_429(db, rate):
    rate("anon_write", "3/min")
    client = Client()
    # made-up keys do not buy a fresh allowance: they all count against the address
    codes = [_open311(client, f"random-key-{n}", n).status_code for n in range(3)]
    assert 429 not in codes
    refused = _open311(client, "random-key-99", 99)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    body = refused.json()
    assert body[0]["code"] == 429 and "请求过于频繁" in body[0]["description"]  # Open311's error list
    # GETs are not limited
    assert client.get("/open311/v2/services.json").status_code == 200


def test_a_registered_open311_client_has_its_own_allowance(db, rate):
    rate("anon_write", "2/min")
    key = open311_key_issue(name="市民服务小程序")[1]
    client = Client()
    assert [_open311(client, key, n).status_code for n in range(2)] == [201, 201]
    assert _open311(client, key, 3).status_code == 429
    # another address without a valid key is counted apart from the client
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _open311(other, "not-a-key", 1).status_code != 429


def test_the_login_page_is_limited_per_address(db, rate, persona):
    rate("login", "3/min")
    persona("xiping")
    client = Client()
    for n in range(3):  # three different usernames: axes' per-username lockout never triggers
        response = client.post("/accounts/login/", {"username": f"guess{n}", "password": "wrong"})
        assert response.status_code == 200
    refused = client.post("/accounts/login/", {"username": "xiping", "password": DEMO_PASSWORD})
    assert refused.status_code == 429
    assert "登录尝试过于频繁" in refused.content.decode() and int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session  # even the right password is not tried
    assert Client(REMOTE_ADDR="10.0.0.8").get("/accounts/login/").status_code == 200


def test_the_token_endpoint_shares_the_login_limit(db, rate, persona):
    rate("login", "2/min")
    persona("xiping")
    client = Client()
    client.post("/accounts/login/", {"username": "guess", "password": "wrong"})
    ok = client.post(
        "/api/v1/auth/token/",
        {"username": "xiping", "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["token"]
    refused = client.post(
        "/api/v1/auth/token/",
        {"username": "xiping", "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("请求过于频繁") and int(refused["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("说明.html", b"<html><script>alert(1)</script></html>", "text/html"),
        ("示意图.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/svg+xml"),
        ("照片.png", b"<html><script>alert(1)</script></html>", "image/png"),
    ],
)
def test_html_and_svg_uploads_are_refused_through_the_pages(
    web, open_event, settings, tmp_path, name, content, declared
):
    from disaster.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    event = open_event("yicheng")
    response = web("yicheng").post(
        f"/disaster/events/{event.pk}/attachments/",
        {"kind": "description", "file": SimpleUploadedFile(name, content, content_type=declared)},
        follow=True,
    )
    assert "类型不被接受" in response.content.decode()
    assert not Attachment.objects.exists() and not any(tmp_path.rglob("*.*"))


def test_a_stored_file_is_only_ever_a_sandboxed_download(web, open_event, settings, tmp_path):
    """Whatever content type the browser declared at upload, the download is an attachment with
    nosniff and a sandboxing CSP; the media folder itself is not served by the portal."""
    from disaster.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    event = open_event("yicheng")
    client = web("yicheng")
    pdf = b"%PDF-1.4 test"
    client.post(
        f"/disaster/events/{event.pk}/attachments/",
        {"kind": "description", "file": SimpleUploadedFile("说明.pdf", pdf, content_type="image/svg+xml")},
    )
    attachment = Attachment.objects.get()
    response = client.get(f"/disaster/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "svg" not in response["Content-Type"] and "html" not in response["Content-Type"]
    assert b"".join(response.streaming_content) == pdf
    assert client.get(f"/media/{attachment.file.name}").status_code == 404


def test_production_settings_carry_the_security_options(tmp_path):
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE']='portal.settings';"
        "from django.conf import settings as s; from portal.middleware import CONTENT_SECURITY_POLICY as csp;"
        "print(json.dumps({'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        " 'httponly': s.SESSION_COOKIE_HTTPONLY, 'hsts': s.SECURE_HSTS_SECONDS, 'ssl': s.SECURE_SSL_REDIRECT,"
        " 'idle': s.SESSION_COOKIE_AGE, 'every': s.SESSION_SAVE_EVERY_REQUEST, 'csp': csp,"
        " 'validators': [v['NAME'].rsplit('.', 1)[1] for v in s.AUTH_PASSWORD_VALIDATORS],"
        " 'axes': s.AXES_FAILURE_LIMIT, 'rates': s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'],"
        " 'csrf_mw': 'django.middleware.csrf.CsrfViewMiddleware' in s.MIDDLEWARE}))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-of-50-chars-1234",
        "ALLOWED_HOSTS": "portal.zhumadian.gov.cn",
        "PORTAL_VAR_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT, check=True
    )
    s = json.loads(out.stdout)
    assert s["session_secure"] and s["csrf_secure"] and s["httponly"] and s["ssl"] and s["csrf_mw"]
    assert s["hsts"] >= 31536000
    assert s["idle"] == 120 * 60 and s["every"]  # idle timeout, renewed on each request
    script_src = next(part for part in s["csp"].split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "MinimumLengthValidator" in s["validators"] and "CommonPasswordValidator" in s["validators"]
    assert s["axes"] == 5
    assert s["rates"] == {"anon_write": "30/min", "login": "20/min"}  # the documented defaults
