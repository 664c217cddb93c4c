"""Version 1 of the disaster rule sets, exactly as the spec (disaster.md §2–3) and the plan
(驻政办〔2024〕17号 4.2, 5.1–5.4, 2.2) state them. Seeded by the data migration; admins add
dated versions later. Kept here as plain data so a policy officer can check it line by line."""

from __future__ import annotations

from datetime import date

VALID_FROM = date(2024, 1, 1)
SOURCE = "驻政办〔2024〕17号 驻马店市自然灾害救助应急预案"

RESPONSE_LEVELS_KEY = "disaster.response_levels"
REPORT_DEADLINES_KEY = "disaster.report_deadlines"
RESPONSE_TASKS_KEY = "disaster.response_tasks"

# 5.1.1, 5.2.1, 5.3.1, 5.4.1. Only lower bounds are evaluated (Reading: highest level whose
# lower threshold is met). IV counts deaths only, III–I deaths plus missing.
RESPONSE_LEVELS_V1 = {
    "levels": [
        {
            "level": "IV",
            "thresholds": {
                "deaths": 5,
                "relocated": 5000,
                "needing_aid": 5000,
                "collapsed_rooms": 1000,
                "collapsed_households": 500,
                "drought_share": "0.10",
                "drought_count": 80000,
            },
        },
        {
            "level": "III",
            "thresholds": {
                "deaths_missing": 10,
                "relocated": 10000,
                "needing_aid": 10000,
                "collapsed_rooms": 3000,
                "collapsed_households": 1500,
                "drought_share": "0.15",
                "drought_count": 100000,
            },
        },
        {
            "level": "II",
            "thresholds": {
                "deaths_missing": 20,
                "relocated": 30000,
                "needing_aid": 30000,
                "collapsed_rooms": 10000,
                "collapsed_households": 3000,
                "drought_share": "0.20",
                "drought_count": 200000,
            },
        },
        {
            "level": "I",
            "thresholds": {
                "deaths_missing": 50,
                "relocated": 80000,
                "needing_aid": 80000,
                "collapsed_rooms": 30000,
                "collapsed_households": 10000,
                "drought_share": "0.25",
                "drought_count": 300000,
            },
        },
    ],
    # 全市农牧业人口: an admin-set figure; none shipped (no published figure in the documents),
    # so the drought share condition is not evaluated until an admin enters it.
    "agricultural_population": None,
    # Who decides each level (5.1.2, 5.2.2, 5.3.2, 5.4.2) and to whom the decision is reported.
    # city_admin for level I stands for "the city government directly" (5.4.2).
    "deciders": {
        "IV": ["dr_office_deputy"],
        "III": ["dr_deputy"],
        "II": ["dr_executive_deputy"],
        "I": ["dr_director", "city_admin"],
    },
    "report_to": {
        "IV": ["dr_office_director"],
        "III": ["dr_executive_deputy"],
        "II": ["dr_director"],
        "I": ["city_admin"],
    },
}

# 4.1.3, 4.2.1–4.2.4, 5.3.3 (3), 5.4.3 (3). Hours, minutes and calendar days.
REPORT_DEADLINES_V1 = {
    "initial_hours": 2,
    "major_initial_hours": 1,
    "major_threshold": 10,
    "city_review_hours": 2,
    "city_province_minutes": 30,
    "verify_phone_minutes": 30,
    "verify_written_minutes": 60,
    "county_cutoff": "09:00",
    "city_cutoff": "10:00",
    "major_change_minutes": 30,
    "verified_days": 7,
    "city_aggregate_days": 2,
    "drought_initial_hours": 2,
    "drought_continuing_days": 10,
    "drought_national_days": 5,
    "drought_verified_days": 7,
    "backfill_hours": 24,
    "situation_report_hours": 24,
    # A continuing report is a "major change" (city reports at once) when the county marks it so
    # or when the event's suggested level rises with it.
    "major_change_on_level_rise": True,
}

