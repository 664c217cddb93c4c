"""Tables shared by every app. Business rules live in the service modules, not here."""

from .audit import AuditCheckpoint, AuditEntry
from .calendar import CalendarDay, CalendarYear
from .deadlines import Deadline, JobHeartbeat
from .idempotency import IdempotencyRecord
from .notifications import Notification, OutboxMessage
from .org import Delegation, Membership, OrgUnit, Role, User, WorkingGroupMember
from .rules import RuleSet

__all__ = [
    "AuditCheckpoint",
    "AuditEntry",
    "CalendarDay",
    "CalendarYear",
    "Deadline",
    "Delegation",
    "IdempotencyRecord",
    "JobHeartbeat",
    "Membership",
    "Notification",
    "OrgUnit",
    "OutboxMessage",
    "Role",
    "RuleSet",
    "User",
    "WorkingGroupMember",
]
