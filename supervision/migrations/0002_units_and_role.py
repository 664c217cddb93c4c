"""Units the two documents name that the platform does not seed, and the supervisor's role.

Units are looked up by code, then by exact name (another app may have added the same
department), and created under the city only when missing."""

from django.db import migrations

from supervision.seeding import NEW_UNITS

ROLE = (
    "supervision_officer",
    "督查专员",
    True,
    "市人民政府办公室督查督办：查看全部督查任务和报告、确认任务完成、调整报告周期、导出会议材料",
)


def seed(apps, schema_editor):
    OrgUnit = apps.get_model("portal", "OrgUnit")
    Role = apps.get_model("portal", "Role")
    code, name, citywide, description = ROLE
    Role.objects.update_or_create(code=code, defaults={"name": name, "citywide": citywide, "description": description})
    city = OrgUnit.objects.get(code="zmd")
    for i, (code, name, kind) in enumerate(NEW_UNITS):
        if OrgUnit.objects.filter(code=code).exists():
            continue
        if OrgUnit.objects.filter(name=name).exists():
            raise RuntimeError(f"单位“{name}”已存在但代码不是 {code}：请统一代码后再迁移")
        unit = OrgUnit.objects.create(code=code, name=name, kind=kind, parent=city, sort=400 + i)
        unit.path = f"{city.path}{unit.pk}/"
        unit.depth = unit.path.count("/") - 2
        unit.save(update_fields=["path", "depth"])


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial"), ("portal", "0002_seed_roles_and_org")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
