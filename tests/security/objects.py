"""The objects the permission matrix requests: each app's demo data (`<app>/demo.py`, the same
data `make run` shows), then one object of each kind picked from county A (驿城区 `yicheng`) or
handling unit A (市住建局 `zjj`), so that county B (西平县) and unit B (供电公司) must get 404.

`build(app)` returns {object name: URL kwargs}; the matrix (tests/security/matrix.py) names the
object each pattern needs. An object the demo does not create is made here, small."""

from __future__ import annotations

import io
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone

from portal.models import Notification, OrgUnit, User
from portal.personas import PERSONAS, ensure_persona

MISSING = 999_999  # a primary key no row has: "nobody sees it"


def _m(label: str) -> Any:
    return apps.get_model(label)


def _pk(qs: Any) -> int:
    obj = qs.order_by("pk").first()
    assert obj is not None, f"the demo data has no {qs.model.__name__} for the matrix"
    return int(obj.pk)


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _portal() -> dict[str, dict[str, Any]]:
    yicheng = _user("yicheng")
    note = Notification.objects.create(recipient=yicheng, title="矩阵测试通知", body="", url="/")
    county = OrgUnit.objects.get(code="yicheng")
    return {"notification": {"pk": note.pk}, "orgunit": {"pk": county.pk}, "none": {}}


def _disaster() -> dict[str, dict[str, Any]]:
    Event = _m("disaster.Event")
    yc = OrgUnit.objects.get(code="yicheng")
    # The demo's event that concerns 驿城区 alone (the flood also concerns 西平县 and 上蔡县).
    event = next(
        e for e in Event.objects.order_by("pk") if {c.county_id for c in e.counties.all()} == {yc.pk}
    )
    report = _pk(_m("disaster.Report").objects.filter(county=yc))
    Attachment = _m("disaster.Attachment")
    att = Attachment.objects.create(
        event=event,
        county=yc,
        kind="description",
        file=ContentFile(b"%PDF-1.4 matrix\n", name="matrix.pdf"),
        original_name="说明.pdf",
        size=16,
        uploaded_by=_user("yicheng"),
    )
    Decision = _m("disaster.LevelChange")
    return {
        "event": {"pk": event.pk},
        "event-xlsx": {"pk": event.pk, "fmt": "xlsx"},
        "report": {"pk": report},
        "report-xlsx": {"pk": report, "fmt": "xlsx"},
        "attachment": {"pk": att.pk},
        "proposal": {"pk": _pk(_m("disaster.Proposal").objects.all())},
        "decision": {"pk": _pk(Decision.objects.all())},
        "task": {"pk": _pk(_m("disaster.ResponseTask").objects.all())},
        "verification": {"pk": _pk(_m("disaster.VerificationRequest").objects.all())},
        "allocation": {"pk": _pk(_m("disaster.FundAllocation").objects.filter(county=yc))},
        "receipt": {"pk": _pk(_m("disaster.FundReceipt").objects.all())},
        "account": {"pk": _pk(_m("disaster.FundAccount").objects.filter(county=yc))},
        "entry": {"pk": _pk(_m("disaster.FundEntry").objects.filter(account__county=yc))},
        "payment": {"pk": _pk(_m("disaster.AidPayment").objects.filter(county=yc))},
        "item": {"pk": _pk(_m("disaster.SupplyItem").objects.all())},
        "warehouse": {"pk": _pk(_m("disaster.Warehouse").objects.filter(owner=yc))},
        "movement": {"pk": _pk(_m("disaster.StockMovement").objects.filter(warehouse__owner=yc))},
        "supply-order": {"pk": _pk(_m("disaster.SupplyOrder").objects.filter(county=yc))},
        "obligation": {"pk": _pk(_m("disaster.ReplenishObligation").objects.all())},
        "shelter": {"pk": _pk(_m("disaster.Shelter").objects.filter(county=yc, managed_by=yc))},
        "programme": {"pk": _pk(_m("disaster.AidProgramme").objects.filter(county=yc))},
        "beneficiary": {"pk": _pk(_m("disaster.AidBeneficiary").objects.filter(county=yc))},
        "none": {},
    }


def _hotline() -> dict[str, dict[str, Any]]:
    Order = _m("hotline.Order")
    order = _pk(Order.objects.filter(lead_unit__code="zjj"))
    zjj = OrgUnit.objects.get(code="zjj")
    Question = _m("hotline.KnowledgeQuestion")
    question = Question.objects.create(
        question="矩阵测试：物业维修基金如何申请？",
        unit=zjj,
        asked_by=_user("operator"),
        due_at=timezone.now() + timedelta(days=3),
    )
    return {
        "order": {"pk": order},
        "order-act": {"pk": order, "action": "sign"},
        "call": {"pk": _pk(_m("hotline.CallRecord").objects.all())},
        "incident": {"pk": _pk(_m("hotline.Incident").objects.all())},
        "knowledge": {"pk": _pk(_m("hotline.KnowledgeEntry").objects.filter(owner_unit=zjj))},
        "question": {"pk": question.pk},
        "service": {"code": _m("hotline.Category").objects.order_by("pk").first().code},
        "request": {"pk": str(order)},
        "token": {"token": "matrix-unknown-token"},
        "xml": {"path": "services"},
        "none": {},
    }


