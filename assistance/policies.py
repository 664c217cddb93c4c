"""Who may see and do what in the assistance app.

* Township officers (乡镇/街道) work the households of their villages; county officers (县区)
  review, confirm, approve payment lists and decide escalations for their county's subtree.
* Staff of 市民政局 (city_staff on unit `mzj`) and city admins see the whole city.
* Staff of another city department see only the households whose warnings were referred to
  their department (or that they recorded aid for) — to act on the need and report back.
* Anyone else (an outsider, a hotline operator …) sees nothing: 404.

Unmasked ID numbers: township and county officers (they verify identity at applications and
visits), 市民政局 staff and city admins — on request, each view audited. Department staff and
everyone else see masked numbers only.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from assistance.models import (
    Application,
    Escalation,
    Household,
    ImportBatch,
    PaymentList,
    Referral,
    RescreenChange,
    Warning,
)
from portal.access import (
    CITY_ADMIN,
    CITY_STAFF,
    COUNTY_OFFICER,
    TOWNSHIP_OFFICER,
    UNIT_CLERK,
    Policy,
    has_role,
    is_superuser,
    unit_q,
    user_grants,
)
from portal.models import OrgUnit

CIVIL_AFFAIRS_CODE = "mzj"
LOCAL_ROLES = (TOWNSHIP_OFFICER, COUNTY_OFFICER)


def _civil_affairs_unit_ids() -> set[int]:
    return set(OrgUnit.objects.filter(code=CIVIL_AFFAIRS_CODE).values_list("pk", flat=True))


def is_city_wide(user: Any) -> bool:
    """Superuser, city admin, or staff of 市民政局: the whole city."""
    if is_superuser(user) or has_role(user, CITY_ADMIN):
        return True
    cached = getattr(user, "_assist_citywide", None)
    if cached is not None:
        return bool(cached)
    grants = [g for g in user_grants(user) if g.role == CITY_STAFF]
    result = bool(grants) and bool({g.unit_id for g in grants} & _civil_affairs_unit_ids())
    if getattr(user, "is_authenticated", False):
        user._assist_citywide = result
    return result


def department_ids(user: Any) -> list[int]:
    """City departments the user works for (referrals to them are theirs)."""
    return sorted(
        {g.unit_id for g in user_grants(user) if g.role in (CITY_STAFF, UNIT_CLERK)}
        - _civil_affairs_unit_ids()
    )


def local_q(user: Any, field: str) -> Q | None:
    """Rows whose unit FK `field` lies in the user's township/county jurisdiction."""
    return unit_q(user, LOCAL_ROLES, field=field)


def _none() -> Q:
    return Q(pk__in=[])


def household_q(user: Any, action: str = "view") -> Q | None:
    """A Q over households for `action`; None means every household.

    view / unmask / export / aid: city-wide for 市民政局 staff and city admins; edit / confirm /
    end (the township's and county's work): only the local officers' own villages."""
    if not getattr(user, "is_authenticated", False):
        return _none()
    if is_superuser(user):
        return None
    if action in ("view", "unmask", "export", "aid") and is_city_wide(user):
        return None
    q = local_q(user, "village")
    assert q is not None  # local roles are never citywide
    if action in ("view", "aid"):
        depts = department_ids(user)
        if depts:
            from assistance.models import AidRecord

            referred = Referral.objects.filter(department_id__in=depts).values("warning__household_id")
            granted = AidRecord.objects.filter(department_id__in=depts).values("household_id")
            q |= Q(pk__in=referred) | Q(pk__in=granted)
    return q


class HouseholdPolicy(Policy[Household]):
    """Actions: view, edit (data, applications, warnings, visits), confirm, end, unmask, aid
    (record a grant), export."""

    model = Household

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Household]:
        q = household_q(user, action)
        qs = Household.objects.all()
        return qs if q is None else qs.filter(q)


class ApplicationPolicy(Policy[Application]):
    model = Application

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Application]:
        qs = Application.objects.all()
        if not getattr(user, "is_authenticated", False):
            return qs.none()
        if is_superuser(user) or (action == "view" and is_city_wide(user)):
            return qs
        q = local_q(user, "township")
        return qs.filter(q) if q is not None else qs

    def can(self, user: Any, action: str, obj: Application) -> bool:
        if action == "confirm":
            return self.scope(user, "act").filter(pk=obj.pk).exists()
        return super().can(user, action, obj)


