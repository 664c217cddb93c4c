"""Households, persons and members: create, update (a new version each time), flag a person
found in two households, unmask ID numbers (audited), run the classifier on a household."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from assistance import rules
from assistance.models import (
    Application,
    Classification,
    Household,
    HouseholdVersion,
    Member,
    Person,
    PersonFlag,
    TierPeriod,
)
from assistance.services.standards import standards_for_unit, standards_ruleset
from portal.audit import audit_record
from portal.errors import Conflict, InvalidTransition, RuleViolation
from portal.models import OrgUnit
from portal.rulesets import diff

MONEY_FIELDS = [
    "income_wage",
    "income_operating",
    "income_property",
    "income_transfer",
    "savings",
    "exp_medical",
    "exp_education",
    "exp_disaster",
    "exp_accident",
]
HOUSEHOLD_FIELDS = [
    "code",
    "county",
    "township",
    "village",
    "address",
    "area",
    "phone",
    *MONEY_FIELDS,
    "houses",
    "vehicles",
    "property_note",
    "property_within_limits",
    "monitoring",
    "designated_other",
    "tier",
    "tier_since",
    "single_person",
]
PERSON_FIELDS = [
    "id_number",
    "name",
    "sex",
    "birth_date",
    "labour_capacity",
    "disability_category",
    "disability_grade",
    "serious_illness",
    "employed",
    "own_income",
    "supporters",
    "has_able_supporter",
]
MAX_MONEY = Decimal("1000000000")
_ATTNAMES = {f.name: f.attname for f in Household._meta.concrete_fields}


@dataclass
class PersonInput:
    id_number: str
    name: str
    relation: str = Member.Relation.OTHER
    labour_capacity: str = "full"
    disability_category: str | None = None
    disability_grade: int | None = None
    serious_illness: bool = False
    employed: bool = False
    own_income: Any = "0"
    has_able_supporter: bool = False
    supporters: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class HouseholdInput:
    village: OrgUnit | None
    area: str
    members: list[PersonInput]
    code: str = ""
    address: str = ""
    phone: str = ""
    income_wage: Any = "0"
    income_operating: Any = "0"
    income_property: Any = "0"
    income_transfer: Any = "0"
    savings: Any = "0"
    houses: Any = 0
    vehicles: Any = 0
    property_note: str = ""
    property_within_limits: bool = True
    exp_medical: Any = "0"
    exp_education: Any = "0"
    exp_disaster: Any = "0"
    exp_accident: Any = "0"
    monitoring: str | None = None
    designated_other: bool = False


@dataclass
class CleanHousehold:
    """Validated input: Decimal money, resolved units, normalised ID numbers."""

    values: dict[str, Any]
    members: list[dict[str, Any]]


def _decimal(value: Any, name: str, errors: dict[str, list[str]], label: str) -> Decimal:
    text = "0" if value in (None, "") else str(value).replace(",", "").strip()
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        errors.setdefault(name, []).append(f"{label}应为金额（元），例如 1200.50")
        return Decimal("0")
    if not amount.is_finite() or amount < 0 or amount >= MAX_MONEY:
        errors.setdefault(name, []).append(f"{label}应在 0 到 10 亿元之间")
        return Decimal("0")
    if amount != rules.money(amount):
        errors.setdefault(name, []).append(f"{label}最多保留两位小数（到分）")
    return rules.money(amount)


def _count(value: Any, name: str, errors: dict[str, list[str]], label: str) -> int:
    try:
        number = int(str(value if value not in (None, "") else 0).strip())
    except ValueError:
        errors.setdefault(name, []).append(f"{label}应为整数")
        return 0
    if not 0 <= number <= 99:
        errors.setdefault(name, []).append(f"{label}应在 0 到 99 之间")
    return number


LABELS = {f.name: str(f.verbose_name) for f in Household._meta.concrete_fields}
PERSON_LABELS = {f.name: str(f.verbose_name) for f in Person._meta.concrete_fields}


def validate_household(data: HouseholdInput, *, today: date) -> CleanHousehold:
    """Check everything and report every problem at once (field → messages, Chinese)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    village = data.village
    if village is None or village.kind != OrgUnit.Kind.VILLAGE:
        errors.setdefault("village", []).append("请选择家庭所在的村（社区）")
    else:
        township = village.parent
        county = village.county
        if township is None or township.kind != OrgUnit.Kind.TOWNSHIP or county is None:
            errors.setdefault("village", []).append("该村（社区）未挂在乡镇（街道）和县区之下，请联系管理员")
        else:
            values.update(village=village, township=township, county=county)
    if data.area not in rules.AREAS:
        errors.setdefault("area", []).append("请选择城市或农村")
    values["area"] = data.area
    values["code"] = (data.code or "").strip()
    if len(values["code"]) > 40:
        errors.setdefault("code", []).append("户编号不超过 40 个字符")
    values["address"] = (data.address or "").strip()[:200]
    phone = "".join(str(data.phone or "").split())
    if phone and (not phone.replace("-", "").isdigit() or len(phone) > 20):
        errors.setdefault("phone", []).append("联系电话只能包含数字和连字符")
    values["phone"] = phone
    for name in MONEY_FIELDS:
        values[name] = _decimal(getattr(data, name), name, errors, LABELS[name])
    values["houses"] = _count(data.houses, "houses", errors, "房屋套数")
    values["vehicles"] = _count(data.vehicles, "vehicles", errors, "机动车数量")
    values["property_note"] = (data.property_note or "").strip()[:200]
    values["property_within_limits"] = bool(data.property_within_limits)
    if data.monitoring not in (None, "", *rules.MONITORING_KINDS):
        errors.setdefault("monitoring", []).append("监测对象类型无效")
    values["monitoring"] = data.monitoring or None
    values["designated_other"] = bool(data.designated_other)

    members: list[dict[str, Any]] = []
    if not data.members:
        errors.setdefault("members", []).append("至少需要一名家庭成员")
    seen: set[str] = set()
    heads = 0
    for i, m in enumerate(data.members):
        prefix = f"members.{i}."
        check = rules.validate_id_number(m.id_number, today=today)
        for message in check.errors:
            errors.setdefault(prefix + "id_number", []).append(message)
        if check.normalized in seen:
            errors.setdefault(prefix + "id_number", []).append("同一家庭中公民身份号码重复")
        seen.add(check.normalized)
        name = (m.name or "").strip()
        if not name:
            errors.setdefault(prefix + "name", []).append("请填写姓名")
        elif len(name) > 60:
            errors.setdefault(prefix + "name", []).append("姓名不超过 60 个字符")
        if m.relation not in Member.Relation.values:
            errors.setdefault(prefix + "relation", []).append("与户主关系无效")
        heads += m.relation == Member.Relation.HEAD
        if m.labour_capacity not in rules.LABOUR_CAPACITIES:
            errors.setdefault(prefix + "labour_capacity", []).append("请选择劳动能力")
        grade = m.disability_grade
        if grade in ("", None):
            grade = None
        else:
            try:
                grade = int(grade)
            except (TypeError, ValueError):
                grade = -1
            if grade not in rules.GRADE_LABELS:
                errors.setdefault(prefix + "disability_grade", []).append("残疾等级应为一至四级")
        category = m.disability_category or None
        if category is not None and category not in rules.DISABILITY_CATEGORIES:
            errors.setdefault(prefix + "disability_category", []).append("残疾类别无效")
        if (grade is None) != (category is None):
            errors.setdefault(prefix + "disability_grade", []).append("残疾类别和等级须同时填写（按残疾证）")
        supporters = [s for s in (m.supporters or []) if isinstance(s, dict) and s.get("name")]
        able = bool(m.has_able_supporter) or any(bool(s.get("able")) for s in supporters)
        members.append(
            {
                "id_number": check.normalized,
                "birth_date": check.birth_date,
                "sex": check.sex,
                "name": name,
                "relation": m.relation,
                "position": i,
                "labour_capacity": m.labour_capacity,
                "disability_category": category,
                "disability_grade": grade,
                "serious_illness": bool(m.serious_illness),
                "employed": bool(m.employed),
                "own_income": _decimal(m.own_income, prefix + "own_income", errors, "个人收入"),
                "supporters": [
                    {
                        "name": str(s["name"])[:60],
                        "relation": str(s.get("relation", ""))[:20],
                        "able": bool(s.get("able")),
                    }
                    for s in supporters
                ],
                "has_able_supporter": able,
            }
        )
    if data.members and heads != 1:
        errors.setdefault("members", []).append("每户须有且只有一名户主")
    if errors:
        raise RuleViolation(errors=errors)
    return CleanHousehold(values, members)


