from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from portal import nav
from portal.access import CITY_ADMIN, has_role
from portal.notifications import unread_count
from portal.workcal import calendar


def portal(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return {"portal_menu": [], "unread_notifications": 0}
    ctx: dict[str, Any] = {
        "portal_menu": nav.menu_for(user),
        "unread_notifications": unread_count(user),
    }
    if user.is_staff or has_role(user, CITY_ADMIN):
        ctx["provisional_calendar_years"] = calendar().provisional_years(timezone.localdate())
    return ctx