# The measures of 5.1.3–5.4.3 the system tracks as tasks, with the working group (2.2) that
# carries each. `min_level`: the lowest level at which the task is created.
RESPONSE_TASKS_V1 = {
    "tasks": [
        {
            "code": "notice",
            "title": "发出响应通知",
            "min_level": "IV",
            "group": "wg-zhxt",
            "basis": "5.1.3(1)",
        },
        {
            "code": "consultation",
            "title": "组织灾情会商会议",
            "min_level": "IV",
            "group": "wg-zhxt",
            "basis": "5.1.3(1)",
        },
        {
            "code": "field_team",
            "title": "派出工作组赴灾区慰问受灾人员、核查灾情",
            "min_level": "IV",
            "group": "wg-zhxt",
            "basis": "5.1.3(2)",
        },
        {
            "code": "information",
            "title": "统一发布灾情和救灾工作动态信息",
            "min_level": "IV",
            "group": "wg-xwxc",
            "basis": "5.1.3(3)",
        },
        {
            "code": "funds",
            "title": "提出救灾资金分配意见并下拨",
            "min_level": "IV",
            "group": "wg-shjz",
            "basis": "5.1.3(4)",
        },
        {
            "code": "supplies",
            "title": "紧急调拨生活类救灾物资",
            "min_level": "IV",
            "group": "wg-wzbz",
            "basis": "5.1.3(4)",
        },
        {
            "code": "medical",
            "title": "指导医疗救治、卫生防疫和心理援助",
            "min_level": "IV",
            "group": "wg-ylfy",
            "basis": "5.1.3(6)",
        },
        {
            "code": "loss_assessment",
            "title": "灾情稳定后评估、核定灾害损失",
            "min_level": "IV",
            "group": "wg-zqgl",
            "basis": "5.1.3(7)",
        },
        {
            "code": "joint_team",
            "title": "派出由市应急管理局负责同志带队的联合工作组",
            "min_level": "III",
            "group": "wg-zhxt",
            "basis": "5.2.3(2)",
        },
        {
            "code": "province_request",
            "title": "向省应急管理厅、省财政厅请示拨付救灾资金和物资",
            "min_level": "III",
            "group": "wg-shjz",
            "basis": "5.2.3(4)",
        },
        {
            "code": "social_forces",
            "title": "指导社会组织、社会工作者、志愿者有序参与救灾",
            "min_level": "III",
            "group": "wg-jzjz",
            "basis": "5.2.3(8)",
        },
        {
            "code": "situation_report",
            "title": "每日向市委、市政府和省减灾委办公室、省应急管理厅报告灾情和救灾工作动态",
            "min_level": "II",
            "group": "wg-zqgl",
            "basis": "5.3.3(3)",
        },
        {
            "code": "security",
            "title": "加强灾区社会治安和道路交通应急管理",
            "min_level": "II",
            "group": "wg-aqwl",
            "basis": "5.3.3(7)",
        },
        {
            "code": "donation_appeal",
            "title": "发布接受救灾捐赠公告，组织救灾捐赠",
            "min_level": "II",
            "group": "wg-jzjz",
            "basis": "5.3.3(10)",
        },
        {
            "code": "expert_assessment",
            "title": "组织专家进行实时灾情、发展趋势和灾区需求评估",
            "min_level": "II",
            "group": "wg-zqgl",
            "basis": "5.3.3(3)",
        },
        {
            "code": "market_supply",
            "title": "保障市场供应，防止价格大幅波动",
            "min_level": "I",
            "group": "wg-wzbz",
            "basis": "5.4.3(8)",
        },
        {
            "code": "communications",
            "title": "督促做好应急通信保障",
            "min_level": "I",
            "group": "wg-zhxt",
            "basis": "5.4.3(8)",
        },
        {
            "code": "ecology",
            "title": "监测因灾生态环境破坏、污染情况并调查评估",
            "min_level": "I",
            "group": "wg-zqgl",
            "basis": "5.4.3(8)",
        },
        {
            "code": "house_safety",
            "title": "指导灾后房屋建筑和市政设施安全应急评估",
            "min_level": "I",
            "group": "wg-dfcj",
            "basis": "5.4.3(8)",
        },
    ]
}
