"""Who may see and do what in the disaster app.

* County officers see the events their county is part of and only their county's reports,
  figures, ledger and deadlines (a county subtree grant covers its townships); they file for
  their own county. Other counties' objects are 404.
* City roles (city staff of any bureau, city admin, auditors, 减灾委 officials) see everything;
  the office (市应急管理局 / 市减灾委办公室) reviews, reports, proposes and manages events.
* Decisions are for the role §3 names for the level (services.response.may_decide).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from disaster.models import (
    Attachment,
    DutyShift,
    Event,
    EventCounty,
    LedgerHousehold,
    LedgerPerson,
    LevelChange,
    PhoneReport,
    Proposal,
    Report,
    ResponseTask,
    VerificationRequest,
)
from disaster.services.common import is_office
from disaster.services.events import may_file_for
from portal.access import (
    AUDITOR,
    CITY_ADMIN,
    CITY_STAFF,
    COUNTY_OFFICER,
    DR_DEPUTY,
    DR_DIRECTOR,
    DR_EXECUTIVE_DEPUTY,
    DR_OFFICE_DEPUTY,
    DR_OFFICE_DIRECTOR,
    Policy,
    has_role,
    unit_q,
)
from portal.models import Membership

CITY_ROLES = (
    CITY_STAFF,
    CITY_ADMIN,
    AUDITOR,
    DR_OFFICE_DEPUTY,
    DR_OFFICE_DIRECTOR,
    DR_DEPUTY,
    DR_EXECUTIVE_DEPUTY,
    DR_DIRECTOR,
)
VIEW_ROLES = (COUNTY_OFFICER, *CITY_ROLES)


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def county_q(user: Any, field: str = "county") -> Q | None:
    """Rows whose county FK `field` is in the user's jurisdiction (None: all)."""
    return unit_q(user, VIEW_ROLES, field=field)


def is_city_viewer(user: Any) -> bool:
    return _authenticated(user) and county_q(user) is None


def may_use_disaster(user: Any) -> bool:
    return _authenticated(user) and (is_city_viewer(user) or has_role(user, COUNTY_OFFICER))


def _scoped(qs: models.QuerySet[Any], user: Any, field: str = "county") -> models.QuerySet[Any]:
    if not _authenticated(user):
        return qs.none()
    q = county_q(user, field)
    return qs if q is None else qs.filter(q)


class EventPolicy(Policy[Event]):
    model = Event

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Event]:
        qs = Event.objects.select_related("type")
        if not _authenticated(user):
            return qs.none()
        q = county_q(user)
        if q is None:
            return qs
        return qs.filter(pk__in=EventCounty.objects.filter(q).values("event_id"))

    def can(self, user: Any, action: str, obj: Event) -> bool:
        if action in ("view", "export"):
            return self.scope(user).filter(pk=obj.pk).exists()
        if action == "file":
            return any(may_file_for(user, ec.county) for ec in obj.counties.select_related("county"))
        if action == "manage":
            return is_office(user)
        if action == "adjust":
            from disaster.services.response import may_adjust

            return may_adjust(user)
        return False


def event_counties_for(user: Any, event: Event) -> models.QuerySet[EventCounty]:
    """The event's counties the user may see (all for city roles, their own for a county)."""
    return _scoped(EventCounty.objects.filter(event=event).select_related("county"), user)


def filing_counties(user: Any, event: Event) -> list[EventCounty]:
    return [
        ec
        for ec in event.counties.select_related("county").order_by("county__sort")
        if may_file_for(user, ec.county)
    ]


class ReportPolicy(Policy[Report]):
    model = Report

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Report]:
        return _scoped(Report.objects.select_related("event", "county", "event__type"), user)

    def can(self, user: Any, action: str, obj: Report) -> bool:
        if action == "view":
            return self.scope(user).filter(pk=obj.pk).exists()
        if action in ("correct", "attach"):
            return may_file_for(user, obj.county)
        return False


