"""Report submission: whole, idempotent, immutable; corrections; checks; the aggregation table."""

import random
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction

from disaster.models import CurrentFigures, MissingPersonChange, Report, ReportDraft, ReportRow
from disaster.rules.aggregate import ReportIn, aggregate
from disaster.rules.indicators import ALL_FIELDS
from disaster.services import reports as rsvc
from portal.errors import InvalidTransition, RuleViolation
from portal.models import AuditEntry, OrgUnit
from tests.disaster.conftest import rows_for, towns

pytestmark = pytest.mark.django_db

GOOD = {"affected": 100, "relocated_rt": 30, "relocated_cum": 40, "housed_rt": 10, "housed_cum": 20}


def test_submission_stores_the_whole_report_and_audits_it(clock, open_event, submit):
    event = open_event("yicheng")
    report = submit(
        event, "yicheng", "initial", rows_for("yicheng", t1=GOOD, t2={"affected": 5, "deaths": 1})
    )
    assert report.kind == "initial" and report.seq == 1 and report.version == 1
    assert report.row_count == 2 and ReportRow.objects.filter(report=report).count() == 2
    assert report.totals["affected"] == "105" and report.totals["deaths"] == "1"
    assert report.reported_at == report.submitted_at
    entry = AuditEntry.objects.get(action="disaster.report.submit")
    assert entry.object_id == str(report.pk) and entry.after["rows"] == 2


def test_a_retried_submission_with_the_same_token_files_once(clock, open_event, submit):
    event = open_event("yicheng")
    first = submit(event, "yicheng", "initial", rows_for("yicheng", t1=GOOD), client_token="abc123")
    again = submit(event, "yicheng", "initial", rows_for("yicheng", t1=GOOD), client_token="abc123")
    assert again.pk == first.pk
    assert Report.objects.count() == 1


def test_an_inconsistent_row_is_refused_with_chinese_field_messages_and_nothing_saved(
    clock, open_event, submit
):
    event = open_event("yicheng")
    t1 = towns("yicheng")[0]
    bad = {"affected": 100, "relocated_rt": 10, "relocated_cum": 20, "housed_rt": 15, "housed_cum": 15}
    with pytest.raises(RuleViolation) as exc:
        submit(event, "yicheng", "initial", {t1.pk: bad})
    assert f"rows.{t1.pk}.housed_rt" in exc.value.errors
    assert (
        "集中安置人口实时值 15 人超过紧急转移安置人口实时值 10 人"
        in exc.value.errors[f"rows.{t1.pk}.housed_rt"][0]
    )
    assert Report.objects.count() == 0 and CurrentFigures.objects.count() == 0


def test_townships_of_another_county_are_refused(clock, open_event, submit):
    event = open_event("yicheng", "xiping")
    with pytest.raises(RuleViolation) as exc:
        submit(event, "yicheng", "initial", {towns("xiping")[0].pk: GOOD})
    assert "不属于驿城区" in exc.value.errors["rows"][0]


def test_a_county_cannot_file_for_another(clock, open_event, submit):
    event = open_event("yicheng", "xiping")
    with pytest.raises(PermissionDenied):
        submit(event, "yicheng", "initial", rows_for("yicheng", t1=GOOD), by="xiping")
    with pytest.raises(PermissionDenied):
        submit(event, "yicheng", "initial", rows_for("yicheng", t1=GOOD), by="city_yjj")


def test_a_county_without_townships_files_one_county_row(clock, open_event, submit, persona):
    event = open_event("shangcai")
    shangcai = OrgUnit.objects.get(code="shangcai")
    assert rsvc.townships_of(shangcai) == [shangcai]
    persona("admin")
    report = rsvc.report_submit(
        event=event, county=shangcai, kind="initial", rows={shangcai.pk: GOOD}, actor=persona("admin")
    )
    assert report.rows.get().township_id == shangcai.pk


