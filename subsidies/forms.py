"""Forms of the subsidies pages. They parse and re-render input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from portal.models import OrgUnit
from subsidies.models import (
    AnnualFigures,
    Enterprise,
    Equipment,
    Exhibition,
    Loan,
    PolicyDocument,
    Project,
    Recognition,
    Train,
)
from subsidies.rules import ALL_CLAUSES

# The facts each clause's calculator reads: (name, label, kind, choices). Kinds: money, int,
# ratio, bool, choice, date. Used by the self-check page and the application form.
ORIGINS = [("domestic", "内资"), ("foreign", "外资")]
LEVELS = [("national", "国家级"), ("provincial", "省级")]
FACT_FIELDS: dict[str, list[tuple[str, str, str, list[tuple[str, str]]]]] = {
    "E1a": [
        ("total_investment", "项目总投资（元）", "money", []),
        ("investment_intensity", "投资强度（元/亩）", "money", []),
    ],
    "E1b": [
        ("total_investment", "项目总投资（元）", "money", []),
        ("fixed_asset_investment", "实际完成固定资产投资（元）", "money", []),
        ("tax_per_mu", "亩均税收（元/亩）", "money", []),
        ("in_production", "已竣工投产", "bool", []),
        ("new_investment", "新投资电子信息项目", "bool", []),
    ],
    "E1c": [("supported", "获得工信部或省工信厅扶持、奖励", "bool", [])],
    "E2": [
        ("fixed_asset_investment", "企业固定资产投资额（元）", "money", []),
        ("capital_origin", "资本来源", "choice", ORIGINS),
        ("in_production", "已在建设周期内正式投产纳税", "bool", []),
    ],
    "E3a": [
        ("contribution_rank", "当年财政贡献全市排名", "int", []),
        ("fiscal_contribution", "当年财政贡献（元）", "money", []),
        ("contribution_growth_rank", "贡献增速全市排名", "int", []),
    ],
    "E3b": [("composite_growth_rate", "年综合增长率（小数，如 0.26）", "ratio", [])],
    "E3c": [
        ("kind", "认定类型", "choice", [("enterprise", "单项冠军示范企业"), ("product", "单项冠军产品")]),
        ("recognised_on", "认定日期", "date", []),
    ],
    "E3d": [
        (
            "level",
            "级别",
            "choice",
            [("national", "国家专精特新“小巨人”"), ("provincial", "省级专精特新中小企业")],
        ),
        ("recognised_on", "认定日期", "date", []),
    ],
    "E4a": [
        ("total_investment", "项目总投资（元）", "money", []),
        ("equipment_purchase", "生产设备购置金额（不含税，元）", "money", []),
        ("provincial_funds_received", "已获省专项资金支持", "bool", []),
        ("received_so_far", "本企业已享受设备补贴（元）", "money", []),
    ],
    "E4b": [
        ("loan_balance", "设备中长期贷款余额（元）", "money", []),
        ("lpr_1y", "一年期 LPR（小数，如 0.0310）", "ratio", []),
        ("subsidy_year", "贴息第几年", "int", []),
        ("received_so_far", "本项目以前年度已享受贴息（元）", "money", []),
    ],
    "E5a": [("level", "级别", "choice", LEVELS), ("recognised_on", "获批日期", "date", [])],
    "E5b": [("level", "级别", "choice", LEVELS), ("recognised_on", "认定日期", "date", [])],
    "E5c": [("level", "级别", "choice", LEVELS), ("recognised_on", "获批日期", "date", [])],
    "E5d": [("recognised_on", "首次认定日期", "date", [])],
    "E5e": [("recognised_on", "获奖日期", "date", [])],
    "E5f": [
        ("sales", "首版次软件期限内实际销售总额（元）", "money", []),
        ("received_so_far", "本企业已享受首版次奖励（元）", "money", []),
    ],
    "E6": [
        ("booth_fee", "展位费（元）", "money", []),
        ("received_this_year", "本年度已享受展位费补助（元）", "money", []),
        ("above_designated_size", "规上电子信息企业", "bool", []),
        ("government_organised", "市级及以上政府部门组织", "bool", []),
        ("outside_city", "展会在市外", "bool", []),
    ],
    "E7": [
        ("software_enterprise", "软件企业", "bool", []),
        ("newly_entered_park", "新入驻软件产业园区", "bool", []),
    ],
    "E9": [
        ("meets_planning", "符合产业发展规划、用地集约", "bool", []),
        ("meets_intensity", "投资强度达到规定标准", "bool", []),
    ],
    "T1": [
        ("total_investment", "项目投资总额（元）", "money", []),
        ("in_operation", "已建成运营", "bool", []),
        ("new_format", "体验性场馆、演艺、夜游等新业态项目", "bool", []),
    ],
    "T5": [
        ("views", "传播量（人次）", "int", []),
        ("fiscal_contribution", "为市、县财政贡献（元）", "money", []),
    ],
    "T10": [("recognised_on", "省级夜经济集聚区认定日期", "date", [])],
    "T12": [("received_this_year", "本年度已享受专列奖励（元）", "money", [])],
}
BOOL_DEFAULT_TRUE = {
    "new_investment",
    "above_designated_size",
    "government_organised",
    "outside_city",
    "new_format",
}
TRAIN_ROWS = 8
TRAIN_KINDS = [("", "—"), ("high_speed", "高铁专列"), ("ordinary", "普通专列")]


def clause_choices() -> list[tuple[str, str]]:
    return [(c, c) for c in ALL_CLAUSES]


class FactsForm(forms.Form):
    """Dynamic fields for one clause's facts. `facts()` returns the dict the calculator reads
    (money as strings, booleans, ints); T12 reads up to TRAIN_ROWS trains."""

    def __init__(
        self, clause: str, *args: Any, initial_facts: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.clause = clause
        initial_facts = initial_facts or {}
        for name, label, kind, choices in FACT_FIELDS.get(clause, []):
            field: forms.Field
            if kind == "bool":
                field = forms.BooleanField(label=label, required=False)
                self.initial[name] = initial_facts.get(name, name in BOOL_DEFAULT_TRUE)
            elif kind == "choice":
                field = forms.ChoiceField(label=label, choices=choices)
            elif kind == "date":
                field = forms.DateField(
                    label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
                )
            elif kind == "int":
                field = forms.IntegerField(label=label, required=False, min_value=0)
            else:
                # required-ness is the calculator's to say (it names what is missing)
                field = forms.DecimalField(
                    label=label,
                    required=False,
                    min_value=0,
                    decimal_places=6 if kind == "ratio" else 2,
                    max_digits=18,
                )
            self.fields[name] = field
            if name in initial_facts and kind != "bool":
                self.initial[name] = initial_facts[name]
        if clause == "T12":
            trains = initial_facts.get("trains", [])
            for i in range(max(TRAIN_ROWS, len(trains))):
                row = trains[i] if i < len(trains) else {}
                self.fields[f"t{i}_kind"] = forms.ChoiceField(
                    label="类型", choices=TRAIN_KINDS, required=False
                )
                self.fields[f"t{i}_passengers"] = forms.IntegerField(
                    label="人数", required=False, min_value=0
                )
                self.fields[f"t{i}_spots"] = forms.IntegerField(label="收费景区", required=False, min_value=0)
                self.fields[f"t{i}_days"] = forms.IntegerField(label="天", required=False, min_value=0)
                self.fields[f"t{i}_nights"] = forms.IntegerField(label="晚", required=False, min_value=0)
                for src, dst in (
                    ("kind", "kind"),
                    ("passengers", "passengers"),
                    ("paid_scenic_spots", "spots"),
                    ("days", "days"),
                    ("nights", "nights"),
                ):
                    if src in row:
                        self.initial[f"t{i}_{dst}"] = row[src]

    def fact_fields(self) -> list[Any]:
        return [self[name] for name, *_ in FACT_FIELDS.get(self.clause, [])]

    def train_rows(self) -> list[list[Any]]:
        rows = []
        i = 0
        while f"t{i}_kind" in self.fields:
            rows.append([self[f"t{i}_{k}"] for k in ("kind", "passengers", "spots", "days", "nights")])
            i += 1
        return rows

    def facts(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for name, _label, kind, _ in FACT_FIELDS.get(self.clause, []):
            value = data.get(name)
            if value is None or value == "":
                continue
            if kind in ("money", "ratio"):
                out[name] = str(value)
            elif kind == "date":
                out[name] = value.isoformat()
            else:
                out[name] = value
        if self.clause == "T12":
            trains = []
            i = 0
            while f"t{i}_kind" in self.fields:
                if data.get(f"t{i}_kind"):
                    trains.append(
                        {
                            "kind": data[f"t{i}_kind"],
                            "passengers": data.get(f"t{i}_passengers") or 0,
                            "paid_scenic_spots": data.get(f"t{i}_spots") or 0,
                            "days": data.get(f"t{i}_days") or 0,
                            "nights": data.get(f"t{i}_nights") or 0,
                        }
                    )
                i += 1
            out["trains"] = trains
        return out


class SelfCheckForm(forms.Form):
    clause = forms.ChoiceField(label="政策条款", choices=clause_choices)
    date = forms.DateField(label="评估日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class EnterpriseForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = [
            "credit_code",
            "name",
            "kind",
            "industry",
            "county",
            "outside_city",
            "above_designated_size",
            "software_enterprise",
            "software_park_entered_on",
            "address",
            "contact_name",
            "contact_phone",
        ]
        widgets = {"software_park_entered_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).order_by(
            "sort", "path"
        )
        self.fields["credit_code"].validators = []

    def validate_unique(self) -> None:  # the service reports duplicates in Chinese
        return


def _date_widgets(*names: str) -> dict[str, forms.Widget]:
    return {n: forms.DateInput(attrs={"type": "date"}) for n in names}


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "name",
            "kind",
            "status",
            "is_new_investment",
            "is_renovation",
            "new_format",
            "total_investment",
            "fixed_asset_investment",
            "land_area_mu",
            "tax_per_mu",
            "capital_origin",
            "construction_start",
            "construction_end",
            "production_started_on",
            "in_statistics_db",
            "provincial_funds_received",
            "miit_support",
            "intermediary",
            "views",
            "fiscal_contribution",
        ]
        widgets = _date_widgets("construction_start", "construction_end", "production_started_on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intermediary"].queryset = Enterprise.objects.filter(kind=Enterprise.Kind.INTERMEDIARY)


class EquipmentForm(forms.ModelForm):
    class Meta:
        model = Equipment
        fields = ["project", "name", "invoice_no", "invoice_date", "amount_excl_tax"]
        widgets = _date_widgets("invoice_date")


class LoanForm(forms.ModelForm):
    class Meta:
        model = Loan
        fields = ["project", "bank", "for_equipment", "balance", "start_date", "term_months"]
        widgets = _date_widgets("start_date")


class RecognitionForm(forms.ModelForm):
    class Meta:
        model = Recognition
        fields = ["kind", "level", "recognised_on", "reference", "amount"]
        widgets = _date_widgets("recognised_on")


class ExhibitionForm(forms.ModelForm):
    class Meta:
        model = Exhibition
        fields = ["name", "organiser", "government_organised", "outside_city", "held_on", "booth_fee"]
        widgets = _date_widgets("held_on")


class FiguresForm(forms.ModelForm):
    class Meta:
        model = AnnualFigures
        fields = [
            "year",
            "fiscal_contribution",
            "contribution_rank",
            "contribution_growth_rank",
            "composite_growth_rate",
        ]


class TrainForm(forms.ModelForm):
    class Meta:
        model = Train
        fields = ["kind", "departed_on", "passengers", "paid_scenic_spots", "days", "nights", "ticket_ref"]
        widgets = _date_widgets("departed_on")


RECORD_FORMS: dict[str, type[forms.ModelForm]] = {
    "project": ProjectForm,
    "equipment": EquipmentForm,
    "loan": LoanForm,
    "recognition": RecognitionForm,
    "exhibition": ExhibitionForm,
    "figures": FiguresForm,
    "train": TrainForm,
}


class ApplySubjectForm(forms.Form):
    clause = forms.ChoiceField(label="政策条款", choices=clause_choices)
    project = forms.ModelChoiceField(label="项目", queryset=Project.objects.none(), required=False)
    recognition = forms.ModelChoiceField(
        label="认定记录", queryset=Recognition.objects.none(), required=False
    )
    exhibition = forms.ModelChoiceField(label="参展记录", queryset=Exhibition.objects.none(), required=False)
    loan = forms.ModelChoiceField(label="设备贷款（E4b）", queryset=Loan.objects.none(), required=False)
    period_year = forms.IntegerField(label="所属年度", required=False, min_value=2000, max_value=2100)

    def __init__(self, enterprise: Enterprise, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        self.fields["project"].queryset = Project.objects.filter(
            Q(enterprise=enterprise) | Q(intermediary=enterprise)
        )
        self.fields["recognition"].queryset = Recognition.objects.filter(enterprise=enterprise)
        self.fields["exhibition"].queryset = Exhibition.objects.filter(enterprise=enterprise)
        self.fields["loan"].queryset = Loan.objects.filter(project__enterprise=enterprise)
        self.fields["project"].label_from_instance = lambda p: p.name
        self.fields["recognition"].label_from_instance = lambda r: (
            f"{r.get_kind_display()} {r.get_level_display()} {r.recognised_on}"
        )
        self.fields["exhibition"].label_from_instance = lambda e: f"{e.name}（{e.held_on}）"
        self.fields["loan"].label_from_instance = lambda loan: (
            f"{loan.bank} {loan.balance} 元（{loan.start_date}）"
        )


class BudgetForm(forms.Form):
    document = forms.ModelChoiceField(label="政策文件", queryset=PolicyDocument.objects.order_by("code"))
    year = forms.IntegerField(label="年度", min_value=2024, max_value=2100)
    amount = forms.DecimalField(label="预算额度（元）", min_value=0, max_digits=16, decimal_places=2)
    note = forms.CharField(label="说明", required=False, max_length=200)
