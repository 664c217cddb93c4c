"""Golden cases of the response-level rules (pure, no database)."""

from decimal import Decimal
from pathlib import Path

import pytest

from disaster.rules import Figures, assess
from disaster.rules.defaults import RESPONSE_LEVELS_V1
from tests.conftest import load_cases

CASES = Path(__file__).parent / "cases" / "assess.yaml"


@pytest.mark.parametrize("case", load_cases(CASES))
def test_assess_golden(case):
    result = assess(
        Figures(**case["input"]),
        RESPONSE_LEVELS_V1,
        agricultural_population=case.get("population"),
        factor=Decimal(case.get("factor", "1")),
    )
    expected = case["expected"]
    assert result.level == expected["level"], result.explanation()
    if "triggered" in expected:
        assert [[t.level, t.indicator] for t in result.triggered] == expected["triggered"]
    if "share_evaluated" in expected:
        assert result.share_evaluated is expected["share_evaluated"]
    if "explains" in expected:
        assert any(expected["explains"] in line for line in result.explanation())
    for indicator, value in expected.get("values", {}).items():
        assert next(t.as_api()["value"] for t in result.triggered if t.indicator == indicator) == value
    # every explanation ends with the conclusion, in Chinese and in English
    assert result.explanation()[-1].startswith("建议启动" if result.level else "未达到")
    assert result.explanation("en")[-1].startswith("Suggested" if result.level else "No level")


def test_every_threshold_of_the_shipped_table_has_a_case_at_and_below_it():
    names = [c.values[0]["input"] for c in load_cases(CASES)]
    for row in RESPONSE_LEVELS_V1["levels"]:
        for indicator, threshold in row["thresholds"].items():
            if indicator == "drought_share":
                continue  # covered with a population of 500,000
            field = {"deaths_missing": "missing", "drought_count": "drought_needing_aid"}.get(
                indicator, indicator
            )
            if indicator == "deaths_missing":
                values = {sum(v for k, v in n.items() if k in ("deaths", "missing")) for n in names}
            else:
                values = {n.get(field) for n in names}
            assert threshold in values, (row["level"], indicator, threshold)
            assert threshold - 1 in values, (row["level"], indicator, threshold - 1)


def test_api_shapes():
    result = assess(Figures(drought_needing_aid=60000), RESPONSE_LEVELS_V1, agricultural_population=500000)
    assert result.triggered_api() == [
        {"level": "IV", "indicator": "drought_share", "value": "0.1200", "threshold": "0.1000"},
    ]
    result = assess(Figures(relocated=12000), RESPONSE_LEVELS_V1)
    assert result.triggered_api()[1] == {
        "level": "III",
        "indicator": "relocated",
        "value": 12000,
        "threshold": 10000,
    }


def test_factor_must_be_positive():
    with pytest.raises(ValueError):
        assess(Figures(), RESPONSE_LEVELS_V1, factor=0)