# --- snapshots and versions -------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def household_snapshot(household: Household) -> dict[str, Any]:
    """The household, its active members and their person data, JSON-ready."""
    data = {name: _plain(getattr(household, _ATTNAMES[name])) for name in HOUSEHOLD_FIELDS}
    members = {}
    for member in household.members.filter(active=True).select_related("person").order_by("position", "pk"):
        person = member.person
        members[str(person.pk)] = {
            "relation": member.relation,
            "position": member.position,
            **{name: _plain(getattr(person, name)) for name in PERSON_FIELDS},
        }
    return {"household": data, "members": members}


def _write_version(
    household: Household,
    *,
    before: dict[str, Any] | None,
    actor: Any,
    reason: str,
    source: str,
    now: datetime,
) -> HouseholdVersion:
    after = household_snapshot(household)
    changes = [list(c) for c in diff(before, after)] if before is not None else []
    return HouseholdVersion.objects.create(
        household=household,
        version=household.version,
        data=after,
        changes=changes,
        reason=reason[:300],
        source=source,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=now,
    )


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- persons and members ----------------------------------------------------------------------


def _person_for(values: dict[str, Any]) -> tuple[Person, bool]:
    """The person with this ID number (fields updated), or a new one. Returns (person, changed)."""
    fields = {k: values[k] for k in PERSON_FIELDS if k != "id_number"}
    person = Person.objects.select_for_update().filter(id_number=values["id_number"]).first()
    if person is None:
        try:
            with transaction.atomic():
                return Person.objects.create(id_number=values["id_number"], **fields), True
        except IntegrityError:
            person = Person.objects.select_for_update().get(id_number=values["id_number"])
    changed = [k for k, v in fields.items() if getattr(person, k) != v]
    if changed:
        for k in changed:
            setattr(person, k, fields[k])
        person.save(update_fields=[*changed, "updated_at"])
    return person, bool(changed)


