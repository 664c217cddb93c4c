"""The audit trail: services append entries; a periodic job seals them into a hash chain.

Requests never hash or lock anything: `audit_record` is a plain INSERT. `audit_seal` (one
sealer at a time: a PostgreSQL advisory lock; SQLite serialises writers anyway) takes the
unsealed entries in id order and gives each a sequence number and
`sha256(previous hash + canonical content)`. `audit_verify` recomputes the chain and reports
changed, missing and long-unsealed entries.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from portal import context
from portal.models import AuditCheckpoint, AuditEntry

SEAL_LOCK_ID = 7_240_001  # advisory lock key for the single sealer


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of `obj` (FKs as ids), JSON-ready, for before/after."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if isinstance(field, models.FileField):
            data[field.name] = getattr(obj, field.attname).name or None
            continue
        data[field.name] = _jsonable(getattr(obj, field.attname))
    return data


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. `action` is dotted: "hotline.order.sign", "assistance.person.unmask"."""
    ctx = context.current()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_label=(actor.get_username() if is_user else (str(actor) if actor else "system"))[:150],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        extra=_jsonable(extra) if extra is not None else None,
        request_id=ctx.request_id,
        ip=ctx.ip,
    )


def entry_content(entry: AuditEntry) -> bytes:
    """The canonical bytes hashed for an entry: every recorded field, sorted keys."""
    payload = {
        "id": entry.id,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "request_id": entry.request_id,
        "ip": entry.ip,
        "extra": entry.extra,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain_hash(previous: str, entry: AuditEntry) -> str:
    return hashlib.sha256(previous.encode() + b"|" + entry_content(entry)).hexdigest()


def _try_seal_lock() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEAL_LOCK_ID])
        return bool(cursor.fetchone()[0])


def audit_seal(*, batch: int = 2000, max_batches: int = 50) -> int:
    """Seal unsealed entries in id order. Returns how many were sealed. Safe to run twice at
    once: the second run finds the lock taken and does nothing."""
    sealed = 0
    for _ in range(max_batches):
        with transaction.atomic():
            if not _try_seal_lock():
                return sealed
            checkpoint, _ = AuditCheckpoint.objects.select_for_update().get_or_create(name="audit")
            entries = list(AuditEntry.objects.filter(seal_hash__isnull=True).order_by("id")[:batch])
            if not entries:
                return sealed
            seq, previous, now = checkpoint.last_seq, checkpoint.last_hash, timezone.now()
            for entry in entries:
                seq += 1
                previous = chain_hash(previous, entry)
                updated = AuditEntry.objects.filter(pk=entry.pk, seal_hash__isnull=True).update(
                    seal_seq=seq, seal_hash=previous, sealed_at=now
                )
                if updated != 1:  # pragma: no cover - guarded by the lock
                    raise RuntimeError(f"audit entry {entry.pk} was sealed concurrently")
            checkpoint.last_seq, checkpoint.last_hash = seq, previous
            checkpoint.save(update_fields=["last_seq", "last_hash", "updated_at"])
            sealed += len(entries)
    return sealed


@dataclass(frozen=True)
class VerifyProblem:
    kind: str  # "changed" | "missing" | "unsealed" | "checkpoint"
    entry_id: int | None
    seal_seq: int | None
    message: str


def _sealed_in_order(chunk: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(seal_seq__gt=last).order_by("seal_seq")[:chunk])
        if not rows:
            return
        yield from rows
        last = rows[-1].seal_seq or last


def audit_verify(*, now: datetime | None = None) -> list[VerifyProblem]:
    """Re-check the whole chain. An empty list means intact."""
    problems: list[VerifyProblem] = []
    previous, expected_seq = "", 1
    for entry in _sealed_in_order():
        assert entry.seal_seq is not None
        if entry.seal_seq != expected_seq:
            problems.append(
                VerifyProblem(
                    "missing",
                    None,
                    expected_seq,
                    f"审计链缺失第 {expected_seq}–{entry.seal_seq - 1} 条（已被删除）",
                )
            )
            previous = ""  # cannot recompute across the gap; continue from the stored hash
        if previous and chain_hash(previous, entry) != entry.seal_hash:
            problems.append(
                VerifyProblem("changed", entry.id, entry.seal_seq, f"审计记录 #{entry.id} 的内容或哈希被改动")
            )
        elif not previous and entry.seal_seq == 1 and chain_hash("", entry) != entry.seal_hash:
            problems.append(
                VerifyProblem("changed", entry.id, entry.seal_seq, f"审计记录 #{entry.id} 的内容或哈希被改动")
            )
        previous = entry.seal_hash or ""
        expected_seq = entry.seal_seq + 1
    checkpoint = AuditCheckpoint.objects.filter(name="audit").first()
    if checkpoint and checkpoint.last_seq >= expected_seq:
        problems.append(
            VerifyProblem(
                "missing",
                None,
                expected_seq,
                f"审计链末尾第 {expected_seq}–{checkpoint.last_seq} 条缺失（已被删除）",
            )
        )
    elif checkpoint and checkpoint.last_seq and checkpoint.last_hash != previous:
        problems.append(
            VerifyProblem("checkpoint", None, checkpoint.last_seq, "审计链检查点与最后一条记录不一致")
        )
    limit = (now or timezone.now()) - timedelta(minutes=settings.AUDIT_SEAL_GRACE_MINUTES)
    for entry_id, at in AuditEntry.objects.filter(seal_hash__isnull=True, at__lt=limit).values_list(
        "id", "at"
    )[:1000]:
        problems.append(
            VerifyProblem(
                "unsealed", entry_id, None, f"审计记录 #{entry_id}（{at:%Y-%m-%d %H:%M}）超时未封存"
            )
        )
    return problems
