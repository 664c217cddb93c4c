"""enqueue: one publish per task and arguments per transaction, nothing on rollback, and after
a broker failure a cool-off in which publishing is skipped (the sweep catches up), so a hung
broker cannot hold a request up once per task. The real hung Redis: tests/faults/test_broker.py."""

from __future__ import annotations

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError

from portal import tasks


class FakeTask:
    def __init__(self, name: str = "test.fake", fail: bool = False) -> None:
        self.name, self.fail, self.calls = name, fail, []
        self.app = type("App", (), {"conf": {"broker_url": f"redis://fake-{name}:6379/0"}})()

    def apply_async(self, args, kwargs, retry):
        self.calls.append(args)
        if self.fail:
            raise KombuOperationalError("Timeout reading from socket")


@pytest.fixture(autouse=True)
def _fresh_breaker():
    tasks._broker_down_until.clear()
    yield
    tasks._broker_down_until.clear()


def test_one_publish_per_task_and_arguments_per_transaction(db, django_capture_on_commit_callbacks):
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _ in range(5):
            tasks.enqueue(task)
        tasks.enqueue(task, 7)
        tasks.enqueue(task, 7)
        tasks.enqueue(task, 8)
    assert task.calls == [(), (7,), (8,)]


def test_a_rolled_back_transaction_publishes_nothing_and_does_not_block_the_next(
    db, django_capture_on_commit_callbacks
):
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            tasks.enqueue(task)
            raise RuntimeError("rolled back")
        assert task.calls == []
        tasks.enqueue(task)  # the rolled-back registration does not count as "already queued"
    assert task.calls == [()]


def test_after_a_failure_the_broker_is_left_alone_for_the_cool_off(
    db, caplog, monkeypatch, django_capture_on_commit_callbacks
):
    clock = [1000.0]
    monkeypatch.setattr(tasks.time, "monotonic", lambda: clock[0])
    down, other_broker = FakeTask(fail=True), FakeTask(name="other")
    with caplog.at_level("INFO", logger="portal.tasks"), django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue(down)
        tasks.enqueue(down, 1)
        tasks.enqueue(down, 2)
        tasks.enqueue(other_broker)  # another broker is not affected
    assert down.calls == [()] and other_broker.calls == [()]
    assert caplog.text.count("broker unavailable, test.fake") == 1
    assert caplog.text.count("cooling off") == 2
    clock[0] += tasks.COOL_OFF_SECONDS + 1
    down.fail = False
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue(down, 3)
        tasks.enqueue(down, 4)
    assert down.calls == [(), (3,), (4,)]  # tried again after the cool-off, and it works
