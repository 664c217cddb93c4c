"""Pure rules of the subsidies app (no database): the catalogue's default parameters, one
calculator per clause, stacking and caps, the credit-code check and the 免申即享 matcher."""

from subsidies.rules.calculators import (
    ALL_CLAUSES,
    CALCULATORS,
    ClauseParams,
    Ctx,
    Evaluation,
    FactsError,
    NoCalculator,
    Window,
    check_api_clause,
    document_of,
    evaluate,
    evaluate_on,
    out_of_force,
    t12_trip_bonus,
)
from subsidies.rules.creditcode import credit_code_errors, is_valid_credit_code, make_credit_code
from subsidies.rules.money import D, fmt_money, money
from subsidies.rules.stacking import Candidate, LedgerSpec, Subject, best_of, grant, ledger_specs

__all__ = [
    "ALL_CLAUSES",
    "CALCULATORS",
    "Candidate",
    "ClauseParams",
    "Ctx",
    "D",
    "Evaluation",
    "FactsError",
    "LedgerSpec",
    "NoCalculator",
    "Subject",
    "Window",
    "best_of",
    "check_api_clause",
    "credit_code_errors",
    "document_of",
    "evaluate",
    "evaluate_on",
    "fmt_money",
    "grant",
    "is_valid_credit_code",
    "ledger_specs",
    "make_credit_code",
    "money",
    "out_of_force",
    "t12_trip_bonus",
]
