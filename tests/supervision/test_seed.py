"""The seed: all 42 measures and all 20 tasks, each with its part/group, full text, responsible
units linked to organisation units, the county governments, indicators and deadlines."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from portal.models import OrgUnit, Role, RuleSet
from supervision import rules
from supervision.models import Assignment, Document, Indicator, Section, Task
from supervision.seeding import ALIASES, COUNTY_CODES, NEW_UNITS

pytestmark = pytest.mark.django_db


def test_the_seed_is_complete_62_items_each_with_a_responsible_unit():
    assert Task.objects.count() == 62
    assert Task.objects.filter(document__letter="A").count() == 42
    assert Task.objects.filter(document__letter="B").count() == 20
    for task in Task.objects.all():
        leads = task.assignments.filter(role=Assignment.Role.LEAD)
        assert leads.exists(), task.code
        assert task.text.startswith(task.title), task.code
        assert task.responsibility_text, task.code


def test_numbering_is_complete_and_in_the_right_parts():
    a = list(
        Task.objects.filter(document__letter="A").order_by("number").values_list("number", "section__number")
    )
    assert [n for n, _ in a] == list(range(1, 43))
    part_sizes = [4, 7, 5, 4, 4, 6, 4, 8]  # 一 … 八
    expected_parts = [p + 1 for p, size in enumerate(part_sizes) for _ in range(size)]
    assert [s for _, s in a] == expected_parts
    b = list(
        Task.objects.filter(document__letter="B").order_by("number").values_list("number", "section__number")
    )
    assert [n for n, _ in b] == list(range(1, 21))
    assert [s for _, s in b] == [1] * 4 + [2] * 6 + [3] * 4 + [4] * 3 + [5] * 3
    titles = list(
        Section.objects.filter(document__letter="A").order_by("number").values_list("title", flat=True)
    )
    assert titles[0] == "持续增强创新引领作用" and titles[-1] == "坚决守牢安全稳定底线"
    groups = list(
        Section.objects.filter(document__letter="B").order_by("number").values_list("title", flat=True)
    )
    assert groups == [
        "畅通政务服务渠道",
        "创新政务服务模式",
        "强化政务服务数字赋能",
        "推动政务服务扩面增效",
        "夯实政务服务工作基础",
    ]


def test_documents_carry_number_date_and_deadline():
    a = Document.objects.get(letter="A")
    assert (a.number, a.issued_on, a.deadline) == (
        "驻政办〔2024〕22号",
        date(2024, 7, 31),
        date(2024, 12, 31),
    )
    b = Document.objects.get(letter="B")
    assert (b.number, b.issued_on, b.deadline) == ("驻政〔2024〕10号", date(2024, 7, 28), None)
    assert "办理时限压缩70%以上" in b.preamble


def test_text_is_clean_of_page_furniture_and_pdf_spacing():
    for task in Task.objects.all():
        assert "公报" not in task.text and "— 37 —" not in task.text, task.code
        assert not re.search(r"[\u4e00-\u9fff]\s+[\u4e00-\u9fff“”（）]", task.text), task.code
    a33 = Task.objects.get(code="A33")
    assert a33.text.endswith("市市场监管局按职责分工负责）")
    assert Task.objects.get(code="A34").text.startswith(
        "培育发展绿色再生产业。落实废弃物循环利用体系建设行动方案"
    )
    assert "鸿禄200MW/400MWh" in Task.objects.get(code="A32").text


def test_every_item_names_all_13_county_governments():
    counties = set(OrgUnit.objects.filter(code__in=COUNTY_CODES).values_list("pk", flat=True))
    assert len(counties) == 13
    for task in Task.objects.all():
        assert task.all_counties
        got = set(task.assignments.filter(role=Assignment.Role.COUNTY).values_list("unit_id", flat=True))
        assert got == counties, task.code


def _codes(code: str, role: str) -> list[str]:
    return list(
        Assignment.objects.filter(task__code=code, role=role)
        .order_by("order")
        .values_list("unit__code", flat=True)
    )


@pytest.mark.parametrize(
    ("code", "leads", "co", "others"),
    [
        ("A01", ["kjj"], ["wjw", "nyncj", "fgw", "nky"], []),
        ("A05", ["gxj"], ["scjgj"], ["各产业链链长责任单位"]),
        ("A07", ["gxj"], [], []),
        ("A11", ["pbc"], ["jrjg", "kjj", "fgw", "czj", "rsj"], []),
        ("A12", ["fgw"], [], ["市“两重”工作专班成员单位"]),
        ("A35", ["gaj"], ["xfj", "sfj"], []),
        ("A39", ["fgw"], ["power"], []),
        ("A40", ["jzw"], ["aqw"], []),
        ("A41", ["fgw"], ["nyncj", "gxj", "swj", "jtj", "zjj", "czj", "pbc", "power"], []),
        ("B03", ["zfb"], [], ["市直有关部门"]),
        (
            "B05",
            ["fgw", "jyj", "rsj", "zrzyj", "cgj", "jtj", "wjw", "scjgj", "zwfw", "cl"],
            [],
            ["市直有关部门"],
        ),
        (
            "B08",
            ["fgw", "czj", "gxj", "zwfw"],
            ["jyj", "kjj", "mzj", "zjj", "nyncj", "wjw", "ybj", "swuj", "cl"],
            ["市直有关部门"],
        ),
        ("B13", ["zwfw"], [], []),
        (
            "B17",
            ["zzb", "zfb", "fgw", "sfj", "rsj", "scjgj", "zjj", "gxj", "kjj", "swj", "zwfw"],
            [],
            ["市直有关部门"],
        ),
        ("B19", ["zwfw", "sfj"], [], ["市直有关部门"]),
    ],
)
def test_responsibilities_parsed_from_the_text(code, leads, co, others):
    assert _codes(code, Assignment.Role.LEAD) == leads
    assert _codes(code, Assignment.Role.CO) == co
    assert Task.objects.get(code=code).other_responsible == others


def test_every_alias_and_new_unit_points_at_a_real_unit():
    codes = set(OrgUnit.objects.values_list("code", flat=True))
    assert set(ALIASES.values()) <= codes
    for code, name, kind in NEW_UNITS:
        unit = OrgUnit.objects.get(code=code)
        assert (unit.name, unit.kind, unit.parent.code) == (name, kind, "zmd")
        assert unit.path == f"{unit.parent.path}{unit.pk}/"
    assert OrgUnit.objects.get(code="fgw").name == "市发展和改革委员会"
    role = Role.objects.get(code="supervision_officer")
    assert role.citywide


def test_rule_sets_are_seeded_with_the_defaults():
    reporting = RuleSet.objects.get(key=rules.REPORTING_KEY, version=1)
    assert reporting.params == rules.REPORTING_DEFAULTS
    status = RuleSet.objects.get(key=rules.STATUS_KEY, version=1)
    assert status.params == rules.STATUS_DEFAULTS
    assert reporting.reason and status.reason


@pytest.mark.parametrize(
    ("code", "name", "direction", "target", "unit", "deadline"),
    [
        ("A10", "新增5G基站", "at_least", "2000", "个", date(2024, 12, 31)),
        ("A03", "全市技术合同成交额", "more_than", "40", "亿元", date(2024, 12, 31)),
        ("A03", "“科技贷”发放额", "at_least", "2.5", "亿元", date(2024, 12, 31)),
        ("A11", "银行金融机构新增贷款", "at_least", "300", "亿元", date(2024, 12, 31)),
        ("A27", "新开工改造城镇老旧小区", "at_least", "12491", "户", date(2024, 12, 31)),
        ("A28", "征收安置问题项目交付率", "at_least", "100", "%", date(2024, 9, 30)),
        ("A30", "全年粮食产量", "at_least", "160", "亿斤", date(2024, 12, 31)),
        ("A30", "新改建农村无害化卫生厕所", "at_least", "10500", "户", date(2024, 12, 31)),
        ("A31", "森林抚育", "at_least", "69800", "亩", date(2024, 12, 31)),
        ("A36", "城镇新增就业", "at_least", "64000", "人", date(2024, 12, 31)),
        ("B01", "县级以上政务服务中心专业综合受理区", "at_most", "6", "个", None),
        (
            "B01",
            "负面清单之外的政务服务事项纳入政务服务中心集中办理比例",
            "at_least",
            "100",
            "%",
            date(2024, 11, 30),
        ),
        (
            "B05",
            "国务院2024年度“高效办成一件事”重点事项落地见效比例",
            "at_least",
            "100",
            "%",
            date(2024, 10, 31),
        ),
        ("B05", "“一件事”办理环节压缩比例", "at_least", "80", "%", date(2024, 12, 31)),
    ],
)
def test_indicators_from_the_text(code, name, direction, target, unit, deadline):
    ind = Indicator.objects.get(task__code=code, name=name)
    assert (ind.direction, ind.target, ind.measure_unit, ind.deadline) == (
        direction,
        Decimal(target),
        unit,
        deadline,
    )
    task = ind.task
    assert ind.quote in task.text or ind.quote in task.document.preamble
    assert ind.reporting_unit == task.assignments.get(role=Assignment.Role.LEAD, order=0).unit


def test_indicator_counts_and_quotes():
    assert Indicator.objects.count() == 43
    for ind in Indicator.objects.select_related("task__document"):
        assert ind.quote in ind.task.text or ind.quote in ind.task.document.preamble, (
            ind.task.code,
            ind.quote,
        )
    assert Task.objects.get(code="A28").indicators.get().deadline == date(2024, 9, 30)


def test_task_deadlines_and_reporting_window():
    a = Task.objects.get(code="A10")
    assert (a.deadline, a.reporting_starts, a.reporting_until, a.report_frequency) == (
        date(2024, 12, 31),
        date(2024, 8, 1),
        date(2024, 12, 31),
        "monthly",
    )
    b = Task.objects.get(code="B07")
    assert (b.deadline, b.reporting_until) == (None, None)


def test_seed_migration_is_idempotent():
    seed = import_module("supervision.migrations.0004_seed_tasks").seed
    counts = (Task.objects.count(), Assignment.objects.count(), Indicator.objects.count())
    seed(django_apps, None)
    assert (Task.objects.count(), Assignment.objects.count(), Indicator.objects.count()) == counts
    units = import_module("supervision.migrations.0002_units_and_role").seed
    before = OrgUnit.objects.count()
    units(django_apps, None)
    assert OrgUnit.objects.count() == before
