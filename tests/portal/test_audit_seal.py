import pytest

from portal.audit import audit_record, audit_seal, audit_verify


@pytest.mark.django_db
def test_sealing_and_verifying_do_not_crash(persona):
    audit_record(actor=persona("admin"), action="portal.test.seal", extra={"n": 1})
    assert audit_seal() >= 1
    assert audit_verify() == []  # the chain re-checks intact
