"""Forms of the hotline pages. They parse and re-render input (keeping the user's values);
the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from hotline.models import Category, KnowledgeEntry
from hotline.models.choices import Channel, HandoverTarget, Kind, Status
from hotline.selectors import OrderFilters
from portal.models import OrgUnit


def handling_unit_choices() -> list[tuple[str, str]]:
    units = OrgUnit.objects.filter(active=True, handles_orders=True).order_by("kind", "sort", "name")
    return [("", "—— 请选择 ——")] + [(str(u.pk), u.name) for u in units]


def county_choices() -> list[tuple[str, str]]:
    return [("", "—— 县区 ——")] + [
        (str(u.pk), u.name) for u in OrgUnit.objects.filter(kind="county", active=True).order_by("sort")
    ]


def category_choices() -> list[tuple[str, str]]:
    out = [("", "—— 诉求分类 ——")]
    for c in Category.objects.filter(active=True).select_related("parent").order_by("sort"):
        out.append((c.code, f"{c.parent.name} / {c.name}" if c.parent_id else c.name))
    return out


OUTCOMES = [
    ("dispatch", "派单（Alt+2）"),
    ("answer", "直接答复（Alt+1）"),
    ("handover", "转其他热线（Alt+3）"),
    ("save", "仅受理，稍后派单（Alt+4）"),
]


class IntakeForm(forms.Form):
    caller_phone = forms.CharField(label="来电号码", max_length=32, required=False)
    caller_name = forms.CharField(label="姓名（可匿名）", max_length=60, required=False)
    confidential = forms.BooleanField(label="要求个人信息保密", required=False)
    reply_wanted = forms.BooleanField(label="需要答复", required=False, initial=True)
    channel = forms.ChoiceField(label="渠道", choices=Channel.choices, initial=Channel.PHONE)
    external_id = forms.CharField(label="省级平台工单编号", max_length=64, required=False)
    kind = forms.ChoiceField(label="诉求类型", choices=Kind.choices)
    subject = forms.ChoiceField(label="诉求分类", required=False)
    county = forms.ChoiceField(label="县区", required=False)
    township = forms.ChoiceField(label="乡镇/街道", required=False, choices=[("", "—— 乡镇/街道 ——")])
    address = forms.CharField(label="详细地址", max_length=200, required=False)
    description = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 5}))
    outcome = forms.ChoiceField(
        label="处置方式", choices=OUTCOMES, initial="dispatch", widget=forms.RadioSelect
    )
    answer = forms.CharField(label="答复内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    lead_unit = forms.ChoiceField(label="主办单位", required=False)
    assisting_units = forms.MultipleChoiceField(label="协办单位", required=False)
    save_rule = forms.BooleanField(label="以后同类诉求（本分类、本地点）直接派给该单位", required=False)
    handover_target = forms.ChoiceField(
        label="转交热线", required=False, choices=[("", "——"), *HandoverTarget.choices]
    )
    handover_note = forms.CharField(label="转交说明", required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = category_choices()
        self.fields["county"].choices = county_choices()
        units = handling_unit_choices()
        self.fields["lead_unit"].choices = units
        self.fields["assisting_units"].choices = units[1:]
        county = self.data.get("county") if self.is_bound else None
        if county and str(county).isdigit():
            self.fields["township"].choices = [("", "—— 乡镇/街道 ——")] + [
                (str(u.pk), u.name)
                for u in OrgUnit.objects.filter(parent_id=int(county), kind="township").order_by("sort")
            ]
        self.fields["caller_phone"].widget.attrs.update(
            {"autofocus": True, "inputmode": "tel", "autocomplete": "off"}
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == "answer" and not (data.get("answer") or "").strip():
            self.add_error("answer", "直接答复时请填写答复内容")
        if outcome == "dispatch" and not data.get("lead_unit"):
            self.add_error("lead_unit", "派单时请选择主办单位")
        if outcome == "handover" and not data.get("handover_target"):
            self.add_error("handover_target", "请选择转交的热线")
        return data


class OrderFilterForm(forms.Form):
    q = forms.CharField(label="工单号/电话/地址", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *Status.choices])
    lead_unit = forms.ChoiceField(label="主办单位", required=False)
    overdue = forms.ChoiceField(
        label="逾期", required=False, choices=[("", "全部"), ("1", "已逾期"), ("0", "未逾期")]
    )
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部"), *Kind.choices])
    channel = forms.ChoiceField(label="渠道", required=False, choices=[("", "全部"), *Channel.choices])
    county = forms.ChoiceField(label="县区", required=False)
    received_from = forms.DateField(
        label="受理自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label="受理至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].choices = [("", "全部"), *handling_unit_choices()[1:]]
        self.fields["county"].choices = [("", "全部"), *county_choices()[1:]]

    def filters(self) -> OrderFilters:
        if not self.is_valid():
            return OrderFilters()
        d = self.cleaned_data
        return OrderFilters(
            status=[d["status"]] if d["status"] else None,
            lead_unit=int(d["lead_unit"]) if d["lead_unit"] else None,
            overdue={"1": True, "0": False}.get(d["overdue"]),
            kind=d["kind"] or None,
            channel=d["channel"] or None,
            county=int(d["county"]) if d["county"] else None,
            received_from=d["received_from"],
            received_to=d["received_to"],
            q=d["q"],
        )


class ExportForm(forms.Form):
    purpose = forms.CharField(
        label="用途", max_length=200, help_text="共享数据须说明内容、方式、用途和范围（第二十二条）"
    )
    scope = forms.CharField(label="使用范围", max_length=200)


# --- action forms ---------------------------------------------------------------------------


class ContentForm(forms.Form):
    content = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 3}))


class HandoverForm(forms.Form):
    target = forms.ChoiceField(label="转交热线", choices=HandoverTarget.choices)
    note = forms.CharField(label="说明", required=False)


class HandoverResultForm(forms.Form):
    outcome = forms.CharField(label="转交结果", widget=forms.Textarea(attrs={"rows": 2}))


class DispatchForm(forms.Form):
    lead_unit = forms.ChoiceField(label="主办单位")
    assisting_units = forms.MultipleChoiceField(label="协办单位", required=False)
    save_rule = forms.BooleanField(label="以后同类诉求直接派给该单位（保存为派单规则）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = handling_unit_choices()
        self.fields["lead_unit"].choices = units
        self.fields["assisting_units"].choices = units[1:]


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", widget=forms.Textarea(attrs={"rows": 2}))
    basis = forms.CharField(label="依据（法规或职责文件）", widget=forms.Textarea(attrs={"rows": 2}))
    suggested_unit = forms.ChoiceField(label="建议承办单位", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["suggested_unit"].choices = handling_unit_choices()


class ReviewForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审核结果",
        choices=[("1", "同意"), ("0", "不同意")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="审核意见", required=False)


class ReviewReturnForm(ReviewForm):
    lead_unit = forms.ChoiceField(label="同意后改派给（可空，稍后派单）", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].choices = handling_unit_choices()


class ReviewExtensionForm(ReviewForm):
    days = forms.IntegerField(label="批准天数（可少于申请）", required=False, min_value=1)


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label="延期（工作日）", min_value=1, max_value=365)
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}))


class UnfinishedForm(forms.Form):
    progress = forms.CharField(label="办理进展", widget=forms.Textarea(attrs={"rows": 2}))
    plan = forms.CharField(label="后续解决方案", widget=forms.Textarea(attrs={"rows": 2}))
    expected_date = forms.DateField(label="预计办结日期", widget=forms.DateInput(attrs={"type": "date"}))


class CallbackForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label="诉求人评价",
        choices=[("1", "满意"), ("0", "不满意")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label="回访方式",
        choices=[("phone", "电话"), ("sms", "短信"), ("web", "互联网"), ("auto", "智能客服")],
    )
    note = forms.CharField(label="回访记录", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", required=False)


class EmptyForm(forms.Form):
    pass


class ReassignForm(forms.Form):
    lead_unit = forms.ChoiceField(label="改派给")
    reason = forms.CharField(label="改派原因")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].choices = handling_unit_choices()


class LinkForm(forms.Form):
    duplicate_of = forms.IntegerField(label="与工单（编号）为同一诉求", min_value=1)


class CallImportForm(forms.Form):
    file = forms.FileField(label="话单 CSV（话务系统导出）")


class CallCallbackForm(forms.Form):
    reached = forms.TypedChoiceField(
        label="回拨结果",
        choices=[("1", "已接通"), ("0", "未接通")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="说明", required=False)


class KnowledgeEntryForm(forms.Form):
    question = forms.CharField(label="问题", max_length=300)
    answer = forms.CharField(label="答复口径", widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ModelChoiceField(
        label="分类", queryset=Category.objects.filter(active=True), required=False
    )
    owner_unit = forms.ModelChoiceField(
        label="责任单位", queryset=OrgUnit.objects.filter(handles_orders=True, active=True), required=False
    )
    policy_basis = forms.CharField(label="政策依据", max_length=300, required=False)
    public = forms.BooleanField(label="向公众开放（自助查询）", required=False, initial=True)

    @classmethod
    def for_entry(cls, entry: KnowledgeEntry) -> KnowledgeEntryForm:
        return cls(
            initial={
                "question": entry.question,
                "answer": entry.answer,
                "category": entry.category,
                "owner_unit": entry.owner_unit,
                "policy_basis": entry.policy_basis,
                "public": entry.public,
            }
        )


class QuestionAskForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="答复单位", queryset=OrgUnit.objects.filter(handles_orders=True, active=True)
    )
    question = forms.CharField(label="问题", widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ModelChoiceField(
        label="分类", queryset=Category.objects.filter(active=True), required=False
    )


class QuestionAnswerForm(forms.Form):
    answer = forms.CharField(label="答复", widget=forms.Textarea(attrs={"rows": 4}))
    publish = forms.BooleanField(label="同时发布/更新知识库条目", required=False, initial=True)
