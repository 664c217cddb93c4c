from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from assistance.policies import jurisdiction_units, local_q
from portal.errors import DomainError
from portal.models import OrgUnit


def village_choices(user: Any) -> list[tuple[int, str]]:
    """Villages the user may file households in, labelled "乡镇·村"."""
    q = local_q(user, "")
    qs = OrgUnit.objects.filter(kind=OrgUnit.Kind.VILLAGE, active=True)
    if q is not None:
        qs = qs.filter(q)
    return [
        (v.pk, f"{v.parent.name}·{v.name}")
        for v in qs.select_related("parent").order_by("parent__sort", "parent_id", "sort", "name")
    ]


def county_choices(user: Any) -> list[tuple[int, str]]:
    return [(c.pk, c.name) for c in jurisdiction_units(user, OrgUnit.Kind.COUNTY).order_by("sort")]


def flash_error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)


def worklist_panel(request: HttpRequest) -> dict[str, Any] | None:
    """The dashboard panel: counts of what the township or county has to do."""
    from assistance import selectors

    data = selectors.worklist(request.user, limit=200)
    counts = {
        "applications": len(data["applications"]),
        "warnings": len(data["warnings"]),
        "changes": len(data["changes"]),
        "overdue": len(data["overdue"]),
    }
    if not any(counts.values()):
        return {"counts": counts, "empty": True}
    return {"counts": counts, "empty": False}
