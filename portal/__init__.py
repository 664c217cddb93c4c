"""驻马店市政务运行平台 — project package and the shared platform app.

`portal` holds the settings, URLs, Celery app and WSGI entry point, and the pieces every
domain app shares: organisation units, roles and memberships, access policies, the audit
trail, the working-day calendar, deadlines, notifications and versioned rule sets.
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
