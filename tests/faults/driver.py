"""Steps of the fault scenarios, run in a child process against the private PostgreSQL and
Redis (DATABASE_URL / CELERY_BROKER_URL in the environment):

    python -m tests.faults.driver <step> [json-argument]

Each step prints one line `RESULT {json}` on stdout; logs go to stderr (the tests read both).
The child is a real Django process (its own settings, connections and Celery app), so a broker
or database fault hits it exactly as it hits the server or a worker.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.settings")


def setup(_: dict[str, Any]) -> dict[str, Any]:
    """Every persona (with phone and e-mail, so notifications also write SMS/e-mail rows)."""
    from portal.personas import PERSONAS, ensure_persona

    for p in PERSONAS:
        ensure_persona(p)
    return {"personas": len(PERSONAS)}


def intake(_: dict[str, Any]) -> dict[str, Any]:
    """The two front doors that must work while the broker is down: a 12345 operator takes a
    call about a sudden incident (it notifies by SMS, i.e. publishes an outbox task), and a county
    opens a disaster process and files its initial report — both through the API."""
    from django.utils import timezone
    from rest_framework.test import APIClient

    from disaster.services.reports import townships_of
    from portal.models import OrgUnit, User

    yicheng = OrgUnit.objects.get(code="yicheng")
    operator = APIClient()
    operator.force_authenticate(User.objects.get(username="operator"))
    started = time.monotonic()
    order = operator.post(
        "/api/v1/hotline/orders/",
        {
            "caller_name": "王五",
            "caller_phone": "13912345678",
            "kind": "help",
            "special_kind": "natural_disaster",
            "subject": "urban-housing",
            "county": yicheng.pk,
            "address": "驿城区解放路88号",
            "description": "暴雨，小区地下室进水，有人被困",
            "channel": "phone",
        },
        format="json",
    )
    order_seconds = time.monotonic() - started
    county = APIClient()
    county.force_authenticate(User.objects.get(username="yicheng"))
    event = county.post(
        "/api/v1/disaster/events/",
        {
            "type": "flood",
            "title": "故障演练暴雨",
            "started_at": (timezone.now() - timedelta(minutes=10)).isoformat(),
            "counties": [{"county": yicheng.pk}],
        },
        format="json",
    )
    report = None
    if event.status_code == 201:
        report = county.post(
            "/api/v1/disaster/reports/",
            {
                "event": event.json()["id"],
                "county": yicheng.pk,
                "kind": "initial",
                "rows": [{"township": t.pk, "affected": 12} for t in townships_of(yicheng)[:2]],
            },
            format="json",
        )
    return {
        "order": [order.status_code, order.json()],
        "order_seconds": round(order_seconds, 2),
        "event": [event.status_code, event.json()],
        "report": [report.status_code, report.json()] if report is not None else None,
    }


def due_deadlines(args: dict[str, Any]) -> dict[str, Any]:
    """`count` deadlines of 驿城区 that fell due an hour ago (one minute apart)."""
    from django.utils import timezone

    from portal.deadlines import deadline_create
    from portal.models import OrgUnit

    county = OrgUnit.objects.get(code="yicheng")
    now = timezone.now()
    ids = [
        deadline_create(
            subject=county,
            kind="faults.kill",
            title=f"故障演练核报{i}",
            responsible_unit=county,
            starts_at=now - timedelta(hours=5),
            due_at=now - timedelta(hours=1, minutes=i),
            remind_at=None,
        ).pk
        for i in range(args.get("count", 12))
    ]
    return {"ids": ids}


def make_due(args: dict[str, Any]) -> dict[str, Any]:
    """Time passes while the broker is down: every open deadline moves `days` into the past."""
    from django.db.models import F

    from portal.models import Deadline

    shift = timedelta(days=args.get("days", 30))
    moved = Deadline.objects.filter(status=Deadline.Status.OPEN).update(
        due_at=F("due_at") - shift, starts_at=F("starts_at") - shift, remind_at=None
    )
    return {"moved": moved}


def publish(args: dict[str, Any]) -> dict[str, Any]:
    """What beat does on a tick: publish the sweep (and the outbox) — `times` times."""
    from portal.tasks import deadline_sweep, enqueue, outbox_dispatch

    for _ in range(args.get("times", 1)):
        enqueue(deadline_sweep)
        enqueue(outbox_dispatch)
    return {"published": args.get("times", 1)}


def sweep(args: dict[str, Any]) -> dict[str, Any]:
    from portal.deadlines import deadline_sweep

    return deadline_sweep(batch=args.get("batch", 2000))


def outbox(_: dict[str, Any]) -> dict[str, Any]:
    from portal.notifications.outbox import outbox_dispatch

    return outbox_dispatch()


def settings(_: dict[str, Any]) -> dict[str, Any]:
    """The database settings this process really runs with."""
    from django.db import connection

    return dict(connection.settings_dict, PASSWORD="")


STEPS = {
    "setup": setup,
    "intake": intake,
    "make_due": make_due,
    "due_deadlines": due_deadlines,
    "publish": publish,
    "sweep": sweep,
    "outbox": outbox,
    "settings": settings,
}


def main() -> None:
    django.setup()
    step = sys.argv[1]
    args = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    result = STEPS[step](args)
    print("RESULT " + json.dumps(result, ensure_ascii=False, default=str), flush=True)


if __name__ == "__main__":
    main()
