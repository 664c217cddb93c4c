"""PostgreSQL-only: concurrent Idempotency-Key replays create one object."""

import threading

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.models import IdempotencyRecord
from portal.personas import DEMO_PASSWORD
from tests.conftest import needs_postgres

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_concurrent_replays_of_one_key_run_once(persona):
    needs_postgres()
    user = persona("yicheng")
    persona("xiping")
    statuses, bodies = [], []
    barrier = threading.Barrier(4)

    def post():
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            response = client.post(
                "/api/v1/auth/token/",
                {"username": "xiping", "password": DEMO_PASSWORD},
                format="json",
                HTTP_IDEMPOTENCY_KEY="same-key",
            )
            statuses.append(response.status_code)
            bodies.append(response.content)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200, 200, 200, 200]
    assert len(set(bodies)) == 1
    assert IdempotencyRecord.objects.filter(key="same-key").count() == 1
    assert Token.objects.filter(user__username="xiping").count() == 1


def test_two_sweeps_at_once_mark_each_deadline_once_and_notify_once(persona):
    """Two workers run the sweep at the same moment (a doubled beat tick): SKIP LOCKED splits the
    rows between them, no deadline is marked twice and nobody gets a second notification."""
    needs_postgres()
    from datetime import timedelta

    from django.utils import timezone

    from portal.deadlines import deadline_create, deadline_sweep
    from portal.models import Deadline, Notification, OrgUnit

    persona("yicheng")
    county = OrgUnit.objects.get(code="yicheng")
    now = timezone.now()
    for i in range(40):
        deadline_create(
            subject=county,
            kind="test.race",
            title=f"并发核报{i}",
            responsible_unit=county,
            starts_at=now - timedelta(hours=3),
            due_at=now - timedelta(minutes=1, seconds=i),
            remind_at=None,
        )
    totals = []
    barrier = threading.Barrier(2)

    def sweep():
        try:
            barrier.wait()
            totals.append(deadline_sweep(now=now, batch=7))  # small batches: the two interleave
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(t["overdue"] for t in totals) == 40
    assert Deadline.objects.filter(kind="test.race", status=Deadline.Status.OVERDUE).count() == 40
    notes = Notification.objects.filter(recipient__username="yicheng", title__startswith="已逾期：并发核报")
    assert notes.count() == 40
    assert notes.values("dedupe_key").distinct().count() == 40
    assert sum(t["notifications"] for t in totals) >= 40
