"""A Celery worker whose deadline sweep stops for good in the middle: after the first batch of
overdue marks has committed, inside the transaction of the second batch, it writes what it has
done to FAULTS_BLOCK_MARKER and sleeps — so the test can SIGKILL it at exactly that point.

    python -m tests.faults.blocking_worker -A portal worker --pool=solo …
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from typing import Any


def _install() -> None:
    import django

    django.setup()
    import portal.deadlines as engine

    notify, sweep = engine._notify_bulk, engine.deadline_sweep
    batches: list[list[int]] = []

    def notify_then_stop(deadlines: list[Any], stage: str, now: Any) -> int:
        created = notify(deadlines, stage, now)
        batches.append([d.pk for d in deadlines])
        if len(batches) == 2:
            with open(os.environ["FAULTS_BLOCK_MARKER"], "w", encoding="utf-8") as f:
                json.dump({"committed": batches[0], "in_flight": batches[1], "now": now.isoformat()}, f)
            time.sleep(600)  # killed here
        return created

    engine._notify_bulk = notify_then_stop  # type: ignore[assignment]
    engine.deadline_sweep = functools.partial(sweep, batch=int(os.environ.get("FAULTS_SWEEP_BATCH", "5")))  # type: ignore[assignment]


if __name__ == "__main__":
    _install()
    from celery.__main__ import main

    sys.argv[0] = "celery"
    main()