def _subsidies() -> dict[str, dict[str, Any]]:
    yc = OrgUnit.objects.get(code="yicheng")
    ent = _pk(_m("subsidies.Enterprise").objects.filter(county=yc))
    app = _m("subsidies.Application").objects.filter(county=yc).order_by("pk").first()
    assert app is not None
    att = _m("subsidies.Attachment").objects.create(
        application=app,
        material="矩阵测试材料",
        file=ContentFile(b"%PDF-1.4 matrix\n", name="matrix.pdf"),
        original_name="材料.pdf",
        size=16,
        uploaded_by=_user("city_gxj"),
    )
    return {
        "enterprise": {"pk": ent},
        "enterprise-kind": {"pk": ent, "kind": "project"},
        "application": {"pk": app.pk},
        "application-action": {"pk": app.pk, "action": "dept_review"},
        "attachment": {"pk": app.pk, "att": att.pk},
        "none": {},
    }


def _assistance() -> dict[str, dict[str, Any]]:
    yc = OrgUnit.objects.get(code="yicheng")
    hh = _m("assistance.Household").objects.filter(county=yc, township__code="yicheng-t12").order_by("pk")
    household = hh.first()
    assert household is not None
    person = _pk(_m("assistance.Person").objects.filter(memberships__household=household))
    application = _pk(_m("assistance.Application").objects.filter(county=yc))
    warning = _pk(_m("assistance.Warning").objects.filter(county=yc))
    referral = _pk(_m("assistance.Referral").objects.filter(Q(warning__county=yc) | Q(pk__gt=0)))
    return {
        "household": {"pk": household.pk},
        "person": {"pk": person},
        "application": {"pk": application},
        "application-action": {"pk": application, "action": "review"},
        "warning": {"pk": warning},
        "warning-action": {"pk": warning, "action": "close"},
        "referral": {"pk": referral},
        "payment-list": {"pk": _pk(_m("assistance.PaymentList").objects.filter(county=yc))},
        "rescreen": {"pk": MISSING},
        "import-batch": {"pk": MISSING},
        "village": {"village_id": household.village_id},
        "none": {},
    }


def _supervision() -> dict[str, dict[str, Any]]:
    yc = OrgUnit.objects.get(code="yicheng")
    ob = _m("supervision.ReportObligation").objects.filter(unit=yc).order_by("pk").first()
    assert ob is not None
    report = _pk(_m("supervision.Report").objects.filter(unit=yc))
    evidence = _m("supervision.Evidence").objects.create(
        obligation=ob,
        file=ContentFile(b"%PDF-1.4 matrix\n", name="matrix.pdf"),
        original_name="佐证.pdf",
        size=16,
        sha256="0" * 64,
        content_type="application/pdf",
        uploaded_by=_user("yicheng"),
    )
    return {
        "task": {"pk": ob.task_id},
        "obligation": {"pk": ob.pk},
        "report": {"pk": report},
        "evidence": {"pk": evidence.pk},
        "none": {},
    }


def _admin() -> dict[str, dict[str, Any]]:
    from django.contrib.contenttypes.models import ContentType

    county = OrgUnit.objects.get(code="yicheng")
    return {
        "admin-object": {"object_id": str(county.pk)},  # pk 1-ish row of each table; most exist
        "admin-ct-object": {
            "content_type_id": ContentType.objects.get_for_model(OrgUnit).pk,
            "object_id": county.pk,
        },
        "admin-app": {"app_label": "portal"},
        "admin-url": {"url": "no-such-page/"},
        "admin-id": {"id": _user("yicheng").pk},
        "none": {},
    }


BUILDERS = {
    "admin": _admin,
    "portal": _portal,
    "disaster": _disaster,
    "hotline": _hotline,
    "subsidies": _subsidies,
    "assistance": _assistance,
    "supervision": _supervision,
}


def build(app: str) -> dict[str, dict[str, Any]]:
    for persona in PERSONAS:
        ensure_persona(persona)
    if app in ("disaster", "hotline", "subsidies", "assistance", "supervision"):
        import_module(f"{app}.demo").seed(stdout=io.StringIO())
    objects = BUILDERS.get(app, lambda: {"none": {}})()
    objects.setdefault("none", {})
    return objects
