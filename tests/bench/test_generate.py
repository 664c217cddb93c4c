"""The benchmark generator is deterministic and writes rows the app accepts (no database here:
the row generators are plain functions; loading is exercised by `make bench`)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime

from assistance import rules
from bench.generate import Org, assistance_rows, deadline_rows, id_number, order_rows
from hotline.models.choices import Channel, Kind, Status

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def org() -> Org:
    return Org(
        centre=1,
        counties=[2, 3],
        county_code={2: "yicheng", 3: "xiping"},
        townships={2: [10, 11], 3: [12]},
        township_name={10: "东岳镇", 11: "新安乡", 12: "和平镇"},
        villages={10: [100, 101], 11: [102], 12: [103]},
        handlers=[2, 3, 50],
        admin=1,
        categories=[(5, "help", "城市道路"), (6, "complaint", "住房")],
    )


def first_orders(seed: int, n: int = 50) -> list[dict]:
    return list(itertools.islice(order_rows(random.Random(seed), org(), 1000, NOW), n))


def test_same_seed_same_orders() -> None:
    assert first_orders(7) == first_orders(7)
    assert first_orders(7) != first_orders(8)


def test_orders_are_valid_for_the_app() -> None:
    rows = list(order_rows(random.Random(1), org(), 2000, NOW))
    assert [r["id"] for r in rows] == list(range(1, 2001))
    assert all(a["received_at"] <= b["received_at"] for a, b in itertools.pairwise(rows))
    for r in rows:
        assert r["kind"] in Kind.values and r["channel"] in Channel.values and r["status"] in Status.values
        assert r["township_id"] in org().townships[r["county_id"]]
        # the table's check constraint: a handling due time only after signing
        assert r.get("due_at") is None or r.get("signed_at") is not None
        if r.get("replied_at") is not None:
            assert r["reply_late"] == (r["replied_at"] > r["due_at"])
    assert len({r["token"] for r in rows}) == len(rows)


def test_deadlines_fall_due_one_after_another() -> None:
    rows = list(deadline_rows(random.Random(2), org(), 100, 1000, 99, NOW))
    dues = [r["due_at"] for r in rows]
    assert dues == sorted(dues) and len(set(dues)) == 100 and dues[0] > NOW
    assert all(r["status"] == "open" and r["starts_at"] <= r["due_at"] for r in rows)


def test_id_numbers_pass_the_apps_check() -> None:
    number = id_number("411702", date(1980, 5, 17), 123)
    assert rules.validate_id_number(number, today=date(2026, 1, 1)).errors == []


def test_households_persons_members_add_up() -> None:
    rows = list(assistance_rows(random.Random(3), org(), 100, 290, NOW))
    kinds = [k for k, _ in rows]
    assert kinds.count("household") == 100 and kinds.count("person") == 290 and kinds.count("member") == 290
    heads = [r for k, r in rows if k == "member" and r["relation"] == "head"]
    assert len(heads) == 100
    numbers = [r["id_number"] for k, r in rows if k == "person"]
    assert len(set(numbers)) == len(numbers)
    assert rows == list(assistance_rows(random.Random(3), org(), 100, 290, NOW))


def test_household_sizes_stay_realistic() -> None:
    rows = list(assistance_rows(random.Random(4), org(), 1000, 2857, NOW))
    sizes: dict[int, int] = {}
    for kind, row in rows:
        if kind == "member":
            sizes[row["household_id"]] = sizes.get(row["household_id"], 0) + 1
    assert sum(sizes.values()) == 2857 and len(sizes) == 1000
    assert max(sizes.values()) <= 6 and min(sizes.values()) >= 1