class WarningPolicy(Policy[Warning]):
    model = Warning

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Warning]:
        qs = Warning.objects.all()
        if not getattr(user, "is_authenticated", False):
            return qs.none()
        if is_superuser(user) or (action == "view" and is_city_wide(user)):
            return qs
        q = local_q(user, "township")
        assert q is not None
        if action == "view":
            depts = department_ids(user)
            if depts:
                q |= Q(pk__in=Referral.objects.filter(department_id__in=depts).values("warning_id"))
        return qs.filter(q)


class ReferralPolicy(Policy[Referral]):
    """Departments see and answer the referrals to them."""

    model = Referral

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Referral]:
        qs = Referral.objects.all()
        if not getattr(user, "is_authenticated", False):
            return qs.none()
        if is_superuser(user):
            return qs
        q = Q(department_id__in=department_ids(user))
        if action == "view":
            if is_city_wide(user):
                return qs
            local = local_q(user, "warning__township")
            if local is not None:
                q |= local
        return qs.filter(q)


class EscalationPolicy(Policy[Escalation]):
    model = Escalation

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Escalation]:
        qs = Escalation.objects.all()
        if not getattr(user, "is_authenticated", False):
            return qs.none()
        if is_superuser(user) or (action == "view" and is_city_wide(user)):
            return qs
        if action == "decide":
            q = unit_q(user, [COUNTY_OFFICER], field="county")
        else:
            q = local_q(user, "warning__township")
        return qs.filter(q) if q is not None else qs


class RescreenChangePolicy(Policy[RescreenChange]):
    model = RescreenChange

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[RescreenChange]:
        qs = RescreenChange.objects.all()
        if not getattr(user, "is_authenticated", False):
            return qs.none()
        if is_superuser(user) or (action == "view" and is_city_wide(user)):
            return qs
        q = local_q(user, "township")
        return qs.filter(q) if q is not None else qs


class PaymentListPolicy(Policy[PaymentList]):
    model = PaymentList

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[PaymentList]:
        qs = PaymentList.objects.all()
        if not getattr(user, "is_authenticated", False):
            return qs.none()
        if is_superuser(user) or (action == "view" and is_city_wide(user)):
            return qs
        q = unit_q(user, [COUNTY_OFFICER], field="county")
        return qs.filter(q) if q is not None else qs


class ImportBatchPolicy(Policy[ImportBatch]):
    model = ImportBatch

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[ImportBatch]:
        qs = ImportBatch.objects.all()
        if not getattr(user, "is_authenticated", False):
            return qs.none()
        if is_superuser(user) or is_city_wide(user):
            return qs
        q = unit_q(user, LOCAL_ROLES, field="county")
        return qs.filter(Q(uploaded_by=user) | q) if q is not None else qs


def may_import(user: Any) -> bool:
    return has_role(user, COUNTY_OFFICER, CITY_ADMIN) or is_city_wide(user)


def may_edit_standards(user: Any) -> bool:
    return has_role(user, CITY_ADMIN)


def may_unmask(user: Any, household: Household) -> bool:
    return HouseholdPolicy().scope(user, "unmask").filter(pk=household.pk).exists() and (
        is_city_wide(user) or has_role(user, *LOCAL_ROLES, unit=household.village)
    )


def may_use_assistance(user: Any) -> bool:
    """Whether the app's menu shows at all."""
    return (
        is_superuser(user)
        or has_role(user, *LOCAL_ROLES, CITY_ADMIN)
        or is_city_wide(user)
        or bool(department_ids(user))
    )


def jurisdiction_units(user: Any, kind: str) -> models.QuerySet[OrgUnit]:
    """Units of `kind` (county/township/village) the user works in."""
    qs = OrgUnit.objects.filter(kind=kind, active=True)
    if is_superuser(user) or is_city_wide(user):
        return qs
    q = local_q(user, "")
    return qs.filter(q) if q is not None else qs
