"""The pure rules: golden cases, no database."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest
import yaml

from supervision import rules
from supervision.seeding import parse_measure, parse_one_thing
from tests.conftest import load_cases

CASES = Path(__file__).parent / "cases"
INDICATOR_DEFAULTS = yaml.safe_load((CASES / "indicator_status.yaml").read_text(encoding="utf-8"))["defaults"]


def _d(value: Any) -> date | None:
    return value if value is None or isinstance(value, date) else date.fromisoformat(str(value))


@pytest.mark.parametrize("case", load_cases(CASES / "indicator_status.yaml"))
def test_indicator_status(case: dict[str, Any]) -> None:
    ind = case["indicator"]
    facts = rules.IndicatorFacts(
        name=ind["name"],
        unit=ind["unit"],
        target=Decimal(ind["target"]),
        direction=ind["direction"],
        deadline=_d(ind.get("deadline")),
        baseline=Decimal(ind["baseline"]) if ind.get("baseline") is not None else None,
        start=_d(ind.get("start")),
    )
    latest = case.get("latest")
    reading = rules.Reading(Decimal(latest["value"]), _d(latest["as_of"])) if latest else None
    result = rules.indicator_status(
        facts,
        reading,
        today=_d(case["today"]),
        frequency=case.get("frequency", INDICATOR_DEFAULTS["frequency"]),
        reporting_starts=_d(case.get("reporting_starts", INDICATOR_DEFAULTS["reporting_starts"])),
        params=rules.StatusParams.from_params(INDICATOR_DEFAULTS["params"]),
    )
    assert result.status == case["expected"], result.lines
    assert result.lines[0].startswith(f"{ind['name']}：目标 {rules.DIRECTIONS[ind['direction']]}")
    assert result.lines[-1].endswith(f"→ {rules.STATUS_LABELS[case['expected']]}。")
    if "says" in case:
        assert case["says"] in "".join(result.lines)


@pytest.mark.parametrize("case", load_cases(CASES / "task_status.yaml"))
def test_task_status(case: dict[str, Any]) -> None:
    t = case["task"]
    facts = rules.TaskFacts(
        deadline=_d(t.get("deadline")),
        completed_on=_d(t.get("completed_on")),
        completion_note=t.get("completion_note", ""),
        overdue_reports=t.get("overdue_reports", 0),
    )
    indicators = [(f"指标{i + 1}", rules.Evaluation(status)) for i, status in enumerate(case["indicators"])]
    result = rules.task_status(facts, indicators, today=_d(case["today"]))
    assert result.status == case["expected"], result.lines
    if "says" in case:
        assert case["says"] in "".join(result.lines)


def _official(day: date) -> bool:
    return chinese_calendar.is_workday(day)


@pytest.mark.parametrize("case", load_cases(CASES / "periods.yaml"))
def test_periods_and_due_times(case: dict[str, Any]) -> None:
    params = rules.ReportingParams.from_params(rules.REPORTING_DEFAULTS)
    period = rules.period_containing(_d(case["day"]), case["frequency"])
    assert [period.start, period.end] == [_d(d) for d in case["period"]]
    assert period.label == case["label"]
    due = rules.report_due(period, params, _official)
    assert due == datetime.fromisoformat(case["due"])
    assert rules.remind_time(due, params, _official) == datetime.fromisoformat(case["remind"])


def test_reminders_can_be_switched_off() -> None:
    params = rules.ReportingParams.from_params({**rules.REPORTING_DEFAULTS, "remind_working_days": 0})
    due = rules.report_due(rules.period_containing(date(2024, 8, 1), rules.MONTHLY), params, _official)
    assert rules.remind_time(due, params, _official) is None


def test_periods_between_covers_the_window_without_gaps() -> None:
    periods = rules.periods_between(date(2024, 8, 15), date(2024, 12, 31), rules.MONTHLY)
    assert [p.label for p in periods] == ["2024年8月", "2024年9月", "2024年10月", "2024年11月", "2024年12月"]
    assert all(a.end.toordinal() + 1 == b.start.toordinal() for a, b in itertools.pairwise(periods))


def test_report_as_of_is_the_period_end_or_an_earlier_filing_day() -> None:
    period = rules.period_containing(date(2024, 8, 1), rules.MONTHLY)
    assert rules.report_as_of(period, date(2024, 9, 3)) == date(2024, 8, 31)
    assert rules.report_as_of(period, date(2024, 8, 28)) == date(2024, 8, 28)


def test_numbers_are_shown_without_trailing_zeros() -> None:
    assert rules.fmt(Decimal("2000.0000")) == "2,000"
    assert rules.fmt(Decimal("2.5000")) == "2.5"
    assert rules.percent(Decimal("0.955")) == "96%"  # half up


def test_shipped_defaults_satisfy_their_schemas() -> None:
    import jsonschema

    jsonschema.validate(rules.REPORTING_DEFAULTS, rules.REPORTING_SCHEMA)
    jsonschema.validate(rules.STATUS_DEFAULTS, rules.STATUS_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**rules.STATUS_DEFAULTS, "pace_tolerance": "1.5"}, rules.STATUS_SCHEMA)


@pytest.mark.parametrize("case", load_cases(CASES / "responsibility.yaml"))
def test_responsibility_parsing(case: dict[str, Any]) -> None:
    parse = parse_measure if case["style"] == "A" else parse_one_thing
    result = parse(case["text"])
    assert result.leads == case["leads"]
    assert result.co == case["co"]
    assert result.collectives == case["collectives"]
    assert result.counties == case.get("counties", False)
    assert result.counties_from_here == case.get("counties_from_here", False)
