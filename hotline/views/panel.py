"""The hotline panel on the landing dashboard: what is waiting for me."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from hotline.models import Order
from hotline.models.choices import Status
from hotline.models.orders import overdue_q
from hotline.policies import clerk_unit_ids, is_centre


def dashboard_panel(request: Any) -> dict[str, Any] | None:
    user = request.user
    now = timezone.now()
    if is_centre(user):
        counts = {
            "待派单": Order.objects.filter(status=Status.RECEIVED).count(),
            "退回待审核": Order.objects.filter(status=Status.RETURN_REQUESTED).count(),
            "延期待审核": Order.objects.filter(status=Status.EXTENSION_REQUESTED).count(),
            "待回访": Order.objects.filter(status=Status.REPLIED).count(),
        }
        return {"title": "12345 热线中心待办", "counts": counts, "who": "centre"}
    unit_ids = clerk_unit_ids(user)
    if not unit_ids:
        return None
    mine = Order.objects.filter(lead_unit_id__in=unit_ids)
    counts = {
        "待签收": mine.filter(status=Status.DISPATCHED).count(),
        "办理中": mine.filter(status__in=[Status.SIGNED, Status.EXTENSION_REQUESTED]).count(),
        "已逾期": mine.filter(status__in=[Status.SIGNED, Status.EXTENSION_REQUESTED])
        .filter(overdue_q(now))
        .count(),
    }
    return {"title": "本单位 12345 工单", "counts": counts, "who": "unit"}
