"""Backup and restore round trip: nothing is lost (SQLite here; PostgreSQL under make test-pg)."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from portal.audit import audit_record, audit_seal, audit_verify
from portal.models import AuditEntry, Notification, OrgUnit
from portal.notifications import notify

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_backup_and_restore_round_trip(persona, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "evidence").mkdir(parents=True)
    (settings.MEDIA_ROOT / "evidence" / "照片.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    user = persona("yicheng")
    notify([user], title="备份前的通知")
    audit_record(actor=user, action="test.before-backup", obj=OrgUnit.objects.get(code="yicheng"))
    audit_seal()
    before = (OrgUnit.objects.count(), Notification.objects.count(), AuditEntry.objects.count())

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive))
    assert archive.stat().st_size > 0

    # Things change (and are lost) after the backup …
    Notification.objects.all().delete()
    OrgUnit.objects.create(
        code="after", name="备份后新建", kind="department", parent=OrgUnit.objects.get(code="zmd")
    )
    (settings.MEDIA_ROOT / "evidence" / "照片.png").unlink()

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive))
    call_command("restore", str(archive), yes=True)
    connection.close()

    assert (OrgUnit.objects.count(), Notification.objects.count(), AuditEntry.objects.count()) == before
    assert not OrgUnit.objects.filter(code="after").exists()
    assert Notification.objects.get().title == "备份前的通知"
    assert (Path(settings.MEDIA_ROOT) / "evidence" / "照片.png").read_bytes().startswith(b"\x89PNG")
    assert audit_verify() == []


def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="找不到"):
        call_command("restore", str(tmp_path / "none.tar.gz"), yes=True)
