"""Models of the disaster app (spec disaster.md §1–3).

* events.py — DisasterType, Event, EventCounty (the affected counties, their own levels)
* reports.py — Report (immutable once submitted; corrections are new versions), ReportRow,
  CurrentFigures (each township's latest current row, kept by the submit service),
  ReportDraft, Attachment, MissingPersonChange, PhoneReport, VerificationRequest, CityReport
* response.py — Assessment, LevelAdjustment (5.5), Proposal, LevelChange, ResponseTask, DutyShift
* ledger.py — LedgerHousehold, LedgerPerson (救助台账, 4.3.3)
* relief_funds.py — FundReceipt, FundAllocation, FundDecision, FundAccount, FundEntry, FundSpend
* relief_supplies.py — SupplyItem, Warehouse, StockLevel, StockMovement, SupplyOrder(+Line),
  ReplenishObligation
* relief_shelters.py — Shelter, ShelterPeriod, ShelterCount
* relief_aid.py — AidProgramme, AidAssessment, AidPlan, AidBeneficiary, AidPayment, AidEvaluation
"""

from disaster.models.events import DisasterType, Event, EventCounty, Level
from disaster.models.ledger import LedgerHousehold, LedgerPerson
from disaster.models.relief_aid import (
    PURPOSE_OF_KIND,
    AidAssessment,
    AidBeneficiary,
    AidEvaluation,
    AidKind,
    AidPayment,
    AidPlan,
    AidProgramme,
)
from disaster.models.relief_funds import (
    FundAccount,
    FundAllocation,
    FundDecision,
    FundEntry,
    FundPurpose,
    FundReceipt,
    FundSource,
    FundSpend,
)
from disaster.models.relief_shelters import Shelter, ShelterCount, ShelterPeriod
from disaster.models.relief_supplies import (
    ReplenishObligation,
    StockLevel,
    StockMovement,
    SupplyItem,
    SupplyOrder,
    SupplyOrderLine,
    Warehouse,
)
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
    "PURPOSE_OF_KIND",
    "AidAssessment",
    "AidBeneficiary",
    "AidEvaluation",
    "AidKind",
    "AidPayment",
    "AidPlan",
    "AidProgramme",
    "Assessment",
    "Attachment",
    "CityReport",
    "CurrentFigures",
    "DisasterType",
    "DutyShift",
    "Event",
    "EventCounty",
    "FiguresBase",
    "FundAccount",
    "FundAllocation",
    "FundDecision",
    "FundEntry",
    "FundPurpose",
    "FundReceipt",
    "FundSource",
    "FundSpend",
    "LedgerHousehold",
    "LedgerPerson",
    "Level",
    "LevelAdjustment",
    "LevelChange",
    "MissingPersonChange",
    "PhoneReport",
    "Proposal",
    "ReplenishObligation",
    "Report",
    "ReportDraft",
    "ReportRow",
    "ResponseTask",
    "Shelter",
    "ShelterCount",
    "ShelterPeriod",
    "StockLevel",
    "StockMovement",
    "SupplyItem",
    "SupplyOrder",
    "SupplyOrderLine",
    "VerificationRequest",
    "Warehouse",
]
