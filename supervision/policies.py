"""Who may see and do what on the supervision board.

* Supervisors — `supervision_officer` (市人民政府办公室督查, a citywide role added by this app),
  city admins — see everything and confirm completion / change the reporting schedule; auditors
  see everything.
* A unit reports through a role held on that very unit: `unit_clerk` or `city_staff` on a
  department (city_staff is citywide elsewhere, but here it reports only for its own
  department), `county_officer` on a county-level government.
* A unit sees the tasks it answers for. On those tasks a department sees every unit's reports
  (a lead unit coordinates its co-units and the counties); a county sees the departments'
  reports and its own, never another county's (a county sees its own subtree only).
* Objects outside scope are 404; visible ones the user may not act on are 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from portal.access import (
    AUDITOR,
    CITY_ADMIN,
    CITY_STAFF,
    COUNTY_OFFICER,
    UNIT_CLERK,
    Policy,
    has_role,
    is_superuser,
    user_grants,
)
from portal.models import OrgUnit
from supervision.models import Assignment, Evidence, Report, ReportObligation, Task

SUPERVISION_OFFICER = "supervision_officer"
DEPARTMENT_REPORTER_ROLES = (UNIT_CLERK, CITY_STAFF)
COUNTY_REPORTER_ROLES = (COUNTY_OFFICER,)
REPORTER_ROLES = DEPARTMENT_REPORTER_ROLES + COUNTY_REPORTER_ROLES
SUPERVISE_ROLES = (SUPERVISION_OFFICER, CITY_ADMIN)
VIEW_ALL_ROLES = (*SUPERVISE_ROLES, AUDITOR)
BOARD_ROLES = (*VIEW_ALL_ROLES, *REPORTER_ROLES)


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def sees_everything(user: Any) -> bool:
    return _authenticated(user) and has_role(user, *VIEW_ALL_ROLES)


def may_supervise(user: Any) -> bool:
    return _authenticated(user) and has_role(user, *SUPERVISE_ROLES)


def reporter_unit_ids(user: Any) -> set[int]:
    """Units the user files reports for: the unit of each reporter grant (not its subtree)."""
    if not _authenticated(user):
        return set()
    return {g.unit_id for g in user_grants(user) if g.role in REPORTER_ROLES}


def _department_unit_ids(user: Any) -> set[int]:
    return {g.unit_id for g in user_grants(user) if g.role in DEPARTMENT_REPORTER_ROLES}


def _county_unit_ids(user: Any) -> set[int]:
    return {g.unit_id for g in user_grants(user) if g.role in COUNTY_REPORTER_ROLES}


def reporter_units(user: Any) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(pk__in=reporter_unit_ids(user)).order_by("sort", "pk")


def can_report_for(user: Any, unit_id: int) -> bool:
    return is_superuser(user) or unit_id in reporter_unit_ids(user)


def _tasks_of(unit_ids: set[int]) -> Exists:
    return Exists(Assignment.objects.filter(task=OuterRef("task_id"), unit_id__in=unit_ids))


def visible_rows_q(user: Any) -> Q | None:
    """For rows with `task` and `unit` FKs (reports, obligations): None means all."""
    if sees_everything(user):
        return None
    own = reporter_unit_ids(user)
    departments = _department_unit_ids(user)
    counties = _county_unit_ids(user)
    q = Q(unit_id__in=own)
    if departments:
        q |= Q(_tasks_of(departments))
    if counties:
        q |= Q(_tasks_of(counties)) & ~Q(unit__kind=OrgUnit.Kind.COUNTY)
    return q


class TaskPolicy(Policy[Task]):
    model = Task

    def scope(self, user: Any, action: str = "view") -> QuerySet[Task]:
        if not _authenticated(user):
            return Task.objects.none()
        if action == "supervise":
            return Task.objects.all() if may_supervise(user) else Task.objects.none()
        if sees_everything(user):
            return Task.objects.all()
        units = reporter_unit_ids(user)
        if not units:
            return Task.objects.none()
        return Task.objects.filter(Exists(Assignment.objects.filter(task=OuterRef("pk"), unit_id__in=units)))

    def can(self, user: Any, action: str, obj: Task) -> bool:
        if action == "supervise":
            return may_supervise(user)
        return super().can(user, action, obj)


class ObligationPolicy(Policy[ReportObligation]):
    model = ReportObligation

    def scope(self, user: Any, action: str = "view") -> QuerySet[ReportObligation]:
        if not _authenticated(user):
            return ReportObligation.objects.none()
        q = visible_rows_q(user)
        qs = ReportObligation.objects.all()
        return qs if q is None else qs.filter(q)

    def can(self, user: Any, action: str, obj: ReportObligation) -> bool:
        if action == "report":
            return can_report_for(user, obj.unit_id)
        return super().can(user, action, obj)


class ReportPolicy(Policy[Report]):
    model = Report

    def scope(self, user: Any, action: str = "view") -> QuerySet[Report]:
        if not _authenticated(user):
            return Report.objects.none()
        q = visible_rows_q(user)
        qs = Report.objects.all()
        return qs if q is None else qs.filter(q)

    def can(self, user: Any, action: str, obj: Report) -> bool:
        if action == "correct":
            return can_report_for(user, obj.unit_id)
        return super().can(user, action, obj)


class EvidencePolicy(Policy[Evidence]):
    """Filed evidence is visible with its obligation; unattached uploads only to the uploader."""

    model = Evidence

    def scope(self, user: Any, action: str = "view") -> QuerySet[Evidence]:
        if not _authenticated(user):
            return Evidence.objects.none()
        visible = ObligationPolicy().scope(user).values("pk")
        return Evidence.objects.filter(
            Q(report__isnull=False, obligation_id__in=visible) | Q(report__isnull=True, uploaded_by=user)
        )
