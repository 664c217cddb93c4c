"""Pure rules of the disaster app: no database, no Django. See each module's docstring for the
readings of the policy text it implements."""

from disaster.rules.aggregate import Aggregate, ReportIn, aggregate, current_reports, level_figures
from disaster.rules.checks import RowCheck, check_missing_changes, check_row, parse_row, totals
from disaster.rules.levels import LEVELS, Assessment, Figures, Trigger, assess, level_rank, level_zh

__all__ = [
    "LEVELS",
    "Aggregate",
    "Assessment",
    "Figures",
    "ReportIn",
    "RowCheck",
    "Trigger",
    "aggregate",
    "assess",
    "check_missing_changes",
    "check_row",
    "current_reports",
    "level_figures",
    "level_rank",
    "level_zh",
    "parse_row",
    "totals",
]
