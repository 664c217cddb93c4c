"""Decisions and cap-ledger entries are insert-only: on PostgreSQL a trigger refuses UPDATE and
DELETE, so not even a bug in a service (or a hand-typed SQL statement) can rewrite the history
of an award. (TRUNCATE, used only by test-database flushes, is not a row operation.)

SQLite gets no trigger: Django's test flush empties tables with DELETE, which a trigger would
block. There the models' managers and save()/delete() refuse changes (subsidies.models), and a
test checks both layers."""

from django.db import migrations

TABLES = ["subsidies_decision", "subsidies_capledgerentry"]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION subsidies_insert_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% rows are insert-only (% refused)', TG_TABLE_NAME, TG_OP;
END $$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)  # literal % in the PL/pgSQL text
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table};")
            schema_editor.execute(
                f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION subsidies_insert_only();"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table};")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS subsidies_insert_only();")


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0002_seed_catalogue")]
    operations = [migrations.RunPython(forwards, backwards)]