def flag_if_in_two_households(person: Person) -> PersonFlag | None:
    """A person in more than one household at once is flagged for review (§1)."""
    households = sorted(
        Member.objects.filter(person=person, active=True).values_list("household_id", flat=True)
    )
    open_flag = PersonFlag.objects.filter(
        person=person, kind="two_households", status=PersonFlag.Status.OPEN
    ).first()
    if len(households) > 1:
        if open_flag is None:
            try:
                with transaction.atomic():
                    return PersonFlag.objects.create(
                        person=person, kind="two_households", households=households
                    )
            except IntegrityError:
                return PersonFlag.objects.filter(person=person, status=PersonFlag.Status.OPEN).first()
        if open_flag.households != households:
            open_flag.households = households
            open_flag.save(update_fields=["households"])
        return open_flag
    if open_flag is not None:
        open_flag.status = PersonFlag.Status.RESOLVED
        open_flag.resolution = "已只在一个家庭中"
        open_flag.resolved_at = timezone.now()
        open_flag.save(update_fields=["status", "resolution", "resolved_at"])
    return None


def person_flag_resolve(*, flag: PersonFlag, resolution: str, actor: Any) -> PersonFlag:
    if not resolution.strip():
        raise RuleViolation(errors={"resolution": ["请填写核查处理说明"]})
    with transaction.atomic():
        locked = PersonFlag.objects.select_for_update().get(pk=flag.pk)
        if locked.status != PersonFlag.Status.OPEN:
            raise InvalidTransition("该标记已处理")
        locked.status = PersonFlag.Status.RESOLVED
        locked.resolution = resolution.strip()[:300]
        locked.resolved_at = timezone.now()
        locked.resolved_by = _user(actor)
        locked.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])
        audit_record(
            actor=actor, action="assistance.person.flag_resolve", obj=locked, after={"resolution": resolution}
        )
    return locked


