"""Tables of the assistance app. Business rules live in rules.py and the services."""

from .household import Household, HouseholdVersion, Member, Person, PersonFlag
from .jobs import ImportBatch, RescreenChange, RescreenRun
from .ledger import AidRecord, PaymentList
from .monitoring import Escalation, Referral, Visit, Warning
from .procedure import Application, Classification, Objection, Publicity, TierPeriod

__all__ = [
    "AidRecord",
    "Application",
    "Classification",
    "Escalation",
    "Household",
    "HouseholdVersion",
    "ImportBatch",
    "Member",
    "Objection",
    "PaymentList",
    "Person",
    "PersonFlag",
    "Publicity",
    "Referral",
    "RescreenChange",
    "RescreenRun",
    "TierPeriod",
    "Visit",
    "Warning",
]