def test_kind_follows_the_state(clock, open_event, submit, persona):
    from disaster.services.events import event_declare_stable

    event = open_event("yicheng")
    with pytest.raises(InvalidTransition, match="请先报送初报"):
        submit(event, "yicheng", "continuing", rows_for("yicheng", t1=GOOD))
    with pytest.raises(InvalidTransition, match="灾情稳定"):
        submit(event, "yicheng", "verified", rows_for("yicheng", t1=GOOD))
    submit(event, "yicheng", "initial", rows_for("yicheng", t1=GOOD))
    with pytest.raises(InvalidTransition, match="已报送初报"):
        submit(event, "yicheng", "initial", rows_for("yicheng", t1=GOOD))
    event_declare_stable(event=event, actor=persona("city_yjj"))
    with pytest.raises(InvalidTransition, match="核报"):
        submit(event, "yicheng", "continuing", rows_for("yicheng", t1=GOOD))
    submit(event, "yicheng", "verified", rows_for("yicheng", t1=GOOD))
    with pytest.raises(InvalidTransition, match="更正核报"):
        submit(event, "yicheng", "verified", rows_for("yicheng", t1=GOOD))


def test_cumulative_may_not_fall_except_in_a_correction(clock, open_event, submit):
    event = open_event("yicheng")
    first = submit(event, "yicheng", "initial", rows_for("yicheng", t1=GOOD))
    lower = {**GOOD, "relocated_rt": 5, "relocated_cum": 35, "housed_rt": 5, "housed_cum": 20}
    with pytest.raises(RuleViolation) as exc:
        submit(event, "yicheng", "continuing", rows_for("yicheng", t1=lower))
    assert any("只增不减" in m for msgs in exc.value.errors.values() for m in msgs)
    with pytest.raises(RuleViolation, match="更正原因"):
        submit(event, "yicheng", "initial", rows_for("yicheng", t1=lower), supersedes=first)
    fixed = submit(
        event,
        "yicheng",
        "initial",
        rows_for("yicheng", t1=lower),
        supersedes=first,
        correction_reason="重复统计",
    )
    assert (fixed.seq, fixed.version, fixed.supersedes_id) == (1, 2, first.pk)
    assert fixed.title == "初报（更正第1次）"
    with pytest.raises(InvalidTransition, match="最新版本"):
        submit(
            event,
            "yicheng",
            "initial",
            rows_for("yicheng", t1=GOOD),
            supersedes=first,
            correction_reason="再改",
        )
    assert CurrentFigures.objects.get().relocated_cum == 35


def test_missing_may_fall_only_with_a_reason_per_person(clock, open_event, submit):
    event = open_event("yicheng")
    t1 = towns("yicheng")[0]
    submit(event, "yicheng", "initial", {t1.pk: {"affected": 10, "missing": 3}})
    with pytest.raises(RuleViolation) as exc:
        submit(event, "yicheng", "continuing", {t1.pk: {"affected": 10, "missing": 1, "deaths": 1}})
    assert "须逐人填写减少原因" in exc.value.errors[f"rows.{t1.pk}.missing"][0]
    changes = [
        {"township": t1.pk, "name": "王某", "outcome": "found_alive"},
        {"township": t1.pk, "name": "李某", "outcome": "confirmed_dead", "note": "公安部门确认"},
    ]
    report = submit(
        event,
        "yicheng",
        "continuing",
        {t1.pk: {"affected": 10, "missing": 1, "deaths": 1}},
        missing_changes=changes,
    )
    assert list(MissingPersonChange.objects.filter(report=report).values_list("name", "outcome")) == [
        ("王某", "found_alive"),
        ("李某", "confirmed_dead"),
    ]


