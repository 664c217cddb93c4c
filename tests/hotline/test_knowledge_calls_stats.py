"""Knowledge base (Chinese full-text search on SQLite and PostgreSQL, stale entries, versions,
questions with deadlines, public self-service), the call log and callback queue, dashboards."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from hotline import selectors
from hotline.models import CallRecord, KnowledgeEntry, KnowledgeQuestion
from hotline.search import tokenize
from hotline.services import knowledge as kb
from hotline.services.calls import call_callback, calls_import
from hotline.services.common import DL_KNOWLEDGE
from portal.errors import InvalidTransition, RuleViolation
from portal.models import AuditEntry, Deadline, Notification
from tests.hotline.conftest import sh

ENTRIES = [
    (
        "住房公积金怎么提取？",
        "职工购买、建造、翻建、大修自住住房的，可以提取住房公积金账户内的存储余额。",
        "zjj",
    ),
    (
        "夜间施工噪音扰民怎么办？",
        "夜间22时至次日6时禁止进行产生环境噪声污染的建筑施工作业，可向住建部门投诉。",
        "zjj",
    ),
    (
        "停电后多久恢复供电？",
        "计划停电会提前公告；故障停电请拨打95598报修，抢修人员到达现场时限城区45分钟。",
        "power",
    ),
    ("医保异地就医如何备案？", "参保人员可通过国家医保服务平台App办理异地就医备案。", "zjj"),
]


@pytest.fixture
def entries(people, units):
    return [
        kb.entry_create(actor=people["admin"], question=q, answer=a, owner_unit=units[u])
        for q, a, u in ENTRIES
    ]


def test_tokenize_segments_chinese_without_spaces():
    terms = tokenize("住房公积金怎么提取")
    assert "公积金" in terms and "提取" in terms and "怎么" not in terms
    assert tokenize("") == [] and tokenize("，。！") == []


def test_search_ranks_by_relevance_in_chinese(entries, people):
    results = selectors.knowledge_search(people["operator"], "我想提取公积金买房")
    assert results[0][0].question == "住房公积金怎么提取？"
    assert results[0][1] > (results[1][1] if len(results) > 1 else 0)
    noise = selectors.knowledge_search(people["operator"], "工地晚上太吵了，施工噪音")
    assert noise[0][0].question == "夜间施工噪音扰民怎么办？"
    power = selectors.knowledge_search(people["operator"], "家里停电了")
    assert power[0][0].owner_unit.code == "power"
    assert selectors.knowledge_search(people["operator"], "量子计算机") == []


def test_revision_makes_a_new_version_and_reindexes(entries, people):
    first = entries[0]
    new = kb.entry_revise(
        entry=first,
        actor=people["admin"],
        question=first.question,
        answer="2024年起可线上办理提取：登录住房公积金App。",
    )
    assert new.version == 2 and new.previous == first
    first.refresh_from_db()
    assert first.active is False
    results = selectors.knowledge_search(people["operator"], "公积金 App 线上")
    assert results[0][0].pk == new.pk and all(e.pk != first.pk for e, _ in results)
    with pytest.raises(InvalidTransition):
        kb.entry_revise(entry=first, actor=people["admin"], question="x", answer="y")
    with pytest.raises(RuleViolation):
        kb.entry_create(actor=people["admin"], question="", answer="", owner_unit=None)


def test_stale_entries_flagged_and_review_moves_the_date(people, units, frozen):
    with frozen("2024-06-01T09:00"):
        entry = kb.entry_create(
            actor=people["admin"],
            question="住房公积金怎么提取？",
            answer="按规定提取",
            owner_unit=units["zjj"],
        )
    assert entry.review_due == date(2025, 6, 1)  # 12 months (rule set hotline.knowledge)
    assert not entry.is_stale(date(2025, 6, 1)) and entry.is_stale(date(2025, 6, 2))
    with frozen("2025-06-02T09:00"):
        assert [e.pk for e in selectors.stale_entries(people["operator"])] == [entry.pk]
        kb.entry_mark_reviewed(entry=entry, actor=people["clerk_zjj"])
        assert list(selectors.stale_entries(people["operator"])) == []
    entry.refresh_from_db()
    assert entry.review_due == date(2026, 6, 2)
    assert AuditEntry.objects.filter(action="hotline.knowledge.review").exists()


def test_knowledge_question_with_deadline(entries, people, units, frozen, web):
    with frozen("2024-09-12T10:00"):
        q = kb.question_ask(
            actor=people["supervisor"],
            unit=units["zjj"],
            question="新出台的租房提取政策口径？",
            entry=entries[0],
        )
    assert q.due_at == sh("2024-09-21T00:00")  # 5 working days: 9/13, 9/14 (adjusted), 9/18, 9/19, 9/20
    deadline = Deadline.objects.get(kind=DL_KNOWLEDGE)
    assert deadline.due_at == q.due_at and deadline.responsible_unit == units["zjj"]
    assert Notification.objects.filter(recipient=people["clerk_zjj"], title__contains="知识库问题").exists()
    assert web("clerk_power").get(f"/hotline/knowledge/questions/{q.pk}/").status_code == 404
    r = web("clerk_zjj").post(
        f"/hotline/knowledge/questions/{q.pk}/", {"answer": "租房提取每月不超过1500元", "publish": "on"}
    )
    assert r.status_code == 302
    q.refresh_from_db()
    assert q.state == KnowledgeQuestion.State.ANSWERED and q.resulting_entry.version == 2
    assert Deadline.objects.get(kind=DL_KNOWLEDGE).status == "met"
    with pytest.raises(InvalidTransition):
        kb.question_answer(question=q, actor=people["clerk_zjj"], answer="again")


def test_knowledge_pages(entries, web, people, units):
    html = web("clerk_power").get("/hotline/knowledge/?q=公积金提取").content.decode()
    assert "住房公积金怎么提取" in html
    r = web("clerk_power").post(
        "/hotline/knowledge/new/",
        {
            "question": "电费怎么交",
            "answer": "网上国网App缴纳",
            "owner_unit": units["zjj"].pk,
            "public": "on",
        },
    )
    assert r.status_code == 400 and "只能为本单位" in r.content.decode()
    r = web("clerk_power").post(
        "/hotline/knowledge/new/",
        {
            "question": "电费怎么交",
            "answer": "网上国网App缴纳",
            "owner_unit": units["power"].pk,
            "public": "on",
        },
    )
    assert r.status_code == 302
    zjj_entry = entries[0]
    assert web("clerk_power").get(f"/hotline/knowledge/{zjj_entry.pk}/edit/").status_code == 403
    r = web("clerk_zjj").post(
        f"/hotline/knowledge/{zjj_entry.pk}/edit/",
        {"question": zjj_entry.question, "answer": "新口径", "owner_unit": units["zjj"].pk},
    )
    assert r.status_code == 302
    assert web("outsider").get("/hotline/knowledge/").status_code == 403


def test_public_self_service_page_needs_no_login_and_shows_public_entries_only(entries, client, people):
    KnowledgeEntry.objects.filter(pk=entries[1].pk).update(public=False)
    html = client.get("/hotline/kb/?q=噪音 施工").content.decode()
    assert "夜间施工噪音扰民" not in html and "没有找到相关答复" in html
    html = client.get("/hotline/kb/?q=公积金").content.decode()
    assert "住房公积金怎么提取" in html and "自助查询" in html


CSV = """call_id,caller,start_time,answer_time,end_time,agent
C1,13800000001,2024-11-05 09:00:00,2024-11-05 09:00:05,2024-11-05 09:03:00,A01
C2,13800000002,2024-11-05 09:01:00,,2024-11-05 09:02:00,
C3,13800000003,2024-11-05 08:59:00,,2024-11-05 09:00:00,
C4,13800000002,2024-11-05 09:30:00,2024-11-05 09:30:30,2024-11-05 09:35:00,A02
C5,13800000004,2024-11-05 09:40:00,2024-11-05 09:40:10,,A01
"""


def test_call_import_queue_and_connect_rate(people, web):
    result = calls_import(data=CSV.encode("utf-8-sig"), actor=people["operator"])
    assert (result.created, result.missed, result.errors) == (5, 2, [])
    # C2's caller got through later (C4): no callback needed; C3 stays in the queue
    assert CallRecord.objects.get(external_id="C2").callback_state == "superseded"
    queue = list(CallRecord.objects.filter(callback_state="pending").order_by("started_at"))
    assert [c.external_id for c in queue] == ["C3"]
    again = calls_import(data=CSV.encode(), actor=people["operator"])
    assert (again.created, again.skipped) == (0, 5)
    from hotline.stats import Period, service_standards

    readings = {r.key: r for r in service_standards(Period(date(2024, 11, 5), date(2024, 11, 5)))}
    assert str(readings["connect_rate"].value) == "0.6000" and readings["connect_rate"].met is False
    assert str(readings["answer_speed"].value) == "0.6667"  # 2 of 3 answered within 15 s
    c3 = queue[0]
    with pytest.raises(RuleViolation):
        call_callback(call=c3, actor=people["operator"], reached=False)
    call_callback(call=c3, actor=people["operator"], reached=True, note="已回拨，已受理")
    with pytest.raises(InvalidTransition):
        call_callback(call=c3, actor=people["operator"], reached=True)


def test_call_import_errors_import_nothing(people):
    bad = "call_id,caller,start_time\nX1,abc,2024-11-05 09:00\nX2,13800000001,昨天\n"
    result = calls_import(data=bad.encode(), actor=people["operator"])
    assert result.created == 0 and len(result.errors) == 2
    assert "第 2 行" in result.errors[0] and "第 3 行" in result.errors[1]
    assert calls_import(data=b"foo,bar\n1,2\n", actor=people["operator"]).errors[0].startswith("缺少列")
    chinese = "话单编号,来电号码,来电时间,接通时间\nZ1,13800000009,2024-11-05 10:00,\n".encode("gb18030")
    assert calls_import(data=chinese, actor=people["operator"]).created == 1


def test_calls_page_import_and_callback(web, people, frozen):
    client = web("operator")
    upload = io.BytesIO(CSV.encode())
    upload.name = "calls.csv"
    r = client.post("/hotline/calls/import/", {"file": upload})
    assert r.status_code == 302
    with frozen("2024-11-05T18:00"):  # the page shows today's and this week's figures
        page = client.get("/hotline/calls/").content.decode()
        assert "13800000003" in page and "24小时接通率" in page and "60.00%" in page
        c3 = CallRecord.objects.get(external_id="C3")
        assert client.post(f"/hotline/calls/{c3.pk}/callback/", {"reached": "1"}).status_code == 302
        assert CallRecord.objects.get(pk=c3.pk).callback_state == "done"
        bad = io.BytesIO(b"call_id,caller,start_time\nX,bad,bad\n")
        bad.name = "bad.csv"
        r = client.post("/hotline/calls/import/", {"file": bad})
        assert r.status_code == 400 and "第 2 行" in r.content.decode()
        assert web("clerk_zjj").post(f"/hotline/calls/{c3.pk}/callback/", {"reached": "1"}).status_code == 404


def test_unit_ranking_figures(make_order, people, units, frozen):
    from hotline import services
    from hotline.stats import Period, unit_ranking

    with frozen("2024-11-04T09:00"):
        make_order("closed", kind="consultation")  # on time, satisfied
        late = make_order("signed", kind="consultation")
        returned = make_order("signed", kind="consultation", lead=units["cgj"])
        services.order_return(order=returned, actor=people["admin"], reason="r", basis="b")
    with frozen("2024-11-20T09:00"):
        services.order_reply(order=late, actor=people["clerk_zjj"], content="迟到的答复")
        services.order_callback(order=late, actor=people["supervisor"], satisfied=False)
    ranking = {u.code: (s, f) for u, s, f in unit_ranking(Period(date(2024, 11, 1), date(2024, 11, 30)))}
    zjj_score, zjj = ranking["zjj"]
    assert (zjj.dispatched, zjj.replied, zjj.replied_on_time, zjj.callbacks, zjj.satisfied) == (2, 2, 1, 2, 1)
    assert str(zjj_score.on_time_rate) == "0.5000" and str(zjj_score.satisfaction_rate) == "0.5000"
    assert str(zjj_score.score) == "65.00"  # 100 × (0.4×0.5 + 0.3×1 + 0.3×0.5)
    cgj_score, cgj = ranking["cgj"]
    assert cgj.returned == 1 and str(cgj_score.return_rate) == "1.0000"


def test_stats_page_and_ranking_export(web, make_order, people):
    make_order("closed")
    make_order("received", kind="complaint")
    page = web("supervisor").get("/hotline/stats/")
    html = page.content.decode()
    assert page.status_code == 200 and "承办单位排名" in html and "市住房和城乡建设局" in html
    assert "data-chart=" in html and "vendor/chart.umd.js" in html
    r = web("supervisor").get("/hotline/stats/ranking.xlsx?purpose=绩效考核&scope=市政府办公室")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][0].startswith("用途：绩效考核") and rows[1][1] == "承办单位"
    assert rows[2][1] == "市住房和城乡建设局"
    assert web("supervisor").get("/hotline/stats/ranking.xlsx").status_code == 302
    assert web("clerk_zjj").get("/hotline/stats/").status_code == 403


def test_spikes_and_repeated_addresses(make_order, people, frozen):
    from hotline.selectors import day_start, repeated_addresses
    from hotline.stats import spikes

    with frozen("2024-11-05T09:00"):
        for _ in range(5):
            make_order("received", kind="complaint", description="噪音", address="驿城区解放路88号")
    found = spikes(date(2024, 11, 5))
    assert {"dimension": "分类", "name": "住房与物业", "today": 5} == {
        k: found[0][k] for k in ("dimension", "name", "today")
    }
    rows = repeated_addresses(day_start(date(2024, 11, 1)), day_start(date(2024, 11, 6)), 3)
    assert rows[0]["address"] == "驿城区解放路88号" and rows[0]["n"] == 5
    assert spikes(date(2024, 11, 5) + timedelta(days=1)) == []


def test_call_import_refuses_files_that_are_not_text(web, people):
    fake = io.BytesIO(b"PK\x03\x04\x00\x00binary zip")
    fake.name = "calls.csv"
    r = web("operator").post("/hotline/calls/import/", {"file": fake})
    assert r.status_code == 400 and "类型不被接受" in r.content.decode()
    assert not CallRecord.objects.exists()
