"""Bulk XLSX import of households and members (the counties' existing spreadsheets).

Valid households are imported; every invalid row comes back with its reasons in an error file
(the original row plus an "错误原因" column). A household is imported whole or not at all: when
one of its rows is invalid, its other rows are returned too, marked "同户其他行有错误". Importing
the same file again changes nothing: households are matched by county + 户编号, persons by ID
number, and an unchanged household writes no version.
"""

from __future__ import annotations

import hashlib
import io
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from assistance import columns as C
from assistance import rules
from assistance.models import Household, HouseholdVersion, ImportBatch, Person, RescreenRun
from assistance.services.households import (
    HouseholdInput,
    PersonInput,
    household_create,
    household_input_from,
    household_set_tier,
    household_update,
)
from portal.access import is_superuser
from portal.audit import audit_record
from portal.errors import DomainError, RuleViolation
from portal.exports import xlsx_bytes
from portal.models import OrgUnit
from portal.uploads import validate_upload

MAX_ROWS = 200_000


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def import_create(
    *, fileobj: IO[bytes], filename: str, actor: Any, now: datetime | None = None
) -> ImportBatch:
    """Store the upload and queue its processing."""
    from assistance import tasks
    from portal.tasks import enqueue

    now = now or timezone.now()
    data = fileobj.read()
    named = io.BytesIO(data)
    setattr(named, "name", filename)  # noqa: B010 - validate_upload reads the name and size
    setattr(named, "size", len(data))  # noqa: B010
    validate_upload(named, kinds=("ooxml",), field="file")
    if not filename.lower().endswith(".xlsx"):
        raise RuleViolation(errors={"file": ["请上传 Excel（.xlsx）文件"]})
    batch = ImportBatch(
        filename=filename[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
        uploaded_at=now,
    )
    batch.file.save(f"{now:%Y%m%d%H%M%S}-{batch.sha256[:8]}.xlsx", ContentFile(data), save=False)
    batch.save()
    audit_record(
        actor=actor,
        action="assistance.import.upload",
        obj=batch,
        after={"filename": filename, "sha256": batch.sha256},
    )
    enqueue(tasks.import_run, batch.pk)
    return batch


@dataclass
class _Row:
    number: int  # row number in the sheet (header is row 1)
    raw: tuple[Any, ...]
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid_rows: list[_Row] = field(default_factory=list)
    household_ids: list[int] = field(default_factory=list)
    rows_total: int = 0


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _flag(value: Any, label: str, errors: list[str]) -> bool:
    text = _text(value)
    if text in C.YES:
        return True
    if text in C.NO:
        return False
    errors.append(f"{label}应填「是」或「否」，实际为「{text}」")
    return False


def _choice(
    value: Any, mapping: dict[str, Any], label: str, errors: list[str], *, required: bool = False
) -> Any:
    text = _text(value)
    if not text:
        if required:
            errors.append(f"请填写{label}")
        return None
    if text in mapping:
        return mapping[text]
    errors.append(f"{label}「{text}」无效（可填：{'、'.join(sorted(set(map(str, mapping)))[:12])}）")
    return None


def _date(value: Any, label: str, errors: list[str]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(_text(value).replace("/", "-").replace(".", "-"))
    except ValueError:
        errors.append(f"{label}「{_text(value)}」不是日期（例如 2024-03-01）")
        return None


class _Units:
    """Resolve county / township / village names within the importer's jurisdiction."""

    def __init__(self, actor: Any) -> None:
        from assistance.policies import is_city_wide, local_q

        self.all = is_superuser(actor) or is_city_wide(actor)
        q = None if self.all else local_q(actor, "")
        allowed = OrgUnit.objects.filter(kind=OrgUnit.Kind.VILLAGE)
        if q is not None:
            allowed = allowed.filter(q)
        self.allowed_villages = set(allowed.values_list("pk", flat=True))
        self.counties = {u.name: u for u in OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY)}
        self.children: dict[int, dict[str, OrgUnit]] = {}

    def _kids(self, parent: OrgUnit) -> dict[str, OrgUnit]:
        if parent.pk not in self.children:
            self.children[parent.pk] = {u.name: u for u in OrgUnit.objects.filter(parent=parent, active=True)}
        return self.children[parent.pk]

    def village(self, county: str, township: str, village: str, errors: list[str]) -> OrgUnit | None:
        c = self.counties.get(county)
        if c is None:
            errors.append(f"县（区）「{county}」不存在")
            return None
        t = self._kids(c).get(township)
        if t is None or t.kind != OrgUnit.Kind.TOWNSHIP:
            errors.append(f"{county}没有乡镇（街道）「{township}」")
            return None
        v = self._kids(t).get(village)
        if v is None or v.kind != OrgUnit.Kind.VILLAGE:
            errors.append(f"{township}没有村（社区）「{village}」")
            return None
        if v.pk not in self.allowed_villages:
            errors.append(f"{county}{township}{village}不在您的管辖范围内")
            return None
        return v


def _parse(fileobj: IO[bytes]) -> tuple[list[str], list[_Row]]:
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as exc:
        raise RuleViolation(errors={"file": [f"无法读取 XLSX 文件：{exc.__class__.__name__}"]}) from None
    ws = wb.active
    rows = ws.iter_rows(values_only=True)
    header: list[str] = []
    offset = 1
    for raw in rows:  # skip a note row above the header (the export puts one there)
        cells = [_text(c) for c in raw]
        if "户编号" in cells:
            header = cells
            break
        offset += 1
        if offset > 5:
            break
    if not header:
        raise RuleViolation(
            errors={"file": ["找不到表头行（第一行应包含「户编号」「姓名」「公民身份号码」等列）"]}
        )
    missing = [h for h in C.REQUIRED_HEADERS if h not in header]
    if missing:
        raise RuleViolation(errors={"file": [f"缺少列：{'、'.join(missing)}"]})
    index = {C.KEY_OF[h]: i for i, h in enumerate(header) if h in C.KEY_OF}
    parsed: list[_Row] = []
    for number, raw in enumerate(rows, start=offset + 1):
        if raw is None or not any(c not in (None, "") for c in raw):
            continue
        if len(parsed) >= MAX_ROWS:
            raise RuleViolation(errors={"file": [f"一次最多导入 {MAX_ROWS} 行，请分批导入"]})
        values = {key: (raw[i] if i < len(raw) else None) for key, i in index.items()}
        parsed.append(_Row(number, tuple(raw), values))
    return header, parsed


def _person_input(row: _Row, today: date) -> PersonInput:
    v, errors = row.values, row.errors
    raw_id = v.get("id_number")
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
        errors.append("公民身份号码请以文本格式填写（数字格式会丢失末位）")
    grade = _choice(v.get("disability_grade"), C.GRADE_BY_LABEL, "残疾等级", errors)
    return PersonInput(
        id_number=_text(raw_id),
        name=_text(v.get("name")),
        relation=_choice(v.get("relation"), C.RELATION_BY_LABEL, "与户主关系", errors, required=True)
        or "other",
        labour_capacity=_choice(v.get("labour_capacity"), C.LABOUR_BY_LABEL, "劳动能力", errors) or "full",
        disability_category=_choice(v.get("disability_category"), C.DISABILITY_BY_LABEL, "残疾类别", errors),
        disability_grade=grade,
        serious_illness=_flag(v.get("serious_illness"), "是否重病", errors),
        employed=_flag(v.get("employed"), "是否就业", errors),
        own_income=_text(v.get("own_income")) or "0",
        has_able_supporter=_flag(v.get("has_able_supporter"), "有履行能力的法定义务人", errors),
    )


def _household_values(row: _Row) -> dict[str, Any]:
    errors = row.errors
    v = row.values
    return {
        "address": _text(v.get("address")),
        "area": _choice(v.get("area"), C.AREA_BY_LABEL, "城乡属性", errors, required=True),
        "phone": _text(v.get("phone")),
        **{
            key: _text(v.get(key)) or "0"
            for key in (
                "income_wage",
                "income_operating",
                "income_property",
                "income_transfer",
                "savings",
                "exp_medical",
                "exp_education",
                "exp_disaster",
                "exp_accident",
            )
        },
        "houses": _text(v.get("houses")) or "0",
        "vehicles": _text(v.get("vehicles")) or "0",
        "property_within_limits": _flag(
            v.get("property_within_limits") if v.get("property_within_limits") not in (None, "") else "是",
            "家庭财产是否符合规定",
            errors,
        ),
        "monitoring": _choice(v.get("monitoring"), C.MONITORING_BY_LABEL, "防止返贫监测对象类型", errors),
    }


def _messages(exc: DomainError) -> list[str]:
    if isinstance(exc, RuleViolation):
        return [m for msgs in exc.errors.values() for m in msgs]
    return [exc.message]


def import_rows(*, rows: list[_Row], actor: Any, now: datetime | None = None) -> ImportResult:
    """Validate and import parsed rows, one household (one transaction) at a time."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    units = _Units(actor)
    result = ImportResult(rows_total=len(rows))
    groups: OrderedDict[tuple[str, str], list[_Row]] = OrderedDict()
    for row in rows:
        code = _text(row.values.get("code"))
        county = _text(row.values.get("county"))
        if not code:
            row.errors.append("请填写户编号")
            result.invalid_rows.append(row)
            continue
        groups.setdefault((county, code), []).append(row)
    for (county_name, code), group in groups.items():
        _import_household(county_name, code, group, units, actor, today, now, result)
    result.invalid_rows.sort(key=lambda r: r.number)
    return result


def _import_household(
    county_name: str,
    code: str,
    group: list[_Row],
    units: _Units,
    actor: Any,
    today: date,
    now: datetime,
    result: ImportResult,
) -> None:
    first = group[0]
    for row in group[1:]:
        diffs = [k for k in C.HOUSEHOLD_KEYS if _text(row.values.get(k)) != _text(first.values.get(k))]
        if diffs:
            labels = [h for h, key, _ in C.COLUMNS if key in diffs]
            row.errors.append(f"与同户第 {first.number} 行的家庭信息不一致：{'、'.join(labels)}")
    village = units.village(
        county_name, _text(first.values.get("township")), _text(first.values.get("village")), first.errors
    )
    hh_values = _household_values(first)
    members = [_person_input(row, today) for row in group]
    tier = _choice(first.values.get("tier"), C.TIER_BY_LABEL, "低收入人口类别", first.errors)
    tier_since = _date(first.values.get("tier_since"), "认定日期", first.errors)
    singles = [i for i, row in enumerate(group) if _text(row.values.get("single_person")) in C.YES]
    if singles and tier != rules.DIBAO:
        group[singles[0]].errors.append("只有低保可以单人保")
    if len(singles) > 1:
        group[singles[1]].errors.append("一户只能有一名单人保对象")
    if tier_since and tier_since > today:
        first.errors.append("认定日期不能晚于今天")

    def reject(extra: list[str] | None = None) -> None:
        if extra:
            first.errors.extend(extra)
        for row in group:
            if not row.errors:
                row.errors.append("同户其他行有错误，本户未导入")
            result.invalid_rows.append(row)

    if any(row.errors for row in group):
        reject()
        return
    existing = Household.objects.filter(county=village.county if village else None, code=code).first()
    data = HouseholdInput(village=village, members=members, code=code, **hh_values)
    try:
        with transaction.atomic():
            if existing is None:
                household = household_create(
                    data=data, actor=actor, reason="批量导入", source=HouseholdVersion.Source.IMPORT, now=now
                )
                if tier:
                    single = None
                    if singles:
                        single = Person.objects.get(
                            id_number=rules.normalize_id(members[singles[0]].id_number)
                        )
                    household_set_tier(
                        household=household,
                        tier=tier,
                        single_person=single,
                        actor=actor,
                        reason="批量导入：县区台账中的已认定类别",
                        source=HouseholdVersion.Source.IMPORT,
                        now=now,
                        since=tier_since or today,
                    )
                result.created += 1
                result.household_ids.append(household.pk)
                return
            if existing.tier != tier:
                raise RuleViolation(
                    errors={
                        "tier": [
                            f"类别与系统记录不一致（系统：{existing.tier_label}，文件：{rules.TIER_SHORT.get(tier or '', '未纳入')}）；"
                            "类别变更须经申请认定或核实后退出，不能通过导入修改"
                        ]
                    }
                )
            base = household_input_from(existing)
            data.property_note = base.property_note
            data.designated_other = base.designated_other
            known = {rules.normalize_id(p.id_number): p for p in base.members}
            for person in data.members:
                old = known.get(rules.normalize_id(person.id_number))
                if old is not None and old.has_able_supporter == person.has_able_supporter:
                    person.supporters = old.supporters
            _, changed = household_update(
                household=existing,
                data=data,
                actor=actor,
                reason="批量导入更新",
                source=HouseholdVersion.Source.IMPORT,
                now=now,
            )
            if changed:
                result.updated += 1
                result.household_ids.append(existing.pk)
            else:
                result.unchanged += 1
    except RuleViolation as exc:
        general: list[str] = []
        for key, messages in exc.errors.items():
            parts = key.split(".")
            if (
                parts[0] == "members"
                and len(parts) == 3
                and parts[1].isdigit()
                and int(parts[1]) < len(group)
            ):
                group[int(parts[1])].errors.extend(messages)
            else:
                general.extend(messages)
        reject(general)
    except DomainError as exc:
        reject(_messages(exc))


def error_file(header: list[str], rows: list[_Row]) -> bytes:
    body = [
        [*row.raw[: len(header)], *[None] * (len(header) - len(row.raw)), row.number, "；".join(row.errors)]
        for row in rows
    ]
    return xlsx_bytes([("错误行", [*header, "原行号", "错误原因"], body)])


def import_execute(batch_id: int, *, now: datetime | None = None) -> ImportBatch:
    """Process an uploaded batch (claimed once with a conditional UPDATE)."""
    from assistance.services.rescreen import rescreen_request

    now = now or timezone.now()
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.PENDING).update(
        status=ImportBatch.Status.RUNNING, started_at=now
    )
    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    if not claimed:
        return batch
    try:
        with batch.file.open("rb") as handle:
            header, rows = _parse(io.BytesIO(handle.read()))
        result = import_rows(rows=rows, actor=batch.uploaded_by, now=now)
    except RuleViolation as exc:
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportBatch.Status.FAILED, finished_at=timezone.now(), message=exc.message
        )
        batch.refresh_from_db()
        return batch
    if result.invalid_rows:
        batch.error_file.save(
            f"{batch.sha256[:8]}-errors.xlsx",
            ContentFile(error_file(header, result.invalid_rows)),
            save=False,
        )
    batch.status = ImportBatch.Status.DONE
    batch.finished_at = timezone.now()
    batch.rows_total = result.rows_total
    batch.rows_invalid = len(result.invalid_rows)
    batch.households_created = result.created
    batch.households_updated = result.updated
    batch.households_unchanged = result.unchanged
    batch.message = (
        f"新增 {result.created} 户，更新 {result.updated} 户，未变化 {result.unchanged} 户；"
        f"错误 {len(result.invalid_rows)} 行"
    )
    batch.save()
    audit_record(
        actor=batch.uploaded_by,
        action="assistance.import.done",
        obj=batch,
        after={"created": result.created, "updated": result.updated, "invalid": len(result.invalid_rows)},
    )
    if result.household_ids:
        rescreen_request(
            trigger=RescreenRun.Trigger.DATA,
            actor=batch.uploaded_by,
            household_ids=result.household_ids,
            note=f"导入 #{batch.pk}：{batch.filename}",
        )
    return batch
