"""What the disaster app registers with the platform at startup: rule keys, deadline kinds
(who is told, SMS for urgent ones, the on-duty roster as extra recipients), menu entries and
dashboard panels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from portal import nav
from portal.access import (
    AUDITOR,
    CITY_ADMIN,
    CITY_STAFF,
    COUNTY_OFFICER,
    DR_DEPUTY,
    DR_DIRECTOR,
    DR_EXECUTIVE_DEPUTY,
    DR_OFFICE_DEPUTY,
    DR_OFFICE_DIRECTOR,
)
from portal.deadlines import register_kind

DR_ROLES = (DR_OFFICE_DEPUTY, DR_OFFICE_DIRECTOR, DR_DEPUTY, DR_EXECUTIVE_DEPUTY, DR_DIRECTOR)
CITY_ROLES = (CITY_STAFF, CITY_ADMIN, AUDITOR, *DR_ROLES)


def _on_duty(deadline: Any) -> Iterable[Any]:
    from disaster.services.common import on_duty

    return on_duty([deadline.responsible_unit_id])


def register_all() -> None:
    from disaster import rulesets
    from disaster.services import common as c

    rulesets.register_all()
    for kind in c.COUNTY_KINDS:
        register_kind(
            kind,
            label=c.KIND_LABELS[kind],
            notify_roles=[COUNTY_OFFICER],
            sms=kind in c.URGENT_KINDS or kind in (c.K_INITIAL,),
            extra_recipients=_on_duty,
        )
    for kind in c.CITY_KINDS:
        register_kind(
            kind,
            label=c.KIND_LABELS[kind],
            notify_roles=[CITY_STAFF, DR_OFFICE_DEPUTY, DR_OFFICE_DIRECTOR],
            sms=kind in c.URGENT_KINDS,
            extra_recipients=_on_duty,
        )
    from disaster.services import relief_common as rc

    for kind in rc.RELIEF_COUNTY_KINDS:
        register_kind(kind, label=rc.RELIEF_KIND_LABELS[kind], notify_roles=[COUNTY_OFFICER])
    for kind in rc.RELIEF_CITY_KINDS:
        register_kind(
            kind,
            label=rc.RELIEF_KIND_LABELS[kind],
            notify_roles=[CITY_STAFF, DR_OFFICE_DEPUTY, DR_OFFICE_DIRECTOR],
        )
    section = "灾情报送"
    nav.register(
        nav.NavItem(section, "灾情总览", "disaster:dashboard", roles=CITY_ROLES, order=10),
        nav.NavItem(section, "灾害过程", "disaster:events", roles=(COUNTY_OFFICER, *CITY_ROLES), order=20),
        nav.NavItem(
            section, "报告新灾情", "disaster:event-new", roles=(COUNTY_OFFICER, CITY_STAFF), order=30
        ),
        nav.NavItem(
            section, "我的报送时限", "disaster:my-deadlines", roles=(COUNTY_OFFICER, CITY_STAFF), order=40
        ),
        nav.NavItem(
            section,
            "响应建议与决定",
            "disaster:proposals",
            roles=(CITY_STAFF, CITY_ADMIN, *DR_ROLES),
            order=50,
        ),
        nav.NavItem(section, "值班表", "disaster:roster", order=60),
        nav.NavItem(
            section,
            "响应启动条件",
            "disaster:thresholds",
            roles=(CITY_ADMIN, CITY_STAFF, *DR_ROLES),
            order=70,
        ),
    )
    relief = "救灾资源与灾后救助"
    nav.register(
        nav.NavItem(
            relief, "救灾资源总览", "disaster:relief-home", roles=(COUNTY_OFFICER, *CITY_ROLES), order=10
        ),
        nav.NavItem(
            relief, "救灾资金", "disaster:relief-funds", roles=(COUNTY_OFFICER, *CITY_ROLES), order=20
        ),
        nav.NavItem(
            relief, "救灾物资", "disaster:relief-supplies", roles=(COUNTY_OFFICER, *CITY_ROLES), order=30
        ),
        nav.NavItem(
            relief, "物资调拨单", "disaster:relief-orders", roles=(COUNTY_OFFICER, *CITY_ROLES), order=40
        ),
        nav.NavItem(
            relief, "应急避难场所", "disaster:relief-shelters", roles=(COUNTY_OFFICER, *CITY_ROLES), order=50
        ),
        nav.NavItem(relief, "灾后救助", "disaster:relief-aid", roles=(COUNTY_OFFICER, *CITY_ROLES), order=60),
        nav.NavItem(
            relief, "冬春救助", "disaster:relief-winter", roles=(COUNTY_OFFICER, *CITY_ROLES), order=70
        ),
    )
    from disaster.views.panels import dashboard_panel

    nav.register_panel(
        nav.DashboardPanel(
            template="disaster/_panel.html",
            render=dashboard_panel,
            roles=(COUNTY_OFFICER, *CITY_ROLES),
            order=20,
        )
    )
