"""Helpers of the relief tests: a verified event with ledger rows, a funded county lot, stores
with stock — all made through the services, as the app makes them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from disaster.models import FundAccount, LedgerHousehold, LedgerPerson, SupplyItem, Warehouse
from disaster.rules.ledger import CHECK_CODES, WEIGHTS
from disaster.services import ledger as led
from disaster.services import relief_funds as funds
from disaster.services import relief_supplies as sup
from disaster.services.events import event_declare_stable
from portal.models import OrgUnit
from tests.disaster.conftest import rows_for, towns


def id_number(seq: int, area: str = "411702") -> str:
    """A valid resident ID number (check character computed)."""
    body = f"{area}1980{(seq % 12) + 1:02d}{(seq % 28) + 1:02d}{seq % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True))
    return body + CHECK_CODES[total % 11]


def verify(event: Any, county_code: str, persona: Any, submit: Any) -> None:
    """Declare the event stable (if needed) and file the county's verified report."""
    from disaster.models import Event

    event.refresh_from_db()
    if event.status == Event.Status.ACTIVE:
        event_declare_stable(event=event, actor=persona("city_yjj"))
    submit(event, county_code, "verified", rows_for(county_code, t1={"affected": 100, "needing_aid_cum": 10}))


def person(
    event: Any, county_code: str, persona: Any, name: str, seq: int, category: str = "needs_aid"
) -> LedgerPerson:
    county = OrgUnit.objects.get(code=county_code)
    return led.ledger_person_add(
        event=event,
        county=county,
        actor=persona(county_code),
        data={
            "category": category,
            "name": name,
            "id_number": id_number(seq),
            "township": towns(county_code)[0].pk,
        },
    )


def household(
    event: Any,
    county_code: str,
    persona: Any,
    head: str,
    seq: int,
    damage: str = "collapsed",
    members: int = 3,
    needs_aid: bool = False,
) -> LedgerHousehold:
    county = OrgUnit.objects.get(code=county_code)
    return led.ledger_household_add(
        event=event,
        county=county,
        actor=persona(county_code),
        data={
            "head_name": head,
            "id_number": id_number(seq),
            "township": towns(county_code)[0].pk,
            "damage": damage,
            "members": members,
            "rooms": 2,
            "needs_aid": needs_aid,
        },
    )


def fund_county(
    persona: Any,
    county_code: str,
    purpose: str,
    amount: str,
    *,
    source: str = "central",
    receipt_amount: str | None = None,
    event: Any = None,
) -> FundAccount:
    """Receipt (财政局) → proposal (应急管理局) → approval and disbursement (财政局): the county lot."""
    receipt = funds.receipt_record(
        source=source,
        purpose=purpose,
        amount=receipt_amount or amount,
        document_no=f"财预〔2026〕{purpose}号",
        received_on=date(2026, 7, 1),
        actor=persona("city_czj"),
    )
    allocation = funds.allocation_propose(
        receipt=receipt,
        county=OrgUnit.objects.get(code=county_code),
        amount=amount,
        reason="根据灾区申请和灾情核定情况",
        actor=persona("city_yjj"),
        event=event,
    )
    funds.allocation_decide(allocation=allocation, approve=True, reason="同意", actor=persona("city_czj"))
    funds.allocation_disburse(
        allocation=allocation, document_no="驻财预〔2026〕1号", actor=persona("city_czj")
    )
    return FundAccount.objects.get(allocation=allocation)


def store(persona: Any, owner_code: str, code: str, stock: dict[str, int] | None = None) -> Warehouse:
    owner = OrgUnit.objects.get(code=owner_code)
    actor = persona("city_yjj") if owner.kind == "city" else persona(owner_code)
    wh = sup.warehouse_create(name=f"{owner.name}救灾物资储备库", code=code, owner=owner, actor=actor)
    if stock:
        sup.stock_receive(
            warehouse=wh,
            lines={SupplyItem.objects.get(code=c).pk: q for c, q in stock.items()},
            reason="年度储备采购",
            actor=actor,
        )
    return wh


def item(code: str) -> SupplyItem:
    return SupplyItem.objects.get(code=code)


def money(text: str) -> Decimal:
    return Decimal(text)
