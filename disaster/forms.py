"""Forms of the disaster pages: they parse and show errors; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from disaster.models import Attachment, CityReport, DisasterType, LedgerHousehold, LedgerPerson, Level, Report
from portal.models import OrgUnit

DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def dt_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DT_FORMATS,
        widget=DateTimeInput(),
        help_text=help_text,
        error_messages={"invalid": "请填写有效的日期时间", "required": "请填写时间"},
    )


def now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class EventOpenForm(forms.Form):
    type = forms.ModelChoiceField(
        label="灾害种类",
        queryset=DisasterType.objects.filter(active=True),
        empty_label="请选择",
        error_messages={"required": "请选择灾害种类", "invalid_choice": "灾害种类无效"},
    )
    title = forms.CharField(
        label="灾害过程名称",
        max_length=120,
        error_messages={"required": "请填写灾害过程名称"},
        help_text="如：2026年7月驿城区暴雨洪涝",
    )
    started_at = dt_field("发生时间（干旱为会商确定旱情初显的时间）")
    counties = forms.ModelMultipleChoiceField(
        label="受灾县区",
        queryset=OrgUnit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个受灾县区"},
    )
    major = forms.BooleanField(
        label="已知造成 10 人以上死亡（含失踪）或遇险被困（初报时限 1 小时）", required=False
    )
    description = forms.CharField(label="概况", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, counties: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["counties"].queryset = counties
        if counties.count() == 1:
            self.fields["counties"].initial = list(counties)


class AddCountyForm(forms.Form):
    county = forms.ModelChoiceField(label="受灾县区", queryset=OrgUnit.objects.none(), empty_label="请选择")
    occurred_at = dt_field("本县区灾害发生时间")
    major = forms.BooleanField(label="10 人以上死亡（含失踪）或遇险被困", required=False)

    def __init__(self, *args: Any, counties: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties


class StableForm(forms.Form):
    at = dt_field("灾情稳定（旱情解除）时间")


class CityReportForm(forms.Form):
    kind = forms.ChoiceField(label="报告类别", choices=CityReport.Kind.choices)
    text = forms.CharField(
        label="报告内容",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写报告内容"},
    )
    reported_at = dt_field("实际报告时间", required=False, help_text="留空为现在")


class PhoneReportForm(forms.Form):
    county = forms.ModelChoiceField(label="报告县区", queryset=OrgUnit.objects.none(), empty_label="请选择")
    kind = forms.ChoiceField(label="报告类别", choices=Report.Kind.choices)
    channel = forms.ChoiceField(label="方式", choices=[c for c in Report.Channel.choices if c[0] != "system"])
    made_at = dt_field("实际报告时间")
    summary = forms.CharField(label="报告内容摘要", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, counties: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties


class VerificationForm(forms.Form):
    target = forms.ModelChoiceField(
        label="被要求核实单位", queryset=OrgUnit.objects.none(), empty_label="请选择"
    )
    source = forms.CharField(label="指令来源", initial="市应急管理局", max_length=60)
    question = forms.CharField(label="核实事项", widget=forms.Textarea(attrs={"rows": 3}))
    asked_at = dt_field("接到指令时间", required=False, help_text="留空为现在")

    def __init__(self, *args: Any, targets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets


class AnswerForm(forms.Form):
    channel = forms.ChoiceField(label="反馈方式", choices=[("phone", "电话反馈"), ("written", "书面反馈")])
    answer = forms.CharField(label="反馈内容", widget=forms.Textarea(attrs={"rows": 3}))
    answered_at = dt_field("反馈时间", required=False, help_text="留空为现在")


class AdjustmentForm(forms.Form):
    factor = forms.CharField(label="标准系数（如 0.8 表示各项标准按 80% 计）", required=False, max_length=6)
    manual_level = forms.ChoiceField(
        label="或直接认定等级", required=False, choices=[("", "—"), *Level.choices]
    )
    reason = forms.CharField(
        label="理由（敏感地区、敏感时间、救助能力薄弱等）", widget=forms.Textarea(attrs={"rows": 2})
    )


class ProposalForm(forms.Form):
    action = forms.ChoiceField(
        label="事项", choices=[("activate", "启动/提升响应"), ("terminate", "终止响应")]
    )
    level = forms.ChoiceField(label="等级", required=False, choices=[("", "—"), *Level.choices])
    reason = forms.CharField(label="建议理由", widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="决定",
        choices=[("1", "同意"), ("0", "不同意")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="决定意见",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写决定意见"},
    )


class CountyLevelForm(forms.Form):
    level = forms.ChoiceField(
        label="县级响应等级", required=False, choices=[("", "未启动/已终止"), *Level.choices]
    )
    reason = forms.CharField(label="依据/说明", max_length=200)


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label="附件类别", choices=Attachment.Kind.choices)
    file = forms.FileField(label="文件", error_messages={"required": "请选择文件"})
    note = forms.CharField(label="说明", required=False, max_length=200)


class DutyShiftForm(forms.Form):
    user = forms.ModelChoiceField(label="值班人员", queryset=None, empty_label="请选择")  # type: ignore[arg-type]
    starts_at = dt_field("开始")
    ends_at = dt_field("结束")
    phone = forms.CharField(label="值班手机（留空用本人手机）", required=False, max_length=20)
    note = forms.CharField(label="备注", required=False, max_length=100)

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users


class LedgerPersonForm(forms.Form):
    category = forms.ChoiceField(label="类别", choices=LedgerPerson.Category.choices)
    name = forms.CharField(label="姓名", max_length=60)
    gender = forms.ChoiceField(label="性别", required=False, choices=[("", "—"), ("M", "男"), ("F", "女")])
    age = forms.CharField(label="年龄", required=False, max_length=3)
    id_number = forms.CharField(label="身份证号", required=False, max_length=18)
    township = forms.ChoiceField(label="乡镇（街道）", choices=())
    village = forms.CharField(label="村（社区）", required=False, max_length=60)
    note = forms.CharField(label="备注", required=False, max_length=200)

    def __init__(self, *args: Any, townships: list[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [(t.pk, t.name) for t in townships]


class LedgerHouseholdForm(forms.Form):
    head_name = forms.CharField(label="户主姓名", max_length=60)
    id_number = forms.CharField(label="身份证号", required=False, max_length=18)
    members = forms.CharField(label="家庭人口", initial="1", max_length=3)
    township = forms.ChoiceField(label="乡镇（街道）", choices=())
    village = forms.CharField(label="村（社区）", required=False, max_length=60)
    address = forms.CharField(label="住址", required=False, max_length=200)
    damage = forms.ChoiceField(label="房屋受损", choices=LedgerHousehold.Damage.choices)
    rooms = forms.CharField(label="受损间数", initial="0", max_length=3)
    needs_aid = forms.BooleanField(label="需政府救助", required=False)
    note = forms.CharField(label="备注", required=False, max_length=200)

    def __init__(self, *args: Any, townships: list[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [(t.pk, t.name) for t in townships]


class LedgerImportForm(forms.Form):
    file = forms.FileField(label="台账（XLSX：工作表“人员”或“住房户”）")


FIGURE_FIELDS = [
    ("deaths", "因灾死亡"),
    ("missing", "因灾失踪"),
    ("relocated", "紧急转移安置"),
    ("needing_aid", "需紧急生活救助"),
    ("collapsed_rooms", "倒塌和严重损坏房屋（间）"),
    ("collapsed_households", "倒塌和严重损坏房屋（户）"),
    ("drought_needing_aid", "因旱需政府救助"),
]


class FiguresForm(forms.Form):
    """What-if figures for the threshold preview."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in FIGURE_FIELDS:
            self.fields[name] = forms.IntegerField(
                label=label,
                min_value=0,
                initial=0,
                required=False,
                error_messages={"invalid": "须为不小于 0 的整数", "min_value": "须为不小于 0 的整数"},
            )
        self.fields["agricultural_population"] = forms.IntegerField(
            label="全市农牧业人口（留空用该版本的设置）",
            min_value=0,
            required=False,
            error_messages={"invalid": "须为不小于 0 的整数", "min_value": "须为不小于 0 的整数"},
        )
