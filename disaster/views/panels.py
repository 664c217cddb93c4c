"""The disaster panel of the landing dashboard."""

from __future__ import annotations

from typing import Any

from disaster import selectors
from disaster.policies import is_city_viewer
from disaster.services.common import is_office


def dashboard_panel(request: Any) -> dict[str, Any] | None:
    user = request.user
    if is_city_viewer(user):
        return {
            "city": True,
            "events": selectors.events_for(user, status="open", limit=8),
            "proposals": selectors.pending_proposals(user)[:5],
            "overdue": selectors.overdue_deadlines(user, limit=8),
            "office": is_office(user),
        }
    events = selectors.events_for(user, status="open", limit=8)
    return {"city": False, "events": events, "overdue": selectors.overdue_deadlines(user, limit=8)}
