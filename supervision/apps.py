from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "督查督办"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import deadlines, nav, rulesets
        from portal.access import CITY_STAFF, COUNTY_OFFICER, UNIT_CLERK
        from supervision import rules, selectors, services
        from supervision.policies import BOARD_ROLES, REPORTER_ROLES

        rulesets.register(
            rules.REPORTING_KEY,
            title="督查督办：进度报告周期、报送时限与提醒",
            schema=rules.REPORTING_SCHEMA,
            source="督查看板约定（两份文件均未规定报送周期）",
            help="default_frequency 新任务的报告周期；due_working_days 报告期结束后第几个工作日 24:00 前报送；"
            "remind_working_days 提前几个工作日 9:00 提醒（0 为不提醒）；escalate_to 逾期督办单位代码",
            readings=[
                "报告期为自然周（周一至周日）、自然月或自然季度",
                "报送时限按工作日历（含调休）计算",
                "逾期后通知督办单位（默认市人民政府办公室 zfb）",
            ],
        )
        rulesets.register(
            rules.STATUS_KEY,
            title="督查督办：任务与指标状态判定",
            schema=rules.STATUS_SCHEMA,
            source="督查看板约定；方向用语按“以上含本数、以下不含本数”（灾害预案 8.1.4）",
            help="pace_tolerance：完成比例低于时间进度 × 该系数为存在风险；stale_after_days：按报告周期，"
            "最新报告值超过该天数未更新为存在风险",
            readings=[
                "指标：达到目标为已完成；截止日期已过仍未达到为已逾期；无报告值或长期未更新、超出上限、落后于时间进度为存在风险",
                "任务：督查部门确认完成或全部指标完成为已完成；任一指标逾期或任务截止已过为已逾期；指标有风险或报告逾期未报为存在风险",
            ],
        )
        deadlines.register_kind(
            services.KIND,
            label="督查任务进度报告",
            notify_roles=[UNIT_CLERK, CITY_STAFF, COUNTY_OFFICER],
            on_overdue=services.on_reports_overdue,
        )
        nav.register(
            nav.NavItem(
                section="督查督办",
                label="督查任务看板",
                url_name="supervision:board",
                roles=BOARD_ROLES,
                order=10,
            ),
            nav.NavItem(
                section="督查督办",
                label="本单位待报",
                url_name="supervision:mine",
                roles=REPORTER_ROLES,
                order=20,
            ),
        )
        nav.register_panel(
            nav.DashboardPanel(
                template="supervision/_panel.html",
                render=lambda request: selectors.dashboard_summary(request.user),
                roles=BOARD_ROLES,
                order=80,
            )
        )
