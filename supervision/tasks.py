"""Celery tasks of the supervision board: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="supervision.tasks.refresh", acks_late=True)
def refresh() -> dict[str, int]:
    """Create the current period's report obligations and re-evaluate every task's status.
    Idempotent: obligations are unique per unit and period, statuses are recomputed."""
    from supervision.services import daily_refresh

    return daily_refresh()
