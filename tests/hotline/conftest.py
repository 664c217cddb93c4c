"""Hotline fixtures: orders in every state, built through the services (so every state
reached in a test is one the real code path can reach)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import time_machine

from hotline import services
from hotline.models import Order
from portal.models import Membership, OrgUnit
from portal.workcal import SHANGHAI

STATES = [
    "received",
    "answered",
    "handed_over",
    "dispatched",
    "signed",
    "return_requested",
    "extension_requested",
    "replied",
    "called_back",
    "closed",
    "archived",
]


def sh(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def people(persona: Callable[[str], Any]) -> dict[str, Any]:
    users = {
        name: persona(name)
        for name in (
            "operator",
            "supervisor",
            "clerk_zjj",
            "clerk_power",
            "admin",
            "outsider",
            "xiping",
            "auditor",
        )
    }
    # Tests travel back to 2024–2027: the memberships must already hold then.
    Membership.objects.update(valid_from=datetime(2020, 1, 1, tzinfo=SHANGHAI))
    return users


@pytest.fixture
def units(unit: Callable[[str], OrgUnit]) -> dict[str, OrgUnit]:
    return {
        code: unit(code) for code in ("zjj", "power", "water", "cgj", "yicheng", "xiping", "rx12345", "zfb")
    }


@pytest.fixture
def make_order(people: dict[str, Any], units: dict[str, OrgUnit]) -> Callable[..., Order]:
    """`make_order("signed", kind="help", confidential=True)` → an order brought to that state."""

    def make(state: str = "received", **fields: Any) -> Order:
        op, sup, clerk = people["operator"], people["supervisor"], people["clerk_zjj"]
        assisting = fields.pop("assisting", [])
        lead = fields.pop("lead", units["zjj"])
        data = {
            "kind": "help",
            "description": "小区楼道灯坏了一个月没人修",
            "caller_name": "张三",
            "caller_phone": "13812345678",
            "county": units["yicheng"],
            "address": "驿城区文明路12号",
            "subject": "urban-housing",
        }
        data.update(fields)
        order = services.order_create(actor=op, **data)
        if state == "received":
            return order
        if state in ("answered", "handed_over"):
            if state == "answered":
                services.order_answer(order=order, actor=op, content="按知识库口径答复")
            else:
                services.order_handover(order=order, actor=op, target="110", note="转110")
            return Order.objects.get(pk=order.pk)
        services.order_dispatch(order=order, actor=op, lead_unit=lead, assisting_units=assisting)
        if state == "dispatched":
            return Order.objects.get(pk=order.pk)
        services.order_sign(order=order, actor=clerk, unit=lead)
        if state == "signed":
            return Order.objects.get(pk=order.pk)
        if state == "return_requested":
            services.order_return(
                order=order,
                actor=clerk,
                reason="不属于本单位职责",
                basis="三定方案",
                suggested_unit=units["cgj"],
                unit=lead,
            )
            return Order.objects.get(pk=order.pk)
        if state == "extension_requested":
            services.order_request_extension(order=order, actor=clerk, days=2, reason="需现场勘查", unit=lead)
            return Order.objects.get(pk=order.pk)
        services.order_reply(order=order, actor=clerk, content="已安排物业更换灯具", unit=lead)
        if state == "replied":
            return Order.objects.get(pk=order.pk)
        services.order_callback(order=order, actor=sup, satisfied=True, note="满意")
        if state == "called_back":
            return Order.objects.get(pk=order.pk)
        services.order_close(order=order, actor=sup)
        if state == "closed":
            return Order.objects.get(pk=order.pk)
        services.order_archive(order=order, actor=sup)
        return Order.objects.get(pk=order.pk)

    return make


@pytest.fixture
def frozen() -> Callable[[str], Any]:
    """`with frozen("2024-11-05T09:00"):` — a clock stopped at that Shanghai time."""

    def at(text: str) -> Any:
        return time_machine.travel(sh(text), tick=False)

    return at
