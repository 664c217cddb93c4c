"""Households and persons: validation, versions (full history), two-household flag, unmasking
audited, classification stored with its rule set."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistance.models import Classification, HouseholdVersion, Member, PersonFlag, TierPeriod
from assistance.selectors import history, household_search
from assistance.services.households import (
    HouseholdInput,
    household_classify,
    household_input_from,
    household_update,
    person_unmask,
)
from portal.errors import Conflict, RuleViolation
from portal.models import AuditEntry

from .factories import household, make_id, person, village

pytestmark = pytest.mark.django_db


def test_create_household_writes_first_version_and_derives_person_from_id(persona):
    officer = persona("shuitun")
    h = household(
        members=[
            person("王大", birth="19500312"),
            person("王二", birth="20100605", relation="child", female=True),
        ],
        income_wage="1000.5",
        actor=officer,
    )
    assert h.version == 1
    assert h.county.code == "yicheng" and h.township.code == "yicheng-t12" and h.village.kind == "village"
    members = list(h.members.filter(active=True).select_related("person").order_by("position"))
    assert [m.person.name for m in members] == ["王大", "王二"]
    assert members[0].person.birth_date.isoformat() == "1950-03-12"
    assert members[0].person.sex == "M" and members[1].person.sex == "F"
    assert h.income_wage == Decimal("1000.50")
    version = HouseholdVersion.objects.get(household=h)
    assert version.version == 1 and version.actor == officer
    assert set(version.data["members"]) == {str(m.person_id) for m in members}
    assert AuditEntry.objects.filter(action="assistance.household.create", object_id=str(h.pk)).exists()


def test_invalid_household_reports_every_problem_in_chinese(db):
    data = HouseholdInput(
        village=village(),
        area="suburb",
        members=[
            person("", birth="19800101"),
            person("李四", relation="head"),
        ],
        income_wage="abc",
        exp_medical="-1",
        houses="x",
    )
    data.members[1].id_number = "411702198001011235"  # wrong check character
    with pytest.raises(RuleViolation) as err:
        from assistance.services.households import household_create

        household_create(data=data, actor=None)
    errors = err.value.errors
    assert errors["area"] == ["请选择城市或农村"]
    assert "应为金额" in errors["income_wage"][0]
    assert "0 到 10 亿元" in errors["exp_medical"][0]
    assert errors["members.0.name"] == ["请填写姓名"]
    assert "校验位错误" in errors["members.1.id_number"][0]
    assert errors["members"] == ["每户须有且只有一名户主"]
    assert "houses" in errors


def test_update_bumps_version_records_changes_and_unchanged_writes_nothing(persona):
    officer = persona("shuitun")
    h = household(members=[person("赵一")], income_wage="1000", actor=officer)
    data = household_input_from(h)
    data.income_wage = "2400"
    data.members.append(person("赵二", relation="spouse", female=True))
    h2, changed = household_update(
        household=h, data=data, actor=officer, reason="入户核实收入变化", expected_version=1
    )
    assert changed and h2.version == 2
    v2 = HouseholdVersion.objects.get(household=h, version=2)
    assert v2.reason == "入户核实收入变化"
    paths = [c[0] for c in v2.changes]
    assert "household.income_wage" in paths
    assert any(p.startswith("members.") for p in paths)
    lines = history(h2)[0]["lines"]
    assert "工资性收入（元/年）：1000.00 → 2400.00" in lines
    assert "新增成员：赵二" in lines
    # The same data again: no new version.
    same, changed = household_update(
        household=h2, data=household_input_from(h2), actor=officer, reason="再次保存"
    )
    assert not changed and same.version == 2
    assert HouseholdVersion.objects.filter(household=h).count() == 2


def test_removed_member_leaves_but_stays_in_history(persona):
    officer = persona("shuitun")
    h = household(members=[person("钱一"), person("钱二", relation="child")], actor=officer)
    data = household_input_from(h)
    data.members = data.members[:1]
    household_update(household=h, data=data, actor=officer, reason="子女外出务工分户")
    gone = Member.objects.get(household=h, person__name="钱二")
    assert not gone.active and gone.left_on is not None and gone.left_reason == "子女外出务工分户"
    assert "成员离开：钱二" in history(h)[0]["lines"]


def test_stale_version_is_a_conflict_and_loses_nothing(persona):
    officer = persona("shuitun")
    h = household(actor=officer)
    data = household_input_from(h)
    data.income_wage = "500"
    household_update(household=h, data=data, actor=officer, reason="第一次修改", expected_version=1)
    data.income_wage = "900"
    with pytest.raises(Conflict):
        household_update(household=h, data=data, actor=officer, reason="基于旧版本", expected_version=1)
    h.refresh_from_db()
    assert h.income_wage == Decimal("500.00") and h.version == 2


def test_update_requires_reason(persona):
    h = household()
    with pytest.raises(RuleViolation) as err:
        household_update(household=h, data=household_input_from(h), actor=persona("shuitun"), reason=" ")
    assert err.value.errors == {"reason": ["请填写修改原因"]}


def test_person_in_two_households_is_flagged_then_resolved(persona):
    officer = persona("shuitun")
    shared = person("孙共")
    a = household(members=[shared], actor=officer)
    b_members = [person("孙户主"), person("孙共", relation="sibling")]
    b_members[1].id_number = shared.id_number
    b = household(village_unit=village(name="杨楼村"), members=b_members, actor=officer)
    flag = PersonFlag.objects.get(status="open")
    assert flag.person.id_number == shared.id_number
    assert flag.households == sorted([a.pk, b.pk])
    # Removing the person from household b resolves the flag.
    data = household_input_from(b)
    data.members = data.members[:1]
    household_update(household=b, data=data, actor=officer, reason="核实：实际在 a 户共同生活")
    flag.refresh_from_db()
    assert flag.status == "resolved"


def test_unmask_is_audited(persona):
    officer = persona("shuitun")
    h = household(actor=officer)
    p = h.members.first().person
    assert p.masked_id == p.id_number[:6] + "********" + p.id_number[-4:]
    assert person_unmask(person=p, actor=officer) == p.id_number
    entry = AuditEntry.objects.get(action="assistance.person.unmask")
    assert entry.object_id == str(p.pk) and entry.actor == officer


def test_classify_stores_ruleset_facts_and_explanation(persona):
    officer = persona("shuitun")
    h = household(
        members=[person("周老", birth="19400101", labour_capacity="none")], income_wage="3000", actor=officer
    )
    c = household_classify(household=h, actor=officer)
    assert c.tier == "extreme_poverty"
    assert c.ruleset.key == "assistance.standards" and c.ruleset.version == 1
    assert c.facts["members"][0]["age"] >= 84
    assert c.result["explanation"][-1].startswith("规则：assistance.standards 第 1 版")
    h.refresh_from_db()
    assert h.computed_tier == "extreme_poverty" and h.computed_ruleset_id == c.ruleset_id
    assert Classification.objects.count() == 1


def test_set_tier_keeps_tier_periods(persona):
    h = household(tier="dibao", members=[person("吴一"), person("吴二", relation="spouse")])
    period = TierPeriod.objects.get(household=h)
    assert period.tier == "dibao" and period.persons == 2 and period.end is None
    assert h.version == 2


def test_search_by_id_number_name_prefix_and_code(persona):
    officer = persona("shuitun")
    target = person("欧阳修")
    h = household(members=[target], actor=officer, code="SC-001")
    household(members=[person("欧阳文")], actor=officer)
    assert [x.pk for x in household_search(officer, q=target.id_number.lower())] == [h.pk]
    assert len(household_search(officer, q="欧阳")) == 2
    assert household_search(officer, q="欧") == []  # one character: too many names, not searched
    assert [x.pk for x in household_search(officer, q="欧阳修")] == [h.pk]
    assert [x.pk for x in household_search(officer, q="SC-001")] == [h.pk]
    assert household_search(officer, q="欧阳修")[0].head_name == "欧阳修"
    # Another county's officer sees none of them.
    assert household_search(persona("xiping"), q="欧阳") == []


def test_make_id_is_valid():
    from datetime import date

    from assistance.rules import validate_id_number

    assert validate_id_number(make_id("19991231", female=True), today=date(2024, 1, 1)).sex == "F"
