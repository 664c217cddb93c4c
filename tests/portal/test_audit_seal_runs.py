"""audit_seal hashes entries (it used a non-existent django.utils.timezone.UTC)."""

import pytest

from portal.audit import audit_record, audit_seal, audit_verify
from portal.models import AuditEntry


@pytest.mark.django_db
def test_seal_and_verify_a_fresh_chain():
    for i in range(3):
        audit_record(actor=None, action="test.seal", extra={"i": i})
    assert audit_seal() == 3
    assert AuditEntry.objects.filter(seal_hash__isnull=True).count() == 0
    assert audit_verify() == []
