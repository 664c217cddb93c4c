"""Demo data for `manage.py seed_demo` (idempotent): villages under a few townships (the seeded
org tree stops at townships), households in every tier with a year of history, applications at
each step, warnings, a referral, aid records and last month's payment list."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from assistance import rules
from assistance.models import Household, TierPeriod
from assistance.services import applications as app_svc
from assistance.services import ledger as ledger_svc
from assistance.services import monitoring as mon_svc
from assistance.services.households import HouseholdInput, PersonInput, household_create, household_set_tier
from portal.models import Membership, OrgUnit, Role, User
from portal.personas import DEMO_PASSWORD

# (township code, [(village name, urban?)]) — demo names, to be replaced by the counties' lists.
VILLAGES = [
    ("yicheng-t12", [("水屯村", False), ("杨楼村", False), ("刘庄村", False)]),
    ("yicheng-t13", [("沙河店村", False), ("东王庄村", False)]),
    ("yicheng-t01", [("人民街社区", True)]),
    ("xiping-t01", [("东关社区", True)]),
    ("xiping-t04", [("五沟营村", False)]),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "建国",
    "秀英",
    "桂兰",
    "志强",
    "玉梅",
    "国华",
    "春花",
    "海燕",
    "文博",
    "子涵",
    "浩然",
    "雨桐",
    "明",
    "丽",
    "军",
    "芳",
]


_ORDER = itertools.count(1)


def _id(rng: random.Random, birth: date, region: str, female: bool) -> str:
    order = (next(_ORDER) % 500) * 2 + (0 if female else 1)
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + rules.id_check_char(body)


def _villages() -> list[OrgUnit]:
    out = []
    for township_code, names in VILLAGES:
        township = OrgUnit.objects.filter(code=township_code).first()
        if township is None:
            continue
        for i, (name, _urban) in enumerate(names):
            code = f"{township_code}-v{i + 1:02d}"
            unit = OrgUnit.objects.filter(code=code).first()
            if unit is None:
                unit = OrgUnit.objects.create(
                    code=code, name=name, kind=OrgUnit.Kind.VILLAGE, parent=township, sort=i
                )
            out.append(unit)
    return out


def _department_persona() -> User:
    user = User.objects.filter(username="ybj_staff").first()
    if user is None:
        user = User.objects.create_user(
            username="ybj_staff",
            password=DEMO_PASSWORD,
            display_name="市医疗保障局·救助科",
            email="ybj_staff@demo.invalid",
        )
    unit = OrgUnit.objects.get(code="ybj")
    role = Role.objects.get(code="city_staff")
    if not Membership.objects.active().filter(user=user, unit=unit, role=role).exists():
        Membership.objects.create(user=user, unit=unit, role=role, reason="演示数据")
    return user


def _person(
    rng: random.Random, *, age: int, relation: str, region: str, today: date, **fields: Any
) -> PersonInput:
    female = rng.random() < 0.5
    birth = today.replace(year=today.year - age) - timedelta(days=rng.randint(1, 300))
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    return PersonInput(id_number=_id(rng, birth, region, female), name=name, relation=relation, **fields)


def seed(stdout: Any = None) -> list[tuple[str, str]]:
    dept = _department_persona()
    accounts = [("ybj_staff", "市医疗保障局：接收医疗需求预警推送、反馈医疗救助")]
    if Household.objects.filter(code__startswith="DEMO-").exists():
        return accounts
    with transaction.atomic():
        _seed_households(dept)
    if stdout is not None:
        stdout.write("  低收入人口：已建立演示村（社区）和家庭")
    return accounts


def _seed_households(dept: User) -> None:
    from portal.personas import BY_USERNAME, ensure_persona

    officer = ensure_persona(BY_USERNAME["shuitun"])
    county_officer = ensure_persona(BY_USERNAME["yicheng"])
    rng = random.Random(20240624)
    now = timezone.now()
    today = timezone.localdate(now)
    villages = _villages()
    profiles = [
        # (tier, months ago confirmed, members spec, yearly income, extra)
        ("extreme_poverty", 11, [(78, "none", {})], 1800, {}),
        (
            "extreme_poverty",
            6,
            [(15, "none", {"disability_grade": 2, "disability_category": "intellectual"})],
            0,
            {},
        ),
        (
            "dibao",
            12,
            [(52, "partial", {}), (49, "full", {}), (17, "full", {})],
            9000,
            {"exp_medical": "6000"},
        ),
        ("dibao", 10, [(66, "none", {}), (63, "partial", {})], 6000, {}),
        (
            "dibao",
            8,
            [
                (44, "full", {}),
                (20, "none", {"disability_grade": 1, "disability_category": "physical"}),
                (42, "full", {}),
            ],
            18000,
            {"single": 1},
        ),
        ("dibao", 5, [(38, "full", {}), (9, "full", {}), (6, "full", {})], 12000, {}),
        ("dibao", 3, [(71, "none", {"serious_illness": True}), (69, "partial", {})], 7000, {}),
        ("near_dibao", 9, [(46, "full", {}), (45, "full", {})], 13000, {"monitoring": "edge"}),
        (
            "near_dibao",
            4,
            [(55, "partial", {}), (30, "full", {}), (3, "full", {})],
            20000,
            {"monitoring": "unstable"},
        ),
        (
            "rigid_expenditure",
            7,
            [(50, "full", {}), (48, "full", {"serious_illness": True})],
            32000,
            {"exp_medical": "24000", "monitoring": "sudden"},
        ),
        ("rigid_expenditure", 2, [(40, "full", {}), (12, "full", {})], 26000, {"exp_disaster": "15000"}),
        ("other", 6, [(35, "full", {}), (33, "full", {})], 40000, {"monitoring": "unstable"}),
    ]
    created: list[Household] = []
    for n, (tier, months, spec, income, extra) in enumerate(profiles * 2):
        village = villages[n % len(villages)]
        region = "411702" if village.county and village.county.code == "yicheng" else "411721"
        members = [
            _person(
                rng,
                age=age,
                relation="head" if i == 0 else ("spouse" if i == 1 and age > 18 else "child"),
                region=region,
                today=today,
                labour_capacity=cap,
                **fields,
            )
            for i, (age, cap, fields) in enumerate(spec)
        ]
        extra = dict(extra)
        single = extra.pop("single", None)
        area = "urban" if "社区" in village.name else "rural"
        data = HouseholdInput(
            village=village,
            area=area,
            members=members,
            code=f"DEMO-{n + 1:03d}",
            address=f"{village.name}{rng.randint(1, 120)}号",
            phone=f"138{rng.randint(10000000, 99999999)}",
            income_wage=str(income),
            income_transfer=str(rng.choice([0, 600, 1200])),
            **extra,
        )
        household = household_create(data=data, actor=officer, reason="演示数据")
        since = today - timedelta(days=30 * (months + (n // len(profiles)) * 1))
        single_person = household.members.order_by("position")[single].person if single is not None else None
        household_set_tier(
            household=household,
            tier=tier,
            single_person=single_person,
            actor=officer,
            reason="演示：历史认定",
            source="import",
            now=now,
            since=since,
        )
        created.append(household)
    # Two households left 低保 some months ago (the chart shows the drop).
    for household in created[20:22]:
        TierPeriod.objects.filter(household=household, end__isnull=True).update(
            end=today - timedelta(days=45), end_reason="演示：收入增加退出"
        )
        Household.objects.filter(pk=household.pk).update(tier=None, single_person=None, tier_since=None)
    # Applications at each step, in 水屯镇.
    shuitun = [v for v in villages if v.parent.code == "yicheng-t12"]
    fresh = []
    for i, (income, spec) in enumerate(
        [
            (6000, [(45, "full"), (43, "partial")]),
            (14000, [(50, "full"), (47, "full")]),
            (4000, [(80, "none")]),
            (9000, [(39, "full"), (36, "full"), (8, "full")]),
        ]
    ):
        members = [
            _person(
                rng,
                age=a,
                relation="head" if j == 0 else "spouse" if j == 1 else "child",
                region="411702",
                today=today,
                labour_capacity=c,
            )
            for j, (a, c) in enumerate(spec)
        ]
        fresh.append(
            household_create(
                data=HouseholdInput(
                    village=shuitun[i % len(shuitun)],
                    area="rural",
                    members=members,
                    code=f"DEMO-A{i + 1:02d}",
                    income_wage=str(income),
                    phone=f"139{rng.randint(10000000, 99999999)}",
                ),
                actor=officer,
                reason="演示数据",
            )
        )
    a1 = app_svc.application_review(
        application=app_svc.application_create(household=fresh[0], requested_tier="dibao", actor=officer),
        actor=officer,
    )
    app_svc.publicity_start(application=a1, actor=officer)
    app_svc.objection_record(
        publicity=a1.publicity, content="该户在县城有门面房出租", objector="村民", actor=officer
    )
    a2 = app_svc.application_review(
        application=app_svc.application_create(household=fresh[1], requested_tier="dibao", actor=officer),
        actor=officer,
    )
    app_svc.application_offer_other(application=a2, actor=officer)
    app_svc.application_create(
        household=fresh[2], requested_tier="dibao", actor=officer, note="独居老人，子女在外地"
    )
    a4 = app_svc.application_create(household=fresh[3], requested_tier="near_dibao", actor=officer)
    app_svc.temporary_aid_grant(
        application=a4, amount=Decimal("1000.00"), note="家中失火，先行临时救助", actor=officer
    )
    # Warnings: one overdue red, one orange referred to 医保, one visited yellow.
    red = mon_svc.warning_raise(
        household=created[2],
        level="red",
        source="data",
        need="medical",
        description="医保数据：住院自付 2.6 万元",
        actor=officer,
        now=now - timedelta(days=5),
    )
    orange = mon_svc.warning_raise(
        household=created[9],
        level="orange",
        source="data",
        need="medical",
        description="重病患者医疗支出持续增加",
        actor=officer,
    )
    mon_svc.warning_refer(
        warning=orange,
        department=OrgUnit.objects.get(code="ybj"),
        note="请落实医疗救助（含疾病应急救助）",
        actor=officer,
    )
    yellow = mon_svc.warning_raise(
        household=created[7],
        level="yellow",
        source="visit",
        need="employment",
        description="户主失业",
        actor=officer,
    )
    mon_svc.visit_record(
        household=created[7],
        warning=yellow,
        kind="warning",
        findings="户主失业两个月，已告知就业救助政策",
        informed_policies=True,
        conclusion="qualifies",
        actor=officer,
    )
    mon_svc.warning_refer(
        warning=yellow, department=OrgUnit.objects.get(code="rsj"), note="请提供就业援助", actor=officer
    )
    del red
    ledger_svc.aid_record(
        household=created[9],
        aid_type="medical",
        amount="8000.00",
        department=OrgUnit.objects.get(code="ybj"),
        granted_on=today - timedelta(days=20),
        actor=dept,
        note="大病医疗救助",
    )
    ledger_svc.aid_record(
        household=created[2],
        aid_type="education",
        amount="1500.00",
        department=OrgUnit.objects.get(code="jyj"),
        granted_on=today - timedelta(days=60),
        actor=officer,
        note="高中助学金",
    )
    ledger_svc.aid_record(
        household=created[3],
        aid_type="festival_visit",
        amount="300.00",
        department=created[3].township,
        granted_on=today - timedelta(days=90),
        actor=officer,
    )
    first = today.replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)
    for code in ("yicheng", "xiping"):
        ledger_svc.payment_list_generate(
            county=OrgUnit.objects.get(code=code), month=last_month, actor=county_officer
        )
    # Periodic reviews for the basic tiers.
    for household in Household.objects.filter(code__startswith="DEMO-", tier__in=rules.BASIC_TIERS):
        mon_svc.periodic_review_schedule(household=household, after=household.tier_since or today)
