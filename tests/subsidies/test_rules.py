"""The pure rules, without the database: every golden case of tests/subsidies/cases/*.yaml."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from subsidies.rules import (
    Candidate,
    FactsError,
    LedgerSpec,
    NoCalculator,
    Window,
    best_of,
    check_api_clause,
    credit_code_errors,
    evaluate_on,
    grant,
    is_valid_credit_code,
    make_credit_code,
    t12_trip_bonus,
)
from subsidies.rules.catalogue import A_PARAMS, A_VALID_FROM, A_VALID_TO, B_PARAMS, B_VALID_FROM, B_VALID_TO
from tests.conftest import load_cases

CASES = Path(__file__).parent / "cases"
DOCS = {
    "A": (A_PARAMS, Window(A_VALID_FROM, A_VALID_TO)),
    "B": (B_PARAMS, Window(B_VALID_FROM, B_VALID_TO)),
}


def _facts(case: dict[str, Any]) -> dict[str, Any]:
    if "trains" in case:
        trains = []
        for kind, passengers, spots, days, nights, count in case["trains"]:
            trains += [
                {
                    "kind": kind,
                    "passengers": passengers,
                    "paid_scenic_spots": spots,
                    "days": days,
                    "nights": nights,
                }
            ] * count
        facts: dict[str, Any] = {"trains": trains}
        if "received_this_year" in case:
            facts["received_this_year"] = case["received_this_year"]
        return facts
    return dict(case.get("facts") or {})


def run_case(case: dict[str, Any]) -> Any:
    clause = case["clause"]
    params, window = DOCS["A" if clause.startswith("E") else "B"]
    on = case["date"] if isinstance(case["date"], date) else date.fromisoformat(case["date"])
    return evaluate_on(clause, _facts(case), params, window, on)


def check(case: dict[str, Any]) -> None:
    ev = run_case(case)
    expected = case["expected"]
    text = "\n".join(ev.explanation)
    assert ev.eligible is expected["eligible"], text
    if "amount" in expected:
        assert ev.amount == Decimal(expected["amount"]), text
        assert ev.as_api()["amount"] == expected["amount"]
    if "cap" in expected:
        assert ev.as_api()["cap"] == expected["cap"]
    if "referral" in expected:
        assert ev.referral is expected["referral"]
    for key in ("band_min", "band_max"):
        if key in expected:
            assert getattr(ev, key) == Decimal(expected[key])
    for fragment in expected.get("explanation_contains", []):
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    assert ev.explanation, "every evaluation explains itself"


@pytest.mark.parametrize("case", load_cases(CASES / "electronic_info.yaml"))
def test_electronic_information_clauses(case: dict[str, Any]) -> None:
    check(case)


@pytest.mark.parametrize("case", load_cases(CASES / "culture_tourism.yaml"))
def test_culture_tourism_clauses(case: dict[str, Any]) -> None:
    check(case)


@pytest.mark.parametrize("case", load_cases(CASES / "t12_trains.yaml"))
def test_t12_tourist_trains(case: dict[str, Any]) -> None:
    check(case)


@pytest.mark.parametrize("case", load_cases(CASES / "validity.yaml"))
def test_validity_windows(case: dict[str, Any]) -> None:
    check(case)


def test_every_clause_of_the_spec_has_golden_cases() -> None:
    seen = set()
    for name in ("electronic_info", "culture_tourism", "t12_trains", "validity"):
        data = yaml.safe_load((CASES / f"{name}.yaml").read_text(encoding="utf-8"))
        seen |= {c["clause"] for c in data["cases"]}
    catalogue = set(A_PARAMS["clauses"]) | set(B_PARAMS["clauses"])
    assert catalogue == seen
    assert catalogue == {
        *("E1a", "E1b", "E1c", "E2", "E3a", "E3b", "E3c", "E3d", "E4a", "E4b"),
        *("E5a", "E5b", "E5c", "E5d", "E5e", "E5f", "E6", "E7", "E9"),
        *("T1", "T5", "T10", "T12"),
    }


STACKING = yaml.safe_load((CASES / "stacking.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", STACKING["best_of"], ids=lambda c: c["name"])
def test_best_of(case: dict[str, Any]) -> None:
    result = best_of([Candidate(c, Decimal(a)) for c, a in case["candidates"]], "从优且不重复")
    assert (result.chosen.clause if result.chosen else None) == case["chosen"]
    text = "\n".join(result.explanation)
    for fragment in case.get("explanation_contains", []):
        assert fragment in text


@pytest.mark.parametrize("case", STACKING["grant"], ids=lambda c: c["name"])
def test_grant_against_ledgers(case: dict[str, Any]) -> None:
    ledgers = [
        (LedgerSpec(f"{kind}:{i}", kind, f"台账{i}", Decimal(cap) if cap else None), Decimal(committed))
        for i, (kind, cap, committed) in enumerate(case["ledgers"])
    ]
    g = grant(Decimal(case["full"]), ledgers)
    assert g.amount == Decimal(case["amount"])
    text = "\n".join(g.explanation)
    for fragment in case.get("explanation_contains", []):
        assert fragment in text


@pytest.mark.parametrize("case", load_cases(CASES / "credit_codes.yaml"))
def test_credit_codes(case: dict[str, Any]) -> None:
    errors = credit_code_errors(case["code"])
    assert (not errors) is case["valid"], errors
    if "message" in case:
        assert case["message"] in errors[0]


def test_make_credit_code_completes_the_check_character() -> None:
    code = make_credit_code("91411700MA9XYK123")
    assert len(code) == 18 and is_valid_credit_code(code)
    assert not is_valid_credit_code(code[:17] + ("0" if code[17] != "0" else "1"))
    with pytest.raises(ValueError):
        make_credit_code("91411700MA9XYZ123")  # Z is not in the character set


@pytest.mark.parametrize(
    ("count", "bonus"),
    [(0, "0"), (2, "0"), (3, "20000"), (4, "20000"), (5, "30000"), (6, "40000"), (7, "50000"), (10, "80000")],
)
def test_trip_bonus_tiers_are_instead_of_and_linear_beyond_five(count: int, bonus: str) -> None:
    amount, line = t12_trip_bonus(count, B_PARAMS["clauses"]["T12"]["params"])
    assert amount == Decimal(bonus)
    assert line


@pytest.mark.parametrize("clause", ["E1a", "E1c", "E3a", "E3b", "T5", "E7", "E9"])
def test_case_by_case_clauses_have_no_api_calculator(clause: str) -> None:
    params = A_PARAMS if clause.startswith("E") else B_PARAMS
    with pytest.raises(NoCalculator) as exc:
        check_api_clause(clause, params["clauses"])
    assert clause in exc.value.message and "一事一议" in exc.value.message


def test_unknown_clause_is_named() -> None:
    with pytest.raises(NoCalculator) as exc:
        check_api_clause("E8")
    assert "E8" in exc.value.message


@pytest.mark.parametrize(
    ("clause", "facts", "field"),
    [
        ("E1b", {}, "facts.total_investment"),
        (
            "E1b",
            {
                "total_investment": "abc",
                "fixed_asset_investment": "1",
                "tax_per_mu": "1",
                "in_production": True,
            },
            "facts.total_investment",
        ),
        (
            "E1b",
            {
                "total_investment": "-1",
                "fixed_asset_investment": "1",
                "tax_per_mu": "1",
                "in_production": True,
            },
            "facts.total_investment",
        ),
        (
            "E1b",
            {
                "total_investment": "1",
                "fixed_asset_investment": "1",
                "tax_per_mu": "1",
                "in_production": "yes",
            },
            "facts.in_production",
        ),
        (
            "E2",
            {"fixed_asset_investment": "1", "capital_origin": "mixed", "in_production": True},
            "facts.capital_origin",
        ),
        ("E4b", {"loan_balance": "1", "lpr_1y": "3.45", "subsidy_year": 1}, "facts.lpr_1y"),
        ("E4b", {"loan_balance": "1", "lpr_1y": "0.0345", "subsidy_year": 0}, "facts.subsidy_year"),
        ("E4b", {"loan_balance": "1", "lpr_1y": "0.0345", "subsidy_year": True}, "facts.subsidy_year"),
        (
            "T12",
            {"trains": [{"kind": "maglev", "passengers": 1, "paid_scenic_spots": 2, "days": 2, "nights": 1}]},
            "facts.trains[0].kind",
        ),
        ("T12", {"trains": "many"}, "facts.trains"),
        ("T12", {}, "facts.trains"),
        ("E6", {"booth_fee": "NaN"}, "facts.booth_fee"),
    ],
)
def test_bad_facts_are_reported_per_field(clause: str, facts: dict[str, Any], field: str) -> None:
    params, window = DOCS["A" if clause.startswith("E") else "B"]
    with pytest.raises(FactsError) as exc:
        evaluate_on(clause, facts, params, window, date(2025, 3, 1))
    assert field in exc.value.errors


def test_bad_facts_are_reported_even_outside_the_validity() -> None:
    params, window = DOCS["A"]
    with pytest.raises(FactsError):
        evaluate_on("E6", {"booth_fee": "x"}, params, window, date(2030, 1, 1))
