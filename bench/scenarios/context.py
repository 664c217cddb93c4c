"""What every scenario gets: the database, its generated sizes, a connection, credentials."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

TOKEN = "bench" + "0" * 35  # the generator's superuser token (bench.generate.grow_org)


@dataclass
class Context:
    database: str
    scale: float
    meta: dict[str, Any]  # what the generator wrote (row counts, seed, time)
    conn: psycopg.Connection[Any]
    quick: bool
    base: str = ""  # set while a gunicorn is serving

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Token {TOKEN}"}

    @property
    def full(self) -> bool:
        """Targets stated for the default size are judged only at scale 1."""
        return self.scale >= 1

    def seconds(self, full: int) -> int:
        return max(3, full // 6) if self.quick else full

    def one(self, sql: str, params: Any = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def rows(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()
