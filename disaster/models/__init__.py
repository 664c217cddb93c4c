"""Models of the disaster app (spec disaster.md §1–3).

* events.py — DisasterType, Event, EventCounty (the affected counties, their own levels)
* reports.py — Report (immutable once submitted; corrections are new versions), ReportRow,
  CurrentFigures (each township's latest current row, kept by the submit service),
  ReportDraft, Attachment, MissingPersonChange, PhoneReport, VerificationRequest, CityReport
* response.py — Assessment, LevelAdjustment (5.5), Proposal, LevelChange, ResponseTask, DutyShift
* ledger.py — LedgerHousehold, LedgerPerson (救助台账, 4.3.3)
"""

from disaster.models.events import DisasterType, Event, EventCounty, Level
from disaster.models.ledger import LedgerHousehold, LedgerPerson
from disaster.models.reports import (
    Attachment,
    CityReport,
    CurrentFigures,
    FiguresBase,
    MissingPersonChange,
    PhoneReport,
    Report,
    ReportDraft,
    ReportRow,
    VerificationRequest,
)
from disaster.models.response import (
    Assessment,
    DutyShift,
    LevelAdjustment,
    LevelChange,
    Proposal,
    ResponseTask,
)

__all__ = [
    "Assessment",
    "Attachment",
    "CityReport",
    "CurrentFigures",
    "DisasterType",
    "DutyShift",
    "Event",
    "EventCounty",
    "FiguresBase",
    "LedgerHousehold",
    "LedgerPerson",
    "Level",
    "LevelAdjustment",
    "LevelChange",
    "MissingPersonChange",
    "PhoneReport",
    "Proposal",
    "Report",
    "ReportDraft",
    "ReportRow",
    "ResponseTask",
    "VerificationRequest",
]