def _sync_members(
    household: Household, members: list[dict[str, Any]], *, today: date, reason: str
) -> list[Person]:
    """Make the active members exactly `members` (matched by ID number). Returns persons to
    check for a second household."""
    current = {m.person.id_number: m for m in household.members.filter(active=True).select_related("person")}
    touched: list[Person] = []
    keep: set[str] = set()
    for values in members:
        person, _ = _person_for(values)
        keep.add(person.id_number)
        member = current.get(person.id_number)
        if member is None:
            Member.objects.create(
                household=household,
                person=person,
                relation=values["relation"],
                position=values["position"],
                joined_on=today,
            )
            touched.append(person)
        elif (member.relation, member.position) != (values["relation"], values["position"]):
            member.relation, member.position = values["relation"], values["position"]
            member.save(update_fields=["relation", "position"])
    for id_number, member in current.items():
        if id_number not in keep:
            member.active = False
            member.left_on = today
            member.left_reason = (reason or "家庭成员变更")[:200]
            member.save(update_fields=["active", "left_on", "left_reason"])
            touched.append(member.person)
            if household.single_person_id == member.person_id:
                raise RuleViolation(
                    errors={"members": [f"{member.person.name} 是本户单人保对象，须先办理退出再移出家庭"]}
                )
    return touched


def _new_code() -> str:
    return f"{timezone.localdate():%Y%m%d}{secrets.token_hex(3).upper()}"


def household_create(
    *,
    data: HouseholdInput,
    actor: Any,
    reason: str = "新建家庭档案",
    source: str = HouseholdVersion.Source.MANUAL,
    now: datetime | None = None,
) -> Household:
    now = now or timezone.now()
    today = timezone.localdate(now)
    clean = validate_household(data, today=today)
    values = dict(clean.values)
    if not values["code"]:
        values["code"] = _new_code()
    with transaction.atomic():
        if Household.objects.filter(county=values["county"], code=values["code"]).exists():
            raise RuleViolation(errors={"code": [f"户编号 {values['code']} 在{values['county'].name}已存在"]})
        household = Household.objects.create(**values, created_by=_user(actor), updated_by=_user(actor))
        touched = _sync_members(household, clean.members, today=today, reason=reason)
        _write_version(household, before=None, actor=actor, reason=reason, source=source, now=now)
        audit_record(
            actor=actor, action="assistance.household.create", obj=household, after={"code": household.code}
        )
        for person in touched:
            flag_if_in_two_households(person)
    return household


