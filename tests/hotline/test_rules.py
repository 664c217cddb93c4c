"""Pure rules: golden cases without the database (the calendar is the packages' own)."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hotline import ruledata
from hotline.rules import (
    Clock,
    ClockError,
    RouteCandidate,
    TimeLimits,
    UnitFigures,
    assist_days,
    connect_rate_reading,
    duplicate_score,
    handling_limit,
    is_spike,
    mask_name,
    mask_phone,
    pick_route,
    unit_score,
)
from portal.workcal import SHANGHAI, builtin_day
from tests.conftest import load_cases

CASES = Path(__file__).parent / "cases"


def is_working(day):
    return builtin_day(day)[0]


def at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def merged(patch: dict | None) -> dict:
    params = copy.deepcopy(ruledata.TIME_LIMITS)
    for key, value in (patch or {}).items():
        params[key] = value
    return params


def run_clock(case: dict) -> tuple[Clock, dict]:
    clock = Clock(
        limits=TimeLimits.from_params(merged(case.get("params"))),
        is_working=is_working,
        kind=case["kind"],
        channel=case.get("channel", "phone"),
        subject_code=case.get("subject", ""),
        special=case.get("special", ""),
    )
    extra: dict = {}
    for event in case["events"]:
        moment = at(event["at"])
        do = event["do"]
        if do == "receive":
            clock.receive(moment)
        elif do == "dispatch":
            clock.dispatch(moment)
            extra["sign_due"] = clock.sign_due_at
        elif do == "sign":
            sign_due = clock.sign_due_at
            if clock.sign(moment):
                extra["sign_late"] = sign_due is not None and moment > sign_due
                extra["feedback_due_at"] = clock.feedback_due(moment)
        elif do == "return_rejected":
            clock.return_rejected(moment)
        elif do == "return_approved":
            clock.unit_released(moment, why="退回审核同意")
            clock.await_redispatch(moment)
        elif do == "extend":
            clock.extend(event["days"], moment)
        elif do == "reply":
            clock.reply(moment)
        elif do in ("redo", "reopen"):
            clock.new_period(moment, why=do)
        else:  # pragma: no cover - a typo in a case file
            raise AssertionError(f"unknown event {do}")
    return clock, extra


@pytest.mark.parametrize("case", load_cases(CASES / "time_limits.yaml"))
def test_time_limit_golden_cases(case):
    if "error" in case:
        with pytest.raises(ClockError, match=case["error"]):
            run_clock(case)
        return
    clock, extra = run_clock(case)
    expect = case["expect"]
    for field in ("signed_at", "due_at", "dispatch_due_at", "replied_at"):
        if field in expect:
            assert getattr(clock, field) == at(expect[field]), f"{field}: {getattr(clock, field)}"
    if "sign_due_at" in expect:
        assert extra["sign_due"] == at(expect["sign_due_at"])
    for field in ("limit_days", "extension_days", "reply_late"):
        if field in expect:
            assert getattr(clock, field) == expect[field], field
    if "sign_late" in expect:
        assert extra["sign_late"] is expect["sign_late"]
    if "feedback_due_at" in expect:
        assert extra["feedback_due_at"] == at(expect["feedback_due_at"])
    for moment, overdue in expect.get("overdue_at", {}).items():
        assert clock.overdue(at(moment)) is overdue, moment
    assert clock.log, "every clock reading explains itself"
    if case.get("provisional"):
        assert builtin_day(at(case["events"][-1]["at"]).date())[1] == "provisional"


def test_clock_explains_itself_in_chinese():
    clock, _ = run_clock(load_cases(CASES / "time_limits.yaml")[0].values[0])
    text = "\n".join(clock.log)
    assert "首次签收于 2024-09-12 10:00" in text
    assert "咨询类诉求：3 个工作日" in text
    assert "办理时限 2024-09-19 00:00" in text


@pytest.mark.parametrize("case", load_cases(CASES / "assist_days.yaml"))
def test_assist_days(case):
    assert assist_days(case["lead_days"], Decimal(case["share"])) == case["expect"]


@pytest.mark.parametrize("case", load_cases(CASES / "standards.yaml"))
def test_connect_rate(case):
    reading = connect_rate_reading(case["answered"], case["total"], Decimal(case["target"]))
    assert reading.value == (None if case["value"] is None else Decimal(case["value"]))
    assert reading.met is case["met"]
    assert reading.explanation


def test_handling_limit_precedence_and_unknown_kind():
    limits = TimeLimits.from_params(merged({"subject_overrides": {"x": 4}}))
    assert handling_limit(limits, kind="complaint").days == 10
    assert handling_limit(limits, kind="complaint", subject_code="x").source == "subject"
    with pytest.raises(ClockError):
        handling_limit(limits, kind="gossip")


def test_extension_bounded_by_max_when_configured():
    clock, _ = run_clock(
        {
            "kind": "help",
            "params": {"max_extension_days": 5},
            "events": [
                {"at": "2024-12-02T10:00", "do": "dispatch"},
                {"at": "2024-12-02T10:00", "do": "sign"},
            ],
        }
    )
    with pytest.raises(ClockError, match="不得超过 5"):
        clock.extend(6)
    clock.extend(5)
    assert clock.extension_days == 5


def test_pick_route_prefers_specific_rules():
    city = RouteCandidate(1, 100, (7,), None, "", False, 1)
    parent_cat = RouteCandidate(2, 101, (3,), None, "", False, 2)
    county = RouteCandidate(3, 102, (7,), "/1/5/", "", False, 3)
    township_precedent = RouteCandidate(4, 103, (7,), "/1/5/23/", "", True, 4)
    keyword = RouteCandidate(5, 104, (7,), "/1/5/23/", "噪音", False, 5)
    other_county = RouteCandidate(6, 105, (7,), "/1/6/", "", False, 6)
    any_rule = RouteCandidate(7, 106, None, None, "", False, 7)
    ranked = pick_route(
        [city, parent_cat, county, township_precedent, keyword, other_county, any_rule],
        category_id=7,
        category_ancestors=(3,),
        place_path="/1/5/23/",
        text="夜间施工噪音扰民",
    )
    assert [c.lead_unit_id for c in ranked] == [104, 103, 102, 100, 101, 106]
    assert "中心协调确定的先例" in ranked[1].explanation
    no_keyword = pick_route([keyword, county], category_id=7, place_path="/1/5/23/", text="施工")
    assert [c.lead_unit_id for c in no_keyword] == [102]
    assert pick_route([city], category_id=None, place_path="/1/5/") == []


def test_duplicate_score():
    same = duplicate_score("驿城区文明路 12 号", "驿城区文明路12号", {"停水", "小区"}, {"停水", "小区"})
    assert same == 1.0
    inside = duplicate_score("文明路12号", "驿城区文明路12号院内", {"停水"}, {"停电"})
    assert inside == 0.42
    assert duplicate_score("", "", set(), set()) == 0.0


def test_unit_score_and_rates():
    figures = UnitFigures(
        1,
        dispatched=10,
        signed=10,
        signed_on_time=9,
        replied=8,
        replied_on_time=6,
        returned=1,
        extended=2,
        redone=2,
        callbacks=5,
        satisfied=4,
    )
    score = unit_score(figures, {"on_time": "0.4", "resolution": "0.3", "satisfaction": "0.3"})
    assert score.on_time_rate == Decimal("0.7500")
    assert score.resolution_rate == Decimal("0.7500")
    assert score.satisfaction_rate == Decimal("0.8000")
    assert score.return_rate == Decimal("0.1000")
    assert score.redo_rate == Decimal("0.2500")
    assert score.score == Decimal("76.50")  # 100 × (0.4×0.75 + 0.3×0.75 + 0.3×0.8)
    empty = unit_score(UnitFigures(2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), {"on_time": "1"})
    assert empty.score is None and empty.on_time_rate is None


def test_spike_threshold_boundaries():
    # mean 2/day over 28 days (56), factor 2 → spike at ≥ 4, but the minimum count is 5
    assert is_spike(5, 56, 28, Decimal("2.0"), 5) is True
    assert is_spike(4, 56, 28, Decimal("2.0"), 5) is False
    assert is_spike(5, 84, 28, Decimal("2.0"), 5) is False  # mean 3 → needs 6
    assert is_spike(6, 84, 28, Decimal("2.0"), 5) is True


def test_masking():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("110") == "****"
    assert mask_phone("") == ""
    assert mask_name("张三丰") == "张**"
    assert mask_name("") == ""
