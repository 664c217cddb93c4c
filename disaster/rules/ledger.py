"""Checks for the relief ledger rows (救助台账, 4.3.3). Pure."""

from __future__ import annotations

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CODES = "10X98765432"


def valid_id_number(value: str) -> bool:
    """A resident ID number (GB 11643-1999): 17 digits and a check character."""
    text = value.strip().upper()
    if len(text) != 18 or not text[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], WEIGHTS, strict=True))
    return CHECK_CODES[total % 11] == text[17]


def mask_id(value: str) -> str:
    """Show the area code and the last 4 characters only: 411702********123X."""
    text = value.strip()
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]
