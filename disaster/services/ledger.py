"""The relief ledger (救助台账, 4.3.3): after verification the county keeps person and household
rows — the dead and missing, damaged and collapsed houses, people needing government aid —
the base for relief payments and reconstruction. Rows are voided with a reason, never edited
or deleted. Unmasked ID numbers are shown only to those who need them, and every unmasked view
is audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from disaster.models import Event, LedgerHousehold, LedgerPerson, Report
from disaster.rules.ledger import valid_id_number
from disaster.services.common import is_office
from disaster.services.events import may_file_for
from disaster.services.reports import townships_of
from portal.audit import audit_record, snapshot
from portal.errors import InvalidTransition, RuleViolation
from portal.models import OrgUnit

PERSON_HEADER = ["类别", "姓名", "性别", "年龄", "身份证号", "乡镇（街道）", "村（社区）", "备注"]
HOUSEHOLD_HEADER = [
    "户主姓名",
    "身份证号",
    "家庭人口",
    "乡镇（街道）",
    "村（社区）",
    "住址",
    "房屋受损",
    "受损间数",
    "需政府救助",
    "备注",
]


def may_keep_ledger(user: Any, county: OrgUnit) -> bool:
    return may_file_for(user, county)


def may_unmask(user: Any, county: OrgUnit) -> bool:
    """The county office (relief payments) and the city emergency bureau (review)."""
    return may_file_for(user, county) or is_office(user)


def _require_verified(event: Event, county: OrgUnit) -> None:
    if not Report.objects.filter(event=event, county=county, kind=Report.Kind.VERIFIED).exists():
        raise InvalidTransition("灾情核定（报送核报）后建立救助台账")


def _township(county: OrgUnit, township_id: Any) -> OrgUnit:
    allowed = {t.pk: t for t in townships_of(county)}
    try:
        return allowed[int(township_id)]
    except (KeyError, TypeError, ValueError):
        raise RuleViolation(errors={"township": [f"请选择{county.name}的乡镇（街道）"]}) from None


def _check_id(id_number: str) -> str:
    text = (id_number or "").strip().upper()
    if text and not valid_id_number(text):
        raise RuleViolation(errors={"id_number": ["身份证号码无效（18位，校验位不符）"]})
    return text


@transaction.atomic
def ledger_person_add(*, event: Event, county: OrgUnit, data: dict[str, Any], actor: Any) -> LedgerPerson:
    if not may_keep_ledger(actor, county):
        raise PermissionDenied("只能建立本县区的救助台账")
    _require_verified(event, county)
    errors: dict[str, list[str]] = {}
    if data.get("category") not in LedgerPerson.Category.values:
        errors["category"] = ["请选择类别（因灾死亡 / 因灾失踪 / 需政府救助）"]
    if not str(data.get("name") or "").strip():
        errors["name"] = ["请填写姓名"]
    age = data.get("age")
    if age not in (None, ""):
        try:
            age = int(age)
            if not 0 <= age <= 130:
                raise ValueError
        except (TypeError, ValueError):
            errors["age"] = ["年龄须为 0–130 的整数"]
    else:
        age = None
    if data.get("gender", "") not in ("", "M", "F"):
        errors["gender"] = ["性别无效"]
    if errors:
        raise RuleViolation(errors=errors)
    person = LedgerPerson.objects.create(
        event=event,
        county=county,
        township=_township(county, data.get("township")),
        village=str(data.get("village") or "").strip()[:60],
        id_number=_check_id(str(data.get("id_number") or "")),
        note=str(data.get("note") or "").strip()[:200],
        category=data["category"],
        name=str(data["name"]).strip()[:60],
        gender=data.get("gender", "") or "",
        age=age,
        household=data.get("household"),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="disaster.ledger.person_add",
        obj=person,
        after={**snapshot(person), "id_number": "***"},
    )
    return person


@transaction.atomic
def ledger_household_add(
    *, event: Event, county: OrgUnit, data: dict[str, Any], actor: Any
) -> LedgerHousehold:
    if not may_keep_ledger(actor, county):
        raise PermissionDenied("只能建立本县区的救助台账")
    _require_verified(event, county)
    errors: dict[str, list[str]] = {}
    if not str(data.get("head_name") or "").strip():
        errors["head_name"] = ["请填写户主姓名"]
    if data.get("damage") not in LedgerHousehold.Damage.values:
        errors["damage"] = ["请选择房屋受损情况"]
    numbers: dict[str, int] = {}
    for name, label, low in (("members", "家庭人口", 1), ("rooms", "受损间数", 0)):
        raw = data.get(name)
        try:
            numbers[name] = int(raw if raw not in (None, "") else low)
            if not low <= numbers[name] <= 999:
                raise ValueError
        except (TypeError, ValueError):
            errors[name] = [f"{label}须为 {low}–999 的整数"]
    if errors:
        raise RuleViolation(errors=errors)
    household = LedgerHousehold.objects.create(
        event=event,
        county=county,
        township=_township(county, data.get("township")),
        village=str(data.get("village") or "").strip()[:60],
        id_number=_check_id(str(data.get("id_number") or "")),
        note=str(data.get("note") or "").strip()[:200],
        head_name=str(data["head_name"]).strip()[:60],
        members=numbers["members"],
        address=str(data.get("address") or "").strip()[:200],
        damage=data["damage"],
        rooms=numbers["rooms"],
        needs_aid=bool(data.get("needs_aid")),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="disaster.ledger.household_add",
        obj=household,
        after={**snapshot(household), "id_number": "***"},
    )
    return household


@transaction.atomic
def ledger_void(
    *, row: LedgerPerson | LedgerHousehold, reason: str, actor: Any
) -> LedgerPerson | LedgerHousehold:
    if not may_keep_ledger(actor, row.county):
        raise PermissionDenied("只能维护本县区的救助台账")
    if not reason.strip():
        raise RuleViolation(errors={"reason": ["请填写作废原因"]})
    locked = type(row).objects.select_for_update().get(pk=row.pk)
    if locked.voided_at:
        raise InvalidTransition("该记录已作废")
    locked.voided_at, locked.voided_by, locked.void_reason = timezone.now(), actor, reason.strip()[:200]
    locked.save(update_fields=["voided_at", "voided_by", "void_reason"])
    audit_record(actor=actor, action="disaster.ledger.void", obj=locked, after={"reason": reason})
    return locked


def ledger_unmask(*, row: LedgerPerson | LedgerHousehold, actor: Any) -> str:
    """The full ID number, for someone who needs it; audited."""
    if not may_unmask(actor, row.county):
        raise PermissionDenied("您没有查看完整身份证号的权限")
    audit_record(actor=actor, action="disaster.ledger.unmask", obj=row, extra={"field": "id_number"})
    return row.id_number


@dataclass
class ImportResult:
    created: int = 0
    errors: list[str] = field(default_factory=list)


PERSON_CATEGORY = {label: value for value, label in LedgerPerson.Category.choices}
DAMAGE = {label: value for value, label in LedgerHousehold.Damage.choices}


def ledger_import_xlsx(*, event: Event, county: OrgUnit, fileobj: IO[bytes], actor: Any) -> ImportResult:
    """Import the lists kept in spreadsheets: a sheet "人员" (PERSON_HEADER) and/or "住房户"
    (HOUSEHOLD_HEADER). Good rows are saved, each bad row is reported with its message; nothing
    is half-saved within a row."""
    if not may_keep_ledger(actor, county):
        raise PermissionDenied("只能建立本县区的救助台账")
    _require_verified(event, county)
    from portal.uploads import validate_upload

    if validate_upload(fileobj, kinds=("ooxml",)) != "ooxml":  # pragma: no cover - refused above
        raise RuleViolation(errors={"file": ["请上传 XLSX 文件"]})
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a non-workbook
        raise RuleViolation(errors={"file": [f"无法读取 Excel 文件：{exc.__class__.__name__}"]}) from None
    result = ImportResult()
    towns = {t.name: t.pk for t in townships_of(county)}
    if "人员" not in workbook.sheetnames and "住房户" not in workbook.sheetnames:
        raise RuleViolation(errors={"file": ["工作簿中没有“人员”或“住房户”工作表"]})
    for sheet_name, header, add in (
        ("人员", PERSON_HEADER, _import_person),
        ("住房户", HOUSEHOLD_HEADER, _import_household),
    ):
        if sheet_name not in workbook.sheetnames:
            continue
        rows = workbook[sheet_name].iter_rows(values_only=True)
        first = next(rows, None)
        if first is None or [str(c or "").strip() for c in first[: len(header)]] != header:
            result.errors.append(f"“{sheet_name}”表头应为：{'、'.join(header)}")
            continue
        for index, values in enumerate(rows, start=2):
            if not any(v not in (None, "") for v in values):
                continue
            record = dict(zip(header, [("" if v is None else v) for v in values], strict=False))
            try:
                with transaction.atomic():
                    add(event, county, record, towns, actor)
                result.created += 1
            except RuleViolation as exc:
                result.errors.append(f"“{sheet_name}”第 {index} 行：{exc.message}")
    audit_record(
        actor=actor,
        action="disaster.ledger.import",
        obj=event,
        extra={"county": county.pk, "created": result.created, "errors": len(result.errors)},
    )
    return result


def _import_person(
    event: Event, county: OrgUnit, record: dict[str, Any], towns: dict[str, int], actor: Any
) -> None:
    gender = {"男": "M", "女": "F"}.get(str(record["性别"]).strip(), "")
    ledger_person_add(
        event=event,
        county=county,
        actor=actor,
        data={
            "category": PERSON_CATEGORY.get(str(record["类别"]).strip()),
            "name": record["姓名"],
            "gender": gender,
            "age": record["年龄"],
            "id_number": str(record["身份证号"]),
            "township": towns.get(str(record["乡镇（街道）"]).strip()),
            "village": record["村（社区）"],
            "note": record["备注"],
        },
    )


def _import_household(
    event: Event, county: OrgUnit, record: dict[str, Any], towns: dict[str, int], actor: Any
) -> None:
    ledger_household_add(
        event=event,
        county=county,
        actor=actor,
        data={
            "head_name": record["户主姓名"],
            "id_number": str(record["身份证号"]),
            "members": record["家庭人口"],
            "township": towns.get(str(record["乡镇（街道）"]).strip()),
            "village": record["村（社区）"],
            "address": record["住址"],
            "damage": DAMAGE.get(str(record["房屋受损"]).strip()),
            "rooms": record["受损间数"],
            "needs_aid": str(record["需政府救助"]).strip() in ("是", "1", "True", "true"),
            "note": record["备注"],
        },
    )
