"""Warnings before a policy document expires (180 and 30 days by default, a rule-set value):
notifications to the lead department's and the fiscal department's staff, once per threshold
and end date (a new version that extends the validity warns again before the new end)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from portal.access import CITY_STAFF
from portal.models import Notification, OrgUnit
from portal.notifications import notify, unit_recipients
from subsidies.models import PolicyDocument
from subsidies.services.catalogue import document_window, workflow_params


def policy_expiry_warn(*, today: date | None = None) -> list[tuple[str, int]]:
    """Send the warnings due today. Returns [(document code, threshold days)] sent."""
    day = today or timezone.localdate()
    thresholds = sorted(int(n) for n in workflow_params(day)["expiry_warning_days"])
    fiscal = OrgUnit.objects.filter(code="czj").first()
    sent = []
    for doc in PolicyDocument.objects.select_related("lead_unit").order_by("code"):
        window = document_window(doc.rule_key)
        if window is None or window.valid_to is None:
            continue
        left = (window.valid_to - day).days
        if left < 0:
            continue
        crossed = [n for n in thresholds if left <= n]
        if not crossed:
            continue
        threshold = crossed[0]  # the tightest one reached: each fires once
        recipients = unit_recipients(doc.lead_unit, roles=[CITY_STAFF])
        if fiscal is not None:
            recipients += unit_recipients(fiscal, roles=[CITY_STAFF])
        created = notify(
            recipients,
            title=f"政策即将到期：《{doc.title}》将于 {window.valid_to} 失效（剩余 {left} 天）",
            body=f"{doc.number} 有效期 {window.label()}。请评估是否修订或延续，并安排到期前的兑现工作。",
            url="/subsidies/",
            subject=doc,
            level=Notification.Level.URGENT if threshold <= 30 else Notification.Level.WARNING,
            dedupe_key=f"subsidies:expiry:{doc.code}:{window.valid_to}:{threshold}",
            email=True,
        )
        if created:
            sent.append((doc.code, threshold))
    return sent
