"""Factories for the assistance tests: villages under the seeded townships, valid resident ID
numbers, households created through the services (so each has its first version)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from assistance import rules
from assistance.models import Household
from assistance.services.households import HouseholdInput, PersonInput, household_create, household_set_tier
from portal.models import OrgUnit

_seq = itertools.count(1)


def make_id(
    birth: str = "19800101", region: str = "411702", seq: int | None = None, female: bool = False
) -> str:
    """A valid 18-character resident ID number (GB 11643 check character)."""
    n = seq if seq is not None else next(_seq)
    order = (n % 500) * 2 + (0 if female else 1)  # odd = male, even = female (GB 11643)
    body = f"{region}{birth}{order:03d}"
    return body + rules.id_check_char(body)


def village(township_code: str = "yicheng-t12", name: str = "水屯村", code: str | None = None) -> OrgUnit:
    township = OrgUnit.objects.get(code=township_code)
    code = code or f"{township_code}-v-{name}"
    existing = OrgUnit.objects.filter(code=code).first()
    if existing:
        return existing
    return OrgUnit.objects.create(code=code, name=name, kind=OrgUnit.Kind.VILLAGE, parent=township)


def person(
    name: str = "张三",
    *,
    birth: str = "19800101",
    relation: str = "head",
    female: bool = False,
    **fields: Any,
) -> PersonInput:
    return PersonInput(id_number=make_id(birth, female=female), name=name, relation=relation, **fields)


def household(
    *,
    village_unit: OrgUnit | None = None,
    members: list[PersonInput] | None = None,
    area: str = "rural",
    income_wage: str | Decimal = "0",
    actor: Any = None,
    tier: str | None = None,
    single_person_index: int | None = None,
    tier_since: date | None = None,
    **fields: Any,
) -> Household:
    from django.utils import timezone

    data = HouseholdInput(
        village=village_unit or village(),
        area=area,
        members=members or [person()],
        income_wage=income_wage,
        **fields,
    )
    h = household_create(data=data, actor=actor)
    if tier:
        single = None
        if single_person_index is not None:
            single = h.members.filter(active=True).order_by("position")[single_person_index].person
        h = household_set_tier(
            household=h,
            tier=tier,
            single_person=single,
            actor=actor,
            reason="测试：已认定",
            source="manual",
            now=timezone.now(),
            since=tier_since,
        )
    return h
