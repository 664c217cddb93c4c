"""Celery tasks of the hotline: thin wrappers that load by id and call a service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from hotline.models import ProvincialFeedback
from hotline.provincial import backend

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 10


def push_one(pk: int) -> bool:
    """Claim the row (conditional UPDATE of attempts), send, mark sent. At-least-once."""
    with transaction.atomic():
        row = (
            ProvincialFeedback.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, sent_at__isnull=True)
            .first()
        )
        if row is None or row.attempts >= MAX_ATTEMPTS:
            return False
        row.attempts += 1
        row.save(update_fields=["attempts"])
    try:
        backend().send(row.payload)
    except (OSError, ConnectionError, TimeoutError, ValueError) as exc:
        ProvincialFeedback.objects.filter(pk=pk).update(last_error=str(exc)[:300])
        log.warning("provincial push %s failed: %s", pk, exc)
        return False
    ProvincialFeedback.objects.filter(pk=pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), last_error=""
    )
    return True


@shared_task(name="hotline.tasks.provincial_push", acks_late=True)
def provincial_push(pk: int) -> bool:
    return push_one(pk)


@shared_task(name="hotline.tasks.provincial_push_pending", acks_late=True)
def provincial_push_pending(limit: int = 500) -> int:
    """Retry what an enqueue missed (broker down) or what failed."""
    ids = list(
        ProvincialFeedback.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if push_one(pk))
