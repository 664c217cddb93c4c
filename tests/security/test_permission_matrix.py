"""The permission matrix (issue 10): every URL pattern × every persona × every method, checked
against the table in tests/security/matrix.py (and matrix_admin.py for the admin site).

A URL pattern without an entry, an entry without a pattern, or an entry whose methods differ from
what the view accepts fails `test_every_pattern_has_an_entry`. The requests themselves run per
app, one test file each (test_permission_matrix_*.py) so that xdist spreads them."""

from __future__ import annotations

import pytest

from tests.security.expect import COLUMNS, parse
from tests.security.matrix import MATRIX, figures
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


def test_figures_add_up() -> None:
    f = figures()
    assert f["patterns"] == len(routes())
    assert f["cells"] == f["pattern_methods"] * len(COLUMNS)


@pytest.mark.parametrize("app", ["portal", "hotline", "subsidies", "assistance", "supervision"])
def test_matrix(db: None, app: str) -> None:
    assert check_app(app) == figures(app)["cells"]