class AttachmentPolicy(Policy[Attachment]):
    model = Attachment

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Attachment]:
        return _scoped(Attachment.objects.all(), user)


class ProposalPolicy(Policy[Proposal]):
    """Proposals and decisions are city business: county officers do not see them (404)."""

    model = Proposal

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Proposal]:
        qs = Proposal.objects.select_related(
            "event", "event__type", "assessment", "proposed_by", "decided_by"
        )
        return qs if is_city_viewer(user) else qs.none()

    def can(self, user: Any, action: str, obj: Proposal) -> bool:
        if action == "view":
            return is_city_viewer(user)
        if action == "decide":
            from disaster.services.response import may_decide

            return may_decide(user, obj)
        if action == "withdraw":
            return is_office(user)
        return False


class LevelChangePolicy(Policy[LevelChange]):
    """Decisions and their notices: visible with the event (notices go to the counties)."""

    model = LevelChange

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[LevelChange]:
        return LevelChange.objects.filter(event__in=EventPolicy().scope(user)).select_related(
            "event", "decided_by"
        )


class TaskPolicy(Policy[ResponseTask]):
    model = ResponseTask

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[ResponseTask]:
        return ResponseTask.objects.filter(event__in=EventPolicy().scope(user)).select_related("group")

    def can(self, user: Any, action: str, obj: ResponseTask) -> bool:
        if action == "view":
            return self.scope(user).filter(pk=obj.pk).exists()
        if action == "complete":
            from disaster.services.response import may_complete_task

            return may_complete_task(user, obj)
        return False


class VerificationPolicy(Policy[VerificationRequest]):
    model = VerificationRequest

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[VerificationRequest]:
        qs = VerificationRequest.objects.select_related("event", "target", "asked_by")
        if not _authenticated(user):
            return qs.none()
        q = unit_q(user, VIEW_ROLES, field="target")
        return qs if q is None else qs.filter(q)

    def can(self, user: Any, action: str, obj: VerificationRequest) -> bool:
        if action == "view":
            return self.scope(user).filter(pk=obj.pk).exists()
        if action == "answer":
            from disaster.services.reports import may_answer

            return may_answer(user, obj)
        return False


class PhoneReportPolicy(Policy[PhoneReport]):
    model = PhoneReport

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[PhoneReport]:
        return _scoped(PhoneReport.objects.select_related("event", "county"), user)


class LedgerPersonPolicy(Policy[LedgerPerson]):
    model = LedgerPerson

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[LedgerPerson]:
        return _scoped(LedgerPerson.objects.select_related("township"), user)


class LedgerHouseholdPolicy(Policy[LedgerHousehold]):
    model = LedgerHousehold

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[LedgerHousehold]:
        return _scoped(LedgerHousehold.objects.select_related("township"), user)


class DutyShiftPolicy(Policy[DutyShift]):
    """A unit's roster is seen by its members; the city admin and the office see all rosters."""

    model = DutyShift

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[DutyShift]:
        qs = DutyShift.objects.select_related("unit", "user")
        if not _authenticated(user):
            return qs.none()
        if has_role(user, CITY_ADMIN) or is_office(user):
            return qs
        units = Membership.objects.active().filter(user=user).values("unit_id")
        return qs.filter(unit_id__in=units)


# --- relief (issue 4) ------------------------------------------------------------------------
# County officers see their own county's allocations, lots, stores, orders, shelters and aid;
# city-level receipts, lots and stores are the city's (county officers get 404). City viewers see
# everything read-only; who may act is decided by the services (and `can` below for pages/API).


from disaster.models import (  # noqa: E402
    AidBeneficiary,
    AidPayment,
    AidProgramme,
    FundAccount,
    FundAllocation,
    FundEntry,
    FundReceipt,
    ReplenishObligation,
    Shelter,
    StockMovement,
    SupplyOrder,
    Warehouse,
)


class FundReceiptPolicy(Policy[FundReceipt]):
    model = FundReceipt

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[FundReceipt]:
        qs = FundReceipt.objects.select_related("event")
        return qs if is_city_viewer(user) else qs.none()


