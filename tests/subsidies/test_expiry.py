"""Warnings 180 and 30 days before a policy document expires."""

from __future__ import annotations

from datetime import date

import pytest

from portal.models import Notification, RuleSet
from portal.rulesets import ruleset_create_version
from subsidies.rules.catalogue import KEY_A
from subsidies.services.expiry import policy_expiry_warn

pytestmark = pytest.mark.django_db


def test_no_warning_181_days_before(gxj, czj):
    assert policy_expiry_warn(today=date(2026, 12, 11)) == []
    assert not Notification.objects.filter(title__contains="政策即将到期").exists()


def test_warning_180_days_before_once_then_30_days_before(gxj, czj, wgly):
    assert policy_expiry_warn(today=date(2026, 12, 12)) == [("A", 180)]
    note = Notification.objects.get(recipient=gxj, title__contains="政策即将到期")
    assert "2027-06-10" in note.title and "剩余 180 天" in note.title and note.level == "warning"
    assert Notification.objects.filter(recipient=czj, title__contains="政策即将到期").exists()
    assert not Notification.objects.filter(recipient=wgly).exists()  # culture-tourism has no end date
    assert policy_expiry_warn(today=date(2026, 12, 13)) == []  # once per threshold
    assert policy_expiry_warn(today=date(2027, 5, 10)) == []
    assert policy_expiry_warn(today=date(2027, 5, 11)) == [("A", 30)]
    urgent = Notification.objects.get(recipient=gxj, title__contains="剩余 30 天")
    assert urgent.level == "urgent"
    assert policy_expiry_warn(today=date(2027, 6, 11)) == []  # expired: nothing more to warn


def test_a_late_first_run_sends_only_the_tightest_warning(gxj):
    assert policy_expiry_warn(today=date(2027, 6, 1)) == [("A", 30)]
    assert Notification.objects.filter(recipient=gxj, title__contains="政策即将到期").count() == 1


def test_an_extended_policy_warns_again_before_the_new_end(gxj, persona):
    v1 = RuleSet.objects.get(key=KEY_A, version=1)
    ruleset_create_version(
        key=KEY_A,
        params=v1.params,
        valid_from=date(2027, 6, 11),
        valid_to=date(2028, 6, 10),
        reason="延续一年",
        actor=persona("admin"),
    )
    assert policy_expiry_warn(today=date(2026, 12, 12)) == []
    assert policy_expiry_warn(today=date(2027, 12, 13)) == [("A", 180)]
