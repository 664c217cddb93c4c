from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "assistance"
    verbose_name = "低收入人口与分层救助"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from assistance import rulekeys

        rulekeys.register_all()
        self._register_deadlines()
        self._register_nav()

    def _register_deadlines(self) -> None:
        from assistance.services.applications import (
            KIND_EXIT_TRANSFER,
            KIND_OFFER_PUBLICITY,
            KIND_PERIODIC_REVIEW,
            KIND_SWITCH,
        )
        from assistance.services.monitoring import KIND_WARNING_VISIT
        from portal.access import TOWNSHIP_OFFICER
        from portal.deadlines import register_kind

        township = [TOWNSHIP_OFFICER]
        register_kind(KIND_OFFER_PUBLICITY, label="告知其他类别后公示（3 个工作日）", notify_roles=township)
        register_kind(KIND_SWITCH, label="转换为更优先类别的认定程序（3 个工作日）", notify_roles=township)
        register_kind(
            KIND_EXIT_TRANSFER, label="退出低保/特困后转入认定（3 个工作日）", notify_roles=township
        )
        register_kind(KIND_WARNING_VISIT, label="监测预警入户核查", notify_roles=township)
        register_kind(KIND_PERIODIC_REVIEW, label="低保、特困定期复核", notify_roles=township)

    def _register_nav(self) -> None:
        from portal.access import CITY_ADMIN, CITY_STAFF, COUNTY_OFFICER, TOWNSHIP_OFFICER, UNIT_CLERK
        from portal.nav import DashboardPanel, NavItem, register, register_panel

        local = (TOWNSHIP_OFFICER, COUNTY_OFFICER, CITY_ADMIN)
        city = (TOWNSHIP_OFFICER, COUNTY_OFFICER, CITY_ADMIN, CITY_STAFF)
        section = "低收入人口"
        register(
            NavItem(section, "乡镇工作台", "assistance:worklist", roles=local, order=10),
            NavItem(section, "家庭档案", "assistance:households", roles=city, order=20),
            NavItem(section, "新建家庭档案", "assistance:household-new", roles=local, order=25),
            NavItem(
                section,
                "县区看板",
                "assistance:dashboard",
                roles=(COUNTY_OFFICER, CITY_ADMIN, CITY_STAFF),
                order=30,
            ),
            NavItem(section, "重新筛查结果", "assistance:rescreen", roles=city, order=35),
            NavItem(
                section,
                "月度发放名册",
                "assistance:payment-lists",
                roles=(COUNTY_OFFICER, CITY_ADMIN, CITY_STAFF),
                order=40,
            ),
            NavItem(
                section,
                "导入与导出",
                "assistance:import",
                roles=(COUNTY_OFFICER, CITY_ADMIN, CITY_STAFF),
                order=50,
            ),
            NavItem(
                section,
                "部门推送",
                "assistance:referrals",
                roles=(CITY_STAFF, UNIT_CLERK, CITY_ADMIN),
                order=60,
            ),
            NavItem(section, "认定标准", "assistance:standards", roles=city, order=70),
        )
        from assistance.views import worklist_panel

        register_panel(
            DashboardPanel(
                template="assistance/_panel.html",
                render=worklist_panel,
                roles=(TOWNSHIP_OFFICER, COUNTY_OFFICER),
                order=40,
            )
        )
