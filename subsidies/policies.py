"""Who may see and do what in the subsidies app.

* Departments (city_staff memberships, by unit): the lead units of the clauses (市工信局 `gxj`
  for the electronic-information measures, 市文广旅局 `wgly` — with 市发改委 `fgw` on T10 — for
  culture and tourism) see the whole registry and the applications of their clauses and act on
  them; the fiscal review unit (市财政局 `czj`) sees everything and does fiscal review and
  payment. Other city departments see nothing here.
* County officers see the enterprises of their county (and their applications) and keep the
  registry of their county up to date; they do not decide.
* Enterprise users (role `enterprise_user` + an active EnterpriseMember link) see their own
  enterprise, its applications and the proposals pushed to it; they apply and resubmit.
* Auditors see everything and close paid awards as audited; city admins do everything.
Objects outside the scope are 404, visible objects the user may not act on are 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q

from portal.access import (
    AUDITOR,
    CITY_ADMIN,
    CITY_STAFF,
    COUNTY_OFFICER,
    Policy,
    has_role,
    is_superuser,
    unit_q,
    user_grants,
)
from portal.models import OrgUnit
from subsidies.models import Application, Enterprise, EnterpriseMember

ENTERPRISE_USER = "enterprise_user"
FISCAL_UNIT = "czj"
S = Application.Status

# Which clauses each department leads (from the catalogue's `lead_units`; kept here as the
# fallback for access decisions when no rule set is loaded, e.g. in migrations).
LEAD_DOCUMENTS = {"gxj": {"A"}, "wgly": {"B"}, "fgw": {"B"}}


@dataclass
class Actor:
    """Everything the policies need to know about a user, computed once per request."""

    user: Any
    admin: bool = False
    auditor: bool = False
    dept_unit_ids: set[int] = field(default_factory=set)
    dept_codes: set[str] = field(default_factory=set)
    county_officer: bool = False
    enterprise_ids: set[int] = field(default_factory=set)

    @property
    def fiscal(self) -> bool:
        return FISCAL_UNIT in self.dept_codes

    @property
    def lead(self) -> bool:
        return bool(self.dept_codes & set(LEAD_DOCUMENTS))

    @property
    def staff(self) -> bool:
        """Sees the whole registry and (some) applications."""
        return self.admin or self.auditor or self.fiscal or self.lead

    @property
    def anyone(self) -> bool:
        return self.staff or self.county_officer or bool(self.enterprise_ids)

    def leads(self, unit_id: int) -> bool:
        return self.admin or unit_id in self.dept_unit_ids

    def lead_documents(self) -> set[str]:
        docs: set[str] = set()
        for code in self.dept_codes:
            docs |= LEAD_DOCUMENTS.get(code, set())
        return docs


def actor_for(user: Any) -> Actor:
    cached = getattr(user, "_subsidies_actor", None)
    if cached is not None:
        return cached
    actor = Actor(user)
    if getattr(user, "is_authenticated", False):
        actor.admin = is_superuser(user) or has_role(user, CITY_ADMIN)
        actor.auditor = has_role(user, AUDITOR)
        staff_grants = [g for g in user_grants(user) if g.role == CITY_STAFF]
        if staff_grants:
            # staff sit in a department or one of its sections: the department is the ancestor
            # (or the unit itself) of kind "department"
            ancestor_ids = {int(p) for g in staff_grants for p in g.unit_path.strip("/").split("/") if p}
            depts = OrgUnit.objects.filter(pk__in=ancestor_ids, kind=OrgUnit.Kind.DEPARTMENT).values_list(
                "pk", "code"
            )
            for pk, code in depts:
                actor.dept_unit_ids.add(pk)
                actor.dept_codes.add(code)
        actor.county_officer = has_role(user, COUNTY_OFFICER) and not actor.admin
        if has_role(user, ENTERPRISE_USER) or EnterpriseMember.objects.filter(user=user).exists():
            actor.enterprise_ids = set(
                EnterpriseMember.objects.active().filter(user=user).values_list("enterprise_id", flat=True)
            )
    user._subsidies_actor = actor
    return actor


def may_use_subsidies(user: Any) -> bool:
    """The catalogue and the self-check calculator: staff, counties and enterprises."""
    return actor_for(user).anyone


class EnterprisePolicy(Policy[Enterprise]):
    model = Enterprise

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Enterprise]:
        actor = actor_for(user)
        qs = Enterprise.objects.all()
        if actor.admin or (action == "view" and actor.staff):
            return qs
        if action == "change" and actor.lead:
            return qs
        q = Q(pk__in=list(actor.enterprise_ids))
        if actor.county_officer:
            county = unit_q(user, [COUNTY_OFFICER], field="county")
            if county is not None:
                q |= county
        return qs.filter(q)

    def can(self, user: Any, action: str, obj: Enterprise) -> bool:
        actor = actor_for(user)
        if action == "view":
            return self.scope(user, "view").filter(pk=obj.pk).exists()
        if action in ("change", "add_record"):
            return self.scope(user, "change").filter(pk=obj.pk).exists()
        if action == "apply":  # submit an application for this enterprise
            return actor.admin or actor.lead or obj.pk in actor.enterprise_ids
        if action == "manage_members":
            return actor.admin or actor.lead
        return False


def may_create_enterprise(user: Any) -> bool:
    actor = actor_for(user)
    return actor.admin or actor.lead or actor.county_officer


class ApplicationPolicy(Policy[Application]):
    model = Application

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Application]:
        actor = actor_for(user)
        qs = Application.objects.all()
        if actor.admin or actor.auditor or actor.fiscal:
            return qs
        q = Q(pk__in=[])
        if actor.dept_unit_ids:
            q |= Q(lead_unit_id__in=list(actor.dept_unit_ids))
        if actor.county_officer:
            county = unit_q(user, [COUNTY_OFFICER], field="county")
            if county is not None:
                q |= county
        if actor.enterprise_ids:
            # proposals become visible to the enterprise once pushed
            q |= Q(enterprise_id__in=list(actor.enterprise_ids)) & (
                Q(source=Application.Source.APPLIED) | Q(pushed_at__isnull=False)
            )
        return qs.filter(q)

    def can(self, user: Any, action: str, obj: Application) -> bool:
        actor = actor_for(user)
        if not self.scope(user, "view").filter(pk=obj.pk).exists():
            return False
        if action == "view":
            return True
        lead = actor.leads(obj.lead_unit_id)
        fiscal = actor.admin or actor.fiscal
        if action in ("push", "confirm", "check_materials", "return", "dept_review", "approve"):
            return lead
        if action in ("resubmit", "attach"):
            return lead or obj.enterprise_id in actor.enterprise_ids
        if action in ("fiscal_review", "pay"):
            return fiscal
        if action == "reject":
            if obj.status == S.DEPT_REVIEWED:
                return fiscal or lead
            return lead
        if action == "audit":
            return actor.admin or actor.auditor
        if action == "archive":
            return fiscal or actor.auditor
        return False

    def actions_for(self, user: Any, obj: Application) -> set[str]:
        return {
            a
            for a in (
                "push",
                "confirm",
                "check_materials",
                "return",
                "resubmit",
                "dept_review",
                "fiscal_review",
                "approve",
                "reject",
                "pay",
                "audit",
                "archive",
            )
            if self.can(user, a, obj)
        }


enterprise_policy = EnterprisePolicy()
application_policy = ApplicationPolicy()
