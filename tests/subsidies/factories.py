"""factory_boy factories for the subsidies registry, and helpers for people the platform's
personas do not cover (a 市文广旅局 reviewer, enterprise accounts)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import factory

from portal.models import Membership, OrgUnit, Role, User
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
from subsidies.rules.creditcode import make_credit_code


def _code(n: int) -> str:
    return make_credit_code(f"914117{n:011d}")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    credit_code = factory.Sequence(_code)
    name = factory.Sequence(lambda n: f"驻马店测试电子科技有限公司{n}")
    kind = Enterprise.Kind.ENTERPRISE
    industry = Enterprise.Industry.SEMICONDUCTORS
    county = factory.LazyFunction(lambda: OrgUnit.objects.get(code="yicheng"))
    above_designated_size = True


class AgencyFactory(EnterpriseFactory):
    kind = Enterprise.Kind.TRAVEL_AGENCY
    industry = Enterprise.Industry.CULTURE_TOURISM
    county = None
    outside_city = True
    name = factory.Sequence(lambda n: f"郑州测试国际旅行社{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"电子元器件生产线项目{n}")
    kind = Project.Kind.ELECTRONIC_INFO
    status = Project.Status.CONSTRUCTION
    total_investment = Decimal("80000000.00")
    fixed_asset_investment = Decimal("60000000.00")
    tax_per_mu = Decimal("0")


class EquipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Equipment

    project = factory.SubFactory(ProjectFactory)
    name = "贴片生产线"
    invoice_no = factory.Sequence(lambda n: f"INV{n:08d}")
    invoice_date = date(2025, 1, 10)
    amount_excl_tax = Decimal("20000000.00")


class LoanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Loan

    project = factory.SubFactory(ProjectFactory)
    bank = "中国银行驻马店分行"
    balance = Decimal("10000000.00")
    start_date = date(2025, 1, 5)
    term_months = 36


class RecognitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recognition

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = Recognition.Kind.LITTLE_GIANT
    level = ""
    recognised_on = date(2024, 9, 1)


class ExhibitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exhibition

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"中国电子信息博览会{n}")
    organiser = "工业和信息化部"
    held_on = date(2025, 4, 9)
    booth_fee = Decimal("60000.00")


class FiguresFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualFigures

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2024
    fiscal_contribution = Decimal("5000000.00")


class TrainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Train

    agency = factory.SubFactory(AgencyFactory)
    kind = Train.Kind.HIGH_SPEED
    departed_on = date(2025, 5, 1)
    passengers = 250
    paid_scenic_spots = 2
    days = 2
    nights = 1
    ticket_ref = factory.Sequence(lambda n: f"ZT{n:06d}")


def member(unit_code: str, role: str = "city_staff", username: str | None = None) -> User:
    """A user holding `role` on the unit with that code (e.g. a 市文广旅局 reviewer)."""
    name = username or f"{role}_{unit_code}"
    user = User.objects.filter(username=name).first() or User.objects.create_user(
        username=name, password="Zmd-demo-2024", display_name=name
    )
    Membership.objects.get_or_create(
        user=user, unit=OrgUnit.objects.get(code=unit_code), role=Role.objects.get(code=role)
    )
    return user


def enterprise_user(enterprise: Enterprise, username: str | None = None) -> User:
    name = username or f"ent_{enterprise.pk}"
    user = User.objects.filter(username=name).first() or User.objects.create_user(
        username=name, password="Zmd-demo-2024", display_name=f"{enterprise.name}·经办人"
    )
    unit = enterprise.county or OrgUnit.objects.get(code="zmd")
    Membership.objects.get_or_create(user=user, unit=unit, role=Role.objects.get(code="enterprise_user"))
    EnterpriseMember.objects.get_or_create(user=user, enterprise=enterprise)
    return user


def e4a_facts(**over: Any) -> dict[str, Any]:
    return {
        "total_investment": "80000000.00",
        "equipment_purchase": "20000000.00",
        "provincial_funds_received": False,
        **over,
    }


def all_materials(clause: str, *, except_: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every material the clause requires, provided (except the named ones)."""
    from subsidies.rules.catalogue import A_PARAMS, B_PARAMS

    params = A_PARAMS if clause.startswith("E") else B_PARAMS
    return [{"name": m, "provided": m not in except_} for m in params["clauses"][clause]["materials"]]
