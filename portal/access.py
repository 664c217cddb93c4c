"""Jurisdiction: who holds which role where, and the base class for per-model access policies.

A grant is a role held on a unit — directly (an active Membership) or through an active
Delegation from a principal who holds that role. A grant covers the unit's subtree; a role
marked `citywide` covers the whole city. Every selector and API view asks a Policy; objects
outside the caller's scope are 404 (their existence is not revealed), visible objects the caller
may not act on are 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from portal.models import Delegation, Membership, OrgUnit, Role

M = TypeVar("M", bound=models.Model)

# Roles shipped with the platform (apps add their own in data migrations).
CITY_ADMIN = "city_admin"
CITY_STAFF = "city_staff"
COUNTY_OFFICER = "county_officer"
TOWNSHIP_OFFICER = "township_officer"
HOTLINE_OPERATOR = "hotline_operator"
HOTLINE_SUPERVISOR = "hotline_supervisor"
UNIT_CLERK = "unit_clerk"
AUDITOR = "auditor"
DR_OFFICE_DEPUTY = "dr_office_deputy"  # 市减灾委办公室副主任
DR_OFFICE_DIRECTOR = "dr_office_director"  # 市减灾委办公室主任
DR_DEPUTY = "dr_deputy"  # 市减灾委副主任
DR_EXECUTIVE_DEPUTY = "dr_executive_deputy"  # 市减灾委常务副主任
DR_DIRECTOR = "dr_director"  # 市减灾委主任


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    unit_path: str
    citywide: bool
    delegated_by: int | None = None  # the principal's user id when held through a delegation

    def covers(self, unit: OrgUnit) -> bool:
        return self.citywide or unit.path.startswith(self.unit_path)


def user_grants(user: Any, at: Any = None) -> list[Grant]:
    """Every grant the user holds at `at` (default now). Cached on the user object per request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if at is None:
        cached = getattr(user, "_portal_grants", None)
        if cached is not None:
            return cached
    moment = at or timezone.now()
    citywide = dict(Role.objects.values_list("code", "citywide"))
    grants = [
        Grant(role, unit_id, path, citywide.get(role, False))
        for role, unit_id, path in Membership.objects.active(moment)
        .filter(user=user)
        .values_list("role_id", "unit_id", "unit__path")
    ]
    delegations = Delegation.objects.filter(
        deputy=user, starts_at__lte=moment, ends_at__gt=moment, revoked_at__isnull=True
    ).values_list("principal_id", "role_id", "unit_id")
    for principal_id, role, unit_id in delegations:
        held = Membership.objects.active(moment).filter(user_id=principal_id, role_id=role, unit_id=unit_id)
        for path in held.values_list("unit__path", flat=True):
            grants.append(Grant(role, unit_id, path, citywide.get(role, False), delegated_by=principal_id))
    if at is None:
        user._portal_grants = grants
    return grants


def clear_grant_cache(user: Any) -> None:
    if hasattr(user, "_portal_grants"):
        del user._portal_grants


def is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_superuser", False))


def has_role(user: Any, *roles: str, unit: OrgUnit | None = None) -> bool:
    """Does the user hold one of `roles` (on a unit covering `unit`, when given)? Superusers do."""
    if is_superuser(user):
        return True
    return any(g.role in roles and (unit is None or g.covers(unit)) for g in user_grants(user))


def grant_for(user: Any, *roles: str, unit: OrgUnit | None = None) -> Grant | None:
    """The first grant matching, preferring a direct one over a delegated one."""
    matches = [g for g in user_grants(user) if g.role in roles and (unit is None or g.covers(unit))]
    matches.sort(key=lambda g: g.delegated_by is not None)
    return matches[0] if matches else None


def unit_q(user: Any, roles: Iterable[str], field: str = "") -> Q | None:
    """A Q selecting units (or rows whose `field` is a unit FK) inside the user's jurisdiction
    for `roles`. Returns None for "everything" (superuser or a citywide grant), and an empty Q
    match (`pk__in=[]`) for "nothing"."""
    if is_superuser(user):
        return None
    roles = set(roles)
    grants = [g for g in user_grants(user) if g.role in roles]
    if any(g.citywide for g in grants):
        return None
    prefix = f"{field}__" if field else ""
    paths = sorted({g.unit_path for g in grants})
    # Drop paths already covered by a shorter one.
    minimal = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    if not minimal:
        return Q(**{f"{prefix}pk__in": []})
    q = Q()
    for path in minimal:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def units_in_jurisdiction(user: Any, roles: Iterable[str]) -> models.QuerySet[OrgUnit]:
    q = unit_q(user, roles)
    return OrgUnit.objects.all() if q is None else OrgUnit.objects.filter(q)


class Policy(Generic[M]):
    """Answers "which objects may this user see / act on?" and "may they do X to this one?".

    Subclasses implement `scope(user, action)`; `can` defaults to "the object is in scope for
    that action". Views call `get(user, action, **lookup)` which raises 404 for objects the user
    cannot see and 403 for visible objects they may not act on.
    """

    model: ClassVar[type[models.Model]]
    view_action: ClassVar[str] = "view"

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[M]:
        raise NotImplementedError

    def can(self, user: Any, action: str, obj: M) -> bool:
        return self.scope(user, action).filter(pk=obj.pk).exists()

    def get(
        self, user: Any, action: str = "view", queryset: models.QuerySet[M] | None = None, **lookup: Any
    ) -> M:
        base = queryset if queryset is not None else self.scope(user, self.view_action)
        try:
            obj = base.filter(**lookup).first()
        except (ValueError, TypeError, OverflowError, ValidationError):  # not an id: no such object
            obj = None
        if obj is None:
            raise Http404
        if action != self.view_action and not self.can(user, action, obj):
            raise PermissionDenied("您没有执行此操作的权限")
        return obj

    def require(self, user: Any, action: str, obj: M) -> None:
        """Raise 404 if the user cannot see `obj`, 403 if they see it but may not do `action`."""
        if not self.can(user, self.view_action, obj):
            raise Http404
        if action != self.view_action and not self.can(user, action, obj):
            raise PermissionDenied("您没有执行此操作的权限")


# Units of these kinds form the public directory: anyone signed in may see them (to pick a
# handling unit, a working group, a county). Townships and villages are visible only inside
# the user's own jurisdiction.
DIRECTORY_KINDS = (
    OrgUnit.Kind.CITY,
    OrgUnit.Kind.COUNTY,
    OrgUnit.Kind.DEPARTMENT,
    OrgUnit.Kind.UTILITY,
    OrgUnit.Kind.COMMITTEE,
    OrgUnit.Kind.WORKING_GROUP,
)


class OrgUnitPolicy(Policy[OrgUnit]):
    model = OrgUnit

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[OrgUnit]:
        if not getattr(user, "is_authenticated", False):
            return OrgUnit.objects.none()
        if action == "view":
            q = unit_q(user, [g.role for g in user_grants(user)])
            if q is None:
                return OrgUnit.objects.all()
            return OrgUnit.objects.filter(q | Q(kind__in=DIRECTORY_KINDS))
        if action in ("change", "add") and has_role(user, CITY_ADMIN):
            return OrgUnit.objects.all()
        return OrgUnit.objects.none()


def require_role(user: Any, *roles: str, unit: OrgUnit | None = None) -> None:
    if not has_role(user, *roles, unit=unit):
        raise PermissionDenied("您没有执行此操作的权限")
