"""Deliver pending outbox messages (email, SMS).

A message is claimed by setting `locked_until` with a conditional UPDATE (so two dispatchers
never send the same row at once), sent, then marked sent. A dispatcher that dies after sending
and before marking leaves the lock to expire and the message is sent again: external delivery is
at-least-once (in-app notifications, which live in the database, are exactly-once).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from portal.models import OutboxMessage
from portal.notifications.sms import get_backend

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
LOCK_SECONDS = 120


def outbox_dispatch(*, limit: int = 500) -> dict[str, int]:
    now = timezone.now()
    candidates = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    sent = failed = 0
    sms = None
    for message_id in candidates:
        lock = now + timedelta(seconds=LOCK_SECONDS)
        claimed = (
            OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.PENDING)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            .update(locked_until=lock)
        )
        if not claimed:
            continue
        message = OutboxMessage.objects.get(pk=message_id)
        try:
            if message.channel == OutboxMessage.Channel.EMAIL:
                send_mail(message.subject, message.body, None, [message.to])
            else:
                sms = sms or get_backend()
                sms.send(message.to, message.body)
        except Exception as exc:
            attempts = message.attempts + 1
            OutboxMessage.objects.filter(pk=message_id).update(
                attempts=attempts,
                last_error=str(exc)[:2000],
                locked_until=None,
                status=OutboxMessage.Status.FAILED
                if attempts >= MAX_ATTEMPTS
                else OutboxMessage.Status.PENDING,
                next_attempt_at=now + timedelta(minutes=2**attempts),
            )
            log.warning("outbox message %s failed (attempt %s): %s", message_id, attempts, exc)
            failed += 1
            continue
        OutboxMessage.objects.filter(pk=message_id).update(
            status=OutboxMessage.Status.SENT,
            sent_at=timezone.now(),
            attempts=message.attempts + 1,
            locked_until=None,
        )
        sent += 1
    return {"sent": sent, "failed": failed}
