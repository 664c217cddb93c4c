"""Consistency checks on every township row of a report (spec disaster.md §1, plan 4.2.2).

Pure functions over plain values. The filing page runs them on every autosave and shows the
messages inline (in Chinese) next to the cell; the submit service runs them again and refuses
the report with the same messages while the draft keeps what the user typed.

Readings:
* a blank cell is 0 (fast entry under pressure); figures are non-negative integers, the
  economic loss is yuan with at most 2 decimals;
* "affected population ≥ each person count below it": deaths, missing, trapped and each
  cumulative person count (relocated, centrally housed, needing aid, the two drought counts);
* centrally housed ≤ relocated, real-time and cumulative; real-time ≤ cumulative for each pair;
* a cumulative value may not fall below the same township's value in the previous report of
  the series unless the new report is a correction (which says why);
* the missing count may fall (found alive, or confirmed dead) only with one reason per person
  recorded in the report; corrections carry their own written reason instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from disaster.rules.indicators import (
    ALL_FIELDS,
    BY_FIELD,
    COUNT_FIELDS,
    CUMULATIVE_FIELDS,
    MONEY_FIELDS,
    PAIRED,
    PERSON_FIELDS_UNDER_AFFECTED,
)

MAX_COUNT = 100_000_000  # a sanity bound far above the city's 7 M residents
MAX_LOSS = Decimal("999999999999.99")
CENT = Decimal("0.01")
MISSING_OUTCOMES = {"found_alive": "找到（生还）", "confirmed_dead": "确认死亡", "other": "其他"}

RowValues = dict[str, Any]  # field -> int (counts) / Decimal (money)


@dataclass
class RowCheck:
    values: RowValues
    errors: dict[str, list[str]] = field(default_factory=dict)  # field (or "row") -> messages

    def add(self, where: str, message: str) -> None:
        self.errors.setdefault(where, []).append(message)

    @property
    def ok(self) -> bool:
        return not self.errors


def zero_row() -> RowValues:
    return {f: (Decimal("0.00") if f in MONEY_FIELDS else 0) for f in ALL_FIELDS}


def parse_row(raw: Mapping[str, Any]) -> RowCheck:
    """Turn user input (strings, numbers or None) into values; bad cells get a message."""
    check = RowCheck(values=zero_row())
    for name in COUNT_FIELDS:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, bool):
            check.add(name, f"{BY_FIELD[name].label}须为不小于 0 的整数")
            continue
        text = str(value).strip().replace(",", "").replace("，", "")
        if not text.isdigit():
            check.add(name, f"{BY_FIELD[name].label}须为不小于 0 的整数，“{value}”无效")
            continue
        number = int(text)
        if number > MAX_COUNT:
            check.add(name, f"{BY_FIELD[name].label}数值过大，请核对")
            continue
        check.values[name] = number
    for name in MONEY_FIELDS:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        text = str(value).strip().replace(",", "").replace("，", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            check.add(name, f"{BY_FIELD[name].label}须为金额（元，最多两位小数），“{value}”无效")
            continue
        if not amount.is_finite() or amount < 0:
            check.add(name, f"{BY_FIELD[name].label}不能为负数")
            continue
        if amount != amount.quantize(CENT):
            check.add(name, f"{BY_FIELD[name].label}最多两位小数（单位：元）")
            continue
        if amount > MAX_LOSS:
            check.add(name, f"{BY_FIELD[name].label}数值过大，请核对")
            continue
        check.values[name] = amount.quantize(CENT)
    return check


def check_row(
    check: RowCheck,
    *,
    previous: Mapping[str, Any] | None,
    is_correction: bool,
    missing_reasons: int = 0,
) -> RowCheck:
    """Add the consistency messages of one township row to `check` (parsed by `parse_row`).
    `previous`: the township's values in the previous report of the series (None if first).
    `missing_reasons`: how many per-person reasons the report records for this township."""
    v = check.values
    affected = v["affected"]
    for name in PERSON_FIELDS_UNDER_AFFECTED:
        if v[name] > affected:
            check.add(
                name,
                f"{BY_FIELD[name].label} {v[name]} 人超过受灾人口 {affected} 人：受灾人口应不少于其下各项人数",
            )
    for suffix, label in (("rt", "实时值"), ("cum", "累计值")):
        housed, relocated = v[f"housed_{suffix}"], v[f"relocated_{suffix}"]
        if housed > relocated:
            check.add(
                f"housed_{suffix}",
                f"集中安置人口{label} {housed} 人超过紧急转移安置人口{label} {relocated} 人",
            )
    for code in PAIRED:
        rt, cum = v[f"{code}_rt"], v[f"{code}_cum"]
        if rt > cum:
            label = BY_FIELD[f"{code}_cum"].label.replace("（累计值）", "")
            check.add(f"{code}_rt", f"{label}实时值 {rt} 不能大于累计值 {cum}（累计值为灾害发生以来的总量）")
    if previous is not None and not is_correction:
        for name in CUMULATIVE_FIELDS:
            before = int(previous.get(name) or 0)
            if v[name] < before:
                label = BY_FIELD[name].label.replace("（累计值）", "")
                check.add(
                    name,
                    f"{label}累计值 {v[name]} 小于上次报告的 {before}：累计值只增不减，"
                    "如上次数据有误请提交更正报告并说明原因",
                )
        before_missing = int(previous.get("missing") or 0)
        drop = before_missing - v["missing"]
        if drop > 0 and missing_reasons != drop:
            check.add(
                "missing",
                f"失踪人数由 {before_missing} 人减少为 {v['missing']} 人（减少 {drop} 人），"
                f"须逐人填写减少原因（已填 {missing_reasons} 人）",
            )
    return check


def missing_drop(previous: Mapping[str, Any] | None, values: Mapping[str, Any]) -> int:
    if previous is None:
        return 0
    return max(int(previous.get("missing") or 0) - int(values.get("missing") or 0), 0)


@dataclass
class MissingChange:
    township: Any
    name: str
    outcome: str
    note: str = ""


def check_missing_changes(changes: Sequence[Mapping[str, Any]], townships: set[Any]) -> list[str]:
    """Per-person reasons for a falling missing count: each needs a township of the report,
    a name and a known outcome."""
    errors = []
    for i, change in enumerate(changes, start=1):
        if change.get("township") not in townships:
            errors.append(f"失踪人员变动第 {i} 行：请选择本报告中的乡镇")
        if not str(change.get("name") or "").strip():
            errors.append(f"失踪人员变动第 {i} 行：请填写姓名")
        if change.get("outcome") not in MISSING_OUTCOMES:
            errors.append(f"失踪人员变动第 {i} 行：请选择变动原因（找到生还 / 确认死亡 / 其他）")
        if change.get("outcome") == "other" and not str(change.get("note") or "").strip():
            errors.append(f"失踪人员变动第 {i} 行：原因为“其他”时须填写说明")
    return errors


def totals(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Column totals of a report's rows (summing townships of one report is correct; summing
    the real-time values of different reports never is)."""
    out: dict[str, Any] = {f: (Decimal("0.00") if f in MONEY_FIELDS else 0) for f in ALL_FIELDS}
    for row in rows:
        for name in ALL_FIELDS:
            out[name] += row.get(name) or 0
    return out
