"""Services for the organisation: memberships, delegations, bulk user import."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from portal.access import clear_grant_cache
from portal.audit import audit_record
from portal.errors import RuleViolation
from portal.models import Delegation, Membership, OrgUnit, Role, User


def membership_grant(
    *,
    user: User,
    unit: OrgUnit,
    role: Role | str,
    actor: Any,
    reason: str = "",
    valid_from: datetime | None = None,
) -> Membership:
    """Give `user` the role on `unit` (idempotent: an identical active membership is returned)."""
    role_obj = role if isinstance(role, Role) else Role.objects.get(pk=role)
    existing = Membership.objects.active().filter(user=user, unit=unit, role=role_obj).first()
    if existing:
        return existing
    membership = Membership.objects.create(
        user=user,
        unit=unit,
        role=role_obj,
        valid_from=valid_from or timezone.now(),
        granted_by=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
    )
    audit_record(
        actor=actor,
        action="portal.membership.grant",
        obj=membership,
        after={"user": user.pk, "unit": unit.pk, "role": role_obj.pk, "reason": reason},
    )
    clear_grant_cache(user)
    return membership


def membership_end(
    *, membership: Membership, actor: Any, reason: str = "", at: datetime | None = None
) -> Membership:
    moment = at or timezone.now()
    if membership.valid_to is not None and membership.valid_to <= moment:
        return membership
    membership.valid_to = moment
    membership.save(update_fields=["valid_to"])
    audit_record(
        actor=actor,
        action="portal.membership.end",
        obj=membership,
        after={"valid_to": moment, "reason": reason},
    )
    return membership


def delegation_create(
    *,
    principal: User,
    deputy: User,
    role: Role,
    unit: OrgUnit,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    actor: Any,
) -> Delegation:
    """Name an acting deputy for a time window. The principal must hold the role on the unit
    (at the start of the window), and the reason is required: decisions taken by the deputy
    are attributed to them, on the principal's authority."""
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = ["请填写代理原因"]
    if ends_at <= starts_at:
        errors["ends_at"] = ["结束时间必须晚于开始时间"]
    if principal.pk == deputy.pk:
        errors["deputy"] = ["不能指定本人为代理人"]
    if not Membership.objects.active().filter(user=principal, role=role, unit=unit).exists():
        errors["role"] = [f"{principal} 在 {unit} 没有「{role}」角色，无法委托"]
    if errors:
        raise RuleViolation(errors=errors)
    with transaction.atomic():
        delegation = Delegation.objects.create(
            principal=principal,
            deputy=deputy,
            role=role,
            unit=unit,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason.strip(),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="portal.delegation.create",
            obj=delegation,
            after={
                "principal": principal.pk,
                "deputy": deputy.pk,
                "role": role.pk,
                "unit": unit.pk,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "reason": reason,
            },
        )
    clear_grant_cache(deputy)
    return delegation


def delegation_revoke(*, delegation: Delegation, actor: Any) -> Delegation:
    if delegation.revoked_at is None:
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="portal.delegation.revoke", obj=delegation)
    return delegation


IMPORT_COLUMNS = ["用户名", "姓名", "手机", "邮箱", "单位代码", "角色代码", "初始密码"]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    memberships: int = 0
    errors: list[tuple[int, list[str]]] = field(default_factory=list)


def users_import_xlsx(*, fileobj: IO[bytes], actor: Any) -> ImportResult:
    """Import users from an XLSX with the columns of IMPORT_COLUMNS (header in row 1).

    Valid rows are imported, invalid rows are reported with their reasons; importing the same
    file twice changes nothing the second time (users are matched by username, memberships by
    user + unit + role)."""
    result = ImportResult()
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:
        raise RuleViolation(errors={"file": [f"无法读取 XLSX 文件：{exc.__class__.__name__}"]}) from None
    ws = wb.active
    rows = ws.iter_rows(values_only=True)
    header = [str(c or "").strip() for c in next(rows, [])]
    missing = [c for c in IMPORT_COLUMNS[:6] if c not in header]
    if missing:
        raise RuleViolation(
            errors={"file": [f"缺少列：{'、'.join(missing)}（需要：{'、'.join(IMPORT_COLUMNS)}）"]}
        )
    index = {name: header.index(name) for name in IMPORT_COLUMNS if name in header}
    units = {u.code: u for u in OrgUnit.objects.all()}
    roles = {r.code: r for r in Role.objects.all()}
    for number, raw in enumerate(rows, start=2):

        def cell(name: str, raw: tuple[Any, ...] = raw) -> str:
            i = index.get(name)
            return str(raw[i]).strip() if i is not None and i < len(raw) and raw[i] is not None else ""

        if not any(raw):
            continue
        username, unit_code, role_code, password = (
            cell("用户名"),
            cell("单位代码"),
            cell("角色代码"),
            cell("初始密码"),
        )
        problems = []
        if not username:
            problems.append("用户名为空")
        if unit_code not in units:
            problems.append(f"单位代码「{unit_code}」不存在")
        if role_code not in roles:
            problems.append(f"角色代码「{role_code}」不存在")
        existing = User.objects.filter(username=username).first() if username else None
        if existing is None and username:
            if not password:
                problems.append("新用户需要初始密码")
            else:
                try:
                    validate_password(password)
                except ValidationError as exc:
                    problems.extend(exc.messages)
        if problems:
            result.errors.append((number, problems))
            continue
        with transaction.atomic():
            if existing is None:
                user = User.objects.create_user(
                    username=username,
                    password=password,
                    display_name=cell("姓名"),
                    phone=cell("手机"),
                    email=cell("邮箱"),
                )
                audit_record(actor=actor, action="portal.user.import", obj=user)
                result.created += 1
            else:
                user = existing
                changes = {
                    k: v
                    for k, v in {
                        "display_name": cell("姓名"),
                        "phone": cell("手机"),
                        "email": cell("邮箱"),
                    }.items()
                    if v and getattr(user, k) != v
                }
                if changes:
                    for k, v in changes.items():
                        setattr(user, k, v)
                    user.save(update_fields=list(changes))
                    audit_record(actor=actor, action="portal.user.import_update", obj=user, after=changes)
                    result.updated += 1
            before = (
                Membership.objects.active()
                .filter(user=user, unit=units[unit_code], role=roles[role_code])
                .exists()
            )
            membership_grant(
                user=user, unit=units[unit_code], role=roles[role_code], actor=actor, reason="批量导入"
            )
            if not before:
                result.memberships += 1
    return result
