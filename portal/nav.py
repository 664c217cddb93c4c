"""Navigation and dashboard panels, contributed by each app in its AppConfig.ready().

The platform knows nothing app-specific: an app registers its menu entries (who sees them is a
list of role codes) and, optionally, panels for the landing dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext

from portal.access import has_role


@dataclass(frozen=True)
class NavItem:
    section: str  # the menu group, e.g. "灾情报送"
    label: str
    url_name: str
    roles: tuple[str, ...] | None = None  # None: every signed-in user
    order: int = 100
    staff_only: bool = False


@dataclass(frozen=True)
class DashboardPanel:
    """`render(request) -> dict | None`; the dict is the context of `template`, None hides it."""

    template: str
    render: Callable[[Any], dict[str, Any] | None]
    roles: tuple[str, ...] | None = None
    order: int = 100


@dataclass
class _Registry:
    items: list[NavItem] = field(default_factory=list)
    panels: list[DashboardPanel] = field(default_factory=list)


_registry = _Registry()


def register(*items: NavItem) -> None:
    for item in items:
        if item not in _registry.items:
            _registry.items.append(item)


def register_panel(panel: DashboardPanel) -> None:
    if panel not in _registry.panels:
        _registry.panels.append(panel)


def _allowed(user: Any, roles: tuple[str, ...] | None) -> bool:
    return roles is None or has_role(user, *roles)


def menu_for(user: Any) -> list[tuple[str, list[dict[str, str]]]]:
    """[(section, [{"label", "url"}])] in registration order of sections, items by `order`."""
    if not getattr(user, "is_authenticated", False):
        return []
    sections: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for item in _registry.items:
        if item.staff_only and not user.is_staff:
            continue
        if not _allowed(user, item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        sections.setdefault(gettext(item.section), []).append(
            (item.order, {"label": gettext(item.label), "url": url})
        )
    return [
        (name, [entry for _, entry in sorted(entries, key=lambda e: e[0])])
        for name, entries in sections.items()
    ]


def panels_for(request: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for panel in sorted(_registry.panels, key=lambda p: p.order):
        if not _allowed(request.user, panel.roles):
            continue
        data = panel.render(request)
        if data is not None:
            out.append((panel.template, data))
    return out
