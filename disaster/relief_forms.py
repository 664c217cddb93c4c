"""Forms of the relief pages: they parse and re-show what was typed; the services decide (money
is parsed by the services so that the messages are the rules' own)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from disaster.forms import dt_field
from disaster.models import (
    AidEvaluation,
    AidKind,
    AidPayment,
    FundPurpose,
    FundSource,
    Shelter,
)

REQ = {"required": "此项为必填项"}


def money_field(label: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=20,
        help_text=help_text,
        error_messages={"required": "请填写金额"},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def choice(label: str, choices: Any, *, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[("", "请选择"), *choices],
        required=required,
        error_messages={"required": f"请选择{label}", "invalid_choice": f"{label}无效"},
    )


def unit_choice(label: str, queryset: Any, *, required: bool = True) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=queryset,
        required=required,
        empty_label="请选择",
        error_messages={"required": f"请选择{label}", "invalid_choice": f"{label}无效"},
    )


class ReceiptForm(forms.Form):
    source = choice("资金来源", FundSource.choices)
    purpose = choice("资金用途", FundPurpose.choices)
    amount = money_field("金额（元）")
    document_no = forms.CharField(label="下达文号", max_length=80, error_messages=REQ)
    received_on = forms.DateField(
        label="到账日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写到账日期", "invalid": "日期格式不正确"},
    )
    note = forms.CharField(label="备注", max_length=200, required=False)


class AllocationForm(forms.Form):
    receipt = forms.ModelChoiceField(
        label="资金来源（入账批次）",
        queryset=None,
        empty_label="请选择",
        error_messages={"required": "请选择资金来源"},
    )
    county = unit_choice("县区", None)
    event = forms.ModelChoiceField(
        label="灾害过程（可选）", queryset=None, required=False, empty_label="不指定"
    )
    amount = money_field("金额（元）")
    reason = forms.CharField(
        label="分配依据（灾区申请和灾情核定情况）",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=REQ,
    )

    def __init__(self, *args: Any, receipts: Any, counties: Any, events: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receipt"].queryset = receipts
        self.fields["county"].queryset = counties
        self.fields["event"].queryset = events


class SpendForm(forms.Form):
    amount = money_field("金额（元）")
    description = forms.CharField(label="用途说明", max_length=200, error_messages=REQ)
    spent_on = forms.DateField(
        label="支出日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写日期"},
    )


class WarehouseForm(forms.Form):
    name = forms.CharField(label="名称", max_length=80, error_messages=REQ)
    code = forms.SlugField(
        label="编码（字母数字）",
        max_length=40,
        error_messages={**REQ, "invalid": "编码只能含字母、数字、- 和 _"},
    )
    owner = unit_choice("所属", None)
    address = forms.CharField(label="地址", max_length=200, required=False)

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class OrderForm(forms.Form):
    event = forms.ModelChoiceField(
        label="灾害过程", queryset=None, empty_label="请选择", error_messages={"required": "请选择灾害过程"}
    )
    county = unit_choice("接收县区（灾区）", None)
    warehouse = forms.ModelChoiceField(
        label="调出仓库", queryset=None, empty_label="请选择", error_messages={"required": "请选择调出仓库"}
    )
    destination = forms.CharField(label="送达地点", max_length=120, error_messages=REQ)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, events: Any, counties: Any, warehouses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = events
        self.fields["county"].queryset = counties
        self.fields["warehouse"].queryset = warehouses


class ShelterForm(forms.Form):
    name = forms.CharField(label="名称", max_length=80, error_messages=REQ)
    kind = choice("类型", Shelter.Kind.choices)
    county = unit_choice("所在县区", None)
    capacity = forms.IntegerField(
        label="容纳人数",
        min_value=1,
        error_messages={"required": "请填写容纳人数", "invalid": "须为整数", "min_value": "须大于 0"},
    )
    address = forms.CharField(label="地址", max_length=200, required=False)
    city_managed = forms.BooleanField(label="市级管理", required=False)

    def __init__(self, *args: Any, counties: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties


class ShelterOpenForm(forms.Form):
    event = forms.ModelChoiceField(
        label="灾害过程", queryset=None, empty_label="请选择", error_messages={"required": "请选择灾害过程"}
    )
    at = dt_field("启用时间", required=False)

    def __init__(self, *args: Any, events: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = events


class ShelterCountForm(forms.Form):
    occupants = forms.IntegerField(
        label="安置人数",
        min_value=0,
        error_messages={"required": "请填写人数", "invalid": "须为整数", "min_value": "不能为负数"},
    )
    at = dt_field("统计时间（留空为现在）", required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)


class ProgrammeForm(forms.Form):
    kind = choice("救助类型", AidKind.choices)
    county = unit_choice("县区", None)
    event = forms.ModelChoiceField(
        label="灾害过程（冬春救助不填）", queryset=None, required=False, empty_label="不指定"
    )
    year = forms.IntegerField(label="年度（冬春救助）", required=False, min_value=2000, max_value=2100)

    def __init__(self, *args: Any, counties: Any, events: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        self.fields["event"].queryset = events
        self.fields["year"].initial = timezone.localdate().year


class AssessmentForm(forms.Form):
    persons = forms.IntegerField(label="需救助人数", min_value=0, required=False)
    households = forms.IntegerField(label="需救助户数", min_value=0, required=False)
    collapsed_households = forms.IntegerField(label="倒塌户数", min_value=0, required=False)
    severe_households = forms.IntegerField(label="严重损坏户数", min_value=0, required=False)
    general_households = forms.IntegerField(label="一般损坏户数", min_value=0, required=False)
    months = forms.IntegerField(label="救助期限（月）", min_value=1, max_value=24, required=False)
    amount_needed = money_field("资金需求（元）", required=False)
    note = forms.CharField(label="评估说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class PlanForm(forms.Form):
    per_person_month = money_field("每人每月标准（元）", required=False)
    months = forms.IntegerField(label="救助月数", min_value=1, max_value=24, required=False)
    collapsed_amount = money_field("倒塌重建每户补助（元）", required=False)
    severe_amount = money_field("严重损坏每户补助（元）", required=False)
    general_amount = money_field("一般损坏维修每户补助（元）", required=False)
    per_person = money_field("每人补助标准（元）", required=False)
    budget = money_field("方案资金总额（元）")
    basis = forms.CharField(label="依据（文号/会议）", max_length=200, error_messages=REQ)

    FIELDS_BY_KIND = {
        AidKind.TRANSITIONAL: ("per_person_month", "months"),
        AidKind.RECONSTRUCTION: ("collapsed_amount", "severe_amount", "general_amount"),
        AidKind.WINTER_SPRING: ("per_person",),
    }

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = {*self.FIELDS_BY_KIND[AidKind(kind)], "budget", "basis"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]


class EvaluationForm(forms.Form):
    stage = choice("阶段", AidEvaluation.Stage.choices)
    level = choice("评价层级", AidEvaluation.Level.choices)
    rating = choice("评价等次", AidEvaluation.Rating.choices)
    score = forms.CharField(label="得分（0–100，可选）", max_length=6, required=False)
    sampled = forms.IntegerField(label="抽查户数（可选）", min_value=0, required=False)
    findings = forms.CharField(
        label="评价结论与问题", widget=forms.Textarea(attrs={"rows": 3}), error_messages=REQ
    )


class PayForm(forms.Form):
    amount = money_field("发放金额（元）")
    method = choice("发放方式", AidPayment.Method.choices)
    reference = forms.CharField(label="凭证号", max_length=60, required=False)
