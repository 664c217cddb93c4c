"""Golden cases (YAML) of the pure rules: aggregation, row checks, deadline times."""

import inspect
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from disaster.rules import checks, level_figures
from disaster.rules import deadlines as due
from disaster.rules.aggregate import ReportIn, aggregate
from disaster.rules.defaults import REPORT_DEADLINES_V1
from tests.conftest import load_cases

HERE = Path(__file__).parent / "cases"


@pytest.mark.parametrize("case", load_cases(HERE / "aggregate.yaml"))
def test_aggregate_golden(case):
    reports = [
        ReportIn(id=r["id"], county=r["county"], seq=r["seq"], supersedes=r.get("supersedes"), rows=r["rows"])
        for r in case["reports"]
    ]
    result = aggregate(reports)
    expected = case["expected"]
    for township, values in expected.get("townships", {}).items():
        for field, value in values.items():
            assert result.townships[township][field] == value, (township, field)
    for county, values in expected.get("counties", {}).items():
        for field, value in values.items():
            assert result.counties[county][field] == value
    for field, value in expected.get("total", {}).items():
        want = Decimal(value) if isinstance(value, str) else value
        assert result.total[field] == want, field
    if "level_figures" in expected:
        figures = level_figures(result.total)
        for field, value in expected["level_figures"].items():
            assert figures[field] == value


@pytest.mark.parametrize("case", load_cases(HERE / "checks.yaml"))
def test_row_checks_golden(case):
    check = checks.parse_row(case["row"])
    checks.check_row(
        check,
        previous=case.get("previous"),
        is_correction=case.get("correction", False),
        missing_reasons=case.get("reasons", 0),
    )
    assert sorted(check.errors) == sorted(case["expected"]["errors"]), check.errors
    for messages in check.errors.values():
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages)  # Chinese messages


def _arg(value):
    if isinstance(value, str) and "T" in value and value[:4].isdigit():
        return datetime.fromisoformat(value)
    return value


@pytest.mark.parametrize("case", load_cases(HERE / "deadline_times.yaml"))
def test_deadline_times_golden(case):
    params = {**REPORT_DEADLINES_V1, **case.get("params", {})}
    fn = getattr(due, case["fn"])
    args = {k: _arg(v) for k, v in case["args"].items()}
    if "params" in inspect.signature(fn).parameters:
        args["params"] = params
    result = fn(**args)
    expected = case["expected"]
    if isinstance(expected, list):
        assert [r.isoformat() for r in result] == [datetime.fromisoformat(e).isoformat() for e in expected]
    elif isinstance(expected, bool):
        assert result is expected
    else:
        assert result == datetime.fromisoformat(expected)
        assert result.utcoffset() is not None


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        due.initial_due(datetime(2026, 7, 20, 8, 0), major=False, params=REPORT_DEADLINES_V1)


def test_missing_change_reasons_are_checked():
    errors = checks.check_missing_changes(
        [
            {"township": 1, "name": "张三", "outcome": "found_alive"},
            {"township": 9, "name": "", "outcome": "x"},
        ],
        {1},
    )
    assert len(errors) == 3
    assert checks.check_missing_changes([{"township": 1, "name": "李四", "outcome": "other"}], {1}) == [
        "失踪人员变动第 1 行：原因为“其他”时须填写说明"
    ]
