from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "hotline"
    verbose_name = "12345热线"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hotline import rulekeys
        from hotline.services import common as c
        from portal.access import (
            AUDITOR,
            CITY_ADMIN,
            HOTLINE_OPERATOR,
            HOTLINE_SUPERVISOR,
            UNIT_CLERK,
        )
        from portal.deadlines import register_kind
        from portal.nav import DashboardPanel, NavItem, register, register_panel

        rulekeys.register_all()
        centre = (HOTLINE_OPERATOR, HOTLINE_SUPERVISOR)
        section = "12345热线"
        register(
            NavItem(section, "受理来电", "hotline:intake", roles=centre, order=10),
            NavItem(
                section, "工单", "hotline:orders", roles=(*centre, CITY_ADMIN, AUDITOR, UNIT_CLERK), order=11
            ),
            NavItem(section, "本单位待办", "hotline:inbox", roles=(UNIT_CLERK,), order=12),
            NavItem(section, "审核与回访", "hotline:queues", roles=(HOTLINE_SUPERVISOR,), order=13),
            NavItem(section, "话务记录与回拨", "hotline:calls", roles=centre, order=20),
            NavItem(section, "事件（停水停电等）", "hotline:incidents", roles=centre, order=21),
            NavItem(
                section, "知识库", "hotline:knowledge", roles=(*centre, CITY_ADMIN, UNIT_CLERK), order=30
            ),
            NavItem(section, "知识库问题", "hotline:questions", roles=(*centre, UNIT_CLERK), order=31),
            NavItem(section, "派单规则", "hotline:routing", roles=(HOTLINE_SUPERVISOR, CITY_ADMIN), order=40),
            NavItem(section, "统计分析与排名", "hotline:stats", roles=(*centre, CITY_ADMIN), order=50),
            NavItem(section, "公众自助查询", "hotline:kb-public", order=60),
        )
        from hotline.views import dashboard_panel

        register_panel(
            DashboardPanel(
                template="hotline/_panel.html",
                render=dashboard_panel,
                roles=(*centre, UNIT_CLERK),
                order=20,
            )
        )
        unit_roles = [UNIT_CLERK]
        register_kind(c.DL_DISPATCH, label="12345 派单", notify_roles=[HOTLINE_SUPERVISOR, HOTLINE_OPERATOR])
        register_kind(c.DL_SIGN, label="12345 签收", notify_roles=unit_roles)
        register_kind(c.DL_HANDLE, label="12345 办理答复", notify_roles=unit_roles)
        register_kind(c.DL_ASSIST, label="12345 协办报告", notify_roles=unit_roles)
        register_kind(c.DL_FEEDBACK, label="12345 特殊事项初步反馈", notify_roles=unit_roles, sms=True)
        register_kind(c.DL_PROGRESS, label="12345 特殊事项每日进度", notify_roles=unit_roles, sms=True)
        register_kind(c.DL_KNOWLEDGE, label="12345 知识库问题", notify_roles=unit_roles)
