"""The `<id:pk>` path converter of the API: a database id, 1 to 18 digits.

`<int:pk>` accepts any number of digits, and an id beyond the database's 64-bit integers made
the lookup fail with OverflowError (SQLite) or DataError (PostgreSQL): a 500 where the answer is
404 (found by the API fuzzing, docs/reliability.md). The routers use the same pattern
(`portal.api.views.NUMERIC_ID`)."""

from __future__ import annotations

ID_PATTERN = "[0-9]{1,18}"


class IdConverter:
    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(value)
