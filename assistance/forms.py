"""Forms of the assistance pages. They parse and show; the services validate the rules (their
RuleViolation errors are attached back to these fields so nothing the user typed is lost)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory

from assistance import rules
from assistance.models import Member, Visit, Warning
from assistance.rulekeys import NEEDS
from portal.errors import RuleViolation

TIER_CHOICES = [(t, rules.TIER_LABELS[t]) for t in rules.TIERS]
AREA_CHOICES = [(a, rules.AREA_LABELS[a]) for a in rules.AREAS]
BLANK = [("", "—")]


class MoneyField(forms.CharField):
    """Money is parsed by the service (Decimal, to the fen); here it stays text so a wrong value
    comes back exactly as typed."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", "0")
        super().__init__(
            label=label, max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **kwargs
        )


class HouseholdForm(forms.Form):
    code = forms.CharField(label="户编号", max_length=40, required=False, help_text="留空则自动生成")
    village = forms.ChoiceField(label="村（社区）")
    address = forms.CharField(label="详细地址", max_length=200, required=False)
    area = forms.ChoiceField(label="城乡属性", choices=AREA_CHOICES)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    income_wage = MoneyField("工资性收入（元/年）")
    income_operating = MoneyField("经营净收入（元/年）")
    income_property = MoneyField("财产净收入（元/年）")
    income_transfer = MoneyField("转移性收入（元/年）")
    savings = MoneyField("存款及有价证券（元）")
    houses = forms.IntegerField(label="房屋（套）", min_value=0, max_value=99, initial=0, required=False)
    vehicles = forms.IntegerField(label="机动车（辆）", min_value=0, max_value=99, initial=0, required=False)
    property_note = forms.CharField(label="其他财产说明", max_length=200, required=False)
    property_within_limits = forms.BooleanField(label="家庭财产符合规定", required=False, initial=True)
    exp_medical = MoneyField("医疗支出（元/年）")
    exp_education = MoneyField("教育支出（元/年）")
    exp_disaster = MoneyField("受灾支出（元/年）")
    exp_accident = MoneyField("意外事故支出（元/年）")
    monitoring = forms.ChoiceField(
        label="防止返贫监测对象",
        choices=[("", "否"), *[(k, rules.MONITORING_LABELS[k]) for k in rules.MONITORING_KINDS]],
        required=False,
    )
    designated_other = forms.BooleanField(label="县区认定的其他困难家庭", required=False)
    reason = forms.CharField(label="修改原因", max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, villages: list[tuple[int, str]] | None = None, editing: bool = False, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = BLANK + [(str(pk), name) for pk, name in (villages or [])]
        if editing:
            self.fields["reason"].required = True
            self.fields["reason"].help_text = "必填：修改会生成新的版本并记入历史"
        else:
            del self.fields["reason"]
            del self.fields["version"]


class MemberForm(forms.Form):
    id_number = forms.CharField(label="公民身份号码", max_length=30, required=False)
    name = forms.CharField(label="姓名", max_length=60, required=False)
    relation = forms.ChoiceField(label="与户主关系", choices=Member.Relation.choices, initial="head")
    labour_capacity = forms.ChoiceField(
        label="劳动能力",
        choices=[(k, rules.LABOUR_LABELS[k]) for k in rules.LABOUR_CAPACITIES],
        initial="full",
    )
    disability_category = forms.ChoiceField(
        label="残疾类别",
        choices=BLANK + [(k, rules.DISABILITY_LABELS[k]) for k in rules.DISABILITY_CATEGORIES],
        required=False,
    )
    disability_grade = forms.ChoiceField(
        label="残疾等级", choices=BLANK + [(str(k), v) for k, v in rules.GRADE_LABELS.items()], required=False
    )
    serious_illness = forms.BooleanField(label="重病", required=False)
    employed = forms.BooleanField(label="就业", required=False)
    own_income = MoneyField("个人年收入")
    has_able_supporter = forms.BooleanField(label="有有能力的法定义务人", required=False)

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not (data.get("id_number") or data.get("name"))


MemberFormSet = formset_factory(MemberForm, extra=0, min_num=1, max_num=30, validate_max=True)


def attach_errors(form: forms.Form, formset: Any, exc: RuleViolation) -> None:
    """Put a service's field errors back on the form fields (members.N.field → row N)."""
    for key, messages in exc.errors.items():
        parts = key.split(".")
        if parts[0] == "members" and len(parts) == 3 and formset is not None and parts[1].isdigit():
            index = int(parts[1])
            forms_ = [f for f in formset.forms if not f.is_blank()]
            if index < len(forms_):
                target = forms_[index]
                for m in messages:
                    target.add_error(parts[2] if parts[2] in target.fields else None, m)
                continue
        field = key if key in form.fields else None
        for m in messages:
            form.add_error(field, m)


class ApplicationForm(forms.Form):
    requested_tier = forms.ChoiceField(label="申请类别", choices=TIER_CHOICES)
    applicant = forms.ChoiceField(label="申请人", required=False)
    consent_sequential = forms.BooleanField(
        label="申请人同意按特困、低保、低保边缘、刚性支出困难的顺序逐类审核（一次申请、分类审核）",
        required=False,
        initial=True,
    )
    note = forms.CharField(label="申请事由", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, members: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["applicant"].choices = [(str(pk), name) for pk, name in (members or [])]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 2}))
    objector = forms.CharField(label="提出人（可匿名）", max_length=60, required=False)
    received_on = forms.DateField(
        label="收到日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ResolveObjectionForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label="核实结论", choices=[("0", "异议不成立"), ("1", "异议成立")], coerce=lambda v: v == "1"
    )
    resolution = forms.CharField(label="核实情况", widget=forms.Textarea(attrs={"rows": 2}))