def household_update(
    *,
    household: Household,
    data: HouseholdInput,
    actor: Any,
    reason: str,
    expected_version: int | None = None,
    source: str = HouseholdVersion.Source.MANUAL,
    now: datetime | None = None,
) -> tuple[Household, bool]:
    """Replace the household's data and member list. Returns (household, changed). Nothing is
    written when nothing changed; otherwise the version goes up by one with a history row."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not (reason or "").strip():
        raise RuleViolation(errors={"reason": ["请填写修改原因"]})
    clean = validate_household(data, today=today)
    with transaction.atomic():
        locked = Household.objects.select_for_update().get(pk=household.pk)
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(
                f"该家庭信息已被他人修改（当前版本 {locked.version}，您编辑的是版本 {expected_version}），"
                "请刷新后重新填写"
            )
        values = dict(clean.values)
        if not values["code"]:
            values["code"] = locked.code
        if values["county"].pk != locked.county_id:
            raise RuleViolation(errors={"village": ["不能把家庭迁到其他县区：请由迁入县区新建档案"]})
        if (
            values["code"] != locked.code
            and Household.objects.filter(county=locked.county_id, code=values["code"])
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise RuleViolation(errors={"code": [f"户编号 {values['code']} 已被其他家庭使用"]})
        before = household_snapshot(locked)
        savepoint = transaction.savepoint()
        for name, value in values.items():
            setattr(locked, name, value)
        touched = _sync_members(locked, clean.members, today=today, reason=reason)
        if household_snapshot(locked) == before:
            transaction.savepoint_rollback(savepoint)  # undo the no-op member writes
            return Household.objects.get(pk=household.pk), False
        transaction.savepoint_commit(savepoint)
        locked.version += 1
        locked.updated_by = _user(actor)
        locked.save()
        version = _write_version(locked, before=before, actor=actor, reason=reason, source=source, now=now)
        audit_record(
            actor=actor,
            action="assistance.household.update",
            obj=locked,
            extra={"version": locked.version, "changes": len(version.changes), "reason": reason},
        )
        for person in touched:
            flag_if_in_two_households(person)
    return locked, True


def household_input_from(household: Household) -> HouseholdInput:
    """The current data as an input (to edit one field and save)."""
    members = [
        PersonInput(
            id_number=m.person.id_number,
            name=m.person.name,
            relation=m.relation,
            labour_capacity=m.person.labour_capacity,
            disability_category=m.person.disability_category,
            disability_grade=m.person.disability_grade,
            serious_illness=m.person.serious_illness,
            employed=m.person.employed,
            own_income=m.person.own_income,
            has_able_supporter=m.person.has_able_supporter,
            supporters=list(m.person.supporters or []),
        )
        for m in household.members.filter(active=True).select_related("person").order_by("position", "pk")
    ]
    return HouseholdInput(
        village=household.village,
        area=household.area,
        members=members,
        code=household.code,
        address=household.address,
        phone=household.phone,
        **{name: getattr(household, name) for name in MONEY_FIELDS},
        houses=household.houses,
        vehicles=household.vehicles,
        property_note=household.property_note,
        property_within_limits=household.property_within_limits,
        monitoring=household.monitoring,
        designated_other=household.designated_other,
    )


def household_set_tier(
    *,
    household: Household,
    tier: str | None,
    single_person: Person | None,
    actor: Any,
    reason: str,
    source: str,
    now: datetime,
    application: Application | None = None,
    since: date | None = None,
) -> Household:
    """Write the confirmed tier (only the confirmation, exit and import services call this):
    the current tier period ends, a new one starts, a version row records the change."""
    locked = Household.objects.select_for_update().get(pk=household.pk)
    before = household_snapshot(locked)
    day = since or timezone.localdate(now)
    TierPeriod.objects.filter(household=locked, end__isnull=True).update(end=day, end_reason=reason[:300])
    if tier:
        persons = 1 if single_person else locked.members.filter(active=True).count()
        TierPeriod.objects.create(
            household=locked,
            county_id=locked.county_id,
            township_id=locked.township_id,
            tier=tier,
            single_person=single_person,
            persons=persons,
            start=day,
            application=application,
        )
    locked.tier = tier
    locked.single_person = single_person
    locked.tier_since = day if tier else None
    locked.version += 1
    locked.updated_by = _user(actor)
    locked.save()
    _write_version(locked, before=before, actor=actor, reason=reason, source=source, now=now)
    audit_record(
        actor=actor,
        action="assistance.household.tier",
        obj=locked,
        before={"tier": before["household"]["tier"]},
        after={"tier": tier, "single_person": single_person.pk if single_person else None, "reason": reason},
    )
    return locked


# --- personal data ----------------------------------------------------------------------------


def person_unmask(*, person: Person, actor: Any, purpose: str = "查看完整证件号码") -> str:
    """The full ID number, for a role allowed to see it (checked by the caller); audited."""
    audit_record(
        actor=actor,
        action="assistance.person.unmask",
        obj=person,
        extra={"purpose": purpose[:100], "field": "id_number"},
    )
    return person.id_number


def household_unmask_phone(*, household: Household, actor: Any) -> str:
    audit_record(
        actor=actor, action="assistance.household.unmask_phone", obj=household, extra={"field": "phone"}
    )
    return household.phone


# --- classification ---------------------------------------------------------------------------


def active_members(household: Household) -> list[Member]:
    return list(household.members.filter(active=True).select_related("person").order_by("position", "pk"))


def active_members_of(household_ids: list[int]) -> dict[int, list[Member]]:
    """Active members of many households in one query, in member order."""
    out: dict[int, list[Member]] = {}
    rows = (
        Member.objects.filter(household_id__in=household_ids, active=True)
        .select_related("person")
        .order_by("household_id", "position", "pk")
    )
    for member in rows:
        out.setdefault(member.household_id, []).append(member)
    return out


def member_facts(member: Member, on: date) -> rules.MemberFacts:
    p = member.person
    return rules.MemberFacts(
        age=rules.age_on(p.birth_date, on),
        labour_capacity=p.labour_capacity,
        disability_grade=p.disability_grade,
        disability_category=p.disability_category,
        serious_illness=p.serious_illness,
        has_able_supporter=p.has_able_supporter,
        employed=p.employed,
        own_income=p.own_income,
        label=p.name,
    )


def household_facts(household: Household, members: list[Member], on: date) -> rules.HouseholdFacts:
    return rules.HouseholdFacts(
        area=household.area,
        household_income=household.income_total,
        rigid_expenditure=household.rigid_total,
        property_within_limits=household.property_within_limits,
        members=tuple(member_facts(m, on) for m in members),
        monitoring=household.monitoring,
        designated_other=household.designated_other,
    )


def facts_json(facts: rules.HouseholdFacts, members: list[Member]) -> dict[str, Any]:
    return {
        "area": facts.area,
        "household_income": str(facts.household_income),
        "rigid_expenditure": str(facts.rigid_expenditure),
        "property_within_limits": facts.property_within_limits,
        "monitoring": facts.monitoring,
        "designated_other": facts.designated_other,
        "members": [
            {
                "person": member.person_id,
                "age": f.age,
                "labour_capacity": f.labour_capacity,
                "disability_grade": f.disability_grade,
                "disability_category": f.disability_category,
                "serious_illness": f.serious_illness,
                "has_able_supporter": f.has_able_supporter,
                "employed": f.employed,
                "own_income": str(f.own_income),
            }
            for member, f in zip(members, facts.members, strict=True)
        ],
    }


def result_json(result: rules.Classification, ruleset: Any) -> dict[str, Any]:
    return {
        "tier": result.tier,
        "single_person": result.single_person,
        "other_single_persons": result.other_single_persons,
        "checks": [c.as_dict() for c in result.checks],
        "explanation": [
            *result.explanation,
            f"规则：{ruleset.key} 第 {ruleset.version} 版（{ruleset.valid_from} 起）",
        ],
        "figures": result.figures,
        "per_capita_income": str(result.per_capita_income),
    }


def household_classify(
    *,
    household: Household,
    actor: Any,
    on: date | None = None,
    application: Application | None = None,
    now: datetime | None = None,
) -> Classification:
    """Run the classifier with the standards in force on `on` (default today) and keep the result
    (insert-only), with the figures and rule set it used. Updates the household's computed tier."""
    now = now or timezone.now()
    day = on or timezone.localdate(now)
    members = active_members(household)
    if not members:
        raise RuleViolation(errors={"members": ["该家庭没有在户成员，无法审核"]})
    ruleset = standards_ruleset(day)
    std = standards_for_unit(ruleset.params, area=household.area, county=household.county)
    facts = household_facts(household, members, day)
    result = rules.classify(facts, std)
    single = members[result.single_person].person if result.single_person is not None else None
    classification = Classification.objects.create(
        household=household,
        application=application,
        ruleset=ruleset,
        on_date=day,
        tier=result.tier,
        single_person=single,
        facts=facts_json(facts, members),
        result=result_json(result, ruleset),
        household_version=household.version,
        actor=_user(actor),
        at=now,
    )
    Household.objects.filter(pk=household.pk).update(
        computed_tier=result.tier,
        computed_single_person=single,
        computed_at=now,
        computed_ruleset=ruleset,
    )
    household.computed_tier, household.computed_single_person = result.tier, single
    household.computed_at, household.computed_ruleset = now, ruleset
    return classification
