from unittest import mock

import pytest
from django.core import mail

from portal.models import Notification, OutboxMessage
from portal.notifications import notify, unit_recipients
from portal.notifications.outbox import outbox_dispatch
from portal.notifications.sms import MemorySMSBackend


@pytest.fixture(autouse=True)
def _clear_sms():
    MemorySMSBackend.outbox.clear()


def test_notify_dedupes_and_writes_outbox(persona, unit):
    user = persona("yicheng")
    assert [u.username for u in unit_recipients(unit("yicheng"))] == ["yicheng"]
    for _ in range(2):
        notify(
            [user],
            title="请报送续报",
            body="截止 09:00",
            url="/deadlines/",
            dedupe_key="x:1",
            email=True,
            sms=True,
        )
    assert Notification.objects.filter(recipient=user).count() == 1
    assert OutboxMessage.objects.filter(channel="email").count() == 1
    assert OutboxMessage.objects.filter(channel="sms").count() == 1
    assert outbox_dispatch() == {"sent": 2, "failed": 0}
    assert mail.outbox[0].subject == "请报送续报"
    assert MemorySMSBackend.outbox == [(user.phone, "请报送续报 截止 09:00")]
    assert outbox_dispatch() == {"sent": 0, "failed": 0}  # nothing sent twice


def test_failed_delivery_is_retried_later(persona):
    user = persona("xiping")
    notify([user], title="紧急", dedupe_key="y", sms=True)
    with mock.patch.object(MemorySMSBackend, "send", side_effect=ConnectionError("gateway down")):
        assert outbox_dispatch() == {"sent": 0, "failed": 1}
    message = OutboxMessage.objects.get()
    assert message.status == "pending" and message.attempts == 1 and "gateway down" in message.last_error
    assert message.next_attempt_at is not None


def test_bell_list_and_read(persona, web):
    user = persona("yicheng")
    notify([user], title="新工单待签收", url="/deadlines/")
    client = web("yicheng")
    assert "新工单待签收" in client.get("/notifications/bell/").content.decode()
    note = Notification.objects.get(recipient=user)
    response = client.get(f"/notifications/{note.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/deadlines/"
    note.refresh_from_db()
    assert note.read_at is not None
    # Someone else's notification is not found.
    assert web("xiping").get(f"/notifications/{note.pk}/read/").status_code == 404


def test_notification_links_never_leave_the_site(persona, web):
    user = persona("yicheng")
    notify([user], title="外链", url="//evil.example/")
    note = Notification.objects.get(recipient=user)
    assert web("yicheng").get(f"/notifications/{note.pk}/read/")["Location"] == "/notifications/"


def test_read_all(persona, web):
    user = persona("yicheng")
    notify([user], title="一")
    notify([user], title="二")
    web("yicheng").post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
