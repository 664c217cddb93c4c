"""Who may see and do what in the hotline app.

* The centre (市12345热线中心): hotline_operator and hotline_supervisor (citywide roles) see
  every order. Operators take calls: create, answer directly, hand over, dispatch, reopen,
  link. Supervisors do every centre action (reviews, callback, redo, close, archive, urge,
  reassign, incidents, routing rules).
* A handling unit: unit_clerk on a unit that handles orders sees the orders on which its unit
  (or a unit below it) has, or had, a task; it acts only through an active task — sign and reply
  on any of its tasks, the rest only as lead unit. Confidential callers' identity is never shown
  to a unit.
* city_admin and auditor see every order (read-only); a superuser may do everything.
* Everyone else sees nothing: orders are 404 for them.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from hotline.models import Assignment, CallRecord, KnowledgeEntry, KnowledgeQuestion, Order
from portal.access import (
    AUDITOR,
    CITY_ADMIN,
    HOTLINE_OPERATOR,
    HOTLINE_SUPERVISOR,
    UNIT_CLERK,
    Policy,
    has_role,
    is_superuser,
    unit_q,
    units_in_jurisdiction,
    user_grants,
)
from portal.models import OrgUnit

CENTRE = (HOTLINE_OPERATOR, HOTLINE_SUPERVISOR)
READ_ALL = (*CENTRE, CITY_ADMIN, AUDITOR)

OPERATOR_ACTIONS = frozenset(
    {"create", "answer", "handover", "handover-result", "dispatch", "reopen", "link", "unmask"}
)
SUPERVISOR_ACTIONS = OPERATOR_ACTIONS | frozenset(
    {
        "review-return",
        "review-extension",
        "callback",
        "redo",
        "close",
        "archive",
        "urge",
        "reassign",
        "incident",
        "routing",
        "export",
    }
)
UNIT_ACTIONS = frozenset({"sign", "reply"})
LEAD_ACTIONS = frozenset({"return", "request-extension", "unfinished-reply", "progress"})
ALL_ACTIONS = SUPERVISOR_ACTIONS | UNIT_ACTIONS | LEAD_ACTIONS


def clerk_unit_ids(user: Any) -> list[int]:
    """Units (with their subtrees) in which the user is a unit clerk."""
    if not any(g.role == UNIT_CLERK for g in user_grants(user)):
        return []
    return list(units_in_jurisdiction(user, [UNIT_CLERK]).values_list("pk", flat=True))


def is_centre(user: Any) -> bool:
    return has_role(user, *CENTRE)


class OrderPolicy(Policy[Order]):
    model = Order

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Order]:
        if not getattr(user, "is_authenticated", False):
            return Order.objects.none()
        if is_superuser(user) or unit_q(user, READ_ALL) is None:
            return Order.objects.all()
        unit_ids = clerk_unit_ids(user)
        if not unit_ids:
            return Order.objects.none()
        return Order.objects.filter(pk__in=Assignment.objects.filter(unit_id__in=unit_ids).values("order_id"))

    def acting_assignment(self, user: Any, order: Order, *, lead_only: bool = False) -> Assignment | None:
        """The active task through which a unit clerk acts on this order (the lead's first)."""
        unit_ids = clerk_unit_ids(user)
        if not unit_ids:
            return None
        qs = order.assignments.filter(active=True, unit_id__in=unit_ids).select_related("unit")
        if lead_only:
            qs = qs.filter(role=Assignment.Role.LEAD)
        return qs.order_by("-role", "pk").first()  # "lead" sorts after "assist": lead first

    def acting_unit(self, user: Any, order: Order) -> OrgUnit | None:
        lead = self.acting_assignment(user, order, lead_only=True)
        if lead is not None:
            return lead.unit
        any_task = self.acting_assignment(user, order)
        return any_task.unit if any_task else None

    def can(self, user: Any, action: str, obj: Order) -> bool:
        if action == "view":
            return self.scope(user).filter(pk=obj.pk).exists()
        if is_superuser(user):
            return True
        if action in UNIT_ACTIONS:
            return self.acting_assignment(user, obj) is not None
        if action in LEAD_ACTIONS:
            return self.acting_assignment(user, obj, lead_only=True) is not None
        if action == "unmask":
            if is_centre(user):
                return True
            if obj.confidential:
                return False  # the unit never sees a confidential caller's identity
            unit_ids = clerk_unit_ids(user)
            return bool(unit_ids) and obj.assignments.filter(unit_id__in=unit_ids).exists()
        if action in OPERATOR_ACTIONS:
            return has_role(user, *CENTRE)
        if action in SUPERVISOR_ACTIONS:
            return has_role(user, HOTLINE_SUPERVISOR)
        return False

    def allowed_actions(self, user: Any, order: Order) -> set[str]:
        return {a for a in ALL_ACTIONS if self.can(user, a, order)}


def may_see_identity(user: Any, order: Order) -> bool:
    """Whether the caller's name/phone may be shown at all (masked or, on request, in full)."""
    return OrderPolicy().can(user, "unmask", order)


class CallPolicy(Policy[CallRecord]):
    model = CallRecord

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[CallRecord]:
        if has_role(user, *CENTRE, CITY_ADMIN):
            return CallRecord.objects.all()
        return CallRecord.objects.none()

    def can(self, user: Any, action: str, obj: CallRecord) -> bool:
        if action == "view":
            return has_role(user, *CENTRE, CITY_ADMIN)
        return has_role(user, *CENTRE)


class KnowledgePolicy(Policy[KnowledgeEntry]):
    """Internal users see every active entry; the public page shows public entries only. The
    centre, city admins and the owner unit's clerks edit."""

    model = KnowledgeEntry

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[KnowledgeEntry]:
        qs = KnowledgeEntry.objects.filter(active=True)
        if not getattr(user, "is_authenticated", False):
            return qs.filter(public=True)
        if action == "view":
            return qs
        if has_role(user, *CENTRE, CITY_ADMIN):
            return qs
        unit_ids = clerk_unit_ids(user)
        return qs.filter(owner_unit_id__in=unit_ids) if unit_ids else qs.none()

    def can(self, user: Any, action: str, obj: KnowledgeEntry) -> bool:
        if action == "add":
            return has_role(user, *CENTRE, CITY_ADMIN, UNIT_CLERK)
        return self.scope(user, action).filter(pk=obj.pk).exists()


class KnowledgeQuestionPolicy(Policy[KnowledgeQuestion]):
    model = KnowledgeQuestion

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[KnowledgeQuestion]:
        if not getattr(user, "is_authenticated", False):
            return KnowledgeQuestion.objects.none()
        if has_role(user, *CENTRE, CITY_ADMIN):
            return KnowledgeQuestion.objects.all()
        unit_ids = clerk_unit_ids(user)
        return (
            KnowledgeQuestion.objects.filter(unit_id__in=unit_ids)
            if unit_ids
            else KnowledgeQuestion.objects.none()
        )

    def can(self, user: Any, action: str, obj: KnowledgeQuestion) -> bool:
        if action == "view":
            return self.scope(user).filter(pk=obj.pk).exists()
        if action == "answer":
            if is_superuser(user):
                return True
            return obj.unit_id in clerk_unit_ids(user)
        if action == "ask":
            return has_role(user, *CENTRE)
        return False


def may_view_stats(user: Any) -> bool:
    return has_role(user, *CENTRE, CITY_ADMIN)
