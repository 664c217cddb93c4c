"""Fast bulk inserts for the automatic match on PostgreSQL.

Django's bulk_create on PostgreSQL binds every value client-side; for thousands of rows with
JSON columns (facts, explanation) the array escaping dominates the run. Here a whole batch
travels as ONE jsonb parameter and PostgreSQL unpacks it with jsonb_to_recordset — one string
to quote, one statement per batch. Other databases use bulk_create. Rows that conflict with a
unique constraint are skipped (ON CONFLICT DO NOTHING), as bulk_create(ignore_conflicts=True).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def bulk_insert(model: type[models.Model], objs: Sequence[models.Model], *, batch_size: int = 5000) -> int:
    """Insert `objs` (ids not set), skipping unique conflicts. Returns the number inserted."""
    if not objs:
        return 0
    if connection.vendor != "postgresql":
        before = model._default_manager.count()
        model._default_manager.bulk_create(list(objs), batch_size=1000, ignore_conflicts=True)
        return model._default_manager.count() - before
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    names = [str(f.column) for f in fields]
    columns = ", ".join(qn(n) for n in names)
    record = ", ".join(f"{qn(n)} {f.db_type(connection)}" for n, f in zip(names, fields, strict=True))
    # Identifiers come from the model's own metadata (quoted), values travel as a parameter.
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS r({record}) ON CONFLICT DO NOTHING"
    )
    inserted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            rows = [{f.column: _json_value(getattr(o, f.attname)) for f in fields} for o in batch]
            cursor.execute(sql, [json.dumps(rows, ensure_ascii=False)])
            inserted += cursor.rowcount
    return inserted
