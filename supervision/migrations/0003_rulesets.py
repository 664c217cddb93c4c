from datetime import date

from django.db import migrations

from portal.rulesets import ruleset_seed
from supervision.rules import REPORTING_DEFAULTS, REPORTING_KEY, STATUS_DEFAULTS, STATUS_KEY


def seed(apps, schema_editor):
    ruleset_seed(
        apps,
        key=REPORTING_KEY,
        params=REPORTING_DEFAULTS,
        valid_from=date(2024, 7, 28),
        reason="默认值：文件未规定报送周期，督查看板按月报送，报告期结束后第5个工作日内报送，提前2个工作日提醒，逾期提请市政府办公室督办",
        source="督查看板约定（docs/supervision.md）",
    )
    ruleset_seed(
        apps,
        key=STATUS_KEY,
        params=STATUS_DEFAULTS,
        valid_from=date(2024, 7, 28),
        reason="默认值：完成进度低于时间进度的80%为存在风险；月报超过45天（周报14天、季报120天）未更新为存在风险",
        source="督查看板约定（docs/supervision.md）",
    )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_units_and_role"), ("portal", "0002_seed_roles_and_org")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
