"""In-app notifications (the bell), email and SMS.

`notify(...)` writes Notification rows and, for email/SMS, OutboxMessage rows — all in the
caller's transaction, so the message exists exactly when its cause does. `dedupe_key` makes a
repeated cause (a re-run sweep, a retried request) create nothing new. Delivery of email/SMS is
`outbox_dispatch`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from portal.models import Membership, Notification, OrgUnit, OutboxMessage, User


def unit_recipients(unit: OrgUnit, roles: Iterable[str] | None = None) -> list[User]:
    """Users with an active membership on `unit` (optionally only these roles)."""
    qs = Membership.objects.active().filter(unit=unit, user__is_active=True)
    if roles is not None:
        qs = qs.filter(role_id__in=list(roles))
    ids = set(qs.values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def notify(
    recipients: Iterable[User],
    *,
    title: str,
    body: str = "",
    url: str = "",
    subject: models.Model | None = None,
    level: str = Notification.Level.INFO,
    dedupe_key: str | None = None,
    email: bool = False,
    sms: bool = False,
) -> int:
    """Notify each recipient once per `dedupe_key`. Returns the number of new in-app rows."""
    subject_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    created = 0
    for user in {u.pk: u for u in recipients}.values():
        key = f"{dedupe_key}:u{user.pk}" if dedupe_key else None
        if key and Notification.objects.filter(recipient=user, dedupe_key=key).exists():
            continue
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient=user,
                    level=level,
                    title=title[:200],
                    body=body,
                    url=url,
                    subject_type=subject_type,
                    subject_id=subject.pk if subject is not None else None,
                    dedupe_key=key,
                )
        except IntegrityError:  # a concurrent run created it first: that one counts
            continue
        created += 1
        if email and user.email:
            outbox_add(
                channel=OutboxMessage.Channel.EMAIL,
                to=user.email,
                subject=title,
                body=body,
                dedupe_key=f"{key}:email" if key else None,
            )
        if sms and user.phone:
            outbox_add(
                channel=OutboxMessage.Channel.SMS,
                to=user.phone,
                subject="",
                body=f"{title} {body}".strip(),
                dedupe_key=f"{key}:sms" if key else None,
            )
    return created


def outbox_add(*, channel: str, to: str, body: str, subject: str = "", dedupe_key: str | None = None) -> None:
    if dedupe_key and OutboxMessage.objects.filter(dedupe_key=dedupe_key).exists():
        return
    try:
        with transaction.atomic():
            OutboxMessage.objects.create(
                channel=channel,
                to=to,
                subject=subject[:200],
                body=body,
                dedupe_key=dedupe_key,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return
    from portal.tasks import enqueue, outbox_dispatch

    enqueue(outbox_dispatch)


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
