"""Fixtures for the supervision tests: the supervisor and unit reporters, seeded tasks,
obligations opened at a frozen time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import time_machine

from portal.access import clear_grant_cache
from portal.models import Membership
from portal.personas import Persona, ensure_persona
from supervision import rules
from supervision.models import Assignment, ReportObligation, Task
from supervision.services import obligations_ensure

SH = rules.SHANGHAI

EXTRA = {
    "sup_zfb": Persona("sup_zfb", "督查专员", "zfb", "supervision_officer", "督查专员"),
    "sup_fgw": Persona("sup_fgw", "市发改委填报员", "fgw", "unit_clerk", "市发改委"),
    "sup_zwfw": Persona("sup_zwfw", "市政务服务填报员", "zwfw", "unit_clerk", "市行政审批和政务信息管理局"),
    "sup_kjj": Persona("sup_kjj", "市科技局填报员", "kjj", "unit_clerk", "市科技局"),
}


@pytest.fixture
def user(persona: Callable[[str], Any]) -> Callable[[str], Any]:
    """`user("sup_fgw")` — the platform personas plus this app's ones."""

    def make(username: str) -> Any:
        account = ensure_persona(EXTRA[username]) if username in EXTRA else persona(username)
        # Tests travel back to 2024: the memberships must already be in force then.
        Membership.objects.filter(user=account).update(valid_from=datetime(2020, 1, 1, tzinfo=SH))
        clear_grant_cache(account)
        return account

    return make


@pytest.fixture
def task(db: Any) -> Callable[[str], Task]:
    return lambda code: Task.objects.get(code=code)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def open_period(db: Any) -> Callable[..., list[ReportObligation]]:
    """`open_period(at(2024, 8, 5), "A10")` opens the obligations of that moment for the tasks."""

    def run(moment: datetime, *codes: str) -> list[ReportObligation]:
        with time_machine.travel(moment, tick=False):
            ids = list(Task.objects.filter(code__in=codes).values_list("pk", flat=True)) if codes else None
            obligations_ensure(task_ids=ids)
        qs = ReportObligation.objects.select_related("unit", "task", "deadline")
        return list(qs.filter(task__code__in=codes) if codes else qs)

    return run


def obligation_of(code: str, unit_code: str, period_start: Any = None) -> ReportObligation:
    qs = ReportObligation.objects.filter(task__code=code, unit__code=unit_code).select_related(
        "deadline", "task"
    )
    if period_start is not None:
        qs = qs.filter(period_start=period_start)
    return qs.order_by("-period_start").first()


def lead_of(code: str) -> Assignment:
    return Assignment.objects.get(task__code=code, role=Assignment.Role.LEAD, order=0)
