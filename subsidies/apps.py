from django.apps import AppConfig


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = "企业奖补"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import rulesets
        from portal.access import AUDITOR, CITY_ADMIN, CITY_STAFF, COUNTY_OFFICER
        from portal.deadlines import register_kind
        from portal.nav import DashboardPanel, NavItem, register, register_panel
        from subsidies.rules import catalogue as c

        rulesets.register(
            c.KEY_A,
            title="电子信息产业奖补（驻政办〔2024〕15号）",
            schema=c.DOCUMENT_SCHEMA,
            source="驻政办〔2024〕15号 第一至九条",
            help="条款 E1a–E9 的条件、金额公式、上限、兑现财政、一次性/按年、申报材料；版本的起止日期即政策有效期。",
            readings=c.READINGS,
        )
        rulesets.register(
            c.KEY_B,
            title="文化旅游产业奖补（驻政办〔2024〕21号）",
            schema=c.DOCUMENT_SCHEMA,
            source="驻政办〔2024〕21号 第1、5、10、12条",
            help="条款 T1、T5、T10、T12；自 2024-07-30 施行，未定期限。",
            readings=c.READINGS,
        )
        rulesets.register(
            c.KEY_WORKFLOW,
            title="奖补办理时限（工作日）与政策到期预警",
            schema=c.WORKFLOW_SCHEMA,
            source="驻政〔2024〕10号 任务 8",
            help="文件未规定具体时限，此为默认值。",
        )
        rulesets.register(
            c.KEY_LPR,
            title="一年期贷款市场报价利率（LPR）",
            schema=c.LPR_SCHEMA,
            source="驻政办〔2024〕15号 第四条",
            help="E4b 贴息取评估日前最新一期一年期 LPR；每次公布后新增一条。",
        )
        from subsidies.services.applications import deadline_enterprise_recipients

        for kind, label, roles in (
            ("subsidies.materials_check", "奖补：审核申报材料", [CITY_STAFF]),
            ("subsidies.resubmit", "奖补：企业补正材料", [CITY_STAFF]),
            ("subsidies.dept_review", "奖补：主管部门审核", [CITY_STAFF]),
            ("subsidies.fiscal_review", "奖补：财政审核", [CITY_STAFF]),
            ("subsidies.approval", "奖补：批准", [CITY_STAFF]),
            ("subsidies.payment", "奖补：拨付", [CITY_STAFF]),
            ("subsidies.proposal_confirm", "免申即享：确认匹配结果", [CITY_STAFF]),
        ):
            extra = (
                {"extra_recipients": deadline_enterprise_recipients} if kind == "subsidies.resubmit" else {}
            )
            register_kind(kind, label=label, notify_roles=roles, **extra)

        from subsidies.views import dashboard_panel

        everyone = (CITY_STAFF, COUNTY_OFFICER, AUDITOR, CITY_ADMIN, "enterprise_user")
        register(
            NavItem("企业奖补", "政策目录", "subsidies:catalogue", roles=everyone, order=10),
            NavItem("企业奖补", "自助测算", "subsidies:selfcheck", roles=everyone, order=20),
            NavItem("企业奖补", "企业名录", "subsidies:enterprises", roles=everyone, order=30),
            NavItem(
                "企业奖补",
                "审核队列",
                "subsidies:queue",
                roles=(CITY_STAFF, AUDITOR, CITY_ADMIN, COUNTY_OFFICER),
                order=40,
            ),
            NavItem("企业奖补", "我的奖补", "subsidies:mine", roles=("enterprise_user",), order=45),
            NavItem(
                "企业奖补",
                "预算与兑现",
                "subsidies:budgets",
                roles=(CITY_STAFF, AUDITOR, CITY_ADMIN),
                order=50,
            ),
        )
        register_panel(
            DashboardPanel(
                template="subsidies/_panel.html",
                render=dashboard_panel,
                roles=(CITY_STAFF, CITY_ADMIN),
                order=60,
            )
        )
