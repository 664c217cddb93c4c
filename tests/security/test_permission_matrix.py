"""The permission matrix (issue 10): every URL pattern × every persona × every method, checked
against the table in tests/security/matrix.py (and matrix_admin.py for the admin site).

A URL pattern without an entry, an entry without a pattern, or an entry whose methods differ from
what the view accepts fails `test_every_pattern_has_an_entry`. The requests themselves run per
app, one test file each (test_permission_matrix_*.py) so that xdist spreads them."""

from __future__ import annotations

import pytest

from tests.security.expect import ANON, COLUMNS, parse
from tests.security.matrix import (
    COUNTY_A_OBJECTS,
    MATRIX,
    PUBLIC_OBJECTS,
    PUBLIC_PATTERNS,
    UNIT_A_OBJECTS,
    figures,
)
from tests.security.matrix_admin import ADMIN_MATRIX
from tests.security.runner import check_app, routes


def test_every_pattern_has_an_entry() -> None:
    table = {**MATRIX, **ADMIN_MATRIX}
    patterns = {r.key: r for r in routes()}
    assert len(patterns) == len(routes()), "two URL patterns are written the same way"
    missing = sorted(set(patterns) - set(table))
    stale = sorted(set(table) - set(patterns))
    assert not missing, (
        "URL patterns without a permission-matrix entry (add them to tests/security/matrix.py):\n"
        + "\n".join(missing)
    )
    assert not stale, "matrix entries for URL patterns that no longer exist:\n" + "\n".join(stale)
    for key, route in patterns.items():
        _obj, cells = table[key]
        assert tuple(cells) == route.methods, (
            f"{key}: the matrix lists {tuple(cells)}, the view takes {route.methods}"
        )


def test_every_cell_names_every_persona_once() -> None:
    for key, (_obj, cells) in {**MATRIX, **ADMIN_MATRIX}.items():
        for method, cell in cells.items():
            expected = parse(cell)
            assert set(expected) == set(COLUMNS), (key, method)
            assert "500" not in expected.values(), (key, method)


# Rules the table itself must obey, so that editing a cell cannot quietly open a hole.
TABLE = {**MATRIX, **ADMIN_MATRIX}
REFUSED = {"403", "404", "405"}


def test_anonymous_reaches_only_public_patterns() -> None:
    assert set(PUBLIC_PATTERNS) <= set(TABLE)
    for key, (_obj, cells) in TABLE.items():
        for method, cell in cells.items():
            if key not in PUBLIC_PATTERNS:
                assert parse(cell)[ANON] in {"login", "401"}, (key, method)


def test_outsider_reaches_no_object() -> None:
    for key, (obj, cells) in TABLE.items():
        if obj == "none" or obj.startswith("admin") or obj in PUBLIC_OBJECTS:
            continue
        for method, cell in cells.items():
            assert parse(cell)["outsider"] in REFUSED, (key, method)


def test_other_county_gets_404_on_county_a_objects() -> None:
    seen = 0
    for key, (obj, cells) in TABLE.items():
        if obj in COUNTY_A_OBJECTS:
            for method, cell in cells.items():
                assert parse(cell)["xiping"] in {"404", "405"}, (key, method)
                seen += 1
    assert seen > 100


def test_other_unit_gets_404_on_unit_a_objects() -> None:
    seen = 0
    for key, (obj, cells) in TABLE.items():
        if obj in UNIT_A_OBJECTS:
            for method, cell in cells.items():
                assert parse(cell)["clerk_power"] in {"404", "405"}, (key, method)
                seen += 1
    assert seen > 30


def test_figures_add_up() -> None:
    f = figures()
    assert f["patterns"] == len(routes())
    assert f["cells"] == f["pattern_methods"] * len(COLUMNS)


@pytest.mark.parametrize("app", ["portal", "hotline", "subsidies", "assistance", "supervision"])
def test_matrix(db: None, app: str) -> None:
    assert check_app(app) == figures(app)["cells"]
