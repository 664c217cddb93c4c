"""Fixtures of the disaster tests: a frozen clock, events opened through the services, and a
helper that builds township rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from disaster.models import DisasterType, Event
from disaster.services import events as ev
from disaster.services import reports as rsvc
from portal.models import OrgUnit

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 7, 20, 8, 0, tzinfo=TZ)


@pytest.fixture
def clock() -> Iterator[Any]:
    """Time frozen at 2026-07-20 08:00 Asia/Shanghai; `clock.move_to(dt)` moves it."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def everyone(persona: Callable[[str], Any]) -> None:
    """Create every platform persona (so role holders exist before notifications are sent)."""
    from portal.personas import PERSONAS

    for p in PERSONAS:
        persona(p.username)


@pytest.fixture
def open_event(persona: Callable[[str], Any]) -> Callable[..., Event]:
    def make(
        *counties: str,
        type: str = "flood",
        title: str = "测试暴雨洪涝",
        at: datetime | None = None,
        major: bool = False,
        by: str = "city_yjj",
    ) -> Event:
        from django.utils import timezone

        started = at or timezone.now()
        return ev.event_open(
            actor=persona(by),
            type=DisasterType.objects.get(code=type),
            title=title,
            started_at=started,
            counties=[
                ev.CountyStart(OrgUnit.objects.get(code=c), started, major)
                for c in (counties or ("yicheng",))
            ],
        )

    return make


def towns(county_code: str) -> list[OrgUnit]:
    return rsvc.townships_of(OrgUnit.objects.get(code=county_code))


def rows_for(
    county_code: str, default: dict[str, Any] | None = None, **per_town: dict[str, Any]
) -> dict[int, dict[str, Any]]:
    """Rows for the first townships of a county: `rows_for("yicheng", t1={...}, t2={...})`
    (t1 = the first township), or `default` for every township."""
    units = towns(county_code)
    out: dict[int, dict[str, Any]] = {}
    if default is not None:
        for u in units:
            out[u.pk] = dict(default)
    for key, values in per_town.items():
        index = int(key[1:]) - 1
        out[units[index].pk] = values
    return out


@pytest.fixture
def submit(persona: Callable[[str], Any]) -> Callable[..., Any]:
    def do(
        event: Event,
        county_code: str,
        kind: str,
        rows: dict[int, dict[str, Any]],
        by: str | None = None,
        **kw: Any,
    ) -> Any:
        county = OrgUnit.objects.get(code=county_code)
        return rsvc.report_submit(
            event=event, county=county, kind=kind, rows=rows, actor=persona(by or county_code), **kw
        )

    return do
