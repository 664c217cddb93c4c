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
