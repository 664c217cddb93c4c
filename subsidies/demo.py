"""Demo data for the subsidies app (idempotent): a few enterprises with projects, invoices,
loans, recognitions, exhibitions and trains; budgets; one automatic match; applications in
several states; and the people to look at it with."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.errors import DomainError
from portal.personas import Persona, ensure_persona
from subsidies.models import (
    AnnualFigures,
    Application,
    Enterprise,
    EnterpriseMember,
    Equipment,
    Exhibition,
    Loan,
    PolicyDocument,
    Project,
    Recognition,
    Train,
)
from subsidies.rules.creditcode import make_credit_code
from subsidies.services import applications as svc
from subsidies.services.budgets import budget_set
from subsidies.services.matching import entitlements_match

PEOPLE = [
    Persona(
        "city_wgly", "市文广旅局·周科长", "wgly", "city_staff", "市文广旅局：文旅奖补审核（T1、T5、T10、T12）"
    ),
    Persona(
        "ent_tzx",
        "天中芯光电子·经办人",
        "yicheng",
        "enterprise_user",
        "企业用户：天中芯光电子（本企业数据、自助测算、申报）",
    ),
    Persona(
        "ent_agency", "春秋国旅·经办人", "zmd", "enterprise_user", "企业用户：市外组团社（旅游专列 T12）"
    ),
]


def _ent(code17: str, **fields: Any) -> Enterprise:
    ent, _ = Enterprise.objects.get_or_create(credit_code=make_credit_code(code17), defaults=fields)
    return ent


def _project(ent: Enterprise, name: str, **fields: Any) -> Project:
    project, _ = Project.objects.get_or_create(enterprise=ent, name=name, defaults=fields)
    return project


def seed(stdout: Any = None) -> list[tuple[str, str]]:
    from portal.models import OrgUnit

    with transaction.atomic():
        users = {p.username: ensure_persona(p) for p in PEOPLE}
        county = {u.code: u for u in OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY)}
        tzx = _ent(
            "91411702MA9G0TQX1",
            name="驻马店天中芯光电子有限公司",
            industry="optoelectronics",
            county=county["yicheng"],
            above_designated_size=True,
            contact_name="王经理",
        )
        battery = _ent(
            "91411728MA9G0PCB2",
            name="驻马店鹏程储能电池有限公司",
            industry="batteries",
            county=county["suiping"],
            above_designated_size=True,
        )
        soft = _ent(
            "91411700MA9G0QHD3",
            name="驻马店智慧岛软件有限公司",
            industry="software",
            county=county["zone-kaifa"],
            software_enterprise=True,
            software_park_entered_on=date(2025, 3, 1),
        )
        broker = _ent(
            "91410100MA9G0QYK4",
            name="河南中原招商服务有限公司",
            kind="intermediary",
            industry="services",
            outside_city=True,
        )
        night = _ent(
            "91411728MA9G0CYT5",
            name="驻马店嵖岈山夜游文化有限公司",
            industry="culture_tourism",
            county=county["suiping"],
        )
        agency = _ent(
            "91410100MA9G0CQL6",
            name="郑州春秋国际旅行社有限公司",
            kind="travel_agency",
            industry="culture_tourism",
            outside_city=True,
        )
        for n, (name, industry, cty) in enumerate(
            [
                ("驻马店华宇电子材料有限公司", "materials", "xiping"),
                ("驻马店确山芯片封测有限公司", "semiconductors", "queshan"),
                ("驻马店泌阳光通信器件有限公司", "optoelectronics", "biyang"),
                ("驻马店汝南锂电科技有限公司", "batteries", "runan"),
            ]
        ):
            _ent(f"914117{n + 10:02d}MA9G0DM0{n}", name=name, industry=industry, county=county[cty])

        line = _project(
            tzx,
            "高速光模块生产线项目",
            kind="electronic_info",
            status="construction",
            total_investment=Decimal("120000000"),
            fixed_asset_investment=Decimal("90000000"),
            construction_start=date(2024, 8, 1),
            construction_end=date(2026, 12, 31),
        )
        for no, amount in (("44001234", "18000000"), ("44001235", "6000000")):
            Equipment.objects.get_or_create(
                project=line,
                invoice_no=no,
                defaults={
                    "name": "光模块自动耦合封装设备",
                    "invoice_date": date(2025, 5, 20),
                    "amount_excl_tax": Decimal(amount),
                },
            )
        Recognition.objects.get_or_create(
            enterprise=tzx,
            kind="little_giant",
            level="",
            recognised_on=date(2024, 10, 15),
            defaults={"reference": "工信部企业函〔2024〕"},
        )
        Recognition.objects.get_or_create(
            enterprise=tzx,
            kind="enterprise_tech_centre",
            level="provincial",
            recognised_on=date(2025, 12, 20),
        )
        Exhibition.objects.get_or_create(
            enterprise=tzx,
            name="中国国际光电博览会",
            defaults={
                "organiser": "工业和信息化部",
                "held_on": date(2026, 9, 10),
                "booth_fee": Decimal("80000"),
            },
        )
        AnnualFigures.objects.get_or_create(
            enterprise=tzx,
            year=2025,
            defaults={"fiscal_contribution": Decimal("6500000"), "composite_growth_rate": Decimal("0.32")},
        )
        plant = _project(
            battery,
            "储能电池二期项目",
            kind="electronic_info",
            status="production",
            total_investment=Decimal("150000000"),
            fixed_asset_investment=Decimal("120000000"),
            tax_per_mu=Decimal("180000"),
            land_area_mu=Decimal("120"),
            in_statistics_db=True,
            intermediary=broker,
            capital_origin="domestic",
        )
        Equipment.objects.get_or_create(
            project=plant,
            invoice_no="41005566",
            defaults={
                "name": "电芯卷绕与化成设备",
                "invoice_date": date(2025, 2, 10),
                "amount_excl_tax": Decimal("30000000"),
            },
        )
        Loan.objects.get_or_create(
            project=plant,
            bank="中国建设银行驻马店分行",
            defaults={"balance": Decimal("20000000"), "start_date": date(2025, 3, 1), "term_months": 60},
        )
        Recognition.objects.get_or_create(
            enterprise=soft,
            kind="first_version_software",
            level="",
            recognised_on=date(2025, 6, 30),
            defaults={"amount": Decimal("3000000"), "reference": "豫工信软件〔2025〕首版次"},
        )
        _project(
            night,
            "嵖岈山夜游光影秀",
            kind="culture_tourism",
            status="operating",
            new_format=True,
            total_investment=Decimal("28000000"),
            production_started_on=date(2025, 9, 1),
        )
        Recognition.objects.get_or_create(
            enterprise=night,
            kind="night_economy_cluster",
            level="provincial",
            recognised_on=date(2026, 1, 20),
        )
        for i, passengers in enumerate([260, 240, 300, 220, 180, 310]):
            Train.objects.get_or_create(
                agency=agency,
                ticket_ref=f"ZZ-2026-{i + 1:03d}",
                defaults={
                    "kind": "high_speed",
                    "departed_on": date(2026, 4 + i, 12),
                    "passengers": passengers,
                    "paid_scenic_spots": 2 if i != 3 else 1,
                    "days": 2,
                    "nights": 1,
                },
            )
        EnterpriseMember.objects.get_or_create(user=users["ent_tzx"], enterprise=tzx)
        EnterpriseMember.objects.get_or_create(user=users["ent_agency"], enterprise=agency)

        czj = ensure_persona(_platform("city_czj"))
        gxj = ensure_persona(_platform("city_gxj"))
        year = timezone.localdate().year
        for code, amount in (("A", "30000000"), ("B", "8000000")):
            doc = PolicyDocument.objects.get(code=code)
            if not doc.budgets.filter(year=year).exists():
                budget_set(actor=czj, document=doc, year=year, amount=amount, note="演示预算")

    entitlements_match(actor=None)

    with transaction.atomic():
        _demo_applications(tzx, gxj, czj, users)
    return [(p.username, p.description) for p in PEOPLE]


def _platform(username: str) -> Persona:
    from portal.personas import BY_USERNAME

    return BY_USERNAME[username]


def _demo_applications(tzx: Enterprise, gxj: Any, czj: Any, users: dict[str, Any]) -> None:
    """A few applications in different states (only if the policy is in force today)."""
    if Application.objects.filter(source="applied").exists():
        return
    battery = Enterprise.objects.get(credit_code=make_credit_code("91411728MA9G0PCB2"))
    try:
        app = svc.application_submit(
            actor=gxj,
            enterprise=battery,
            clause="E9",
            facts={"meets_planning": True, "meets_intensity": True},
            materials=[
                {"name": "项目用地规划及投资强度说明", "provided": True},
                {"name": "所在地政府确认文件", "provided": False},
            ],
            note="储能电池三期项目用地，申请按最低价标准 70% 出让及配套费减免",
        )
        svc.application_return(
            application=app, actor=gxj, missing=["所在地政府确认文件"], note="请补充遂平县政府确认文件"
        )
    except DomainError as exc:  # e.g. the measures are no longer in force on the day of seeding
        _log(f"E9 演示申请未创建：{exc.message}")
    # the exhibition proposal of 天中芯: confirmed and paid
    proposal = Application.objects.filter(enterprise=tzx, clause="E6", status="proposed").first()
    if proposal is not None:
        proposal = svc.proposal_push(application=proposal, actor=gxj)
        proposal = svc.proposal_confirm(application=proposal, actor=gxj, note="展位费发票已核验")
        svc.award_pay(application=proposal, actor=czj, payment_ref="ZMD-CZ-2026-0915")
    growth = Application.objects.filter(enterprise=tzx, clause="E3b", status="proposed").first()
    if growth is not None:
        svc.proposal_push(application=growth, actor=gxj)


def _log(message: str) -> None:
    import logging

    logging.getLogger(__name__).warning(message)