class AmountForm(forms.Form):
    amount = forms.CharField(label="金额（元）", max_length=20)
    note = forms.CharField(label="说明", max_length=300, required=False)


class WarningForm(forms.Form):
    level = forms.ChoiceField(
        label="预警级别", choices=[(k, rules.WARNING_LEVEL_LABELS[k]) for k in rules.WARNING_LEVELS]
    )
    source = forms.ChoiceField(label="来源", choices=Warning.Source.choices)
    need = forms.ChoiceField(label="困难类型", choices=list(NEEDS.items()))
    description = forms.CharField(label="预警内容", widget=forms.Textarea(attrs={"rows": 2}))


class VisitForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=Visit.Kind.choices, required=False, initial="routine")
    visited_on = forms.DateField(
        label="核查日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    findings = forms.CharField(label="核查情况", widget=forms.Textarea(attrs={"rows": 3}))
    informed_policies = forms.BooleanField(label="已告知相关社会救助政策", required=False)
    conclusion = forms.ChoiceField(label="结论", choices=Visit.Conclusion.choices)
    start_application = forms.BooleanField(label="协助提出申请", required=False)
    requested_tier = forms.ChoiceField(label="申请类别", choices=BLANK + TIER_CHOICES, required=False)


class ReferForm(forms.Form):
    department = forms.ChoiceField(label="推送部门")
    note = forms.CharField(label="推送说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, departments: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [(str(pk), name) for pk, name in (departments or [])]


class ConclusionForm(forms.Form):
    conclusion = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}))


class EndForm(forms.Form):
    verification = forms.ChoiceField(label="核实记录")
    reason = forms.CharField(label="终止依据", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    consent_transfer = forms.BooleanField(
        label="经本人同意，3 个工作日内转入低保边缘、刚性支出困难等认定程序", required=False, initial=True
    )

    def __init__(self, *args: Any, visits: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["verification"].choices = BLANK + [(str(pk), text) for pk, text in (visits or [])]


class AidForm(forms.Form):
    aid_type = forms.ChoiceField(label="救助类型", choices=[(k, v[0]) for k, v in rules.AID_TYPES.items()])
    amount = forms.CharField(label="金额（元）", max_length=20, initial="0")
    department = forms.ChoiceField(label="实施部门")
    granted_on = forms.DateField(
        label="发放/实施日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args: Any, departments: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [(str(pk), name) for pk, name in (departments or [])]


class StandardsForm(forms.Form):
    scope = forms.ChoiceField(label="范围")
    valid_from = forms.DateField(
        label="生效日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    urban_dibao = forms.CharField(label="城市低保标准（元/人·年）", max_length=20)
    urban_tekun = forms.CharField(label="城市特困供养标准（元/人·年）", max_length=20)
    rural_dibao = forms.CharField(label="农村低保标准（元/人·年）", max_length=20)
    rural_tekun = forms.CharField(label="农村特困供养标准（元/人·年）", max_length=20)
    near_dibao_multiplier = forms.CharField(label="低保边缘倍数（全市）", max_length=10, required=False)
    monitoring_line = forms.CharField(label="防止返贫监测线（元/人·年，全市）", max_length=20, required=False)
    rigid_expenditure_share = forms.CharField(
        label="刚性支出占收入比例（全市）", max_length=10, required=False
    )
    reason = forms.CharField(
        label="修改原因（必填，将记入版本历史）", max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, scopes: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scopes or []


class ImportForm(forms.Form):
    file = forms.FileField(label="家庭与成员名单（XLSX，一人一行）")


class PaymentForm(forms.Form):
    county = forms.ChoiceField(label="县区")
    month = forms.CharField(label="月份", widget=forms.TextInput(attrs={"type": "month"}))

    def __init__(self, *args: Any, counties: list[tuple[int, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [(str(pk), name) for pk, name in (counties or [])]


class ChangeReviewForm(forms.Form):
    decision = forms.ChoiceField(label="处理", choices=[("verify", "入户核实"), ("dismiss", "无需处理")])
    level = forms.ChoiceField(
        label="预警级别",
        choices=[(k, rules.WARNING_LEVEL_LABELS[k]) for k in rules.WARNING_LEVELS],
        initial="yellow",
    )
    note = forms.CharField(label="说明", max_length=300, required=False)


class RespondForm(forms.Form):
    response = forms.CharField(label="处理情况", widget=forms.Textarea(attrs={"rows": 3}))