class FundAllocationPolicy(Policy[FundAllocation]):
    model = FundAllocation

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[FundAllocation]:
        return _scoped(FundAllocation.objects.select_related("county", "receipt", "event"), user)

    def can(self, user: Any, action: str, obj: FundAllocation) -> bool:
        from disaster.services.relief_common import is_finance

        if action == "view":
            return self.scope(user).filter(pk=obj.pk).exists()
        if action in ("decide", "disburse"):
            return is_finance(user)
        if action == "withdraw":
            return is_office(user)
        return False


class FundAccountPolicy(Policy[FundAccount]):
    model = FundAccount

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[FundAccount]:
        return _scoped(FundAccount.objects.select_related("county", "receipt", "allocation"), user)


class FundEntryPolicy(Policy[FundEntry]):
    model = FundEntry

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[FundEntry]:
        return _scoped(FundEntry.objects.all(), user, field="account__county")


class AidPaymentPolicy(Policy[AidPayment]):
    model = AidPayment

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[AidPayment]:
        return _scoped(AidPayment.objects.all(), user)


class WarehousePolicy(Policy[Warehouse]):
    model = Warehouse

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Warehouse]:
        return _scoped(Warehouse.objects.select_related("owner"), user, field="owner")


class StockMovementPolicy(Policy[StockMovement]):
    model = StockMovement

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[StockMovement]:
        return _scoped(StockMovement.objects.all(), user, field="warehouse__owner")


class SupplyOrderPolicy(Policy[SupplyOrder]):
    """Orders to the user's county, and orders drawn on the user's stores."""

    model = SupplyOrder

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[SupplyOrder]:
        qs = SupplyOrder.objects.select_related(
            "event", "county", "warehouse", "warehouse__owner", "issuing_unit"
        )
        if not _authenticated(user):
            return qs.none()
        to_county = county_q(user, "county")
        if to_county is None:
            return qs
        from_store = county_q(user, "warehouse__owner")
        return qs.filter(to_county | from_store) if from_store is not None else qs.filter(to_county)

    def can(self, user: Any, action: str, obj: SupplyOrder) -> bool:
        from disaster.services.relief_common import is_county_officer

        if action == "view":
            return self.scope(user).filter(pk=obj.pk).exists()
        if action == "confirm":
            return is_county_officer(user, obj.county)
        if action == "settle":
            return is_office(user)
        return False


class ObligationPolicy(Policy[ReplenishObligation]):
    model = ReplenishObligation

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[ReplenishObligation]:
        return _scoped(
            ReplenishObligation.objects.select_related("order", "warehouse", "owed_by", "owed_to"),
            user,
            field="owed_to",
        )

    def can(self, user: Any, action: str, obj: ReplenishObligation) -> bool:
        if action == "view":
            return self.scope(user).filter(pk=obj.pk).exists()
        if action == "settle":
            return is_office(user)
        return False


class ShelterPolicy(Policy[Shelter]):
    model = Shelter

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[Shelter]:
        return _scoped(
            Shelter.objects.select_related("county", "township", "managed_by", "current_event"), user
        )

    def can(self, user: Any, action: str, obj: Shelter) -> bool:
        from disaster.services.relief_shelters import may_manage_shelter

        if action == "view":
            return self.scope(user).filter(pk=obj.pk).exists()
        if action == "manage":
            return may_manage_shelter(user, obj)
        return False


class AidProgrammePolicy(Policy[AidProgramme]):
    model = AidProgramme

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[AidProgramme]:
        return _scoped(AidProgramme.objects.select_related("county", "event"), user)


class AidBeneficiaryPolicy(Policy[AidBeneficiary]):
    model = AidBeneficiary

    def scope(self, user: Any, action: str = "view") -> models.QuerySet[AidBeneficiary]:
        return _scoped(
            AidBeneficiary.objects.select_related("programme", "ledger_person", "ledger_household"), user
        )
