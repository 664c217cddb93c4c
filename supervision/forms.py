"""Forms of the supervision pages. They only collect input; the services validate the rules and
their RuleViolation field errors are put back on the form (`apply_errors`), so a rejected
submission re-renders with everything the user typed."""

from __future__ import annotations

from typing import Any

from django import forms

from supervision import rules
from supervision.models import Frequency, Indicator, Status
from supervision.selectors import FilterChoices


class BoardFilterForm(forms.Form):
    document = forms.ChoiceField(label="文件", required=False)
    section = forms.TypedChoiceField(label="部分/方面", required=False, coerce=int, empty_value=None)
    unit = forms.TypedChoiceField(label="责任单位", required=False, coerce=int, empty_value=None)
    county = forms.TypedChoiceField(label="县区", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label="状态", required=False)
    q = forms.CharField(label="关键词", required=False, max_length=50)

    def __init__(self, *args: Any, choices: FilterChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", "全部")]
        self.fields["document"].choices = everything + choices.documents
        self.fields["section"].choices = everything + choices.sections
        self.fields["unit"].choices = everything + choices.units
        self.fields["county"].choices = everything + choices.counties
        self.fields["status"].choices = everything + list(Status.choices)

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "document": data.get("document") or "",
            "section": data.get("section"),
            "unit": data.get("unit"),
            "county": data.get("county"),
            "status": data.get("status") or "",
            "q": (data.get("q") or "").strip(),
        }


def value_field(indicator: Indicator) -> str:
    return f"value_{indicator.pk}"


def note_field(indicator: Indicator) -> str:
    return f"note_{indicator.pk}"


class ReportForm(forms.Form):
    """Narrative, one value (and note) per indicator the unit reports; files come from
    request.FILES ("evidence", several allowed)."""

    narrative = forms.CharField(
        label="本期工作进展",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "主要工作、完成情况、存在问题和下步打算"}),
    )

    def __init__(
        self, *args: Any, indicators: list[Indicator], correction: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for ind in indicators:
            target = f"目标 {rules.DIRECTIONS[ind.direction]} {rules.fmt(ind.target)}{ind.measure_unit}"
            deadline = f"，截止 {ind.deadline:%Y-%m-%d}" if ind.deadline else ""
            self.fields[value_field(ind)] = forms.CharField(
                label=f"{ind.name}（{ind.measure_unit}）",
                required=False,
                help_text=f"{target}{deadline}。填写截至本期末的完成值（累计指标填全年累计数）。",
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )
            self.fields[note_field(ind)] = forms.CharField(label="说明", required=False, max_length=200)
        if correction:
            self.fields["reason"] = forms.CharField(label="更正原因", required=False, max_length=300)

    def value_rows(self) -> list[tuple[Indicator, forms.BoundField, forms.BoundField]]:
        return [(ind, self[value_field(ind)], self[note_field(ind)]) for ind in self.indicators]

    def service_input(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "narrative": data.get("narrative", ""),
            "values": {ind.pk: data.get(value_field(ind), "") for ind in self.indicators},
            "value_notes": {ind.pk: data.get(note_field(ind), "") for ind in self.indicators},
        }


def apply_errors(form: forms.Form, errors: dict[str, list[str]]) -> None:
    """Put a service's RuleViolation errors on the form's fields (others become non-field)."""
    for name, messages in errors.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


class CompleteForm(forms.Form):
    note = forms.CharField(label="确认完成的依据", max_length=300, required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(label="重新打开的原因", max_length=300, required=False)


class ScheduleForm(forms.Form):
    frequency = forms.ChoiceField(label="报告周期", choices=Frequency.choices)
