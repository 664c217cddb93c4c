"""The pure rules: golden classifier cases (cases/classifier.yaml), ID numbers, masking,
standards lookup, benefits, review intervals and visit time limits — no database."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistance import rules
from assistance.rulekeys import MONITORING_DEFAULT, PROCEDURE_DEFAULT, STANDARDS_DEFAULT
from tests.conftest import load_cases

CASES = Path(__file__).parent / "cases"
SH = ZoneInfo("Asia/Shanghai")


def facts_from(data: dict) -> rules.HouseholdFacts:
    members = tuple(
        rules.MemberFacts(
            age=m["age"],
            labour_capacity=m.get("labour_capacity", "full"),
            disability_grade=m.get("disability_grade"),
            disability_category=m.get("disability_category"),
            serious_illness=m.get("serious_illness", False),
            has_able_supporter=m.get("has_able_supporter", False),
            employed=m.get("employed", False),
            own_income=Decimal(str(m.get("own_income", "0"))),
        )
        for m in data["members"]
    )
    return rules.HouseholdFacts(
        area=data["area"],
        household_income=Decimal(str(data["household_income"])),
        rigid_expenditure=Decimal(str(data["rigid_expenditure"])),
        property_within_limits=data["property_within_limits"],
        members=members,
        monitoring=data.get("monitoring"),
        designated_other=data.get("designated_other", False),
    )


def standards_from(case: dict) -> rules.Standards:
    over = case.get("standards") or {}
    params = {**STANDARDS_DEFAULT}
    if "near_multiplier" in over:
        params["near_dibao_multiplier"] = over["near_multiplier"]
    if "rigid_share" in over:
        params["rigid_expenditure_share"] = over["rigid_share"]
    dibao = Decimal(over["dibao"]) if "dibao" in over else None
    return rules.standards_for(params, area=case["input"]["area"], dibao_override=dibao)


@pytest.mark.parametrize("case", load_cases(CASES / "classifier.yaml"))
def test_classifier_golden_case(case: dict) -> None:
    result = rules.classify(facts_from(case["input"]), standards_from(case))
    expected = case["expected"]
    assert result.tier == expected["tier"], result.explanation
    if "single_person" in expected:
        assert result.single_person == expected["single_person"], result.explanation
    if "other_single_persons" in expected:
        assert result.other_single_persons == expected["other_single_persons"]
    if "checks" in expected:
        got = [(c.tier, c.passed) for c in result.checks]
        assert got == list(expected["checks"].items()), result.explanation
    text = "\n".join(result.explanation)
    for fragment in expected.get("explanation_contains", []):
        assert fragment in text, text
    for fragment in expected.get("explanation_not_contains", []):
        assert fragment not in text, text
    reasons = {c.tier: c.reason for c in result.checks}
    for tier, fragment in (expected.get("reason_contains") or {}).items():
        assert fragment in reasons[tier], reasons[tier]
    # Every result explains itself: the standard applied, the figures, one line per check, a conclusion.
    assert result.explanation[0].startswith("适用标准")
    assert text.count("通过 —") == len(result.checks)
    assert result.explanation[-1].startswith("结论")
    # The checks stop at the first tier that fits.
    assert all(not c.passed for c in result.checks[:-1])
    if result.tier is not None:
        assert result.checks[-1].passed and result.checks[-1].tier == result.tier


def test_every_tier_and_reading_is_covered_by_golden_cases() -> None:
    cases = [c.values[0] for c in load_cases(CASES / "classifier.yaml")]
    tiers = {c["expected"]["tier"] for c in cases}
    assert tiers == {*rules.TIERS, None}
    assert sum(1 for c in cases if c["expected"].get("single_person") is not None) >= 8
    assert all(c.get("clause") for c in cases)


def test_classifier_needs_members() -> None:
    with pytest.raises(ValueError):
        rules.classify(
            rules.HouseholdFacts("rural", Decimal("0"), Decimal("0"), True, members=()),
            rules.standards_for(STANDARDS_DEFAULT, area="rural"),
        )


def test_per_capita_is_unrounded_matches_exact_comparison_fuzz() -> None:
    """The classifier's exact comparison (income < line × n) equals comparing the unrounded
    per-capita value, for random incomes and household sizes."""
    rng = random.Random(7)
    std = rules.standards_for(STANDARDS_DEFAULT, area="rural")
    for _ in range(500):
        n = rng.randint(1, 7)
        income = Decimal(rng.randint(0, 2_000_000)) / 100
        facts = rules.HouseholdFacts(
            "rural", income, Decimal("0"), True, members=tuple(rules.MemberFacts(age=40) for _ in range(n))
        )
        result = rules.classify(facts, std)
        pc = income / n
        if pc < std.dibao:
            assert result.tier == rules.DIBAO
        elif pc < std.near_line:
            assert result.tier == rules.NEAR_DIBAO
        else:
            assert result.tier is None


# --- standards lookup ---------------------------------------------------------------------------


def test_standards_for_county_and_default() -> None:
    params = {
        **STANDARDS_DEFAULT,
        "counties": {
            "xiping": {
                "urban": {"dibao": "8000.00", "tekun": "10400.00"},
                "rural": {"dibao": "6000.00", "tekun": "7800.00"},
            }
        },
    }
    s = rules.standards_for(params, area="rural", county_code="xiping", county_name="西平县")
    assert s.dibao == Decimal("6000.00") and s.tekun == Decimal("7800.00")
    assert s.near_line == Decimal("9000.000")
    assert s.source == "西平县·农村"
    fallback = rules.standards_for(params, area="urban", county_code="yicheng", county_name="驿城区")
    assert fallback.dibao == Decimal("7440.00")
    assert "驿城区未单独设定" in fallback.source
    city = rules.standards_for(params, area="urban")
    assert city.source == "全市默认·城市"
    override = rules.standards_for(params, area="rural", county_code="xiping", dibao_override=Decimal("5000"))
    assert override.dibao == Decimal("5000") and override.tekun == Decimal("7800.00")
    assert override.readings.elderly_age == 60
    assert override.readings.severe_grade3_categories == frozenset({"intellectual", "mental"})


# --- ID numbers ---------------------------------------------------------------------------------


def make_id(prefix17: str) -> str:
    return prefix17 + rules.id_check_char(prefix17)


def test_id_check_character_gb11643() -> None:
    # The worked example of GB 11643-1999: 11010519491231002X.
    assert rules.id_check_char("11010519491231002") == "X"
    assert rules.id_check_char("44052418800101001") == "4"
    check = rules.validate_id_number(" 11010519491231002x ", today=date(2024, 7, 1))
    assert check.ok
    assert check.normalized == "11010519491231002X"
    assert check.birth_date == date(1949, 12, 31)
    assert check.sex == "F"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "请填写"),
        ("41170219800101123", "应为 18 位，实际 17 位"),
        ("411702800101123", "15 位旧号码"),
        ("4117021980010112A4", "前 17 位应为数字"),
        ("411702198001011235", "校验位错误"),
        ("411702198002301234", "不是有效日期"),
        ("411702189901011234", "不合理"),
    ],
)
def test_id_number_rejected_with_chinese_reason(raw: str, message: str) -> None:
    check = rules.validate_id_number(raw, today=date(2024, 7, 1))
    assert not check.ok
    assert any(message in e for e in check.errors), check.errors


def test_id_number_birth_date_in_future_rejected() -> None:
    future = make_id("41170220300101123")
    check = rules.validate_id_number(future, today=date(2024, 7, 1))
    assert not check.ok and "不合理" in check.errors[0]
    ok = rules.validate_id_number(make_id("41170220240701123"), today=date(2024, 7, 1))
    assert ok.ok and ok.birth_date == date(2024, 7, 1) and ok.sex == "M"


def test_masking() -> None:
    assert rules.mask_id("11010519491231002X") == "110105********002X"
    assert rules.mask_phone("13812345678") == "138****5678"
    assert rules.mask_phone("") == ""
    assert rules.mask_id("") == ""


def test_age_on() -> None:
    assert rules.age_on(date(1964, 7, 2), date(2024, 7, 1)) == 59
    assert rules.age_on(date(1964, 7, 1), date(2024, 7, 1)) == 60
    assert rules.age_on(date(2000, 2, 29), date(2024, 2, 28)) == 23


# --- benefits, reviews, visits ------------------------------------------------------------------


def test_monthly_benefit_readings() -> None:
    std = rules.standards_for(STANDARDS_DEFAULT, area="rural")
    # 低保 gap: (5280 × 3 − 12000) / 12 = 320.00
    assert rules.monthly_benefit(
        tier="dibao", std=std, members=3, household_income=Decimal("12000")
    ) == Decimal("320.00")
    # single-person: (5280 − 1000) / 12 = 356.666… → 356.67 (half up)
    assert rules.monthly_benefit(
        tier="dibao",
        std=std,
        members=3,
        household_income=Decimal("20000"),
        single_person_income=Decimal("1000"),
    ) == Decimal("356.67")
    # 特困: 6864 / 12 = 572.00
    assert rules.monthly_benefit(
        tier="extreme_poverty", std=std, members=1, household_income=Decimal("0")
    ) == Decimal("572.00")
    assert rules.monthly_benefit(
        tier="near_dibao", std=std, members=2, household_income=Decimal("0")
    ) == Decimal("0")
    assert rules.monthly_benefit(
        tier="dibao", std=std, members=1, household_income=Decimal("9999")
    ) == Decimal("0.00")


def test_money_rounds_half_up() -> None:
    assert rules.money(Decimal("0.005")) == Decimal("0.01")
    assert rules.money(Decimal("2.675")) == Decimal("2.68")


def test_review_interval() -> None:
    elderly = [rules.MemberFacts(age=70, labour_capacity="none")]
    months, why = rules.review_interval_months(elderly, PROCEDURE_DEFAULT)
    assert months == 12 and "12" in why
    able = [
        rules.MemberFacts(age=70, labour_capacity="none"),
        rules.MemberFacts(age=59, labour_capacity="partial"),
    ]
    assert rules.review_interval_months(able, PROCEDURE_DEFAULT)[0] == 6
    sixty = [rules.MemberFacts(age=60, labour_capacity="full")]
    assert rules.review_interval_months(sixty, PROCEDURE_DEFAULT)[0] == 12
    fifteen = [rules.MemberFacts(age=15, labour_capacity="full")]
    assert rules.review_interval_months(fifteen, PROCEDURE_DEFAULT)[0] == 12
    assert rules.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert rules.add_months(date(2024, 8, 15), 6) == date(2025, 2, 15)


@pytest.mark.parametrize(
    ("level", "due"), [("red", date(2024, 7, 4)), ("orange", date(2024, 7, 8)), ("yellow", date(2024, 7, 16))]
)
def test_visit_due_calendar_days(level: str, due: date) -> None:
    raised = datetime(2024, 7, 1, 10, 0, tzinfo=SH)
    at, days, working = rules.visit_due(raised, level, MONITORING_DEFAULT)
    assert at == datetime(due.year, due.month, due.day, tzinfo=SH) + timedelta(days=1)  # 24:00 of that day
    assert not working and days == MONITORING_DEFAULT["visit_days"][level]


def test_visit_due_working_days_option() -> None:
    params = {**MONITORING_DEFAULT, "working_days": True}
    raised = datetime(2024, 9, 27, 9, 0, tzinfo=SH)  # Friday before the National Day holiday

    def add_working_days(start: date, n: int) -> date:
        from portal.workcal import add_working_days as pure
        from portal.workcal import builtin_day

        return pure(start, n, lambda d: builtin_day(d)[0])

    at, days, working = rules.visit_due(raised, "red", params, add_working_days=add_working_days)
    # 09-28 (Sat) off; 09-29 (Sun, adjusted) and 09-30 work; 10-01..10-07 holiday; 10-08 is the third.
    assert working and days == 3
    assert at == datetime(2024, 10, 9, 0, 0, tzinfo=SH)
    with pytest.raises(ValueError):
        rules.visit_due(raised, "red", params)


def test_aid_types_have_layers() -> None:
    assert rules.aid_layer("dibao") == "basic"
    assert rules.aid_layer("temporary") == "emergency"
    assert set(layer for _, layer in rules.AID_TYPES.values()) == set(rules.AID_LAYERS)


@pytest.mark.parametrize("case", load_cases(CASES / "classifier.yaml"))
def test_fast_classifier_agrees_on_golden_cases(case: dict) -> None:
    facts, std = facts_from(case["input"]), standards_from(case)
    full = rules.classify(facts, std)
    assert rules.classify_tier(facts, std) == (full.tier, full.single_person)
    fast = rules.classify(facts, std, explain=False)
    assert (fast.tier, fast.single_person, fast.explanation) == (full.tier, full.single_person, [])


def test_fast_classifier_agrees_randomised() -> None:
    """The re-screening path (`classify_tier`) and the explained path decide alike on 3,000
    random households around every threshold."""
    rng = random.Random(16)
    categories = [None, *rules.DISABILITY_CATEGORIES]
    for _ in range(3000):
        n = rng.randint(1, 5)
        members = tuple(
            rules.MemberFacts(
                age=rng.choice([5, 17, 18, 40, 59, 60, 75]),
                labour_capacity=rng.choice(rules.LABOUR_CAPACITIES),
                disability_grade=rng.choice([None, None, 1, 2, 3, 4]),
                disability_category=rng.choice(categories),
                serious_illness=rng.random() < 0.15,
                has_able_supporter=rng.random() < 0.3,
                employed=rng.random() < 0.5,
                own_income=Decimal(rng.choice([0, 3000, 5279, 5280, 9000])),
            )
            for _ in range(n)
        )
        facts = rules.HouseholdFacts(
            area=rng.choice(rules.AREAS),
            household_income=Decimal(rng.randint(0, 12000 * n)),
            rigid_expenditure=Decimal(rng.choice([0, 1000, 5000, 20000])),
            property_within_limits=rng.random() < 0.8,
            members=members,
            monitoring=rng.choice([None, None, *rules.MONITORING_KINDS]),
            designated_other=rng.random() < 0.05,
        )
        std = rules.standards_for(STANDARDS_DEFAULT, area=facts.area)
        full = rules.classify(facts, std)
        assert rules.classify_tier(facts, std) == (full.tier, full.single_person), full.explanation
