"""Open311 client keys: issued to client applications by admins; only the hash is stored."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from hotline.models import Open311Client
from portal.audit import audit_record
from portal.errors import RuleViolation


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def open311_key_issue(*, name: str, actor: Any = None, contact: str = "") -> tuple[Open311Client, str]:
    """A new client with a fresh key. Returns the client and the key (shown only now)."""
    name = (name or "").strip()
    if not name:
        raise RuleViolation(errors={"name": ["请填写客户端名称"]})
    key = secrets.token_urlsafe(32)
    client = Open311Client.objects.create(
        name=name[:100],
        contact=contact[:100],
        key_prefix=key[:8],
        key_hash=key_hash(key),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="hotline.open311.issue_key",
        obj=client,
        after={"name": client.name, "key_prefix": client.key_prefix},
    )
    return client, key


def open311_client_for(key: str) -> Open311Client | None:
    if not key:
        return None
    return Open311Client.objects.filter(key_hash=key_hash(key), active=True, revoked_at__isnull=True).first()


@transaction.atomic
def open311_key_revoke(*, client: Open311Client, actor: Any) -> Open311Client:
    client.active = False
    client.revoked_at = timezone.now()
    client.save(update_fields=["active", "revoked_at"])
    audit_record(actor=actor, action="hotline.open311.revoke_key", obj=client)
    return client
