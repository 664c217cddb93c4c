"""Celery tasks of the disaster app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="disaster.tasks.winter_spring_open", acks_late=True)
def winter_spring_open() -> int:
    """From 1 September (the rule set's survey start), open the year's winter-spring relief for
    each county that needs it, with its deadlines (6.3.1–6.3.2). Idempotent."""
    from disaster.services.relief_aid import winter_spring_open_year

    return len(winter_spring_open_year())
