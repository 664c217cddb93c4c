"""Disaster types (8.1.1, 8.4) and version 1 of the disaster rule sets (disaster.rules.defaults)."""

from django.db import migrations

from disaster.rules import defaults
from portal.dbguards import insert_only
from portal.rulesets import ruleset_seed

TYPES = [
    ("flood", "洪涝", False),
    ("drought", "干旱", True),
    ("typhoon", "台风", False),
    ("wind_hail", "风雹", False),
    ("freeze", "低温冷冻", False),
    ("snow", "雪灾", False),
    ("sandstorm", "沙尘暴", False),
    ("earthquake", "地震", False),
    ("geological", "崩塌、滑坡、泥石流", False),
    ("forest_fire", "森林火灾", False),
    ("other", "其他突发公共事件（8.4 参照本预案）", False),
]


def seed(apps, schema_editor):
    DisasterType = apps.get_model("disaster", "DisasterType")
    for i, (code, name, drought) in enumerate(TYPES):
        DisasterType.objects.get_or_create(code=code, defaults={"name": name, "is_drought": drought, "sort": i})
    ruleset_seed(
        apps,
        key=defaults.RESPONSE_LEVELS_KEY,
        params=defaults.RESPONSE_LEVELS_V1,
        valid_from=defaults.VALID_FROM,
        reason="默认值，来自驻政办〔2024〕17号 5.1–5.4（启动条件、启动程序）",
        source=f"{defaults.SOURCE} 5.1–5.4",
    )
    ruleset_seed(
        apps,
        key=defaults.REPORT_DEADLINES_KEY,
        params=defaults.REPORT_DEADLINES_V1,
        valid_from=defaults.VALID_FROM,
        reason="默认值，来自驻政办〔2024〕17号 4.1.3、4.2.1–4.2.4、5.3.3、5.4.3",
        source=f"{defaults.SOURCE} 4.2",
    )
    ruleset_seed(
        apps,
        key=defaults.RESPONSE_TASKS_KEY,
        params=defaults.RESPONSE_TASKS_V1,
        valid_from=defaults.VALID_FROM,
        reason="默认值，来自驻政办〔2024〕17号 2.2、5.1.3–5.4.3（响应措施）",
        source=f"{defaults.SOURCE} 5.1.3–5.4.3",
    )


GUARD_TABLES = [
    "disaster_report",
    "disaster_reportrow",
    "disaster_missingpersonchange",
    "disaster_assessment",
    "disaster_levelchange",
]

class Migration(migrations.Migration):
    dependencies = [("disaster", "0001_initial"), ("portal", "0002_seed_roles_and_org")]
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        # Submitted reports, their rows and decisions are insert-only (SQLite: updates refused).
        insert_only(*GUARD_TABLES, sqlite_refuses_update=True),
    ]
