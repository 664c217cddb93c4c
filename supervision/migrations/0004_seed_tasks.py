"""Seed all 42 measures of 驻政办〔2024〕22号 and all 20 tasks of 驻政〔2024〕10号 from the YAML in
supervision/data/, with responsibilities parsed from the text (supervision/seeding.py).
Idempotent: existing documents, sections and tasks (by code) are left as they are."""

from decimal import Decimal

from django.db import migrations

from supervision.seeding import COUNTY_CODES, as_date, iter_seeds


def seed(apps, schema_editor):
    OrgUnit = apps.get_model("portal", "OrgUnit")
    Document = apps.get_model("supervision", "Document")
    Section = apps.get_model("supervision", "Section")
    Task = apps.get_model("supervision", "Task")
    Assignment = apps.get_model("supervision", "Assignment")
    Indicator = apps.get_model("supervision", "Indicator")

    units = {u.code: u for u in OrgUnit.objects.all()}

    def unit(code):
        try:
            return units[code]
        except KeyError:
            raise RuntimeError(f"组织单位 {code} 不存在") from None

    documents, sections = {}, {}
    for seed_item in iter_seeds():
        d, s, item = seed_item.document, seed_item.section, seed_item.item
        if d["code"] not in documents:
            documents[d["code"]], _ = Document.objects.get_or_create(
                code=d["code"],
                defaults={
                    "letter": d["letter"],
                    "number": d["number"],
                    "title": d["title"],
                    "issuer": d["issuer"],
                    "issued_on": as_date(d["issued_on"]),
                    "source": d.get("source", ""),
                    "section_label": d["section_label"],
                    "item_label": d["item_label"],
                    "preamble": d.get("preamble", ""),
                    "deadline": as_date(d.get("deadline")),
                    "deadline_basis": d.get("deadline_basis", ""),
                },
            )
        document = documents[d["code"]]
        key = (d["code"], s["number"])
        if key not in sections:
            sections[key], _ = Section.objects.get_or_create(
                document=document, number=s["number"], defaults={"title": s["title"]}
            )
        if Task.objects.filter(code=item["code"]).exists():
            continue
        deadline = as_date(item.get("deadline")) or as_date(d.get("deadline"))
        task = Task.objects.create(
            document=document,
            section=sections[key],
            number=item["number"],
            code=item["code"],
            title=item["title"],
            text=item["text"],
            responsibility_text=seed_item.responsibility.clause,
            other_responsible=seed_item.responsibility.collectives,
            all_counties=seed_item.all_counties,
            deadline=deadline,
            deadline_basis=item.get("deadline_basis") or d.get("deadline_basis", ""),
            reporting_starts=as_date(d["reporting_starts"]),
            reporting_until=deadline,
        )
        order = 0
        for code in seed_item.lead_codes:
            Assignment.objects.create(task=task, unit=unit(code), role="lead", order=order)
            order += 1
        for code in seed_item.co_codes:
            Assignment.objects.create(task=task, unit=unit(code), role="co", order=order)
            order += 1
        if seed_item.all_counties:
            for code in COUNTY_CODES:
                Assignment.objects.create(task=task, unit=unit(code), role="county", order=order)
                order += 1
        reporter = unit(seed_item.lead_codes[0])
        for n, ind in enumerate(item.get("indicators", []), start=1):
            Indicator.objects.create(
                task=task,
                number=n,
                name=ind["name"],
                measure_unit=ind["unit"],
                target=Decimal(ind["target"]),
                direction=ind["direction"],
                baseline=Decimal(ind["baseline"]) if ind.get("baseline") is not None else None,
                start=as_date(ind.get("start")),
                deadline=as_date(ind.get("deadline")) or deadline,
                quote=ind["quote"],
                note=ind.get("note", ""),
                reporting_unit=reporter,
            )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0003_rulesets"), ("portal", "0002_seed_roles_and_org")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
