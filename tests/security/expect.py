"""The persona columns of the permission matrix and the small language its cells are written in.

A cell reads like `"ok: admin CITY yicheng | 404: xiping | login: anon | 403: *"`: each clause
is an outcome and the personas (or groups) that get it; `*` is everyone not named in another
clause. Outcomes are those of tests/security/runner.py (`ok`, `empty`, `login`, or a status)."""

from __future__ import annotations

from portal.personas import PERSONAS

ANON = "anon"
# Columns: anonymous, then every persona of portal/personas.py (the demo and test people).
COLUMNS: tuple[str, ...] = (ANON, *(p.username for p in PERSONAS))

GROUPS: dict[str, tuple[str, ...]] = {
    # city departments (role city_staff): 应急局, 民政局, 工信局, 财政局
    "CITY": ("city_yjj", "city_mzj", "city_gxj", "city_czj"),
    # the disaster reduction committee's decision roles (四级 … 一级响应)
    "JZW": ("jzw_office_deputy", "jzw_office_director", "jzw_deputy", "jzw_exec_deputy", "jzw_director"),
    # 12345 centre
    "HOTLINE": ("operator", "supervisor"),
    # handling units: 市住建局 (unit A) and 供电公司 (unit B)
    "CLERKS": ("clerk_zjj", "clerk_power"),
}


def parse(cell: str) -> dict[str, str]:
    """`"ok: admin | 403: *"` → {persona: outcome} for every column."""
    expected: dict[str, str] = {}
    rest: str | None = None
    for clause in cell.split("|"):
        outcome, _, names = clause.partition(":")
        outcome, names_list = outcome.strip(), names.split()
        assert outcome and names_list, f"bad matrix cell {cell!r}"
        for name in names_list:
            if name == "*":
                assert rest is None, f"two `*` in {cell!r}"
                rest = outcome
                continue
            for persona in GROUPS.get(name, (name,)):
                assert persona in COLUMNS, f"unknown persona {persona!r} in {cell!r}"
                assert persona not in expected, f"{persona} named twice in {cell!r}"
                expected[persona] = outcome
    for persona in COLUMNS:
        if persona not in expected:
            assert rest is not None, f"{persona} has no outcome in {cell!r} (add `*`)"
            expected[persona] = rest
    return expected


PREFERENCE = ("403", "404", "login", "401", "405", "ok", "empty", "400")


def render(outcomes: dict[str, str]) -> str:
    """The inverse of parse(): the shortest cell, the commonest outcome given as `*`."""
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    default = max(counts, key=lambda o: (counts[o], -PREFERENCE.index(o) if o in PREFERENCE else -99))
    by_outcome: dict[str, list[str]] = {}
    for persona in COLUMNS:
        outcome = outcomes[persona]
        if outcome != default:
            by_outcome.setdefault(outcome, []).append(persona)
    clauses = []
    for outcome, personas in by_outcome.items():
        names: list[str] = []
        for group, members in GROUPS.items():
            if all(m in personas for m in members):
                names.append(group)
        names += [p for p in personas if not any(p in GROUPS[g] for g in names)]
        clauses.append(f"{outcome}: {' '.join(names)}")
    clauses.append(f"{default}: *")
    return " | ".join(clauses)
