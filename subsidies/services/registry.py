"""Writes to the enterprise registry ("一次申报、多次复用": every application and the automatic
match read these rows). Each write validates, stamps, and leaves an audit entry with before/after."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from portal.audit import audit_record, snapshot
from portal.errors import RuleViolation
from portal.models import OrgUnit, User
from subsidies.models import (
    AnnualFigures,
    Enterprise,
    EnterpriseMember,
    Equipment,
    Exhibition,
    Loan,
    Project,
    Recognition,
    Train,
)
from subsidies.rules.creditcode import credit_code_errors, normalise

ENTERPRISE_FIELDS = [
    "credit_code",
    "name",
    "kind",
    "industry",
    "county",
    "outside_city",
    "above_designated_size",
    "software_enterprise",
    "software_park_entered_on",
    "address",
    "contact_name",
    "contact_phone",
]


def _check_enterprise(data: dict[str, Any], *, instance: Enterprise | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    code = normalise(data.get("credit_code", instance.credit_code if instance else ""))
    problems = credit_code_errors(code)
    if problems:
        errors["credit_code"] = problems
    else:
        clash = Enterprise.objects.filter(credit_code=code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["credit_code"] = [f"统一社会信用代码 {code} 已登记"]
    county = data.get("county", instance.county if instance else None)
    outside = data.get("outside_city", instance.outside_city if instance else False)
    if county is None and not outside:
        errors["county"] = ["请选择所在县区（市外机构请勾选“市外机构”）"]
    if county is not None and getattr(county, "kind", None) != OrgUnit.Kind.COUNTY:
        errors["county"] = ["所在县区应为县区（含管理区）"]
    name = data.get("name", instance.name if instance else "")
    if not (name or "").strip():
        errors["name"] = ["请填写名称"]
    if errors:
        raise RuleViolation(errors=errors)
    return {**data, "credit_code": code}


@transaction.atomic
def enterprise_create(*, actor: Any, data: dict[str, Any]) -> Enterprise:
    clean = _check_enterprise(data)
    fields = {k: v for k, v in clean.items() if k in ENTERPRISE_FIELDS}
    try:
        with transaction.atomic():
            ent = Enterprise.objects.create(
                **fields, created_by=actor if getattr(actor, "pk", None) else None
            )
    except IntegrityError:
        raise RuleViolation(errors={"credit_code": ["该统一社会信用代码已登记"]}) from None
    audit_record(actor=actor, action="subsidies.enterprise.create", obj=ent, after=snapshot(ent))
    return ent


@transaction.atomic
def enterprise_update(*, actor: Any, enterprise: Enterprise, data: dict[str, Any]) -> Enterprise:
    ent = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    before = snapshot(ent)
    clean = _check_enterprise(data, instance=ent)
    for key, value in clean.items():
        if key in ENTERPRISE_FIELDS:
            setattr(ent, key, value)
    ent.save()
    audit_record(
        actor=actor, action="subsidies.enterprise.update", obj=ent, before=before, after=snapshot(ent)
    )
    return ent


RECORD_MODELS: dict[str, type[models.Model]] = {
    "project": Project,
    "equipment": Equipment,
    "loan": Loan,
    "recognition": Recognition,
    "exhibition": Exhibition,
    "figures": AnnualFigures,
    "train": Train,
}
RECORD_LABELS = {
    "project": "项目",
    "equipment": "生产设备（发票）",
    "loan": "设备贷款",
    "recognition": "认定与荣誉",
    "exhibition": "参展记录",
    "figures": "年度经营数据",
    "train": "旅游专列",
}


def _check_record(kind: str, enterprise: Enterprise, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if kind in ("equipment", "loan"):
        project = data.get("project")
        if project is None or project.enterprise_id != enterprise.pk:
            errors["project"] = ["请选择本企业的项目"]
    if kind == "train" and enterprise.kind != Enterprise.Kind.TRAVEL_AGENCY:
        errors["non_field_errors"] = ["只有旅行社（组团社）可以登记旅游专列"]
    if kind == "train" and data.get("nights", 0) >= data.get("days", 0) + 1:
        errors["nights"] = ["停留晚数不应多于停留天数"]
    if kind == "recognition":
        level_needed = data.get("kind") in {
            "tech_innovation_centre",
            "manufacturing_innovation_centre",
            "industrial_design_centre",
            "engineering_research_centre",
            "enterprise_tech_centre",
            "engineering_lab",
        }
        if level_needed and data.get("level") not in ("national", "provincial"):
            errors["level"] = ["该类认定需选择国家级或省级"]
        if data.get("kind") == "first_version_software" and not data.get("amount"):
            errors["amount"] = ["首版次软件产品请填写期限内实际销售总额"]
    if kind == "project" and data.get("intermediary") is not None:
        if data["intermediary"].pk == enterprise.pk:
            errors["intermediary"] = ["引资中介不能是项目业主本身"]
    if errors:
        raise RuleViolation(errors=errors)


@transaction.atomic
def record_add(*, actor: Any, enterprise: Enterprise, kind: str, data: dict[str, Any]) -> models.Model:
    """Add a project, equipment invoice, loan, recognition, exhibition, yearly figures or (for
    agencies) a train to the registry."""
    if kind not in RECORD_MODELS:
        raise RuleViolation(errors={"kind": [f"未知的登记类型：{kind}"]})
    _check_record(kind, enterprise, data)
    model = RECORD_MODELS[kind]
    owner = (
        {"agency": enterprise}
        if kind == "train"
        else ({} if kind in ("equipment", "loan") else {"enterprise": enterprise})
    )
    try:
        with transaction.atomic():
            obj = model._default_manager.create(**owner, **data)
    except IntegrityError:
        raise RuleViolation(
            errors={"non_field_errors": [f"该{RECORD_LABELS[kind]}已登记（重复的编号或日期）"]}
        ) from None
    audit_record(
        actor=actor,
        action=f"subsidies.{kind}.create",
        obj=obj,
        after=snapshot(obj),
        extra={"enterprise": enterprise.pk},
    )
    return obj


@transaction.atomic
def project_update(*, actor: Any, project: Project, data: dict[str, Any]) -> Project:
    locked = Project.objects.select_for_update().get(pk=project.pk)
    _check_record("project", locked.enterprise, data)
    before = snapshot(locked)
    for key, value in data.items():
        setattr(locked, key, value)
    locked.save()
    audit_record(
        actor=actor, action="subsidies.project.update", obj=locked, before=before, after=snapshot(locked)
    )
    return locked


@transaction.atomic
def member_link(*, actor: Any, enterprise: Enterprise, user: User) -> EnterpriseMember:
    """Give `user` an enterprise account for `enterprise` (idempotent while active)."""
    existing = EnterpriseMember.objects.active().filter(user=user, enterprise=enterprise).first()
    if existing:
        return existing
    member = EnterpriseMember.objects.create(
        user=user, enterprise=enterprise, granted_by=actor if getattr(actor, "pk", None) else None
    )
    audit_record(
        actor=actor,
        action="subsidies.member.link",
        obj=member,
        extra={"enterprise": enterprise.pk, "user": user.pk},
    )
    return member


@transaction.atomic
def member_end(*, actor: Any, member: EnterpriseMember) -> EnterpriseMember:
    locked = EnterpriseMember.objects.select_for_update().get(pk=member.pk)
    if locked.valid_to is None:
        locked.valid_to = timezone.now()
        locked.save(update_fields=["valid_to"])
        audit_record(actor=actor, action="subsidies.member.end", obj=locked)
    return locked
