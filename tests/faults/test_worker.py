"""Faults of the worker: a real Celery worker is SIGKILLed in the middle of a deadline sweep (one
batch committed, the next one inside its transaction). After a new worker runs the next sweep,
every due deadline is marked overdue exactly once — the committed batch is not marked again, the
interrupted one is not lost — and each gets one notification."""

from __future__ import annotations

import json
import os
import signal
from datetime import datetime

import pytest

from tests.faults.servers import wait_for

pytestmark = pytest.mark.faults


def test_a_worker_killed_mid_sweep_loses_and_repeats_nothing(stack, run, sql, worker):
    ids = run("due_deadlines", {"count": 12}).data["ids"]
    assert len(ids) == 12
    marker = stack.root / "sweep-stopped.json"
    marker.unlink(missing_ok=True)

    # 1. a worker starts the sweep (batches of 5) and is killed inside the second batch
    doomed = worker(
        module="tests.faults.blocking_worker", FAULTS_BLOCK_MARKER=str(marker), FAULTS_SWEEP_BATCH="5"
    )
    run("publish")
    wait_for(lambda: marker.exists() and marker.stat().st_size > 0)
    stopped = json.loads(marker.read_text())
    os.kill(doomed.process.pid, signal.SIGKILL)
    assert doomed.process.wait(timeout=30) == -signal.SIGKILL
    committed, in_flight = set(stopped["committed"]), set(stopped["in_flight"])
    assert len(committed) == 5 and len(in_flight) == 5 and not committed & in_flight
    first_now = datetime.fromisoformat(stopped["now"])

    state = dict(sql("SELECT id, status FROM portal_deadline WHERE id = ANY(%s)", (ids,)))
    assert {state[i] for i in committed} == {"overdue"}  # the first batch had committed
    assert {state[i] for i in in_flight} == {"open"}  # the killed transaction was rolled back
    told = sql("SELECT count(*) FROM portal_notification WHERE dedupe_key LIKE 'deadline:%%:overdue:%%'")
    assert told[0][0] == 5  # only the committed batch's notifications exist
    # PostgreSQL has released the dead worker's row locks (no session left holding them)
    locks = sql(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        " WHERE c.relname = 'portal_deadline' AND l.pid <> pg_backend_pid()"
    )
    assert locks[0][0] == 0

    # 2. a new worker and the next beat tick: the sweep finishes the job
    survivor = worker()
    run("publish")
    wait_for(lambda: sql("SELECT count(*) FROM portal_deadline WHERE status = 'open'")[0][0] == 0)

    rows = {
        pk: (status, overdue_at)
        for pk, status, overdue_at in sql(
            "SELECT id, status, overdue_at FROM portal_deadline WHERE id = ANY(%s)", (ids,)
        )
    }
    assert {status for status, _ in rows.values()} == {"overdue"}
    # the committed batch kept the first sweep's stamp (not marked again) …
    assert {rows[i][1] for i in committed} == {first_now}
    # … and the interrupted and untouched ones were marked by the second sweep
    assert all(rows[i][1] > first_now for i in set(ids) - committed)
    # one overdue notification per deadline for 驿城区's officer, none twice
    per_deadline = dict(
        sql(
            "SELECT split_part(n.dedupe_key, ':', 2)::int, count(*) FROM portal_notification n"
            " JOIN portal_user u ON u.id = n.recipient_id"
            " WHERE u.username = 'yicheng' AND n.dedupe_key LIKE 'deadline:%%:overdue:%%'"
            " GROUP BY 1"
        )
    )
    assert per_deadline == {i: 1 for i in ids}
    assert survivor.process.poll() is None, survivor.log
