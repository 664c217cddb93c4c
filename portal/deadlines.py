"""The shared deadline engine.

* `deadline_create` when the trigger happens (idempotent on subject + kind + due time);
* `deadline_meet` / `deadline_cancel` / `deadline_reschedule` when the obligation is done,
  dropped or moved;
* `deadline_sweep` (Celery beat, every minute) sends reminders, marks overdue rows, escalates
  and creates the next occurrence of recurring obligations.

Idempotency: every sweep step claims its rows with a conditional UPDATE (PostgreSQL: after
`SELECT … FOR UPDATE SKIP LOCKED`, so concurrent sweeps take disjoint rows) and writes the
resulting notifications in the same transaction. A sweep killed halfway rolls back both the
claim and its notifications; the next sweep does them once. Notification rows also carry a
unique dedupe key, as a second line of defence.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from portal.audit import audit_record
from portal.errors import InvalidTransition
from portal.models import Deadline, JobHeartbeat, Membership, Notification, OrgUnit, OutboxMessage, User

log = logging.getLogger(__name__)
S = Deadline.Status


@dataclass
class KindSpec:
    """Per-kind behaviour an app registers (all optional)."""

    kind: str
    label: str = ""
    # Roles on the responsible unit that are notified (None: every member of the unit).
    notify_roles: list[str] | None = None
    sms: bool = False  # also send SMS (urgent kinds)
    email: bool = False
    # Called inside the sweep's transaction with the deadlines it just marked overdue / reminded.
    on_overdue: Callable[[list[Deadline]], None] | None = None
    on_remind: Callable[[list[Deadline]], None] | None = None
    # Extra recipients (e.g. the on-duty roster) for a deadline's notifications.
    extra_recipients: Callable[[Deadline], Iterable[User]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_kinds: dict[str, KindSpec] = {}


def register_kind(kind: str, **options: Any) -> KindSpec:
    spec = KindSpec(kind=kind, **options)
    _kinds[kind] = spec
    return spec


def kind_spec(kind: str) -> KindSpec:
    return _kinds.get(kind) or KindSpec(kind=kind)


def default_remind_at(starts_at: datetime, due_at: datetime) -> datetime | None:
    """A quarter of the period before the due time, at least 10 minutes and at most a day."""
    period = due_at - starts_at
    lead = max(min(period / 4, timedelta(days=1)), timedelta(minutes=10))
    remind = due_at - lead
    return remind if remind > starts_at else None


def _subject_filter(subject: models.Model) -> dict[str, Any]:
    return {"subject_type": ContentType.objects.get_for_model(subject), "subject_id": subject.pk}


def deadline_create(
    *,
    subject: models.Model,
    kind: str,
    title: str,
    responsible_unit: OrgUnit,
    due_at: datetime,
    starts_at: datetime | None = None,
    remind_at: datetime | bool | None = True,
    escalate_to: OrgUnit | None = None,
    recurrence: dict[str, Any] | None = None,
    rule_set: Any = None,
    basis: str = "",
    url: str = "",
    urgent: bool = False,
    previous: Deadline | None = None,
    new_subject: bool = False,
) -> Deadline:
    """Create the deadline (or return the existing identical one). `remind_at=True` picks the
    default reminder time, `None`/`False` means no reminder. `new_subject=True` says the
    subject was created in this transaction, so it has no deadline yet: the duplicate check
    and its savepoint are skipped (three queries less per hotline intake)."""
    if timezone.is_naive(due_at):
        raise ValueError("due_at must be timezone-aware")
    starts = starts_at or timezone.now()
    if due_at < starts:
        starts = due_at
    remind: datetime | None
    if remind_at is True:
        remind = default_remind_at(starts, due_at)
    elif remind_at is False or remind_at is None:
        remind = None
    else:
        remind = remind_at
    lookup = {**_subject_filter(subject), "kind": kind, "due_at": due_at}
    fields = dict(
        title=title[:200],
        responsible_unit=responsible_unit,
        escalate_to=escalate_to if escalate_to is not None else responsible_unit.parent,
        starts_at=starts,
        remind_at=remind,
        recurrence=recurrence,
        rule_set=rule_set,
        basis=basis,
        url=url,
        urgent=urgent,
        previous=previous,
    )
    if new_subject:
        return Deadline.objects.create(**lookup, **fields)
    existing = Deadline.objects.filter(**lookup).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Deadline.objects.create(**lookup, **fields)
    except IntegrityError:
        return Deadline.objects.get(**lookup)


def open_deadlines(subject: models.Model, kind: str | None = None) -> models.QuerySet[Deadline]:
    qs = Deadline.objects.filter(
        **_subject_filter(subject), status__in=[S.OPEN, S.OVERDUE], met_at__isnull=True
    )
    return qs.filter(kind=kind) if kind else qs


def deadline_meet(
    *,
    subject: models.Model,
    kind: str,
    at: datetime | None = None,
    actor: Any = None,
    which: str = "earliest",
) -> list[Deadline]:
    """Mark the subject's open (or overdue) deadline(s) of `kind` as met at `at` (the real time
    the obligation was fulfilled — for a report entered after an outage, the time it was made).
    `which`: "earliest" closes the earliest one, "all" closes every one, "period" (alias
    "due_after_at") closes the one whose period [starts_at, due_at] contains `at` — or, when
    none does, the earliest one already due before `at` (met late). So each fulfilment meets
    one occurrence of a recurring obligation and never a future one. A recurring deadline
    creates its next occurrence. Returns the deadlines closed."""
    moment = at or timezone.now()
    with transaction.atomic():
        qs = open_deadlines(subject, kind).select_for_update().order_by("due_at", "pk")
        rows = list(qs)
        if which == "earliest":
            rows = rows[:1]
        elif which in ("period", "due_after_at"):
            current = [d for d in rows if d.starts_at <= moment <= d.due_at]
            rows = current[:1] or [d for d in rows if d.due_at < moment][:1]
        elif which != "all":
            raise ValueError(f"unknown which={which!r}")
        closed = []
        for deadline in rows:
            Deadline.objects.filter(pk=deadline.pk).update(status=S.MET, met_at=moment)
            deadline.status, deadline.met_at = S.MET, moment
            closed.append(deadline)
            if deadline.recurrence:
                _spawn_next([deadline])
        if closed and actor is not None:
            for deadline in closed:
                audit_record(
                    actor=actor,
                    action="portal.deadline.meet",
                    obj=deadline,
                    after={"met_at": moment, "late": deadline.was_late},
                )
        return closed


def deadline_cancel(*, subject: models.Model, kind: str | None = None, reason: str, actor: Any = None) -> int:
    """Cancel the subject's open deadlines (of `kind`); recurring series stop here. Overdue
    ones stay overdue: cancelling must not hide a missed deadline."""
    with transaction.atomic():
        rows = list(
            Deadline.objects.filter(
                **_subject_filter(subject), status=S.OPEN, **({"kind": kind} if kind else {})
            )
            .select_for_update()
            .order_by("pk")
        )
        for deadline in rows:
            Deadline.objects.filter(pk=deadline.pk, status=S.OPEN).update(
                status=S.CANCELLED, cancelled_reason=reason[:200]
            )
            audit_record(actor=actor, action="portal.deadline.cancel", obj=deadline, extra={"reason": reason})
        return len(rows)


def deadline_reschedule(*, deadline: Deadline, due_at: datetime, reason: str, actor: Any = None) -> Deadline:
    """Move an open deadline (an approved extension). An overdue one cannot be moved back."""
    with transaction.atomic():
        locked = Deadline.objects.select_for_update().get(pk=deadline.pk)
        if locked.status != S.OPEN:
            raise InvalidTransition("只有未到期的时限可以调整")
        before = {"due_at": locked.due_at, "remind_at": locked.remind_at}
        locked.due_at = due_at
        locked.remind_at = default_remind_at(timezone.now(), due_at)
        locked.reminded_at = None
        locked.save(update_fields=["due_at", "remind_at", "reminded_at"])
        audit_record(
            actor=actor,
            action="portal.deadline.reschedule",
            obj=locked,
            before=before,
            after={"due_at": due_at, "reason": reason},
        )
        return locked


# --- recurrence -----------------------------------------------------------------------------


def next_due(deadline: Deadline) -> datetime | None:
    rec = deadline.recurrence or {}
    if "every_seconds" in rec:
        step = timedelta(seconds=int(rec["every_seconds"]))
    elif "every_days" in rec:
        step = timedelta(days=int(rec["every_days"]))
    elif "every_hours" in rec:
        step = timedelta(hours=int(rec["every_hours"]))
    elif rec.get("yearly"):
        local = timezone.localtime(deadline.due_at)
        try:
            return local.replace(year=local.year + 1)
        except ValueError:  # 29 February
            return local.replace(year=local.year + 1, day=28)
    else:
        return None
    nxt = deadline.due_at + step
    until = rec.get("until")
    if until and nxt > datetime.fromisoformat(until):
        return None
    return nxt


def _spawn_next(deadlines: Iterable[Deadline]) -> list[Deadline]:
    created = []
    for d in deadlines:
        due = next_due(d)
        if due is None or Deadline.objects.filter(previous=d).exists():
            continue
        remind = None
        if d.remind_at:
            remind = due - (d.due_at - d.remind_at)
        try:
            with transaction.atomic():
                created.append(
                    Deadline.objects.create(
                        subject_type_id=d.subject_type_id,
                        subject_id=d.subject_id,
                        kind=d.kind,
                        title=d.title,
                        responsible_unit_id=d.responsible_unit_id,
                        escalate_to_id=d.escalate_to_id,
                        starts_at=d.due_at,
                        due_at=due,
                        remind_at=remind,
                        recurrence=d.recurrence,
                        rule_set_id=d.rule_set_id,
                        basis=d.basis,
                        url=d.url,
                        urgent=d.urgent,
                        previous=d,
                    )
                )
        except IntegrityError:
            continue
    return created


# --- the sweep ------------------------------------------------------------------------------


def _recipients_by_unit(unit_ids: set[int], now: datetime) -> dict[int, list[tuple[int, str, str, str]]]:
    """unit id → [(user id, role, email, phone)] of active members."""
    out: dict[int, list[tuple[int, str, str, str]]] = defaultdict(list)
    rows = (
        Membership.objects.active(now)
        .filter(unit_id__in=unit_ids, user__is_active=True)
        .values_list("unit_id", "user_id", "role_id", "user__email", "user__phone")
    )
    for unit_id, user_id, role, email, phone in rows:
        out[unit_id].append((user_id, role, email, phone))
    return out


def _notify_bulk(deadlines: list[Deadline], stage: str, now: datetime) -> int:
    """Create the notifications of one sweep stage for the claimed deadlines, in bulk."""
    if not deadlines:
        return 0
    units = {d.responsible_unit_id for d in deadlines}
    if stage == "overdue":
        units |= {d.escalate_to_id for d in deadlines if d.escalate_to_id}
    members = _recipients_by_unit(units, timezone.now())  # who holds the unit today
    notes: list[Notification] = []
    outbox: list[OutboxMessage] = []
    for d in deadlines:
        spec = kind_spec(d.kind)
        local_due = timezone.localtime(d.due_at)
        targets: list[tuple[int, str, str, str, str]] = []  # user, email, phone, key suffix, title
        if stage == "remind":
            title = f"即将到期：{d.title}（{local_due:%m-%d %H:%M} 前）"
            level = Notification.Level.WARNING
        else:
            title = f"已逾期：{d.title}（应于 {local_due:%m-%d %H:%M} 前完成）"
            level = Notification.Level.URGENT
        for user_id, role, email, phone in members.get(d.responsible_unit_id, []):
            if spec.notify_roles is None or role in spec.notify_roles:
                targets.append((user_id, email, phone, stage, title))
        if stage == "overdue" and d.escalate_to_id:
            unit_name = d.responsible_unit.name
            esc_title = f"督办：{unit_name}「{d.title}」已逾期"
            for user_id, _role, email, phone in members.get(d.escalate_to_id, []):
                targets.append((user_id, email, phone, "escalate", esc_title))
        if spec.extra_recipients:
            for user in spec.extra_recipients(d):
                targets.append((user.pk, user.email, user.phone, stage, title))
        seen: set[tuple[int, str]] = set()
        for user_id, email, phone, suffix, text in targets:
            if (user_id, suffix) in seen:
                continue
            seen.add((user_id, suffix))
            key = f"deadline:{d.pk}:{suffix}:u{user_id}"
            notes.append(
                Notification(
                    recipient_id=user_id,
                    level=level,
                    title=text[:200],
                    url=d.url,
                    subject_type_id=d.subject_type_id,
                    subject_id=d.subject_id,
                    dedupe_key=key,
                )
            )
            if (spec.sms or d.urgent) and phone:
                outbox.append(
                    OutboxMessage(
                        channel="sms", to=phone, body=text, dedupe_key=f"{key}:sms", next_attempt_at=now
                    )
                )
            if spec.email and email:
                outbox.append(
                    OutboxMessage(
                        channel="email",
                        to=email,
                        subject=text[:200],
                        body=text,
                        dedupe_key=f"{key}:email",
                        next_attempt_at=now,
                    )
                )
    Notification.objects.bulk_create(notes, ignore_conflicts=True, batch_size=2000)
    if outbox:
        OutboxMessage.objects.bulk_create(outbox, ignore_conflicts=True, batch_size=2000)
    return len(notes)


def _claim(filter_q: Q, order: str, update: dict[str, Any], batch: int) -> list[Deadline]:
    """Inside a transaction: lock up to `batch` matching rows (skipping rows another sweep holds),
    apply `update` to those still matching, and return them."""
    ids = list(
        Deadline.objects.filter(filter_q)
        .order_by(order)
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:batch]
    )
    if not ids:
        return []
    Deadline.objects.filter(filter_q, pk__in=ids).update(**update)
    marker = next(iter(update))
    return list(
        Deadline.objects.filter(pk__in=ids, **{marker: update[marker]}).select_related("responsible_unit")
    )


def deadline_sweep(*, now: datetime | None = None, batch: int = 2000) -> dict[str, int]:
    """One pass: reminders, then overdue marks with escalation and next occurrences."""
    now = now or timezone.now()
    JobHeartbeat.objects.update_or_create(name="deadline_sweep", defaults={"last_started_at": timezone.now()})
    totals = {"reminded": 0, "overdue": 0, "notifications": 0, "spawned": 0}
    remind_q = Q(status=S.OPEN, reminded_at__isnull=True, remind_at__lte=now, due_at__gt=now)
    while True:
        with transaction.atomic():
            claimed = _claim(remind_q, "remind_at", {"reminded_at": now}, batch)
            if not claimed:
                break
            totals["reminded"] += len(claimed)
            totals["notifications"] += _notify_bulk(claimed, "remind", now)
            for kind, rows in _by_kind(claimed).items():
                if (hook := kind_spec(kind).on_remind) is not None:
                    hook(rows)
    overdue_q = Q(status=S.OPEN, due_at__lte=now)
    while True:
        with transaction.atomic():
            claimed = _claim(
                overdue_q, "due_at", {"status": S.OVERDUE, "overdue_at": now, "escalated_at": now}, batch
            )
            if not claimed:
                break
            totals["overdue"] += len(claimed)
            totals["notifications"] += _notify_bulk(claimed, "overdue", now)
            totals["spawned"] += len(_spawn_next([d for d in claimed if d.recurrence]))
            for kind, rows in _by_kind(claimed).items():
                if (hook := kind_spec(kind).on_overdue) is not None:
                    hook(rows)
    JobHeartbeat.objects.filter(name="deadline_sweep").update(
        last_finished_at=timezone.now(), last_result=totals
    )
    if totals["reminded"] or totals["overdue"]:
        log.info("deadline sweep: %s", totals)
    return totals


def _by_kind(rows: list[Deadline]) -> dict[str, list[Deadline]]:
    grouped: dict[str, list[Deadline]] = defaultdict(list)
    for row in rows:
        grouped[row.kind].append(row)
    return grouped


# --- reads ----------------------------------------------------------------------------------


def deadlines_for_user(
    user: Any, *, statuses: Iterable[str] = (S.OPEN, S.OVERDUE)
) -> models.QuerySet[Deadline]:
    """Deadlines of the units the user belongs to (and their subtrees) — "what do I owe?"."""
    paths = list(Membership.objects.active().filter(user=user).values_list("unit__path", flat=True))
    if not paths:
        return Deadline.objects.none()
    q = Q()
    for path in set(paths):
        q |= Q(responsible_unit__path__startswith=path)
    return (
        Deadline.objects.filter(q, status__in=list(statuses), met_at__isnull=True)
        .select_related("responsible_unit")
        .order_by("due_at")
    )
