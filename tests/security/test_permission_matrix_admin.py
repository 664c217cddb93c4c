"""The permission matrix for `admin` (see test_permission_matrix.py); a file of its own so that
xdist runs it beside the others."""

from tests.security.matrix import figures
from tests.security.runner import check_app


def test_matrix_admin(db: None) -> None:
    assert check_app("admin") == figures("admin")["cells"]
