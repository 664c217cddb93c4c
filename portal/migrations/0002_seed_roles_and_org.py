from django.db import migrations

from portal import orgdata


def seed(apps, schema_editor):
    Role = apps.get_model("portal", "Role")
    OrgUnit = apps.get_model("portal", "OrgUnit")
    Member = apps.get_model("portal", "WorkingGroupMember")

    for code, name, citywide, description in orgdata.ROLES:
        Role.objects.update_or_create(code=code, defaults={"name": name, "citywide": citywide, "description": description})

    def unit(code, name, kind, parent, sort=0, **extra):
        obj = OrgUnit.objects.filter(code=code).first()
        if obj:
            return obj
        obj = OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent, sort=sort, **extra)
        # Historical models have no custom save(): maintain the materialised path here.
        obj.path = (parent.path if parent else "/") + f"{obj.pk}/"
        obj.depth = obj.path.count("/") - 2
        obj.save(update_fields=["path", "depth"])
        return obj

    city = unit(orgdata.CITY[0], orgdata.CITY[1], "city", None)
    for i, (code, name, is_zone) in enumerate(orgdata.COUNTIES):
        county = unit(code, name, "county", city, sort=i, handles_orders=True, is_zone=is_zone)
        for j, township in enumerate(orgdata.TOWNSHIPS.get(code, [])):
            unit(f"{code}-t{j + 1:02d}", township, "township", county, sort=j)
    codes = {}
    for i, (code, name) in enumerate(orgdata.DEPARTMENTS):
        codes[code] = unit(code, name, "department", city, sort=100 + i, handles_orders=code not in orgdata.NOT_HANDLING)
    for i, (code, name) in enumerate(orgdata.UTILITIES):
        codes[code] = unit(code, name, "utility", city, sort=200 + i, handles_orders=True)
    committee = unit(orgdata.COMMITTEE[0], orgdata.COMMITTEE[1], "committee", city, sort=300)
    unit(orgdata.COMMITTEE_OFFICE[0], orgdata.COMMITTEE_OFFICE[1], "committee", committee, sort=0)
    for i, (code, name, leads, members) in enumerate(orgdata.WORKING_GROUPS):
        group = unit(code, name, "working_group", committee, sort=10 + i)
        for lead in leads:
            Member.objects.get_or_create(group=group, unit=codes[lead], defaults={"is_lead": True})
        for member in members:
            Member.objects.get_or_create(group=group, unit=codes[member], defaults={"is_lead": False})


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
