from datetime import date

import pytest

from portal import rulesets
from portal.errors import RuleViolation
from portal.models import AuditEntry, RuleSet

SCHEMA = {
    "type": "object",
    "required": ["limit_hours"],
    "properties": {"limit_hours": {"type": "integer", "minimum": 1}, "note": {"type": "string"}},
    "additionalProperties": False,
}


@pytest.fixture(autouse=True)
def key():
    rulesets.register("test.limits", title="测试时限", schema=SCHEMA, source="测试")
    return "test.limits"


def test_versions_and_lookup_by_date(persona, key):
    admin = persona("admin")
    v1 = rulesets.ruleset_create_version(
        key=key, params={"limit_hours": 24}, valid_from=date(2024, 1, 1), reason="默认值", actor=admin
    )
    v2 = rulesets.ruleset_create_version(
        key=key,
        params={"limit_hours": 12},
        valid_from=date(2025, 1, 1),
        valid_to=date(2025, 12, 31),
        reason="新规",
        actor=admin,
    )
    assert (v1.version, v2.version) == (1, 2)
    assert rulesets.ruleset_in_force(key, date(2024, 6, 1)).pk == v1.pk
    assert rulesets.ruleset_in_force(key, date(2025, 6, 1)).pk == v2.pk
    assert rulesets.ruleset_in_force(key, date(2025, 12, 31)).pk == v2.pk  # valid_to is inclusive
    assert rulesets.ruleset_in_force(key, date(2026, 1, 1)).pk == v1.pk  # v2 ended, v1 still open
    with pytest.raises(rulesets.RuleSetMissing):
        rulesets.ruleset_in_force(key, date(2023, 12, 31))
    assert v2.as_ref() == {"key": key, "version": 2, "valid_from": "2025-01-01"}
    entry = AuditEntry.objects.filter(action="portal.ruleset.create_version").order_by("-id").first()
    assert entry.before == {"limit_hours": 24} and entry.after == {"limit_hours": 12}


def test_bad_params_and_missing_reason_are_refused(persona, key):
    admin = persona("admin")
    with pytest.raises(RuleViolation) as exc:
        rulesets.ruleset_create_version(
            key=key, params={"limit_hours": 0}, valid_from=date(2024, 1, 1), reason="x", actor=admin
        )
    assert "limit_hours" in exc.value.errors["params"][0]
    with pytest.raises(RuleViolation) as exc:
        rulesets.ruleset_create_version(
            key=key, params={"limit_hours": 5}, valid_from=date(2024, 1, 1), reason="  ", actor=admin
        )
    assert exc.value.errors == {"reason": ["请填写修改原因"]}
    with pytest.raises(RuleViolation):
        rulesets.ruleset_create_version(
            key="no.such.key", params={}, valid_from=date(2024, 1, 1), reason="x", actor=admin
        )
    assert not RuleSet.objects.filter(key=key).exists()


def test_diff_and_flatten():
    assert rulesets.diff({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}, "d": 4}) == [
        ("a.c", 2, 3),
        ("d", None, 4),
    ]


def test_admin_saves_a_new_version_and_compares(web, key):
    client = web("admin")
    response = client.post(
        "/admin/portal/ruleset/add/",
        {
            "key": key,
            "valid_from": "2024-01-01",
            "params_json": '{"limit_hours": 24}',
            "reason": "默认值",
            "source": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(
        "/admin/portal/ruleset/add/",
        {
            "key": key,
            "valid_from": "2025-01-01",
            "params_json": '{"limit_hours": 48}',
            "reason": "放宽",
            "source": "",
        },
    )
    assert response.status_code == 302
    assert list(RuleSet.objects.filter(key=key).values_list("version", flat=True).order_by("version")) == [
        1,
        2,
    ]
    bad = client.post(
        "/admin/portal/ruleset/add/",
        {
            "key": key,
            "valid_from": "2025-01-01",
            "params_json": '{"limit_hours": "many"}',
            "reason": "坏值",
        },
    )
    assert bad.status_code == 200 and "limit_hours" in bad.content.decode()
    page = client.get("/admin/portal/ruleset/compare/", {"key": key}).content.decode()
    assert "limit_hours" in page and "放宽" in page and "48" in page
    v1 = RuleSet.objects.get(key=key, version=1)
    form = client.get(f"/admin/portal/ruleset/add/?from={v1.pk}").content.decode()
    assert "limit_hours" in form
