"""Audit trail: append-only entries, batch sealing into a hash chain, verification that
detects a changed, deleted or long-unsealed entry."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from portal.audit import audit_record, audit_seal, audit_verify
from portal.models import AuditCheckpoint, AuditEntry, OrgUnit


@pytest.fixture
def entries(persona):
    user = persona("yicheng")
    unit = OrgUnit.objects.get(code="yicheng")
    return [
        audit_record(actor=user, action="test.thing.change", obj=unit, before={"n": i}, after={"n": i + 1})
        for i in range(5)
    ]


def test_record_captures_actor_object_and_request(web, persona):
    client = web("admin")
    response = client.post("/notifications/read-all/", HTTP_X_REQUEST_ID="req-123")
    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="zmd")
    from portal import context

    token = context.activate(context.RequestContext(request_id="req-456", ip="10.1.2.3"))
    try:
        entry = audit_record(actor=persona("admin"), action="test.view", obj=unit, extra={"why": "检查"})
    finally:
        context.reset(token)
    assert (entry.actor_label, entry.object_type, entry.object_id) == (
        "admin",
        "portal.orgunit",
        str(unit.pk),
    )
    assert (entry.request_id, entry.ip) == ("req-456", "10.1.2.3")


def test_seal_chains_entries_in_id_order_and_verify_passes(entries):
    assert audit_seal() == 5
    sealed = list(AuditEntry.objects.order_by("id"))
    assert [e.seal_seq for e in sealed] == [1, 2, 3, 4, 5]
    assert AuditCheckpoint.objects.get().last_seq == 5
    assert audit_verify() == []
    assert audit_seal() == 0  # nothing new
    call_command("audit_verify")  # exits cleanly


def test_new_entries_continue_the_chain(entries, persona):
    audit_seal()
    audit_record(actor=persona("admin"), action="test.more")
    assert audit_seal() == 1
    assert AuditEntry.objects.get(action="test.more").seal_seq == 6
    assert audit_verify() == []


def _tamper(sql, params):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a database superuser going around the trigger
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def test_verify_detects_a_changed_entry(entries):
    audit_seal()
    _tamper("UPDATE portal_auditentry SET actor_label = %s WHERE id = %s", ["someone-else", entries[2].pk])
    problems = audit_verify()
    assert [p.kind for p in problems] == ["changed"]
    assert problems[0].entry_id == entries[2].pk
    with pytest.raises(CommandError):
        call_command("audit_verify")


def test_verify_detects_a_deleted_entry_in_the_middle_and_at_the_end(entries):
    audit_seal()
    _tamper("DELETE FROM portal_auditentry WHERE id = %s", [entries[1].pk])
    assert [p.kind for p in audit_verify()] == ["missing"]
    _tamper("DELETE FROM portal_auditentry WHERE id = %s", [entries[4].pk])
    kinds = [p.kind for p in audit_verify()]
    assert kinds.count("missing") == 2


def test_verify_reports_entries_left_unsealed_too_long(entries):
    problems = audit_verify(now=timezone.now() + timedelta(hours=2))
    assert {p.kind for p in problems} == {"unsealed"} and len(problems) == 5


def test_audit_viewer_is_for_auditors_only(entries, web):
    assert web("auditor").get("/audit/").status_code == 200
    assert web("admin").get("/audit/?action=test.thing").status_code == 200
    assert web("yicheng").get("/audit/").status_code == 403
    assert web(None).get("/audit/").status_code == 302  # to the login page


def test_audit_viewer_filters_and_exports_xlsx(entries, web):
    from io import BytesIO

    from openpyxl import load_workbook

    client = web("auditor")
    page = client.get("/audit/", {"action": "test.thing"}).content.decode()
    assert page.count("test.thing.change") == 5
    response = client.get("/audit/export.xlsx", {"action": "test.thing"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "时间", "操作人", "动作")
    assert len(rows) == 6
    assert AuditEntry.objects.filter(action="portal.audit.export").exists()  # the export itself is audited


@pytest.mark.pg
def test_postgres_refuses_delete_and_updates_except_the_seal(entries):
    from tests.conftest import needs_postgres

    needs_postgres()
    entry = entries[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="changed")
    audit_seal()  # filling the empty seal once is allowed
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(seal_hash="0" * 64)
    assert audit_verify() == []
