"""No Docker engine runs here: parse the compose file and check its production shape, and
check the settings helper and the embedded-default settings."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal import env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_has_the_production_services(compose):
    services = compose["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat"}
    assert services["db"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    beat = services["beat"]["command"]
    assert (
        beat[:4] == ["celery", "-A", "portal", "beat"]
        and "django_celery_beat.schedulers:DatabaseScheduler" in beat
    )
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert set(compose["volumes"]) >= {"pgdata", "redisdata", "media"}


def test_compose_health_checks_and_ordering(compose):
    services = compose["services"]
    for name in ("db", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    for name in ("web", "worker", "beat"):
        deps = services[name]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully"
        assert deps["db"]["condition"] == deps["redis"]["condition"] == "service_healthy"


def test_compose_environment_points_at_postgres_and_redis_without_secrets(compose):
    for name in ("migrate", "web", "worker", "beat"):
        environment = compose["services"][name]["environment"]
        assert environment["DEBUG"] == "false"
        assert environment["DATABASE_URL"].startswith("postgres://portal:${POSTGRES_PASSWORD")
        assert environment["CELERY_BROKER_URL"] == "redis://redis:6379/0"
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_every_variable_read_by_settings_is_in_env_example():
    import re

    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    source = (ROOT / "portal" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env_\w+\(\s*"([A-Z][A-Z0-9_]+)"', source))
    assert read - documented == set()


def test_settings_helper_refuses_bad_values(monkeypatch):
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env.env_bool("X_BOOL", False)
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env.env_int("X_INT", 1)
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="minimum"):
        env.env_int("X_INT", 1, minimum=1)
    monkeypatch.setenv("X_URL", "mysql://x")
    with pytest.raises(ImproperlyConfigured, match="X_URL"):
        env.env_url("X_URL", "sqlite://", schemes=("sqlite", "postgres"))
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env.env_list("X_LIST", []) == ["a", "b", "c"]
    with pytest.raises(ImproperlyConfigured, match="required"):
        env.env_str("X_MISSING")


def test_secret_key_required_when_debug_is_off(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='portal.settings'; "
            "from django.conf import settings; settings.SECRET_KEY",
        ],
        env={"PATH": "/usr/bin:/bin", "DEBUG": "false", "PORTAL_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode != 0 and "SECRET_KEY is required" in result.stderr


def test_locale_and_time_zone():
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


def test_sqlite_default_uses_wal_and_a_busy_timeout(tmp_path):
    import subprocess
    import sys

    code = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE']='portal.settings'; django.setup();"
        "from django.db import connection; c=connection.cursor();"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], connection.settings_dict['OPTIONS']['timeout'],"
        " connection.settings_dict['OPTIONS']['transaction_mode'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin", "DEBUG": "true", "PORTAL_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert result.stdout.split() == ["wal", "30", "IMMEDIATE"]


def test_production_settings_pass_check_deploy(tmp_path):
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-of-50-chars-1234",
        "ALLOWED_HOSTS": "portal.zhumadian.gov.cn",
        "PORTAL_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
