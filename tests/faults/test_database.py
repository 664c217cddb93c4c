"""Faults of the database: PostgreSQL restarts under a running server (gunicorn, one worker that
keeps its connection between requests) and a running Celery worker. Nobody restarts the portal:
the first request after the restart succeeds (CONN_HEALTH_CHECKS), while the database is down
/healthz says so with a 503, and the worker's next sweep runs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.faults.conftest import ROOT
from tests.faults.servers import free_port

pytestmark = pytest.mark.faults


class Server:
    def __init__(self, port: int, process: subprocess.Popen[bytes], log_path) -> None:
        self.port, self.process, self.log_path = port, process, log_path
        self.token = ""

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            text = exc.read()
            try:
                return exc.code, json.loads(text)
            except ValueError:
                return exc.code, {"raw": text.decode(errors="replace")[:500]}

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def server(stack, database) -> Iterator[Server]:
    """gunicorn as in production (Dockerfile), with one sync worker so that every request goes
    through the same persistent connection."""
    port = free_port()
    log = stack.root / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=stack.env(database),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    srv = Server(port, process, log)
    try:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                if srv.call("GET", "/healthz")[0] in (200, 503):
                    break
            except OSError:
                time.sleep(0.2)
        yield srv
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _backends(sql) -> list[int]:
    return [
        row[0]
        for row in sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    ]


def test_the_settings_turn_on_connection_health_checks(run):
    settings = run("settings").data
    assert settings["ENGINE"] == "django.db.backends.postgresql"
    assert settings["CONN_HEALTH_CHECKS"] is True
    assert settings["CONN_MAX_AGE"] == 60  # connections are kept, so they can go stale
    assert settings["OPTIONS"]["connect_timeout"] == 5  # a dead server fails fast, no hang


def test_a_postgresql_restart_is_survived_without_manual_action(stack, server, sql, worker, run):
    status, body = server.call(
        "POST", "/api/v1/auth/token/", {"username": "operator", "password": "Zmd-demo-2024"}
    )
    assert status == 200, body
    server.token = body["token"]
    w = worker()
    assert server.call("GET", "/api/v1/hotline/orders/")[0] == 200
    before = _backends(sql)
    assert server.call("GET", "/api/v1/hotline/orders/")[0] == 200
    assert set(before) <= set(_backends(sql))  # the server kept its connection between requests

    # the database goes down: /healthz says so, the API fails cleanly, nothing hangs
    stack.pg.stop("fast")
    status, body = server.call("GET", "/healthz")
    assert status == 503 and body["status"] == "down"
    status, body = server.call("GET", "/api/v1/hotline/orders/")
    assert status == 503, body
    assert "数据库" in body.get("detail", ""), body  # a Chinese message, no stack trace

    # it comes back: the very first request succeeds, with no restart of the server
    stack.pg.start()
    outage_log = len(server.log)  # the outage's errors are logged (with their cause) up to here
    status, body = server.call("GET", "/api/v1/hotline/orders/")
    assert status == 200, body
    status, body = server.call("GET", "/healthz")
    assert status == 200 and body["database"]["ok"] is True
    assert server.process.poll() is None, server.log

    # a plain restart while the server holds a live connection: same result
    assert server.call("GET", "/api/v1/hotline/orders/")[0] == 200
    stack.pg.restart()
    status, body = server.call("GET", "/api/v1/hotline/orders/")
    assert status == 200, body
    created = server.call(
        "POST",
        "/api/v1/hotline/orders/",
        {
            "kind": "consultation",
            "subject": "urban-housing",
            "description": "数据库重启后的来电",
            "channel": "phone",
        },
    )
    assert created[0] == 201, created

    # the worker, whose connection also died, runs the next sweep
    stamp = sql("SELECT now()")[0][0]
    run("publish")
    end = time.monotonic() + 120
    finished = None
    while time.monotonic() < end:
        rows = sql("SELECT last_finished_at FROM portal_jobheartbeat WHERE name = 'deadline_sweep'")
        if rows and rows[0][0] and rows[0][0] > stamp:
            finished = rows[0][0]
            break
        time.sleep(0.5)
    assert finished is not None, w.log
    assert w.process.poll() is None, w.log
    assert "Traceback" not in server.log[outage_log:], server.log[outage_log:]
    assert "OperationalError" in server.log[:outage_log]
