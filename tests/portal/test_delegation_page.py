from portal.access import has_role
from portal.models import AuditEntry, Delegation, Membership, User


def test_role_holder_names_a_deputy_and_revokes(web, persona):
    principal = persona("jzw_office_deputy")
    persona("city_yjj")
    client = web("jzw_office_deputy")
    membership = Membership.objects.get(user=principal, role_id="dr_office_deputy")
    page = client.get("/delegations/").content.decode()
    assert "市减灾委办公室副主任" in page
    response = client.post(
        "/delegations/",
        {
            "membership": membership.pk,
            "deputy": "city_yjj",
            "starts_at": "2020-01-01T00:00",
            "ends_at": "2099-01-01T00:00",
            "reason": "出差期间夜间值守",
        },
    )
    assert response.status_code == 302
    deputy = User.objects.get(username="city_yjj")
    assert has_role(deputy, "dr_office_deputy")
    assert AuditEntry.objects.filter(action="portal.delegation.create", actor=principal).exists()
    delegation = Delegation.objects.get()
    assert "出差期间夜间值守" in web("city_yjj").get("/delegations/").content.decode()
    # Nobody else can revoke it; the principal can.
    assert web("city_yjj").post("/delegations/", {"revoke": delegation.pk}).status_code == 404
    client.post("/delegations/", {"revoke": delegation.pk})
    assert not has_role(User.objects.get(username="city_yjj"), "dr_office_deputy")


def test_bad_input_keeps_what_was_entered(web, persona):
    principal = persona("jzw_director")
    membership = Membership.objects.get(user=principal)
    response = web("jzw_director").post(
        "/delegations/",
        {
            "membership": membership.pk,
            "deputy": "nobody-here",
            "starts_at": "2030-01-02T08:00",
            "ends_at": "2030-01-01T08:00",
            "reason": "会议",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "找不到该用户" in page
    assert 'value="会议"' in page and "nobody-here" in page
    assert not Delegation.objects.exists()


def test_window_order_is_checked(web, persona):
    principal = persona("jzw_director")
    persona("jzw_deputy")
    membership = Membership.objects.get(user=principal)
    response = web("jzw_director").post(
        "/delegations/",
        {
            "membership": membership.pk,
            "deputy": "jzw_deputy",
            "starts_at": "2030-01-02T08:00",
            "ends_at": "2030-01-01T08:00",
            "reason": "会议",
        },
    )
    assert "结束时间必须晚于开始时间" in response.content.decode()
    assert not Delegation.objects.exists()
