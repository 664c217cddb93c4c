from datetime import timedelta

import pytest
from django.utils import timezone

from portal.access import OrgUnitPolicy, grant_for, has_role, unit_q, units_in_jurisdiction, user_grants
from portal.errors import RuleViolation
from portal.models import AuditEntry, Membership, OrgUnit, Role
from portal.org import delegation_create, membership_end, membership_grant


def test_a_grant_covers_the_subtree(persona, unit):
    officer = persona("yicheng")
    assert has_role(officer, "county_officer", unit=unit("yicheng-t12"))
    assert not has_role(officer, "county_officer", unit=unit("xiping-t01"))
    units = units_in_jurisdiction(officer, ["county_officer"])
    assert set(units.values_list("code", flat=True)) >= {"yicheng", "yicheng-t01", "yicheng-t21"}
    assert not units.filter(code__startswith="xiping").exists()


def test_citywide_roles_and_superusers_see_everything(persona):
    assert unit_q(persona("city_yjj"), ["city_staff"]) is None
    assert unit_q(persona("admin"), ["anything"]) is None
    assert OrgUnit.objects.filter(unit_q(persona("outsider"), ["county_officer"])).count() == 0


def test_orgunit_policy_hides_other_counties_townships(persona):
    visible = OrgUnitPolicy().scope(persona("yicheng"))
    assert visible.filter(code="yicheng-t03").exists()
    assert visible.filter(code="yjj").exists()  # the public directory of departments
    assert visible.filter(code="xiping").exists()  # other county-level units are directory entries
    assert not visible.filter(code="xiping-t03").exists()  # but not their townships


def test_membership_history(persona, unit):
    user = persona("outsider")
    admin = persona("admin")
    m = membership_grant(user=user, unit=unit("xiping"), role="county_officer", actor=admin, reason="调入")
    assert membership_grant(user=user, unit=unit("xiping"), role="county_officer", actor=admin).pk == m.pk
    assert has_role(user, "county_officer", unit=unit("xiping"))
    membership_end(membership=m, actor=admin, reason="调离")
    user = type(user).objects.get(pk=user.pk)  # a new request: grants are read afresh
    assert not has_role(user, "county_officer")
    assert Membership.objects.filter(user=user).count() == 1  # kept as history
    assert user_grants(user, at=m.valid_from + timedelta(microseconds=1))  # who could act, then


def test_delegation_gives_the_role_for_the_window_only(persona, unit):
    principal, deputy, admin = persona("jzw_office_deputy"), persona("city_yjj"), persona("admin")
    role = Role.objects.get(code="dr_office_deputy")
    now = timezone.now()
    delegation_create(
        principal=principal,
        deputy=deputy,
        role=role,
        unit=unit("jzw-office"),
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=8),
        reason="夜间值守，副主任出差",
        actor=admin,
    )
    grant = grant_for(deputy, "dr_office_deputy")
    assert grant is not None and grant.delegated_by == principal.pk
    assert not user_grants(deputy, at=now + timedelta(hours=9)) or all(
        g.role != "dr_office_deputy" for g in user_grants(deputy, at=now + timedelta(hours=9))
    )
    assert AuditEntry.objects.filter(action="portal.delegation.create").exists()


def test_delegation_needs_the_role_and_a_reason(persona, unit):
    now = timezone.now()
    with pytest.raises(RuleViolation) as exc:
        delegation_create(
            principal=persona("yicheng"),
            deputy=persona("xiping"),
            role=Role.objects.get(code="dr_director"),
            unit=unit("jzw"),
            starts_at=now,
            ends_at=now - timedelta(hours=1),
            reason="",
            actor=persona("admin"),
        )
    assert set(exc.value.errors) == {"reason", "ends_at", "role"}
