"""PostgreSQL plumbing for the benchmarks: databases, Django settings, COPY of generated rows."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
TEMPLATE_DB = "zmd_bench_template"
SECRET_KEY = "bench-only-not-a-secret-0123456789abcdefghijklmnop"  # noqa: S105 (local benchmark server)


def db_name(scale: float) -> str:
    """zmd_bench (scale 1), zmd_bench_s010 (scale 0.1), …"""
    return "zmd_bench" if scale == 1 else f"zmd_bench_s{round(scale * 100):03d}"


def url(name: str) -> str:
    return f"{PG_SERVER}/{name}"


def require_postgres() -> str:
    """The server version, or exit with a clear message."""
    try:
        with psycopg.connect(url("postgres"), connect_timeout=3) as conn:
            return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    except psycopg.OperationalError as exc:
        sys.exit(
            f"make bench needs PostgreSQL at {PG_SERVER} (user with CREATE DATABASE; set BENCH_PG "
            f"to another server URL without database name). Connection failed: {exc}"
        )


def django_env(name: str) -> dict[str, str]:
    """Environment for Django (in-process and gunicorn) against the benchmark database."""
    return {
        "DATABASE_URL": url(name),
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "DB_CONN_MAX_AGE": "600",
        # Open311 POSTs are rate-limited per key; the benchmark measures capacity, not the limit.
        "ANON_WRITE_RATE": "1000000/min",
        "LOG_LEVEL": "WARNING",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # Tasks the app enqueues (e.g. a re-screening run) land in a folder nobody reads: the
        # benchmark runs the work itself, in-process, where it measures it.
        "CELERY_BROKER_DIR": str(BROKER_DIR),
    }


BROKER_DIR = Path(__file__).resolve().parent / "results" / "broker"


def setup_django(name: str) -> None:
    for sub in ("processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    os.environ.update(django_env(name))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def admin_conn(autocommit: bool = True) -> psycopg.Connection[Any]:
    return psycopg.connect(url("postgres"), autocommit=autocommit)


def exists(name: str) -> bool:
    with admin_conn() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop(name: str) -> None:
    with admin_conn() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_from_template(name: str) -> None:
    with admin_conn() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"')


def now_utc() -> datetime:
    return datetime.now(UTC)


class Table:
    """COPY rows of one Django model: columns not given take the model field's default (or
    NULL / ''), so generated rows satisfy every NOT NULL column the app expects."""

    def __init__(self, model: Any, now: datetime) -> None:
        from django.db import models

        self.table = model._meta.db_table
        self.columns: list[str] = []
        self.defaults: list[Any] = []
        # The primary key first: `copy` leaves it out when the rows carry no "id".
        fields = sorted(model._meta.concrete_fields, key=lambda f: not f.primary_key)
        for f in fields:
            self.columns.append(f.column)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                default: Any = now
            elif f.has_default():
                default = f.get_default()
            elif f.null or f.primary_key:
                default = None
            elif isinstance(f, models.CharField | models.TextField):
                default = ""
            else:
                default = None
            if isinstance(f, models.JSONField) and default is not None:
                default = Jsonb(default)
            self.defaults.append(default)

    def copy(self, conn: psycopg.Connection[Any], rows: Iterable[dict[str, Any]]) -> int:
        """COPY `rows` (dicts keyed by column name; JSON values already wrapped in Jsonb)."""
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            return 0
        # Without an "id" the column is left out and the sequence numbers the rows.
        skip = 0 if "id" in first else 1
        columns, defaults = self.columns[skip:], self.defaults[skip:]
        index = {c: i for i, c in enumerate(columns)}
        cols = ", ".join(f'"{c}"' for c in columns)
        n = 0
        with conn.cursor() as cur, cur.copy(f'COPY "{self.table}" ({cols}) FROM STDIN') as cp:
            for row in itertools.chain([first], iterator):
                values = list(defaults)
                for key, value in row.items():
                    values[index[key]] = value
                cp.write_row(values)
                n += 1
        return n


@contextmanager
def bulk_load(conn: psycopg.Connection[Any], tables: list[str]) -> Iterator[None]:
    """Drop the plain (non-constraint) indexes of `tables` during a load and build them again
    after, with foreign-key and audit triggers off (the generator writes consistent rows)."""
    saved: list[str] = []
    for table in tables:
        rows = conn.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.tablename = %s AND NOT EXISTS (
                 SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            [table],
        ).fetchall()
        for name, definition in rows:
            conn.execute(f'DROP INDEX "{name}"')
            saved.append(definition)
    conn.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        conn.execute("SET session_replication_role = DEFAULT")
        conn.execute("SET maintenance_work_mem = '512MB'")
        for definition in saved:
            conn.execute(definition)
        for table in tables:
            conn.execute(f'ANALYZE "{table}"')


def restore_indexes(conn: psycopg.Connection[Any], tables: list[str]) -> list[str]:
    """Create every index of `tables` that the migrated template has and this database lacks
    (a load killed inside `bulk_load` leaves its indexes dropped). Returns the names created."""
    with psycopg.connect(url(TEMPLATE_DB)) as template:
        wanted = template.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s)",
            [tables],
        ).fetchall()
    have = {
        r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'").fetchall()
    }
    created = []
    conn.execute("SET maintenance_work_mem = '512MB'")
    for name, definition in wanted:
        if name not in have:
            conn.execute(definition)
            created.append(name)
    return created


def set_sequence(conn: psycopg.Connection[Any], table: str) -> None:
    conn.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM \"{table}\"), 1))"
    )
