"""Seed the catalogue: the enterprise_user role, the two policy documents and version 1 of their
rule sets (parameters from the gazette texts), the workflow time limits and the LPR table."""

from django.db import migrations

from portal.rulesets import ruleset_seed
from subsidies.rules import catalogue as c


def forwards(apps, schema_editor):
    Role = apps.get_model("portal", "Role")
    OrgUnit = apps.get_model("portal", "OrgUnit")
    PolicyDocument = apps.get_model("subsidies", "PolicyDocument")
    Role.objects.get_or_create(
        code="enterprise_user",
        defaults={
            "name": "企业用户",
            "citywide": False,
            "description": "企业自己的账号：查看本企业数据、自助测算、申报、补正、确认推送（与企业的关联见“企业账号”）",
        },
    )
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=["gxj", "wgly"])}
    for code, key, params, lead in (("A", c.KEY_A, c.A_PARAMS, "gxj"), ("B", c.KEY_B, c.B_PARAMS, "wgly")):
        doc = params["document"]
        PolicyDocument.objects.get_or_create(
            code=code,
            defaults={"rule_key": key, "title": doc["title"], "number": doc["number"], "lead_unit": units[lead]},
        )
    ruleset_seed(
        apps,
        key=c.KEY_A,
        params=c.A_PARAMS,
        valid_from=c.A_VALID_FROM,
        valid_to=c.A_VALID_TO,
        reason="默认值，来自驻政办〔2024〕15号《关于促进电子信息产业加快发展的若干措施》（有效期 3 年）",
        source="驻政办〔2024〕15号 第一至九条",
    )
    ruleset_seed(
        apps,
        key=c.KEY_B,
        params=c.B_PARAMS,
        valid_from=c.B_VALID_FROM,
        valid_to=c.B_VALID_TO,
        reason="默认值，来自驻政办〔2024〕21号《驻马店市支持文化旅游产业高质量发展的若干政策措施》（自印发之日起施行）",
        source="驻政办〔2024〕21号 第1、5、10、12条",
    )
    ruleset_seed(
        apps,
        key=c.KEY_WORKFLOW,
        params=c.WORKFLOW_PARAMS,
        valid_from=c.A_VALID_FROM,
        reason="默认办理时限（文件未规定具体时限；驻政〔2024〕10号要求限时办结）",
        source="驻政〔2024〕10号 任务 8",
    )
    ruleset_seed(
        apps,
        key=c.KEY_LPR,
        params=c.LPR_PARAMS,
        valid_from=c.A_VALID_FROM,
        reason="全国银行间同业拆借中心公布的一年期 LPR",
        source="驻政办〔2024〕15号 第四条（银行最新一期的一年期LPR）",
    )


def backwards(apps, schema_editor):
    apps.get_model("subsidies", "PolicyDocument").objects.all().delete()
    apps.get_model("portal", "RuleSet").objects.filter(key__startswith="subsidies.").delete()


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0001_initial"), ("portal", "0002_seed_roles_and_org")]
    operations = [migrations.RunPython(forwards, backwards)]
