"""A real Celery worker against Redis runs the sweep (make test-pg), and publishing never
fails a request when the broker is down."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal.deadlines import deadline_create
from portal.models import Deadline, Notification, OrgUnit
from portal.tasks import deadline_sweep, enqueue

ROOT = Path(__file__).resolve().parents[2]


def test_enqueue_with_the_broker_down_logs_and_carries_on(
    db, caplog, django_capture_on_commit_callbacks, monkeypatch
):
    from celery import Celery

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery reads it before its own conf

    down = Celery("down", set_as_current=False)
    down.conf.broker_url = "redis://127.0.0.1:1/0"
    down.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS | {"max_retries": 0}
    down.conf.broker_connection_timeout = 1

    @down.task(name="test.noop")
    def noop() -> None:  # pragma: no cover - never delivered
        pass

    started = time.monotonic()
    with caplog.at_level("WARNING", logger="portal.tasks"), django_capture_on_commit_callbacks(execute=True):
        enqueue(noop)
    assert "broker unavailable" in caplog.text
    assert time.monotonic() - started < 10  # a request is not held up for long


@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_the_sweep(persona):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.fail("this test needs CELERY_BROKER_URL=redis://… (make test-pg)")
    persona("yicheng")
    county = OrgUnit.objects.get(code="yicheng")
    now = timezone.now()
    d = deadline_create(
        subject=county,
        kind="test.worker",
        title="核报",
        responsible_unit=county,
        starts_at=now - timedelta(hours=3),
        due_at=now - timedelta(minutes=1),
    )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
    }
    queue = f"test-{os.getpid()}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline_sweep.apply_async(queue=queue)
        for _ in range(60):
            d.refresh_from_db()
            if d.status == Deadline.Status.OVERDUE:
                break
            time.sleep(0.5)
        assert d.status == Deadline.Status.OVERDUE
        assert Notification.objects.filter(recipient__username="yicheng", level="urgent").count() == 1
    finally:
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
    assert "Traceback" not in output, output
