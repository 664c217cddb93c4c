"""Fixtures of the fault tests (`make test-faults`): a private PostgreSQL and Redis for the whole
session, a migrated template database, a fresh copy of it per test, and `run(step)` to run a
driver step in a child process against them. Everything is stopped and removed at the end, also
when a test fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.faults.servers import PrivatePostgres, PrivateRedis, remove

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "zmd_faults_template"


@dataclass
class Stack:
    pg: PrivatePostgres
    redis: PrivateRedis
    root: Path

    @property
    def outbox(self) -> Path:
        path = self.root / "outbox"
        path.mkdir(exist_ok=True)
        return path

    def env(self, dbname: str, **extra: str) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_", "PYTEST_"))},
            "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
            "FAULTS_OUTBOX_DIR": str(self.outbox),
            "DATABASE_URL": self.pg.url(dbname),
            "CELERY_BROKER_URL": self.redis.url,
            "LOG_LEVEL": "INFO",
            **extra,
        }


@dataclass
class Result:
    data: dict[str, Any]
    log: str


def _parse(stdout: str, stderr: str, returncode: int, what: str) -> Result:
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    if returncode != 0 or not lines:
        raise AssertionError(f"{what} failed ({returncode}):\n{stdout}\n{stderr}")
    return Result(json.loads(lines[-1][len("RESULT ") :]), stderr)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    root = Path(tempfile.mkdtemp(prefix="zmd-faults-"))
    pg, redis = PrivatePostgres(root), PrivateRedis(root)
    try:
        pg.init()
        pg.start()
        redis.start()
        pg.execute(f"CREATE DATABASE {TEMPLATE}")
        s = Stack(pg, redis, root)
        env = s.env(TEMPLATE)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        done = subprocess.run(
            [sys.executable, "-m", "tests.faults.driver", "setup"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        _parse(done.stdout, done.stderr, done.returncode, "setup")
        yield s
    finally:
        redis.stop()
        try:
            pg.stop("immediate")
        finally:
            remove(root)


@pytest.fixture
def database(stack: Stack, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh copy of the migrated template for this test."""
    name = "zmd_faults_" + request.node.name.lower().replace("[", "_").replace("]", "")[:40]
    if not stack.redis.process:  # a failed test may have left them stopped
        stack.redis.start()
    if not stack.pg.ready():
        stack.pg.start()
    for sent in stack.outbox.iterdir():
        sent.unlink()
    stack.pg.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    stack.pg.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    yield name
    if stack.pg.ready():
        stack.pg.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def run(stack: Stack, database: str) -> Callable[..., Result]:
    """`run("intake")` → the driver step's result (in a child process) and its log."""

    def go(step: str, args: dict[str, Any] | None = None, timeout: float = 180, **env: str) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "tests.faults.driver", step, json.dumps(args or {})],
            cwd=ROOT,
            env=stack.env(database, **env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return _parse(done.stdout, done.stderr, done.returncode, step)

    return go


@pytest.fixture
def sql(stack: Stack, database: str) -> Callable[..., list[tuple]]:
    """`sql("SELECT …", params)` on this test's database, from outside the application."""
    return lambda text, params=(): stack.pg.query(text, database, params)


@pytest.fixture
def worker(stack: Stack, database: str) -> Iterator[Callable[..., Worker]]:
    """`worker()` starts a real Celery worker (solo pool) against the private Redis and this
    test's database (`worker(module="tests.faults.blocking_worker")` one that stops mid-sweep);
    every worker started is killed at teardown, also when the test fails."""
    started: list[Worker] = []

    def start(module: str = "celery", **env: str) -> Worker:
        log = stack.root / f"worker-{len(started)}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    module,
                    "-A",
                    "portal",
                    "worker",
                    "--pool=solo",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                ],
                cwd=ROOT,
                env=stack.env(database, **env),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(Worker(process, log))
        return started[-1]

    yield start
    for w in started:
        if w.process.poll() is None:
            w.process.kill()
        w.process.wait(timeout=30)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
