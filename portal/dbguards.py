"""Database-level guards for insert-only tables, for apps' migrations.

`insert_only("app_decision", "app_ledgerentry")` returns a migration operation that makes those
tables refuse UPDATE and DELETE on PostgreSQL (one shared trigger function), so not even a bug in
a service or a hand-typed statement can rewrite history. SQLite cannot refuse DELETE (Django's test
flush empties tables with DELETE); with `sqlite_refuses_update=True` it refuses UPDATE.
TRUNCATE (test flushes on PostgreSQL) is not a row operation and stays possible.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_insert_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% rows are insert-only (% refused, id %)', TG_TABLE_NAME, TG_OP, OLD.id;
END $$ LANGUAGE plpgsql;
"""


def insert_only(*tables: str, sqlite_refuses_update: bool = False) -> migrations.RunPython:
    def forwards(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(PG_FUNCTION, params=None)  # the literal % belong to PL/pgSQL
            for table in tables:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table}", params=None)
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION portal_insert_only()",
                    params=None,
                )
        elif vendor == "sqlite" and sqlite_refuses_update:
            for table in tables:
                schema_editor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_insert_only BEFORE UPDATE ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} rows are insert-only'); END"
                )

    def backwards(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        for table in tables:
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table}", params=None)
            elif vendor == "sqlite":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_insert_only")

    return migrations.RunPython(forwards, backwards)
