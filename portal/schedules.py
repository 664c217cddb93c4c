"""Every periodic job of the portal, in one place, each with the reason for its interval.

Beat only wakes workers: every job reads its work from the database (deadline rows, unsealed
audit entries, pending outbox messages), so a missed or doubled tick loses and repeats nothing.
"""

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {
    # Deadlines are minute-grained (the shortest limits are 30 min and 1 h); a one-minute sweep
    # keeps reminders and overdue marks within a minute of the due time.
    "portal.deadline_sweep": {"task": "portal.tasks.deadline_sweep", "schedule": 60.0},
    # Deliver email/SMS from the outbox; rows are written in the same transaction as their cause,
    # so this only moves them to the wire. Every 30 s keeps urgent SMS prompt.
    "portal.outbox_dispatch": {"task": "portal.tasks.outbox_dispatch", "schedule": 30.0},
    # Chain-hash new audit entries. Every 5 min bounds the unsealed window far below the
    # AUDIT_SEAL_GRACE_MINUTES that audit_verify tolerates.
    "portal.audit_seal": {"task": "portal.tasks.audit_seal", "schedule": 300.0},
    # Idempotency keys must live at least 24 h; prune older ones nightly at a quiet hour.
    "portal.idempotency_prune": {
        "task": "portal.tasks.idempotency_prune",
        "schedule": crontab(hour=3, minute=17),
    },
    # Supervision board: open the new period's report obligations (deadlines) and re-evaluate task
    # statuses, which change with the date. Hourly: cheap (about 60 tasks), it opens a new period
    # within an hour of midnight and catches up a fresh deployment without waiting a day.
    "supervision.refresh": {"task": "supervision.tasks.refresh", "schedule": crontab(minute=7)},
    # 免申即享: registry data changes during the day (projects, invoices, recognitions); a nightly
    # match at a quiet hour proposes new entitlements by the next working morning (set-based, ~s).
    "subsidies.entitlements_match": {
        "task": "subsidies.tasks.entitlements_match",
        "schedule": crontab(hour=2, minute=30),
    },
    # Policy expiry warnings are day-grained (180/30 days before): once every morning.
    "subsidies.policy_expiry_warn": {
        "task": "subsidies.tasks.policy_expiry_warn",
        "schedule": crontab(hour=8, minute=5),
    },
    # Results of orders from the provincial 12345 platform are pushed back by a task enqueued on
    # reply/close; this retries what a broker outage or a failed call left behind. Every 5 min
    # keeps the province's view fresh without hammering its interface.
    "hotline.provincial_push_pending": {"task": "hotline.tasks.provincial_push_pending", "schedule": 300.0},
    # Low-income assistance: start the re-screening when new standards take effect (they take
    # effect at midnight, so a 10-minute lag is harmless) and pick up re-screenings and XLSX
    # imports whose task message was lost. Two small queries when idle.
    "assistance.sweep": {"task": "assistance.tasks.sweep", "schedule": 600.0},
    # Winter-spring relief (disaster plan 6.3): from 1 September open each affected county's yearly
    # survey with its deadlines (survey started, needs by 15 October). Hourly: idle outside the
    # season (one rule lookup), opens within an hour of the date and picks up counties hit later.
    "disaster.winter_spring_open": {
        "task": "disaster.tasks.winter_spring_open",
        "schedule": crontab(minute=23),
    },
}
