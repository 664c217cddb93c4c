"""Celery tasks: thin wrappers that load by id and call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="assistance.tasks.rescreen_run", acks_late=True)
def rescreen_run(run_id: int) -> int:
    from assistance.services.rescreen import rescreen_execute

    return rescreen_execute(run_id).processed


@shared_task(name="assistance.tasks.import_run", acks_late=True)
def import_run(batch_id: int) -> str:
    from assistance.services.importing import import_execute

    return import_execute(batch_id).status


@shared_task(name="assistance.tasks.sweep", acks_late=True)
def sweep() -> dict[str, int]:
    """Periodic: start a re-screening when new standards take effect; pick up queued runs and
    pending imports whose task message was lost."""
    from datetime import timedelta

    from django.utils import timezone

    from assistance.models import ImportBatch
    from assistance.services.importing import import_execute
    from assistance.services.rescreen import rescreen_sweep

    result = rescreen_sweep()
    stale = ImportBatch.objects.filter(
        status=ImportBatch.Status.PENDING, uploaded_at__lte=timezone.now() - timedelta(minutes=2)
    ).values_list("pk", flat=True)[:5]
    result["imports"] = 0
    for batch_id in stale:
        import_execute(batch_id)
        result["imports"] += 1
    return result
