"""Version 1 of the assistance rule sets, the departments warnings are referred to that the
platform does not seed (市总工会, 市残疾人联合会), and — on PostgreSQL — triggers that keep the
history tables insert-only (household versions, classifications, visits, the aid ledger)."""

from datetime import date

from django.db import migrations

from assistance import rulekeys
from portal.dbguards import insert_only
from portal.rulesets import ruleset_seed

EXTRA_DEPARTMENTS = [("zgh", "市总工会"), ("cl", "市残疾人联合会")]
INSERT_ONLY = [
    "assistance_householdversion",
    "assistance_classification",
    "assistance_visit",
    "assistance_aidrecord",
]


def seed(apps, schema_editor):
    OrgUnit = apps.get_model("portal", "OrgUnit")
    city = OrgUnit.objects.filter(code="zmd").first()
    if city is not None:
        for i, (code, name) in enumerate(EXTRA_DEPARTMENTS):
            if OrgUnit.objects.filter(code=code).exists() or OrgUnit.objects.filter(name=name).exists():
                continue  # another app may have added the same department (supervision adds 市残联 "cl")
            unit = OrgUnit.objects.create(
                code=code, name=name, kind="department", parent=city, sort=180 + i, handles_orders=True
            )
            unit.path = f"{city.path}{unit.pk}/"
            unit.depth = unit.path.count("/") - 2
            unit.save(update_fields=["path", "depth"])
    source = "驻政办〔2024〕16号"
    ruleset_seed(
        apps,
        key=rulekeys.STANDARDS,
        params=rulekeys.STANDARDS_DEFAULT,
        valid_from=date(2024, 1, 1),
        reason="默认值：文件未给出具体金额，按县区公布标准前的占位值（见 docs/assistance.md），请各县区据实修改",
        source=f"{source} 一(一)",
    )
    ruleset_seed(
        apps,
        key=rulekeys.PROCEDURE,
        params=rulekeys.PROCEDURE_DEFAULT,
        valid_from=date(2024, 1, 1),
        reason="默认值，来自驻政办〔2024〕16号 一(三)（3 个工作日）及 assistance.md §5a 的读法",
        source=f"{source} 一(三)",
    )
    ruleset_seed(
        apps,
        key=rulekeys.MONITORING,
        params=rulekeys.MONITORING_DEFAULT,
        valid_from=date(2024, 1, 1),
        reason="默认值，来自 assistance.md §4 的读法（红 3 天、橙 7 天、黄 15 天）",
        source=f"{source} 二(二)",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0001_initial"),
        ("portal", "0002_seed_roles_and_org"),
    ]
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        insert_only(*INSERT_ONLY),
    ]
