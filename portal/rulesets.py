"""Versioned, dated rule parameters.

Each app registers its rule keys with a JSON schema (in its `rules.py` or `apps.py`), ships the
defaults from `../shared/spec/` in a data migration (`ruleset_seed`), and looks up the version
in force on a date with `ruleset_in_force`. Admins change parameters only by creating a new
version with a reason (`ruleset_create_version`); old versions stay, and every evaluation stores
the version it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import jsonschema
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from portal.audit import audit_record
from portal.errors import RuleViolation
from portal.models import RuleSet


@dataclass(frozen=True)
class RuleKey:
    key: str
    title: str
    schema: dict[str, Any]
    source: str = ""
    help: str = ""
    readings: list[str] = field(default_factory=list)


_registry: dict[str, RuleKey] = {}


def register(
    key: str,
    *,
    title: str,
    schema: dict[str, Any],
    source: str = "",
    help: str = "",
    readings: list[str] | None = None,
) -> RuleKey:
    """Declare a rule key. Call at import time of the owning app's rules module."""
    rule = RuleKey(key, title, schema, source, help, readings or [])
    _registry[key] = rule
    return rule


def registered() -> dict[str, RuleKey]:
    return dict(_registry)


def validate_params(key: str, params: dict[str, Any]) -> None:
    rule = _registry.get(key)
    if rule is None:
        raise RuleViolation(errors={"key": [f"未登记的规则：{key}"]})
    try:
        jsonschema.validate(params, rule.schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "params"
        raise RuleViolation(errors={"params": [f"{where}: {exc.message}"]}) from None


class RuleSetMissing(LookupError):
    pass


def ruleset_in_force(key: str, on: date | None = None) -> RuleSet:
    """The version in force on `on` (default today, Asia/Shanghai): the highest version whose
    window contains the date. Raises RuleSetMissing when none does."""
    day = on or timezone.localdate()
    found = (
        RuleSet.objects.filter(key=key, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-version")
        .first()
    )
    if found is None:
        raise RuleSetMissing(f"{key} 在 {day} 没有生效的规则版本")
    return found


def ruleset_versions(key: str) -> list[RuleSet]:
    return list(RuleSet.objects.filter(key=key).order_by("version"))


@transaction.atomic
def ruleset_create_version(
    *,
    key: str,
    params: dict[str, Any],
    valid_from: date,
    valid_to: date | None = None,
    reason: str,
    actor: Any,
    source: str = "",
) -> RuleSet:
    """Add a new version of `key`. The reason is required: it is what an auditor reads."""
    if not reason or not reason.strip():
        raise RuleViolation(errors={"reason": ["请填写修改原因"]})
    if valid_to is not None and valid_to < valid_from:
        raise RuleViolation(errors={"valid_to": ["失效日期不能早于生效日期"]})
    validate_params(key, params)
    # Lock the key's rows so two admins saving at once get consecutive versions.
    list(RuleSet.objects.select_for_update().filter(key=key).values_list("pk", flat=True))
    version = (RuleSet.objects.filter(key=key).aggregate(v=Max("version"))["v"] or 0) + 1
    ruleset = RuleSet.objects.create(
        key=key,
        version=version,
        valid_from=valid_from,
        valid_to=valid_to,
        params=params,
        reason=reason.strip(),
        source=source,
        author=actor if getattr(actor, "is_authenticated", False) else None,
    )
    previous = RuleSet.objects.filter(key=key, version=version - 1).first()
    audit_record(
        actor=actor,
        action="portal.ruleset.create_version",
        obj=ruleset,
        before=previous.params if previous else None,
        after=params,
        extra={
            "key": key,
            "version": version,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "reason": reason,
        },
    )
    return ruleset


def ruleset_seed(
    apps: Any,
    *,
    key: str,
    params: dict[str, Any],
    valid_from: date,
    valid_to: date | None = None,
    reason: str,
    source: str = "",
) -> None:
    """For data migrations: create version 1 of `key` if the key has no version yet."""
    model = apps.get_model("portal", "RuleSet")
    if model.objects.filter(key=key).exists():
        return
    model.objects.create(
        key=key,
        version=1,
        valid_from=valid_from,
        valid_to=valid_to,
        params=params,
        reason=reason,
        source=source,
    )


def flatten(params: Any, prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} → {"a.b": 1}, for side-by-side comparison of versions."""
    if isinstance(params, dict):
        out: dict[str, Any] = {}
        for k, v in params.items():
            out.update(flatten(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): params}


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Changed leaves between two parameter sets: (path, old value, new value)."""
    a, b = flatten(old or {}), flatten(new)
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
