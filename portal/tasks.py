"""Celery tasks of the platform: thin wrappers around services.

`enqueue(task, *args)` is how services ask for background work: it publishes after the
transaction commits and never lets a broker failure reach the request — the work is already
recorded in the database (a deadline row, an outbox row) and the periodic sweep picks it up.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError

log = logging.getLogger(__name__)


# After a failed publish, publishing to that broker is skipped for this long (per process): a hung
# broker costs one socket timeout per process and cool-off, not one per task per request.
COOL_OFF_SECONDS = 30.0
_broker_down_until: dict[str, float] = {}


def _broker_key(task: Any) -> str:
    return str(getattr(getattr(task, "app", None), "conf", {}).get("broker_url") or "")


def _publish(task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    broker = _broker_key(task)
    if time.monotonic() < _broker_down_until.get(broker, 0.0):
        log.info("broker unavailable (cooling off), %s left for the periodic sweep", task.name)
        return
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except (KombuError, OSError, ConnectionError, TimeoutError) as exc:
        _broker_down_until[broker] = time.monotonic() + COOL_OFF_SECONDS
        log.warning("broker unavailable, %s left for the periodic sweep: %s", task.name, exc)
    except Exception as exc:
        if exc.__class__.__module__.startswith(("redis", "kombu", "amqp")):
            _broker_down_until[broker] = time.monotonic() + COOL_OFF_SECONDS
            log.warning("broker unavailable, %s left for the periodic sweep: %s", task.name, exc)
        else:
            raise
    else:
        _broker_down_until.pop(broker, None)


def enqueue(task: Any, *args: Any, **kwargs: Any) -> None:
    """Publish `task` once the current transaction commits (at once outside a transaction).
    The same task with the same arguments is published once per transaction: ten outbox rows
    written by one request wake the outbox dispatcher once."""
    key = (task.name, args, tuple(sorted(kwargs.items())))
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        getattr(callback, "enqueue_key", None) == key for _, callback, _ in connection.run_on_commit
    ):
        return

    def publish() -> None:
        _publish(task, args, kwargs)

    publish.enqueue_key = key  # type: ignore[attr-defined]
    transaction.on_commit(publish)


@shared_task(name="portal.tasks.deadline_sweep", acks_late=True)
def deadline_sweep() -> dict[str, int]:
    from portal.deadlines import deadline_sweep as sweep

    return sweep()


@shared_task(name="portal.tasks.outbox_dispatch", acks_late=True)
def outbox_dispatch() -> dict[str, int]:
    from portal.notifications.outbox import outbox_dispatch as dispatch

    return dispatch()


@shared_task(name="portal.tasks.audit_seal", acks_late=True)
def audit_seal() -> int:
    from portal.audit import audit_seal as seal

    return seal()


@shared_task(name="portal.tasks.idempotency_prune")
def idempotency_prune() -> int:
    from portal.models import IdempotencyRecord

    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEEP_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
