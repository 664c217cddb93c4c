"""统一社会信用代码 (unified social credit code) validation, GB 32100-2015.

18 characters from the 31-character set 0-9 and A-Z without I, O, S, V, Z:
position 1 registration authority, 2 organisation category, 3–8 the administrative division
code (digits), 9–17 the organisation's identification code, 18 the check character.
Check character: with weights 3^(i-1) mod 31 (i = 1…17), C18 = 31 - (Σ value·weight mod 31),
where 31 maps to 0.
"""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(
    pow(3, i, 31) for i in range(17)
)  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
VALUES = {ch: i for i, ch in enumerate(CHARSET)}


def check_character(first17: str) -> str:
    """The check character for the first 17 characters (already upper-case, valid charset)."""
    total = sum(VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    return (code or "").strip().upper()


def credit_code_errors(code: str) -> list[str]:
    """Chinese messages for everything wrong with `code` (empty list: valid)."""
    text = normalise(code)
    if len(text) != 18:
        return [f"统一社会信用代码应为 18 位，当前为 {len(text)} 位"]
    bad = sorted({ch for ch in text if ch not in VALUES})
    if bad:
        return [f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、S、V、Z）"]
    if not text[2:8].isdigit():
        return ["统一社会信用代码第 3–8 位应为行政区划代码（数字）"]
    expected = check_character(text[:17])
    if text[17] != expected:
        return [f"统一社会信用代码校验位错误：第 18 位应为 {expected}，实际为 {text[17]}"]
    return []


def is_valid_credit_code(code: str) -> bool:
    return not credit_code_errors(code)


def make_credit_code(first17: str) -> str:
    """Complete 17 characters with their check character (demo data and tests)."""
    body = normalise(first17)
    if len(body) != 17 or any(ch not in VALUES for ch in body):
        raise ValueError(f"not 17 characters of the GB 32100 set: {first17!r}")
    return body + check_character(body)