def test_submitted_reports_and_rows_cannot_be_updated(clock, open_event, submit):
    event = open_event("yicheng")
    report = submit(event, "yicheng", "initial", rows_for("yicheng", t1=GOOD))
    with pytest.raises(DatabaseError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(description="改过")
    with pytest.raises(DatabaseError), transaction.atomic():
        ReportRow.objects.filter(report=report).update(deaths=99)
    report.refresh_from_db()
    assert report.description == "" and report.rows.get().deaths == 0


def test_submission_attaches_draft_uploads_and_clears_the_draft(clock, open_event, submit, persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    event = open_event("yicheng")
    county = OrgUnit.objects.get(code="yicheng")
    rsvc.draft_save(event=event, county=county, data={"rows": {}}, actor=persona("yicheng"))
    photo = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    attachment = rsvc.attachment_add(
        event=event, county=county, kind="photo", upload=photo, actor=persona("yicheng")
    )
    report = submit(event, "yicheng", "initial", rows_for("yicheng", t1=GOOD))
    attachment.refresh_from_db()
    assert attachment.report_id == report.pk and len(attachment.sha256) == 64
    assert not ReportDraft.objects.exists()
    with pytest.raises(RuleViolation, match="类型不被接受"):
        rsvc.attachment_add(
            event=event,
            county=county,
            kind="photo",
            actor=persona("yicheng"),
            upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4", content_type="application/pdf"),
        )
    with pytest.raises(RuleViolation, match="类型不被接受"):
        rsvc.attachment_add(
            event=event,
            county=county,
            kind="other",
            actor=persona("yicheng"),
            upload=SimpleUploadedFile("a.exe", b"MZ", content_type="application/x-msdownload"),
        )


def test_verified_report_needs_three_photos_once_a_response_was_active(clock, open_event, submit, persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from disaster.models import Proposal
    from disaster.services.events import event_declare_stable
    from disaster.services.response import proposal_decide

    event = open_event("yicheng")
    submit(
        event,
        "yicheng",
        "initial",
        rows_for("yicheng", t1={"affected": 6000, "needing_aid_rt": 5000, "needing_aid_cum": 5000}),
    )
    proposal_decide(
        proposal=Proposal.objects.get(), approve=True, reason="同意", actor=persona("jzw_office_deputy")
    )
    event_declare_stable(event=event, actor=persona("city_yjj"))
    with pytest.raises(RuleViolation, match="至少 3 张现场照片"):
        submit(
            event, "yicheng", "verified", rows_for("yicheng", t1={"affected": 6000, "needing_aid_cum": 5000})
        )
    county = OrgUnit.objects.get(code="yicheng")
    for i in range(3):
        rsvc.attachment_add(
            event=event,
            county=county,
            kind="photo",
            actor=persona("yicheng"),
            upload=SimpleUploadedFile(
                f"{i}.png", b"\x89PNG\r\n\x1a\n" + bytes([i]) * 20, content_type="image/png"
            ),
        )
    assert (
        submit(
            event, "yicheng", "verified", rows_for("yicheng", t1={"affected": 6000, "needing_aid_cum": 5000})
        ).kind
        == "verified"
    )


def _replay(event):
    reports = [
        ReportIn(
            id=r.pk,
            county=r.county_id,
            seq=r.seq,
            supersedes=r.supersedes_id,
            rows={row.township_id: {f: getattr(row, f) for f in ALL_FIELDS} for row in r.rows.all()},
        )
        for r in Report.objects.filter(event=event).prefetch_related("rows")
    ]
    return aggregate(reports)


def test_the_maintained_aggregation_equals_the_pure_rule(clock, open_event, submit):
    """Random series of reports and corrections: CurrentFigures always equals disaster.rules.aggregate."""
    rng = random.Random(7)
    event = open_event("yicheng", "xiping")
    level = {t.pk: 0 for code in ("yicheng", "xiping") for t in towns(code)}
    series: dict[str, list[Report]] = {"yicheng": [], "xiping": []}

    def rows(code):
        out = {}
        for t in rng.sample(towns(code), 4):
            level[t.pk] += rng.randint(0, 50)
            cum = level[t.pk]
            out[t.pk] = {
                "affected": cum * 2,
                "relocated_rt": rng.randint(0, cum),
                "relocated_cum": cum,
                "direct_loss": f"{cum}.50",
            }
        return out

    for step in range(24):
        code = rng.choice(["yicheng", "xiping"])
        clock.shift(timedelta(minutes=30))
        if series[code] and rng.random() < 0.3:
            current = [r for r in series[code] if not Report.objects.filter(supersedes=r).exists()]
            target = rng.choice(current)
            corrected = {t: {**v, "affected": v["affected"] + 1} for t, v in rows(code).items()}
            series[code].append(
                submit(
                    event, code, target.kind, corrected, supersedes=target, correction_reason=f"更正 {step}"
                )
            )
        else:
            kind = "continuing" if series[code] else "initial"
            series[code].append(submit(event, code, kind, rows(code)))
        expected = _replay(event)
        stored = {cf.township_id: cf for cf in CurrentFigures.objects.filter(event=event)}
        assert set(stored) == set(expected.townships)
        for township, values in expected.townships.items():
            assert stored[township].report_id == values["report"]
            for f in ALL_FIELDS:
                assert getattr(stored[township], f) == values[f], (step, township, f)
