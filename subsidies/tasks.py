"""Celery tasks of the subsidies app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="subsidies.tasks.entitlements_match", acks_late=True)
def entitlements_match() -> dict[str, int] | None:
    from subsidies.services.matching import entitlements_match as run_match

    run = run_match()
    if run is None:
        return None
    return {"run": run.pk, "scanned": run.scanned, "created": run.created, "superseded": run.superseded}


@shared_task(name="subsidies.tasks.policy_expiry_warn", acks_late=True)
def policy_expiry_warn() -> list[tuple[str, int]]:
    from subsidies.services.expiry import policy_expiry_warn as warn

    return warn()
