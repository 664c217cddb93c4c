from django.db import migrations

from hotline import ruledata, seeddata
from portal.rulesets import ruleset_seed


def seed(apps, schema_editor):
    Category = apps.get_model("hotline", "Category")
    SpecialSeat = apps.get_model("hotline", "SpecialSeat")
    RoutingRule = apps.get_model("hotline", "RoutingRule")
    OrgUnit = apps.get_model("portal", "OrgUnit")

    reason = "默认值，来自驻政办〔2024〕23号（未规定事项按豫政办〔2024〕3号）"
    ruleset_seed(apps, key=ruledata.TIME_LIMITS_KEY, params=ruledata.TIME_LIMITS, valid_from=ruledata.VALID_FROM,
                 reason=reason, source="第四条、第十二条、第十四条")
    ruleset_seed(apps, key=ruledata.KNOWLEDGE_KEY, params=ruledata.KNOWLEDGE, valid_from=ruledata.VALID_FROM,
                 reason="默认值（原文第十八条要求及时答复，未定天数）", source="第十六–十九条")
    ruleset_seed(apps, key=ruledata.STANDARDS_KEY, params=ruledata.STANDARDS, valid_from=ruledata.VALID_FROM,
                 reason="默认值，来自 GB/T 33358-2016 与第十条", source="GB/T 33358-2016；第十条")
    ruleset_seed(apps, key=ruledata.ANALYSIS_KEY, params=ruledata.ANALYSIS, valid_from=ruledata.VALID_FROM,
                 reason="默认值（第二十三条要求动态监测、实时预警）", source="第二十三条")

    units = {u.code: u for u in OrgUnit.objects.all()}
    by_code = {}
    for sort, (code, name, parent, kind, special, unit_code) in enumerate(seeddata.CATEGORIES):
        cat, _ = Category.objects.get_or_create(
            code=code,
            defaults={"name": name, "parent": by_code.get(parent), "default_kind": kind, "special_kind": special,
                      "sort": sort},
        )
        by_code[code] = cat
        if unit_code and unit_code in units and not RoutingRule.objects.filter(category=cat, place=None).exists():
            RoutingRule.objects.create(category=cat, lead_unit=units[unit_code], source="admin",
                                       note="初始派单规则（按责承办）")
    for code, name, cats, note in seeddata.SEATS:
        seat, _ = SpecialSeat.objects.get_or_create(code=code, defaults={"name": name, "note": note})
        seat.categories.set([by_code[c] for c in cats])


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_initial"), ("portal", "0002_seed_roles_and_org")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
