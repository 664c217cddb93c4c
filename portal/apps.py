from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "平台基础"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.urls import register_converter

        from portal import checks, rulesets  # noqa: F401  (registers system checks and platform rule keys)
        from portal.api.converters import IdConverter

        register_converter(IdConverter, "id")  # `<id:pk>` in the API's URLs
        from portal.access import AUDITOR, CITY_ADMIN
        from portal.nav import NavItem, register

        register(
            NavItem("我的工作", "工作台", "dashboard", order=1),
            NavItem("我的工作", "我的时限", "deadlines", order=2),
            NavItem("我的工作", "通知", "notifications", order=3),
            NavItem("我的工作", "组织机构", "org-units", order=4),
            NavItem("我的工作", "临时代理", "delegations", order=6),
            NavItem("我的工作", "审计记录", "audit", roles=(AUDITOR, CITY_ADMIN), order=5),
            NavItem("我的工作", "修改密码", "password_change", order=9),
        )
