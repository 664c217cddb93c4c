"""Celery tasks of the platform: thin wrappers around services.

`enqueue(task, *args)` is how services ask for background work: it publishes after the
transaction commits and never lets a broker failure reach the request — the work is already
recorded in the database (a deadline row, an outbox row) and the periodic sweep picks it up.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError

log = logging.getLogger(__name__)


def _publish(task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except (KombuError, OSError, ConnectionError, TimeoutError) as exc:
        log.warning("broker unavailable, %s left for the periodic sweep: %s", task.name, exc)
    except Exception as exc:
        if exc.__class__.__module__.startswith(("redis", "kombu", "amqp")):
            log.warning("broker unavailable, %s left for the periodic sweep: %s", task.name, exc)
        else:
            raise


def enqueue(task: Any, *args: Any, **kwargs: Any) -> None:
    """Publish `task` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: _publish(task, args, kwargs))


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
