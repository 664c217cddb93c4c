"""Faults of the broker: with Redis stopped, 12345 intake and disaster reporting still work and
their deadlines are stored; when Redis comes back a real worker's sweep catches up, and a doubled
beat tick sends no notification twice."""

from __future__ import annotations

import pytest

from tests.faults.servers import wait_for

pytestmark = pytest.mark.faults


def test_intake_and_reports_work_with_redis_stopped_and_the_sweep_catches_up(stack, run, sql, worker):
    stack.redis.stop()

    # 1. the broker is down: both front doors still answer 201 and store their deadlines
    done = run("intake")
    order_status, order = done.data["order"]
    assert order_status == 201, order
    assert done.data["event"][0] == 201, done.data["event"]
    report_status, report = done.data["report"]
    assert report_status == 201, report
    assert "broker unavailable" in done.log  # the publish was tried, failed and was logged
    assert "Traceback" not in done.log
    order_deadlines = sql(
        "SELECT d.kind, d.status FROM portal_deadline d JOIN django_content_type t ON t.id = d.subject_type_id"
        " WHERE t.app_label = 'hotline' AND t.model = 'order' AND d.subject_id = %s",
        (order["id"],),
    )
    assert order_deadlines == [("hotline.dispatch", "open")]
    event_id = done.data["event"][1]["id"]
    county_deadlines = dict(
        sql(
            "SELECT d.kind, d.status FROM portal_deadline d"
            " JOIN disaster_eventcounty ec ON ec.id = d.subject_id"
            " JOIN django_content_type t ON t.id = d.subject_type_id"
            " WHERE t.model = 'eventcounty' AND ec.event_id = %s",
            (event_id,),
        )
    )
    assert county_deadlines["disaster.initial_report"] == "met"  # the report met its deadline
    pending_sms = sql("SELECT count(*) FROM portal_outboxmessage WHERE status = 'pending'")[0][0]
    assert pending_sms > 0  # the incident's SMS wait in the outbox, not in the lost message

    # 2. beat ticks while the broker is down: nothing is published, nothing fails
    assert "broker unavailable" in run("publish").log

    # 3. time passes (the open deadlines fall due), then Redis comes back
    moved = run("make_due").data["moved"]
    assert moved >= 2
    due_ids = {row[0] for row in sql("SELECT id FROM portal_deadline WHERE status = 'open'")}
    assert len(due_ids) == moved
    stack.redis.start()
    w = worker()
    run("publish", {"times": 2})  # a doubled tick: two sweeps and two outbox runs

    def caught_up():
        open_left = sql("SELECT count(*) FROM portal_deadline WHERE status = 'open' AND due_at <= now()")
        pending = sql("SELECT count(*) FROM portal_outboxmessage WHERE status = 'pending'")
        return open_left[0][0] == 0 and pending[0][0] == 0

    wait_for(caught_up)
    assert w.process.poll() is None, w.log

    # 4. every deadline that fell due is marked overdue once, each recipient notified once
    rows = sql("SELECT id, status, overdue_at FROM portal_deadline WHERE id = ANY(%s)", (list(due_ids),))
    assert {status for _, status, _ in rows} == {"overdue"}
    for deadline_id, _, _ in rows:
        notes = sql(
            "SELECT recipient_id, count(*) FROM portal_notification WHERE dedupe_key LIKE %s"
            " GROUP BY recipient_id",
            (f"deadline:{deadline_id}:overdue:%",),
        )
        assert notes, f"deadline {deadline_id}: nobody was told it is overdue"
        assert all(count == 1 for _, count in notes), notes
    # every outbox message was sent once (the file backend wrote one line per SMS)
    sent = sql("SELECT \"to\", body, attempts FROM portal_outboxmessage WHERE channel = 'sms'")
    assert sent and all(attempts == 1 for _, _, attempts in sent)
    lines = (stack.outbox / "sms.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(sent) == len(set(lines))
    assert sorted(lines) == sorted(f"{to}\t{body}" for to, body, _ in sent)


def test_a_frozen_redis_does_not_hold_up_intake(stack, run, sql):
    """Redis hangs (SIGSTOP: connections are accepted, nothing is answered) — the worst case for a
    publisher, each attempt waits for the socket timeout. The requests succeed, and the process
    tries the broker once: the same task is published once per transaction, and after a failure
    publishing is skipped for a cool-off (before the fix: one timeout per SMS row, ~2 s each)."""
    import os
    import signal

    pid = stack.redis.process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        done = run("intake", timeout=300)
    finally:
        os.kill(pid, signal.SIGCONT)
    assert done.data["order"][0] == 201, done.data
    assert done.data["report"][0] == 201, done.data
    assert done.log.count("broker unavailable, ") == 1, done.log  # one attempt, one timeout
    assert "Timeout reading from socket" in done.log
    pending = sql("SELECT count(*) FROM portal_outboxmessage WHERE status = 'pending'")[0][0]
    assert pending >= 2  # several SMS rows, yet only one publish was tried
    stored = sql("SELECT count(*) FROM portal_deadline WHERE kind = 'hotline.dispatch'")[0][0]
    assert stored == 1


def test_a_running_worker_reconnects_when_redis_restarts(stack, run, sql, worker):
    """The worker was running when Redis went away: nobody restarts it, it reconnects by itself
    and works the next tick."""
    w = worker()
    wait_for(lambda: "ready." in w.log)
    stack.redis.stop()
    wait_for(lambda: "Connection to broker lost" in w.log or "Cannot connect" in w.log, 60)
    ids = run("due_deadlines", {"count": 3}).data["ids"]
    stack.redis.start()
    run("publish")
    wait_for(lambda: sql("SELECT count(*) FROM portal_deadline WHERE status = 'open'")[0][0] == 0, 180)
    assert w.process.poll() is None, w.log
    rows = sql("SELECT status FROM portal_deadline WHERE id = ANY(%s)", (ids,))
    assert [r[0] for r in rows] == ["overdue"] * 3
