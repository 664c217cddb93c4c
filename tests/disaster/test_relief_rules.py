"""Golden cases (YAML) of the pure relief rules: no database."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from disaster.rules import relief as rr
from disaster.rules import relief_defaults as rd
from tests.conftest import load_cases

HERE = Path(__file__).parent / "cases"
DEFAULTS = {**rd.RELIEF_SUPPLIES_V1, **rd.WINTER_SPRING_V1, **rd.RELIEF_AID_V1}


def _dec(value):
    return None if value is None else Decimal(str(value))


def _call(case):
    fn, a = case["fn"], dict(case["args"])
    params = {**DEFAULTS, **case.get("params", {})}
    if fn == "parse_amount":
        return str(rr.parse_amount(a["raw"], allow_zero=a.get("allow_zero", False)))
    if fn == "fund_draw":
        check = rr.fund_draw(
            balance=_dec(a["balance"]), reserved=_dec(a["reserved"]), amount=_dec(a["amount"])
        )
        return check
    if fn == "stock_after":
        after, check = rr.stock_after(
            balance=a["balance"], delta=a["delta"], item=a.get("item", "该物资"), unit=a.get("unit", "")
        )
        return check if not check.ok else after
    if fn == "transitional_entitlement":
        amount = rr.transitional_entitlement(_dec(a["per_person_month"]), a["months"]).amount
        return None if amount is None else str(amount)
    if fn == "reconstruction_standard":
        standards = {k: _dec(v) for k, v in a["standards"].items()}
        amount = rr.reconstruction_standard(standards, a["damage"]).amount
        return None if amount is None else str(amount)
    if fn == "winter_entitlement":
        return str(rr.winter_entitlement(_dec(a["per_person"]), a["persons"]).amount)
    if fn == "check_payment":
        return rr.check_payment(entitled=_dec(a["entitled"]), paid=_dec(a["paid"]), amount=_dec(a["amount"]))
    if fn == "check_application":
        return rr.check_application(standard=_dec(a["standard"]), applied=_dec(a["applied"]))
    if fn == "person_eligible":
        return rr.person_eligible(a["kind"], a["category"], params)
    if fn == "household_eligible":
        return rr.household_eligible(a["kind"], damage=a["damage"], needs_aid=a["needs_aid"], params=params)
    if fn == "winter_spring_dates":
        opened = date.fromisoformat(a["opened_on"]) if a.get("opened_on") else None
        d = rr.winter_spring_dates(a["year"], params, opened_on=opened)
        return {"survey_start": d.survey_start, "survey_due": d.survey_due, "needs_due": d.needs_due}
    if fn == "winter_spring_open":
        return rr.winter_spring_open(date.fromisoformat(a["today"]), params)
    if fn == "replenish_due":
        return rr.replenish_due(datetime.fromisoformat(a["at"]), params)
    if fn == "receipt_due":
        return rr.receipt_due(datetime.fromisoformat(a["at"]), params)
    if fn == "occupancy_rate":
        return str(rr.occupancy_rate(a["occupants"], a["capacity"]))
    raise AssertionError(f"unknown fn {fn}")


@pytest.mark.parametrize("case", load_cases(HERE / "relief.yaml"))
def test_relief_golden(case):
    assert case.get("clause"), "every case names its clause"
    if "error" in case:
        try:
            result = _call(case)
        except rr.MoneyError as exc:
            assert case["error"] in str(exc)
            return
        assert isinstance(result, rr.Check) and not result.ok, result
        assert case["error"] in result.message, result.message
        return
    result = _call(case)
    if isinstance(result, rr.Check):
        assert result.ok is case["expected"], result.message
    elif isinstance(result, datetime):
        assert result == datetime.fromisoformat(case["expected"])
    elif isinstance(result, dict):
        for key, value in case["expected"].items():
            assert result[key] == datetime.fromisoformat(value), key
    else:
        assert result == case["expected"]


def test_every_rule_function_has_a_golden_case():
    import yaml

    cases = yaml.safe_load((HERE / "relief.yaml").read_text(encoding="utf-8"))["cases"]
    covered = {c["fn"] for c in cases}
    public = {
        "parse_amount",
        "fund_draw",
        "stock_after",
        "transitional_entitlement",
        "reconstruction_standard",
        "winter_entitlement",
        "check_payment",
        "check_application",
        "person_eligible",
        "household_eligible",
        "winter_spring_dates",
        "winter_spring_open",
        "replenish_due",
        "receipt_due",
        "occupancy_rate",
    }
    assert public <= covered
    assert all(callable(getattr(rr, name)) for name in public)
