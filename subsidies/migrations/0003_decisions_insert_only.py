"""Decisions and cap-ledger entries are insert-only: on PostgreSQL a trigger refuses UPDATE and
DELETE, so not even a bug in a service (or a hand-typed SQL statement) can rewrite the history
of an award. (TRUNCATE, used only by test-database flushes, is not a row operation.)

SQLite gets no trigger: Django's test flush empties tables with DELETE, which a trigger would
block. There the models' managers and save()/delete() refuse changes (subsidies.models), and a
test checks both layers."""

from django.db import migrations

from portal.dbguards import insert_only

TABLES = ["subsidies_decision", "subsidies_capledgerentry"]

class Migration(migrations.Migration):
    dependencies = [("subsidies", "0002_seed_catalogue")]
    operations = [insert_only(*TABLES)]
