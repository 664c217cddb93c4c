"""On PostgreSQL, refuse DELETE of audit entries and every UPDATE except filling an empty
seal once (sealing job). SQLite has no such guard; `audit_verify` still detects tampering."""

from django.db import migrations

FIELDS = ["id", "at", "actor_id", "actor_label", "action", "object_type", "object_id", "object_repr",
          "before", "after", "request_id", "ip", "extra"]

CREATE = f"""
CREATE OR REPLACE FUNCTION portal_audit_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'audit entries are append-only (delete refused for id %)', OLD.id;
  END IF;
  IF OLD.seal_hash IS NOT NULL THEN
    RAISE EXCEPTION 'audit entry % is sealed and cannot change', OLD.id;
  END IF;
  IF ({", ".join("NEW." + f for f in FIELDS)}) IS DISTINCT FROM ({", ".join("OLD." + f for f in FIELDS)}) THEN
    RAISE EXCEPTION 'audit entry % may only receive its seal', OLD.id;
  END IF;
  IF NEW.seal_hash IS NULL OR NEW.seal_seq IS NULL THEN
    RAISE EXCEPTION 'audit entry % may only receive a complete seal', OLD.id;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS portal_audit_guard ON portal_auditentry;
CREATE TRIGGER portal_audit_guard BEFORE UPDATE OR DELETE ON portal_auditentry
  FOR EACH ROW EXECUTE FUNCTION portal_audit_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS portal_audit_guard ON portal_auditentry;
DROP FUNCTION IF EXISTS portal_audit_guard();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_seed_roles_and_org")]
    operations = [migrations.RunPython(forwards, backwards)]
